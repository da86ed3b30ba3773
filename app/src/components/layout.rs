//! The frame of every page: header with the account links, main column, footer.

use leptos::prelude::*;

use crate::api::{Me, Notifications, Role};
use crate::client::Api;
use crate::paths;

/// Header, main column and footer of every page.
#[component]
pub fn Layout(children: Children) -> impl IntoView {
    view! {
        <a class="skip-link" href="#main">"跳到主要内容"</a>
        <header class="site-header">
            <div class="wrap header-row">
                <a class="brand" href="/" aria-label="一件事 首页">
                    <span class="brand-mark" aria-hidden="true">"一"</span>
                    <span class="brand-text">
                        <span class="brand-name">"高效办成一件事"</span>
                        <span class="brand-sub">"眉县政务服务"</span>
                    </span>
                </a>
                <UserNav/>
            </div>
        </header>
        <main id="main" class="wrap main">{children()}</main>
        <footer class="site-footer">
            <div class="wrap">
                <p>"主办：眉县人民政府办公室 · 承办：眉县行政审批服务局"</p>
                <p class="muted">"依据《眉县建立政务服务效能提升常态化工作机制推动“高效办成一件事”实施方案》（眉政办发〔2024〕26号）"</p>
                <p class="footer-links"><a href="/cases/new">"我要反映"</a>" · "<a href="/cases">"我的诉求"</a>" · "<a href="/high-frequency">"高频事项清单"</a></p>
                <p class="muted">"政务服务便民热线 12345"</p>
            </div>
        </footer>
    }
}

/// The right side of the header: who is logged in, or a login link.
#[component]
fn UserNav() -> impl IntoView {
    let api = Api::new();
    view! {
        <nav class="site-nav" aria-label="账号">
            <Suspense fallback=|| ()>
                {move || Suspend::new({
                    let api = api.clone();
                    async move {
                        match api.get::<Me>(paths::ME).await {
                            Ok(me) => {
                                let unread = api.get::<Notifications>(&paths::notifications(1)).await.map(|n| n.unread).unwrap_or(0);
                                let inbox = (unread > 0).then(|| {
                                    view! { <a class="nav-badge" href="/me#notifications" aria-label=format!("{unread} 条未读消息")>"消息 "<span class="badge">{unread}</span></a> }
                                });
                                let (href, label) = if me.has(Role::Admin) {
                                    ("/admin", "管理")
                                } else if me.has(Role::Clerk) {
                                    ("/workbench", "工作台")
                                } else if me.has(Role::Dispatcher) {
                                    ("/dispatch", "诉求调度")
                                } else if me.has(Role::Operator) {
                                    ("/hotline", "12345登记")
                                } else if me.has(Role::Evaluator) {
                                    ("/dashboard", "效能评估")
                                } else {
                                    ("/submissions", "我的办件")
                                };
                                let acting = me.acting_for.clone().map(|e| {
                                    view! { <a class="acting-chip" href="/enterprise" title="当前以企业身份办事">"企业：" {e.name}</a> }
                                });
                                view! {
                                    {acting}
                                    {inbox}
                                    <a href=href data-user=me.id>{label}</a>
                                    <a class="nav-name" href="/me">{me.name}</a>
                                }
                                .into_any()
                            }
                            Err(_) => view! { <a href="/login">"登录"</a><a href="/register">"注册"</a> }.into_any(),
                        }
                    }
                })}
            </Suspense>
        </nav>
    }
}
