//! 工作台: a department's queue, one work item with its materials and
//! actions, a viewer for one file, and the ★ lead department's board.
//! Filters and paging are plain links and GET forms (they work without
//! script); only the buttons are islands: the item's actions (with what a
//! return asks to correct) and, per material, 合格/不合格 and the 事后核查
//! of a promise.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use leptos_router::params::ParamsMap;

use std::collections::BTreeSet;

use crate::api::{
    ActionRequest, ActionResult, CommitmentDto, CommitmentOutcome, CommitmentStatus, DecideCommitmentRequest,
    LeadBoard, MaterialDocs, MaterialState, Me, RatingDto, RatingList, ReviewRequest, Role,
    SubmissionSummary, UploadDto, Verdict, WorkItemDetail, WorkItemRow, WorkQueue,
};
use crate::browser;
use crate::catalog::MaterialAnswer;
use crate::client::{Api, ApiError, Method};
use crate::components::feedback::{Desk, RatingForm, desk_nav, rating_card};
use crate::components::form::{Field, FieldControl};
use crate::components::labels::{
    commitment_label, commitment_status_class, event_label, material_state_text, short_time, verdict_class,
    wire_word, work_status_class,
};
use crate::components::page::{NotFound, PageError, RequireLogin};
use crate::components::upload::FileCard;
use crate::paths::{self, QueueFilter, encode};
use crate::workflow::{Action, WorkStatus};

/// The filters of the queue, as tabs: (query value, label).
const TABS: [(&str, &str); 8] = [
    ("open", "待办"),
    ("pending", "待受理"),
    ("accepted", "办理中"),
    ("returned", "待补正"),
    ("waiting", "等待前置"),
    ("completed", "已办结"),
    ("rejected", "不予办理"),
    ("all", "全部"),
];

#[component]
pub fn WorkbenchPage() -> impl IntoView {
    let query = use_query_map().read_untracked().clone();
    view! {
        <Title text="工作台"/>
        <RequireLogin here="/workbench" load=move |api| load_queue(api, query.clone())
            render=|(me, queue, f): (Me, WorkQueue, Filter)| queue_view(me, queue, f.status, f.overdue, f.q)/>
    }
}

/// The queue's filters, from the page's query.
struct Filter {
    status: String,
    overdue: bool,
    q: String,
}

async fn load_queue(api: Api, query: ParamsMap) -> Result<(Me, WorkQueue, Filter), PageError> {
    let me = api.get::<Me>(paths::ME).await?;
    if !me.has(Role::Clerk) {
        return Err(PageError::NotFound);
    }
    let f = Filter {
        status: query.get("status").unwrap_or_else(|| "open".into()),
        overdue: query.get("overdue").is_some_and(|v| v == "true"),
        q: query.get("q").unwrap_or_default(),
    };
    let after = query.get("after");
    let path = paths::work_items(&QueueFilter {
        limit: 30,
        status: &f.status,
        overdue: f.overdue,
        q: &f.q,
        after: after.as_deref(),
    });
    let queue = api.get::<WorkQueue>(&path).await?;
    Ok((me, queue, f))
}

fn queue_view(me: Me, queue: WorkQueue, status: String, overdue: bool, q: String) -> impl IntoView {
    let count = |s: &str| -> u64 {
        match s {
            "open" => ["waiting", "pending", "accepted", "returned"]
                .iter()
                .map(|k| queue.counts.get(*k).copied().unwrap_or(0))
                .sum(),
            "all" => queue.counts.values().sum(),
            k => queue.counts.get(k).copied().unwrap_or(0),
        }
    };
    let tabs = TABS
        .iter()
        .map(|(value, label)| {
            let current = *value == status && !overdue;
            view! {
                <a class="tab" class:current=current aria-current=current.then_some("page") href=format!("/workbench?status={value}")>
                    {*label}<span class="count">{count(value)}</span>
                </a>
            }
        })
        .collect_view();
    let lead = (!me.lead_bundles.is_empty())
        .then(|| view! { <a class="button secondary" href="/workbench/board">"★ 牵头事项总览"</a> });
    let empty = queue
        .items
        .is_empty()
        .then(|| view! { <p class="muted empty">"没有符合条件的事项。"</p> });
    let rows = queue.items.into_iter().map(row_view).collect_view();
    let next = queue.next.map(|n| {
        let mut href = format!("/workbench?status={}&after={}", encode(&status), encode(&n));
        if overdue {
            href.push_str("&overdue=true");
        }
        view! { <p class="pager"><a class="button secondary" href=href>"下一页"</a></p> }
    });
    view! {
        {desk_nav(Desk::WorkItems)}
        <section class="panel workbench">
            <div class="workbench-head">
                <div>
                    <p class="tag">"窗口工作台"</p>
                    <h1>{me.department_name.clone().unwrap_or_default()}</h1>
                    <p class="muted">{format!("{}，您好。", me.name)}</p>
                </div>
                {lead}
            </div>
            <div class="queue-tools">
                <nav class="tabs" aria-label="按状态筛选">{tabs}</nav>
                <a class="overdue-link" class:current=overdue href="/workbench?overdue=true&status=open">
                    "已超期 "<strong>{queue.overdue}</strong>
                </a>
                <form class="search" method="get" action="/workbench" role="search">
                    <label class="visually-hidden" for="q">"办件编号"</label>
                    <input id="q" name="q" type="search" placeholder="输入办件编号查找" value=q/>
                    <input type="hidden" name="status" value="all"/>
                    <button class="button secondary" type="submit">"查找"</button>
                </form>
            </div>
            {empty}
            <ul class="queue">{rows}</ul>
            {next}
        </section>
    }
}

