//! The wizard's state and its transitions, as plain data: no signals, no
//! browser. The island holds one signal of [`WizardState`], calls one
//! method per event, and carries out what the method answers ([`Next`]):
//! fetch a form, send the submission, record a screen in the history.
//! So every rule of the wizard — which screen comes first, whose copy of
//! the answers wins, when a step may be left, which uploaded files still
//! count, when the 告知承诺书 must be agreed to — is tested here.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::api::{Draft, FieldError, FormDto, FormField, FormItem, SubmitRequest, UploadDto};
use crate::catalog::values::{check, is_empty};
use crate::catalog::{FieldKind, MaterialAnswer};
use crate::client::ApiError;
use crate::domain::Date;

/// The first screen when the bundle has optional items: choosing them.
pub const ITEMS: &str = "items";
/// The last screen: check the answers and submit.
pub const REVIEW: &str = "review";
/// The key of the agreement to the 告知承诺书 (its checkbox is
/// `#f-commitment_agreed`; the server names its error so too).
pub const COMMITMENT_AGREED: &str = "commitment_agreed";
/// Shown at a material whose files the server no longer has.
pub const UPLOAD_EXPIRED: &str = "文件已失效，请重新上传";
/// Shown when promised materials are filed without the agreement.
pub const AGREE_FIRST: &str = "请阅读告知承诺书，并勾选“我已阅读并同意上述告知承诺书”";

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
    /// The uploads the server still holds for the draft's files (none: not
    /// looked up, e.g. the draft has no files).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uploads: Option<Vec<UploadDto>>,
}

impl WizardInit {
    /// Where the browser keeps this person's copy of this bundle's answers.
    pub fn storage_key(&self) -> String {
        format!("onething:draft:{}:{}", self.user, self.bundle)
    }
}

/// What the browser keeps between reloads.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LocalCopy {
    pub items: Vec<String>,
    pub data: Map<String, Value>,
    pub step: Option<String>,
    /// Milliseconds since 1970, to pick the newer of this and the server's.
    pub saved_at: f64,
    /// Reused when a submit is retried, so it is filed once.
    pub idempotency_key: String,
}

/// Where the server copy of the draft stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SaveState {
    Idle,
    Saving,
    Saved,
    /// Kept in this browser only (offline or the server refused).
    LocalOnly,
}

/// The merged form to fetch for a choice of items, and the screen to show
/// once it is there (none: its first step).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormRequest {
    pub items: Vec<String>,
    pub then: Option<String>,
}

/// What the island does after a transition, besides re-rendering.
#[derive(Clone, Debug, PartialEq)]
pub enum Next {
    /// Nothing more.
    Stay,
    /// The step has errors: move focus to the error summary.
    ShowErrors,
    /// Another screen is shown: add it to the history and scroll up.
    Moved(String),
    /// Fetch a merged form, then call [`WizardState::form_loaded`].
    LoadForm(FormRequest),
    /// File the application, then on failure call [`WizardState::submit_failed`].
    Submit(SubmitRequest),
}

/// The wizard: the choice of items, the form, the answers and where the
/// applicant is.
#[derive(Clone, Debug, PartialEq)]
pub struct WizardState {
    pub bundle: String,
    /// Every item of the bundle.
    pub all_items: Vec<FormItem>,
    /// The chosen item codes.
    pub items: Vec<String>,
    /// The merged form for the chosen items, once known.
    pub form: Option<FormDto>,
    /// Answers by field key.
    pub data: Map<String, Value>,
    /// Field key → where its prefilled value came from.
    pub prefilled: BTreeMap<String, String>,
    /// The screen shown: [`ITEMS`], a step key, or [`REVIEW`].
    pub screen: String,
    /// Field key → error message.
    pub errors: BTreeMap<String, String>,
    /// Whether the error summary is shown.
    pub summary: bool,
    /// A problem that is not one field's (network, server).
    pub message: Option<String>,
    /// A form is loading or the application is being filed.
    pub busy: bool,
    pub save: SaveState,
    pub idempotency_key: String,
    /// The applicant ticked the 告知承诺书 of every promised material.
    pub commitment_agreed: bool,
}

