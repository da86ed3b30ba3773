//! 管理 › 节假日安排: the working-day calendar due dates are counted with.
//! The State Council publishes next year's 放假/调休 days each autumn; an
//! admin enters them here (admins only).

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;

use crate::api::{CalendarOrigin, CalendarOverview, CalendarYear, FieldError, Me, Role, SaveCalendarYear};
use crate::browser;
use crate::client::{Api, ApiError, Method};
use crate::components::form::{ErrorSummary, Field, FieldControl};
use crate::components::page::{PageError, RequireLogin};
use crate::domain::Date;
use crate::domain::calendar::{format_days, parse_days};
use crate::paths;

#[component]
pub fn AdminCalendarPage() -> impl IntoView {
    view! {
        <Title text="节假日安排"/>
        <RequireLogin here="/admin/calendar" load=load render=calendar_view/>
    }
}

async fn load(api: Api) -> Result<CalendarOverview, PageError> {
    let me = api.get::<Me>(paths::ME).await?;
    if !me.has(Role::Admin) {
        return Err(PageError::NotFound);
    }
    Ok(api.get(paths::ADMIN_CALENDAR).await?)
}

fn calendar_view(o: CalendarOverview) -> impl IntoView {
    let rows = o
        .years
        .iter()
        .rev()
        .map(|y| {
            let origin = match y.origin {
                CalendarOrigin::File => "随系统发布".to_owned(),
                CalendarOrigin::Admin => format!(
                    "第 {} 版，{} 录入于 {}",
                    y.version.unwrap_or_default(),
                    y.entered_by.clone().unwrap_or_default(),
                    y.entered_at.as_deref().map(local_time).unwrap_or_default()
                ),
            };
            view! {
                <tr>
                    <td>{y.year}</td>
                    <td>{y.source.clone()}</td>
                    <td>{y.holidays.len()}</td>
                    <td>{y.workdays.len()}</td>
                    <td>{origin}</td>
                </tr>
            }
        })
        .collect_view();
    let forms = o
        .open_years
        .iter()
        .map(|&year| {
            let known = o.years.iter().find(|y| y.year == year);
            let entered = known.is_some_and(|y| y.origin == CalendarOrigin::Admin);
            let title = match known {
                Some(_) => format!("修改 {year} 年的安排"),
                None => format!("录入 {year} 年的安排"),
            };
            let props = YearForm::of(year, known);
            view! {
                <section class="panel" id=format!("year-{year}")>
                    <h2>{title}</h2>
                    {(!entered && known.is_some()).then(|| view! {
                        <p class="hint">"当前使用随系统发布的安排；保存后以您录入的为准。"</p>
                    })}
                    <CalendarYearForm form=props/>
                </section>
            }
        })
        .collect_view();
    view! {
        <section class="panel">
            <p class="tag"><a href="/admin">"管理"</a>" › 节假日安排"</p>
            <h1>"节假日安排"</h1>
            {o.warning.clone().map(|w| view! { <p class="error-box" role="alert" id="calendar-warning">{w}</p> })}
            <p class="muted">
                "办理时限按工作日计算：周一至周五，除去法定节假日，加上调休上班的周末。"
                "每年的安排以国务院办公厅发布的《关于×××年部分节假日安排的通知》为准"
                "（通常在上一年 10 月至 12 月发布于中国政府网 www.gov.cn）。"
                "已算出的办理时限不会因修改而改变；已经过去的日子不能再改。"
            </p>
            <div class="table-wrap">
                <table class="table">
                    <thead><tr><th>"年份"</th><th>"依据"</th><th>"放假天数"</th><th>"调休上班天数"</th><th>"来源"</th></tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </section>
        {forms}
    }
}

/// `2026-12-06T03:04:05+00:00` as China time, to the minute.
fn local_time(rfc3339: &str) -> String {
    let (date, rest) = rfc3339.split_once('T').unwrap_or((rfc3339, ""));
    let (Some(d), Some(h), Some(m)) = (
        Date::parse(date),
        rest.get(..2).and_then(|h| h.parse::<i64>().ok()),
        rest.get(3..5),
    ) else {
        return rfc3339.to_owned();
    };
    let (d, h) = if h + 8 >= 24 {
        (d.add_days(1), h + 8 - 24)
    } else {
        (d, h + 8)
    };
    format!("{d} {h:02}:{m}")
}

/// What the form of one year starts with (an island's props).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct YearForm {
    year: i32,
    source: String,
    holidays: String,
    workdays: String,
    /// The version the edit starts from (0: none entered yet).
    version: i32,
}

