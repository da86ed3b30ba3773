//! 工作台: where a clerk lands after logging in.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::{Me, Role};
use crate::client::Api;

#[component]
pub fn WorkbenchPage() -> impl IntoView {
    let api = Api::new();
    view! {
        <Title text="工作台"/>
        <Suspense fallback=|| view! { <p class="muted">"正在加载…"</p> }>
            {move || Suspend::new({
                let api = api.clone();
                async move {
                    match api.get::<Me>("/api/v1/me").await {
                        Ok(me) if me.has(Role::Clerk) => view! {
                            <section class="panel">
                                <p class="tag">"窗口工作台"</p>
                                <h1>{me.department_name.clone().unwrap_or_default()}</h1>
                                <p class="muted">{format!("{}，您好。", me.name)}</p>
                            </section>
                        }.into_any(),
                        Ok(_) => view! { <super::not_found::NotFound/> }.into_any(),
                        Err(e) => super::login_or_error(e, "/workbench").into_any(),
                    }
                }
            })}
        </Suspense>
    }
}
