//! 我的办件 and one submission: the receipt right after filing, then the
//! one status and timeline the applicant follows, what a department asks to
//! correct (补正, with new files), the materials promised under 告知承诺
//! with their deadlines and the files that fulfil them, every material
//! handed in, the 好差评 of each ended item and of the whole (with one 追评),
//! and what the applicant reported about it (我要反映).

use std::collections::BTreeMap;

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use serde_json::{Map, Value};

use crate::api::{
    ActionResult, CaseDto, CommitmentDto, CommitmentStatus, Correction, FormDto, FormField, FulfilRequest,
    MaterialDocs, MaterialState, Page, RatingDto, SubmissionDto, SubmissionSummary, SupplementRequest,
    WorkItemBrief,
};
use crate::browser;
use crate::catalog::FieldKind;
use crate::catalog::values::{check, is_empty};
use crate::client::{Api, ApiError, Method};
use crate::components::feedback::{RatingActionForm, RatingForm, case_list, rating_card};
use crate::components::form::{AnswerField, Field, FieldControl};
use crate::components::labels::{
    commitment_label, commitment_status_class, event_label, material_state_text, short_time,
    submission_status_class, wire_word, work_status_class,
};
use crate::components::page::{PageError, RequireLogin};
use crate::components::upload::{FileCard, FilePicker};
use crate::domain::Date;
use crate::paths;
use crate::workflow::{SubmissionStatus, WorkStatus};

#[component]
pub fn SubmissionPage() -> impl IntoView {
    let id = use_params_map().read_untracked().get("id").unwrap_or_default();
    let new = use_query_map().read_untracked().get("new").is_some();
    let here = format!("/submissions/{id}");
    view! {
        <RequireLogin here load=move |api| load_submission(api, id.clone())
            render=move |(s, form): (SubmissionDto, Option<FormDto>)| submission_view(s, new, form)/>
    }
}

async fn load_submission(api: Api, id: String) -> Result<(SubmissionDto, Option<FormDto>), PageError> {
    let s = api.get::<SubmissionDto>(&paths::submission(&id)).await?;
    // For returned items: the fields to correct, from the form.
    let form = if s.work_items.iter().any(|w| w.status == WorkStatus::Returned) {
        let items: Vec<String> = s.work_items.iter().map(|w| w.item.clone()).collect();
        api.get::<FormDto>(&paths::bundle_form(&s.bundle, &items))
            .await
            .ok()
    } else {
        None
    };
    Ok((s, form))
}

/// The deadline line of a work item, in plain Chinese.
fn deadline_text(w: &WorkItemBrief) -> String {
    match (w.status, &w.due_date) {
        (WorkStatus::Waiting, _) if w.blocked_by.is_some() => {
            format!(
                "无法开始：前置事项“{}”不予办理",
                w.blocked_by.clone().unwrap_or_default()
            )
        }
        (WorkStatus::Waiting, _) => "等待前置事项办结后开始计时".into(),
        (WorkStatus::Returned, _) => "计时暂停，等待您补正".into(),
        (WorkStatus::Completed | WorkStatus::Rejected, _) => String::new(),
        (_, Some(d)) if w.overdue => format!("已超过办结期限 {d}"),
        (_, Some(d)) if w.due_soon => format!("{d} 前办结（即将到期）"),
        (_, Some(d)) => format!("{d} 前办结"),
        (_, None) => String::new(),
    }
}

