//! 在线申请: the merged-form wizard (多表合一).
//!
//! Choose items → one screen per step with progress → check answers with
//! "修改" links → submit → receipt. Every keystroke is kept in the browser
//! (localStorage) and, while online, autosaved to the server as a draft, so
//! back/forward, reload, a lost connection or another device lose nothing.
//! The step is in the URL (`?step=`), so the browser's back button moves
//! between steps.
//!
//! Materials are uploaded as they are chosen (photos scaled down first);
//! the answer keeps the upload ids, and on the check-answers page promised
//! materials (容缺受理) show their 告知承诺书 with one box to agree to them.
//!
//! The rules live in [`state`] as plain data; [`Wizard`] is the view over
//! it and carries out what its transitions ask (fetching, saving, history).

mod state;

use std::collections::BTreeMap;

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use serde_json::{Map, Value};

use crate::api::{
    BundleDto, DepartmentDto, Draft, FormDto, FormField, FormItem, Me, SubmissionCreated, SubmitRequest,
    UploadDto,
};
use crate::browser;
use crate::catalog::values::is_empty;
use crate::catalog::{Audience, FieldKind, MaterialAnswer, commitment_text};
use crate::client::{Api, ApiError, Method};
use crate::components::form::{AnswerField, ErrorSummaryBox, Field, FieldControl};
use crate::components::page::{PageError, RequireLogin};
use crate::components::upload::{KnownUploads, known_uploads};
use crate::domain::Date;
use crate::paths;
use state::{
    COMMITMENT_AGREED, FormRequest, ITEMS, LocalCopy, Next, REVIEW, SaveState, WizardInit, WizardState,
    material_summary,
};

#[component]
pub fn ApplyPage() -> impl IntoView {
    let code = use_params_map().read_untracked().get("code").unwrap_or_default();
    let screen = use_query_map().read_untracked().get("step");
    let here = format!("/bundles/{code}/apply");
    view! {
        <RequireLogin here load=move |api| load(api, code.clone(), screen.clone()) render=|a: Apply| match a {
            Apply::Mismatch(b, me) => audience_mismatch(&b, &me).into_any(),
            Apply::Ready(init) => {
                let name = init.bundle_name.clone();
                let code = init.bundle.clone();
                view! {
                    <Title text=format!("申请：{name}")/>
                    <nav class="breadcrumb" aria-label="位置">
                        <a href="/">"首页"</a>" › "<a href=format!("/bundles/{code}")>{name.clone()}</a>" › "<span aria-current="page">"在线申请"</span>
                    </nav>
                    <Wizard init/>
                }
                .into_any()
            }
        }/>
    }
}

/// What the apply page shows.
enum Apply {
    /// The person is not acting as the bundle's audience requires.
    Mismatch(BundleDto, Me),
    Ready(WizardInit),
}

async fn load(api: Api, code: String, screen: Option<String>) -> Result<Apply, PageError> {
    let me = api.get::<Me>(paths::ME).await?;
    let bundle = api.get::<BundleDto>(&paths::bundle(&code)).await?;
    // Enterprise bundles are filed as an enterprise, citizen bundles as oneself.
    let mismatch = matches!(
        (bundle.audience, &me.acting_for),
        (Audience::Enterprise, None) | (Audience::Citizen, Some(_))
    );
    if mismatch {
        return Ok(Apply::Mismatch(bundle, me));
    }
    let departments = api
        .get::<Vec<DepartmentDto>>(paths::DEPARTMENTS)
        .await?
        .into_iter()
        .map(|d| (d.code, d.name))
        .collect();
    let draft = match api.get::<Draft>(&paths::draft(&code)).await {
        Ok(d) => Some(d),
        Err(e) if e.is_not_found() => None,
        Err(e) => return Err(e.into()),
    };
    let chosen = draft.as_ref().map(|d| d.items.clone()).unwrap_or_default();
    let form = match api.get::<FormDto>(&paths::bundle_form(&code, &chosen)).await {
        Ok(f) => Some(f),
        Err(ApiError::Api { status: 422, .. }) => None,
        Err(e) => return Err(e.into()),
    };
    // The names and sizes of the draft's files, and which of them expired.
    let referenced: Vec<String> = draft
        .iter()
        .flat_map(|d| d.data.values())
        .flat_map(MaterialAnswer::files)
        .collect();
    let uploads = if referenced.is_empty() {
        None
    } else {
        let listed = api.get::<Vec<UploadDto>>(paths::UPLOADS).await?;
        Some(
            listed
                .into_iter()
                .filter(|u| referenced.contains(&u.id))
                .collect(),
        )
    };
    let items = match &form {
        Some(f) => f.items.clone(),
        None => bundle
            .items
            .iter()
            .map(|i| FormItem {
                code: i.code.clone(),
                name: i.name.clone(),
                optional: i.optional,
                selected: !i.optional,
                departments: i.departments.clone(),
                due_days: i.due_days,
            })
            .collect(),
    };
    Ok(Apply::Ready(WizardInit {
        bundle: bundle.code,
        bundle_name: bundle.name,
        user: me.id,
        items,
        form,
        draft,
        screen,
        departments,
        uploads,
    }))
}

