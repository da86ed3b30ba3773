//! `/api/v1/admin/calendar`: the working-day calendar (放假/调休 days of
//! each year) that due dates are counted with, entered by admins at run
//! time from the State Council's yearly notice.

use serde::{Deserialize, Serialize};

/// Where a year's days come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CalendarOrigin {
    /// The file shipped in the catalog (`catalog/calendar/<year>.toml`).
    File,
    /// Entered by an admin (the latest version replaces the file).
    Admin,
}

/// One year's 放假/调休 days.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CalendarYear {
    pub year: i32,
    pub origin: CalendarOrigin,
    /// The version entered (1, 2, …); `null` for a file.
    pub version: Option<i32>,
    /// The notice the days come from.
    pub source: String,
    /// Days off (放假), `YYYY-MM-DD`, in order; weekends inside a holiday
    /// are listed too.
    pub holidays: Vec<String>,
    /// Weekend days worked instead (调休上班), `YYYY-MM-DD`, in order.
    pub workdays: Vec<String>,
    /// When it was entered (RFC 3339); `null` for a file.
    pub entered_at: Option<String>,
    /// Who entered it (the admin's name); `null` for a file.
    pub entered_by: Option<String>,
}

/// `GET /api/v1/admin/calendar`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CalendarOverview {
    /// Today in China, `YYYY-MM-DD`.
    pub today: String,
    /// The years known, in order.
    pub years: Vec<CalendarYear>,
    /// The years that may be entered now: this year and the next.
    pub open_years: Vec<i32>,
    /// Set while this year has no calendar, or from 1 November while the
    /// next one has none (due dates there count weekends only).
    pub warning: Option<String>,
}

/// `PUT /api/v1/admin/calendar/{year}`: a new version of a year's days.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SaveCalendarYear {
    /// The notice, e.g. 国务院办公厅关于2027年部分节假日安排的通知; 1–200
    /// characters.
    #[cfg_attr(feature = "ssr", schema(max_length = 200))]
    pub source: String,
    /// Days off, `YYYY-MM-DD`, all in the year; 1–80 (repeats ignored).
    pub holidays: Vec<String>,
    /// Weekend days worked, `YYYY-MM-DD`, all in the year and on a
    /// Saturday or Sunday; at most 30 (repeats ignored).
    #[serde(default)]
    pub workdays: Vec<String>,
    /// The version this edit started from, `0` when none was entered yet:
    /// if another version was saved meanwhile the answer is 409. Absent:
    /// no check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_version: Option<i32>,
}