impl WizardState {
    /// The state the server renders: the draft's choice and answers (or
    /// the required items), prefilled answers, and the first screen.
    pub fn new(init: WizardInit) -> Self {
        let WizardInit {
            bundle,
            items: all_items,
            form,
            draft,
            screen,
            uploads,
            ..
        } = init;
        let items = draft
            .as_ref()
            .map(|d| d.items.clone())
            .filter(|i| !i.is_empty())
            .unwrap_or_else(|| {
                all_items
                    .iter()
                    .filter(|i| i.selected)
                    .map(|i| i.code.clone())
                    .collect()
            });
        let mut data = draft.as_ref().map(|d| d.data.clone()).unwrap_or_default();
        let mut prefilled = BTreeMap::new();
        if let Some(f) = &form {
            apply_prefill(f, &mut data, &mut prefilled);
        }
        let has_optional = all_items.iter().any(|i| i.optional);
        let wanted = screen.or_else(|| draft.as_ref().and_then(|d| d.step.clone()));
        let screen = first_screen(form.as_ref(), wanted, has_optional, draft.is_some());
        let mut s = Self {
            bundle,
            all_items,
            items,
            form,
            data,
            prefilled,
            screen,
            errors: BTreeMap::new(),
            summary: false,
            message: None,
            busy: false,
            save: SaveState::Idle,
            idempotency_key: String::new(),
            commitment_agreed: false,
        };
        if let Some(listed) = uploads {
            s.uploads_listed(&listed);
        }
        s
    }

    pub fn has_optional(&self) -> bool {
        self.all_items.iter().any(|i| i.optional)
    }

    /// The screens in order: (key, title).
    pub fn screens(&self) -> Vec<(String, String)> {
        let mut s = Vec::new();
        if self.has_optional() {
            s.push((ITEMS.to_owned(), "选择要办理的事项".to_owned()));
        }
        if let Some(f) = &self.form {
            s.extend(f.steps.iter().map(|st| (st.key.clone(), st.title.clone())));
            s.push((REVIEW.to_owned(), "核对并提交".to_owned()));
        }
        s
    }

    /// The index of the current screen in [`Self::screens`].
    pub fn position(&self) -> usize {
        self.screens()
            .iter()
            .position(|(k, _)| *k == self.screen)
            .unwrap_or(0)
    }

    pub fn is_screen(&self, key: &str) -> bool {
        self.screens().iter().any(|(k, _)| k == key)
    }

    /// The screen before this one, if any (the "上一步" link).
    pub fn previous_screen(&self) -> Option<String> {
        let p = self.position();
        (p > 0)
            .then(|| self.screens().get(p - 1).map(|(k, _)| k.clone()))
            .flatten()
    }

    fn next_screen(&self) -> Option<String> {
        self.screens().get(self.position() + 1).map(|(k, _)| k.clone())
    }

    /// The fields of step `key` (none for [`ITEMS`] and [`REVIEW`]).
    pub fn step_fields(&self, key: &str) -> Vec<FormField> {
        self.form
            .as_ref()
            .and_then(|f| f.steps.iter().find(|s| s.key == key))
            .map(|s| s.fields.clone())
            .unwrap_or_default()
    }

    /// Shows screen `to`, with a clean error summary.
    pub fn go(&mut self, to: String) {
        self.summary = false;
        self.message = None;
        self.screen = to;
    }

    /// "上一步": back one screen.
    pub fn go_back(&mut self) -> Next {
        match self.previous_screen() {
            Some(prev) => {
                self.go(prev.clone());
                Next::Moved(prev)
            }
            None => Next::Stay,
        }
    }

    /// The browser moved through the history to `?step=` `url_step`.
    pub fn follow_history(&mut self, url_step: Option<String>) {
        if let Some(s) = url_step.filter(|s| self.is_screen(s)) {
            self.summary = false;
            self.screen = s;
        }
    }

