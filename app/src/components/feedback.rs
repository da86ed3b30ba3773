//! What the pages of 好差评 and 诉求 share: a rating as a card, the form
//! that rates (online, or typed in at the window), a list of cases, tabs of
//! a case queue, the tabs between a department's queues, the one island
//! that acts on a rating (追评, 申诉, 维持/作废), and the
//! fields of a new case (我要反映 and the 12345 intake).

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{
    CaseDto, CaseKind, Channel, FieldError, RatingActionRequest, RatingDto, RatingRequest, RatingStatus,
    RatingTag,
};
use crate::browser;
use crate::client::{Api, ApiError, Method};
use crate::components::form::{Field, FieldControl};
use crate::components::labels::{
    case_kind_hint, case_status_class, rating_status_class, score_class, short_time, wire_word,
};
use crate::feedback::{MAX_CASE_DESCRIPTION, MAX_RATING_COMMENT, SCORES, is_bad};
use crate::paths;

/// A rating as a card: the score in words, the tags, the comment and the
/// 追评, its status when it is not simply valid (a voided one stays, marked),
/// what the department and the county office said, and the 差评 case it
/// opened (`case_link`: a link to it). `staff`: also what was rated, the
/// 办件编号 and who rated (masked unless 实名).
pub fn rating_card(r: &RatingDto, staff: bool, case_link: bool) -> impl IntoView + use<> {
    let voided = r.status == RatingStatus::Voided;
    let status = (r.status != RatingStatus::Valid)
        .then(|| view! { <span class=rating_status_class(r.status)>{r.status_label.clone()}</span> });
    let about = staff.then(|| {
        let who = if r.real_name {
            format!("评价人 {}（实名）", r.rater)
        } else {
            format!("评价人 {}", r.rater)
        };
        view! {
            <p class="muted rating-about">{format!("{} · {} · {}", r.subject_name, r.tracking_no, r.department_name)}</p>
            <p class="muted">{format!("{who} · {}", r.channel.label())}</p>
        }
    });
    let tags = (!r.tags.is_empty()).then(|| {
        let chips = r
            .tags
            .iter()
            .map(|t| view! { <li class="chip" data-tag=t.as_str()>{t.label()}</li> })
            .collect_view();
        view! { <ul class="tag-list" aria-label="评价标签">{chips}</ul> }
    });
    let case = r.case.clone().filter(|_| case_link).map(|c| {
        let text = if staff {
            "查看差评整改".to_owned()
        } else {
            format!("差评已转交{}回访整改，查看进度", r.department_name)
        };
        view! { <p class="rating-case"><a href=format!("/cases/{c}")>{text}</a></p> }
    });
    view! {
        <div class="rating-card" class:voided=voided data-rating=r.id.clone() data-score=r.score
            data-status=wire_word(&r.status)>
            <p class="rating-head">
                <span class=score_class(r.score)>{r.score_label.clone()}</span>
                {status}
                <span class="muted">{short_time(&r.created_at)}</span>
            </p>
            {about}
            {tags}
            {r.comment.clone().map(|c| view! { <p class="rating-comment">{c}</p> })}
            {r.follow_up.clone().map(|f| view! { <p class="rating-follow"><strong>"追评："</strong>{f}</p> })}
            {r.appeal_reason.clone().map(|a| view! { <p class="rating-note">{format!("部门申诉理由：{a}")}</p> })}
            {r.review_comment.clone().map(|c| view! { <p class="rating-note">{format!("复核意见：{c}")}</p> })}
            {case}
        </div>
    }
}

