//! 管理: staff accounts and the audit log (admins only).

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;

use crate::api::{
    AuditEntry, AuditVerification, CalendarOverview, CreateStaffRequest, DepartmentDto, FieldError, Me, Page,
    Role, UserSummary,
};
use crate::browser;
use crate::client::{Api, ApiError, Method};
use crate::components::form::{ErrorSummary, Field, FieldControl, TextField};
use crate::components::page::{PageError, RequireLogin};
use crate::paths;

#[component]
pub fn AdminPage() -> impl IntoView {
    view! {
        <Title text="管理"/>
        <RequireLogin here="/admin" load=load render=|d: AdminData| {
            view! {
                {calendar_notice(d.calendar)}
                {admin_view(d.me, d.clerks.items, d.admins.items, d.departments, d.audit.items, d.verification)}
            }
        }/>
    }
}

struct AdminData {
    me: Me,
    clerks: Page<UserSummary>,
    admins: Page<UserSummary>,
    departments: Vec<DepartmentDto>,
    audit: Page<AuditEntry>,
    verification: AuditVerification,
    calendar: CalendarOverview,
}

async fn load(api: Api) -> Result<AdminData, PageError> {
    let me = api.get::<Me>(paths::ME).await?;
    if !me.has(Role::Admin) {
        return Err(PageError::NotFound);
    }
    // Admins, the county office's dispatchers and the 12345 seats first.
    let mut admins: Page<UserSummary> = api.get(&paths::admin_users("admin", 50)).await?;
    for role in ["dispatcher", "operator"] {
        let more: Page<UserSummary> = api.get(&paths::admin_users(role, 100)).await?;
        admins.items.extend(more.items);
    }
    Ok(AdminData {
        me,
        clerks: api.get(&paths::admin_users("clerk", 200)).await?,
        admins,
        departments: api.get(paths::DEPARTMENTS).await?,
        audit: api.get(&paths::audit(20)).await?,
        verification: api.get(paths::AUDIT_VERIFY).await?,
        calendar: api.get(paths::ADMIN_CALENDAR).await?,
    })
}