fn row_view(w: WorkItemRow) -> impl IntoView {
    let deadline = match (&w.due_date, w.status) {
        (_, WorkStatus::Waiting) => "等待前置事项".to_owned(),
        (_, WorkStatus::Returned) => "待申请人补正（暂停计时）".to_owned(),
        (Some(d), _) if w.overdue => format!("已超期 · {d}"),
        (Some(d), _) if w.due_soon => format!("即将到期 · {d}"),
        (Some(d), _) => format!("{d} 前办结"),
        (None, _) => String::new(),
    };
    view! {
        <li class="queue-row" class:overdue=w.overdue class:due-soon=w.due_soon data-item=w.item.clone() data-status=w.status.as_str()>
            <a href=format!("/workbench/items/{}", w.id)>
                <span class="queue-main">
                    <span class="queue-item">{w.item_name.clone()}</span>
                    <span class="muted">{format!("{} · {}", w.bundle_name, w.tracking_no)}</span>
                </span>
                <span class="queue-side">
                    <span class=work_status_class(w.status)>{w.status.label()}</span>
                    {(w.commitments_overdue > 0).then(|| view! {
                        <span class="pill rejected commitments-overdue">{format!("承诺逾期 {}", w.commitments_overdue)}</span>
                    })}
                    <span class="queue-due">{deadline}</span>
                </span>
            </a>
        </li>
    }
}

#[component]
pub fn WorkItemPage() -> impl IntoView {
    let id = use_params_map().read_untracked().get("id").unwrap_or_default();
    let here = format!("/workbench/items/{id}");
    view! {
        <RequireLogin here
            load=move |api: Api| load_item(api, id.clone())
            render=|(d, window): (WorkItemDetail, Option<WindowRating>)| item_view(d, window)/>
    }
}

/// 一次一评 at the window: the ended item's rating, or the form to type it
/// in — for a clerk of the item's own department only.
struct WindowRating {
    department_name: String,
    rating: Option<RatingDto>,
}

async fn load_item(api: Api, id: String) -> Result<(WorkItemDetail, Option<WindowRating>), PageError> {
    let d = api.get::<WorkItemDetail>(&paths::work_item(&id)).await?;
    let ended = matches!(d.work_item.status, WorkStatus::Completed | WorkStatus::Rejected);
    let window = if ended {
        let me = api.get::<Me>(paths::ME).await?;
        match me.department_name {
            Some(name) if me.department.as_deref() == Some(d.work_item.department.as_str()) => {
                let ratings = api.get::<RatingList>(&paths::ratings(None)).await?;
                let rating = ratings
                    .items
                    .into_iter()
                    .find(|r| r.work_item.as_deref() == Some(d.work_item.id.as_str()));
                Some(WindowRating {
                    department_name: name,
                    rating,
                })
            }
            _ => None,
        }
    } else {
        None
    };
    Ok((d, window))
}

/// The 好差评 block of an ended item for its own department.
fn window_rating_view(item: &str, w: WindowRating) -> impl IntoView + use<> {
    let rated = w.rating.is_some();
    let body = match w.rating {
        Some(r) => rating_card(&r, true, true).into_any(),
        None => view! {
            <p class="hint">"申请人在窗口办理的，可以请其当场评价，由您录入（一次一评）。"</p>
            <RatingForm path=paths::work_item_rating(item) key=item.to_owned() department=w.department_name window=true/>
        }
        .into_any(),
    };
    view! {
        <section class="window-rating" data-rated=rated.to_string()>
            <h2 id=format!("rate-{item}-title")>"好差评"</h2>
            {body}
        </section>
    }
}