/// Cases as rows, each opening `/cases/{id}`: kind and what it says, the
/// 诉求编号, the status, 已督办 and the deadline (red when overdue).
/// `staff`: also who and which department.
pub fn case_list(items: Vec<CaseDto>, staff: bool, empty: &'static str) -> AnyView {
    if items.is_empty() {
        return view! { <p class="muted empty">{empty}</p> }.into_any();
    }
    let rows = items
        .into_iter()
        .map(|c| {
            let excerpt: String = c.description.chars().take(36).collect();
            let excerpt = if c.description.chars().count() > 36 {
                format!("{excerpt}…")
            } else {
                excerpt
            };
            let mut meta = vec![c.tracking_no.clone(), short_time(&c.created_at)];
            if staff {
                meta.push(c.person.clone());
            }
            if let Some(d) = &c.department_name {
                meta.push(d.clone());
            }
            let due = match (&c.due_date, c.overdue) {
                _ if c.status.is_final() => None,
                (Some(d), true) => Some(format!("已超期 · {d}")),
                (None, true) => Some("已超期".to_owned()),
                (Some(d), false) => Some(format!("{d} 前")),
                (None, false) => None,
            };
            view! {
                <li class="queue-row case-row" class:overdue=c.overdue && !c.status.is_final() data-case=c.id.clone()
                    data-status=c.status.as_str() data-kind=c.kind.as_str()>
                    <a href=format!("/cases/{}", c.id)>
                        <span class="queue-main">
                            <span class="queue-item">{c.kind_label.clone()}</span>
                            <span class="case-excerpt">{excerpt}</span>
                            <span class="muted">{meta.join(" · ")}</span>
                        </span>
                        <span class="queue-side">
                            <span class=case_status_class(c.status)>{c.status_label.clone()}</span>
                            {c.escalated.then(|| view! { <span class="pill rejected escalated">"已督办"</span> })}
                            {due.map(|d| view! { <span class="queue-due">{d}</span> })}
                        </span>
                    </a>
                </li>
            }
        })
        .collect_view();
    view! { <ul class="queue cases">{rows}</ul> }.into_any()
}

/// Tabs of a case queue: links `{base}?queue={value}`, the current one marked.
pub fn queue_tabs(
    base: &'static str,
    tabs: &[(&'static str, &'static str)],
    current: &str,
) -> impl IntoView + use<> {
    let links = tabs
        .iter()
        .map(|(value, label)| {
            let here = *value == current;
            view! {
                <a class="tab" class:current=here aria-current=here.then_some("page") data-queue=*value
                    href=format!("{base}?queue={value}")>{*label}</a>
            }
        })
        .collect_view();
    view! { <nav class="tabs" aria-label="按状态筛选">{links}</nav> }
}

/// The queues of a department's desk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Desk {
    /// 办件: the work items.
    WorkItems,
    /// 诉求: cases.
    Cases,
    /// 好差评: ratings.
    Ratings,
    /// 效能评估 of the department (and the bundles it leads).
    Stats,
}

/// The tabs of a department's desk: 办件, 诉求, 好差评, 效能.
pub fn desk_nav(current: Desk) -> impl IntoView {
    let links = [
        (Desk::WorkItems, "/workbench", "办件"),
        (Desk::Cases, "/workbench/cases", "诉求"),
        (Desk::Ratings, "/workbench/ratings", "好差评"),
        (Desk::Stats, "/dashboard", "效能"),
    ]
    .into_iter()
    .map(|(desk, href, label)| {
        let here = desk == current;
        view! { <a class="desk-tab" class:current=here aria-current=here.then_some("page") href=href>{label}</a> }
    })
    .collect_view();
    view! { <nav class="desk-nav" aria-label="工作台">{links}</nav> }
}

