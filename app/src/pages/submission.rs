//! 我的办件 and one submission: the receipt right after filing, then the
//! one status and timeline the applicant follows.

use std::collections::BTreeMap;

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use serde_json::{Map, Value};

use crate::api::{
    ActionResult, FormDto, FormField, Page, SubmissionDto, SubmissionSummary, SupplementRequest,
    WorkItemBrief,
};
use crate::browser;
use crate::catalog::values::check;
use crate::client::{Api, ApiError, Method};
use crate::components::form::AnswerField;
use crate::components::labels::{event_label, short_time, submission_status_class, work_status_class};
use crate::components::page::{PageError, RequireLogin};
use crate::domain::Date;
use crate::paths;
use crate::workflow::WorkStatus;

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
            let fields: Vec<FormField> = form
                .as_ref()
                .map(|f| f.fields().filter(|x| x.used_by.contains(&w.item)).cloned().collect())
                .unwrap_or_default();
            let values: Map<String, Value> =
                fields.iter().filter_map(|f| s.data.get(&f.key).map(|v| (f.key.clone(), v.clone()))).collect();
            view! {
                <section class="panel todo" data-returned=w.item.clone()>
                    <h2>{format!("需要您补正：{}", w.item_name)}</h2>
                    <p>{format!("{}退回的原因：", w.department_name)}<strong class="reason">{reason}</strong></p>
                    <p class="hint">"请修改下面的内容后点“提交补正”。补正期间办理时限暂停计算，提交后部门会重新受理。"</p>
                    <SupplementForm submission=s.id.clone() work_item=w.id.clone() fields values/>
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
        <section class="panel">
            <h2>"办理进程"</h2>
            <ol class="timeline">{timeline}</ol>
        </section>
        <p class="actions"><a class="button secondary" href="/submissions">"我的办件"</a><a class="button secondary" href="/">"返回首页"</a></p>
    }
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

/// The applicant corrects the answers of a returned item (补正).
#[island]
fn SupplementForm(
    submission: String,
    work_item: String,
    fields: Vec<FormField>,
    values: Map<String, Value>,
) -> impl IntoView {
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
            return;
        }
        let req = SupplementRequest {
            work_item: work_item.get_value(),
            data: fields
                .get_value()
                .iter()
                .filter_map(|f| {
                    data.with_untracked(|d| d.get(&f.key).cloned())
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
