//! The 评估报告: the figures of a period as tables, written as an XLSX
//! workbook (a sheet per view) or one table as CSV (UTF-8 with a BOM, so
//! that Excel on Chinese Windows reads it).

use app::api::{BundleSavings, Count, PartFigures, Reduction, StatsOverview, StatsQuery};
use app::domain::Date;
use rust_xlsxwriter::{Format, Workbook};

use super::{Computed, computed, scope};
use crate::AppState;
use crate::identity::Actor;
use crate::services::{ServiceError, ServiceResult};

/// One cell.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Text(String),
    Count(Count),
    /// A share, `None` when not shown.
    Rate(Option<f64>),
    /// A number to one place (working days, a mean), `None` when not shown.
    Decimal(Option<f64>),
}

impl Cell {
    fn text(&self) -> String {
        match self {
            Self::Text(s) => s.clone(),
            Self::Count(c) => c.to_string(),
            Self::Rate(r) => r.map_or_else(String::new, |r| format!("{:.1}%", r * 100.0)),
            Self::Decimal(d) => d.map_or_else(String::new, |d| format!("{d:.1}")),
        }
    }
}

/// One view: a sheet of the workbook, or a CSV file.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    /// The `sheet` word of the CSV export.
    pub key: &'static str,
    /// The sheet's name.
    pub name: &'static str,
    pub header: Vec<&'static str>,
    pub rows: Vec<Vec<Cell>>,
}

/// A report: what it covers, and its tables.
pub struct Report {
    /// e.g. `眉县效能评估报告（2026-11-01 至 2026-11-30）`.
    pub title: String,
    /// For file names: `2026-11`, or `2026-11-01_2026-11-15`.
    pub period: String,
    pub tables: Vec<Table>,
}

/// The sheets, by `sheet` word.
pub const SHEETS: [&str; 7] = [
    "overview",
    "departments",
    "bundles",
    "items",
    "savings",
    "trend",
    "cases",
];

/// Resolves `month` (`YYYY-MM`) into `from`/`to`.
pub fn month_query(q: &StatsQuery, month: Option<&str>) -> ServiceResult<StatsQuery> {
    let Some(m) = month.map(str::trim).filter(|m| !m.is_empty()) else {
        return Ok(q.clone());
    };
    let first = Date::parse(&format!("{m}-01"))
        .filter(|_| m.len() == 7)
        .ok_or_else(|| ServiceError::field("month", "invalid_month", "月份格式应为 YYYY-MM"))?;
    let last = Date::new(
        first.year(),
        first.month(),
        app::domain::date::days_in_month(first.year(), first.month()),
    )
    .unwrap_or(first);
    Ok(StatsQuery {
        from: Some(first.to_string()),
        to: Some(last.to_string()),
        ..q.clone()
    })
}

/// The report of `q` as `actor` may see it.
pub async fn build(
    state: &AppState,
    actor: &Actor,
    q: &StatsQuery,
    month: Option<&str>,
) -> ServiceResult<Report> {
    let q = month_query(q, month)?;
    let s = scope(&state.catalog, actor, &q, Date::today_china())?;
    let c = computed(state, &s).await?;
    let county = if state.catalog.county.is_empty() {
        "本县"
    } else {
        state.catalog.county.as_str()
    };
    let mut what = Vec::new();
    if let Some(b) = s.bundle.as_deref().and_then(|b| state.catalog.bundle(b)) {
        what.push(b.name.clone());
    }
    if let Some(d) = s.department.as_deref().and_then(|d| state.catalog.department(d)) {
        what.push(d.name.clone());
    }
    let what = if what.is_empty() {
        String::new()
    } else {
        format!("·{}", what.join("·"))
    };
    let period = match month.map(str::trim).filter(|m| !m.is_empty()) {
        Some(m) => m.to_owned(),
        None => format!("{}_{}", s.from, s.to),
    };
    Ok(Report {
        title: format!("{county}{what}效能评估报告（{} 至 {}）", s.from, s.to),
        period,
        tables: tables(&c),
    })
}

fn count(c: Count) -> Cell {
    Cell::Count(c)
}

