//! Form building blocks (used inside islands), GOV.UK-style.
//!
//! [`Field`] is the one field renderer: label, hint, the "used by" line, the
//! error, then the control, with `aria-describedby` pointing at whichever of
//! hint, line and error are present and `aria-invalid` following the error.
//! [`TextField`] (a text input bound to a string) and [`AnswerField`] (an
//! answer of a merged form, its control chosen by the field's kind) are the
//! two ways pages use it; [`ErrorSummary`] (or, for other error shapes,
//! [`ErrorSummaryBox`]) lists the problems on top.

use leptos::prelude::*;
use serde_json::Value;

use crate::api::{FieldError, FormField};
use crate::catalog::{FieldKind, MaterialAnswer, commitment_text};
use crate::components::labels::prefill_chip_label;
use crate::components::upload::{FilePicker, KnownUploads};

/// What a field's control must point at and reflect.
#[derive(Clone, Debug)]
pub struct FieldControl {
    /// The control's id (the label's `for`, the error summary's link).
    pub id: String,
    described_by: Signal<Option<String>>,
    invalid: Signal<bool>,
}

impl FieldControl {
    /// The value of `aria-describedby` (absent when there is nothing to point at).
    pub fn aria_describedby(&self) -> impl Fn() -> Option<String> + Copy + Send + Sync + 'static + use<> {
        let d = self.described_by;
        move || d.get()
    }

    /// The value of `aria-invalid`.
    pub fn aria_invalid(&self) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static + use<> {
        let i = self.invalid;
        move || if i.get() { "true" } else { "false" }
    }
}

