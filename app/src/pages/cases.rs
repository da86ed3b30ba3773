//! 诉求: 我要反映 (a new case, prefilled with the submission or item it is
//! about), my cases, and one case with its timeline and the buttons of
//! whoever looks at it — the applicant's 满意/基本满意/不满意, the
//! department's 签收并回访/退回/答复, the county office's 转办/重办/督办/办结.
//! One page for every role: the API says what each may see and do.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::{
    CaseAction, CaseActionRequest, CaseDto, CaseKind, CaseList, DepartmentDto, FieldError, Me, NewCase,
    RatingList, Role, Satisfaction, SubmissionDto,
};
use crate::browser;
use crate::client::{Api, ApiError, Method};
use crate::components::feedback::{DescriptionField, KindChoice, case_list, check_case, fail, rating_card};
use crate::components::form::{ErrorSummary, Field, FieldControl};
use crate::components::labels::{case_status_class, short_time};
use crate::components::page::{PageError, RequireLogin};
use crate::feedback::MAX_CASE_DESCRIPTION;
use crate::paths;

/// What a new case is about, as the form shows it.
#[derive(Clone, Debug)]
struct About {
    submission: String,
    work_item: Option<String>,
    bundle_name: String,
    tracking_no: String,
    item: Option<(String, String)>,
}

#[component]
pub fn NewCasePage() -> impl IntoView {
    let q = use_query_map().read_untracked().clone();
    let submission = q.get("submission").filter(|s| !s.is_empty());
    let work_item = q.get("work_item").filter(|s| !s.is_empty());
    let mut here = "/cases/new".to_owned();
    if let Some(s) = &submission {
        here.push_str(&format!("?submission={}", paths::encode(s)));
        if let Some(w) = &work_item {
            here.push_str(&format!("&work_item={}", paths::encode(w)));
        }
    }
    view! {
        <Title text="我要反映"/>
        <RequireLogin here
            load=move |api: Api| {
                let (submission, work_item) = (submission.clone(), work_item.clone());
                async move {
                    let me = api.get::<Me>(paths::ME).await?;
                    if !me.has(Role::Citizen) {
                        return Err(PageError::NotFound);
                    }
                    // A prefill that is not the visitor's is simply left out.
                    let about = match submission {
                        Some(id) => api.get::<SubmissionDto>(&paths::submission(&id)).await.ok().map(|s| {
                            let item = work_item.as_ref().and_then(|w| {
                                s.work_items.iter().find(|x| &x.id == w).map(|x| (x.item_name.clone(), x.department_name.clone()))
                            });
                            About {
                                submission: s.id,
                                work_item: item.as_ref().and(work_item),
                                bundle_name: s.bundle_name,
                                tracking_no: s.tracking_no,
                                item,
                            }
                        }),
                        None => None,
                    };
                    Ok(about)
                }
            }
            render=new_case_view/>
    }
}

fn new_case_view(about: Option<About>) -> impl IntoView {
    let shown = about.clone().map(|a| {
        view! {
            <div class="about-box" data-submission=a.submission.clone()>
                <p class="label">"反映的办件"</p>
                <p><strong>{a.bundle_name.clone()}</strong>{format!(" · 办件编号 {}", a.tracking_no)}</p>
                {a.item.clone().map(|(name, dept)| view! { <p>{format!("事项：{name}（{dept}）")}</p> })}
            </div>
        }
    });
    let (submission, work_item) = about.map_or((None, None), |a| (Some(a.submission), a.work_item));
    view! {
        <nav class="breadcrumb" aria-label="位置">
            <a href="/">"首页"</a>" › "<a href="/cases">"我的诉求"</a>" › "<span aria-current="page">"我要反映"</span>
        </nav>
        <section class="panel narrow">
            <h1>"我要反映"</h1>
            <p class="muted">"投诉、咨询、建议，或者反映“办不成的事”。我们会转交有关部门办理，并在规定时限内答复您。"</p>
            {shown}
            <NewCaseForm submission work_item/>
            <p class="fine-print">"也可以拨打政务服务便民热线 12345。"</p>
        </section>
    }
}