fn submission_view(s: SubmissionDto, new: bool, form: Option<FormDto>) -> impl IntoView {
    let banner = new.then(|| {
        view! {
            <div class="receipt" role="status">
                <h1>"申请已提交"</h1>
                <p>"办件编号"</p>
                <p class="tracking-no" data-tracking=s.tracking_no.clone()>{s.tracking_no.clone()}</p>
                <p class="muted">"各部门已同时收到您的申请。请记下办件编号，可随时查询进度。"</p>
            </div>
        }
    });
    let parts = s
        .work_items
        .iter()
        .map(|w| {
            let deadline = deadline_text(w);
            view! {
                <li class="part" data-item=w.item.clone() data-status=w.status.as_str()>
                    <div class="part-head">
                        <span class="part-name">{w.item_name.clone()}</span>
                        <span class=work_status_class(w.status)>{w.status.label()}</span>
                    </div>
                    <p class="part-dept">{w.department_name.clone()}</p>
                    {(!deadline.is_empty()).then(|| view! { <p class="part-deadline" class:overdue=w.overdue>{deadline}</p> })}
                    <p class="part-report">
                        <a href=report_href(&s.id, Some(&w.id))>"我要反映"<span class="visually-hidden">{format!("：{}", w.item_name)}</span></a>
                    </p>
                </li>
            }
        })
        .collect_view();
    let heading = (!new).then(|| view! { <h1>{s.bundle_name.clone()}</h1> });
    // What to do next: each returned item with the department's reason and
    // the answers to correct.
    let returned = s
        .work_items
        .iter()
        .filter(|w| w.status == WorkStatus::Returned)
        .map(|w| {
            let reason = s
                .timeline
                .iter()
                .rev()
                .find(|e| e.work_item.as_deref() == Some(w.id.as_str()) && e.event == "return")
                .and_then(|e| e.comment.clone())
                .unwrap_or_default();
            let fields = supplement_fields(form.as_ref(), w);
            let values: Map<String, Value> = fields
                .iter()
                .filter(|f| f.kind != FieldKind::Material)
                .filter_map(|f| s.data.get(&f.key).map(|v| (f.key.clone(), v.clone())))
                .collect();
            let asked = (!w.corrections.is_empty()).then(|| {
                let list = w
                    .corrections
                    .iter()
                    .map(|c| view! {
                        <li data-key=c.key.clone()>
                            <strong>{c.label.clone()}</strong>
                            {c.reason.clone().map(|r| view! { <span class="reason">{format!("：{r}")}</span> })}
                        </li>
                    })
                    .collect_view();
                view! {
                    <p>"需要补正的内容："</p>
                    <ul class="corrections">{list}</ul>
                }
            });
            let hint = if w.corrections.is_empty() {
                "请修改下面的内容后点“提交补正”。材料如需更换，请重新上传。补正期间办理时限暂停计算，提交后部门会重新受理。"
            } else {
                "请按要求修改，不合格的材料请重新拍照或上传，然后点“提交补正”。补正期间办理时限暂停计算，提交后部门会重新受理。"
            };
            view! {
                <section class="panel todo" data-returned=w.item.clone()>
                    <h2>{format!("需要您补正：{}", w.item_name)}</h2>
                    <p>{format!("{}退回的原因：", w.department_name)}<strong class="reason">{reason}</strong></p>
                    {asked}
                    <p class="hint">{hint}</p>
                    <SupplementForm submission=s.id.clone() work_item=w.id.clone() fields values
                        asked=!w.corrections.is_empty()/>
                </section>
            }
        })
        .collect_view();
    let departments: BTreeMap<String, String> = s
        .work_items
        .iter()
        .map(|w| (w.department.clone(), w.department_name.clone()))
        .collect();
    let item_names: BTreeMap<String, String> = s
        .work_items
        .iter()
        .map(|w| (w.item.clone(), w.item_name.clone()))
        .collect();
    let timeline = s
        .timeline
        .iter()
        .rev()
        .map(|e| {
            let who = e.department.as_ref().and_then(|d| departments.get(d)).cloned();
            let what = e.item.as_ref().and_then(|i| item_names.get(i)).cloned();
            view! {
                <li data-event=e.event.clone()>
                    <span class="when">{short_time(&e.at)}</span>
                    <span class="what">
                        {who.map(|w| format!("{w} · "))}
                        {event_label(&e.event)}
                        {what.map(|w| format!("：{w}"))}
                    </span>
                    {e.comment.clone().map(|c| view! { <span class="comment">{c}</span> })}
                </li>
            }
        })
        .collect_view();
    let commitments = commitments_view(&s.id, &s.commitments);
    let materials = materials_view(&s.documents);
    let ratings = ratings_view(&s);
    let cases = cases_view(&s.cases);
    let report = report_href(&s.id, None);
    view! {
        <Title text=format!("办件 {}", s.tracking_no)/>
        <nav class="breadcrumb" aria-label="位置">
            <a href="/">"首页"</a>" › "<a href="/submissions">"我的办件"</a>" › "<span aria-current="page">{s.tracking_no.clone()}</span>
        </nav>
        {banner}
        <section class="panel">
            {heading}
            <p class="muted">{format!("{} · 办件编号 {}", s.bundle_name, s.tracking_no)}</p>
            <p class=submission_status_class(s.status) data-status=s.status.as_str()>{s.status.label()}</p>
            <h2>"各部门办理情况"</h2>
            <ul class="parts">{parts}</ul>
        </section>
        {returned}
        {ratings}
        {cases}
        {commitments}
        {materials}
        <section class="panel">
            <h2>"办理进程"</h2>
            <ol class="timeline">{timeline}</ol>
        </section>
        <p class="actions">
            <a class="button secondary" href=report>"我要反映"</a>
            <a class="button secondary" href="/submissions">"我的办件"</a>
            <a class="button secondary" href="/">"返回首页"</a>
        </p>
    }
}

