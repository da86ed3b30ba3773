//! 在线申请: the merged-form wizard (多表合一).
//!
//! Choose items → one screen per step with progress → check answers with
//! "修改" links → submit → receipt. Every keystroke is kept in the browser
//! (localStorage) and, while online, autosaved to the server as a draft, so
//! back/forward, reload, a lost connection or another device lose nothing.
//! The step is in the URL (`?step=`), so the browser's back button moves
//! between steps.

use std::collections::BTreeMap;

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::api::{
    BundleDto, Draft, FieldError, FormDto, FormField, FormItem, Me, SubmissionCreated, SubmitRequest,
};
use crate::browser;
use crate::catalog::FieldKind;
use crate::catalog::values::{check, is_empty};
use crate::client::{Api, ApiError, Method};
use crate::domain::Date;

/// Everything the wizard starts from, rendered on the server.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WizardInit {
    pub bundle: String,
    pub bundle_name: String,
    /// Isolates this person's local copy from other people on the same phone.
    pub user: String,
    /// Every item of the bundle.
    pub items: Vec<FormItem>,
    /// The form for the initial choice of items (none when nothing is chosen yet).
    pub form: Option<FormDto>,
    pub draft: Option<Draft>,
    /// `?step=` of the request.
    pub screen: Option<String>,
    /// Department code → name.
    pub departments: BTreeMap<String, String>,
}

const ITEMS: &str = "items";
const REVIEW: &str = "review";

#[component]
pub fn ApplyPage() -> impl IntoView {
    let code = use_params_map().read_untracked().get("code").unwrap_or_default();
    let screen = use_query_map().read_untracked().get("step");
    let api = Api::new();
    view! {
        <Suspense fallback=|| view! { <p class="muted">"正在加载…"</p> }>
            {move || Suspend::new({
                let (api, code, screen) = (api.clone(), code.clone(), screen.clone());
                async move {
                    let here = format!("/bundles/{code}/apply");
                    let me = match api.get::<Me>("/api/v1/me").await {
                        Ok(me) => me,
                        Err(e) => return super::login_or_error(e, &here).into_any(),
                    };
                    // Enterprise bundles are filed as an enterprise, citizen bundles as oneself.
                    if let Ok(b) = api.get::<BundleDto>(&format!("/api/v1/bundles/{}", super::url_encode(&code))).await
                        && let Some(v) = audience_mismatch(&b, &me) {
                            return v.into_any();
                        }
                    match load(&api, &code, me, screen).await {
                        Ok(init) => {
                            let name = init.bundle_name.clone();
                            view! {
                                <Title text=format!("申请：{name}")/>
                                <nav class="breadcrumb" aria-label="位置">
                                    <a href="/">"首页"</a>" › "<a href=format!("/bundles/{code}")>{name.clone()}</a>" › "<span aria-current="page">"在线申请"</span>
                                </nav>
                                <Wizard init/>
                            }
                            .into_any()
                        }
                        Err(e) => super::login_or_error(e, &here).into_any(),
                    }
                }
            })}
        </Suspense>
    }
}

/// The page to show instead of the wizard when the person is not acting as
/// the bundle's audience requires.
fn audience_mismatch(b: &BundleDto, me: &Me) -> Option<impl IntoView + use<>> {
    use crate::catalog::Audience;
    match (b.audience, &me.acting_for) {
        (Audience::Enterprise, None) => Some(
            view! {
                <Title text=b.name.clone()/>
                <section class="panel notice" data-audience="enterprise">
                    <h1>{format!("“{}”是企业办事", b.name)}</h1>
                    <p>"请先在企业专区选择要代为办理的企业（或登记您的企业），再回来办理。"</p>
                    <p><a class="button" href="/enterprise">"前往企业专区"</a></p>
                </section>
            }
            .into_any(),
        ),
        (Audience::Citizen, Some(e)) => Some(
            view! {
                <Title text=b.name.clone()/>
                <section class="panel notice" data-audience="citizen">
                    <h1>{format!("“{}”是个人办事", b.name)}</h1>
                    <p>{format!("您正以“{}”的身份办事。请切换回个人身份后再办理。", e.name)}</p>
                    <p><a class="button" href="/enterprise">"前往企业专区切换身份"</a></p>
                </section>
            }
            .into_any(),
        ),
        _ => None,
    }
}

