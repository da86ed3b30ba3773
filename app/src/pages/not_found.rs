use leptos::prelude::*;
use leptos_meta::Title;

/// Unknown paths (and unknown bundle codes) answer 404 with this page.
#[component]
pub fn NotFound() -> impl IntoView {
    super::set_status(404);
    view! {
        <Title text="页面不存在"/>
        <section class="panel notice">
            <h1>"页面不存在"</h1>
            <p>"您访问的页面不存在或已经调整。"</p>
            <p><a class="button" href="/">"返回首页"</a></p>
        </section>
    }
}