/// Acts on a rating with a text the other side reads: the applicant's 追评,
/// the department's 申诉 (with its reason), the county office's 维持/作废
/// (with its comment). `actions`: (action word, button label), one button
/// each; `what` names the text ("申诉理由"). Behind `opener` (a button that
/// opens the form) when given, else open.
#[island]
pub fn RatingActionForm(
    id: String,
    actions: Vec<(String, String)>,
    what: String,
    #[prop(optional)] hint: Option<String>,
    #[prop(optional)] opener: Option<String>,
) -> impl IntoView {
    let open = RwSignal::new(opener.is_none());
    let text = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let field_id = format!(
        "rating-{}-{id}",
        actions.first().map(|a| a.0.as_str()).unwrap_or("text")
    );
    let path = StoredValue::new(paths::rating_actions(&id));
    let what = StoredValue::new(what);
    let focus_sel = StoredValue::new(format!("#{field_id}"));
    let send = move |action: String| {
        let comment = text.get_untracked().trim().to_owned();
        if comment.is_empty() {
            error.set(Some(format!("请填写{}", what.get_value())));
            browser::focus(&focus_sel.get_value());
            return;
        }
        if comment.chars().count() > MAX_RATING_COMMENT {
            error.set(Some(format!("{}最多 {MAX_RATING_COMMENT} 字", what.get_value())));
            return;
        }
        error.set(None);
        busy.set(true);
        spawn_local(async move {
            let req = RatingActionRequest { action, comment };
            match Api::new()
                .send::<_, RatingDto>(Method::Post, &path.get_value(), &req)
                .await
            {
                Ok(_) => browser::reload(),
                Err(e) => {
                    busy.set(false);
                    error.set(Some(e.detail()));
                }
            }
        });
    };
    let buttons = actions
        .into_iter()
        .enumerate()
        .map(|(i, (action, label))| {
            let class = if i == 0 { "button" } else { "button secondary" };
            view! {
                <button class=class type="button" data-action=action.clone() disabled=move || busy.get()
                    on:click=move |_| send(action.clone())>{label}</button>
            }
        })
        .collect_view();
    let toggle = opener.map(|label| {
        view! {
            <button class="button secondary small" type="button" aria-expanded=move || open.get().to_string()
                hidden=move || open.get() on:click=move |_| {
                    open.set(true);
                    browser::focus(&focus_sel.get_value());
                }>{label}</button>
        }
    });
    view! {
        <div class="rating-action" data-hydrated=move || hydrated.get().to_string()>
            {toggle}
            <div class="rating-action-form" hidden=move || !open.get()>
                <Field id=field_id label=format!("{}（必填）", what.get_value()).into_any()
                    error=Signal::derive(move || error.get()) hint
                    control=move |c: FieldControl| view! {
                        <textarea id=c.id.clone() rows="3" maxlength=MAX_RATING_COMMENT bind:value=text
                            aria-invalid=c.aria_invalid() aria-describedby=c.aria_describedby()></textarea>
                    }/>
                <div class="actions">{buttons}</div>
            </div>
        </div>
    }
}

/// The kinds a person reports (`bad_rating` cases open themselves).
pub const REPORTED_KINDS: [CaseKind; 4] = [
    CaseKind::Complaint,
    CaseKind::Consultation,
    CaseKind::Suggestion,
    CaseKind::CannotGetDone,
];

/// The checks of a new case the browser can make (the server makes them too).
pub fn check_case(kind: Option<CaseKind>, description: &str) -> Vec<FieldError> {
    let mut problems = Vec::new();
    if kind.is_none() {
        problems.push(FieldError::required("kind", "请选择反映的类型"));
    }
    let len = description.trim().chars().count();
    if len == 0 {
        problems.push(FieldError::required("description", "请写明具体情况"));
    } else if len > MAX_CASE_DESCRIPTION {
        problems.push(FieldError::new(
            "description",
            "too_long",
            format!("具体情况最多 {MAX_CASE_DESCRIPTION} 字"),
        ));
    }
    problems
}

/// Shows what the server refused: its field errors beside the fields, or
/// its message on top.
pub fn fail(e: ApiError, errors: RwSignal<Vec<FieldError>>, message: RwSignal<Option<String>>) {
    match e {
        ApiError::Api { fields, .. } if !fields.is_empty() => errors.set(fields),
        other => message.set(Some(other.to_string())),
    }
    browser::focus(".error-summary");
}

fn field_error(errors: RwSignal<Vec<FieldError>>, name: &'static str) -> Signal<Option<String>> {
    Signal::derive(move || {
        errors
            .read()
            .iter()
            .find(|e| e.field == name)
            .map(|e| e.message.clone())
    })
}