fn item_view(d: WorkItemDetail, window: Option<WindowRating>) -> impl IntoView {
    let w = d.work_item.clone();
    let window = window.map(|r| window_rating_view(&w.id, r));
    let deadline = match (w.status, &w.due_date) {
        (WorkStatus::Waiting, _) => "等待前置事项办结后开始计时".to_owned(),
        (WorkStatus::Returned, _) => "已退回补正，计时暂停".to_owned(),
        (WorkStatus::Completed | WorkStatus::Rejected, _) => String::new(),
        (_, Some(due)) if w.overdue => format!("已超过办结期限（{due}）"),
        (_, Some(due)) => format!("办结期限：{due}"),
        (_, None) => String::new(),
    };
    let fields = d
        .fields
        .iter()
        .map(|f| view! { <div><dt>{f.label.clone()}</dt><dd data-field=f.key.clone()>{f.display.clone()}</dd></div> })
        .collect_view();
    let materials = documents_view(&d);
    let siblings = d
        .siblings
        .iter()
        .map(|s| {
            let this = s.id == w.id;
            view! {
                <li class:this=this>
                    <span class=work_status_class(s.status)>{s.status.label()}</span>
                    <span>{s.item_name.clone()}</span>
                    <span class="muted">{s.department_name.clone()}</span>
                </li>
            }
        })
        .collect_view();
    let history = d
        .history
        .iter()
        .map(|e| {
            view! {
                <li>
                    <span class="when">{short_time(&e.at)}</span>
                    <span class="what">{event_label(&e.event)}</span>
                    {e.comment.clone().map(|c| view! { <span class="comment">{c}</span> })}
                </li>
            }
        })
        .collect_view();
    let result = d
        .result
        .as_ref()
        .map(|r| view! { <p class="ok-box">{format!("办理结果：{}", result_text(r))}</p> });
    view! {
        <Title text=format!("{} · {}", w.item_name, w.tracking_no)/>
        <nav class="breadcrumb" aria-label="位置">
            <a href="/workbench">"工作台"</a>" › "<span aria-current="page">{w.tracking_no.clone()}</span>
        </nav>
        <div class="item-layout">
            <section class="panel">
                <p class="tag">{d.submission.bundle_name.clone()}</p>
                {d.submission.supervised.then(supervised_badge)}
                <h1>{w.item_name.clone()}</h1>
                <p class="muted">{format!("办件编号 {} · 提交于 {}", w.tracking_no, short_time(&w.submitted_at))}</p>
                <p>
                    <span class=work_status_class(w.status) data-status=w.status.as_str()>{w.status.label()}</span>
                    " "<span class="muted" class:overdue-text=w.overdue>{deadline}</span>
                </p>
                {result}
                <h2>"申请信息"</h2>
                <p class="hint">"仅显示本事项需要的信息。"</p>
                <dl class="kv">{fields}</dl>
                <h2>"材料"</h2>
                {materials}
            </section>
            <aside class="panel">
                <h2>"办理"</h2>
                <WorkItemActions id=w.id.clone() version=w.version allowed=d.allowed_actions.clone()
                    certificate=d.issues_certificate.as_ref().map(|c| c.name.clone())
                    answers=d.fields.iter().chain(&d.materials).map(|f| (f.key.clone(), f.label.clone())).collect()
                    rejected=d.documents.iter().filter(|m| m.verdict == Some(Verdict::Rejected)).map(|m| m.key.clone()).collect()/>
                {window}
                <h2>"各部门进度"</h2>
                <ul class="siblings">{siblings}</ul>
                <h2>"办理记录"</h2>
                <ol class="history">{history}</ol>
            </aside>
        </div>
    }
}

/// Where a file of work item `item` opens: a picture in the viewer page,
/// anything else (a PDF) as itself in a new tab.
fn file_card(item: &str, f: UploadDto) -> impl IntoView + use<> {
    let image = f.is_image();
    let href = if image {
        format!("/workbench/items/{item}/files/{}", f.id)
    } else {
        paths::upload(&f.id)
    };
    view! { <FileCard file=f href same_tab=image/> }
}

