//! 高频清单 (`/high-frequency`): the high-frequency bundles the county office
//! published, each with its promised time and its satisfaction. Public.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::HighFrequencyList;
use crate::client::Api;
use crate::components::page::Loading;
use crate::paths;

#[component]
pub fn HighFrequencyPage() -> impl IntoView {
    let api = Api::new();
    let load = move || {
        let api = api.clone();
        async move { api.get::<HighFrequencyList>(paths::HIGH_FREQUENCY).await }
    };
    view! {
        <Title text="高频事项清单"/>
        <section class="panel">
            <h1>"“高效办成一件事”高频事项清单"</h1>
            <Suspense fallback=Loading>
                {move || Suspend::new({
                    let data = load();
                    async move {
                        match data.await {
                            Ok(list) => list_view(list).into_any(),
                            Err(e) => view! { <p class="error-box" role="alert">{e.to_string()}</p> }.into_any(),
                        }
                    }
                })}
            </Suspense>
        </section>
    }
}

fn list_view(list: HighFrequencyList) -> impl IntoView {
    let Some(version) = list.version else {
        return view! { <p class="muted empty">"县政务服务中心尚未发布高频事项清单。"</p> }.into_any();
    };
    let date = list
        .published_at
        .as_deref()
        .and_then(|t| t.get(..10))
        .unwrap_or_default()
        .to_owned();
    let rows = list
        .bundles
        .into_iter()
        .map(|b| {
            let satisfaction = b
                .satisfaction_rate
                .map_or_else(|| "评价不足 5 条".to_owned(), |r| format!("{:.1}%", r * 100.0));
            view! {
                <li class="hf-card">
                    <h2><a href=format!("/bundles/{}", paths::encode(&b.code))>{b.name}</a></h2>
                    <dl class="kv">
                        <div><dt>"牵头部门"</dt><dd>{b.lead_department_name}</dd></div>
                        <div><dt>"承诺办结时限"</dt><dd>{format!("{} 个工作日", b.promised_working_days)}</dd></div>
                        <div><dt>"近一年办件量"</dt><dd>{b.submissions.to_string()}</dd></div>
                        <div><dt>"满意率"</dt><dd>{satisfaction}</dd></div>
                    </dl>
                </li>
            }
        })
        .collect_view();
    view! {
        <p class="muted">{format!("第 {version} 版，{date} 发布。")}{list.note.map(|n| format!("说明：{n}"))}</p>
        <ol class="hf-list">{rows}</ol>
    }
    .into_any()
}
