//! A bundle (一件事): its items, departments, the ★ lead and time limits.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use serde::{Deserialize, Serialize};

use crate::api::{BundleDto, DepartmentDto, ItemDto};
use crate::catalog::Audience;
use crate::client::{Api, ApiError};
use crate::components::page::{Loading, NotFound};
use crate::paths;

/// A bundle: its items with their departments, the ★ lead and the time limits.
#[component]
pub fn BundlePage() -> impl IntoView {
    let code = use_params_map().read_untracked().get("code").unwrap_or_default();
    let api = Api::new();
    let load = move || {
        let (api, code) = (api.clone(), code.clone());
        async move {
            let bundle = api.get::<BundleDto>(&paths::bundle(&code)).await?;
            let departments = api.get::<Vec<DepartmentDto>>(paths::DEPARTMENTS).await?;
            Ok::<_, ApiError>((bundle, departments))
        }
    };
    view! {
        <Suspense fallback=Loading>
            {move || Suspend::new({
                let data = load();
                async move {
                    match data.await {
                        Ok((bundle, departments)) => bundle_view(bundle, &departments).into_any(),
                        Err(e) if e.is_not_found() => view! { <NotFound/> }.into_any(),
                        Err(e) => view! { <p class="error-box" role="alert">{e.to_string()}</p> }.into_any(),
                    }
                }
            })}
        </Suspense>
    }
}

fn bundle_view(bundle: BundleDto, departments: &[DepartmentDto]) -> impl IntoView + use<> {
    let name_of = |code: &str| {
        departments
            .iter()
            .find(|d| d.code == code)
            .map(|d| d.name.clone())
            .unwrap_or_else(|| code.to_owned())
    };
    let (audience, audience_anchor) = match bundle.audience {
        Audience::Citizen => ("个人办事", "/#citizen-bundles"),
        Audience::Enterprise => ("企业办事", "/#enterprise-bundles"),
    };
    let lead = name_of(&bundle.lead_department);
    let longest = longest_chain_days(&bundle.items);
    let mut involved: Vec<(String, bool)> = Vec::new();
    for code in
        std::iter::once(&bundle.lead_department).chain(bundle.items.iter().flat_map(|i| &i.departments))
    {
        if !involved.iter().any(|(c, _)| c == code) {
            involved.push((code.clone(), code == &bundle.lead_department));
        }
    }
    let cards: Vec<ItemCard> = bundle
        .items
        .iter()
        .map(|i| ItemCard {
            code: i.code.clone(),
            name: i.name.clone(),
            departments: i
                .departments
                .iter()
                .map(|d| (name_of(d), d == &bundle.lead_department))
                .collect(),
            due_days: i.due_days,
            optional: i.optional,
            after: i
                .depends_on
                .iter()
                .filter_map(|d| bundle.items.iter().find(|x| &x.code == d).map(|x| x.name.clone()))
                .collect(),
        })
        .collect();
    let department_list = involved
        .into_iter()
        .map(|(code, is_lead)| {
            let name = name_of(&code);
            view! { <li class:lead=is_lead>{is_lead.then_some("★ ")}{name}</li> }
        })
        .collect_view();
    let item_count = bundle.items.len();
    let department_count = bundle
        .items
        .iter()
        .flat_map(|i| &i.departments)
        .collect::<std::collections::HashSet<_>>()
        .len();
    view! {
        <Title text=bundle.name.clone()/>
        <nav class="breadcrumb" aria-label="位置">
            <a href="/">"首页"</a>" › "<a href=audience_anchor>{audience}</a>" › "<span aria-current="page">{bundle.name.clone()}</span>
        </nav>
        <section class="panel bundle-head">
            <p class="tag">{audience}</p>
            <h1>{bundle.name.clone()}"“一件事”"</h1>
            <p>{bundle.summary.clone()}</p>
            <p class="lead-line">"★ 牵头部门：" <strong>{lead}</strong></p>
            <p><a class="button wide-mobile" href=format!("/bundles/{}/apply", bundle.code) data-apply=bundle.code.clone()>"开始办理"</a></p>
            <dl class="facts">
                <div><dt>"具体事项"</dt><dd>{item_count}" 项"</dd></div>
                <div><dt>"办理部门"</dt><dd>{department_count}" 个"</dd></div>
                <div><dt>"全部办结"</dt><dd>"约 "{longest}" 个工作日"</dd></div>
            </dl>
        </section>
        <section class="panel">
            <h2>"包含的事项"</h2>
            <p class="muted">"一次提交后，各部门同时办理；标注“先办”的事项按顺序衔接。"</p>
            <BundleItems items=cards/>
        </section>
        <section class="panel">
            <h2>"参与部门"</h2>
            <ul class="department-list">{department_list}</ul>
        </section>
    }
}

