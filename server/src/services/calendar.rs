//! The working-day calendar as operations data: the State Council publishes
//! next year's 放假/调休 days each autumn, and an admin enters them here at
//! run time (checked, audited, every version kept). The latest version of a
//! year replaces the catalog's file of that year in
//! [`app::catalog::Catalog::calendar`]; every instance picks new versions
//! up within [`REFRESH_EVERY`]. Due dates already computed are stored and
//! keep their dates.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use app::api::{CalendarOrigin, CalendarOverview, CalendarYear, FieldError, SaveCalendarYear};
use app::domain::Date;
use app::domain::calendar::{WorkCalendar, YearSource};
use chrono::Utc;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use serde_json::json;
use uuid::Uuid;

use super::{ServiceError, ServiceResult};
use crate::AppState;
use crate::db::entities::{calendar_year, user};
use crate::identity::Actor;
use crate::services::audit::{self, Event};

/// How often an instance looks for versions entered on another one.
pub const REFRESH_EVERY: Duration = Duration::from_secs(30);
/// At most this many days off in a year (2026 has 33).
pub const MAX_HOLIDAYS: usize = 80;
/// At most this many weekend days worked in a year (2026 has 6).
pub const MAX_WORKDAYS: usize = 30;

/// Loads the versions entered into the calendar in use, when there are
/// versions this instance has not seen yet. Returns whether it reloaded.
pub async fn refresh(state: &AppState) -> anyhow::Result<bool> {
    // Versions are never deleted, so their number only grows.
    let generation = calendar_year::Entity::find().count(&state.db).await?;
    if generation == state.catalog.calendar.generation() {
        return Ok(false);
    }
    let entered = latest_versions(state)
        .await?
        .into_values()
        .map(|row| source_of(&row))
        .collect::<anyhow::Result<Vec<_>>>()?;
    state
        .catalog
        .calendar
        .replace(entered, generation)
        .map_err(|(year, e)| anyhow::anyhow!("entered calendar of {year}: {e}"))?;
    tracing::info!(
        years = ?state.catalog.calendar.years(),
        generation,
        "working-day calendar loaded"
    );
    Ok(true)
}

/// Refreshes now and then every [`REFRESH_EVERY`].
pub fn spawn(state: AppState) -> tokio::task::JoinHandle<()> {
    super::periodically(REFRESH_EVERY, "calendar refresh", move || {
        let state = state.clone();
        async move { refresh(&state).await.map(|_| ()) }
    })
}

fn source_of(row: &calendar_year::Model) -> anyhow::Result<YearSource> {
    let days = |json: &str| -> anyhow::Result<Vec<Date>> { Ok(serde_json::from_str(json)?) };
    Ok(YearSource {
        year: row.year,
        source: row.source.clone(),
        holidays: days(&row.holidays)?,
        workdays: days(&row.workdays)?,
    })
}

/// The years that may be entered on `today`: this year (days not yet past)
/// and the next.
pub fn open_years(today: Date) -> [i32; 2] {
    [today.year(), today.year() + 1]
}

/// `GET /api/v1/admin/calendar`.
pub async fn overview(state: &AppState, today: Date) -> ServiceResult<CalendarOverview> {
    refresh(state).await.map_err(ServiceError::Unexpected)?;
    let cal = state.catalog.calendar.snapshot();
    let latest = latest_versions(state).await?;
    let names = names_of(state, latest.values().map(|r| r.entered_by)).await?;
    let years = cal
        .years()
        .filter_map(|y| {
            let days = cal.year(y)?;
            Some(dto(days, latest.get(&y), &names))
        })
        .collect();
    Ok(CalendarOverview {
        today: today.to_string(),
        years,
        open_years: open_years(today).to_vec(),
        warning: cal.warning(today),
    })
}

/// `GET /api/v1/admin/calendar/{year}/versions`: every version entered,
/// newest first.
pub async fn versions(state: &AppState, year: i32) -> ServiceResult<Vec<CalendarYear>> {
    let rows = calendar_year::Entity::find()
        .filter(calendar_year::Column::Year.eq(year))
        .order_by_desc(calendar_year::Column::Version)
        .all(&state.db)
        .await?;
    let names = names_of(state, rows.iter().map(|r| r.entered_by)).await?;
    rows.iter()
        .map(|r| {
            Ok(dto(
                source_of(r).map_err(ServiceError::Unexpected)?,
                Some(r),
                &names,
            ))
        })
        .collect()
}

