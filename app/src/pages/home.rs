//! 首页: the bundles, split into 个人办事 and 企业办事.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::{BundleDto, DepartmentDto};
use crate::catalog::Audience;
use crate::client::Api;
use crate::components::page::Loading;
use crate::paths;

/// 首页: the bundles split into 个人办事 and 企业办事.
#[component]
pub fn HomePage() -> impl IntoView {
    let api = Api::new();
    let load = move || {
        let api = api.clone();
        async move {
            let bundles = api.get::<Vec<BundleDto>>(paths::BUNDLES).await?;
            let departments = api.get::<Vec<DepartmentDto>>(paths::DEPARTMENTS).await?;
            Ok::<_, crate::client::ApiError>((bundles, departments))
        }
    };
    view! {
        <Title text=""/>
        <section class="hero">
            <h1>"高效办成一件事"</h1>
            <p class="hero-lead">"一张表单，多个部门同步办理，一个进度全程可查。"</p>
            <p class="hero-tags">
                <span>"一次告知"</span><span>"一表申请"</span><span>"一套材料"</span><span>"一网通办"</span>
            </p>
        </section>
        <Suspense fallback=Loading>
            {move || Suspend::new({
                let data = load();
                async move { match data.await {
                    Ok((bundles, departments)) => {
                        let items: usize = bundles.iter().map(|b| b.items.len()).sum();
                        let name_of = move |code: &str| {
                            departments.iter().find(|d| d.code == code).map(|d| d.name.clone()).unwrap_or_else(|| code.to_owned())
                        };
                        let (citizen, enterprise): (Vec<_>, Vec<_>) =
                            bundles.iter().cloned().partition(|b| b.audience == Audience::Citizen);
                        let section = |id: &'static str, title: &'static str, hint: &'static str, list: Vec<BundleDto>| {
                            let cards = list.into_iter().map(|b| bundle_card(&b, &name_of(&b.lead_department))).collect_view();
                            view! {
                                <section class="bundle-section" aria-labelledby=id>
                                    <h2 id=id>{title}</h2>
                                    <p class="muted">{hint}</p>
                                    <ul class="bundle-grid">{cards}</ul>
                                </section>
                            }
                        };
                        view! {
                            <p class="stats">
                                <span><strong>{bundles.len()}</strong>" 件“一件事”"</span>
                                <span><strong>{items}</strong>" 个具体事项"</span>
                            </p>
                            {section("citizen-bundles", "个人办事", "出生、入学、退休等人生大事，一次申请。", citizen)}
                            {section("enterprise-bundles", "企业办事", "开办、变更、注销等企业经营事项，一次申请。", enterprise)}
                        }
                        .into_any()
                    }
                    Err(e) => view! { <p class="error-box" role="alert">{e.to_string()}</p> }.into_any(),
                } }
            })}
        </Suspense>
    }
}

fn bundle_card(b: &BundleDto, lead_name: &str) -> impl IntoView + use<> {
    let href = format!("/bundles/{}", b.code);
    let departments = {
        let mut d: Vec<&str> = b
            .items
            .iter()
            .flat_map(|i| i.departments.iter().map(String::as_str))
            .collect();
        d.sort_unstable();
        d.dedup();
        d.len()
    };
    view! {
        <li class="bundle-card">
            <a href=href data-bundle=b.code.clone()>
                <span class="bundle-name">{b.name.clone()}</span>
                <span class="bundle-summary">{b.summary.clone()}</span>
                <span class="bundle-meta">
                    {format!("{} 个事项 · {} 个部门", b.items.len(), departments)}
                </span>
                <span class="bundle-lead">"★ 牵头：" {lead_name.to_owned()}</span>
            </a>
        </li>
    }
}