/// 我要反映 about the submission (and one of its items).
fn report_href(submission: &str, work_item: Option<&str>) -> String {
    let mut href = format!("/cases/new?submission={}", paths::encode(submission));
    if let Some(w) = work_item {
        href.push_str(&format!("&work_item={}", paths::encode(w)));
    }
    href
}

/// 好差评: for each ended item (办结 or 不予办理), and for the whole once it
/// has ended, the rating given — with the 追评 box while there is none — or
/// the form to give it. `None` until something has ended.
fn ratings_view(s: &SubmissionDto) -> Option<impl IntoView + use<>> {
    let ended: Vec<&WorkItemBrief> = s
        .work_items
        .iter()
        .filter(|w| matches!(w.status, WorkStatus::Completed | WorkStatus::Rejected))
        .collect();
    let whole = matches!(
        s.status,
        SubmissionStatus::Completed | SubmissionStatus::ClosedWithRejections
    );
    if ended.is_empty() && !whole {
        return None;
    }
    let block = |key: String,
                 item: Option<String>,
                 title: String,
                 sub: String,
                 department: String,
                 path: String,
                 rating: Option<&RatingDto>| {
        let body = match rating {
            Some(r) => {
                let follow = r.follow_up.is_none().then(|| {
                    view! {
                        <RatingActionForm id=r.id.clone() actions=vec![("follow_up".to_owned(), "提交追评".to_owned())]
                            what="追评内容".to_owned() opener="追评".to_owned()
                            hint="追评只能提交一次，原评价不会改变。".to_owned()/>
                    }
                });
                view! { {rating_card(r, false, true)} {follow} }.into_any()
            }
            None => view! { <RatingForm path key=key.clone() department window=false/> }.into_any(),
        };
        view! {
            <div class="rating-block" data-rate=key.clone() data-item=item data-rated=rating.is_some().to_string()>
                <h3 id=format!("rate-{key}-title")>{title}</h3>
                <p class="muted">{sub}</p>
                {body}
            </div>
        }
    };
    let items = ended
        .into_iter()
        .map(|w| {
            let rating = s
                .ratings
                .iter()
                .find(|r| r.work_item.as_deref() == Some(w.id.as_str()));
            block(
                w.id.clone(),
                Some(w.item.clone()),
                w.item_name.clone(),
                format!("{} · {}", w.department_name, w.status.label()),
                w.department_name.clone(),
                paths::work_item_rating(&w.id),
                rating,
            )
        })
        .collect_view();
    let overall = whole.then(|| {
        let rating = s.ratings.iter().find(|r| r.work_item.is_none());
        let lead = rating.map(|r| r.department_name.clone()).unwrap_or_default();
        block(
            "submission".to_owned(),
            None,
            format!("整体评价：{}", s.bundle_name),
            format!("{} · {}", s.tracking_no, s.status.label()),
            lead,
            paths::submission_rating(&s.id),
            rating,
        )
    });
    Some(view! {
        <section class="panel ratings" id="rating">
            <h2>"好差评"</h2>
            <p class="hint">"请对办结的事项逐项评价，一事一评。差评会转交办理部门回访、整改，县政务服务中心督促落实。"</p>
            {items}
            {overall}
        </section>
    })
}

/// 我的反映: the cases the applicant opened about this submission.
fn cases_view(cases: &[CaseDto]) -> Option<impl IntoView + use<>> {
    (!cases.is_empty()).then(|| {
        view! {
            <section class="panel" id="cases">
                <h2>"我的反映"</h2>
                {case_list(cases.to_vec(), false, "")}
            </section>
        }
    })
}