/// 我要反映: kind, what happened, and 提交; then the case's page.
#[island]
fn NewCaseForm(submission: Option<String>, work_item: Option<String>) -> impl IntoView {
    let kind = RwSignal::new(None::<CaseKind>);
    let description = RwSignal::new(String::new());
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let message = RwSignal::new(None::<String>);
    let tried = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let (submission, work_item) = (StoredValue::new(submission), StoredValue::new(work_item));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        tried.set(true);
        message.set(None);
        let problems = check_case(kind.get_untracked(), &description.get_untracked());
        if !problems.is_empty() {
            errors.set(problems);
            browser::focus(".error-summary");
            return;
        }
        errors.set(Vec::new());
        let req = NewCase {
            kind: kind
                .get_untracked()
                .map(|k| k.as_str().to_owned())
                .unwrap_or_default(),
            description: description.get_untracked().trim().to_owned(),
            submission: submission.get_value(),
            work_item: work_item.get_value(),
            ..NewCase::default()
        };
        busy.set(true);
        spawn_local(async move {
            match Api::new()
                .send::<_, CaseDto>(Method::Post, paths::CASES, &req)
                .await
            {
                Ok(c) => browser::go(&format!("/cases/{}?new=1", c.id)),
                Err(e) => {
                    busy.set(false);
                    fail(e, errors, message);
                }
            }
        });
    };
    view! {
        <form class="form" novalidate on:submit=submit data-hydrated=move || hydrated.get().to_string()>
            <ErrorSummary errors message tried/>
            <KindChoice kind errors/>
            <DescriptionField description errors/>
            <button class="button wide" type="submit" disabled=move || busy.get()>
                {move || if busy.get() { "正在提交…" } else { "提交" }}
            </button>
        </form>
    }
}

#[component]
pub fn CasesPage() -> impl IntoView {
    view! {
        <Title text="我的诉求"/>
        <RequireLogin here="/cases"
            load=|api: Api| async move {
                let me = api.get::<Me>(paths::ME).await?;
                let list = api.get::<CaseList>(&paths::cases(None)).await?;
                Ok::<_, PageError>((me, list))
            }
            render=|(me, list): (Me, CaseList)| {
                let citizen = me.has(Role::Citizen);
                view! {
                    <section class="panel">
                        <div class="workbench-head">
                            <h1>{if citizen { "我的诉求" } else { "诉求" }}</h1>
                            {citizen.then(|| view! { <a class="button" href="/cases/new">"我要反映"</a> })}
                        </div>
                        {case_list(list.items, !citizen, "您还没有反映过问题。")}
                    </section>
                }
            }/>
    }
}

/// What the page of one case shows beside the case.
struct CaseView {
    me: Me,
    case: CaseDto,
    departments: Vec<DepartmentDto>,
    /// The item it is about, for the applicant: (name, department).
    item: Option<(String, String)>,
    rating: Option<crate::api::RatingDto>,
}

#[component]
pub fn CasePage() -> impl IntoView {
    let id = use_params_map().read_untracked().get("id").unwrap_or_default();
    let new = use_query_map().read_untracked().get("new").is_some();
    let here = format!("/cases/{id}");
    view! {
        <RequireLogin here load=move |api| load_case(api, id.clone()) render=move |v: CaseView| case_view(v, new)/>
    }
}

async fn load_case(api: Api, id: String) -> Result<CaseView, PageError> {
    let me = api.get::<Me>(paths::ME).await?;
    let case = api.get::<CaseDto>(&paths::case(&id)).await?;
    let departments = if case.actions.iter().any(|a| a.needs_department()) {
        api.get::<Vec<DepartmentDto>>(paths::DEPARTMENTS).await?
    } else {
        Vec::new()
    };
    let item = match (&case.submission, &case.work_item) {
        (Some(s), Some(w)) if me.has(Role::Citizen) => api
            .get::<SubmissionDto>(&paths::submission(s))
            .await
            .ok()
            .and_then(|s| {
                s.work_items
                    .into_iter()
                    .find(|x| &x.id == w)
                    .map(|x| (x.item_name, x.department_name))
            }),
        _ => None,
    };
    let rating = match &case.rating {
        Some(r) => api
            .get::<RatingList>(&paths::ratings(None))
            .await
            .ok()
            .and_then(|l| l.items.into_iter().find(|x| &x.id == r)),
        None => None,
    };
    Ok(CaseView {
        me,
        case,
        departments,
        item,
        rating,
    })
}

/// Where a role's list of cases is.
fn cases_home(me: &Me) -> (&'static str, &'static str) {
    if me.has(Role::Dispatcher) {
        ("/dispatch", "诉求调度")
    } else if me.has(Role::Operator) {
        ("/hotline", "12345 诉求登记")
    } else if me.has(Role::Clerk) {
        ("/workbench/cases", "诉求")
    } else {
        ("/cases", "我的诉求")
    }
}