/// 投诉 / 咨询 / 建议 / 办不成事, each with what it is for (`#f-kind`).
#[component]
pub fn KindChoice(kind: RwSignal<Option<CaseKind>>, errors: RwSignal<Vec<FieldError>>) -> impl IntoView {
    let radios = REPORTED_KINDS
        .iter()
        .enumerate()
        .map(|(i, &k)| {
            // The first radio carries the field's id, for the error summary's link.
            let rid = if i == 0 {
                "f-kind".to_owned()
            } else {
                format!("f-kind-{}", k.as_str())
            };
            view! {
                <label class="radio kind-choice" for=rid.clone()>
                    <input type="radio" id=rid.clone() name="kind" value=k.as_str()
                        prop:checked=move || kind.get() == Some(k)
                        on:change=move |_| {
                            kind.set(Some(k));
                            errors.update(|e| e.retain(|x| x.field != "kind"));
                        }/>
                    <span class="kind-text">
                        <span class="kind-name">{k.label()}</span>
                        <span class="kind-hint">{case_kind_hint(k)}</span>
                    </span>
                </label>
            }
        })
        .collect_view();
    view! {
        <Field id="f-kind" label="反映类型".into_any() error=field_error(errors, "kind") group=true key=Some("kind".to_owned())
            control=move |c: FieldControl| view! {
                <div class="radios" role="radiogroup" aria-labelledby="f-kind-label"
                    aria-describedby=c.aria_describedby() aria-invalid=c.aria_invalid()>
                    {radios}
                </div>
            }/>
    }
}

/// 具体情况 (`#f-description`).
#[component]
pub fn DescriptionField(description: RwSignal<String>, errors: RwSignal<Vec<FieldError>>) -> impl IntoView {
    view! {
        <Field id="f-description" label="具体情况".into_any() error=field_error(errors, "description")
            key=Some("description".to_owned())
            hint=Some(format!("请写清楚时间、地点、经过和您的诉求，最多 {MAX_CASE_DESCRIPTION} 字"))
            control=move |c: FieldControl| view! {
                <textarea id=c.id.clone() rows="5" maxlength=MAX_CASE_DESCRIPTION bind:value=description
                    aria-invalid=c.aria_invalid() aria-describedby=c.aria_describedby()></textarea>
            }/>
    }
}

/// Tags that praise: offered for 基本满意 and better, the others for
/// 基本满意 and worse.
fn praises(t: RatingTag) -> bool {
    matches!(t, RatingTag::Efficient | RatingTag::Friendly)
}