/// The fields a returned item asks to correct: exactly its `corrections`
/// when the department named them (materials then as new files, required,
/// with the department's reason as the hint), else every answer the item
/// uses (materials optional: only to replace them).
fn supplement_fields(form: Option<&FormDto>, w: &WorkItemBrief) -> Vec<FormField> {
    let as_upload = |mut f: FormField, required: bool| {
        if f.kind == FieldKind::Material {
            // A correction is handed in as files: no promise, no e-certificate.
            f.certificate = None;
            f.commit_days = None;
            f.options = None;
            f.required = required;
        }
        f
    };
    if w.corrections.is_empty() {
        return form
            .map(|f| {
                f.fields()
                    .filter(|x| x.used_by.contains(&w.item))
                    .cloned()
                    .map(|x| as_upload(x, false))
                    .collect()
            })
            .unwrap_or_default();
    }
    w.corrections
        .iter()
        .map(|c: &Correction| {
            let mut f = form
                .and_then(|f| f.field(&c.key).cloned())
                .unwrap_or_else(|| FormField {
                    key: c.key.clone(),
                    label: c.label.clone(),
                    kind: c.kind,
                    required: true,
                    options: None,
                    used_by: vec![w.item.clone()],
                    help: String::new(),
                    pii: crate::catalog::PiiClass::None,
                    rules: crate::catalog::Rules::default(),
                    certificate: None,
                    commit_days: None,
                });
            if let Some(r) = &c.reason {
                f.help = format!("部门意见：{r}");
            }
            as_upload(f, true)
        })
        .collect()
}

/// 告知承诺: each promised material with, per item, its due date and how it
/// stands; while the departments have not decided, the files to hand in.
fn commitments_view(submission: &str, all: &[CommitmentDto]) -> Option<impl IntoView + use<>> {
    if all.is_empty() {
        return None;
    }
    // One group per material, in the order the server lists them.
    let mut groups: Vec<(String, String, Vec<CommitmentDto>)> = Vec::new();
    for c in all {
        match groups.iter_mut().find(|g| g.0 == c.material) {
            Some(g) => g.2.push(c.clone()),
            None => groups.push((c.material.clone(), c.material_label.clone(), vec![c.clone()])),
        }
    }
    let rows = groups
        .into_iter()
        .map(|(material, label, cs)| {
            let undecided = cs
                .iter()
                .any(|c| matches!(c.status, CommitmentStatus::Open | CommitmentStatus::Overdue));
            let supplied = cs.iter().find_map(|c| c.supplied_at.clone());
            let files = cs
                .iter()
                .find(|c| !c.files.is_empty())
                .map(|c| c.files.clone())
                .unwrap_or_default();
            let items = cs
                .iter()
                .map(|c| {
                    let overdue = c.status == CommitmentStatus::Overdue;
                    view! {
                        <li class="commitment-row" class:overdue=overdue data-status=wire_word(&c.status)>
                            <span class="commitment-item">{c.item_name.clone()}</span>
                            <span class="commitment-due" class:overdue-text=overdue>{format!("截止 {}", c.due_date)}</span>
                            <span class=commitment_status_class(c.status)>{commitment_label(c)}</span>
                            {c.reason.clone().map(|r| view! { <span class="comment">{format!("核查意见：{r}")}</span> })}
                        </li>
                    }
                })
                .collect_view();
            let again = supplied.is_some();
            let handed_in = supplied.map(|at| {
                let cards = files
                    .into_iter()
                    .map(|f| {
                        let href = crate::paths::upload(&f.id);
                        view! { <FileCard file=f href/> }
                    })
                    .collect_view();
                view! {
                    <p class="muted">{format!("已于 {} 补交，等待部门核查", short_time(&at))}</p>
                    <ul class="files">{cards}</ul>
                }
            });
            let supply = undecided.then(|| {
                view! {
                    <CommitmentSupply submission=submission.to_owned() material=material.clone() label=label.clone() again/>
                }
            });
            view! {
                <div class="commitment-group" data-material=material.clone()>
                    <h3>{format!("《{label}》")}</h3>
                    <ul class="commitment-rows">{items}</ul>
                    {handed_in}
                    {supply}
                </div>
            }
        })
        .collect_view();
    Some(view! {
        <section class="panel commitments" id="commitments">
            <h2>"告知承诺"</h2>
            <p class="hint">"以下材料您选择了容缺受理。请在截止日期前补交，部门核查通过即为履约；逾期未补交将记入信用档案。"</p>
            {rows}
        </section>
    })
}

