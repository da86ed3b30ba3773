//! The HTML document and the route table.

use leptos::prelude::*;
use leptos_meta::{HashedStylesheet, MetaTags, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{SsrMode, path};

use crate::components::layout::Layout;
use crate::components::page::NotFound;
use crate::pages::admin::AdminPage;
use crate::pages::admin_calendar::AdminCalendarPage;
use crate::pages::apply::ApplyPage;
use crate::pages::auth::{LoginPage, RegisterPage, StaffLoginPage};
use crate::pages::cases::{CasePage, CasesPage, NewCasePage};
use crate::pages::dashboard::{
    DashboardBundlePage, DashboardHighFrequencyPage, DashboardOverduePage, DashboardPage, DashboardReportPage,
};
use crate::pages::desk::{DeskCasesPage, DeskRatingsPage};
use crate::pages::dispatch::DispatchPage;
use crate::pages::high_frequency::HighFrequencyPage;
use crate::pages::hotline::HotlinePage;
use crate::pages::me::MePage;
use crate::pages::submission::{SubmissionPage, SubmissionsPage};
use crate::pages::workbench::{FileViewerPage, LeadBoardPage, WorkItemPage, WorkbenchPage};
use crate::pages::zone::{EnterprisePage, ProfilePage};
use crate::pages::{bundle::BundlePage, home::HomePage};

/// The document around every page. On the server it also sets the page's
/// Content-Security-Policy with a fresh nonce for the hydration script, so
/// no inline script runs without it.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    page_security_headers();
    view! {
        <!DOCTYPE html>
        <html lang="zh-CN">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="theme-color" content="#0b4ea2"/>
                <meta name="description" content="眉县“高效办成一件事”：一张表单，多个部门同步办理，一个进度全程可查。"/>
                // `/pkg/onething.<hash>.css` when the build hashed its files.
                <HashedStylesheet options=options.clone()/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <HydrationScripts options islands=true/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[cfg(feature = "ssr")]
fn page_security_headers() {
    use leptos::nonce::Nonce;
    let nonce = Nonce::new();
    provide_context(nonce.clone());
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        // 'wasm-unsafe-eval' is what compiling the WASM module needs; no
        // inline script runs without the nonce, and no inline style at all.
        let csp = format!(
            "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
             style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; \
             object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
        );
        if let Ok(v) = http::HeaderValue::from_str(&csp) {
            res.insert_header(http::header::CONTENT_SECURITY_POLICY, v);
        }
        res.insert_header(
            http::header::CACHE_CONTROL,
            http::HeaderValue::from_static("no-store"),
        );
    }
}

/// The route table. Every page is server-rendered in full before it is sent
/// (`SsrMode::Async`), so a page can still answer 404 once its data says so.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title formatter=|t: String| if t.is_empty() { "一件事 · 眉县政务服务".to_owned() } else { format!("{t} · 一件事") }/>
        <Router>
            <Layout>
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=HomePage ssr=SsrMode::Async/>
                    <Route path=path!("/bundles/:code") view=BundlePage ssr=SsrMode::Async/>
                    <Route path=path!("/bundles/:code/apply") view=ApplyPage ssr=SsrMode::Async/>
                    <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async/>
                    <Route path=path!("/staff/login") view=StaffLoginPage ssr=SsrMode::Async/>
                    <Route path=path!("/register") view=RegisterPage ssr=SsrMode::Async/>
                    <Route path=path!("/me") view=MePage ssr=SsrMode::Async/>
                    <Route path=path!("/enterprise") view=EnterprisePage ssr=SsrMode::Async/>
                    <Route path=path!("/profile") view=ProfilePage ssr=SsrMode::Async/>
                    <Route path=path!("/submissions") view=SubmissionsPage ssr=SsrMode::Async/>
                    <Route path=path!("/submissions/:id") view=SubmissionPage ssr=SsrMode::Async/>
                    <Route path=path!("/workbench") view=WorkbenchPage ssr=SsrMode::Async/>
                    <Route path=path!("/workbench/items/:id") view=WorkItemPage ssr=SsrMode::Async/>
                    <Route path=path!("/workbench/items/:id/files/:upload") view=FileViewerPage ssr=SsrMode::Async/>
                    <Route path=path!("/workbench/board") view=LeadBoardPage ssr=SsrMode::Async/>
                    <Route path=path!("/workbench/cases") view=DeskCasesPage ssr=SsrMode::Async/>
                    <Route path=path!("/workbench/ratings") view=DeskRatingsPage ssr=SsrMode::Async/>
                    <Route path=path!("/dispatch") view=DispatchPage ssr=SsrMode::Async/>
                    <Route path=path!("/hotline") view=HotlinePage ssr=SsrMode::Async/>
                    <Route path=path!("/cases") view=CasesPage ssr=SsrMode::Async/>
                    <Route path=path!("/cases/new") view=NewCasePage ssr=SsrMode::Async/>
                    <Route path=path!("/cases/:id") view=CasePage ssr=SsrMode::Async/>
                    <Route path=path!("/admin") view=AdminPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/calendar") view=AdminCalendarPage ssr=SsrMode::Async/>
                    <Route path=path!("/dashboard") view=DashboardPage ssr=SsrMode::Async/>
                    <Route path=path!("/high-frequency") view=HighFrequencyPage ssr=SsrMode::Async/>
                    <Route path=path!("/dashboard/overdue") view=DashboardOverduePage ssr=SsrMode::Async/>
                    <Route path=path!("/dashboard/report") view=DashboardReportPage ssr=SsrMode::Async/>
                    <Route path=path!("/dashboard/high-frequency") view=DashboardHighFrequencyPage ssr=SsrMode::Async/>
                    <Route path=path!("/dashboard/bundles/:code") view=DashboardBundlePage ssr=SsrMode::Async/>
                </Routes>
            </Layout>
        </Router>
    }
}