/// `PUT /api/v1/admin/calendar/{year}`: checks and stores a new version,
/// then uses it at once on this instance.
pub async fn save(
    state: &AppState,
    actor: &Actor,
    year: i32,
    req: SaveCalendarYear,
    today: Date,
) -> ServiceResult<CalendarYear> {
    refresh(state).await.map_err(ServiceError::Unexpected)?;
    let current = state.catalog.calendar.snapshot();
    let days = check(&current, year, &req, today)?;
    let txn = state.writes.begin(&state.db).await?;
    let last = calendar_year::Entity::find()
        .filter(calendar_year::Column::Year.eq(year))
        .order_by_desc(calendar_year::Column::Version)
        .one(&txn)
        .await?
        .map_or(0, |r| r.version);
    let conflict = || ServiceError::Conflict {
        code: "version_conflict",
        message: format!("{year} 年的节假日安排刚被他人修改，请刷新后再改"),
    };
    if req.expected_version.is_some_and(|v| v != last) {
        return Err(conflict());
    }
    let version = last + 1;
    let row = calendar_year::Model {
        year,
        version,
        source: days.source.clone(),
        holidays: json!(days.holidays).to_string(),
        workdays: json!(days.workdays).to_string(),
        entered_by: actor.user_id,
        entered_at: Utc::now(),
    };
    // Two admins at once: the second insert of the same version fails on
    // the primary key.
    calendar_year::Entity::insert(calendar_year::ActiveModel {
        year: Set(row.year),
        version: Set(row.version),
        source: Set(row.source.clone()),
        holidays: Set(row.holidays.clone()),
        workdays: Set(row.workdays.clone()),
        entered_by: Set(row.entered_by),
        entered_at: Set(row.entered_at),
    })
    .exec_without_returning(&txn)
    .await
    .map_err(|e| match e.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => conflict(),
        _ => e.into(),
    })?;
    txn.commit().await?;
    let before = current.year(year);
    audit::record_or_log(
        &state.db,
        Event {
            who: actor.who(),
            action: "calendar_save",
            object: format!("calendar:{year}"),
            detail: json!({
                "version": version,
                "source": days.source,
                "holidays": days.holidays.len(),
                "workdays": days.workdays.len(),
                "added": changed(&days, before.as_ref()),
                "removed": before.as_ref().map(|b| changed(b, Some(&days))).unwrap_or_default(),
            }),
            ip: None,
        },
    )
    .await;
    if let Err(e) = refresh(state).await {
        // Saved: the periodic refresh will load it.
        tracing::error!(error = %format!("{e:#}"), year, "calendar not reloaded after saving");
    }
    let names = HashMap::from([(actor.user_id, actor.name.clone())]);
    Ok(dto(days, Some(&row), &names))
}

/// Days of `a` (off or worked) that `b` does not have as such.
fn changed(a: &YearSource, b: Option<&YearSource>) -> Vec<String> {
    let empty = Vec::new();
    let (off, on) = b.map_or((&empty, &empty), |b| (&b.holidays, &b.workdays));
    a.holidays
        .iter()
        .filter(|d| !off.contains(d))
        .map(|d| format!("{d} 放假"))
        .chain(
            a.workdays
                .iter()
                .filter(|d| !on.contains(d))
                .map(|d| format!("{d} 上班")),
        )
        .collect()
}

