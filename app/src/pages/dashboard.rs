//! 效能评估: the county office's dashboard (`/dashboard`), a bundle's page
//! (`/dashboard/bundles/{code}`) and the drill-down to overdue work items
//! (`/dashboard/overdue`). Server-rendered: the filter is a plain GET
//! form, the charts are inline SVG with the numbers in a table beside
//! them, so the pages work without JavaScript and print cleanly.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use leptos::task::spawn_local;

use crate::api::{
    BundleDto, BundleSavings, BundleStats, Count, DepartmentDto, FieldError, HighFrequencyList, ItemBefore,
    Me, OverdueList, PartFigures, PublishHighFrequency, Ranked, Reduction, Role, StatsOverview, StatsQuery,
    StatsRanking, TrendPoint,
};
use crate::browser;
use crate::catalog::Sourced;
use crate::client::Api;
use crate::client::{ApiError, Method};
use crate::components::feedback::{Desk, desk_nav};
use crate::components::form::{ErrorSummary, TextField};
use crate::components::page::{PageError, RequireLogin};
use crate::domain::Date;
use crate::paths;

/// Who may open the dashboard: the county office and every clerk (the API
/// narrows a clerk to their department or the bundles they lead).
async fn reader(api: &Api) -> Result<Me, PageError> {
    let me = api.get::<Me>(paths::ME).await?;
    if me.has(Role::Evaluator) || me.has(Role::Admin) || me.has(Role::Clerk) {
        Ok(me)
    } else {
        Err(PageError::NotFound)
    }
}

fn query_of_url() -> StatsQuery {
    let q = use_query_map().read_untracked();
    let get = |k: &str| q.get(k).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    StatsQuery {
        from: get("from"),
        to: get("to"),
        bundle: get("bundle"),
        department: get("department"),
    }
}

fn percent(r: Option<f64>) -> String {
    r.map_or_else(|| "—".to_owned(), |r| format!("{:.1}%", r * 100.0))
}

fn days(d: Option<f64>) -> String {
    d.map_or_else(|| "—".to_owned(), |d| format!("{d:.1}"))
}

/// A count as drawn: the hidden 1–4 at its middle, 2.5.
fn height(c: Count) -> f64 {
    #[expect(clippy::cast_precision_loss)]
    c.exact().map_or(2.5, |n| n as f64)
}

#[component]
pub fn DashboardPage() -> impl IntoView {
    let q = query_of_url();
    view! {
        <Title text="效能评估"/>
        <RequireLogin here="/dashboard"
            load=move |api: Api| {
                let q = q.clone();
                async move {
                    let me = reader(&api).await?;
                    let bundles = api.get::<Vec<BundleDto>>(paths::BUNDLES).await?;
                    let departments = api.get::<Vec<DepartmentDto>>(paths::DEPARTMENTS).await?;
                    let o = api.get::<StatsOverview>(&paths::stats_overview(&q)).await?;
                    Ok((me, bundles, departments, o, q))
                }
            }
            render=|(me, bundles, departments, o, q): (Me, Vec<BundleDto>, Vec<DepartmentDto>, StatsOverview, StatsQuery)| {
                let title = scope_title(&o, &bundles, &departments);
                let bundle_rows = bundles_view(&me, &o, &q);
                let desk = me.has(Role::Clerk).then(|| desk_nav(Desk::Stats));
                view! {
                    {desk}
                    <section class="panel dashboard">
                        <p class="tag">"效能评估 · 县政务服务中心"</p>
                        <h1>{title}</h1>
                        {filter_form("/dashboard", &q, (&o.from, &o.to), Some((&bundles, &departments)))}
                        {headline(&o, &q)}
                        {downloads(&q)}
                        {trend(&o)}
                    </section>
                    {departments_view(&o, &q)}
                    {bundle_rows}
                    {savings_view(&o.savings)}
                    {quality(&o)}
                }
            }/>
    }
}