/// Every material of the submission with its files (each opens in a new tab).
fn materials_view(docs: &[MaterialDocs]) -> Option<impl IntoView + use<>> {
    if docs.is_empty() {
        return None;
    }
    let rows = docs
        .iter()
        .map(|m| {
            let state = match m.state {
                MaterialState::Certificate => "电子证照，免提交".to_owned(),
                _ => material_state_text(m),
            };
            let cards = m
                .files
                .iter()
                .cloned()
                .map(|f| {
                    let href = crate::paths::upload(&f.id);
                    view! { <FileCard file=f href/> }
                })
                .collect_view();
            view! {
                <li class="material-doc" data-material=m.key.clone() data-state=wire_word(&m.state)>
                    <div class="material-head">
                        <span class="material-name">{m.label.clone()}</span>
                        <span class="muted">{state}</span>
                    </div>
                    {(!m.files.is_empty()).then(|| view! { <ul class="files">{cards}</ul> })}
                </li>
            }
        })
        .collect_view();
    Some(view! {
        <section class="panel">
            <h2>"材料"</h2>
            <ul class="material-docs">{rows}</ul>
        </section>
    })
}

#[component]
pub fn SubmissionsPage() -> impl IntoView {
    let before = use_query_map().read_untracked().get("before");
    view! {
        <Title text="我的办件"/>
        <RequireLogin here="/submissions"
            load=move |api: Api| {
                let before = before.clone();
                async move {
                    api.get::<Page<SubmissionSummary>>(&paths::submissions(20, before.as_deref()))
                        .await
                        .map_err(PageError::from)
                }
            }
            render=list_view/>
    }
}

fn list_view(page: Page<SubmissionSummary>) -> impl IntoView {
    let empty = page
        .items
        .is_empty()
        .then(|| view! { <p class="muted">"您还没有提交过申请。" <a href="/">"去办事"</a></p> });
    let rows = page
        .items
        .into_iter()
        .map(|s| {
            let done = s.work_items.iter().filter(|w| w.status == WorkStatus::Completed).count();
            view! {
                <li class="submission-row">
                    <a href=format!("/submissions/{}", s.id)>
                        <span class="bundle-name">{s.bundle_name.clone()}</span>
                        <span class=submission_status_class(s.status)>{s.status.label()}</span>
                        <span class="muted">{format!("{} · {}/{} 项已办结", s.tracking_no, done, s.work_items.len())}</span>
                    </a>
                </li>
            }
        })
        .collect_view();
    let next = page.next.map(|n| {
        view! { <p class="pager"><a class="button secondary" href=format!("/submissions?before={n}")>"更早的办件"</a></p> }
    });
    view! {
        <section class="panel">
            <h1>"我的办件"</h1>
            {empty}
            <ul class="submission-list">{rows}</ul>
            {next}
        </section>
    }
}