fn case_view(v: CaseView, new: bool) -> impl IntoView {
    let CaseView {
        me,
        case: c,
        departments,
        item,
        rating,
    } = v;
    let citizen = me.has(Role::Citizen);
    let (home, home_label) = cases_home(&me);
    let receipt = new.then(|| {
        view! {
            <div class="receipt" role="status">
                <h1>"反映已提交"</h1>
                <p>"诉求编号"</p>
                <p class="tracking-no" data-tracking=c.tracking_no.clone()>{c.tracking_no.clone()}</p>
                <p class="muted">"请记下诉求编号。办理进展和答复会显示在本页，并通过消息通知您。"</p>
            </div>
        }
    });
    let badges = view! {
        <span class=case_status_class(c.status) data-status=c.status.as_str()>{c.status_label.clone()}</span>
        {(c.overdue && !c.status.is_final()).then(|| view! { <span class="pill rejected overdue">"已超期"</span> })}
        {c.escalated.then(|| view! { <span class="pill rejected escalated">"已督办"</span> })}
        {c.reopened.then(|| view! { <span class="pill returned">"曾不满意重办"</span> })}
    };
    let submission = c.submission_tracking_no.clone().map(|t| {
        let link = match (&c.submission, &c.work_item) {
            (Some(s), _) if citizen => Some(format!("/submissions/{s}")),
            (_, Some(w)) if me.has(Role::Clerk) && me.department == c.department => {
                Some(format!("/workbench/items/{w}"))
            }
            _ => None,
        };
        let shown = match link {
            Some(href) => view! { <a href=href>{t}</a> }.into_any(),
            None => view! { <span>{t}</span> }.into_any(),
        };
        view! { <div><dt>"涉及办件"</dt><dd>{shown}</dd></div> }
    });
    let due = (!c.status.is_final()).then(|| {
        let answer = c
            .answer_due
            .clone()
            .map(|d| view! { <div><dt>"答复期限"</dt><dd class:overdue-text=c.overdue>{d}</dd></div> });
        let stage = c
            .due_date
            .clone()
            .filter(|d| Some(d) != c.answer_due.as_ref())
            .map(|d| view! { <div><dt>"本环节期限"</dt><dd class:overdue-text=c.overdue>{d}</dd></div> });
        view! { {stage} {answer} }
    });
    let answer = c
        .events
        .iter()
        .rev()
        .find(|e| e.action == CaseAction::Answer.as_str())
        .and_then(|e| {
            e.comment.clone().map(|text| {
                let who = e.department_name.clone().unwrap_or_else(|| e.by.clone());
                view! {
                    <div class="answer-box">
                        <p class="label">{format!("{who}的答复")}</p>
                        <p>{text}</p>
                    </div>
                }
            })
        });
    let timeline = c
        .events
        .iter()
        .rev()
        .map(|e| {
            let mut what = e.label.clone();
            if let Some(d) = &e.department_name {
                what.push_str(&format!(" → {d}"));
            }
            view! {
                <li data-event=e.action.clone()>
                    <span class="when">{short_time(&e.at)}</span>
                    <span class="what">{what}</span>
                    <span class="muted">{e.by.clone()}</span>
                    {e.satisfaction.map(|s| view! { <span class="comment">{format!("评价：{}", s.label())}</span> })}
                    {e.comment.clone().map(|t| view! { <span class="comment">{t}</span> })}
                </li>
            }
        })
        .collect_view();
    let acts = (!c.actions.is_empty()).then(|| {
        let heading = if c.actions.contains(&CaseAction::Confirm) {
            "请评价答复"
        } else {
            "办理"
        };
        let departments: Vec<(String, String)> = departments.into_iter().map(|d| (d.code, d.name)).collect();
        view! {
            <section class="panel case-actions-panel">
                <h2>{heading}</h2>
                <CaseActions id=c.id.clone() version=c.version actions=c.actions.clone() departments
                    escalate_to=c.escalate_to.clone() kind=c.kind reopened=c.reopened/>
            </section>
        }
    });
    let rating = rating.map(|r| {
        view! {
            <h2>"差评内容"</h2>
            {rating_card(&r, !citizen, false)}
        }
    });
    let item = item
        .map(|(name, dept)| view! { <div><dt>"涉及事项"</dt><dd>{format!("{name}（{dept}）")}</dd></div> });
    view! {
        <Title text=format!("诉求 {}", c.tracking_no)/>
        <nav class="breadcrumb" aria-label="位置">
            <a href="/">"首页"</a>" › "<a href=home>{home_label}</a>" › "<span aria-current="page">{c.tracking_no.clone()}</span>
        </nav>
        {receipt}
        <section class="panel case" data-case=c.id.clone() data-status=c.status.as_str() data-kind=c.kind.as_str()>
            <p class="tag">{c.kind_label.clone()}</p>
            <h1 class="case-title">{format!("诉求编号 {}", c.tracking_no)}</h1>
            <p class="case-badges">{badges}</p>
            {answer}
            <dl class="kv">
                <div><dt>"来源"</dt><dd>{c.channel.label()}</dd></div>
                <div><dt>"反映人"</dt><dd>{c.person.clone()}</dd></div>
                <div><dt>"承办部门"</dt><dd>{c.department_name.clone().unwrap_or_else(|| "待县政务服务中心转办".to_owned())}</dd></div>
                {submission}
                {item}
                {due}
                <div><dt>"提交时间"</dt><dd>{short_time(&c.created_at)}</dd></div>
                {c.satisfaction.map(|s| view! { <div><dt>"申请人评价"</dt><dd data-satisfaction=s.as_str()>{s.label()}</dd></div> })}
            </dl>
            <h2>"反映内容"</h2>
            <p class="case-description">{c.description.clone()}</p>
            {rating}
        </section>
        {acts}
        <section class="panel">
            <h2>"办理进程"</h2>
            <ol class="timeline">{timeline}</ol>
        </section>
    }
}