#[component]
pub fn DashboardBundlePage() -> impl IntoView {
    let code = use_params_map().read_untracked().get("code").unwrap_or_default();
    let q = query_of_url();
    let here = format!("/dashboard/bundles/{}", paths::encode(&code));
    view! {
        <Title text="效能评估 · 一件事"/>
        <RequireLogin here=here.clone()
            load=move |api: Api| {
                let (code, q) = (code.clone(), q.clone());
                async move {
                    reader(&api).await?;
                    let b = api.get::<BundleStats>(&paths::stats_bundle(&code, &q)).await?;
                    Ok((b, q))
                }
            }
            render=move |(b, q): (BundleStats, StatsQuery)| {
                let here = here.clone();
                let q = StatsQuery { bundle: Some(b.code.clone()), ..q };
                view! {
                    <section class="panel dashboard">
                        <p class="tag"><a href=paths::dashboard("/dashboard", &StatsQuery { bundle: None, ..q.clone() })>"效能评估"</a>" · 一件事"</p>
                        <h1>{b.name.clone()}</h1>
                        {filter_form(&here, &q, (&b.overview.from, &b.overview.to), None)}
                        {headline(&b.overview, &q)}
                        {downloads(&q)}
                        {trend(&b.overview)}
                    </section>
                    {items_view(&b.items, &q)}
                    {savings_view(&b.overview.savings)}
                    {before_view(&b.before)}
                    {departments_view(&b.overview, &q)}
                    {quality(&b.overview)}
                }
            }/>
    }
}

#[component]
pub fn DashboardOverduePage() -> impl IntoView {
    let q = query_of_url();
    view! {
        <Title text="效能评估 · 逾期事项"/>
        <RequireLogin here="/dashboard/overdue"
            load=move |api: Api| {
                let q = q.clone();
                async move {
                    let me = reader(&api).await?;
                    let list = api.get::<OverdueList>(&paths::stats_overdue(&q)).await?;
                    Ok((me, list, q))
                }
            }
            render=|(me, list, q): (Me, OverdueList, StatsQuery)| overdue_view(&me, &list, &q)/>
    }
}

/// 高频事项排行: bundles and items by volume with their trend; an admin
/// publishes the 高频清单 from it.
#[component]
pub fn DashboardHighFrequencyPage() -> impl IntoView {
    let q = query_of_url();
    view! {
        <Title text="效能评估 · 高频事项排行"/>
        <RequireLogin here="/dashboard/high-frequency"
            load=move |api: Api| {
                let q = q.clone();
                async move {
                    let me = reader(&api).await?;
                    let r = api.get::<StatsRanking>(&paths::stats_ranking(&q)).await?;
                    let list = api.get::<HighFrequencyList>(paths::HIGH_FREQUENCY).await?;
                    Ok((me, r, list, q))
                }
            }
            render=|(me, r, list, q): (Me, StatsRanking, HighFrequencyList, StatsQuery)| ranking_view(&me, &r, &list, &q)/>
    }
}

fn change(r: &Ranked) -> String {
    r.change_rate.map_or_else(
        || "—".to_owned(),
        |c| {
            let arrow = if c > 0.0 {
                "↑"
            } else if c < 0.0 {
                "↓"
            } else {
                "→"
            };
            format!("{arrow}{:.1}%", c.abs() * 100.0)
        },
    )
}

fn ranking_view(
    me: &Me,
    r: &StatsRanking,
    list: &HighFrequencyList,
    q: &StatsQuery,
) -> impl IntoView + use<> {
    let bundle_rows = r
        .bundles
        .iter()
        .map(|b| {
            view! {
                <tr>
                    <td>{b.rank}</td>
                    <th scope="row">{b.name.clone()}</th>
                    <td>{b.volume.to_string()}</td>
                    <td>{b.previous.to_string()}</td>
                    <td>{change(b)}</td>
                    <td>{if b.published { "已列入" } else { "" }}</td>
                </tr>
            }
        })
        .collect_view();
    let item_rows = r
        .items
        .iter()
        .take(30)
        .map(|i| {
            view! {
                <tr>
                    <td>{i.rank}</td>
                    <th scope="row">{i.name.clone()}</th>
                    <td>{i.volume.to_string()}</td>
                    <td>{i.previous.to_string()}</td>
                    <td>{change(i)}</td>
                </tr>
            }
        })
        .collect_view();
    let version = list.version.map_or_else(
        || "尚未发布高频事项清单。".to_owned(),
        |v| {
            let date = list
                .published_at
                .as_deref()
                .and_then(|t| t.get(..10))
                .unwrap_or_default();
            format!("现行清单：第 {v} 版，{date} 发布，共 {} 项。", list.bundles.len())
        },
    );
    let publish = me.has(Role::Admin).then(|| {
        let published: Vec<String> = list.bundles.iter().map(|b| b.code.clone()).collect();
        // Ranked bundles first, then the rest of the published ones.
        let mut choices: Vec<(String, String, bool)> = r
            .bundles
            .iter()
            .map(|b| (b.code.clone(), b.name.clone(), b.published))
            .collect();
        for b in &list.bundles {
            if !choices.iter().any(|c| c.0 == b.code) {
                choices.push((b.code.clone(), b.name.clone(), true));
            }
        }
        view! { <PublishForm choices=choices published=published/> }
    });
    let back = paths::dashboard("/dashboard", q);
    view! {
        <section class="panel dashboard">
            <p class="tag"><a href=back>"效能评估"</a>" · 高频事项排行"</p>
            <h1>"高频事项排行"</h1>
            {filter_form("/dashboard/high-frequency", q, (&r.from, &r.to), None)}
            <p class="muted">{format!("与上一同长时段（{} 至 {}）相比。", r.previous_from, r.previous_to)}{version}" "<a href="/high-frequency">"查看公开清单"</a></p>
            <h2>"一件事"</h2>
            <div class="table-wrap">
                <table class="table stats-table">
                    <thead><tr><th>"排名"</th><th>"一件事"</th><th>"办件量"</th><th>"上期"</th><th>"变化"</th><th>"高频清单"</th></tr></thead>
                    <tbody>{bundle_rows}</tbody>
                </table>
            </div>
            <h2>"事项（前 30）"</h2>
            <div class="table-wrap">
                <table class="table stats-table">
                    <thead><tr><th>"排名"</th><th>"事项"</th><th>"子件"</th><th>"上期"</th><th>"变化"</th></tr></thead>
                    <tbody>{item_rows}</tbody>
                </table>
            </div>
        </section>
        {publish}
    }
}