/// The page to show instead of the wizard when the person is not acting as
/// the bundle's audience requires.
fn audience_mismatch(b: &BundleDto, me: &Me) -> impl IntoView + use<> {
    match &me.acting_for {
        None => view! {
            <Title text=b.name.clone()/>
            <section class="panel notice" data-audience="enterprise">
                <h1>{format!("“{}”是企业办事", b.name)}</h1>
                <p>"请先在企业专区选择要代为办理的企业（或登记您的企业），再回来办理。"</p>
                <p><a class="button" href="/enterprise">"前往企业专区"</a></p>
            </section>
        }
        .into_any(),
        Some(e) => view! {
            <Title text=b.name.clone()/>
            <section class="panel notice" data-audience="citizen">
                <h1>{format!("“{}”是个人办事", b.name)}</h1>
                <p>{format!("您正以“{}”的身份办事。请切换回个人身份后再办理。", e.name)}</p>
                <p><a class="button" href="/enterprise">"前往企业专区切换身份"</a></p>
            </section>
        }
        .into_any(),
    }
}

/// The wizard: a view over one [`WizardState`]. Each event calls one of its
/// transitions; [`Next`] says what else to do. All checks are the shared
/// validators the server runs again.
#[island]
pub fn Wizard(init: WizardInit) -> impl IntoView {
    let bundle_name = init.bundle_name.clone();
    let storage_key = StoredValue::new(init.storage_key());
    let departments = StoredValue::new(init.departments.clone());
    let known: KnownUploads = known_uploads(init.uploads.iter().flatten());
    let server_at = init
        .draft
        .as_ref()
        .and_then(|d| d.updated_at.as_deref())
        .map_or(0.0, browser::time_ms);
    let state = RwSignal::new(WizardState::new(init));
    let hydrated = RwSignal::new(false);
    let today = Date::today_china();

    // What the view reads, each changing only when its part does.
    let screen = Memo::new(move |_| state.with(|s| s.screen.clone()));
    let form = Memo::new(move |_| state.with(|s| s.form.clone()));
    let screens = Memo::new(move |_| state.with(WizardState::screens));
    let position = Memo::new(move |_| state.with(WizardState::position));
    let busy = Memo::new(move |_| state.with(|s| s.busy));
    let save_state = Memo::new(move |_| state.with(|s| s.save));

    // ── Persistence ──
    let save_local = move || {
        let copy: LocalCopy = state.with_untracked(|s| s.local_copy(browser::now_ms()));
        browser::storage_set(&storage_key.get_value(), &copy);
    };
    let save_timer = StoredValue::new(None::<TimeoutHandle>);
    let save_server = move || {
        let (path, body) = state.with_untracked(|s| (paths::draft(&s.bundle), s.draft()));
        state.update(|s| s.save = SaveState::Saving);
        spawn_local(async move {
            let r = Api::new().send::<_, Draft>(Method::Put, &path, &body).await;
            state.update(|s| {
                s.save = if r.is_ok() {
                    SaveState::Saved
                } else {
                    SaveState::LocalOnly
                };
            });
        });
    };
    // Every change: the local copy now, the server copy after a pause.
    let changed = move || {
        save_local();
        if let Some(h) = save_timer.get_value() {
            h.clear();
        }
        let handle = set_timeout_with_handle(save_server, std::time::Duration::from_millis(1200)).ok();
        save_timer.set_value(handle);
    };

    // ── Carrying out transitions ──
    // A new screen is shown: into the history (unless the URL already says
    // so), into the local copy, and to the top.
    let moved = move |to: &str, push: bool| {
        if push {
            browser::push_url(&format!("?step={to}"));
        }
        save_local();
        browser::scroll_top();
        browser::focus(".step-title");
    };
    let load_form = move |req: FormRequest| {
        let path = state.with_untracked(|s| paths::bundle_form(&s.bundle, &req.items));
        spawn_local(async move {
            match Api::new().get::<FormDto>(&path).await {
                Ok(f) => {
                    let mut next = Next::Stay;
                    state.update(|s| next = s.form_loaded(f, req.then));
                    if let Next::Moved(to) = next {
                        moved(&to, true);
                    }
                    changed();
                }
                Err(e) => state.update(|s| s.form_failed(e.to_string())),
            }
        });
    };
    let send = move |req: SubmitRequest| {
        spawn_local(async move {
            match Api::new()
                .send::<_, SubmissionCreated>(Method::Post, paths::SUBMISSIONS, &req)
                .await
            {
                Ok(created) => {
                    browser::storage_remove(&storage_key.get_value());
                    browser::go(&format!("/submissions/{}?new=1", created.id));
                }
                Err(e) => {
                    let mut next = Next::Stay;
                    state.update(|s| next = s.submit_failed(e));
                    if let Next::Moved(to) = next {
                        moved(&to, true);
                    }
                }
            }
        });
    };
    let follow = move |next: Next| match next {
        Next::Stay => {}
        Next::ShowErrors => browser::focus(".error-summary"),
        Next::Moved(to) => moved(&to, true),
        Next::LoadForm(req) => load_form(req),
        Next::Submit(req) => send(req),
    };
    let transition = move |f: &dyn Fn(&mut WizardState) -> Next| {
        let mut next = Next::Stay;
        state.update(|s| next = f(s));
        follow(next);
    };

    // Files of a (local) copy this page has not seen: ask the server which
    // it still holds; the others have expired.
    let check_uploads = move || {
        let unknown = state
            .with_untracked(WizardState::upload_ids)
            .into_iter()
            .any(|id| known.with_untracked(|k| !k.contains_key(&id)));
        if !unknown {
            return;
        }
        spawn_local(async move {
            if let Ok(listed) = Api::new().get::<Vec<UploadDto>>(paths::UPLOADS).await {
                known.update(|k| k.extend(listed.iter().map(|u| (u.id.clone(), u.clone()))));
                let mut dropped = false;
                state.update(|s| dropped = s.uploads_listed(&listed));
                if dropped {
                    changed();
                }
            }
        });
    };

    // On the client only: restore the newer local copy, follow back/forward.
    Effect::new(move |_| {
        hydrated.set(true);
        let local = browser::storage_get::<LocalCopy>(&storage_key.get_value());
        let url_step = browser::query_param("step");
        transition(&|s| s.reconcile(local.clone(), server_at, url_step.clone(), browser::random_key()));
        if browser::query_param("step").is_none() {
            browser::replace_url(&format!("?step={}", screen.get_untracked()));
        }
        check_uploads();
    });
    let _ = window_event_listener_untyped("popstate", move |_| {
        let url_step = browser::query_param("step");
        state.update(|s| s.follow_history(url_step));
    });

    // ── View ──
    let progress = move || {
        let total = screens.read().len();
        let n = position.get() + 1;
        let title = screens
            .read()
            .get(n - 1)
            .map(|(_, t)| t.clone())
            .unwrap_or_default();
        let width = format!("w{}", (n * 20 / total.max(1)).min(20));
        view! {
            <div class="progress" aria-live="polite">
                <p class="progress-text">{format!("第 {n} 步，共 {total} 步")}</p>
                <div class="progress-bar"><span class=width></span></div>
                <h2 class="step-title" tabindex="-1">{title}</h2>
            </div>
        }
    };
    let save_note = move || match save_state.get() {
        SaveState::Idle => "",
        SaveState::Saving => "正在保存…",
        SaveState::Saved => "已自动保存草稿",
        SaveState::LocalOnly => "网络不通，已保存在本机",
    };
    let error_summary = view! {
        <ErrorSummaryBox
            problems=Memo::new(move |_| state.with(WizardState::problems))
            message=Memo::new(move |_| state.with(|s| s.message.clone()))
            shown=Memo::new(move |_| state.with(|s| s.summary))/>
    };

    let body = move || {
        let current = screen.get();
        form.track();
        if current == ITEMS {
            choose_items(state, &departments.get_value(), changed).into_any()
        } else if current == REVIEW {
            match form.get_untracked() {
                Some(f) => {
                    let data = state.with_untracked(|s| s.data.clone());
                    let change = move |step: String| {
                        browser::push_url(&format!("?step={step}&from=review"));
                        state.update(|s| s.go(step.clone()));
                        moved(&step, false);
                    };
                    view! {
                        {review(f, &data, change)}
                        {commitment(state)}
                        <p class="hint">"提交后，各部门将同时收到您的申请，您可以在“我的办件”查看每个部门的办理进度。"</p>
                    }
                    .into_any()
                }
                None => ().into_any(),
            }
        } else {
            let (fields, prefilled, item_names) = state.with_untracked(|s| {
                let names: BTreeMap<String, String> = s
                    .all_items
                    .iter()
                    .map(|i| (i.code.clone(), i.name.clone()))
                    .collect();
                (s.step_fields(&current), s.prefilled.clone(), names)
            });
            fields
                .into_iter()
                .map(|f| {
                    let key = f.key.clone();
                    let value = Memo::new({
                        let key = key.clone();
                        move |_| state.with(|s| s.data.get(&key).cloned())
                    });
                    let error = Memo::new({
                        let key = key.clone();
                        move |_| state.with(|s| s.errors.get(&key).cloned())
                    });
                    let on_input = Callback::new({
                        let key = key.clone();
                        move |v: Value| {
                            state.update(|s| s.answer(&key, v, today));
                            changed();
                        }
                    });
                    let on_blur = Callback::new({
                        let key = key.clone();
                        move |()| state.update(|s| s.leave(&key, today))
                    });
                    let used_by: Vec<String> = f
                        .used_by
                        .iter()
                        .filter_map(|c| item_names.get(c).cloned())
                        .collect();
                    let prefilled = prefilled.get(&key).cloned();
                    view! { <AnswerField field=f value error on_input on_blur prefilled used_by known/> }
                })
                .collect_view()
                .into_any()
        }
    };

    let previous = Memo::new(move |_| state.with(WizardState::previous_screen));
    let back = move || {
        previous.get().map(|prev| {
            view! {
                <a class="back-link" href=format!("?step={prev}")
                    on:click=move |ev| { ev.prevent_default(); transition(&WizardState::go_back); }>
                    "‹ 上一步"
                </a>
            }
        })
    };
    let actions = move || {
        if screen.get() == REVIEW {
            view! {
                <button class="button wide" type="button" disabled=move || busy.get()
                    on:click=move |_| transition(&|s| s.submit(today))>
                    {move || if busy.get() { "正在提交…" } else { "提交申请" }}
                </button>
            }
            .into_any()
        } else {
            view! {
                <button class="button wide" type="button" disabled=move || busy.get()
                    on:click=move |_| {
                        // Back to the check-answers page when a "修改" link brought us here.
                        let from_review = browser::query_param("from").as_deref() == Some(REVIEW);
                        transition(&|s| s.continue_from(today, from_review));
                    }>
                    {move || if busy.get() { "请稍候…" } else { "继续" }}
                </button>
            }
            .into_any()
        }
    };

    view! {
        <section class="panel wizard" data-hydrated=move || hydrated.get().to_string() data-screen=move || screen.get()>
            <p class="tag">{bundle_name}" · 在线申请"</p>
            {back}
            {progress}
            {error_summary}
            <form class="form" novalidate on:submit=move |ev| { ev.prevent_default(); }>
                {body}
                {actions}
            </form>
            <p class="save-note muted" aria-live="polite">{save_note}</p>
        </section>
    }
}