    /// Once running in the browser: adopt the local copy if it is newer
    /// than the server's draft (saved at `server_at`), and a fresh
    /// idempotency key unless the local copy has one. Answers a form to
    /// fetch when the local copy chose other items.
    pub fn reconcile(
        &mut self,
        local: Option<LocalCopy>,
        server_at: f64,
        url_step: Option<String>,
        fresh_key: String,
    ) -> Next {
        if self.idempotency_key.is_empty() {
            self.idempotency_key = fresh_key;
        }
        let Some(local) = local.filter(|l| l.saved_at > server_at) else {
            return Next::Stay;
        };
        if !local.idempotency_key.is_empty() {
            self.idempotency_key = local.idempotency_key;
        }
        let same_items = {
            let (mut a, mut b) = (local.items.clone(), self.items.clone());
            a.sort();
            b.sort();
            a == b
        };
        self.data = local.data;
        self.items = local.items;
        let step = url_step.or(local.step);
        if !same_items && !self.items.is_empty() {
            return Next::LoadForm(self.request_form(self.items.clone(), step));
        }
        if let Some(s) = step.filter(|s| self.is_screen(s)) {
            self.screen = s;
        }
        Next::Stay
    }

    fn request_form(&mut self, items: Vec<String>, then: Option<String>) -> FormRequest {
        self.busy = true;
        FormRequest { items, then }
    }

    /// The form asked for arrived: prefill what is empty, then show `then`
    /// or its first step.
    pub fn form_loaded(&mut self, form: FormDto, then: Option<String>) -> Next {
        apply_prefill(&form, &mut self.data, &mut self.prefilled);
        let first = form.steps.first().map(|s| s.key.clone());
        self.form = Some(form);
        self.busy = false;
        match then.or(first) {
            Some(to) => {
                self.go(to.clone());
                Next::Moved(to)
            }
            None => Next::Stay,
        }
    }

    /// The form could not be fetched.
    pub fn form_failed(&mut self, message: String) {
        self.busy = false;
        self.message = Some(message);
        self.summary = true;
    }

    /// An optional item was ticked (`on`) or unticked.
    pub fn choose_item(&mut self, code: &str, on: bool) {
        self.items.retain(|c| c != code);
        if on {
            self.items.push(code.to_owned());
        }
    }

    fn field(&self, key: &str) -> Option<&FormField> {
        self.form.as_ref().and_then(|f| f.field(key))
    }

    fn check_field(&self, f: &FormField, today: Date) -> Option<String> {
        check(f, self.data.get(&f.key), today).err().map(|e| e.message)
    }

    fn set_error(&mut self, key: &str, e: Option<String>) {
        match e {
            Some(m) => self.errors.insert(key.to_owned(), m),
            None => self.errors.remove(key),
        };
    }

    /// A new answer: an error shown for it goes as soon as it is right (so
    /// the page does not jump under the finger), but a new error waits
    /// until the field is left. Promising another material (or no longer
    /// promising one) asks for the agreement to the 告知承诺书 again.
    pub fn answer(&mut self, key: &str, value: Value, today: Date) {
        let promised = self.promised_keys();
        self.data.insert(key.to_owned(), value);
        if self.promised_keys() != promised {
            self.commitment_agreed = false;
        }
        if self.errors.contains_key(key)
            && let Some(f) = self.field(key).cloned()
            && self.check_field(&f, today).is_none()
        {
            self.errors.remove(key);
        }
    }

    /// A field was left: check it (a blank one only once it shows an error).
    pub fn leave(&mut self, key: &str, today: Date) {
        let Some(f) = self.field(key).cloned() else { return };
        let blank = is_empty(self.data.get(key));
        if !blank || self.errors.contains_key(key) {
            let e = self.check_field(&f, today);
            self.set_error(key, e);
        }
    }

    /// "继续": on [`ITEMS`], fetch the form for the choice; on a step, check
    /// its fields and move on — back to [`REVIEW`] when a "修改" link
    /// brought the applicant here (`from_review`).
    pub fn continue_from(&mut self, today: Date, from_review: bool) -> Next {
        if self.screen == ITEMS {
            if self.items.is_empty() {
                self.message = Some("请至少选择一个要办理的事项".into());
                self.summary = true;
                return Next::Stay;
            }
            return Next::LoadForm(self.request_form(self.items.clone(), None));
        }
        let mut any = false;
        for f in self.step_fields(&self.screen) {
            let e = self.check_field(&f, today);
            any |= e.is_some();
            self.set_error(&f.key, e);
        }
        if any {
            self.summary = true;
            return Next::ShowErrors;
        }
        let to = if from_review {
            Some(REVIEW.to_owned())
        } else {
            self.next_screen()
        };
        match to {
            Some(to) => {
                self.go(to.clone());
                Next::Moved(to)
            }
            None => Next::Stay,
        }
    }