fn parts_table(key: &'static str, name: &'static str, first: &'static str, parts: &[PartFigures]) -> Table {
    Table {
        key,
        name,
        header: vec![
            first,
            "办件量",
            "子件",
            "办结",
            "不予办理",
            "按时办结率",
            "用时中位数（工作日）",
            "满意率",
            "当前逾期",
        ],
        rows: parts
            .iter()
            .map(|p| {
                vec![
                    Cell::Text(p.name.clone()),
                    count(p.submissions),
                    count(p.work_items),
                    count(p.completed),
                    count(p.rejected),
                    Cell::Rate(p.on_time_rate),
                    Cell::Decimal(p.median_working_days),
                    Cell::Rate(p.satisfaction_rate),
                    count(p.overdue_now),
                ]
            })
            .collect(),
    }
}

/// 四减一优: a row per bundle, before / after / saved of each measure.
fn savings_table(savings: &[BundleSavings]) -> Table {
    let per = |r: &Reduction| {
        [
            Cell::Decimal(r.before),
            Cell::Decimal(r.after),
            Cell::Rate(r.saved_rate),
        ]
    };
    Table {
        key: "savings",
        name: "四减一优",
        header: vec![
            "一件事",
            "办件量",
            "环节·逐项",
            "环节·一件事",
            "减环节",
            "材料·逐项",
            "材料·一件事",
            "减材料",
            "填写项·逐项",
            "填写项·一件事",
            "减填写",
            "跑动·逐项",
            "跑动·一件事",
            "减跑动",
            "承诺时限合计（工作日）",
            "实际用时中位数（工作日）",
            "减时间",
            "法定时限合计（工作日）",
            "电子证照免提交（件/次）",
            "自动填写（项/次）",
            "办成",
        ],
        rows: savings
            .iter()
            .map(|b| {
                let mut row = vec![Cell::Text(b.name.clone()), count(b.submissions)];
                for r in [&b.steps, &b.materials, &b.fields, &b.trips, &b.days] {
                    row.extend(per(r));
                }
                row.extend([
                    Cell::Decimal(b.legal_days_before),
                    Cell::Decimal(b.materials_by_certificate),
                    Cell::Decimal(b.fields_prefilled),
                    count(b.done),
                ]);
                row
            })
            .collect(),
    }
}

fn overview_rows(o: &StatsOverview) -> Vec<Vec<Cell>> {
    let row = |k: &str, v: Cell| vec![Cell::Text(k.to_owned()), v];
    let mut rows = vec![
        row("开始日期", Cell::Text(o.from.clone())),
        row("结束日期", Cell::Text(o.to.clone())),
        row("办件量", count(o.submissions)),
    ];
    rows.extend(o.channels.iter().map(|c| {
        row(
            &format!("办件量（{}）", channel_label(&c.channel)),
            count(c.submissions),
        )
    }));
    rows.extend([
        row("子件", count(o.work_items)),
        row("办结", count(o.completed)),
        row("不予办理", count(o.rejected)),
        row("办理用时中位数（工作日）", Cell::Decimal(o.median_working_days)),
        row("90% 办结用时（工作日）", Cell::Decimal(o.p90_working_days)),
        row("按时办结率", Cell::Rate(o.on_time_rate)),
        row("当前逾期", count(o.overdue_now)),
        row("补正暂停（工作日）", count(o.paused_working_days)),
        row("补正率", Cell::Rate(o.correction_rate)),
        row("不予办理率", Cell::Rate(o.rejection_rate)),
        row("容缺受理承诺", count(o.commitments_made)),
        row("承诺按期补齐", count(o.commitments_fulfilled)),
        row("承诺失信", count(o.commitments_breached)),
        row("好差评", count(o.ratings)),
        row("满意率（基本满意及以上）", Cell::Rate(o.satisfaction_rate)),
    ]);
    rows
}

fn channel_label(c: &str) -> &str {
    match c {
        "online" => "网上",
        "window" => "窗口",
        "assisted" => "帮办代办",
        other => other,
    }
}

