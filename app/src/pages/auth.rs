//! 登录 / 注册 / 工作人员登录.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;

use crate::api::{FieldError, LoginRequest, Me, RegisterRequest, Role};
use crate::browser;
use crate::client::{Api, ApiError, Method};
use crate::components::form::{ErrorSummary, TextField, set_field_errors};
use crate::paths;

/// Where a person goes after logging in, unless `next` says otherwise.
pub fn home_of(me: &Me) -> &'static str {
    if me.has(Role::Admin) {
        "/admin"
    } else if me.has(Role::Clerk) {
        "/workbench"
    } else if me.has(Role::Dispatcher) {
        "/dispatch"
    } else if me.has(Role::Operator) {
        "/hotline"
    } else if me.has(Role::Evaluator) {
        "/dashboard"
    } else {
        "/me"
    }
}

#[component]
pub fn LoginPage() -> impl IntoView {
    view! {
        <Title text="登录"/>
        <section class="panel narrow">
            <h1>"登录"</h1>
            <p class="muted">"用注册时的手机号登录，办事进度随时可查。"</p>
            <LoginForm staff=false/>
            <p class="switch">"还没有账号？" <a href="/register">"注册"</a></p>
            <p class="switch muted"><a href="/staff/login">"工作人员登录"</a></p>
        </section>
    }
}

#[component]
pub fn StaffLoginPage() -> impl IntoView {
    view! {
        <Title text="工作人员登录"/>
        <section class="panel narrow">
            <h1>"工作人员登录"</h1>
            <p class="muted">"部门窗口工作人员、县政务服务中心、12345 热线和管理员使用用户名登录。"</p>
            <LoginForm staff=true/>
            <p class="switch muted"><a href="/login">"群众和企业登录"</a></p>
        </section>
    }
}

/// The login form. `staff` only changes the labels: the API accepts a phone
/// number or a username either way.
#[island]
fn LoginForm(staff: bool) -> impl IntoView {
    let login = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let message = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let tried = RwSignal::new(false);
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        tried.set(true);
        let mut errs = Vec::new();
        if login.read().trim().is_empty() {
            errs.push(FieldError::required(
                "login",
                if staff {
                    "请填写用户名"
                } else {
                    "请填写手机号"
                },
            ));
        }
        if password.read().is_empty() {
            errs.push(FieldError::required("password", "请填写密码"));
        }
        message.set(None);
        errors.set(errs);
        if !errors.read_untracked().is_empty() {
            browser::focus(".error-summary");
            return;
        }
        busy.set(true);
        let req = LoginRequest {
            login: login.get_untracked(),
            password: password.get_untracked(),
        };
        spawn_local(async move {
            match Api::new().send::<_, Me>(Method::Post, paths::LOGIN, &req).await {
                Ok(me) => browser::go(&browser::next_param().unwrap_or_else(|| home_of(&me).to_owned())),
                Err(e) => {
                    busy.set(false);
                    password.set(String::new());
                    message.set(Some(e.to_string()));
                    browser::focus(".error-summary");
                }
            }
        });
    };

    view! {
        <form class="form" on:submit=submit novalidate data-hydrated=move || hydrated.get().to_string()>
            <ErrorSummary errors message=message tried=tried/>
            {if staff {
                view! { <TextField name="login" label="用户名" value=login errors autocomplete="username"/> }.into_any()
            } else {
                view! {
                    <TextField name="login" label="手机号" value=login errors input_type="tel"
                        autocomplete="tel" inputmode="numeric" maxlength=20/>
                }.into_any()
            }}
            <TextField name="password" label="密码" value=password errors input_type="password" autocomplete="current-password"/>
            <button class="button wide" type="submit" disabled=move || busy.get()>
                {move || if busy.get() { "正在登录…" } else { "登录" }}
            </button>
        </form>
    }
}

#[component]
pub fn RegisterPage() -> impl IntoView {
    view! {
        <Title text="注册"/>
        <section class="panel narrow">
            <h1>"注册账号"</h1>
            <p class="muted">"实名注册后，办事时自动带出您的姓名、身份证号和手机号。"</p>
            <RegisterForm/>
            <p class="switch">"已有账号？" <a href="/login">"登录"</a></p>
            <p class="fine-print">"您的身份证号和手机号加密保存，仅用于办理您申请的事项。"</p>
        </section>
    }
}

/// Registration with the same checks as the server, run as each field is left.
#[island]
fn RegisterForm() -> impl IntoView {
    let name = RwSignal::new(String::new());
    let id_number = RwSignal::new(String::new());
    let phone = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let message = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let tried = RwSignal::new(false);
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));

    let request = move || RegisterRequest {
        phone: phone.get_untracked(),
        password: password.get_untracked(),
        name: name.get_untracked(),
        id_number: id_number.get_untracked(),
    };
    // Validate one field as it is left (only once something was typed).
    let check = move |field: &'static str, value: RwSignal<String>| {
        Callback::new(move |()| {
            if value.read_untracked().is_empty() {
                return;
            }
            let all = request().validate(crate::domain::Date::today_china());
            set_field_errors(errors, field, all);
        })
    };

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        tried.set(true);
        message.set(None);
        let req = request();
        let problems = req.validate(crate::domain::Date::today_china());
        if !problems.is_empty() {
            errors.set(problems);
            browser::focus(".error-summary");
            return;
        }
        errors.set(Vec::new());
        busy.set(true);
        spawn_local(async move {
            match Api::new()
                .send::<_, Me>(Method::Post, paths::REGISTER, &req)
                .await
            {
                Ok(_) => browser::go(&browser::next_param().unwrap_or_else(|| "/me".to_owned())),
                Err(ApiError::Api {
                    fields, message: m, ..
                }) if !fields.is_empty() => {
                    busy.set(false);
                    errors.set(fields);
                    let _ = m;
                    browser::focus(".error-summary");
                }
                Err(e) => {
                    busy.set(false);
                    message.set(Some(e.to_string()));
                    browser::focus(".error-summary");
                }
            }
        });
    };

    view! {
        <form class="form" on:submit=submit novalidate data-hydrated=move || hydrated.get().to_string()>
            <ErrorSummary errors message=message tried=tried/>
            <TextField name="name" label="姓名" value=name errors autocomplete="name"
                hint="与身份证上的姓名一致" on_blur=check("name", name)/>
            <TextField name="id_number" label="身份证号" value=id_number errors autocomplete="off"
                maxlength=18 hint="18 位，最后一位可以是 X" on_blur=check("id_number", id_number)/>
            <TextField name="phone" label="手机号" value=phone errors input_type="tel" autocomplete="tel"
                inputmode="numeric" maxlength=20 on_blur=check("phone", phone)/>
            <TextField name="password" label="设置密码" value=password errors input_type="password"
                autocomplete="new-password" hint="至少 8 位；可以用一句好记的话" on_blur=check("password", password)/>
            <button class="button wide" type="submit" disabled=move || busy.get()>
                {move || if busy.get() { "正在注册…" } else { "注册并登录" }}
            </button>
        </form>
    }
}