/// The first screen: which items to apply for.
fn choose_items<C: Fn() + Copy + Send + Sync + 'static>(
    state: RwSignal<WizardState>,
    departments: &BTreeMap<String, String>,
    changed: C,
) -> impl IntoView + use<C> {
    let list = state
        .with_untracked(|s| s.all_items.clone())
        .into_iter()
        .map(|i| {
            let code = i.code.clone();
            let checked = {
                let code = code.clone();
                move || !i.optional || state.with(|s| s.items.contains(&code))
            };
            let names: Vec<String> = i
                .departments
                .iter()
                .map(|d| departments.get(d).cloned().unwrap_or_else(|| d.clone()))
                .collect();
            let id = format!("item-{code}");
            view! {
                <li class="choice">
                    <input type="checkbox" id=id.clone() prop:checked=checked disabled=!i.optional
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            state.update(|s| s.choose_item(&code, on));
                            changed();
                        }/>
                    <label for=id>
                        <span class="choice-name">{i.name.clone()}</span>
                        {(!i.optional).then(|| view! { <span class="chip">"必办"</span> })}
                        <span class="choice-meta">{format!("{} · {} 个工作日", names.join("、"), i.due_days)}</span>
                    </label>
                </li>
            }
        })
        .collect_view();
    view! {
        <p class="hint">"必办事项已选中。可选事项按需勾选，所选事项共用一张表。"</p>
        <ul class="choices">{list}</ul>
    }
}