    /// "提交申请": check every answer (showing the step of the first
    /// problem), then file only the answers this form asks — answers for
    /// items no longer chosen stay in the draft but are not filed.
    pub fn submit(&mut self, today: Date) -> Next {
        let Some(f) = self.form.clone() else {
            return Next::Stay;
        };
        let mut problems: BTreeMap<String, String> = f
            .fields()
            .filter_map(|field| self.check_field(field, today).map(|e| (field.key.clone(), e)))
            .collect();
        let unagreed = self.needs_commitment() && !self.commitment_agreed;
        if unagreed {
            problems.insert(COMMITMENT_AGREED.to_owned(), AGREE_FIRST.to_owned());
        }
        if problems.len() > usize::from(unagreed) {
            self.errors = problems;
            return self.show_first_error(false);
        }
        if unagreed {
            // Only the agreement is missing: stay here and say so.
            self.errors = problems;
            self.summary = true;
            return Next::ShowErrors;
        }
        let data: Map<String, Value> = self
            .data
            .iter()
            .filter(|(k, v)| f.field(k).is_some() && !is_empty(Some(v)))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        self.busy = true;
        self.message = None;
        Next::Submit(SubmitRequest {
            bundle: self.bundle.clone(),
            items: Some(f.selected_items()),
            data,
            idempotency_key: Some(self.idempotency_key.clone()),
            commitment_agreed: self.commitment_agreed && self.needs_commitment(),
        })
    }

    /// The materials of this form answered "promised" (容缺受理), in form order.
    pub fn promised(&self) -> Vec<FormField> {
        self.form
            .iter()
            .flat_map(FormDto::fields)
            .filter(|f| f.kind == FieldKind::Material && f.commit_days.is_some())
            .filter(|f| self.data.get(&f.key).and_then(MaterialAnswer::of) == Some(MaterialAnswer::Commit))
            .cloned()
            .collect()
    }

    fn promised_keys(&self) -> Vec<String> {
        self.promised().into_iter().map(|f| f.key).collect()
    }

    /// Whether filing needs the agreement to the 告知承诺书.
    pub fn needs_commitment(&self) -> bool {
        !self.promised().is_empty()
    }

    /// The box "我已阅读并同意上述告知承诺书" was ticked (`on`) or unticked.
    pub fn agree(&mut self, on: bool) {
        self.commitment_agreed = on;
        if on {
            self.errors.remove(COMMITMENT_AGREED);
        }
    }

    /// The upload ids the answers refer to.
    pub fn upload_ids(&self) -> Vec<String> {
        self.data.values().flat_map(MaterialAnswer::files).collect()
    }

    /// The server listed the uploads it still holds (`GET /api/v1/uploads`):
    /// any other file of an answer has expired (or is not this person's). It
    /// is dropped from the answer, and the material says so. Answers whether
    /// anything was dropped.
    pub fn uploads_listed(&mut self, listed: &[UploadDto]) -> bool {
        let mut dropped = false;
        let keys: Vec<String> = self.data.keys().cloned().collect();
        for key in keys {
            let Some(v) = self.data.get(&key) else { continue };
            if MaterialAnswer::of(v) != Some(MaterialAnswer::Files) {
                continue;
            }
            let ids = MaterialAnswer::files(v);
            let kept: Vec<String> = ids
                .iter()
                .filter(|id| listed.iter().any(|u| &u.id == *id))
                .cloned()
                .collect();
            if kept.len() == ids.len() {
                continue;
            }
            dropped = true;
            if kept.is_empty() {
                self.data.remove(&key);
            } else {
                self.data.insert(key.clone(), MaterialAnswer::files_value(&kept));
            }
            self.errors.insert(key, UPLOAD_EXPIRED.to_owned());
        }
        dropped
    }