/// The tables of a computed scope, in sheet order.
pub fn tables(c: &Computed) -> Vec<Table> {
    let o = &c.overview;
    let mut t = vec![
        Table {
            key: "overview",
            name: "总览",
            header: vec!["指标", "数值"],
            rows: overview_rows(o),
        },
        parts_table("departments", "各部门", "部门", &o.departments),
        parts_table("bundles", "各一件事", "一件事", &o.bundles),
    ];
    if !c.items.is_empty() {
        t.push(parts_table("items", "各事项", "事项", &c.items));
    }
    t.push(savings_table(&o.savings));
    t.push(Table {
        key: "trend",
        name: "趋势",
        header: vec!["起始日", "申请", "办结"],
        rows: o
            .trend
            .iter()
            .map(|p| vec![Cell::Text(p.start.clone()), count(p.submissions), count(p.ended)])
            .collect(),
    });
    t.push(Table {
        key: "cases",
        name: "诉求",
        header: vec!["类别", "受理", "答复", "按期答复率"],
        rows: o
            .cases
            .iter()
            .map(|c| {
                vec![
                    Cell::Text(c.label.clone()),
                    count(c.opened),
                    count(c.answered),
                    Cell::Rate(c.answered_on_time_rate),
                ]
            })
            .collect(),
    });
    t
}

/// The workbook: a sheet per table, the title on top of each.
pub fn xlsx(r: &Report) -> anyhow::Result<Vec<u8>> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let title = Format::new().set_bold().set_font_size(14);
    let percent = Format::new().set_num_format("0.0%");
    let one_place = Format::new().set_num_format("0.0");
    for t in &r.tables {
        let sheet = book.add_worksheet();
        sheet.set_name(t.name)?;
        sheet.write_string_with_format(0, 0, &r.title, &title)?;
        for (col, h) in (0u16..).zip(&t.header) {
            sheet.write_string_with_format(2, col, *h, &bold)?;
            sheet.set_column_width(col, if col == 0 { 24 } else { 14 })?;
        }
        for (row, cells) in (3u32..).zip(&t.rows) {
            for (col, cell) in (0u16..).zip(cells) {
                match cell {
                    Cell::Count(Count::Exact(n)) => {
                        #[expect(clippy::cast_precision_loss)]
                        sheet.write_number(row, col, *n as f64)?;
                    }
                    Cell::Rate(Some(v)) => {
                        sheet.write_number_with_format(row, col, *v, &percent)?;
                    }
                    Cell::Decimal(Some(v)) => {
                        sheet.write_number_with_format(row, col, *v, &one_place)?;
                    }
                    other => {
                        sheet.write_string(row, col, other.text())?;
                    }
                }
            }
        }
    }
    Ok(book.save_to_buffer()?)
}

/// One table as CSV: UTF-8 with a byte-order mark, CRLF line ends.
pub fn csv(t: &Table) -> String {
    fn field(s: &str) -> String {
        // A leading =, +, - or @ would be a formula in a spreadsheet.
        let s = if s.starts_with(['=', '+', '-', '@']) {
            format!("'{s}")
        } else {
            s.to_owned()
        };
        if s.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s
        }
    }
    let mut out = String::from("\u{feff}");
    out.push_str(&t.header.iter().map(|h| field(h)).collect::<Vec<_>>().join(","));
    out.push_str("\r\n");
    for row in &t.rows {
        out.push_str(&row.iter().map(|c| field(&c.text())).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_has_a_bom_quotes_and_no_formulas() {
        let t = Table {
            key: "x",
            name: "x",
            header: vec!["名称", "数值"],
            rows: vec![
                vec![Cell::Text("县卫健局, 二科".into()), Cell::Count(Count::Exact(12))],
                vec![Cell::Text("=1+1".into()), Cell::Count(Count::Few)],
                vec![Cell::Text("率".into()), Cell::Rate(Some(0.9765))],
            ],
        };
        assert_eq!(
            csv(&t),
            "\u{feff}名称,数值\r\n\"县卫健局, 二科\",12\r\n'=1+1,<5\r\n率,97.7%\r\n"
        );
    }

    #[test]
    fn a_month_is_its_first_to_last_day() {
        let q = month_query(&StatsQuery::default(), Some("2028-02")).expect("month");
        assert_eq!(
            (q.from.as_deref(), q.to.as_deref()),
            (Some("2028-02-01"), Some("2028-02-29"))
        );
        assert!(month_query(&StatsQuery::default(), Some("2028-2")).is_err());
        assert!(month_query(&StatsQuery::default(), Some("2028-13")).is_err());
    }
}