/// Check your answers (GOV.UK pattern): every answer with a "修改" link,
/// which calls `change` with the step to go back to.
fn review<C: Fn(String) + Copy + Send + Sync + 'static>(
    form: FormDto,
    data: &Map<String, Value>,
    change: C,
) -> impl IntoView + use<C> {
    let items = form
        .items
        .iter()
        .filter(|i| i.selected)
        .map(|i| view! { <li>{i.name.clone()}</li> })
        .collect_view();
    let sections = form
        .steps
        .into_iter()
        .map(|s| {
            let rows = s
                .fields
                .into_iter()
                .map(|f| {
                    let answer = display(&f, data.get(&f.key));
                    let step = s.key.clone();
                    let href = format!("?step={step}&from=review#f-{}", f.key);
                    view! {
                        <div class="answer">
                            <dt>{f.label.clone()}</dt>
                            <dd>{answer}</dd>
                            <dd class="change">
                                <a href=href on:click=move |ev| {
                                    ev.prevent_default();
                                    change(step.clone());
                                }>"修改"<span class="visually-hidden">{f.label.clone()}</span></a>
                            </dd>
                        </div>
                    }
                })
                .collect_view();
            view! {
                <h3>{s.title}</h3>
                <dl class="answers">{rows}</dl>
            }
        })
        .collect_view();
    view! {
        <h3>"申请事项"</h3>
        <ul class="review-items">{items}</ul>
        {sections}
    }
}

