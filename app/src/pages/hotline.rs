//! 12345 诉求登记: a hotline seat types in a call. Keyboard first: the
//! caller's phone number or 身份证号 (Enter searches), the match picked (or
//! a name and a number typed), the kind, what the caller says, optionally
//! the department; 登记 answers the 诉求编号 to read out. Below, the cases
//! this seat entered.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;

use crate::api::{
    CaseDto, CaseKind, CaseList, CasePerson, DepartmentDto, FieldError, Me, NewCase, PersonMatch, Role,
};
use crate::browser;
use crate::client::{Api, Method};
use crate::components::feedback::{DescriptionField, KindChoice, case_list, check_case, fail};
use crate::components::form::{ErrorSummary, Field, FieldControl};
use crate::components::page::{PageError, RequireLogin};
use crate::domain::{Date, IdNumber, Phone};
use crate::paths;

#[component]
pub fn HotlinePage() -> impl IntoView {
    view! {
        <Title text="12345 诉求登记"/>
        <RequireLogin here="/hotline"
            load=|api: Api| async move {
                let me = api.get::<Me>(paths::ME).await?;
                if !me.has(Role::Operator) {
                    return Err(PageError::NotFound);
                }
                let departments = api.get::<Vec<DepartmentDto>>(paths::DEPARTMENTS).await?;
                let mine = api.get::<CaseList>(&paths::cases(None)).await?;
                Ok((departments, mine))
            }
            render=|(departments, mine): (Vec<DepartmentDto>, CaseList)| {
                let departments: Vec<(String, String)> = departments.into_iter().map(|d| (d.code, d.name)).collect();
                view! {
                    <section class="panel hotline">
                        <p class="tag">"12345 政务服务便民热线"</p>
                        <h1>"诉求登记"</h1>
                        <HotlineForm departments/>
                    </section>
                    <section class="panel">
                        <h2>"我登记的诉求"</h2>
                        {case_list(mine.items, true, "还没有登记过诉求。")}
                    </section>
                }
            }/>
    }
}

/// A search text as the API takes it: an 11-digit mobile number or an
/// 18-character 身份证号, else why not.
fn search_text(q: &str) -> Result<String, String> {
    let q = q.trim();
    if let Ok(p) = Phone::parse(q) {
        return Ok(p.as_str().to_owned());
    }
    IdNumber::parse(q, Date::today_china())
        .map(|id| id.as_str().to_owned())
        .map_err(|_| "请输入 11 位手机号或 18 位身份证号".to_owned())
}