/// The 材料 section: each material the item needs, how it stands (files,
/// promised with its due date and 事后核查, e-certificate, missing), its
/// files — beside the ones a 补正 replaced — and the clerk's verdict with
/// the buttons to give it. Other departments see the answers only.
fn documents_view(d: &WorkItemDetail) -> AnyView {
    if d.documents.is_empty() {
        let rows = d
            .materials
            .iter()
            .map(|m| {
                let promised = m.value.as_ref().and_then(MaterialAnswer::of) == Some(MaterialAnswer::Commit);
                view! {
                    <li class:promised=promised>
                        <span>{m.label.clone()}</span>
                        <span class=if promised { "pill returned" } else { "pill completed" }>{m.display.clone()}</span>
                    </li>
                }
            })
            .collect_view();
        return view! { <ul class="materials">{rows}</ul> }.into_any();
    }
    let item = d.work_item.id.clone();
    let reviewable = matches!(d.work_item.status, WorkStatus::Pending | WorkStatus::Accepted)
        && !d.allowed_actions.is_empty();
    let rows = d
        .documents
        .iter()
        .map(|m| {
            // For an e-certificate, the server's check of it (已核验, or missing).
            let state = match m.state {
                MaterialState::Certificate => d
                    .materials
                    .iter()
                    .find(|f| f.key == m.key)
                    .map_or_else(|| material_state_text(m), |f| f.display.clone()),
                _ => material_state_text(m),
            };
            let files = material_files(&item, m);
            let verdict = m.verdict.map(|v| {
                view! {
                    <p class="verdict">
                        <span class=verdict_class(v) data-verdict=wire_word(&v)>{v.label()}</span>
                        {m.reason.clone().map(|r| view! { <span class="reason">{r}</span> })}
                    </p>
                }
            });
            let promise = m.commitment.as_ref().map(commitment_line);
            let (can_fulfil, can_breach) = m.commitment.as_ref().map_or((false, false), |c| {
                let undecided = matches!(c.status, CommitmentStatus::Open | CommitmentStatus::Overdue);
                let supplied = c.supplied_at.is_some();
                (
                    undecided && supplied,
                    undecided && (supplied || c.status == CommitmentStatus::Overdue),
                )
            });
            let check = (reviewable || can_fulfil || can_breach).then(|| {
                view! {
                    <MaterialCheck work_item=item.clone() key=m.key.clone() label=m.label.clone()
                        review=reviewable can_fulfil can_breach/>
                }
            });
            view! {
                <li class="material-doc" data-material=m.key.clone() data-state=wire_word(&m.state)>
                    <div class="material-head">
                        <span class="material-name">{m.label.clone()}</span>
                        <span class="muted">{state}</span>
                    </div>
                    {promise}
                    {files}
                    {verdict}
                    {check}
                </li>
            }
        })
        .collect_view();
    view! { <ul class="material-docs">{rows}</ul> }.into_any()
}

/// The files of a material; after a 补正, the new ones beside the ones
/// they replaced.
fn material_files(item: &str, m: &MaterialDocs) -> Option<AnyView> {
    let list = |files: &[UploadDto]| {
        let cards = files.iter().cloned().map(|f| file_card(item, f)).collect_view();
        view! { <ul class="files">{cards}</ul> }
    };
    if m.previous.is_empty() {
        return (!m.files.is_empty()).then(|| list(&m.files).into_any());
    }
    Some(
        view! {
            <div class="compare">
                <div class="compare-side now">
                    <p class="compare-title">"补正后"</p>
                    {list(&m.files)}
                </div>
                <div class="compare-side before">
                    <p class="compare-title">"补正前"</p>
                    {list(&m.previous)}
                </div>
            </div>
        }
        .into_any(),
    )
}

/// A promised material's due date and 事后核查 state.
fn commitment_line(c: &CommitmentDto) -> impl IntoView + use<> {
    let supplied = c
        .supplied_at
        .as_deref()
        .map(|t| format!("申请人已于 {} 补交", short_time(t)));
    view! {
        <p class="commitment-line" data-status=wire_word(&c.status)>
            <span class=commitment_status_class(c.status)>{commitment_label(c)}</span>
            <span class:overdue-text=c.status == CommitmentStatus::Overdue>{format!("截止 {}", c.due_date)}</span>
            {supplied.map(|s| view! { <span class="muted">{s}</span> })}
            {c.reason.clone().map(|r| view! { <span class="reason">{format!("未履约原因：{r}")}</span> })}
        </p>
    }
}

/// A clerk's decision on a material.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Decision {
    /// 合格.
    Accept,
    /// 不合格 (with a reason).
    Reject,
    /// 核查通过（已履约）.
    Fulfil,
    /// 未履约 (with a reason).
    Breach,
}

impl Decision {
    fn needs_reason(self) -> bool {
        matches!(self, Self::Reject | Self::Breach)
    }

    fn label(self) -> &'static str {
        match self {
            Self::Accept => "合格",
            Self::Reject => "不合格",
            Self::Fulfil => "核查通过（已履约）",
            Self::Breach => "未履约",
        }
    }

    /// The `data-decision` of its button.
    fn word(self) -> &'static str {
        match self {
            Self::Accept => "accepted",
            Self::Reject => "rejected",
            Self::Fulfil => "fulfilled",
            Self::Breach => "breached",
        }
    }
}