impl YearForm {
    fn of(year: i32, known: Option<&CalendarYear>) -> Self {
        let days = |v: &[String]| format_days(&v.iter().filter_map(|s| Date::parse(s)).collect::<Vec<_>>());
        Self {
            year,
            source: known.map_or_else(
                || format!("国务院办公厅关于{year}年部分节假日安排的通知"),
                |y| y.source.clone(),
            ),
            holidays: known.map(|y| days(&y.holidays)).unwrap_or_default(),
            workdays: known.map(|y| days(&y.workdays)).unwrap_or_default(),
            version: known.and_then(|y| y.version).unwrap_or(0),
        }
    }
}

/// Enters one year's days: dates or ranges, one per line.
#[island]
fn CalendarYearForm(form: YearForm) -> impl IntoView {
    let YearForm {
        year,
        source,
        holidays,
        workdays,
        version,
    } = form;
    let source = RwSignal::new(source);
    let holidays = RwSignal::new(holidays);
    let workdays = RwSignal::new(workdays);
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let message = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let tried = RwSignal::new(false);
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    // Error keys are `{year}-{field}`: the summary links to `#f-{key}`,
    // and the page has a form per open year.
    let key = move |field: &str| format!("{year}-{field}");
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        tried.set(true);
        message.set(None);
        let mut problems = Vec::new();
        let mut read = |field: &str, text: String| match parse_days(&text) {
            Ok(days) => days.iter().map(ToString::to_string).collect(),
            Err(e) => {
                problems.push(FieldError::new(key(field), "invalid_date", e));
                Vec::new()
            }
        };
        let req = SaveCalendarYear {
            source: source.get_untracked(),
            holidays: read("holidays", holidays.get_untracked()),
            workdays: read("workdays", workdays.get_untracked()),
            expected_version: Some(version),
        };
        if !problems.is_empty() {
            errors.set(problems);
            return;
        }
        busy.set(true);
        spawn_local(async move {
            match Api::new()
                .send::<_, CalendarYear>(Method::Put, &paths::admin_calendar_year(year), &req)
                .await
            {
                Ok(_) => browser::reload(),
                Err(ApiError::Api { fields, .. }) if !fields.is_empty() => {
                    busy.set(false);
                    // `holidays[3]` is about the list as a whole here.
                    errors.set(
                        fields
                            .into_iter()
                            .map(|f| {
                                let field = f.field.split('[').next().unwrap_or_default().to_owned();
                                FieldError::new(key(&field), f.code, f.message)
                            })
                            .collect(),
                    );
                }
                Err(e) => {
                    busy.set(false);
                    message.set(Some(e.to_string()));
                }
            }
        });
    };
    let error_of = move |field: &'static str| {
        Signal::derive(move || {
            let key = key(field);
            let found: Vec<String> = errors
                .read()
                .iter()
                .filter(|e| e.field == key)
                .map(|e| e.message.clone())
                .collect();
            (!found.is_empty()).then(|| found.join("；"))
        })
    };
    let days_field = move |field: &'static str,
                           label: &'static str,
                           hint: &'static str,
                           value: RwSignal<String>| {
        view! {
            <Field id=format!("f-{}", key(field)) label=label.into_any() error=error_of(field) hint=Some(hint.to_owned())
                control=move |c: FieldControl| view! {
                    <textarea id=c.id.clone() name=field rows="8" bind:value=value
                        aria-invalid=c.aria_invalid() aria-describedby=c.aria_describedby()></textarea>
                }/>
        }
    };
    view! {
        <form class="form" on:submit=submit novalidate data-hydrated=move || hydrated.get().to_string()>
            <ErrorSummary errors message=message tried=tried/>
            <Field id=format!("f-{}", key("source")) label="依据的通知".into_any() error=error_of("source")
                hint=Some("如：国务院办公厅关于2027年部分节假日安排的通知".to_owned())
                control=move |c: FieldControl| view! {
                    <input id=c.id.clone() name="source" type="text" maxlength="200" bind:value=source
                        aria-invalid=c.aria_invalid() aria-describedby=c.aria_describedby()/>
                }/>
            {days_field("holidays", "放假日期",
                "每行一个日期或一段日期，如 2027-02-05~2027-02-13；假期中的周末也要写上。可在 # 后写备注，如 # 春节。",
                holidays)}
            {days_field("workdays", "调休上班日期", "放假期间需要上班的周六、周日，每行一个。", workdays)}
            <button class="button" type="submit" disabled=move || busy.get()>{format!("保存 {year} 年的安排")}</button>
        </form>
    }
}