/// The longest chain of time limits through `depends_on`: how long the whole
/// bundle takes when every department uses its full time limit.
pub fn longest_chain_days(items: &[ItemDto]) -> u32 {
    fn finish(i: usize, items: &[ItemDto], memo: &mut Vec<Option<u32>>, depth: usize) -> u32 {
        if let Some(v) = memo[i] {
            return v;
        }
        // The catalog is acyclic (checked on load); the depth guard only
        // keeps a malformed response from recursing forever.
        let before = if depth > items.len() {
            0
        } else {
            items[i]
                .depends_on
                .iter()
                .filter_map(|d| items.iter().position(|x| &x.code == d))
                .map(|j| finish(j, items, memo, depth + 1))
                .max()
                .unwrap_or(0)
        };
        let v = before + u32::from(items[i].due_days);
        memo[i] = Some(v);
        v
    }
    let mut memo = vec![None; items.len()];
    (0..items.len())
        .map(|i| finish(i, items, &mut memo, 0))
        .max()
        .unwrap_or(0)
}

/// What the item list island needs of an item.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ItemCard {
    pub code: String,
    pub name: String,
    /// (department name, is the ★ lead)
    pub departments: Vec<(String, bool)>,
    pub due_days: u16,
    pub optional: bool,
    /// Names of the items that must be completed first.
    pub after: Vec<String>,
}

/// The items of a bundle as disclosure widgets. Each works without script
/// (`<details>`); once hydrated, "全部展开/全部收起" opens or closes all.
#[island]
pub fn BundleItems(items: Vec<ItemCard>) -> impl IntoView {
    let all_open = RwSignal::new(false);
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let list = items
        .into_iter()
        .enumerate()
        .map(|(n, item)| {
            let deps = item
                .departments
                .into_iter()
                .map(|(name, lead)| view! { <li class:lead=lead>{lead.then_some("★ ")}{name}</li> })
                .collect_view();
            let after = (!item.after.is_empty()).then(|| {
                view! { <p class="after">"先办：" {item.after.join("、")}</p> }
            });
            view! {
                <li class="item">
                    <details prop:open=move || all_open.get() data-item=item.code>
                        <summary>
                            <span class="item-no">{n + 1}</span>
                            <span class="item-name">{item.name}</span>
                            {item.optional.then(|| view! { <span class="chip">"可选"</span> })}
                        </summary>
                        <div class="item-body">
                            <p>"办理部门："</p>
                            <ul class="item-departments">{deps}</ul>
                            <p>"办结时限：" <strong>{item.due_days}</strong> " 个工作日"</p>
                            {after}
                        </div>
                    </details>
                </li>
            }
        })
        .collect_view();
    view! {
        <div class="items-toolbar" data-hydrated=move || hydrated.get().to_string()>
            <button
                type="button"
                class="link-button"
                aria-controls="bundle-items"
                on:click=move |_| all_open.update(|o| *o = !*o)
            >
                {move || if all_open.get() { "全部收起" } else { "全部展开" }}
            </button>
        </div>
        <ol class="item-list" id="bundle-items">{list}</ol>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(code: &str, days: u16, deps: &[&str]) -> ItemDto {
        ItemDto {
            code: code.into(),
            name: code.into(),
            departments: vec![],
            optional: false,
            due_days: days,
            depends_on: deps.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn longest_chain_follows_dependencies() {
        let items = [
            item("a", 1, &[]),
            item("b", 5, &["a"]),
            item("c", 3, &[]),
            item("d", 2, &["b", "c"]),
        ];
        assert_eq!(longest_chain_days(&items), 8);
        assert_eq!(longest_chain_days(&[]), 0);
    }
}