/// One field: label, hint, "used by" line, error, then the control that
/// `control` renders. Hint, line and error get the ids `{id}-hint`,
/// `{id}-used-by` and `{id}-error`.
#[component]
pub fn Field<C, V>(
    /// The control's id.
    #[prop(into)]
    id: String,
    /// The label's content.
    label: AnyView,
    /// The message of the field's current error (none: it has no checks).
    #[prop(optional, into)]
    error: Signal<Option<String>>,
    /// Renders the control.
    control: C,
    #[prop(optional_no_strip)] hint: Option<String>,
    /// Which items use the answer (merged forms), already worded.
    #[prop(optional_no_strip)]
    used_by: Option<String>,
    /// The answer's key, as `data-field` (how scripts find a field).
    #[prop(optional_no_strip)]
    key: Option<String>,
    /// A group of choices (radios): the label is then a `<p id="{id}-label">`
    /// that the group names itself by, since a `<label>` names one control.
    #[prop(optional)]
    group: bool,
) -> impl IntoView
where
    C: FnOnce(FieldControl) -> V,
    V: IntoView + 'static,
{
    let hint_id = format!("{id}-hint");
    let used_by_id = format!("{id}-used-by");
    let error_id = format!("{id}-error");
    let invalid = Signal::derive(move || error.with(Option::is_some));
    let described_by = {
        let always: Vec<String> = [
            hint.as_ref().map(|_| hint_id.clone()),
            used_by.as_ref().map(|_| used_by_id.clone()),
        ]
        .into_iter()
        .flatten()
        .collect();
        let error_id = error_id.clone();
        Signal::derive(move || {
            let mut ids = always.clone();
            if invalid.get() {
                ids.push(error_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        })
    };
    let label = if group {
        view! { <p class="label" id=format!("{id}-label")>{label}</p> }.into_any()
    } else {
        view! { <label class="label" for=id.clone()>{label}</label> }.into_any()
    };
    let control = control(FieldControl {
        id,
        described_by,
        invalid,
    });
    view! {
        <div class="field" class:has-error=move || invalid.get() data-field=key>
            {label}
            {hint.map(|h| view! { <p class="hint" id=hint_id>{h}</p> })}
            {used_by.map(|u| view! { <p class="used-by" id=used_by_id>{u}</p> })}
            {move || error.get().map(|e| view! { <p class="field-error" id=error_id.clone()>{e}</p> })}
            {control}
        </div>
    }
}

/// A labelled text input bound to `value`, with an optional hint and the
/// error for `name` from `errors`.
#[component]
pub fn TextField(
    name: &'static str,
    label: &'static str,
    value: RwSignal<String>,
    errors: RwSignal<Vec<FieldError>>,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(default = "text")] input_type: &'static str,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] inputmode: Option<&'static str>,
    #[prop(optional)] maxlength: Option<u32>,
    /// Validates the value when the field loses focus.
    #[prop(optional, into)]
    on_blur: Option<Callback<()>>,
) -> impl IntoView {
    let error = Signal::derive(move || {
        errors
            .read()
            .iter()
            .find(|e| e.field == name)
            .map(|e| e.message.clone())
    });
    view! {
        <Field id=format!("f-{name}") label=label.into_any() error hint=hint.map(str::to_owned)
            key=Some(name.to_owned())
            control=move |c: FieldControl| view! {
                <input
                    id=c.id.clone()
                    name=name
                    type=input_type
                    autocomplete=autocomplete
                    inputmode=inputmode
                    maxlength=maxlength
                    aria-invalid=c.aria_invalid()
                    aria-describedby=c.aria_describedby()
                    bind:value=value
                    on:blur=move |_| {
                        if let Some(cb) = on_blur {
                            cb.run(());
                        }
                    }
                />
            }/>
    }
}

/// One answer of a merged form (the wizard, 补正), its control chosen by
/// the field's kind: text-like inputs, a textarea, radios for `enum`, a
/// checkbox for `boolean`, for a `material` the file picker (and, where the
/// items accept a promise, the choice to promise it under 告知承诺), and a
/// note instead of a choice for a material held as an e-certificate.
#[component]
pub fn AnswerField(
    field: FormField,
    /// The current answer.
    #[prop(into)]
    value: Signal<Option<Value>>,
    /// The message of the answer's current error.
    #[prop(into)]
    error: Signal<Option<String>>,
    /// A new answer was typed or chosen.
    on_input: Callback<Value>,
    /// The control lost focus (after a choice: right after `on_input`).
    on_blur: Callback<()>,
    /// Where a prefilled answer came from (`FormDto::prefill_sources`).
    #[prop(optional_no_strip)]
    prefilled: Option<String>,
    /// Names of the chosen items that use the answer; listed when more than one.
    #[prop(optional)]
    used_by: Vec<String>,
    /// What the page knows of uploads, for a material's files (none: only
    /// what is uploaded here).
    #[prop(optional)]
    known: Option<KnownUploads>,
) -> impl IntoView {
    let id = format!("f-{}", field.key);
    let label = view! {
        <span class="label-text">{field.label.clone()}</span>
        {(!field.required).then(|| view! { <span class="optional">"（选填）"</span> })}
        {prefilled.map(|source| {
            let text = prefill_chip_label(&source);
            view! { <span class="chip prefilled" data-source=source>{text}</span> }
        })}
    }
    .into_any();
    let hint = (!field.help.is_empty()).then(|| field.help.clone());
    let used_by = (used_by.len() > 1).then(|| format!("用于：{}", used_by.join("、")));
    let group = matches!(field.kind, FieldKind::Enum | FieldKind::Material);
    let key = Some(field.key.clone());
    let text = move || {
        value.with(|v| match v {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => String::new(),
        })
    };
    let control = move |c: FieldControl| match (field.kind, field.certificate.clone()) {
        // A material the subject holds as an e-certificate: nothing to provide.
        (FieldKind::Material, Some(cert)) => {
            let validity = cert
                .valid_until
                .map_or_else(|| "长期有效".to_owned(), |u| format!("有效期至 {u}"));
            view! {
                <div class="certificate-note" data-certificate=cert.number.clone()>
                    <strong>{MaterialAnswer::Certificate.choice()}</strong>
                    <span>{format!("{} · 编号 {} · {validity}", cert.name, cert.number)}</span>
                </div>
            }
            .into_any()
        }
        (FieldKind::Material, None) => {
            let known = known.unwrap_or_else(|| RwSignal::new(Default::default()));
            view! { <MaterialControl field c value on_input on_blur known/> }.into_any()
        }
        (FieldKind::Enum, _) => {
            let radios = field
                .options
                .unwrap_or_default()
                .into_iter()
                .map(|o| {
                    let checked = {
                        let v = o.value.clone();
                        move || value.with(|x| x.as_ref().and_then(Value::as_str) == Some(v.as_str()))
                    };
                    let rid = format!("{}-{}", c.id, o.value);
                    let chosen = o.value.clone();
                    view! {
                        <label class="radio" for=rid.clone()>
                            <input type="radio" id=rid.clone() name=c.id.clone() value=o.value prop:checked=checked
                                on:change=move |_| {
                                    on_input.run(Value::String(chosen.clone()));
                                    on_blur.run(());
                                }/>
                            <span>{o.label}</span>
                        </label>
                    }
                })
                .collect_view();
            view! {
                <div class="radios" role="radiogroup" aria-labelledby=format!("{}-label", c.id)
                    aria-describedby=c.aria_describedby() aria-invalid=c.aria_invalid()>
                    {radios}
                </div>
            }
            .into_any()
        }
        (FieldKind::Boolean, _) => {
            let checked = move || value.with(|v| v.as_ref().and_then(Value::as_bool).unwrap_or(false));
            view! {
                <label class="checkbox" for=c.id.clone()>
                    <input type="checkbox" id=c.id.clone() prop:checked=checked
                        aria-invalid=c.aria_invalid() aria-describedby=c.aria_describedby()
                        on:change=move |ev| {
                            on_input.run(Value::Bool(event_target_checked(&ev)));
                            on_blur.run(());
                        }/>
                    <span>"我确认"</span>
                </label>
            }
            .into_any()
        }
        (FieldKind::Textarea, _) => view! {
            <textarea id=c.id.clone() rows="4" prop:value=text
                aria-invalid=c.aria_invalid() aria-describedby=c.aria_describedby()
                on:input=move |ev| on_input.run(Value::String(event_target_value(&ev)))
                on:blur=move |_| on_blur.run(())></textarea>
        }
        .into_any(),
        (kind, _) => {
            let (input_type, mode, auto) = match kind {
                FieldKind::Date => ("date", None, None),
                FieldKind::Phone => ("tel", Some("numeric"), Some("tel")),
                FieldKind::Number => ("text", Some("decimal"), None),
                FieldKind::IdNumber => ("text", None, Some("off")),
                _ => ("text", None, None),
            };
            view! {
                <input id=c.id.clone() type=input_type inputmode=mode autocomplete=auto prop:value=text
                    aria-invalid=c.aria_invalid() aria-describedby=c.aria_describedby()
                    on:input=move |ev| on_input.run(Value::String(event_target_value(&ev)))
                    on:blur=move |_| on_blur.run(())/>
            }
            .into_any()
        }
    };
    view! {
        <Field id label error hint used_by key group control/>
    }
}

/// The control of a material: its files and the picker, and where the
/// chosen items accept a promise (容缺受理), the choice "暂缺，承诺…" which,
/// ticked, answers `commit`, hides the picker and shows the 告知承诺书.
/// Files chosen before a promise come back when it is unticked.
#[component]
fn MaterialControl(
    field: FormField,
    c: FieldControl,
    value: Signal<Option<Value>>,
    on_input: Callback<Value>,
    on_blur: Callback<()>,
    known: KnownUploads,
) -> impl IntoView {
    let files =
        Signal::derive(move || value.with(|v| v.as_ref().map(MaterialAnswer::files).unwrap_or_default()));
    let committed = Signal::derive(move || {
        value.with(|v| v.as_ref().and_then(MaterialAnswer::of) == Some(MaterialAnswer::Commit))
    });
    let files_answer = |ids: &[String]| {
        if ids.is_empty() {
            Value::Null
        } else {
            MaterialAnswer::files_value(ids)
        }
    };
    let on_change = Callback::new(move |ids: Vec<String>| {
        on_input.run(files_answer(&ids));
        on_blur.run(());
    });
    let set_aside = StoredValue::new(Vec::<String>::new());
    let label_id = format!("{}-label", c.id);
    let promise = field.commit_days.map(|days| {
        let cid = format!("{}-commit", c.id);
        let text = commitment_text(&field.label, days);
        view! {
            <label class="checkbox commit-choice" for=cid.clone()>
                <input type="checkbox" id=cid.clone() value="commit" prop:checked=committed
                    on:change=move |ev| {
                        if event_target_checked(&ev) {
                            set_aside.set_value(files.get_untracked());
                            on_input.run(Value::from(MaterialAnswer::Commit.as_str()));
                        } else {
                            on_input.run(files_answer(&set_aside.get_value()));
                        }
                        on_blur.run(());
                    }/>
                <span>{format!("暂缺，承诺在 {days} 个工作日内补交（容缺受理）")}</span>
            </label>
            <div class="commitment-text" hidden=move || !committed.get()>
                <p class="commitment-title">"告知承诺书"</p>
                <p>{text}</p>
                <p class="hint">"提交申请前，请在“核对并提交”页确认同意。"</p>
            </div>
        }
    });
    view! {
        <div class="material" role="group" aria-labelledby=label_id.clone()>
            <div class="material-files" hidden=move || committed.get()>
                <FilePicker id=c.id.clone() labelled_by=label_id.clone() described_by=Signal::derive(c.aria_describedby())
                    invalid=c.invalid files known on_change/>
            </div>
            {promise}
        </div>
    }
}

/// Replaces the errors of `field` with `new` (empty clears them).
pub fn set_field_errors(errors: RwSignal<Vec<FieldError>>, field: &str, new: Vec<FieldError>) {
    errors.update(|all| {
        all.retain(|e| e.field != field);
        all.extend(new.into_iter().filter(|e| e.field == field));
    });
}

/// The list of problems at the top of a form, each linking to its field
/// (`#f-<field>`), with an optional message above them.
#[component]
pub fn ErrorSummaryBox(
    /// (field key, message) of each problem.
    #[prop(into)]
    problems: Signal<Vec<(String, String)>>,
    #[prop(into)] message: Signal<Option<String>>,
    /// Whether it is shown at all.
    #[prop(into)]
    shown: Signal<bool>,
) -> impl IntoView {
    view! {
        <Show when=move || shown.get()>
            <div class="error-summary" role="alert" tabindex="-1">
                <h2>"请修改以下内容"</h2>
                {move || message.get().map(|m| view! { <p>{m}</p> })}
                <ul>
                    {move || {
                        problems
                            .get()
                            .into_iter()
                            .map(|(field, m)| view! { <li><a href=format!("#f-{field}")>{m}</a></li> })
                            .collect_view()
                    }}
                </ul>
            </div>
        </Show>
    }
}

/// The error summary of a form whose errors are [`FieldError`]s: it
/// appears once the form was submitted (`tried`); before that, problems
/// show only next to their fields.
#[component]
pub fn ErrorSummary(
    errors: RwSignal<Vec<FieldError>>,
    #[prop(into)] message: Signal<Option<String>>,
    #[prop(into)] tried: Signal<bool>,
) -> impl IntoView {
    let problems = Signal::derive(move || {
        errors
            .get()
            .into_iter()
            .map(|e| (e.field, e.message))
            .collect::<Vec<_>>()
    });
    let shown =
        Signal::derive(move || tried.get() && (!errors.read().is_empty() || message.read().is_some()));
    view! { <ErrorSummaryBox problems message shown/> }
}