/// Publishes a new version of the 高频清单 (admins).
#[island]
fn PublishForm(choices: Vec<(String, String, bool)>, published: Vec<String>) -> impl IntoView {
    let chosen = RwSignal::new(published);
    let note = RwSignal::new(String::new());
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let message = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let tried = RwSignal::new(false);
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        tried.set(true);
        busy.set(true);
        let req = PublishHighFrequency {
            bundles: chosen.get_untracked(),
            note: Some(note.get_untracked()).filter(|n| !n.trim().is_empty()),
        };
        spawn_local(async move {
            match Api::new()
                .send::<_, HighFrequencyList>(Method::Put, paths::HIGH_FREQUENCY, &req)
                .await
            {
                Ok(_) => browser::reload(),
                Err(ApiError::Api { fields, .. }) if !fields.is_empty() => {
                    busy.set(false);
                    errors.set(fields);
                }
                Err(e) => {
                    busy.set(false);
                    message.set(Some(e.to_string()));
                }
            }
        });
    };
    let boxes = choices
        .into_iter()
        .map(|(code, name, _)| {
            let id = format!("hf-{code}");
            let label_for = id.clone();
            let c = code.clone();
            let checked = move || chosen.read().contains(&c);
            let toggle = move |ev: leptos::ev::Event| {
                let on = event_target_checked(&ev);
                chosen.update(|v| {
                    v.retain(|x| x != &code);
                    if on {
                        v.push(code.clone());
                    }
                });
            };
            view! {
                <label class="checkbox small" for=label_for>
                    <input type="checkbox" id=id prop:checked=checked on:change=toggle/>
                    {name}
                </label>
            }
        })
        .collect_view();
    view! {
        <section class="panel">
            <h2>"发布高频事项清单"</h2>
            <form class="form" on:submit=submit novalidate data-hydrated=move || hydrated.get().to_string()>
                <ErrorSummary errors message=message tried=tried/>
                <fieldset>
                    <legend>"列入清单的“一件事”（按勾选先后排列）"</legend>
                    {boxes}
                </fieldset>
                <TextField name="note" label="说明（可选）" value=note errors hint="如：2026 年第四季度"/>
                <button class="button" type="submit" disabled=move || busy.get()>"发布新版本"</button>
            </form>
        </section>
    }
}