/// The clerk's buttons for one material: 合格 / 不合格 (`review`), and for
/// a promised one the 事后核查: 核查通过（已履约） once handed in
/// (`can_fulfil`), 未履约 once handed in or overdue (`can_breach`). A
/// negative answer asks for the reason, which the applicant reads.
#[island]
fn MaterialCheck(
    work_item: String,
    key: String,
    label: String,
    review: bool,
    can_fulfil: bool,
    can_breach: bool,
) -> impl IntoView {
    let pending = RwSignal::new(None::<Decision>);
    let reason = RwSignal::new(String::new());
    let message = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let material_path = StoredValue::new(paths::work_item_material(&work_item, &key));
    let commitment_path = StoredValue::new(paths::work_item_commitment(&work_item, &key));
    let send = move |d: Decision| {
        let why = Some(reason.get_untracked().trim().to_owned()).filter(|r| !r.is_empty());
        if d.needs_reason() && why.is_none() {
            message.set(Some("请写明原因，申请人会看到这段说明。".into()));
            return;
        }
        let why = why.filter(|_| d.needs_reason());
        busy.set(true);
        message.set(None);
        spawn_local(async move {
            let api = Api::new();
            let r = match d {
                Decision::Accept | Decision::Reject => {
                    let verdict = if d == Decision::Accept {
                        Verdict::Accepted
                    } else {
                        Verdict::Rejected
                    };
                    api.send::<_, MaterialDocs>(
                        Method::Put,
                        &material_path.get_value(),
                        &ReviewRequest { verdict, reason: why },
                    )
                    .await
                    .map(|_| ())
                }
                Decision::Fulfil | Decision::Breach => {
                    let outcome = if d == Decision::Fulfil {
                        CommitmentOutcome::Fulfilled
                    } else {
                        CommitmentOutcome::Breached
                    };
                    api.send::<_, CommitmentDto>(
                        Method::Post,
                        &commitment_path.get_value(),
                        &DecideCommitmentRequest { outcome, reason: why },
                    )
                    .await
                    .map(|_| ())
                }
            };
            match r {
                Ok(()) => browser::reload(),
                Err(e) => {
                    busy.set(false);
                    message.set(Some(e.detail()));
                }
            }
        });
    };
    let offered: Vec<Decision> = [
        (review, Decision::Accept),
        (review, Decision::Reject),
        (can_fulfil, Decision::Fulfil),
        (can_breach, Decision::Breach),
    ]
    .into_iter()
    .filter_map(|(on, d)| on.then_some(d))
    .collect();
    let buttons = offered
        .into_iter()
        .map(|d| {
            let class = if d.needs_reason() {
                "button secondary small danger-outline"
            } else {
                "button secondary small"
            };
            view! {
                <button class=class type="button" data-decision=d.word() disabled=move || busy.get()
                    on:click=move |_| {
                        message.set(None);
                        if d.needs_reason() {
                            pending.set(Some(d));
                        } else {
                            send(d);
                        }
                    }>
                    {d.label()}<span class="visually-hidden">{format!("：{label}")}</span>
                </button>
            }
        })
        .collect_view();
    let reason_id = format!("reason-{key}");
    let dialog = move || {
        pending.get().map(|d| {
            let id = reason_id.clone();
            view! {
                <div class="confirm" data-confirm=d.word()>
                    <Field id=id label=format!("{}的原因（必填）", d.label()).into_any()
                        hint=Some("申请人会看到这段说明".to_owned())
                        control=move |c: FieldControl| view! {
                            <textarea id=c.id.clone() rows="2" bind:value=reason aria-describedby=c.aria_describedby()></textarea>
                        }/>
                    <div class="actions">
                        <button class="button" type="button" disabled=move || busy.get() on:click=move |_| send(d)>
                            {format!("确认{}", d.label())}
                        </button>
                        <button class="button secondary" type="button" on:click=move |_| pending.set(None)>"取消"</button>
                    </div>
                </div>
            }
        })
    };
    view! {
        <div class="material-check" data-hydrated=move || hydrated.get().to_string()>
            <div class="actions">{buttons}</div>
            {dialog}
            {move || message.get().map(|m| view! { <p class="error-box" role="alert">{m}</p> })}
        </div>
    }
}

/// A department's result for people: known keys in Chinese, in order.
fn result_text(r: &serde_json::Value) -> String {
    let Some(o) = r.as_object() else {
        return r.to_string();
    };
    o.iter()
        .map(|(k, v)| {
            let label = match k.as_str() {
                "note" => "说明",
                "certificate_no" => "证照编号",
                "certificate_name" => "证照名称",
                "valid_from" => "有效期自",
                "valid_until" => "有效期至",
                other => other,
            };
            let v = v.as_str().map_or_else(|| v.to_string(), ToOwned::to_owned);
            if k == "note" { v } else { format!("{label} {v}") }
        })
        .collect::<Vec<_>>()
        .join("；")
}