/// The intake form of a call: the caller, then the case.
#[island]
fn HotlineForm(departments: Vec<(String, String)>) -> impl IntoView {
    let q = RwSignal::new(String::new());
    let q_error = RwSignal::new(None::<String>);
    let found = RwSignal::new(None::<Vec<PersonMatch>>);
    let searching = RwSignal::new(false);
    let chosen = RwSignal::new(None::<String>);
    let name = RwSignal::new(String::new());
    let phone = RwSignal::new(String::new());
    let kind = RwSignal::new(None::<CaseKind>);
    let description = RwSignal::new(String::new());
    let department = RwSignal::new(String::new());
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let message = RwSignal::new(None::<String>);
    let tried = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let created = RwSignal::new(None::<CaseDto>);
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));

    let search = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = match search_text(&q.get_untracked()) {
            Ok(t) => t,
            Err(e) => {
                q_error.set(Some(e));
                return;
            }
        };
        q_error.set(None);
        searching.set(true);
        spawn_local(async move {
            match Api::new().get::<Vec<PersonMatch>>(&paths::people(&text)).await {
                Ok(people) => {
                    // One match is the caller; none: type them in, with the number searched.
                    chosen.set((people.len() == 1).then(|| people[0].id.clone()));
                    if people.is_empty() && text.len() == 11 && phone.read_untracked().is_empty() {
                        phone.set(text);
                    }
                    found.set(Some(people));
                    errors.update(|e| e.retain(|x| !matches!(x.field.as_str(), "person" | "name" | "phone")));
                }
                Err(e) => q_error.set(Some(e.detail())),
            }
            searching.set(false);
        });
    };

    let field_error = move |key: &'static str| {
        Signal::derive(move || {
            errors
                .read()
                .iter()
                .find(|e| e.field == key)
                .map(|e| e.message.clone())
        })
    };

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        tried.set(true);
        message.set(None);
        let mut problems = Vec::new();
        let person = match chosen.get_untracked() {
            Some(id) => CasePerson {
                id: Some(id),
                ..CasePerson::default()
            },
            None => {
                let n = name.get_untracked().trim().to_owned();
                if n.is_empty() {
                    problems.push(FieldError::required("name", "请填写来电人姓名，或先查找来电人"));
                }
                let p = match Phone::parse(&phone.get_untracked()) {
                    Ok(p) => p.as_str().to_owned(),
                    Err(e) => {
                        problems.push(FieldError::new("phone", e.code, e.message));
                        String::new()
                    }
                };
                CasePerson {
                    id: None,
                    name: Some(n),
                    phone: Some(p),
                }
            }
        };
        problems.extend(check_case(kind.get_untracked(), &description.get_untracked()));
        if !problems.is_empty() {
            errors.set(problems);
            browser::focus(".hotline .error-summary");
            return;
        }
        errors.set(Vec::new());
        let req = NewCase {
            kind: kind
                .get_untracked()
                .map(|k| k.as_str().to_owned())
                .unwrap_or_default(),
            description: description.get_untracked().trim().to_owned(),
            department: Some(department.get_untracked()).filter(|d| !d.is_empty()),
            channel: Some(crate::api::Channel::Hotline12345.as_str().to_owned()),
            person: Some(person),
            ..NewCase::default()
        };
        busy.set(true);
        spawn_local(async move {
            match Api::new()
                .send::<_, CaseDto>(Method::Post, paths::CASES, &req)
                .await
            {
                Ok(c) => {
                    busy.set(false);
                    created.set(Some(c));
                    tried.set(false);
                    browser::focus(".hotline .receipt");
                }
                Err(e) => {
                    busy.set(false);
                    fail(e, errors, message);
                }
            }
        });
    };

    let matches = move || {
        found.get().map(|people| {
            if people.is_empty() {
                return view! {
                    <p class="hint not-found" role="status">"未找到注册用户。请在下面填写来电人姓名和联系电话。"</p>
                }
                .into_any();
            }
            let rows = people
                .into_iter()
                .map(|p| {
                    let rid = format!("f-person-{}", p.id);
                    let id = p.id.clone();
                    let checked = {
                        let id = id.clone();
                        move || chosen.get().as_deref() == Some(id.as_str())
                    };
                    view! {
                        <label class="radio person" for=rid.clone()>
                            <input type="radio" id=rid.clone() name="person" value=id.clone() prop:checked=checked
                                on:change=move |_| chosen.set(Some(id.clone()))/>
                            <span><strong>{p.name}</strong>" "<span class="muted">{p.phone}</span></span>
                        </label>
                    }
                })
                .collect_view();
            view! {
                <div class="radios" role="radiogroup" aria-labelledby="person-label">
                    <p class="label" id="person-label" role="status">"找到的来电人"</p>
                    {rows}
                    <label class="radio person" for="f-person-none">
                        <input type="radio" id="f-person-none" name="person" value="" prop:checked=move || chosen.get().is_none()
                            on:change=move |_| chosen.set(None)/>
                        <span>"不是以上人员，手动填写"</span>
                    </label>
                </div>
            }
            .into_any()
        })
    };

    let options = departments
        .into_iter()
        .map(|(code, name)| view! { <option value=code>{name}</option> })
        .collect_view();

    let receipt = move || {
        created.get().map(|c| {
            view! {
                <div class="receipt" role="status" tabindex="-1">
                    <h2>"已登记"</h2>
                    <p>"诉求编号（请告知来电人）"</p>
                    <p class="tracking-no" data-tracking=c.tracking_no.clone()>{c.tracking_no.clone()}</p>
                    <p class="muted">{format!("{} · {}", c.kind_label, c.status_label)}</p>
                    <p class="actions">
                        <a class="button secondary" href=format!("/cases/{}", c.id)>"查看诉求"</a>
                        <button class="button" type="button" on:click=move |_| browser::reload()>"登记下一件"</button>
                    </p>
                </div>
            }
        })
    };

    view! {
        <div class="hotline-form" data-hydrated=move || hydrated.get().to_string()>
            {receipt}
            <div hidden=move || created.get().is_some()>
                <form class="search caller-search" role="search" novalidate on:submit=search>
                    <Field id="caller-q" label="来电人手机号或身份证号".into_any() error=Signal::derive(move || q_error.get())
                        hint=Some("按回车查找已注册的群众".to_owned())
                        control=move |c: FieldControl| view! {
                            <div class="search-row">
                                <input id=c.id.clone() type="search" autocomplete="off" autofocus=true bind:value=q
                                    aria-invalid=c.aria_invalid() aria-describedby=c.aria_describedby()/>
                                <button class="button secondary" type="submit" disabled=move || searching.get()>"查找"</button>
                            </div>
                        }/>
                </form>
                {matches}
                <form class="form" novalidate on:submit=submit>
                    <ErrorSummary errors message tried/>
                    <div class="manual-person" hidden=move || chosen.get().is_some()>
                        <Field id="f-name" label="来电人姓名".into_any() error=field_error("name")
                            control=move |c: FieldControl| view! {
                                <input id=c.id.clone() type="text" autocomplete="off" bind:value=name
                                    aria-invalid=c.aria_invalid() aria-describedby=c.aria_describedby()/>
                            }/>
                        <Field id="f-phone" label="联系电话".into_any() error=field_error("phone")
                            control=move |c: FieldControl| view! {
                                <input id=c.id.clone() type="tel" inputmode="numeric" autocomplete="off" bind:value=phone
                                    aria-invalid=c.aria_invalid() aria-describedby=c.aria_describedby()/>
                            }/>
                    </div>
                    <KindChoice kind errors/>
                    <DescriptionField description errors/>
                    <Field id="f-department" label=view! { "承办部门"<span class="optional">"（选填）"</span> }.into_any()
                        hint=Some("不选择时由县政务服务中心派单".to_owned())
                        control=move |c: FieldControl| view! {
                            <select id=c.id.clone() bind:value=department aria-describedby=c.aria_describedby()>
                                <option value="">"由县政务服务中心派单"</option>
                                {options}
                            </select>
                        }/>
                    <button class="button wide" type="submit" disabled=move || busy.get()>
                        {move || if busy.get() { "正在登记…" } else { "登记诉求" }}
                    </button>
                </form>
            </div>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::search_text;

    #[test]
    fn searches_by_a_mobile_number_or_an_id_number_only() {
        assert_eq!(search_text(" 138 0013-8000 ").as_deref(), Ok("13800138000"));
        assert_eq!(
            search_text("11010519491231002x").as_deref(),
            Ok("11010519491231002X")
        );
        for wrong in ["", "1380013800", "110105194912310021", "张三"] {
            assert_eq!(
                search_text(wrong),
                Err("请输入 11 位手机号或 18 位身份证号".to_owned()),
                "{wrong}"
            );
        }
    }
}