/// The printable 评估报告: the same figures, laid out for A4.
#[component]
pub fn DashboardReportPage() -> impl IntoView {
    let q = query_of_url();
    view! {
        <Title text="效能评估报告"/>
        <RequireLogin here="/dashboard/report"
            load=move |api: Api| {
                let q = q.clone();
                async move {
                    reader(&api).await?;
                    let bundles = api.get::<Vec<BundleDto>>(paths::BUNDLES).await?;
                    let departments = api.get::<Vec<DepartmentDto>>(paths::DEPARTMENTS).await?;
                    let o = api.get::<StatsOverview>(&paths::stats_overview(&q)).await?;
                    Ok((bundles, departments, o, q))
                }
            }
            render=|(bundles, departments, o, q): (Vec<BundleDto>, Vec<DepartmentDto>, StatsOverview, StatsQuery)| {
                let county = if o.county.is_empty() { "本县".to_owned() } else { o.county.clone() };
                let scope = scope_title(&o, &bundles, &departments);
                let bundle_rows = o.bundles.iter().map(|b| part_row(view! { <span>{b.name.clone()}</span> }.into_any(), b, None, None)).collect_view();
                view! {
                    <article class="report">
                        <header class="report-head">
                            <h1>{format!("{county}政务服务效能评估报告")}</h1>
                            <p>{format!("{scope} · {} 至 {}", o.from, o.to)}</p>
                            <p class="muted small no-print">"用浏览器的“打印”（Ctrl+P）即可存为 A4 PDF。"<a href=paths::stats_report(&q, None)>"下载 Excel"</a></p>
                        </header>
                        <section class="report-section">
                            <h2>"一、总体情况"</h2>
                            {headline(&o, &q)}
                            {trend(&o)}
                        </section>
                        {departments_view(&o, &q)}
                        <section class="report-section page-break">
                            <h2>"各“一件事”"</h2>
                            {part_table("一件事", false, bundle_rows)}
                        </section>
                        {savings_view(&o.savings)}
                        {quality(&o)}
                    </article>
                }
            }/>
    }
}

fn scope_title(o: &StatsOverview, bundles: &[BundleDto], departments: &[DepartmentDto]) -> String {
    let bundle = o.bundle.as_ref().map(|b| {
        bundles
            .iter()
            .find(|x| &x.code == b)
            .map_or(b.clone(), |x| x.name.clone())
    });
    let dept = o.department.as_ref().map(|d| {
        departments
            .iter()
            .find(|x| &x.code == d)
            .map_or(d.clone(), |x| x.name.clone())
    });
    match (bundle, dept) {
        (None, None) => "全县效能评估".to_owned(),
        (Some(b), None) => b,
        (None, Some(d)) => d,
        (Some(b), Some(d)) => format!("{b} · {d}"),
    }
}

/// Quick periods: (label, from, to).
fn quick_ranges(today: Date) -> Vec<(&'static str, Date, Date)> {
    let month_start = Date::new(today.year(), today.month(), 1).unwrap_or(today);
    let last_month_end = month_start.add_days(-1);
    let last_month_start =
        Date::new(last_month_end.year(), last_month_end.month(), 1).unwrap_or(last_month_end);
    let year_start = Date::new(today.year(), 1, 1).unwrap_or(today);
    vec![
        ("近7天", today.add_days(-6), today),
        ("近30天", today.add_days(-29), today),
        ("本月", month_start, today),
        ("上月", last_month_start, last_month_end),
        ("今年", year_start, today),
    ]
}

type Choices<'a> = (&'a [BundleDto], &'a [DepartmentDto]);

/// The period's filter; `period` is the (from, to) the figures cover.
fn filter_form(
    action: &str,
    q: &StatsQuery,
    period: (&str, &str),
    choices: Option<Choices<'_>>,
) -> impl IntoView + use<> {
    let (shown_from, shown_to) = (period.0.to_owned(), period.1.to_owned());
    let selects = choices.map(|(bundles, departments)| {
        let bundle_options = bundles
            .iter()
            .map(|b| {
                let selected = q.bundle.as_deref() == Some(b.code.as_str());
                view! { <option value=b.code.clone() selected=selected>{b.name.clone()}</option> }
            })
            .collect_view();
        let dept_options = departments
            .iter()
            .map(|d| {
                let selected = q.department.as_deref() == Some(d.code.as_str());
                view! { <option value=d.code.clone() selected=selected>{d.name.clone()}</option> }
            })
            .collect_view();
        view! {
            <div class="field-inline">
                <label for="stats-bundle">"一件事"</label>
                <select id="stats-bundle" name="bundle"><option value="">"全部"</option>{bundle_options}</select>
            </div>
            <div class="field-inline">
                <label for="stats-department">"部门"</label>
                <select id="stats-department" name="department"><option value="">"全部"</option>{dept_options}</select>
            </div>
        }
    });
    let ranges = quick_ranges(Date::today_china())
        .into_iter()
        .map(|(label, from, to)| {
            let href = paths::dashboard(
                action,
                &StatsQuery {
                    from: Some(from.to_string()),
                    to: Some(to.to_string()),
                    ..q.clone()
                },
            );
            let current = period == (from.to_string().as_str(), to.to_string().as_str());
            view! { <a href=href class:current=current aria-current=current.then_some("true")>{label}</a> }
        })
        .collect_view();
    view! {
        <form method="get" action=action.to_owned() class="stats-filter">
            <div class="field-inline">
                <label for="stats-from">"开始日期"</label>
                <input id="stats-from" type="date" name="from" value=shown_from/>
            </div>
            <div class="field-inline">
                <label for="stats-to">"结束日期"</label>
                <input id="stats-to" type="date" name="to" value=shown_to/>
            </div>
            {selects}
            <button class="button" type="submit">"查询"</button>
        </form>
        <nav class="quick-ranges" aria-label="常用时段">{ranges}</nav>
    }
}