    /// Filing failed: the server's field errors are shown on the step of
    /// the first one; any other failure as a message (the answers stay
    /// here, so pressing submit again retries with the same key).
    pub fn submit_failed(&mut self, e: ApiError) -> Next {
        self.busy = false;
        match e {
            ApiError::Api { fields, .. } if !fields.is_empty() => {
                self.errors = fields
                    .into_iter()
                    .map(|e: FieldError| (e.field, e.message))
                    .collect();
                self.show_first_error(true)
            }
            e => {
                self.message = Some(match e {
                    ApiError::Network => {
                        "网络连接失败。您填写的内容已保存在本机，请稍后再点“提交申请”。".to_owned()
                    }
                    other => other.to_string(),
                });
                self.summary = true;
                Next::Stay
            }
        }
    }

    /// Goes to the step of the first error that has one and shows the
    /// summary (`always`: even when no step has any of the fields).
    fn show_first_error(&mut self, always: bool) -> Next {
        let step = self.errors.keys().find_map(|k| {
            self.form
                .as_ref()?
                .steps
                .iter()
                .find(|s| s.fields.iter().any(|x| &x.key == k))
                .map(|s| s.key.clone())
        });
        let next = match step {
            Some(s) => {
                self.go(s.clone());
                Next::Moved(s)
            }
            None => Next::Stay,
        };
        if always || next != Next::Stay {
            self.summary = true;
        }
        next
    }

    /// The problems the error summary lists: those of the current step, or
    /// all of them on the review screen.
    pub fn problems(&self) -> Vec<(String, String)> {
        let on_review = self.screen == REVIEW;
        let here = self.step_fields(&self.screen);
        self.errors
            .iter()
            .filter(|(k, _)| on_review || here.iter().any(|f| &f.key == *k))
            .map(|(k, m)| (k.clone(), m.clone()))
            .collect()
    }

    /// What the browser keeps, stamped `now` (ms since 1970).
    pub fn local_copy(&self, now: f64) -> LocalCopy {
        LocalCopy {
            items: self.items.clone(),
            data: self.data.clone(),
            step: Some(self.screen.clone()),
            saved_at: now,
            idempotency_key: self.idempotency_key.clone(),
        }
    }

    /// The server copy (last write wins: no version).
    pub fn draft(&self) -> Draft {
        Draft {
            items: self.items.clone(),
            data: self.data.clone(),
            step: Some(self.screen.clone()),
            version: None,
            updated_at: None,
        }
    }
}

/// A material's answer as the check-answers page words it.
pub fn material_summary(f: &FormField, v: Option<&Value>) -> String {
    match v.and_then(MaterialAnswer::of) {
        Some(MaterialAnswer::Files) => {
            let n = v.map(MaterialAnswer::files).map_or(0, |f| f.len());
            format!("已上传 {n} 个文件")
        }
        Some(MaterialAnswer::Commit) => f.commit_days.map_or_else(
            || MaterialAnswer::Commit.recorded().to_owned(),
            |days| format!("暂缺，承诺在 {days} 个工作日内补交（告知承诺）"),
        ),
        Some(MaterialAnswer::Certificate) => match &f.certificate {
            Some(c) => format!(
                "{}：{} {}",
                MaterialAnswer::Certificate.choice(),
                c.name,
                c.number
            ),
            None => MaterialAnswer::Certificate.choice().to_owned(),
        },
        None => "未提供".to_owned(),
    }
}

/// The screen to open on: the one asked for (`?step=` or the draft's) if
/// it exists, else choosing items for a new application with optional
/// items, else the first step.
fn first_screen(
    form: Option<&FormDto>,
    wanted: Option<String>,
    has_optional: bool,
    has_draft: bool,
) -> String {
    let steps: Vec<&str> = form
        .iter()
        .flat_map(|f| f.steps.iter().map(|s| s.key.as_str()))
        .collect();
    match wanted {
        Some(s) if s == REVIEW && form.is_some() => s,
        Some(s) if steps.contains(&s.as_str()) => s,
        Some(s) if s == ITEMS && has_optional => s,
        _ if has_optional && !has_draft => ITEMS.to_owned(),
        _ => steps
            .first()
            .map_or_else(|| ITEMS.to_owned(), |s| (*s).to_owned()),
    }
}

/// Fills empty answers from the form's prefill (and always those held as an
/// e-certificate) and records their sources.
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

#[cfg(test)]
mod tests;