/// Rates a work item or the whole submission (`path`): five large labelled
/// buttons, one tap picks a level; then tags (those that fit the level), a
/// comment, 实名 and 提交评价. A 差评 says it goes to `department` for 回访.
/// `key` makes the ids unique on the page (`rate-{key}-…`). `window`: a
/// clerk types in the rating of the person at the window (一次一评).
#[island]
pub fn RatingForm(path: String, key: String, department: String, window: bool) -> impl IntoView {
    let score = RwSignal::new(None::<u8>);
    let tags: RwSignal<Vec<RatingTag>> = RwSignal::new(Vec::new());
    let comment = RwSignal::new(String::new());
    let real_name = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let path = StoredValue::new(path);
    let question = format!("rate-{key}-q");
    let labelled_by = format!("rate-{key}-title {question}");
    let buttons = SCORES
        .iter()
        .map(|&(s, label)| {
            let pressed = move || (score.get() == Some(s)).to_string();
            view! {
                <button type="button" class=format!("score-button s{s}") data-score=s aria-pressed=pressed
                    on:click=move |_| {
                        score.set(Some(s));
                        error.set(None);
                        // Keep only the tags this level offers.
                        tags.update(|t| t.retain(|x| if praises(*x) { s >= 3 } else { s <= 3 }));
                    }>
                    {label}
                </button>
            }
        })
        .collect_view();
    let chips = RatingTag::ALL
        .iter()
        .map(|&t| {
            let id = format!("rate-{key}-tag-{}", t.as_str());
            let shown = move || score.get().is_some_and(|s| if praises(t) { s >= 3 } else { s <= 3 });
            view! {
                <label class="tag-chip" for=id.clone() hidden=move || !shown()>
                    <input type="checkbox" id=id.clone() value=t.as_str() prop:checked=move || tags.with(|x| x.contains(&t))
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            tags.update(|x| {
                                x.retain(|y| *y != t);
                                if on {
                                    x.push(t);
                                }
                            });
                        }/>
                    <span>{t.label()}</span>
                </label>
            }
        })
        .collect_view();
    let bad = move || score.get().is_some_and(is_bad);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(s) = score.get_untracked() else {
            error.set(Some("请先选择满意程度".into()));
            return;
        };
        let text = comment.get_untracked().trim().to_owned();
        if text.chars().count() > MAX_RATING_COMMENT {
            error.set(Some(format!("留言最多 {MAX_RATING_COMMENT} 字")));
            return;
        }
        let req = RatingRequest {
            score: i64::from(s),
            tags: tags
                .get_untracked()
                .into_iter()
                .map(|t| t.as_str().to_owned())
                .collect(),
            comment: Some(text).filter(|t| !t.is_empty()),
            real_name: real_name.get_untracked(),
            channel: window.then(|| Channel::Window.as_str().to_owned()),
        };
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            match Api::new()
                .send::<_, RatingDto>(Method::Post, &path.get_value(), &req)
                .await
            {
                Ok(_) => browser::reload(),
                Err(ApiError::Api { code, .. }) if code == "already_rated" => browser::reload(),
                Err(e) => {
                    busy.set(false);
                    error.set(Some(e.detail()));
                }
            }
        });
    };
    let comment_id = format!("rate-{key}-comment");
    let real_id = format!("rate-{key}-real-name");
    view! {
        <form class="form rating-form" novalidate on:submit=submit data-hydrated=move || hydrated.get().to_string()>
            <p class="label" id=question>{if window { "申请人对办理是否满意？" } else { "您对办理是否满意？" }}</p>
            <div class="score-buttons" role="group" aria-labelledby=labelled_by>{buttons}</div>
            <div class="rating-more" hidden=move || score.get().is_none()>
                <p class="hint bad-hint" hidden=move || !bad()>
                    {format!("差评将转交{department}，部门会在 1 个工作日内回访，并限期整改。请选择遇到的问题或留言说明。")}
                </p>
                <fieldset class="tag-choice">
                    <legend>"选择标签（选填）"</legend>
                    <div class="tag-chips">{chips}</div>
                </fieldset>
                <Field id=comment_id label=view! { "留言"<span class="optional">"（选填）"</span> }.into_any()
                    hint=Some(format!("最多 {MAX_RATING_COMMENT} 字"))
                    control=move |c: FieldControl| view! {
                        <textarea id=c.id.clone() rows="3" maxlength=MAX_RATING_COMMENT bind:value=comment
                            aria-describedby=c.aria_describedby()></textarea>
                    }/>
                <label class="checkbox small" for=real_id.clone()>
                    <input type="checkbox" id=real_id.clone() bind:checked=real_name/>
                    <span>{if window {
                        "申请人同意实名评价（不勾选则匿名）"
                    } else {
                        "实名评价（部门可以看到您的姓名，便于回访；不勾选则匿名）"
                    }}</span>
                </label>
                <button class="button wide" type="submit" disabled=move || busy.get()>
                    {move || if busy.get() { "正在提交…" } else { "提交评价" }}
                </button>
            </div>
            {move || error.get().map(|m| view! { <p class="error-box" role="alert">{m}</p> })}
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::{CaseKind, MAX_CASE_DESCRIPTION, check_case};

    #[test]
    fn a_case_needs_a_kind_and_a_description_within_the_limit() {
        let fields = |k, d: &str| {
            check_case(k, d)
                .into_iter()
                .map(|e| (e.field, e.code))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            fields(None, "  "),
            [
                ("kind".into(), "required".into()),
                ("description".into(), "required".into())
            ]
        );
        assert!(fields(Some(CaseKind::Complaint), "窗口让我跑了三趟").is_empty());
        let long = "字".repeat(MAX_CASE_DESCRIPTION + 1);
        assert_eq!(
            fields(Some(CaseKind::CannotGetDone), &long),
            [("description".into(), "too_long".into())]
        );
        assert!(
            fields(Some(CaseKind::Suggestion), &long[3..]).is_empty(),
            "exactly the limit"
        );
    }
}