fn headline(o: &StatsOverview, q: &StatsQuery) -> impl IntoView + use<> {
    let overdue_href = paths::dashboard("/dashboard/overdue", q);
    let late = o.overdue_now != Count::Exact(0);
    let cards = [
        ("办件量", o.submissions.to_string(), "件"),
        ("子件（部门事项）", o.work_items.to_string(), "件"),
        ("办结", o.completed.to_string(), "件"),
        ("按时办结率", percent(o.on_time_rate), ""),
        ("办理用时中位数", days(o.median_working_days), "个工作日"),
        ("90% 办结用时", days(o.p90_working_days), "个工作日"),
        ("补正率", percent(o.correction_rate), ""),
        ("不予办理率", percent(o.rejection_rate), ""),
        ("好差评满意率", percent(o.satisfaction_rate), ""),
    ]
    .into_iter()
    .map(|(k, v, unit)| view! { <div><dt>{k}</dt><dd>{v}<small>{unit}</small></dd></div> })
    .collect_view();
    view! {
        <dl class="stats-cards">
            {cards}
            <div class:alert=late>
                <dt>"当前逾期"</dt>
                <dd>
                    {if late {
                        view! { <a href=overdue_href>{o.overdue_now.to_string()}</a> }.into_any()
                    } else {
                        view! { <span>"0"</span> }.into_any()
                    }}
                    <small>"件"</small>
                </dd>
            </div>
        </dl>
        <p class="muted small">{format!("{} 至 {}。少于 5 件的数字显示为“<5”，少于 5 件的比例和用时不计算，以免指向具体的人。", o.from, o.to)}</p>
    }
}