/// The applicant corrects a returned item (补正): the answers asked for
/// (`asked`: exactly those, each required) or, when the department named
/// none, any answer of the item, sending only what changed. Materials are
/// handed in as new files.
#[island]
fn SupplementForm(
    submission: String,
    work_item: String,
    fields: Vec<FormField>,
    values: Map<String, Value>,
    asked: bool,
) -> impl IntoView {
    let before = StoredValue::new(values.clone());
    let data = RwSignal::new(values);
    let errors: RwSignal<BTreeMap<String, String>> = RwSignal::new(BTreeMap::new());
    let busy = RwSignal::new(false);
    let message = RwSignal::new(None::<String>);
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let fields = StoredValue::new(fields);
    let (submission, work_item) = (StoredValue::new(submission), StoredValue::new(work_item));
    let today = Date::today_china();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut found = BTreeMap::new();
        for f in fields.get_value() {
            if let Err(e) = data.with_untracked(|d| check(&f, d.get(&f.key), today)) {
                found.insert(f.key.clone(), e.message);
            }
        }
        if !found.is_empty() {
            errors.set(found);
            browser::focus(".todo .field.has-error input, .todo .field.has-error textarea");
            return;
        }
        let changed = |k: &str, v: &Value| asked || before.with_value(|b| b.get(k) != Some(v));
        let req = SupplementRequest {
            work_item: work_item.get_value(),
            data: fields
                .get_value()
                .iter()
                .filter_map(|f| {
                    data.with_untracked(|d| d.get(&f.key).cloned())
                        .filter(|v| !is_empty(Some(v)) && changed(&f.key, v))
                        .map(|v| (f.key.clone(), v))
                })
                .collect(),
        };
        busy.set(true);
        spawn_local(async move {
            let path = paths::submission_supplement(&submission.get_value());
            match Api::new()
                .send::<_, ActionResult>(Method::Post, &path, &req)
                .await
            {
                Ok(_) => browser::reload(),
                Err(ApiError::Api { fields, .. }) if !fields.is_empty() => {
                    busy.set(false);
                    errors.set(fields.into_iter().map(|e| (e.field, e.message)).collect());
                }
                Err(e) => {
                    busy.set(false);
                    message.set(Some(e.to_string()));
                }
            }
        });
    };
    let inputs = fields
        .get_value()
        .into_iter()
        .map(|f| {
            let key = f.key.clone();
            let value = Memo::new({
                let key = key.clone();
                move |_| data.with(|d| d.get(&key).cloned())
            });
            let error = Memo::new({
                let key = key.clone();
                move |_| errors.with(|e| e.get(&key).cloned())
            });
            let on_input = Callback::new({
                let key = key.clone();
                move |v: Value| {
                    data.update(|d| {
                        d.insert(key.clone(), v);
                    });
                }
            });
            let g = f.clone();
            let on_blur = Callback::new(move |()| {
                let e = data
                    .with_untracked(|d| check(&g, d.get(&g.key), today))
                    .err()
                    .map(|e| e.message);
                errors.update(|all| {
                    match e {
                        Some(m) => all.insert(g.key.clone(), m),
                        None => all.remove(&g.key),
                    };
                });
            });
            view! { <AnswerField field=f value error on_input on_blur/> }
        })
        .collect_view();
    view! {
        <form class="form" novalidate on:submit=submit data-hydrated=move || hydrated.get().to_string()>
            {inputs}
            {move || message.get().map(|m| view! { <p class="error-box" role="alert">{m}</p> })}
            <button class="button wide" type="submit" disabled=move || busy.get()>
                {move || if busy.get() { "正在提交…" } else { "提交补正" }}
            </button>
        </form>
    }
}

/// Hands in a promised material (告知承诺补交): its files, then "提交补交材料".
/// `again`: files were handed in already; new ones replace them until a
/// department has checked them.
#[island]
fn CommitmentSupply(submission: String, material: String, label: String, again: bool) -> impl IntoView {
    let files = RwSignal::new(Vec::<String>::new());
    let known = RwSignal::new(BTreeMap::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let id = format!("supply-{material}");
    let path = StoredValue::new(paths::commitment(&submission, &material));
    let missing = format!("请先上传《{label}》");
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let ids = files.get_untracked();
        if ids.is_empty() {
            error.set(Some(missing.clone()));
            return;
        }
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            let req = FulfilRequest { files: ids };
            match Api::new()
                .send::<_, Vec<CommitmentDto>>(Method::Post, &path.get_value(), &req)
                .await
            {
                Ok(_) => browser::reload(),
                Err(e) => {
                    busy.set(false);
                    error.set(Some(e.detail()));
                }
            }
        });
    };
    let on_change = Callback::new(move |ids: Vec<String>| {
        files.set(ids);
        error.set(None);
    });
    view! {
        <form class="form commitment-supply" novalidate on:submit=submit data-hydrated=move || hydrated.get().to_string()>
            <Field id=id label=format!("{}《{label}》", if again { "重新补交" } else { "补交" }).into_any()
                error=Signal::derive(move || error.get()) group=true
                hint=again.then(|| "部门核查前可以重新提交，新文件将替换已补交的文件。".to_owned())
                control=move |c: FieldControl| {
                    let label_id = format!("{}-label", c.id);
                    view! {
                        <div class="material" role="group" aria-labelledby=label_id.clone()>
                            <FilePicker id=c.id.clone() labelled_by=label_id.clone() described_by=Signal::derive(c.aria_describedby())
                                files known on_change/>
                        </div>
                    }
                }/>
            <button class="button" type="submit" disabled=move || busy.get()>
                {move || if busy.get() { "正在提交…" } else { "提交补交材料" }}
            </button>
        </form>
    }
}