/// Checks a request against the calendar in use; the year's days if good.
fn check(
    current: &WorkCalendar,
    year: i32,
    req: &SaveCalendarYear,
    today: Date,
) -> ServiceResult<YearSource> {
    let mut errors = Vec::new();
    if !open_years(today).contains(&year) {
        return Err(ServiceError::field(
            "year",
            "year_not_open",
            format!(
                "只能录入今年或明年（{} 或 {} 年）的节假日安排",
                today.year(),
                today.year() + 1
            ),
        ));
    }
    let source = req.source.trim();
    if source.is_empty() {
        errors.push(FieldError::required("source", "请填写依据的通知名称"));
    } else if source.chars().count() > 200 || source.chars().any(char::is_control) {
        errors.push(FieldError::new(
            "source",
            "invalid",
            "通知名称不超过 200 字，且不含控制字符",
        ));
    }
    let holidays = dates(year, "holidays", &req.holidays, &mut errors);
    let workdays = dates(year, "workdays", &req.workdays, &mut errors);
    if holidays.is_empty() && !errors.iter().any(|e| e.field.starts_with("holidays")) {
        errors.push(FieldError::new("holidays", "empty", "请至少填写一天放假日期"));
    }
    if holidays.len() > MAX_HOLIDAYS {
        errors.push(FieldError::new(
            "holidays",
            "too_many",
            format!("放假日期不超过 {MAX_HOLIDAYS} 天"),
        ));
    }
    if workdays.len() > MAX_WORKDAYS {
        errors.push(FieldError::new(
            "workdays",
            "too_many",
            format!("调休上班日期不超过 {MAX_WORKDAYS} 天"),
        ));
    }
    for (i, raw) in req.workdays.iter().enumerate() {
        let Some(d) = Date::parse(raw.trim()).filter(|d| d.year() == year) else {
            continue;
        };
        let field = format!("workdays[{i}]");
        if !d.is_weekend() {
            errors.push(FieldError::new(
                &field,
                "not_weekend",
                format!("{d} 不是周六或周日，无需调休上班"),
            ));
        } else if holidays.contains(&d) {
            errors.push(FieldError::new(&field, "both", format!("{d} 不能既放假又上班")));
        }
    }
    if !errors.is_empty() {
        return Err(ServiceError::Validation(errors));
    }
    let days = YearSource {
        year,
        source: source.to_owned(),
        holidays,
        workdays,
    };
    let proposed = current
        .with_years(vec![days.clone()])
        .map_err(|(_, e)| ServiceError::field("holidays", "invalid", e))?;
    // Days already past keep what they were: their durations are counted
    // and stored (效能评估), and a day cannot be worked or off afterwards.
    if year == today.year() {
        let mut d = Date::new(year, 1, 1).unwrap_or(today);
        while d <= today {
            if proposed.is_working_day(d) != current.is_working_day(d) {
                return Err(ServiceError::field(
                    "holidays",
                    "past_day_changed",
                    format!(
                        "{d} 已经过去，不能再改为{}",
                        if proposed.is_working_day(d) {
                            "上班"
                        } else {
                            "放假"
                        }
                    ),
                ));
            }
            d = d.add_days(1);
        }
    }
    Ok(days)
}

/// The distinct dates of `raw`, in order; a field error for each one that
/// is not a date of `year`.
fn dates(year: i32, field: &str, raw: &[String], errors: &mut Vec<FieldError>) -> Vec<Date> {
    let mut days = std::collections::BTreeSet::new();
    for (i, s) in raw.iter().enumerate() {
        match Date::parse(s.trim()) {
            None => errors.push(FieldError::new(
                format!("{field}[{i}]"),
                "invalid_date",
                format!(
                    "“{}”不是日期（格式：2027-02-05）",
                    s.chars().take(20).collect::<String>()
                ),
            )),
            Some(d) if d.year() != year => errors.push(FieldError::new(
                format!("{field}[{i}]"),
                "wrong_year",
                format!("{d} 不在 {year} 年"),
            )),
            Some(d) => {
                days.insert(d);
            }
        }
    }
    days.into_iter().collect()
}

/// The latest version of each year entered.
async fn latest_versions(state: &AppState) -> ServiceResult<BTreeMap<i32, calendar_year::Model>> {
    let rows = calendar_year::Entity::find()
        .order_by_asc(calendar_year::Column::Version)
        .all(&state.db)
        .await?;
    Ok(rows.into_iter().map(|r| (r.year, r)).collect())
}

async fn names_of(state: &AppState, ids: impl Iterator<Item = Uuid>) -> ServiceResult<HashMap<Uuid, String>> {
    let ids: Vec<Uuid> = ids.collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(user::Entity::find()
        .filter(user::Column::Id.is_in(ids))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect())
}