/// The clerk's buttons: only the actions the state machine allows; return
/// and reject ask for the reason first, and a return also what to correct
/// (补正): any of the item's `answers` (key, label), the materials found
/// 不合格 (`rejected`) always.
/// `certificate`: the name of the e-certificate completion issues (its
/// number is then asked for).
#[island]
fn WorkItemActions(
    id: String,
    version: i32,
    allowed: Vec<Action>,
    certificate: Option<String>,
    answers: Vec<(String, String)>,
    rejected: Vec<String>,
) -> impl IntoView {
    let corrections: RwSignal<BTreeSet<String>> = RwSignal::new(rejected.iter().cloned().collect());
    let answers = StoredValue::new(answers);
    let rejected = StoredValue::new(rejected);
    let pending = RwSignal::new(None::<Action>);
    let comment = RwSignal::new(String::new());
    let result = RwSignal::new(String::new());
    let cert_no = RwSignal::new(String::new());
    let cert_until = RwSignal::new(String::new());
    let issues = certificate.is_some();
    let certificate = StoredValue::new(certificate);
    let message = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let id = StoredValue::new(id);
    let send = move |action: Action| {
        if action.needs_comment() && comment.read_untracked().trim().is_empty() {
            message.set(Some("请写明原因，申请人会看到这段说明。".into()));
            return;
        }
        if action == Action::Complete && issues && cert_no.read_untracked().trim().is_empty() {
            message.set(Some("请填写证照编号。".into()));
            return;
        }
        let mut r = serde_json::Map::new();
        let parts = [
            ("note", result.get_untracked()),
            ("certificate_no", cert_no.get_untracked()),
            ("valid_until", cert_until.get_untracked()),
        ];
        for (k, v) in parts {
            if !v.trim().is_empty() {
                r.insert(k.to_owned(), serde_json::Value::String(v.trim().to_owned()));
            }
        }
        let req = ActionRequest {
            action: action.as_str().to_owned(),
            comment: Some(comment.get_untracked()).filter(|c| !c.trim().is_empty()),
            result: (action == Action::Complete && !r.is_empty()).then_some(serde_json::Value::Object(r)),
            version: Some(version),
            corrections: (action == Action::Return)
                .then(|| corrections.get_untracked().into_iter().collect::<Vec<_>>())
                .filter(|c| !c.is_empty()),
        };
        busy.set(true);
        spawn_local(async move {
            let path = paths::work_item_actions(&id.get_value());
            match Api::new()
                .send::<_, ActionResult>(Method::Post, &path, &req)
                .await
            {
                Ok(_) => browser::reload(),
                Err(e) => {
                    busy.set(false);
                    message.set(Some(match e {
                        ApiError::Api { code, .. } if code == "version_conflict" => {
                            "这件事项刚被他人处理过，请刷新页面。".into()
                        }
                        other => other.to_string(),
                    }));
                }
            }
        });
    };
    let none = allowed
        .is_empty()
        .then(|| view! { <p class="muted">"当前无需本部门操作。"</p> });
    let buttons = allowed
        .into_iter()
        .map(|a| {
            let class = match a {
                Action::Accept | Action::Complete => "button",
                Action::Reject => "button danger",
                _ => "button secondary",
            };
            view! {
                <button class=class type="button" data-action=a.as_str() disabled=move || busy.get()
                    on:click=move |_| {
                        message.set(None);
                        if a.needs_comment() || a == Action::Complete {
                            pending.set(Some(a));
                        } else {
                            send(a);
                        }
                    }>
                    {a.label()}
                </button>
            }
        })
        .collect_view();
    let dialog = move || {
        pending.get().map(|a| {
            let (label, hint) = if a == Action::Complete {
                ("办理结果（选填）", "如证照编号、核查结论")
            } else {
                ("原因（必填）", "申请人会看到这段说明")
            };
            let target = if a == Action::Complete { result } else { comment };
            let cert_fields = (a == Action::Complete).then(|| certificate.get_value()).flatten().map(|name| {
                view! {
                    <Field id="cert-no" label=format!("{name}编号（必填）").into_any()
                        hint=Some("办结后自动存入申请人的电子证照库，以后办事免提交".to_owned())
                        control=move |c: FieldControl| view! {
                            <input id=c.id.clone() type="text" bind:value=cert_no aria-describedby=c.aria_describedby()/>
                        }/>
                    <Field id="cert-until" label="有效期至（选填）".into_any()
                        control=move |c: FieldControl| view! {
                            <input id=c.id.clone() type="date" bind:value=cert_until/>
                        }/>
                }
            });
            let asked = (a == Action::Return).then(|| {
                let boxes = answers
                    .get_value()
                    .into_iter()
                    .map(|(key, label)| {
                        let must = rejected.with_value(|r| r.contains(&key));
                        let bid = format!("correct-{key}");
                        let checked = {
                            let key = key.clone();
                            move || corrections.with(|c| c.contains(&key))
                        };
                        view! {
                            <label class="checkbox small" for=bid.clone()>
                                <input type="checkbox" id=bid.clone() value=key.clone() prop:checked=checked disabled=must
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        corrections.update(|c| {
                                            if on {
                                                c.insert(key.clone());
                                            } else {
                                                c.remove(&key);
                                            }
                                        });
                                    }/>
                                <span>{label}{must.then_some("（不合格，必须补正）")}</span>
                            </label>
                        }
                    })
                    .collect_view();
                view! {
                    <fieldset class="corrections-choice">
                        <legend>"需要申请人补正的内容"</legend>
                        <p class="hint">"标为不合格的材料一定会列入。都不勾选时，申请人可修改本事项的任何内容。"</p>
                        {boxes}
                    </fieldset>
                }
            });
            view! {
                <div class="confirm" data-confirm=a.as_str()>
                    {cert_fields}
                    {asked}
                    <Field id="action-text" label=label.into_any() hint=Some(hint.to_owned())
                        control=move |c: FieldControl| view! {
                            <textarea id=c.id.clone() rows="3" bind:value=target aria-describedby=c.aria_describedby()></textarea>
                        }/>
                    <div class="actions">
                        <button class="button" type="button" disabled=move || busy.get() on:click=move |_| send(a)>
                            {format!("确认{}", a.label())}
                        </button>
                        <button class="button secondary" type="button" on:click=move |_| pending.set(None)>"取消"</button>
                    </div>
                </div>
            }
        })
    };
    view! {
        <div class="work-actions" data-hydrated=move || hydrated.get().to_string()>
            {none}
            <div class="actions">{buttons}</div>
            {dialog}
            {move || message.get().map(|m| view! { <p class="error-box" role="alert">{m}</p> })}
        </div>
    }
}

