//! 我的: the logged-in person's page.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;

use crate::api::{Me, Notifications, Role};
use crate::browser;
use crate::client::{Api, Method};
use crate::components::labels::short_time;
use crate::components::page::{PageError, RequireLogin};
use crate::paths;

#[component]
pub fn MePage() -> impl IntoView {
    view! {
        <Title text="我的"/>
        <RequireLogin here="/me" load=load render=|(me, inbox): (Me, Option<Notifications>)| {
            let cases = cases_home(&me);
            view! { {me_view(me)} {inbox.map(|n| inbox_view(n, cases))} }
        }/>
    }
}

async fn load(api: Api) -> Result<(Me, Option<Notifications>), PageError> {
    let me = api.get::<Me>(paths::ME).await?;
    let inbox = api.get::<Notifications>(&paths::notifications(20)).await.ok();
    Ok((me, inbox))
}

fn me_view(me: Me) -> impl IntoView {
    let role = me.roles.first().copied().unwrap_or(Role::Citizen);
    let facts = [
        ("身份", Some(role.label().to_owned())),
        ("手机号", me.phone_masked.clone()),
        ("身份证号", me.id_number_masked.clone()),
        ("所属部门", me.department_name.clone()),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.map(|v| view! { <div><dt>{k}</dt><dd>{v}</dd></div> }))
    .collect_view();
    let staff_link = match role {
        Role::Clerk => Some(view! { <a class="button" href="/workbench">"进入工作台"</a> }.into_any()),
        Role::Admin => Some(view! { <a class="button" href="/admin">"进入管理"</a> }.into_any()),
        Role::Dispatcher => Some(view! { <a class="button" href="/dispatch">"诉求调度"</a> }.into_any()),
        Role::Operator => Some(view! { <a class="button" href="/hotline">"12345 诉求登记"</a> }.into_any()),
        Role::Evaluator => Some(view! { <a class="button" href="/dashboard">"效能评估"</a> }.into_any()),
        Role::Citizen => Some(
            view! {
                <a class="button" href="/submissions">"我的办件"</a>
                <a class="button secondary" href="/profile">"我的档案"</a>
                <a class="button secondary" href="/enterprise">"企业专区"</a>
            }
            .into_any(),
        ),
    };
    let lead = (!me.lead_bundles.is_empty()).then(|| {
        view! { <p class="muted">"本部门牵头：" {me.lead_bundles.join("、")}</p> }
    });
    view! {
        <section class="panel">
            <h1>{me.name.clone()}</h1>
            <dl class="kv">{facts}</dl>
            {lead}
            <div class="actions">{staff_link}<LogoutButton/></div>
        </section>
    }
}

/// Ends the session and goes to the home page.
#[island]
pub fn LogoutButton() -> impl IntoView {
    let busy = RwSignal::new(false);
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    view! {
        <button class="button secondary" type="button" disabled=move || busy.get()
            data-hydrated=move || hydrated.get().to_string()
            on:click=move |_| {
                busy.set(true);
                spawn_local(async move {
                    let _ = Api::new().send::<_, ()>(Method::Post, paths::LOGOUT, &()).await;
                    browser::go("/");
                });
            }>
            "退出登录"
        </button>
    }
}

/// Where the person's cases (诉求) are listed.
fn cases_home(me: &Me) -> &'static str {
    if me.has(Role::Dispatcher) {
        "/dispatch"
    } else if me.has(Role::Operator) {
        "/hotline"
    } else if me.has(Role::Clerk) {
        "/workbench/cases"
    } else {
        "/cases"
    }
}

/// The messages; each opens what it is about: a case's list, the rating
/// section of a submission, or the submission.
fn inbox_view(n: Notifications, cases: &'static str) -> impl IntoView {
    let unread = n.unread;
    let items = n
        .items
        .into_iter()
        .map(|m| {
            let href = match (m.kind.as_str(), m.submission_id.as_ref(), m.work_item_id.as_ref()) {
                ("case", _, _) => cases.to_owned(),
                ("rate", Some(s), _) => format!("/submissions/{s}#rating"),
                ("due_soon" | "overdue", _, Some(w)) => format!("/workbench/items/{w}"),
                ("due_soon", _, None) => "/workbench?status=open".into(),
                ("overdue", _, None) => "/workbench?overdue=true&status=open".into(),
                ("lead_overdue", _, _) => "/workbench/board".into(),
                (_, Some(s), _) => format!("/submissions/{s}"),
                (_, None, _) => "/submissions".into(),
            };
            view! {
                <li class="notice-item" class:unread=!m.read data-kind=m.kind.clone()>
                    <a href=href>
                        <span class="notice-title">{m.title}</span>
                        <span class="notice-body">{m.body}</span>
                        <span class="muted">{short_time(&m.created_at)}</span>
                    </a>
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="panel" id="notifications">
            <h2>"消息" {(unread > 0).then(|| view! { <span class="badge">{unread}</span> })}</h2>
            {(unread > 0).then(|| view! { <MarkAllRead/> })}
            <ul class="notices">{items}</ul>
        </section>
    }
}

/// Marks every message as read.
#[island]
fn MarkAllRead() -> impl IntoView {
    view! {
        <button class="link-button" type="button" on:click=move |_| {
            spawn_local(async move {
                let _ = Api::new().send::<_, ()>(Method::Post, paths::NOTIFICATIONS_READ_ALL, &()).await;
                browser::reload();
            });
        }>"全部标为已读"</button>
    }
}