fn admin_view(
    me: Me,
    clerks: Vec<UserSummary>,
    admins: Vec<UserSummary>,
    departments: Vec<DepartmentDto>,
    audit: Vec<AuditEntry>,
    verification: AuditVerification,
) -> impl IntoView {
    let dept_name = |code: &Option<String>| {
        code.as_deref()
            .and_then(|c| departments.iter().find(|d| d.code == c))
            .map(|d| d.name.clone())
            .unwrap_or_default()
    };
    let rows = admins
        .iter()
        .chain(clerks.iter())
        .map(|u| {
            view! {
                <tr class:disabled=u.disabled>
                    <td>{u.username.clone().unwrap_or_default()}</td>
                    <td>{u.name.clone()}</td>
                    <td>{u.role.label()}</td>
                    <td>{dept_name(&u.department)}</td>
                    <td>{if u.disabled { "已停用" } else { "正常" }}</td>
                </tr>
            }
        })
        .collect_view();
    let options: Vec<(String, String)> = departments
        .iter()
        .map(|d| (d.code.clone(), d.name.clone()))
        .collect();
    let chain = if verification.valid {
        format!("审计日志完整：共 {} 条，哈希链校验通过。", verification.count)
    } else {
        format!(
            "审计日志校验失败：第 {} 条起被改动或缺失！",
            verification.broken_at.unwrap_or_default()
        )
    };
    let audit_rows = audit
        .into_iter()
        .map(|e| {
            view! {
                <tr>
                    <td>{e.seq}</td>
                    <td>{e.at.chars().take(19).collect::<String>().replace('T', " ")}</td>
                    <td>{e.actor}</td>
                    <td>{action_label(&e.action)}</td>
                    <td>{e.object}</td>
                    <td>{e.ip.unwrap_or_default()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="panel">
            <p class="tag">"管理"</p>
            <h1>"工作人员账号"</h1>
            <p class="muted">{format!("{}，您好。共 {} 个工作人员账号。", me.name, clerks.len() + admins.len())}</p>
            <div class="table-wrap">
                <table class="table">
                    <thead><tr><th>"用户名"</th><th>"名称"</th><th>"角色"</th><th>"部门"</th><th>"状态"</th></tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </section>
        <section class="panel">
            <h2>"新建工作人员账号"</h2>
            <CreateStaffForm departments=options/>
        </section>
        <section class="panel">
            <h2>"审计日志"</h2>
            <p class=if verification.valid { "ok-box" } else { "error-box" }>{chain}</p>
            <div class="table-wrap">
                <table class="table">
                    <thead><tr><th>"序号"</th><th>"时间 (UTC)"</th><th>"操作人"</th><th>"操作"</th><th>"对象"</th><th>"地址"</th></tr></thead>
                    <tbody>{audit_rows}</tbody>
                </table>
            </div>
        </section>
    }
}

/// The working-day calendar: its warning, if any, and the way to it.
fn calendar_notice(c: CalendarOverview) -> impl IntoView {
    let known: Vec<String> = c.years.iter().map(|y| y.year.to_string()).collect();
    view! {
        <section class="panel">
            <h2>"节假日安排"</h2>
            {c.warning.clone().map(|w| view! { <p class="error-box" role="alert" id="calendar-warning">{w}</p> })}
            <p class="muted">{format!("办理时限按工作日计算。已录入：{} 年。", known.join("、"))}</p>
            <a class="button secondary" href="/admin/calendar">"查看和录入节假日安排"</a>
        </section>
    }
}

fn action_label(a: &str) -> String {
    match a {
        "login" => "登录",
        "login_failed" => "登录失败",
        "logout" => "退出",
        "register" => "注册",
        "password_change" => "修改密码",
        "user_create" => "新建账号",
        "user_disable" => "停用账号",
        "user_enable" => "启用账号",
        "view_submission" => "查看办件",
        "calendar_save" => "录入节假日安排",
        other => other,
    }
    .to_owned()
}

/// Creates a staff account: a clerk, an admin, a dispatcher or a 12345 operator.
#[island]
fn CreateStaffForm(departments: Vec<(String, String)>) -> impl IntoView {
    let username = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let role = RwSignal::new("clerk".to_owned());
    let department = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let message = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let tried = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        tried.set(true);
        busy.set(true);
        let req = CreateStaffRequest {
            username: username.get_untracked(),
            name: name.get_untracked(),
            role: role.get_untracked(),
            department: Some(department.get_untracked()).filter(|d| !d.is_empty()),
            password: password.get_untracked(),
        };
        spawn_local(async move {
            match Api::new()
                .send::<_, UserSummary>(Method::Post, paths::ADMIN_USERS, &req)
                .await
            {
                Ok(_) => browser::reload(),
                Err(ApiError::Api { fields, .. }) if !fields.is_empty() => {
                    busy.set(false);
                    errors.set(fields);
                }
                Err(e) => {
                    busy.set(false);
                    message.set(Some(e.to_string()));
                }
            }
        });
    };
    let department_error = Signal::derive(move || {
        errors
            .read()
            .iter()
            .find(|e| e.field == "department")
            .map(|e| e.message.clone())
    });
    let options = departments
        .into_iter()
        .map(|(code, name)| view! { <option value=code>{name}</option> })
        .collect_view();
    view! {
        <form class="form" on:submit=submit novalidate>
            <ErrorSummary errors message=message tried=tried/>
            <TextField name="username" label="用户名" value=username errors autocomplete="off" hint="小写字母开头，如 clerk-health-2"/>
            <TextField name="name" label="名称" value=name errors hint="如：王芳 或 县卫健局窗口"/>
            <Field id="f-role" label="角色".into_any() key=Some("role".to_owned())
                control=move |c: FieldControl| view! {
                    <select id=c.id.clone() bind:value=role aria-describedby=c.aria_describedby()>
                        <option value="clerk">"窗口工作人员"</option>
                        <option value="admin">"管理员"</option>
                        <option value="dispatcher">"县政务服务中心调度员"</option>
                        <option value="operator">"12345热线话务员"</option>
                    </select>
                }/>
            <Field id="f-department" label="所属部门".into_any() error=department_error key=Some("department".to_owned())
                control=move |c: FieldControl| view! {
                    <select id=c.id.clone() bind:value=department disabled=move || role.get() != "clerk"
                        aria-invalid=c.aria_invalid() aria-describedby=c.aria_describedby()>
                        <option value="">"请选择"</option>
                        {options}
                    </select>
                }/>
            <TextField name="password" label="初始密码" value=password errors input_type="password" autocomplete="new-password"/>
            <button class="button" type="submit" disabled=move || busy.get()>"创建账号"</button>
        </form>
    }
}
