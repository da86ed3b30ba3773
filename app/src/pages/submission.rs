//! 我的办件 and one submission: the receipt right after filing, then the
//! one status and timeline the applicant follows.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::{Page, SubmissionDto, SubmissionSummary, WorkItemBrief};
use crate::client::Api;
use crate::workflow::{SubmissionStatus, WorkStatus};

#[component]
pub fn SubmissionPage() -> impl IntoView {
    let id = use_params_map().read_untracked().get("id").unwrap_or_default();
    let new = use_query_map().read_untracked().get("new").is_some();
    let api = Api::new();
    view! {
        <Suspense fallback=|| view! { <p class="muted">"正在加载…"</p> }>
            {move || Suspend::new({
                let (api, id) = (api.clone(), id.clone());
                async move {
                    let here = format!("/submissions/{id}");
                    match api.get::<SubmissionDto>(&format!("/api/v1/submissions/{}", super::url_encode(&id))).await {
                        Ok(s) => submission_view(s, new).into_any(),
                        Err(e) => super::login_or_error(e, &here).into_any(),
                    }
                }
            })}
        </Suspense>
    }
}

fn status_class(s: SubmissionStatus) -> &'static str {
    match s {
        SubmissionStatus::Submitted => "status submitted",
        SubmissionStatus::InProgress => "status in-progress",
        SubmissionStatus::NeedsSupplement => "status needs-supplement",
        SubmissionStatus::Completed => "status completed",
        SubmissionStatus::ClosedWithRejections => "status closed",
    }
}

pub fn work_status_class(s: WorkStatus) -> &'static str {
    match s {
        WorkStatus::Waiting => "pill waiting",
        WorkStatus::Pending => "pill pending",
        WorkStatus::Accepted => "pill accepted",
        WorkStatus::Returned => "pill returned",
        WorkStatus::Completed => "pill completed",
        WorkStatus::Rejected => "pill rejected",
    }
}

/// The deadline line of a work item, in plain Chinese.
pub fn deadline_text(w: &WorkItemBrief) -> String {
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

fn submission_view(s: SubmissionDto, new: bool) -> impl IntoView {
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
    view! {
        <Title text=format!("办件 {}", s.tracking_no)/>
        <nav class="breadcrumb" aria-label="位置">
            <a href="/">"首页"</a>" › "<a href="/submissions">"我的办件"</a>" › "<span aria-current="page">{s.tracking_no.clone()}</span>
        </nav>
        {banner}
        <section class="panel">
            {heading}
            <p class="muted">{format!("{} · 办件编号 {}", s.bundle_name, s.tracking_no)}</p>
            <p class=status_class(s.status) data-status=s.status.as_str()>{s.status.label()}</p>
            <h2>"各部门办理情况"</h2>
            <ul class="parts">{parts}</ul>
        </section>
        <p class="actions"><a class="button secondary" href="/submissions">"我的办件"</a><a class="button secondary" href="/">"返回首页"</a></p>
    }
}

#[component]
pub fn SubmissionsPage() -> impl IntoView {
    let api = Api::new();
    view! {
        <Title text="我的办件"/>
        <Suspense fallback=|| view! { <p class="muted">"正在加载…"</p> }>
            {move || Suspend::new({
                let api = api.clone();
                async move {
                    match api.get::<Page<SubmissionSummary>>("/api/v1/submissions?limit=50").await {
                        Ok(page) => list_view(page).into_any(),
                        Err(e) => super::login_or_error(e, "/submissions").into_any(),
                    }
                }
            })}
        </Suspense>
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
                        <span class=status_class(s.status)>{s.status.label()}</span>
                        <span class="muted">{format!("{} · {}/{} 项已办结", s.tracking_no, done, s.work_items.len())}</span>
                    </a>
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="panel">
            <h1>"我的办件"</h1>
            {empty}
            <ul class="submission-list">{rows}</ul>
        </section>
    }
}
