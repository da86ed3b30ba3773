//! 诉求调度: the county office's board. Cases by queue — waiting to be
//! assigned (new and reopened), overdue, escalated, with a department, all —
//! each opening its page where it is assigned, reopened, escalated or
//! closed; and the 差评 appeals to review (维持 or 作废, with a comment).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::{CaseList, Me, RatingAction, RatingList, Role};
use crate::client::Api;
use crate::components::feedback::{RatingActionForm, case_list, queue_tabs, rating_card};
use crate::components::page::{PageError, RequireLogin};
use crate::paths;

/// The dispatcher's queues: (query value, label).
const TABS: [(&str, &str); 5] = [
    ("dispatch", "待派单"),
    ("overdue", "已超期"),
    ("escalated", "已督办"),
    ("open", "办理中"),
    ("all", "全部"),
];

#[component]
pub fn DispatchPage() -> impl IntoView {
    let queue = use_query_map()
        .read_untracked()
        .get("queue")
        .filter(|q| TABS.iter().any(|(v, _)| v == q))
        .unwrap_or_else(|| "dispatch".to_owned());
    view! {
        <Title text="诉求调度"/>
        <RequireLogin here="/dispatch"
            load=move |api: Api| {
                let queue = queue.clone();
                async move {
                    let me = api.get::<Me>(paths::ME).await?;
                    if !me.has(Role::Dispatcher) {
                        return Err(PageError::NotFound);
                    }
                    let cases = api.get::<CaseList>(&paths::cases(Some(&queue))).await?;
                    let appeals = api.get::<RatingList>(&paths::ratings(Some("appealed"))).await?;
                    Ok((cases, appeals, queue))
                }
            }
            render=|(cases, appeals, queue): (CaseList, RatingList, String)| board_view(cases, appeals, &queue)/>
    }
}

fn board_view(cases: CaseList, appeals: RatingList, queue: &str) -> impl IntoView + use<> {
    let appeal_rows = appeals
        .items
        .iter()
        .map(|r| {
            let actions = [RatingAction::Uphold, RatingAction::Void]
                .into_iter()
                .map(|a| (a.as_str().to_owned(), a.label().to_owned()))
                .collect::<Vec<_>>();
            view! {
                <li class="rating-row appeal">
                    {rating_card(r, true, true)}
                    <RatingActionForm id=r.id.clone() actions what="复核意见".to_owned()
                        hint="维持：差评有效，计入考核；作废：差评不计入考核，但保留并标注。部门和申请人都会看到复核意见。".to_owned()/>
                </li>
            }
        })
        .collect_view();
    let empty = appeals
        .items
        .is_empty()
        .then(|| view! { <p class="muted empty">"没有待复核的申诉。"</p> });
    view! {
        <section class="panel workbench">
            <p class="tag">"县政务服务中心"</p>
            <h1>"诉求调度"</h1>
            <p class="muted">"12345 热线、网上反映和差评整改的派单、督办与办结。新受理和不满意重办的诉求当日转办；超期的自动提级到这里。"</p>
            <div class="queue-tools">{queue_tabs("/dispatch", &TABS, queue)}</div>
            {case_list(cases.items, true, "这一栏没有诉求。")}
        </section>
        <section class="panel" id="appeals">
            <h2>"差评申诉复核" {(!appeals.items.is_empty()).then(|| view! { <span class="badge">{appeals.items.len()}</span> })}</h2>
            {empty}
            <ul class="ratings-list">{appeal_rows}</ul>
        </section>
    }
}