async fn load(api: &Api, code: &str, me: Me, screen: Option<String>) -> Result<WizardInit, ApiError> {
    let code = super::url_encode(code);
    let bundle = api.get::<BundleDto>(&format!("/api/v1/bundles/{code}")).await?;
    let departments = api
        .get::<Vec<crate::api::DepartmentDto>>("/api/v1/departments")
        .await?
        .into_iter()
        .map(|d| (d.code, d.name))
        .collect();
    let draft = match api.get::<Draft>(&format!("/api/v1/drafts/{code}")).await {
        Ok(d) => Some(d),
        Err(e) if e.is_not_found() => None,
        Err(e) => return Err(e),
    };
    let chosen = draft.as_ref().map(|d| d.items.join(",")).unwrap_or_default();
    let form = match api
        .get::<FormDto>(&format!(
            "/api/v1/bundles/{code}/form?items={}",
            super::url_encode(&chosen)
        ))
        .await
    {
        Ok(f) => Some(f),
        Err(ApiError::Api { status: 422, .. }) => None,
        Err(e) => return Err(e),
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
    Ok(WizardInit {
        bundle: bundle.code,
        bundle_name: bundle.name,
        user: me.id,
        items,
        form,
        draft,
        screen,
        departments,
    })
}

/// What the browser keeps between reloads.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct LocalCopy {
    items: Vec<String>,
    data: Map<String, Value>,
    step: Option<String>,
    /// Milliseconds since 1970, to pick the newer of this and the server's.
    saved_at: f64,
    /// Reused when a submit is retried, so it is filed once.
    idempotency_key: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SaveState {
    Idle,
    Saving,
    Saved,
    /// Kept in this browser only (offline or the server refused).
    LocalOnly,
}

/// The wizard. Pure presentation over signals; all checks are the shared
/// validators the server runs again.
#[island]
pub fn Wizard(init: WizardInit) -> impl IntoView {
    let WizardInit {
        bundle,
        bundle_name,
        user,
        items: all_items,
        form: initial_form,
        draft,
        screen: initial_screen,
        departments,
    } = init;
    let has_optional = all_items.iter().any(|i| i.optional);
    let storage_key = format!("onething:draft:{user}:{bundle}");

    // ── State ──
    let items = RwSignal::new(
        draft
            .as_ref()
            .map(|d| d.items.clone())
            .filter(|i| !i.is_empty())
            .unwrap_or_else(|| {
                all_items
                    .iter()
                    .filter(|i| i.selected)
                    .map(|i| i.code.clone())
                    .collect()
            }),
    );
    let form = RwSignal::new(initial_form.clone());
    // Field key → where its prefilled value came from.
    let prefilled: RwSignal<BTreeMap<String, String>> = RwSignal::new(BTreeMap::new());
    let data = RwSignal::new({
        let mut d = draft.as_ref().map(|d| d.data.clone()).unwrap_or_default();
        if let Some(f) = &initial_form {
            prefilled.update_untracked(|p| apply_prefill(f, &mut d, p));
        }
        d
    });
    let first_screen = {
        let steps: Vec<String> = initial_form
            .iter()
            .flat_map(|f| f.steps.iter().map(|s| s.key.clone()))
            .collect();
        let wanted = initial_screen
            .clone()
            .or_else(|| draft.as_ref().and_then(|d| d.step.clone()));
        match wanted {
            Some(s) if s == REVIEW && initial_form.is_some() => s,
            Some(s) if steps.contains(&s) => s,
            Some(s) if s == ITEMS && has_optional => s,
            _ if has_optional && draft.is_none() => ITEMS.to_owned(),
            _ => steps.first().cloned().unwrap_or_else(|| ITEMS.to_owned()),
        }
    };
    let screen = RwSignal::new(first_screen);
    let errors: RwSignal<BTreeMap<String, String>> = RwSignal::new(BTreeMap::new());
    let summary = RwSignal::new(false);
    let message = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let save_state = RwSignal::new(SaveState::Idle);
    let idempotency_key = StoredValue::new(String::new());
    let hydrated = RwSignal::new(false);
    let departments = StoredValue::new(departments);
    let all_items = StoredValue::new(all_items);

    // The screens in order: (key, title).
    let screens = Memo::new(move |_| {
        let mut s = Vec::new();
        if has_optional {
            s.push((ITEMS.to_owned(), "选择要办理的事项".to_owned()));
        }
        if let Some(f) = form.get() {
            s.extend(f.steps.iter().map(|st| (st.key.clone(), st.title.clone())));
            s.push((REVIEW.to_owned(), "核对并提交".to_owned()));
        }
        s
    });
    let position = Memo::new(move |_| {
        screens
            .read()
            .iter()
            .position(|(k, _)| *k == screen.get())
            .unwrap_or(0)
    });

    // ── Persistence ──
    // The bundle code is needed inside closures that must be 'static + Copy.
    let bundle_store = StoredValue::new(bundle.clone());
    let bundle_code = move || bundle_store.get_value();
    let storage_key = StoredValue::new(storage_key);
    let save_local = move || {
        let copy = LocalCopy {
            items: items.get_untracked(),
            data: data.get_untracked(),
            step: Some(screen.get_untracked()),
            saved_at: now_ms(),
            idempotency_key: idempotency_key.get_value(),
        };
        storage_set(&storage_key.get_value(), &copy);
    };
    let save_timer = StoredValue::new(None::<TimeoutHandle>);
    let save_server = move || {
        let body = Draft {
            items: items.get_untracked(),
            data: data.get_untracked(),
            step: Some(screen.get_untracked()),
            version: None,
            updated_at: None,
        };
        let path = format!("/api/v1/drafts/{}", crate::pages::url_encode(&bundle_code()));
        save_state.set(SaveState::Saving);
        spawn_local(async move {
            let r = Api::new().send::<_, Draft>(Method::Put, &path, &body).await;
            save_state.set(if r.is_ok() {
                SaveState::Saved
            } else {
                SaveState::LocalOnly
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

    // ── Navigation ──
    let go = move |to: String, push: bool| {
        summary.set(false);
        message.set(None);
        screen.set(to.clone());
        if push {
            push_step(&to);
        }
        save_local();
        scroll_top();
    };
    let load_form = move |chosen: Vec<String>, then: Option<String>| {
        let path = format!(
            "/api/v1/bundles/{}/form?items={}",
            crate::pages::url_encode(&bundle_code()),
            crate::pages::url_encode(&chosen.join(","))
        );
        busy.set(true);
        spawn_local(async move {
            match Api::new().get::<FormDto>(&path).await {
                Ok(f) => {
                    data.update(|d| prefilled.update(|p| apply_prefill(&f, d, p)));
                    let first = f.steps.first().map(|s| s.key.clone());
                    form.set(Some(f));
                    busy.set(false);
                    if let Some(to) = then.or(first) {
                        go(to, true);
                    }
                    changed();
                }
                Err(e) => {
                    busy.set(false);
                    message.set(Some(e.to_string()));
                    summary.set(true);
                }
            }
        });
    };

    // On the client only: restore the newer local copy, follow back/forward.
    Effect::new(move |_| {
        hydrated.set(true);
        if idempotency_key.get_value().is_empty() {
            idempotency_key.set_value(random_key());
        }
        if let Some(local) = storage_get::<LocalCopy>(&storage_key.get_value()) {
            let server_at = draft_time(&draft);
            if local.saved_at > server_at {
                if !local.idempotency_key.is_empty() {
                    idempotency_key.set_value(local.idempotency_key.clone());
                }
                let same_items = {
                    let mut a = local.items.clone();
                    let mut b = items.get_untracked();
                    a.sort();
                    b.sort();
                    a == b
                };
                data.set(local.data.clone());
                items.set(local.items.clone());
                let step = browser_step().or(local.step.clone());
                if !same_items && !local.items.is_empty() {
                    load_form(local.items, step);
                } else if let Some(s) = step
                    && screens.get_untracked().iter().any(|(k, _)| *k == s)
                {
                    screen.set(s);
                }
            }
        }
        replace_step(&screen.get_untracked());
    });
    let _ = window_event_listener_untyped("popstate", move |_| {
        if let Some(s) = browser_step()
            && screens.get_untracked().iter().any(|(k, _)| *k == s)
        {
            summary.set(false);
            screen.set(s);
        }
    });

    // ── Validation ──
    let today = Date::today_china();
    let check_field = move |f: &FormField| -> Option<String> {
        data.with_untracked(|d| check(f, d.get(&f.key), today).err().map(|e| e.message))
    };
    let set_error = move |key: &str, e: Option<String>| {
        errors.update(|all| {
            match e {
                Some(m) => all.insert(key.to_owned(), m),
                None => all.remove(key),
            };
        })
    };
    let step_fields = move |key: &str| -> Vec<FormField> {
        form.with_untracked(|f| {
            f.as_ref()
                .and_then(|f| f.steps.iter().find(|s| s.key == key))
                .map(|s| s.fields.clone())
                .unwrap_or_default()
        })
    };
    let next_screen =
        move || screens.with_untracked(|s| s.get(position.get_untracked() + 1).map(|(k, _)| k.clone()));
    let continue_from = move |key: String| {
        if key == ITEMS {
            let chosen = items.get_untracked();
            if chosen.is_empty() {
                message.set(Some("请至少选择一个要办理的事项".into()));
                summary.set(true);
                return;
            }
            load_form(chosen, None);
            return;
        }
        let mut any = false;
        for f in step_fields(&key) {
            let e = check_field(&f);
            any |= e.is_some();
            set_error(&f.key, e);
        }
        if any {
            summary.set(true);
            browser::focus(".error-summary");
            return;
        }
        // Back to the check-answers page when a "修改" link brought us here.
        let to = if browser_param("from").as_deref() == Some(REVIEW) {
            Some(REVIEW.to_owned())
        } else {
            next_screen()
        };
        if let Some(to) = to {
            go(to, true);
        }
    };

    // ── Submit ──
    let submit = move || {
        let Some(f) = form.get_untracked() else { return };
        let mut all_errors = BTreeMap::new();
        for field in f.fields() {
            if let Some(e) = check_field(field) {
                all_errors.insert(field.key.clone(), e);
            }
        }
        if let Some(first) = all_errors.keys().next().cloned() {
            errors.set(all_errors);
            if let Some(step) = f.steps.iter().find(|s| s.fields.iter().any(|x| x.key == first)) {
                go(step.key.clone(), true);
                summary.set(true);
            }
            return;
        }
        // Only what this form asks: answers for items no longer chosen stay
        // in the draft but are not filed.
        let answers: Map<String, Value> = data
            .get_untracked()
            .into_iter()
            .filter(|(k, v)| f.field(k).is_some() && !is_empty(Some(v)))
            .collect();
        let req = SubmitRequest {
            bundle: bundle_code(),
            items: Some(f.selected_items()),
            data: answers,
            idempotency_key: Some(idempotency_key.get_value()),
        };
        busy.set(true);
        message.set(None);
        spawn_local(async move {
            match Api::new()
                .send::<_, SubmissionCreated>(Method::Post, "/api/v1/submissions", &req)
                .await
            {
                Ok(created) => {
                    storage_remove(&storage_key.get_value());
                    browser::go(&format!("/submissions/{}?new=1", created.id));
                }
                Err(ApiError::Api { fields, .. }) if !fields.is_empty() => {
                    busy.set(false);
                    let map: BTreeMap<String, String> = fields
                        .into_iter()
                        .map(|e: FieldError| (e.field, e.message))
                        .collect();
                    let first = map.keys().next().cloned();
                    errors.set(map);
                    let step = first.and_then(|k| {
                        f.steps
                            .iter()
                            .find(|s| s.fields.iter().any(|x| x.key == k))
                            .map(|s| s.key.clone())
                    });
                    if let Some(s) = step {
                        go(s, true);
                    }
                    summary.set(true);
                }
                Err(e) => {
                    busy.set(false);
                    let m = match e {
                        ApiError::Network => {
                            "网络连接失败。您填写的内容已保存在本机，请稍后再点“提交申请”。".to_owned()
                        }
                        other => other.to_string(),
                    };
                    message.set(Some(m));
                    summary.set(true);
                }
            }
        });
    };

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
    let error_summary = move || {
        summary.get().then(|| {
            let list = errors
                .get()
                .into_iter()
                .filter(|(k, _)| {
                    let current = screen.get();
                    current == REVIEW || step_fields(&current).iter().any(|f| &f.key == k)
                })
                .map(|(k, m)| view! { <li><a href=format!("#f-{k}")>{m}</a></li> })
                .collect_view();
            view! {
                <div class="error-summary" role="alert" tabindex="-1">
                    <h2>"请修改以下内容"</h2>
                    {move || message.get().map(|m| view! { <p>{m}</p> })}
                    <ul>{list}</ul>
                </div>
            }
        })
    };

    let body = move || {
        let current = screen.get();
        if current == ITEMS {
            choose_items(all_items.get_value(), items, departments.get_value(), changed).into_any()
        } else if current == REVIEW {
            match form.get() {
                Some(f) => review(f, data, go).into_any(),
                None => ().into_any(),
            }
        } else {
            let fields = step_fields(&current);
            let item_names: BTreeMap<String, String> =
                all_items.with_value(|i| i.iter().map(|i| (i.code.clone(), i.name.clone())).collect());
            fields
                .into_iter()
                .map(|f| {
                    let key = f.key.clone();
                    // Leaving a field checks it (blank ones only once they
                    // show an error); typing clears an error as soon as the
                    // value is right, so the page does not jump under the
                    // finger when "继续" is pressed.
                    let on_blur = {
                        let f = f.clone();
                        move || {
                            let blank = data.with_untracked(|d| is_empty(d.get(&f.key)));
                            if !blank || errors.with_untracked(|e| e.contains_key(&f.key)) {
                                set_error(&f.key, check_field(&f));
                            }
                        }
                    };
                    let on_change = {
                        let f = f.clone();
                        move || {
                            if errors.with_untracked(|e| e.contains_key(&f.key)) && check_field(&f).is_none()
                            {
                                set_error(&f.key, None);
                            }
                            changed();
                        }
                    };
                    let prefilled = prefilled.with_untracked(|p| p.get(&key).cloned());
                    field_input(f, data, errors, prefilled, &item_names, on_change, on_blur)
                })
                .collect_view()
                .into_any()
        }
    };

    let back = move || {
        let p = position.get();
        (p > 0).then(|| {
            let prev = screens
                .with(|s| s.get(p - 1).map(|(k, _)| k.clone()))
                .unwrap_or_default();
            view! {
                <a class="back-link" href=format!("?step={prev}")
                    on:click=move |ev| { ev.prevent_default(); go(prev.clone(), true); }>
                    "‹ 上一步"
                </a>
            }
        })
    };
    let actions = move || {
        let current = screen.get();
        if current == REVIEW {
            view! {
                <button class="button wide" type="button" disabled=move || busy.get() on:click=move |_| submit()>
                    {move || if busy.get() { "正在提交…" } else { "提交申请" }}
                </button>
            }
            .into_any()
        } else {
            view! {
                <button class="button wide" type="button" disabled=move || busy.get()
                    on:click=move |_| continue_from(screen.get_untracked())>
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
fn choose_items(
    all: Vec<FormItem>,
    items: RwSignal<Vec<String>>,
    departments: BTreeMap<String, String>,
    changed: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let list = all
        .into_iter()
        .map(|i| {
            let code = i.code.clone();
            let checked = {
                let code = code.clone();
                move || !i.optional || items.read().contains(&code)
            };
            let names: Vec<String> = i.departments.iter().map(|d| departments.get(d).cloned().unwrap_or_else(|| d.clone())).collect();
            let id = format!("item-{code}");
            view! {
                <li class="choice">
                    <input type="checkbox" id=id.clone() prop:checked=checked disabled=!i.optional
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            items.update(|v| {
                                v.retain(|c| c != &code);
                                if on { v.push(code.clone()); }
                            });
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

/// One input, by kind, with its label, hint, "used by" line and error.
pub(crate) fn field_input(
    f: FormField,
    data: RwSignal<Map<String, Value>>,
    errors: RwSignal<BTreeMap<String, String>>,
    prefilled: Option<String>,
    item_names: &BTreeMap<String, String>,
    changed: impl Fn() + Clone + Send + Sync + 'static,
    on_blur: impl Fn() + Clone + Send + Sync + 'static,
) -> AnyView {
    let key = f.key.clone();
    let id = format!("f-{key}");
    let error = {
        let key = key.clone();
        move || errors.read().get(&key).cloned()
    };
    let has_error = {
        let e = error.clone();
        move || e().is_some()
    };
    let set = {
        let key = key.clone();
        move |v: Value| {
            data.update(|d| {
                d.insert(key.clone(), v);
            });
            changed();
        }
    };
    let text_value = {
        let key = key.clone();
        move || {
            data.with(|d| match d.get(&key) {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Number(n)) => n.to_string(),
                _ => String::new(),
            })
        }
    };
    let used_by = (f.used_by.len() > 1).then(|| {
        let names: Vec<String> = f
            .used_by
            .iter()
            .filter_map(|c| item_names.get(c).cloned())
            .collect();
        view! { <p class="used-by">{format!("用于：{}", names.join("、"))}</p> }
    });
    let label = view! {
        <span class="label-text">{f.label.clone()}</span>
        {(!f.required).then(|| view! { <span class="optional">"（选填）"</span> })}
        {prefilled.map(|source| {
            let text = match source.as_str() {
                "user_input" | "clerk" => "来自档案",
                "certificate" => "电子证照",
                _ => "已自动填入",
            };
            view! { <span class="chip prefilled" data-source=source>{text}</span> }
        })}
    };
    let hint = (!f.help.is_empty()).then(|| view! { <p class="hint">{f.help.clone()}</p> });
    let err_view = {
        let error = error.clone();
        let id = id.clone();
        move || error().map(|e| view! { <p class="field-error" id=format!("{id}-error")>{e}</p> })
    };
    let aria_invalid = {
        let h = has_error.clone();
        move || h().to_string()
    };
    let blur = on_blur.clone();

    let control = match (f.kind, f.certificate.clone()) {
        // A material the subject holds as an e-certificate: nothing to provide.
        (FieldKind::Material, Some(c)) => {
            let validity = c
                .valid_until
                .map_or_else(|| "长期有效".to_owned(), |u| format!("有效期至 {u}"));
            view! {
                <div class="certificate-note" data-certificate=c.number.clone()>
                    <strong>"已有电子证照，免提交"</strong>
                    <span>{format!("{} · 编号 {} · {validity}", c.name, c.number)}</span>
                </div>
            }
            .into_any()
        }
        (FieldKind::Enum | FieldKind::Material, None) => {
            let options = f.options.clone().unwrap_or_default();
            let radios = options
                .into_iter()
                .map(|o| {
                    let value = o.value.clone();
                    let checked = {
                        let (key, value) = (key.clone(), value.clone());
                        move || data.with(|d| d.get(&key).and_then(Value::as_str) == Some(value.as_str()))
                    };
                    let set = set.clone();
                    let blur = blur.clone();
                    let rid = format!("{id}-{value}");
                    let label_for = rid.clone();
                    view! {
                        <label class="radio" for=label_for>
                            <input type="radio" id=rid name=id.clone() value=value.clone() prop:checked=checked
                                on:change=move |_| { set(Value::String(value.clone())); blur(); }/>
                            <span>{o.label}</span>
                        </label>
                    }
                })
                .collect_view();
            view! { <div class="radios" role="radiogroup" aria-labelledby=format!("{id}-label")>{radios}</div> }.into_any()
        }
        (FieldKind::Boolean, _) => {
            let checked = {
                let key = key.clone();
                move || data.with(|d| d.get(&key).and_then(Value::as_bool).unwrap_or(false))
            };
            let set = set.clone();
            let blur = blur.clone();
            view! {
                <label class="checkbox" for=id.clone()>
                    <input type="checkbox" id=id.clone() prop:checked=checked aria-invalid=aria_invalid.clone()
                        on:change=move |ev| { set(Value::Bool(event_target_checked(&ev))); blur(); }/>
                    <span>"我确认"</span>
                </label>
            }
            .into_any()
        }
        (FieldKind::Textarea, _) => {
            let set = set.clone();
            view! {
                <textarea id=id.clone() rows="4" prop:value=text_value aria-invalid=aria_invalid.clone()
                    on:input=move |ev| set(Value::String(event_target_value(&ev)))
                    on:blur=move |_| blur()></textarea>
            }
            .into_any()
        }
        (kind, _) => {
            let (input_type, mode, auto) = match kind {
                FieldKind::Date => ("date", None, None),
                FieldKind::Phone => ("tel", Some("numeric"), Some("tel")),
                FieldKind::Number => ("text", Some("decimal"), None),
                FieldKind::IdNumber => ("text", None, Some("off")),
                _ => ("text", None, None),
            };
            let set = set.clone();
            view! {
                <input id=id.clone() type=input_type inputmode=mode autocomplete=auto prop:value=text_value
                    aria-invalid=aria_invalid.clone()
                    on:input=move |ev| set(Value::String(event_target_value(&ev)))
                    on:blur=move |_| blur()/>
            }
            .into_any()
        }
    };
    let is_group = matches!(f.kind, FieldKind::Enum | FieldKind::Material);
    let label_view = if is_group {
        view! { <p class="label" id=format!("{id}-label")>{label}</p> }.into_any()
    } else {
        view! { <label class="label" for=id.clone()>{label}</label> }.into_any()
    };
    view! {
        <div class="field" class:has-error=has_error data-field=key>
            {label_view}
            {hint}
            {used_by}
            {err_view}
            {control}
        </div>
    }
    .into_any()
}

/// Fills empty answers from the form's prefill and records their sources.
fn apply_prefill(f: &FormDto, d: &mut Map<String, Value>, sources: &mut BTreeMap<String, String>) {
    for (k, v) in &f.prefill {
        let certificate = f.field(k).is_some_and(|x| x.certificate.is_some());
        if is_empty(d.get(k)) || certificate {
            d.insert(k.clone(), v.clone());
            sources.insert(
                k.clone(),
                f.prefill_sources
                    .get(k)
                    .cloned()
                    .unwrap_or_else(|| "prefill".into()),
            );
        }
    }
}

/// Check your answers (GOV.UK pattern): every answer with a "修改" link.
fn review(
    form: FormDto,
    data: RwSignal<Map<String, Value>>,
    go: impl Fn(String, bool) + Copy + Send + Sync + 'static,
) -> impl IntoView {
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
                    let answer = data.with_untracked(|d| display(&f, d.get(&f.key)));
                    let step = s.key.clone();
                    let href = format!("?step={step}&from=review#f-{}", f.key);
                    view! {
                        <div class="answer">
                            <dt>{f.label.clone()}</dt>
                            <dd>{answer}</dd>
                            <dd class="change">
                                <a href=href on:click=move |ev| {
                                    ev.prevent_default();
                                    push_url(&format!("?step={step}&from=review"));
                                    go(step.clone(), false);
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
        <p class="hint">"提交后，各部门将同时收到您的申请，您可以在“我的办件”查看每个部门的办理进度。"</p>
    }
}

/// An answer as the review page shows it.
fn display(f: &FormField, v: Option<&Value>) -> String {
    if is_empty(v) {
        return "未填写".into();
    }
    match (f.kind, v) {
        (FieldKind::Boolean, Some(Value::Bool(b))) => if *b { "是" } else { "否" }.into(),
        (FieldKind::Enum | FieldKind::Material, Some(Value::String(s))) => f
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

fn draft_time(draft: &Option<Draft>) -> f64 {
    #[cfg(feature = "hydrate")]
    {
        draft
            .as_ref()
            .and_then(|d| d.updated_at.as_deref())
            .map_or(0.0, js_sys::Date::parse)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = draft;
        0.0
    }
}

fn now_ms() -> f64 {
    #[cfg(feature = "hydrate")]
    {
        js_sys::Date::now()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        0.0
    }
}

fn random_key() -> String {
    #[cfg(feature = "hydrate")]
    if let Some(c) = web_sys::window().and_then(|w| w.crypto().ok()) {
        return c.random_uuid();
    }
    format!("k{}", now_ms())
}

fn storage_get<T: for<'de> Deserialize<'de>>(key: &str) -> Option<T> {
    #[cfg(feature = "hydrate")]
    {
        let s = web_sys::window()?.local_storage().ok()??;
        serde_json::from_str(&s.get_item(key).ok()??).ok()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = key;
        None
    }
}

fn storage_set<T: Serialize>(key: &str, value: &T) {
    #[cfg(feature = "hydrate")]
    if let (Some(s), Ok(text)) = (
        web_sys::window().and_then(|w| w.local_storage().ok().flatten()),
        serde_json::to_string(value),
    ) {
        let _ = s.set_item(key, &text);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (key, serde_json::to_string(value));
}

fn storage_remove(key: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(s) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = s.remove_item(key);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = key;
}

/// A query parameter of the current URL.
fn browser_param(name: &str) -> Option<String> {
    #[cfg(feature = "hydrate")]
    {
        let search = web_sys::window()?.location().search().ok()?;
        web_sys::UrlSearchParams::new_with_str(&search).ok()?.get(name)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = name;
        None
    }
}

fn browser_step() -> Option<String> {
    browser_param("step")
}

fn push_url(url: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(h) = web_sys::window().and_then(|w| w.history().ok()) {
        let _ = h.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(url));
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = url;
}

fn push_step(step: &str) {
    push_url(&format!("?step={step}"));
}

fn replace_step(step: &str) {
    #[cfg(feature = "hydrate")]
    if browser_param("step").is_none()
        && let Some(h) = web_sys::window().and_then(|w| w.history().ok())
    {
        let _ = h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&format!("?step={step}")));
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = step;
}

fn scroll_top() {
    #[cfg(feature = "hydrate")]
    if let Some(w) = web_sys::window() {
        w.scroll_to_with_x_and_y(0.0, 0.0);
    }
    browser::focus(".step-title");
}
