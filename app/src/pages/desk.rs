//! A department's desk beside its work-item queue: 诉求 (the cases assigned
//! to it: 差评整改, 12345, 办不成事) and 好差评 (its ratings, the applicant
//! masked unless 实名, with 申诉 on a 差评). Filters are links.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::{CaseList, Me, RatingList, RatingStatus, Role};
use crate::client::Api;
use crate::components::feedback::{Desk, RatingActionForm, case_list, desk_nav, queue_tabs, rating_card};
use crate::components::page::{PageError, RequireLogin};
use crate::feedback::is_bad;
use crate::paths;

/// The queues of a department's cases: (query value, label).
const CASE_TABS: [(&str, &str); 4] = [
    ("open", "待办"),
    ("overdue", "已超期"),
    ("closed", "已办结"),
    ("all", "全部"),
];

async fn clerk(api: &Api) -> Result<Me, PageError> {
    let me = api.get::<Me>(paths::ME).await?;
    if me.has(Role::Clerk) {
        Ok(me)
    } else {
        Err(PageError::NotFound)
    }
}

#[component]
pub fn DeskCasesPage() -> impl IntoView {
    let queue = use_query_map()
        .read_untracked()
        .get("queue")
        .filter(|q| CASE_TABS.iter().any(|(v, _)| v == q))
        .unwrap_or_else(|| "open".to_owned());
    view! {
        <Title text="诉求 · 工作台"/>
        <RequireLogin here="/workbench/cases"
            load=move |api: Api| {
                let queue = queue.clone();
                async move {
                    let me = clerk(&api).await?;
                    let list = api.get::<CaseList>(&paths::cases(Some(&queue))).await?;
                    Ok((me, list, queue))
                }
            }
            render=|(me, list, queue): (Me, CaseList, String)| {
                view! {
                    {desk_nav(Desk::Cases)}
                    <section class="panel workbench">
                        <p class="tag">"窗口工作台 · 诉求"</p>
                        <h1>{me.department_name.clone().unwrap_or_default()}</h1>
                        <p class="muted">"转办到本部门的差评整改、12345 诉求和办不成事反映。签收后 1 个工作日内回访，按期答复。"</p>
                        <div class="queue-tools">{queue_tabs("/workbench/cases", &CASE_TABS, &queue)}</div>
                        {case_list(list.items, true, "没有符合条件的诉求。")}
                    </section>
                }
            }/>
    }
}

/// The filters of a department's ratings: (status, label).
const RATING_TABS: [(&str, &str); 4] = [
    ("all", "全部"),
    ("appealed", "申诉中"),
    ("upheld", "申诉不成立"),
    ("voided", "已作废"),
];

#[component]
pub fn DeskRatingsPage() -> impl IntoView {
    let status = use_query_map()
        .read_untracked()
        .get("queue")
        .filter(|q| RATING_TABS.iter().any(|(v, _)| v == q))
        .unwrap_or_else(|| "all".to_owned());
    view! {
        <Title text="好差评 · 工作台"/>
        <RequireLogin here="/workbench/ratings"
            load=move |api: Api| {
                let status = status.clone();
                async move {
                    let me = clerk(&api).await?;
                    let filter = (status != "all").then_some(status.as_str());
                    let list = api.get::<RatingList>(&paths::ratings(filter)).await?;
                    Ok((me, list, status))
                }
            }
            render=|(me, list, status): (Me, RatingList, String)| ratings_view(me, list, &status)/>
    }
}

fn ratings_view(me: Me, list: RatingList, status: &str) -> impl IntoView + use<> {
    let counted: Vec<i64> = list
        .items
        .iter()
        .filter(|r| r.status.counts())
        .map(|r| r.score)
        .collect();
    let bad = counted
        .iter()
        .filter(|s| u8::try_from(**s).is_ok_and(is_bad))
        .count();
    let summary = (!counted.is_empty()).then(|| {
        #[expect(clippy::cast_precision_loss, reason = "a count of ratings")]
        let mean = counted.iter().sum::<i64>() as f64 / counted.len() as f64;
        view! {
            <p class="rating-summary">
                {format!("有效评价 {} 条 · 平均 {mean:.1} 分 · 差评 {bad} 条", counted.len())}
            </p>
        }
    });
    let rows = list
        .items
        .iter()
        .map(|r| {
            let appeal = (u8::try_from(r.score).is_ok_and(is_bad) && r.status == RatingStatus::Valid).then(|| {
                view! {
                    <RatingActionForm id=r.id.clone() actions=vec![("appeal".to_owned(), "提交申诉".to_owned())]
                        what="申诉理由".to_owned() opener="申诉".to_owned()
                        hint="认为差评与事实不符（如不属于本部门原因、恶意差评）的，可以申请复核，由县政务服务中心审核。".to_owned()/>
                }
            });
            view! { <li class="rating-row">{rating_card(r, true, true)}{appeal}</li> }
        })
        .collect_view();
    let empty = list
        .items
        .is_empty()
        .then(|| view! { <p class="muted empty">"没有符合条件的评价。"</p> });
    view! {
        {desk_nav(Desk::Ratings)}
        <section class="panel workbench">
            <p class="tag">"窗口工作台 · 好差评"</p>
            <h1>{me.department_name.clone().unwrap_or_default()}</h1>
            <p class="muted">"申请人对本部门办理事项的评价。未实名的评价不显示申请人姓名。"</p>
            {summary}
            <div class="queue-tools">{queue_tabs("/workbench/ratings", &RATING_TABS, status)}</div>
            {empty}
            <ul class="ratings-list">{rows}</ul>
        </section>
    }
}