/// The trend line: submissions and ended items per step.
fn trend(o: &StatsOverview) -> impl IntoView + use<> {
    const W: f64 = 640.0;
    const H: f64 = 180.0;
    const PAD: f64 = 28.0;
    let n = o.trend.len().max(1);
    let max = o
        .trend
        .iter()
        .flat_map(|p| [height(p.submissions), height(p.ended)])
        .fold(1.0_f64, f64::max);
    #[expect(clippy::cast_precision_loss)]
    let x = |i: usize| PAD + (W - 2.0 * PAD) * if n == 1 { 0.5 } else { i as f64 / (n - 1) as f64 };
    let y = |v: f64| H - PAD - (H - 2.0 * PAD) * v / max;
    let line = |f: fn(&TrendPoint) -> Count| {
        o.trend
            .iter()
            .enumerate()
            .map(|(i, p)| format!("{:.1},{:.1}", x(i), y(height(f(p)))))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let submissions = line(|p| p.submissions);
    let ended = line(|p| p.ended);
    let step = match o.trend_step.as_str() {
        "day" => "按日",
        "week" => "按周",
        _ => "按月",
    };
    let first = o.trend.first().map(|p| p.start.clone()).unwrap_or_default();
    let last = o.trend.last().map(|p| p.start.clone()).unwrap_or_default();
    let rows = o
        .trend
        .iter()
        .map(|p| view! { <tr><td>{p.start.clone()}</td><td>{p.submissions.to_string()}</td><td>{p.ended.to_string()}</td></tr> })
        .collect_view();
    let summary = format!(
        "办件量趋势（{step}）：{first} 至 {last}，共 {} 件申请，办结和不予办理 {} 件；逐期数字见下表。",
        o.submissions,
        o.trend.iter().map(|p| height(p.ended)).sum::<f64>()
    );
    view! {
        <figure class="chart">
            <figcaption>{format!("办件量趋势（{step}）")}<span class="legend"><i class="swatch s1"></i>"申请" <i class="swatch s2"></i>"办结"</span></figcaption>
            <svg viewBox=format!("0 0 {W} {H}") role="img" aria-label=summary>
                <line x1=PAD y1=H - PAD x2=W - PAD y2=H - PAD class="axis"/>
                <text x=PAD y=H - 8.0 class="tick">{first}</text>
                <text x=W - PAD y=H - 8.0 class="tick end">{last}</text>
                <text x=PAD y=PAD - 10.0 class="tick">{format!("{max:.0}")}</text>
                <polyline points=submissions class="line s1"/>
                <polyline points=ended class="line s2"/>
            </svg>
        </figure>
        <details class="chart-data">
            <summary>"查看趋势数据"</summary>
            <div class="table-wrap">
                <table class="table">
                    <thead><tr><th>"起始日"</th><th>"申请"</th><th>"办结"</th></tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </details>
    }
}

fn departments_view(o: &StatsOverview, q: &StatsQuery) -> impl IntoView + use<> {
    let max = o
        .departments
        .iter()
        .map(|d| height(d.work_items))
        .fold(1.0_f64, f64::max);
    let bar_h = 22.0;
    #[expect(clippy::cast_precision_loss)]
    let h = bar_h * o.departments.len() as f64 + 8.0;
    let bars = o
        .departments
        .iter()
        .enumerate()
        .map(|(i, d)| {
            #[expect(clippy::cast_precision_loss)]
            let y = 4.0 + bar_h * i as f64;
            let w = 300.0 * height(d.work_items) / max;
            view! {
                <text x=0 y=y + 15.0 class="tick">{d.name.clone()}</text>
                <rect x=150 y=y + 3.0 width=format!("{w:.1}") height=bar_h - 6.0 class=if d.overdue_now == Count::Exact(0) { "bar" } else { "bar late" }/>
                <text x=156.0 + w y=y + 15.0 class="tick">{d.work_items.to_string()}</text>
            }
        })
        .collect_view();
    let rows = o
        .departments
        .iter()
        .map(|d| {
            let href = paths::dashboard(
                "/dashboard/overdue",
                &StatsQuery {
                    department: Some(d.code.clone()),
                    ..q.clone()
                },
            );
            part_row(
                view! { <span>{d.name.clone()}</span> }.into_any(),
                d,
                None,
                Some(href),
            )
        })
        .collect_view();
    let summary = o
        .departments
        .iter()
        .map(|d| format!("{} {} 件", d.name, d.work_items))
        .collect::<Vec<_>>()
        .join("，");
    (!o.departments.is_empty()).then(|| {
        view! {
            <section class="panel report-section">
                <h2>"各部门"</h2>
                <figure class="chart">
                    <figcaption>"各部门子件量（红色：有逾期）"</figcaption>
                    <svg class="bars" viewBox=format!("0 0 520 {h}") role="img" aria-label=format!("各部门子件量：{summary}")>{bars}</svg>
                </figure>
                {part_table("部门", false, rows)}
            </section>
        }
    })
}

fn items_view(items: &[PartFigures], q: &StatsQuery) -> impl IntoView + use<> {
    let rows = items
        .iter()
        .map(|i| {
            let href = paths::dashboard("/dashboard/overdue", q);
            let limit = i
                .time_limit_days
                .map(|d| format!("{d} 个工作日"))
                .unwrap_or_default();
            part_row(
                view! { <span>{i.name.clone()}</span> }.into_any(),
                i,
                Some(limit),
                Some(href),
            )
        })
        .collect_view();
    view! {
        <section class="panel report-section">
            <h2>"各事项"</h2>
            {part_table("事项", true, rows)}
        </section>
    }
}

/// `before → after`, and the share saved.
fn reduction(r: &Reduction) -> impl IntoView + use<> {
    let saved = r
        .saved_rate
        .filter(|s| *s > 0.0)
        .map(|s| view! { <small class="saved">{format!(" 减 {:.0}%", s * 100.0)}</small> });
    view! { <td>{format!("{} → {}", days(r.before), days(r.after))}{saved}</td> }
}

/// 四减一优 (task 18): per bundle, the chosen items done one by one against
/// doing them as one thing, per submission.
fn savings_view(savings: &[BundleSavings]) -> impl IntoView + use<> {
    let rows = savings
        .iter()
        .map(|b| {
            view! {
                <tr>
                    <th scope="row">{b.name.clone()}</th>
                    <td>{b.submissions.to_string()}</td>
                    {reduction(&b.steps)}
                    {reduction(&b.materials)}
                    {reduction(&b.fields)}
                    {reduction(&b.trips)}
                    {reduction(&b.days)}
                    <td>{days(b.materials_by_certificate)}</td>
                    <td>{days(b.fields_prefilled)}</td>
                </tr>
            }
        })
        .collect_view();
    (!savings.is_empty()).then(|| {
        view! {
            <section class="panel report-section savings">
                <h2>"四减一优"</h2>
                <p class="muted small">"每件申请平均：逐项分别办理 → 作为“一件事”办理。时间为工作日：逐项为各事项承诺时限之和，一件事为提交到全部办结的实际用时中位数。不足 5 件不显示（—）。"</p>
                <div class="table-wrap">
                    <table class="table stats-table">
                        <thead><tr>
                            <th>"一件事"</th><th>"办件量"</th><th>"环节"</th><th>"材料"</th><th>"填写项"</th>
                            <th>"跑动"</th><th>"时间"</th><th>"电子证照免提交"</th><th>"自动填写"</th>
                        </tr></thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
            </section>
        }
    })
}

/// A "before" number with where it comes from.
fn sourced(s: &Sourced) -> impl IntoView + use<> {
    let note = if s.derived {
        view! { <span>"（推算）"</span> }.into_any()
    } else {
        view! { <small class="muted source">{s.source.clone()}</small> }.into_any()
    };
    view! { <td title=s.source.clone()>{s.value}{note}</td> }
}

/// The catalog's "before" of each item: what doing it on its own took.
fn before_view(items: &[ItemBefore]) -> impl IntoView + use<> {
    let known = items.iter().filter(|i| i.legal_days.is_some()).count();
    let rows = items
        .iter()
        .map(|i| {
            let legal = match &i.legal_days {
                Some(l) => sourced(l).into_any(),
                None => view! { <td class="muted">"未录入"</td> }.into_any(),
            };
            view! {
                <tr>
                    <th scope="row">{i.name.clone()}</th>
                    {legal}
                    <td>{i.promised_days}</td>
                    {sourced(&i.steps)}
                    {sourced(&i.materials)}
                    {sourced(&i.trips)}
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="panel report-section">
            <h2>"逐项办理（四减一优的“之前”）"</h2>
            <p class="muted small">{format!("法定时限已录入 {known}/{} 项；未注明来源的数字按规则推算，为下限。", items.len())}</p>
            <div class="table-wrap">
                <table class="table stats-table before">
                    <thead><tr>
                        <th>"事项"</th><th>"法定时限"</th><th>"承诺时限"</th><th>"环节"</th><th>"材料"</th><th>"跑动"</th>
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </section>
    }
}

fn quality(o: &StatsOverview) -> impl IntoView + use<> {
    let cases = o
        .cases
        .iter()
        .map(|c| {
            view! {
                <tr>
                    <th scope="row">{c.label.clone()}</th>
                    <td>{c.opened.to_string()}</td>
                    <td>{c.answered.to_string()}</td>
                    <td>{percent(c.answered_on_time_rate)}</td>
                </tr>
            }
        })
        .collect_view();
    let facts = [
        ("容缺受理承诺", o.commitments_made.to_string()),
        ("按期补齐", o.commitments_fulfilled.to_string()),
        ("承诺失信", o.commitments_breached.to_string()),
        ("补正暂停（工作日）", o.paused_working_days.to_string()),
        ("好差评", o.ratings.to_string()),
    ]
    .into_iter()
    .map(|(k, v)| view! { <div><dt>{k}</dt><dd>{v}</dd></div> })
    .collect_view();
    view! {
        <section class="panel report-section">
            <h2>"服务质量"</h2>
            <dl class="kv">{facts}</dl>
            <div class="table-wrap">
                <table class="table stats-table">
                    <thead><tr><th>"诉求"</th><th>"受理"</th><th>"答复"</th><th>"按期答复率"</th></tr></thead>
                    <tbody>{cases}</tbody>
                </table>
            </div>
        </section>
    }
}

/// The bundles' figures; a bundle's name opens its page for the county
/// office and its lead department.
fn bundles_view(me: &Me, o: &StatsOverview, q: &StatsQuery) -> impl IntoView + use<> {
    let county = me.has(Role::Evaluator) || me.has(Role::Admin);
    let rows = o
        .bundles
        .iter()
        .map(|b| {
            let name = if county || me.lead_bundles.contains(&b.code) {
                let href = paths::dashboard(
                    &format!("/dashboard/bundles/{}", paths::encode(&b.code)),
                    &StatsQuery {
                        bundle: None,
                        department: None,
                        ..q.clone()
                    },
                );
                view! { <a href=href>{b.name.clone()}</a> }.into_any()
            } else {
                view! { <span>{b.name.clone()}</span> }.into_any()
            };
            part_row(name, b, None, None)
        })
        .collect_view();
    (!o.bundles.is_empty()).then(|| {
        view! {
            <section class="panel report-section">
                <h2>"各“一件事”"</h2>
                {part_table("一件事", false, rows)}
            </section>
        }
    })
}

/// A row of figures; `overdue` links the red cell to the items behind it.
fn part_row(
    name: AnyView,
    p: &PartFigures,
    limit: Option<String>,
    overdue: Option<String>,
) -> impl IntoView + use<> {
    let late = p.overdue_now != Count::Exact(0);
    let late_cell = match (late, overdue) {
        (true, Some(href)) => view! { <a href=href>{p.overdue_now.to_string()}</a> }.into_any(),
        _ => view! { <span>{p.overdue_now.to_string()}</span> }.into_any(),
    };
    view! {
        <tr>
            <th scope="row">{name}</th>
            {limit.map(|l| view! { <td>{l}</td> })}
            <td>{p.submissions.to_string()}</td>
            <td>{p.work_items.to_string()}</td>
            <td>{p.completed.to_string()}</td>
            <td>{p.rejected.to_string()}</td>
            <td>{percent(p.on_time_rate)}</td>
            <td>{days(p.median_working_days)}</td>
            <td>{percent(p.satisfaction_rate)}</td>
            <td class:late=late>{late_cell}</td>
        </tr>
    }
}

fn part_table(first: &'static str, with_limit: bool, rows: impl IntoView) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table class="table stats-table">
                <thead>
                    <tr>
                        <th>{first}</th>
                        {with_limit.then(|| view! { <th>"承诺时限"</th> })}
                        <th>"办件量"</th><th>"子件"</th><th>"办结"</th><th>"不予办理"</th>
                        <th>"按时办结率"</th><th>"用时中位数"</th><th>"满意率"</th><th>"当前逾期"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

/// The report in three forms.
fn downloads(q: &StatsQuery) -> impl IntoView + use<> {
    view! {
        <p class="downloads">
            <a class="button secondary" href=paths::stats_report(q, None) download="">"下载评估报告（Excel）"</a>
            <a href=paths::stats_report(q, Some("departments")) download="">"各部门（CSV）"</a>
            <a href=paths::dashboard("/dashboard/report", q)>"打印版"</a>
            <a href=paths::dashboard("/dashboard/high-frequency", q)>"高频事项排行"</a>
        </p>
    }
}

fn overdue_view(me: &Me, list: &OverdueList, q: &StatsQuery) -> impl IntoView + use<> {
    let clerk_of = me.department.clone();
    let rows = list
        .items
        .iter()
        .map(|w| {
            let own = clerk_of.as_deref() == Some(w.department.as_str());
            let no = if own {
                view! { <a href=format!("/workbench/items/{}", paths::encode(&w.id))>{w.tracking_no.clone()}</a> }.into_any()
            } else {
                view! { <span>{w.tracking_no.clone()}</span> }.into_any()
            };
            view! {
                <tr>
                    <td>{no}</td>
                    <td>{w.item_name.clone()}</td>
                    <td>{w.department_name.clone()}</td>
                    <td>{w.due_date.clone()}</td>
                    <td class="late">{format!("{} 个工作日", w.working_days_late)}</td>
                </tr>
            }
        })
        .collect_view();
    let back = paths::dashboard("/dashboard", q);
    view! {
        <section class="panel dashboard">
            <p class="tag"><a href=back>"效能评估"</a>" · 逾期事项"</p>
            <h1>{format!("当前逾期 {} 件", list.total)}</h1>
            <p class="muted">"仍在办理、已过办结期限的子件，逾期最久的在前（最多 200 件）。只显示办件编号，不显示申请人。"</p>
            <div class="table-wrap">
                <table class="table stats-table">
                    <thead><tr><th>"办件编号"</th><th>"事项"</th><th>"部门"</th><th>"办结期限"</th><th>"已逾期"</th></tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </section>
    }
}
