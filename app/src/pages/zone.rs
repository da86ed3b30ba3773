//! 企业专区 and 我的档案: acting for an enterprise, its dashboard (profile,
//! in-flight submissions, e-certificates, 免申即享 offers, agents), and a
//! person's own profile.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;

use crate::api::{
    ActingRequest, AddAgentRequest, AgentDto, CertificateDto, EnterpriseBrief, EnterpriseDto, FieldError, Me,
    OfferDto, Page, ProfileDto, PutFactRequest, RegisterEnterpriseRequest, Role, SubmissionSummary,
};
use crate::browser;
use crate::client::{Api, ApiError, Method};
use crate::components::form::{ErrorSummary, TextField};
use crate::components::labels::{fact_source_label, short_time, work_status_class};
use crate::components::page::{PageError, RequireLogin};
use crate::paths::{self, OfferDecision};

#[component]
pub fn EnterprisePage() -> impl IntoView {
    view! {
        <Title text="企业专区"/>
        <RequireLogin here="/enterprise" load=load_zone render=|z: Zone| match z {
            Zone::Choose(me, mine) => choose_view(me, mine).into_any(),
            Zone::Acting { enterprise, profile, offers, submissions } => {
                dashboard(enterprise, profile, offers, submissions).into_any()
            }
        }/>
    }
}

/// What 企业专区 shows: a choice of enterprise, or the one acted for.
enum Zone {
    Choose(Me, Vec<EnterpriseBrief>),
    Acting {
        enterprise: EnterpriseDto,
        profile: ProfileDto,
        offers: Vec<OfferDto>,
        submissions: Page<SubmissionSummary>,
    },
}

async fn load_zone(api: Api) -> Result<Zone, PageError> {
    let me = api.get::<Me>(paths::ME).await?;
    if !me.has(Role::Citizen) {
        return Err(PageError::NotFound);
    }
    let mine = api
        .get::<Vec<EnterpriseBrief>>(paths::ENTERPRISES)
        .await
        .unwrap_or_default();
    let Some(acting) = me.acting_for.clone() else {
        return Ok(Zone::Choose(me, mine));
    };
    Ok(Zone::Acting {
        enterprise: api.get(&paths::enterprise(&acting.id)).await?,
        profile: api.get(paths::PROFILE).await?,
        offers: api.get(paths::OFFERS).await?,
        submissions: api.get(&paths::submissions(10, None)).await?,
    })
}