/// The 告知承诺书 of every promised material, and the one box that agrees
/// to them (none when nothing is promised).
fn commitment(state: RwSignal<WizardState>) -> impl IntoView {
    let promised = state.with_untracked(WizardState::promised);
    (!promised.is_empty()).then(|| {
        let texts = promised
            .into_iter()
            .map(|f| {
                let days = f.commit_days.unwrap_or_default();
                view! {
                    <div class="commitment-text" data-material=f.key.clone()>
                        <p class="commitment-title">{format!("《{}》 · {days} 个工作日内补交", f.label)}</p>
                        <p>{commitment_text(&f.label, days)}</p>
                    </div>
                }
            })
            .collect_view();
        let agreed = Memo::new(move |_| state.with(|s| s.commitment_agreed));
        let error = Memo::new(move |_| state.with(|s| s.errors.get(COMMITMENT_AGREED).cloned()));
        view! {
            <section class="commitment" aria-labelledby="commitment-title">
                <h3 id="commitment-title">"告知承诺书"</h3>
                <p class="hint">"以下材料选择了容缺受理。请在期限内补交，逾期未补交或承诺不实将记入信用档案。"</p>
                {texts}
                <Field id=format!("f-{COMMITMENT_AGREED}") label="承诺确认".into_any() error
                    key=Some(COMMITMENT_AGREED.to_owned()) group=true
                    control=move |c: FieldControl| view! {
                        <label class="checkbox" for=c.id.clone()>
                            <input type="checkbox" id=c.id.clone() prop:checked=move || agreed.get()
                                aria-invalid=c.aria_invalid() aria-describedby=c.aria_describedby()
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    state.update(|s| s.agree(on));
                                }/>
                            <span>"我已阅读并同意上述告知承诺书"</span>
                        </label>
                    }/>
            </section>
        }
    })
}

/// An answer as the review page shows it.
fn display(f: &FormField, v: Option<&Value>) -> String {
    if f.kind == FieldKind::Material {
        return material_summary(f, v);
    }
    if is_empty(v) {
        return "未填写".into();
    }
    match (f.kind, v) {
        (FieldKind::Boolean, Some(Value::Bool(b))) => if *b { "是" } else { "否" }.into(),
        (FieldKind::Enum, Some(Value::String(s))) => f
            .options
            .as_ref()
            .and_then(|o| o.iter().find(|o| &o.value == s))
            .map(|o| o.label.clone())
            .unwrap_or_else(|| s.clone()),
        (_, Some(Value::String(s))) => s.clone(),
        (_, Some(other)) => other.to_string(),
        (_, None) => String::new(),
    }
}