/// The label and hint of the text an action takes.
fn text_for(a: CaseAction, kind: CaseKind) -> (&'static str, &'static str) {
    match a {
        CaseAction::Contact => ("回访记录", "联系申请人的时间、方式和核实的情况"),
        CaseAction::Return => ("退回原因", "说明为什么不属于本部门办理，县政务服务中心会重新转办"),
        CaseAction::Answer if kind == CaseKind::BadRating => {
            ("整改答复", "核实的问题和整改措施，申请人会看到这段答复")
        }
        CaseAction::Answer => ("答复内容", "申请人会看到这段答复"),
        CaseAction::Reopen => ("重办意见", "承办部门会看到这段意见"),
        CaseAction::Close => ("办结说明", "申请人会看到这段说明"),
        CaseAction::Assign => ("转办意见", "承办部门会看到这段意见"),
        CaseAction::Escalate => ("督办意见", "督办部门会看到这段意见"),
        CaseAction::Confirm => ("补充说明", "可以说明满意或不满意的原因"),
    }
}

/// The buttons of the actions the viewer may take on a case: a department
/// and a text where the action takes them, then 确认; the applicant's
/// 满意/基本满意/不满意 (with an optional remark). Sends the version seen.
#[island]
fn CaseActions(
    id: String,
    version: i32,
    actions: Vec<CaseAction>,
    departments: Vec<(String, String)>,
    escalate_to: Vec<String>,
    kind: CaseKind,
    reopened: bool,
) -> impl IntoView {
    let pending = RwSignal::new(None::<CaseAction>);
    let satisfaction = RwSignal::new(None::<Satisfaction>);
    let comment = RwSignal::new(String::new());
    let department = RwSignal::new(String::new());
    let message = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let path = StoredValue::new(paths::case_actions(&id));
    let departments = StoredValue::new(departments);
    let send = move |a: CaseAction| {
        let text = comment.get_untracked().trim().to_owned();
        let (what, _) = text_for(a, kind);
        if a.needs_department() && department.read_untracked().is_empty() {
            message.set(Some("请选择部门".into()));
            browser::focus("#case-department");
            return;
        }
        if a.needs_comment() && text.is_empty() {
            message.set(Some(format!("请填写{what}")));
            browser::focus("#case-comment");
            return;
        }
        if text.chars().count() > MAX_CASE_DESCRIPTION {
            message.set(Some(format!("{what}最多 {MAX_CASE_DESCRIPTION} 字")));
            return;
        }
        let req = CaseActionRequest {
            action: a.as_str().to_owned(),
            department: a.needs_department().then(|| department.get_untracked()),
            comment: Some(text).filter(|t| !t.is_empty()),
            satisfaction: (a == CaseAction::Confirm)
                .then(|| satisfaction.get_untracked().map(|s| s.as_str().to_owned()))
                .flatten(),
            version: Some(version),
        };
        busy.set(true);
        message.set(None);
        spawn_local(async move {
            match Api::new()
                .send::<_, CaseDto>(Method::Post, &path.get_value(), &req)
                .await
            {
                Ok(_) => browser::reload(),
                Err(e) => {
                    busy.set(false);
                    message.set(Some(match e {
                        ApiError::Api {
                            status: 409, code, ..
                        } if code.contains("conflict") => "这件诉求刚被他人处理过，请刷新页面后再试。".into(),
                        other => other.detail(),
                    }));
                }
            }
        });
    };
    let confirm = actions.contains(&CaseAction::Confirm).then(|| {
        let choices = Satisfaction::ALL
            .iter()
            .map(|&s| {
                let class = if s == Satisfaction::Dissatisfied {
                    "button secondary danger-outline"
                } else {
                    "button secondary"
                };
                view! {
                    <button class=class type="button" data-satisfaction=s.as_str()
                        aria-pressed=move || (satisfaction.get() == Some(s)).to_string()
                        disabled=move || busy.get()
                        on:click=move |_| {
                            message.set(None);
                            satisfaction.set(Some(s));
                            pending.set(Some(CaseAction::Confirm));
                        }>
                        {s.label()}
                    </button>
                }
            })
            .collect_view();
        view! {
            <p class="label" id="confirm-q">"您对答复满意吗？"</p>
            <div class="actions satisfaction" role="group" aria-labelledby="confirm-q">{choices}</div>
        }
    });
    let buttons = actions
        .iter()
        .copied()
        .filter(|a| *a != CaseAction::Confirm)
        .map(|a| {
            let class = match a {
                CaseAction::Assign | CaseAction::Contact | CaseAction::Answer => "button",
                CaseAction::Return | CaseAction::Escalate => "button secondary danger-outline",
                _ => "button secondary",
            };
            view! {
                <button class=class type="button" data-action=a.as_str() disabled=move || busy.get()
                    on:click=move |_| {
                        message.set(None);
                        pending.set(Some(a));
                    }>
                    {a.label()}
                </button>
            }
        })
        .collect_view();
    let dialog = move || {
        pending.get().map(|a| {
            let (what, hint) = text_for(a, kind);
            let label = if a.needs_comment() {
                format!("{what}（必填）")
            } else {
                format!("{what}（选填）")
            };
            let select = a.needs_department().then(|| {
                // 督办 goes to the departments the server allows (all, if it named none).
                let allowed = |code: &String| a != CaseAction::Escalate || escalate_to.is_empty() || escalate_to.contains(code);
                let options = departments
                    .get_value()
                    .into_iter()
                    .filter(|(code, _)| allowed(code))
                    .map(|(code, name)| view! { <option value=code>{name}</option> })
                    .collect_view();
                let label = if a == CaseAction::Escalate { "督办部门" } else { "承办部门" };
                view! {
                    <Field id="case-department" label=label.into_any()
                        control=move |c: FieldControl| view! {
                            <select id=c.id.clone() bind:value=department>
                                <option value="">"请选择部门"</option>
                                {options}
                            </select>
                        }/>
                }
            });
            let note = (a == CaseAction::Confirm).then(|| {
                let text = match satisfaction.get() {
                    Some(Satisfaction::Dissatisfied) if reopened => "您已不满意过一次。再次选择不满意，诉求将如实记录后办结。",
                    Some(Satisfaction::Dissatisfied) => "选择不满意后，县政务服务中心将重新派单办理。",
                    _ => "评价后诉求办结。",
                };
                view! { <p class="hint">{text}</p> }
            });
            let confirm_label = match (a, satisfaction.get()) {
                (CaseAction::Confirm, Some(s)) => format!("确认：{}", s.label()),
                _ => format!("确认{}", a.label()),
            };
            view! {
                <div class="confirm" data-confirm=a.as_str()>
                    {note}
                    {select}
                    <Field id="case-comment" label=label.into_any() hint=Some(hint.to_owned())
                        control=move |c: FieldControl| view! {
                            <textarea id=c.id.clone() rows="3" maxlength=MAX_CASE_DESCRIPTION bind:value=comment
                                aria-describedby=c.aria_describedby()></textarea>
                        }/>
                    <div class="actions">
                        <button class="button" type="button" data-send=a.as_str() disabled=move || busy.get()
                            on:click=move |_| send(a)>{confirm_label}</button>
                        <button class="button secondary" type="button" on:click=move |_| {
                            pending.set(None);
                            satisfaction.set(None);
                        }>"取消"</button>
                    </div>
                </div>
            }
        })
    };
    view! {
        <div class="case-actions" data-hydrated=move || hydrated.get().to_string()>
            {confirm}
            <div class="actions">{buttons}</div>
            {dialog}
            {move || message.get().map(|m| view! { <p class="error-box" role="alert">{m}</p> })}
        </div>
    }
}