/// Not acting for an enterprise: pick one, or register one.
fn choose_view(me: Me, mine: Vec<EnterpriseBrief>) -> impl IntoView {
    let list = mine
        .into_iter()
        .map(|e| {
            let role = if e.role == "admin" { "管理员" } else { "经办人" };
            let until = e.expires_on.clone().map(|d| format!("，授权至 {d}")).unwrap_or_default();
            view! {
                <li class="enterprise-row">
                    <span><strong>{e.name.clone()}</strong><span class="muted">{format!(" {} · {role}{until}", e.credit_code)}</span></span>
                    <ActAs enterprise=Some(e.id.clone()) label="以企业身份办事".to_owned()/>
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="panel">
            <p class="tag">"企业专区"</p>
            <h1>"为企业办事"</h1>
            <p class="muted">"开办、变更、注销等企业事项，须以企业身份办理。经企业管理员授权的经办人也可以代企业办理。"</p>
            <ul class="enterprise-list">{list}</ul>
        </section>
        <section class="panel">
            <h2>"登记我的企业"</h2>
            <p class="hint">"目前只支持法定代表人本人登记。登记后您是企业管理员，可以授权经办人。"</p>
            <RegisterEnterpriseForm representative=me.name.clone()/>
        </section>
    }
}

fn dashboard(
    e: EnterpriseDto,
    profile: ProfileDto,
    offers: Vec<OfferDto>,
    subs: Page<SubmissionSummary>,
) -> impl IntoView {
    let facts = profile
        .facts
        .iter()
        .map(|f| {
            view! { <div><dt>{f.label.clone()}</dt><dd data-fact=f.key.clone()>{f.display.clone()}<span class="source">{fact_source_label(&f.source)}</span></dd></div> }
        })
        .collect_view();
    let certificates = certificate_list(&profile.certificates);
    let offers_view = offer_list(offers);
    let in_flight = subs
        .items
        .into_iter()
        .map(|s| {
            let parts = s
                .work_items
                .iter()
                .map(|w| {
                    view! {
                        <li><span class=work_status_class(w.status)>{w.status.label()}</span>" "{w.item_name.clone()}<span class="muted">{format!(" · {}", w.department_name)}</span></li>
                    }
                })
                .collect_view();
            view! {
                <li class="zone-submission">
                    <a href=format!("/submissions/{}", s.id)><strong>{s.bundle_name.clone()}</strong></a>
                    <span class="muted">{format!(" {} · {}", s.tracking_no, s.status.label())}</span>
                    <ul class="zone-parts">{parts}</ul>
                </li>
            }
        })
        .collect_view();
    let is_admin = e.role == "admin";
    let agents = is_admin.then(|| {
        view! {
            <section class="panel" id="agents">
                <h2>"经办人"</h2>
                <AgentManager enterprise=e.id.clone() agents=e.agents.clone()/>
            </section>
        }
    });
    view! {
        <section class="panel zone-head">
            <div>
                <p class="tag">"企业专区 · 一企一档"</p>
                <h1>{e.name.clone()}</h1>
                <p class="muted">{format!("统一社会信用代码 {} · 法定代表人 {} · 成立于 {}", e.credit_code, e.legal_representative, e.established_on)}</p>
            </div>
            <div class="actions">
                <a class="button" href="/#enterprise-bundles">"办理企业事项"</a>
                <ActAs enterprise=None label="切换回个人身份".to_owned()/>
            </div>
        </section>
        <div class="zone-grid">
            <section class="panel">
                <h2>"免申即享"</h2>
                <p class="hint">"根据企业档案自动匹配的政策，确认后直接由部门办理，无需填表。"</p>
                {offers_view}
            </section>
            <section class="panel">
                <h2>"办理中的事项"</h2>
                <ul class="zone-submissions">{in_flight}</ul>
                <p><a href="/submissions">"全部办件"</a></p>
            </section>
            <section class="panel">
                <h2>"电子证照"</h2>
                {certificates}
            </section>
            <section class="panel">
                <h2>"企业档案"</h2>
                <p class="hint">"办事时已填写并经部门受理的信息，下次办事自动带出。"</p>
                <dl class="kv">{facts}</dl>
                <p><a href="/profile">"查看和修改档案"</a></p>
            </section>
        </div>
        {agents}
    }
}

fn certificate_list(certs: &[CertificateDto]) -> impl IntoView + use<> {
    if certs.is_empty() {
        return view! { <p class="muted">"暂无电子证照。办结相关事项后自动入库。"</p> }.into_any();
    }
    let rows = certs
        .iter()
        .map(|c| {
            let validity = c
                .valid_until
                .clone()
                .map_or_else(|| "长期有效".to_owned(), |u| format!("有效期至 {u}"));
            view! {
                <li class="certificate" class:invalid=!c.valid data-kind=c.kind.clone()>
                    <span class="cert-name">{c.name.clone()}</span>
                    <span class="cert-no">{c.number.clone()}</span>
                    <span class="muted">{format!("{} · {}", c.issued_by_name, validity)}</span>
                </li>
            }
        })
        .collect_view();
    view! { <ul class="certificates">{rows}</ul> }.into_any()
}

fn offer_list(offers: Vec<OfferDto>) -> impl IntoView {
    if offers.is_empty() {
        return view! { <p class="muted">"暂无匹配的政策。"</p> }.into_any();
    }
    let rows = offers
        .into_iter()
        .map(|o| {
            let decided = match o.status.as_str() {
                "confirmed" => Some(view! {
                    <p class="ok-box">"已确认，"{o.department_name.clone()}"正在办理。"
                        {o.submission_id.clone().map(|s| view! { <a href=format!("/submissions/{s}")>"查看进度"</a> })}
                    </p>
                }.into_any()),
                "declined" => Some(view! { <p class="muted">"已放弃"</p> }.into_any()),
                _ => None,
            };
            let offered = o.status == "offered";
            view! {
                <li class="offer" data-policy=o.policy.clone() data-status=o.status.clone()>
                    <p class="offer-name">{o.name.clone()}</p>
                    <p>{o.benefit.clone()}</p>
                    <p class="muted">{format!("办理部门：{}{}", o.department_name, if o.basis.is_empty() { String::new() } else { format!(" · 依据：{}", o.basis) })}</p>
                    {decided}
                    {offered.then(|| view! { <OfferActions id=o.id.clone()/> })}
                </li>
            }
        })
        .collect_view();
    view! { <ul class="offers">{rows}</ul> }.into_any()
}

/// Switch whom the person acts for, then reload.
#[island]
fn ActAs(enterprise: Option<String>, label: String) -> impl IntoView {
    let busy = RwSignal::new(false);
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let target = StoredValue::new(enterprise);
    let secondary = target.with_value(Option::is_none);
    view! {
        <button class=if secondary { "button secondary" } else { "button" } type="button" disabled=move || busy.get()
            data-hydrated=move || hydrated.get().to_string()
            on:click=move |_| {
                busy.set(true);
                let req = ActingRequest { enterprise: target.get_value() };
                spawn_local(async move {
                    let _ = Api::new().send::<_, Me>(Method::Post, paths::ACTING, &req).await;
                    browser::reload();
                });
            }>
            {label}
        </button>
    }
}

/// The legal representative registers their enterprise.
#[island]
fn RegisterEnterpriseForm(representative: String) -> impl IntoView {
    let credit_code = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let rep = RwSignal::new(representative);
    let rep_id = RwSignal::new(String::new());
    let established = RwSignal::new(String::new());
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let message = RwSignal::new(None::<String>);
    let tried = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let check_code = Callback::new(move |()| {
        let v = credit_code.get_untracked();
        errors.update(|all| {
            all.retain(|e| e.field != "credit_code");
            if !v.is_empty()
                && let Err(e) = crate::domain::CreditCode::parse(&v)
            {
                all.push(e.for_field("credit_code"));
            }
        });
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        tried.set(true);
        busy.set(true);
        let req = RegisterEnterpriseRequest {
            credit_code: credit_code.get_untracked(),
            name: name.get_untracked(),
            legal_representative: rep.get_untracked(),
            legal_representative_id_number: rep_id.get_untracked(),
            established_on: Some(established.get_untracked()).filter(|s| !s.is_empty()),
        };
        spawn_local(async move {
            match Api::new()
                .send::<_, EnterpriseDto>(Method::Post, paths::ENTERPRISES, &req)
                .await
            {
                Ok(e) => {
                    let _ = Api::new()
                        .send::<_, Me>(
                            Method::Post,
                            paths::ACTING,
                            &ActingRequest {
                                enterprise: Some(e.id),
                            },
                        )
                        .await;
                    browser::reload();
                }
                Err(ApiError::Api { fields, .. }) if !fields.is_empty() => {
                    busy.set(false);
                    errors.set(fields);
                    browser::focus(".error-summary");
                }
                Err(e) => {
                    busy.set(false);
                    message.set(Some(e.to_string()));
                }
            }
        });
    };
    view! {
        <form class="form" novalidate on:submit=submit data-hydrated=move || hydrated.get().to_string()>
            <ErrorSummary errors message=message tried=tried/>
            <TextField name="credit_code" label="统一社会信用代码" value=credit_code errors maxlength=18
                hint="营业执照上的 18 位代码" on_blur=check_code/>
            <TextField name="name" label="企业名称" value=name errors/>
            <TextField name="legal_representative" label="法定代表人" value=rep errors/>
            <TextField name="legal_representative_id_number" label="法定代表人身份证号" value=rep_id errors maxlength=18
                hint="须与您实名注册的身份证号一致"/>
            <TextField name="established_on" label="成立日期（选填）" value=established errors input_type="date"/>
            <button class="button wide" type="submit" disabled=move || busy.get()>"登记企业"</button>
        </form>
    }
}

/// The administrator's agents: list, authorise by phone with an expiry, revoke.
#[island]
fn AgentManager(enterprise: String, agents: Vec<AgentDto>) -> impl IntoView {
    let list = RwSignal::new(agents);
    let phone = RwSignal::new(String::new());
    let until = RwSignal::new(crate::domain::Date::today_china().add_days(365).to_string());
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let message = RwSignal::new(None::<String>);
    let tried = RwSignal::new(false);
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let enterprise = StoredValue::new(enterprise);
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        tried.set(true);
        let req = AddAgentRequest {
            phone: phone.get_untracked(),
            expires_on: until.get_untracked(),
        };
        spawn_local(async move {
            let path = paths::enterprise_agents(&enterprise.get_value());
            match Api::new()
                .send::<_, Vec<AgentDto>>(Method::Post, &path, &req)
                .await
            {
                Ok(a) => {
                    list.set(a);
                    phone.set(String::new());
                    errors.set(Vec::new());
                    tried.set(false);
                }
                Err(ApiError::Api { fields, .. }) if !fields.is_empty() => errors.set(fields),
                Err(e) => message.set(Some(e.to_string())),
            }
        });
    };
    let revoke = move |user: String| {
        spawn_local(async move {
            let path = paths::enterprise_agent(&enterprise.get_value(), &user);
            if let Ok(a) = Api::new()
                .send::<_, Vec<AgentDto>>(Method::Delete, &path, &())
                .await
            {
                list.set(a);
            }
        });
    };
    view! {
        <div data-hydrated=move || hydrated.get().to_string()>
            <ul class="agents">
                {move || list.get().into_iter().map(|a| {
                    let state = match a.state.as_str() { "active" => "有效", "expired" => "已过期", _ => "已撤销" };
                    let role = if a.role == "admin" { "管理员" } else { "经办人" };
                    let user = a.user_id.clone();
                    let can_revoke = a.role != "admin" && a.state == "active";
                    view! {
                        <li class="agent" data-state=a.state.clone()>
                            <span>{a.name.clone()}<span class="muted">{format!(" {} · {role} · {state}{}", a.phone_masked, a.expires_on.clone().map(|d| format!(" · 至 {d}")).unwrap_or_default())}</span></span>
                            {can_revoke.then(|| view! { <button class="link-button" type="button" on:click=move |_| revoke(user.clone())>"撤销授权"</button> })}
                        </li>
                    }
                }).collect_view()}
            </ul>
            <form class="form" novalidate on:submit=add>
                <ErrorSummary errors message=message tried=tried/>
                <TextField name="phone" label="经办人手机号" value=phone errors input_type="tel" inputmode="numeric" hint="对方须已在本平台实名注册"/>
                <TextField name="expires_on" label="授权截止日期" value=until errors input_type="date"/>
                <button class="button" type="submit">"授权经办人"</button>
            </form>
        </div>
    }
}

/// Confirm or decline a 免申即享 offer.
#[island]
fn OfferActions(id: String) -> impl IntoView {
    let busy = RwSignal::new(false);
    let message = RwSignal::new(None::<String>);
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let id = StoredValue::new(id);
    let decide = move |what: OfferDecision| {
        busy.set(true);
        spawn_local(async move {
            let path = paths::offer_decision(&id.get_value(), what);
            match Api::new().send::<_, OfferDto>(Method::Post, &path, &()).await {
                Ok(_) => browser::reload(),
                Err(e) => {
                    busy.set(false);
                    message.set(Some(e.to_string()));
                }
            }
        });
    };
    view! {
        <div class="actions" data-hydrated=move || hydrated.get().to_string()>
            <button class="button" type="button" disabled=move || busy.get() on:click=move |_| decide(OfferDecision::Confirm)>"确认享受"</button>
            <button class="button secondary" type="button" disabled=move || busy.get() on:click=move |_| decide(OfferDecision::Decline)>"不需要"</button>
            {move || message.get().map(|m| view! { <p class="error-box">{m}</p> })}
        </div>
    }
}

/// 我的档案: the current subject's profile, certificates and offers.
#[component]
pub fn ProfilePage() -> impl IntoView {
    view! {
        <Title text="我的档案"/>
        <RequireLogin here="/profile" load=load_profile
            render=|(me, p, offers): (Me, ProfileDto, Vec<OfferDto>)| profile_view(me, p, offers)/>
    }
}

async fn load_profile(api: Api) -> Result<(Me, ProfileDto, Vec<OfferDto>), PageError> {
    Ok((
        api.get::<Me>(paths::ME).await?,
        api.get::<ProfileDto>(paths::PROFILE).await?,
        api.get::<Vec<OfferDto>>(paths::OFFERS).await.unwrap_or_default(),
    ))
}

fn profile_view(me: Me, p: ProfileDto, offers: Vec<OfferDto>) -> impl IntoView {
    let whose = me.acting_for.as_ref().map_or_else(
        || format!("{} 的个人档案（一人一档）", me.name),
        |e| format!("{} 的企业档案（一企一档）", e.name),
    );
    let rows = p
        .facts
        .iter()
        .map(|f| {
            let value = f.value.as_str().map_or_else(|| f.value.to_string(), ToOwned::to_owned);
            view! {
                <li class="fact" data-fact=f.key.clone()>
                    <span class="fact-label">{f.label.clone()}</span>
                    <FactEditor key=f.key.clone() value=value display=f.display.clone()/>
                    <span class="muted">{format!("{} · {}", fact_source_label(&f.source), short_time(&f.updated_at))}</span>
                </li>
            }
        })
        .collect_view();
    let empty = p.facts.is_empty().then(|| view! { <p class="muted">"还没有档案信息。办事经部门受理后，填写过的信息会记在这里，下次办事自动带出。"</p> });
    view! {
        <section class="panel">
            <p class="tag">"我的档案"</p>
            <h1>{whose}</h1>
            <p class="hint">"信息加密保存，仅用于为您自动填表。如有变化可以直接修改。"</p>
            {empty}
            <ul class="facts-list">{rows}</ul>
        </section>
        <section class="panel"><h2>"电子证照"</h2>{certificate_list(&p.certificates)}</section>
        <section class="panel"><h2>"免申即享"</h2>{offer_list(offers)}</section>
    }
}

/// One fact with an edit box.
#[island]
fn FactEditor(key: String, value: String, display: String) -> impl IntoView {
    let editing = RwSignal::new(false);
    let text = RwSignal::new(value);
    let shown = RwSignal::new(display);
    let message = RwSignal::new(None::<String>);
    let key = StoredValue::new(key);
    let save = move |_| {
        let req = PutFactRequest {
            value: serde_json::Value::String(text.get_untracked()),
        };
        spawn_local(async move {
            let path = paths::profile_fact(&key.get_value());
            match Api::new().send::<_, ProfileDto>(Method::Put, &path, &req).await {
                Ok(p) => {
                    if let Some(f) = p.facts.into_iter().find(|f| f.key == key.get_value()) {
                        shown.set(f.display);
                    }
                    editing.set(false);
                    message.set(None);
                }
                Err(e) => message.set(Some(
                    e.field("value").map_or_else(|| e.to_string(), ToOwned::to_owned),
                )),
            }
        });
    };
    view! {
        <span class="fact-value">
            <Show when=move || editing.get() fallback=move || view! {
                <span>{move || shown.get()}</span>
                <button class="link-button" type="button" on:click=move |_| editing.set(true)>"修改"</button>
            }>
                <input type="text" bind:value=text/>
                <button class="button" type="button" on:click=save>"保存"</button>
            </Show>
            {move || message.get().map(|m| view! { <span class="field-error">{m}</span> })}
        </span>
    }
}