/// One file of a work item, full width: the material, the file's name,
/// size and SHA-256, a download link and the way back to the item.
#[component]
pub fn FileViewerPage() -> impl IntoView {
    let params = use_params_map().read_untracked().clone();
    let id = params.get("id").unwrap_or_default();
    let upload = params.get("upload").unwrap_or_default();
    let here = format!("/workbench/items/{id}/files/{upload}");
    view! {
        <RequireLogin here
            load=move |api: Api| {
                let id = id.clone();
                async move { api.get::<WorkItemDetail>(&paths::work_item(&id)).await.map_err(PageError::from) }
            }
            render=move |d: WorkItemDetail| viewer_view(&d, &upload)/>
    }
}

fn viewer_view(d: &WorkItemDetail, upload: &str) -> AnyView {
    let found = d.documents.iter().find_map(|m| {
        let supplied = m.commitment.iter().flat_map(|c| &c.files);
        m.files
            .iter()
            .map(|f| (f, false))
            .chain(m.previous.iter().map(|f| (f, true)))
            .chain(supplied.map(|f| (f, false)))
            .find(|(f, _)| f.id == upload)
            .map(|(f, replaced)| (m.label.clone(), f.clone(), replaced))
    });
    let Some((material, f, replaced)) = found else {
        return view! { <NotFound/> }.into_any();
    };
    let w = &d.work_item;
    let back = format!("/workbench/items/{}", w.id);
    let shown = if f.is_image() {
        view! { <img class="viewer-image" src=paths::upload(&f.id) alt=format!("{material}：{}", f.filename)/> }.into_any()
    } else {
        view! {
            <p><a class="button" href=paths::upload(&f.id) target="_blank" rel="noopener">"在新标签页打开 PDF"</a></p>
        }
        .into_any()
    };
    view! {
        <Title text=format!("{} · {}", f.filename, w.tracking_no)/>
        <nav class="breadcrumb" aria-label="位置">
            <a href="/workbench">"工作台"</a>" › "<a href=back.clone()>{w.tracking_no.clone()}</a>" › "<span aria-current="page">"查看文件"</span>
        </nav>
        <section class="panel viewer" data-upload=f.id.clone()>
            <p class="tag">{format!("{} · {}", w.item_name, material)}</p>
            <h1 class="viewer-title">{f.filename.clone()}</h1>
            {replaced.then(|| view! { <p class="chip">"补正前的文件"</p> })}
            {shown}
            <dl class="kv">
                <div><dt>"材料"</dt><dd>{material.clone()}</dd></div>
                <div><dt>"文件名"</dt><dd>{f.filename.clone()}</dd></div>
                <div><dt>"大小"</dt><dd>{f.size_label()}</dd></div>
                <div><dt>"类型"</dt><dd>{f.content_type.clone()}</dd></div>
                <div><dt>"上传时间"</dt><dd>{short_time(&f.created_at)}</dd></div>
                <div><dt>"SHA-256"</dt><dd class="hash">{f.sha256.clone()}</dd></div>
            </dl>
            <p class="actions">
                <a class="button secondary" href=paths::upload_download(&f.id) download=f.filename.clone()>"下载"</a>
                <a class="button" href=back>"返回事项"</a>
            </p>
        </section>
    }
    .into_any()
}

