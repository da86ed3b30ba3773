//! How the API's machine words are shown to people, defined once for every
//! screen that shows them: status pills, timeline events, where a profile
//! fact came from, how a material stands, and times in China time.

use crate::api::{
    CaseKind, CaseStatus, CommitmentDto, CommitmentStatus, MaterialDocs, MaterialState, RatingStatus, Verdict,
};
use crate::feedback::is_bad;
use crate::workflow::{SubmissionStatus, WorkStatus};

/// The CSS classes of a submission's status line.
pub fn submission_status_class(s: SubmissionStatus) -> &'static str {
    match s {
        SubmissionStatus::Submitted => "status submitted",
        SubmissionStatus::InProgress => "status in-progress",
        SubmissionStatus::NeedsSupplement => "status needs-supplement",
        SubmissionStatus::Completed => "status completed",
        SubmissionStatus::ClosedWithRejections => "status closed",
    }
}

/// The CSS classes of a work item's status pill.
pub fn work_status_class(s: WorkStatus) -> &'static str {
    match s {
        WorkStatus::Waiting => "pill waiting",
        WorkStatus::Pending => "pill pending",
        WorkStatus::Accepted => "pill accepted",
        WorkStatus::Returned => "pill returned",
        WorkStatus::Completed => "pill completed",
        WorkStatus::Rejected => "pill rejected",
    }
}

/// The CSS classes of a case's status pill (the colours of work items:
/// waiting for the county office amber, with a department blue, answered
/// green-blue, closed green).
pub fn case_status_class(s: CaseStatus) -> &'static str {
    match s {
        CaseStatus::Registered => "pill returned",
        CaseStatus::Assigned => "pill pending",
        CaseStatus::Processing => "pill accepted",
        CaseStatus::Answered => "pill answered",
        CaseStatus::Reopened => "pill rejected",
        CaseStatus::Closed => "pill completed",
    }
}

/// The CSS classes of a rating's score: 差评 red, 基本满意 amber, else green.
pub fn score_class(score: i64) -> &'static str {
    match u8::try_from(score) {
        Ok(s) if is_bad(s) => "score bad",
        Ok(3) => "score fair",
        _ => "score good",
    }
}

/// The CSS classes of a rating's status pill (a voided one struck through).
pub fn rating_status_class(s: RatingStatus) -> &'static str {
    match s {
        RatingStatus::Valid => "pill completed",
        RatingStatus::Appealed => "pill returned",
        RatingStatus::Upheld => "pill pending",
        RatingStatus::Voided => "pill voided",
    }
}

/// What each kind a person may choose is for (我要反映, the hotline form).
pub fn case_kind_hint(k: CaseKind) -> &'static str {
    match k {
        CaseKind::Complaint => "对办事过程、工作人员或办理结果不满意",
        CaseKind::Consultation => "想了解政策、所需材料或办理流程",
        CaseKind::Suggestion => "对政务服务的意见和建议",
        CaseKind::CannotGetDone => "符合条件却办不成、办不了的事，县政务服务中心督办",
        CaseKind::BadRating => "差评回访整改",
    }
}

/// The CSS classes of a 告知承诺's status pill (overdue and breached in red).
pub fn commitment_status_class(s: CommitmentStatus) -> &'static str {
    match s {
        CommitmentStatus::Open => "pill pending",
        CommitmentStatus::Fulfilled => "pill completed",
        CommitmentStatus::Overdue => "pill rejected overdue",
        CommitmentStatus::Breached => "pill rejected",
    }
}

/// A 告知承诺's status for people: handed in but not yet checked reads
/// "已补交，待核查" rather than the still-open "待补交"/"已逾期".
pub fn commitment_label(c: &CommitmentDto) -> &'static str {
    match c.status {
        CommitmentStatus::Open | CommitmentStatus::Overdue if c.supplied_at.is_some() => "已补交，待核查",
        s => s.label(),
    }
}

/// The CSS classes of a material's 合格/不合格 pill.
pub fn verdict_class(v: Verdict) -> &'static str {
    match v {
        Verdict::Accepted => "pill completed",
        Verdict::Rejected => "pill rejected",
    }
}

/// How a material stands, in a few words: its files, the promise and its
/// due date, or the e-certificate.
pub fn material_state_text(m: &MaterialDocs) -> String {
    match m.state {
        MaterialState::Files => format!("已上传 {} 个文件", m.files.len()),
        MaterialState::Commit => match &m.commitment {
            Some(c) if c.supplied_at.is_some() => "容缺受理 · 已补交".to_owned(),
            Some(c) => format!("容缺受理 · 承诺 {} 前补交", c.due_date),
            None => "容缺受理 · 已签署告知承诺".to_owned(),
        },
        MaterialState::Certificate => "电子证照，已核验".to_owned(),
        MaterialState::Missing => "未提供".to_owned(),
    }
}

/// The word the API uses for a status or state (`open`, `files`, …), for
/// `data-` attributes that tests and scripts read.
pub fn wire_word<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(ToOwned::to_owned))
        .unwrap_or_default()
}

/// An event of a timeline (`TimelineEntry::event`) in plain Chinese.
pub fn event_label(e: &str) -> &'static str {
    match e {
        "submitted" => "提交申请",
        "release" => "前置事项已办结，开始办理",
        "accept" => "受理",
        "return" => "退回补正",
        "supplement" => "申请人已补正",
        "complete" => "办结",
        "reject" => "不予办理",
        _ => "办理记录",
    }
}

/// Where a profile fact came from (`ProfileFact::source`), as the profile
/// lists it.
pub fn fact_source_label(source: &str) -> &'static str {
    match source {
        "user_input" => "本人填报",
        "prefill" => "平台带出",
        "certificate" => "电子证照",
        "clerk" => "部门核定",
        _ => "",
    }
}

/// The chip on a form answer filled in for the applicant, by where the
/// value came from (`FormDto::prefill_sources`): shorter than
/// [`fact_source_label`], and it only says whether the profile is behind it.
pub fn prefill_chip_label(source: &str) -> &'static str {
    match source {
        "user_input" | "clerk" => "来自档案",
        "certificate" => "电子证照",
        _ => "已自动填入",
    }
}

/// `2026-11-30T08:15:00+00:00` → `11-30 16:15` (China time).
pub fn short_time(rfc3339: &str) -> String {
    // Parse the UTC parts by hand to keep chrono out of the WASM.
    let d = rfc3339.get(0..10).and_then(crate::domain::Date::parse);
    let h: i64 = rfc3339.get(11..13).and_then(|s| s.parse().ok()).unwrap_or(0);
    let m = rfc3339.get(14..16).unwrap_or("00");
    match d {
        Some(d) => {
            let (day, hour) = if h + 8 >= 24 {
                (d.add_days(1), h + 8 - 24)
            } else {
                (d, h + 8)
            };
            format!("{:02}-{:02} {hour:02}:{m}", day.month(), day.day())
        }
        None => rfc3339.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn times_are_shown_in_china_time() {
        assert_eq!(super::short_time("2026-11-30T08:15:00+00:00"), "11-30 16:15");
        assert_eq!(super::short_time("2026-11-30T20:05:00.123+00:00"), "12-01 04:05");
        assert_eq!(super::short_time("garbage"), "garbage");
    }
}
