//! Form building blocks (used inside islands): a labelled field with its
//! hint and error, and the GOV.UK-style error summary.

use leptos::prelude::*;

use crate::api::FieldError;

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
    let id = format!("f-{name}");
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let error = move || {
        errors
            .read()
            .iter()
            .find(|e| e.field == name)
            .map(|e| e.message.clone())
    };
    let described = {
        let (hint_id, error_id) = (hint_id.clone(), error_id.clone());
        move || {
            let mut ids = Vec::new();
            if hint.is_some() {
                ids.push(hint_id.clone());
            }
            if error().is_some() {
                ids.push(error_id.clone());
            }
            ids.join(" ")
        }
    };
    view! {
        <div class="field" class:has-error=move || error().is_some()>
            <label for=id.clone()>{label}</label>
            {hint.map(|h| view! { <p class="hint" id=hint_id.clone()>{h}</p> })}
            {move || error().map(|e| view! { <p class="field-error" id=error_id.clone()>{e}</p> })}
            <input
                id=id.clone()
                name=name
                type=input_type
                autocomplete=autocomplete
                inputmode=inputmode
                maxlength=maxlength
                aria-invalid=move || error().is_some().to_string()
                aria-describedby=described
                bind:value=value
                on:blur=move |_| {
                    if let Some(cb) = on_blur {
                        cb.run(());
                    }
                }
            />
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

/// The list of problems at the top of a form, each linking to its field.
/// It appears once the form was submitted (`tried`); before that, problems
/// show only next to their fields.
#[component]
pub fn ErrorSummary(
    errors: RwSignal<Vec<FieldError>>,
    #[prop(into)] message: Signal<Option<String>>,
    #[prop(into)] tried: Signal<bool>,
) -> impl IntoView {
    let shown = move || tried.get() && (!errors.read().is_empty() || message.read().is_some());
    view! {
        <Show when=shown>
            <div class="error-summary" role="alert" tabindex="-1">
                <h2>"请修改以下内容"</h2>
                {move || message.get().map(|m| view! { <p>{m}</p> })}
                <ul>
                    {move || {
                        errors
                            .get()
                            .into_iter()
                            .map(|e| view! { <li><a href=format!("#f-{}", e.field)>{e.message}</a></li> })
                            .collect_view()
                    }}
                </ul>
            </div>
        </Show>
    }
}