fn dto(
    days: YearSource,
    entered: Option<&calendar_year::Model>,
    names: &HashMap<Uuid, String>,
) -> CalendarYear {
    let strings = |v: &[Date]| v.iter().map(ToString::to_string).collect();
    CalendarYear {
        year: days.year,
        origin: if entered.is_some() {
            CalendarOrigin::Admin
        } else {
            CalendarOrigin::File
        },
        version: entered.map(|r| r.version),
        source: days.source.clone(),
        holidays: strings(&days.holidays),
        workdays: strings(&days.workdays),
        entered_at: entered.map(|r| r.entered_at.to_rfc3339()),
        entered_by: entered.map(|r| names.get(&r.entered_by).cloned().unwrap_or_default()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        Date::parse(s).expect(s)
    }

    fn files() -> WorkCalendar {
        crate::catalog_loader::load(&crate::config::default_catalog_dir())
            .expect("catalog")
            .calendar
            .files()
            .clone()
    }

    fn req(holidays: &[&str], workdays: &[&str]) -> SaveCalendarYear {
        SaveCalendarYear {
            source: "国务院办公厅关于部分节假日安排的通知".into(),
            holidays: holidays.iter().map(|s| (*s).to_owned()).collect(),
            workdays: workdays.iter().map(|s| (*s).to_owned()).collect(),
            expected_version: None,
        }
    }

    fn codes(r: ServiceResult<YearSource>) -> Vec<(String, String)> {
        match r {
            Err(ServiceError::Validation(errors)) => errors.into_iter().map(|e| (e.field, e.code)).collect(),
            other => panic!("not a validation error: {other:?}"),
        }
    }

    #[test]
    fn only_this_year_and_the_next_are_open() {
        let cal = files();
        let today = d("2026-12-06");
        let ok = check(&cal, 2027, &req(&["2027-01-01"], &[]), today).expect("next year");
        assert_eq!(ok.holidays, [d("2027-01-01")]);
        for year in [2025, 2028] {
            assert_eq!(
                codes(check(&cal, year, &req(&[], &[]), today)),
                [("year".into(), "year_not_open".into())]
            );
        }
    }

    #[test]
    fn each_bad_day_is_named() {
        let cal = files();
        let today = d("2026-12-06");
        let bad = req(
            &["2027-02-30", "2026-12-31", "2027-01-01", "2027-01-01"],
            &["2027-01-04", "2027-01-02", "2027-01-09"],
        );
        let mut bad_both = bad.clone();
        bad_both.holidays.push("2027-01-09".into());
        assert_eq!(
            codes(check(&cal, 2027, &bad_both, today)),
            [
                ("holidays[0]".into(), "invalid_date".into()),
                ("holidays[1]".into(), "wrong_year".into()),
                ("workdays[0]".into(), "not_weekend".into()),
                ("workdays[2]".into(), "both".into()),
            ]
        );
        let mut no_source = req(&[], &[]);
        no_source.source = " ".into();
        assert_eq!(
            codes(check(&cal, 2027, &no_source, today)),
            [
                ("source".into(), "required".into()),
                ("holidays".into(), "empty".into())
            ]
        );
    }

    #[test]
    fn days_already_past_cannot_change() {
        let cal = files();
        let this_year = cal.year(2026).expect("2026 file");
        let as_strings = |v: &[Date]| v.iter().map(ToString::to_string).collect::<Vec<_>>();
        let mut same = req(&[], &[]);
        same.holidays = as_strings(&this_year.holidays);
        same.workdays = as_strings(&this_year.workdays);
        // 国庆 is past on 6 December: moving it is refused…
        let mut moved = same.clone();
        moved.holidays.retain(|h| h != "2026-10-07");
        assert_eq!(
            codes(check(&cal, 2026, &moved, d("2026-12-06"))),
            [("holidays".into(), "past_day_changed".into())]
        );
        // …but a day still ahead may be added.
        let mut added = same.clone();
        added.holidays.push("2026-12-31".into());
        let ok = check(&cal, 2026, &added, d("2026-12-06")).expect("ahead");
        assert!(ok.holidays.contains(&d("2026-12-31")));
        // On 1 October the rest of 国庆 could still be corrected.
        check(&cal, 2026, &moved, d("2026-10-01")).expect("not yet past");
    }
}