#[component]
pub fn LeadBoardPage() -> impl IntoView {
    let query = use_query_map().read_untracked().clone();
    view! {
        <Title text="牵头事项总览"/>
        <RequireLogin here="/workbench/board"
            load=move |api: Api| {
                let path = paths::lead_board(query.get("bundle").as_deref(), query.get("before").as_deref());
                async move { api.get::<LeadBoard>(&path).await.map_err(PageError::from) }
            }
            render=board_view/>
    }
}

fn board_view(b: LeadBoard) -> impl IntoView {
    let tabs = (b.bundles.len() > 1).then(|| {
        let current = b.bundle.clone();
        let tabs = b
            .bundles
            .iter()
            .map(|code| {
                let here = *code == current;
                view! { <a class="tab" class:current=here href=format!("/workbench/board?bundle={code}")>{code.clone()}</a> }
            })
            .collect_view();
        view! { <nav class="tabs">{tabs}</nav> }
    });
    let loads = b
        .departments
        .iter()
        .map(|d| {
            view! {
                <tr class:bottleneck={d.overdue > 0}>
                    <td>{d.department_name.clone()}</td>
                    <td>{d.open}</td>
                    <td class:overdue-text={d.overdue > 0}>{d.overdue}</td>
                    <td>{d.returned}</td>
                </tr>
            }
        })
        .collect_view();
    let overdue = (!b.overdue.is_empty()).then(|| {
        let rows = b.overdue.iter().cloned().map(board_row).collect_view();
        view! {
            <section class="panel alert-panel">
                <h2>"超期办件"</h2>
                <ul class="board">{rows}</ul>
            </section>
        }
    });
    let rows = b.submissions.items.iter().cloned().map(board_row).collect_view();
    let next = b.submissions.next.clone().map(|n| {
        view! {
            <p class="pager"><a class="button secondary" href=format!("/workbench/board?bundle={}&before={n}", b.bundle)>"更早的办件"</a></p>
        }
    });
    view! {
        <nav class="breadcrumb" aria-label="位置"><a href="/workbench">"工作台"</a>" › "<span aria-current="page">"牵头事项总览"</span></nav>
        <section class="panel">
            <p class="tag">"★ 牵头部门"</p>
            <h1>{b.bundle_name.clone()}</h1>
            {tabs}
            <h2>"各部门办理情况"</h2>
            <div class="table-wrap">
                <table class="table">
                    <thead><tr><th>"部门"</th><th>"在办"</th><th>"超期"</th><th>"待补正"</th></tr></thead>
                    <tbody>{loads}</tbody>
                </table>
            </div>
        </section>
        {overdue}
        <section class="panel">
            <h2>"全部办件"</h2>
            {b.submissions.items.is_empty().then(|| view! { <p class="muted">"还没有办件。"</p> })}
            <ul class="board">{rows}</ul>
            {next}
        </section>
    }
}

/// The mark of a submission an open 办不成事 case is about: the county
/// office supervises it (督办).
fn supervised_badge() -> impl IntoView {
    view! {
        <span class="pill rejected supervised" title="申请人反映“办不成事”，县政务服务中心督办中">"办不成事 督办"</span>
    }
}

/// A submission as a row of coloured steps, one per department's part.
fn board_row(s: SubmissionSummary) -> impl IntoView {
    let steps = s
        .work_items
        .iter()
        .map(|w| {
            let title = format!("{} · {} · {}", w.item_name, w.department_name, w.status.label());
            view! {
                <li class=format!("step {}", w.status.as_str()) class:overdue=w.overdue title=title.clone() aria-label=title>
                    <span class="step-dept">{w.department_name.clone()}</span>
                    <span class="step-state">{w.status.label()}</span>
                </li>
            }
        })
        .collect_view();
    view! {
        <li class="board-row" data-submission=s.id.clone()>
            <p class="board-head">
                <strong>{s.tracking_no.clone()}</strong>
                <span class="muted">{short_time(&s.submitted_at)}</span>
                <span class="muted">{s.status.label()}</span>
                {s.supervised.then(supervised_badge)}
            </p>
            <ol class="steps">{steps}</ol>
        </li>
    }
}
