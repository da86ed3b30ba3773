use serde_json::json;

use super::*;
use crate::api::{FormStep, SubmitRequest, UploadDto};
use crate::catalog::{FieldKind, MaterialAnswer, PiiClass, Rules};

fn today() -> Date {
    Date::parse("2026-11-30").expect("date")
}

fn field(key: &str, kind: FieldKind, required: bool, rules: Rules) -> FormField {
    FormField {
        key: key.into(),
        label: key.into(),
        kind,
        required,
        options: None,
        used_by: vec!["a".into()],
        help: String::new(),
        pii: PiiClass::None,
        rules,
        certificate: None,
        commit_days: None,
    }
}

fn item(code: &str, optional: bool, selected: bool) -> FormItem {
    FormItem {
        code: code.into(),
        name: format!("事项{code}"),
        optional,
        selected,
        departments: vec!["approval".into()],
        due_days: 3,
    }
}

/// Item `a` is required, `b` optional; two steps, the applicant's name prefilled.
fn form() -> FormDto {
    let ok = Rules {
        must_be_true: true,
        ..Rules::default()
    };
    FormDto {
        bundle: "b".into(),
        catalog_version: "v1".into(),
        items: vec![item("a", false, true), item("b", true, false)],
        steps: vec![
            FormStep {
                key: "applicant".into(),
                title: "申请人".into(),
                fields: vec![
                    field("name", FieldKind::Text, true, Rules::default()),
                    field("phone", FieldKind::Phone, true, Rules::default()),
                ],
            },
            FormStep {
                key: "declaration".into(),
                title: "声明".into(),
                fields: vec![
                    field("note", FieldKind::Textarea, false, Rules::default()),
                    field("ok", FieldKind::Boolean, true, ok),
                ],
            },
        ],
        prefill: [("name".to_owned(), json!("刘美丽"))].into_iter().collect(),
        prefill_sources: [("name".to_owned(), "prefill".to_owned())].into_iter().collect(),
    }
}

fn init(draft: Option<Draft>, screen: Option<&str>) -> WizardInit {
    let f = form();
    WizardInit {
        bundle: "b".into(),
        bundle_name: "一件事".into(),
        user: "u1".into(),
        items: f.items.clone(),
        form: Some(f),
        draft,
        screen: screen.map(str::to_owned),
        departments: BTreeMap::new(),
        uploads: None,
    }
}

fn draft(step: &str, data: Value) -> Draft {
    Draft {
        items: vec!["a".into()],
        data: data.as_object().cloned().unwrap_or_default(),
        step: Some(step.into()),
        version: None,
        updated_at: None,
    }
}

fn valid_answers(s: &mut WizardState) {
    s.answer("phone", json!("13912345678"), today());
    s.answer("ok", json!(true), today());
}

#[test]
fn a_new_application_with_optional_items_starts_by_choosing_them() {
    let s = WizardState::new(init(None, None));
    assert_eq!(s.screen, ITEMS);
    assert_eq!(s.items, ["a"], "required items are chosen");
    assert_eq!(
        s.screens().iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(),
        [ITEMS, "applicant", "declaration", REVIEW]
    );
    assert_eq!(s.position(), 0);
    assert_eq!(s.previous_screen(), None);
}

#[test]
fn the_first_screen_is_the_one_asked_for_if_it_exists() {
    let at = |d: Option<Draft>, q: Option<&str>| WizardState::new(init(d, q)).screen;
    let d = || Some(draft("declaration", json!({})));
    assert_eq!(at(d(), None), "declaration", "the draft's step");
    assert_eq!(
        at(d(), Some("applicant")),
        "applicant",
        "?step= wins over the draft"
    );
    assert_eq!(at(None, Some(REVIEW)), REVIEW);
    assert_eq!(at(None, Some(ITEMS)), ITEMS);
    assert_eq!(
        at(d(), Some("nonsense")),
        "applicant",
        "an unknown step: the first step"
    );
    assert_eq!(at(Some(draft("nonsense", json!({}))), None), "applicant");

    // Without optional items there is nothing to choose.
    let mut i = init(None, Some(ITEMS));
    i.items = vec![item("a", false, true)];
    assert_eq!(WizardState::new(i).screen, "applicant");
    // Without a form (nothing chosen yet) only the choice can be shown.
    let mut i = init(None, Some(REVIEW));
    i.form = None;
    assert_eq!(WizardState::new(i).screen, ITEMS);
}

#[test]
fn the_draft_and_the_prefill_give_the_first_answers() {
    let mut d = draft("applicant", json!({ "phone": "13912345678", "name": "" }));
    d.items = vec!["a".into(), "b".into()];
    let s = WizardState::new(init(Some(d), None));
    assert_eq!(s.items, ["a", "b"], "the draft's choice");
    assert_eq!(s.data.get("phone"), Some(&json!("13912345678")));
    assert_eq!(
        s.data.get("name"),
        Some(&json!("刘美丽")),
        "an empty answer is prefilled"
    );
    assert_eq!(s.prefilled.get("name").map(String::as_str), Some("prefill"));

    let d = draft("applicant", json!({ "name": "王五" }));
    let s = WizardState::new(init(Some(d), None));
    assert_eq!(s.data.get("name"), Some(&json!("王五")), "a given answer is kept");
    assert!(s.prefilled.is_empty());
}

#[test]
fn an_e_certificate_always_replaces_the_answer() {
    let mut f = form();
    let mut material = field("licence", FieldKind::Material, true, Rules::default());
    material.certificate = Some(crate::api::CertificateRef {
        id: "c1".into(),
        name: "营业执照".into(),
        number: "N1".into(),
        valid_until: None,
    });
    f.steps[1].fields.push(material);
    f.prefill.insert("licence".into(), json!("certificate"));
    f.prefill_sources.insert("licence".into(), "certificate".into());
    let mut i = init(Some(draft("applicant", json!({ "licence": "commit" }))), None);
    i.form = Some(f);
    let s = WizardState::new(i);
    assert_eq!(s.data.get("licence"), Some(&json!("certificate")));
    assert_eq!(
        s.prefilled.get("licence").map(String::as_str),
        Some("certificate")
    );
}

#[test]
fn an_older_local_copy_is_ignored_but_a_key_is_made() {
    let mut s = WizardState::new(init(Some(draft("applicant", json!({}))), None));
    let local = LocalCopy {
        items: vec!["a".into()],
        data: json!({ "phone": "1" }).as_object().cloned().unwrap_or_default(),
        step: Some("declaration".into()),
        saved_at: 100.0,
        idempotency_key: "old".into(),
    };
    assert_eq!(s.reconcile(Some(local), 200.0, None, "fresh".into()), Next::Stay);
    assert_eq!(s.idempotency_key, "fresh");
    assert_eq!(s.screen, "applicant");
    assert!(!s.data.contains_key("phone"));
}

#[test]
fn a_newer_local_copy_wins_and_keeps_its_key() {
    let mut s = WizardState::new(init(Some(draft("applicant", json!({}))), None));
    let local = LocalCopy {
        items: vec!["a".into()],
        data: json!({ "phone": "13912345678" })
            .as_object()
            .cloned()
            .unwrap_or_default(),
        step: Some("declaration".into()),
        saved_at: 300.0,
        idempotency_key: "k1".into(),
    };
    assert_eq!(
        s.reconcile(Some(local.clone()), 200.0, None, "fresh".into()),
        Next::Stay
    );
    assert_eq!(s.idempotency_key, "k1");
    assert_eq!(s.screen, "declaration", "the local copy's step");
    assert_eq!(s.data.get("phone"), Some(&json!("13912345678")));

    // The URL's step wins over the local copy's; an unknown one is ignored.
    let mut s = WizardState::new(init(Some(draft("declaration", json!({}))), None));
    s.reconcile(Some(local.clone()), 200.0, Some(REVIEW.into()), "fresh".into());
    assert_eq!(s.screen, REVIEW);
    let mut s = WizardState::new(init(Some(draft("applicant", json!({}))), None));
    s.reconcile(Some(local), 200.0, Some("nonsense".into()), "fresh".into());
    assert_eq!(s.screen, "applicant");
}

#[test]
fn a_local_copy_with_other_items_fetches_their_form() {
    let mut s = WizardState::new(init(Some(draft("applicant", json!({}))), None));
    let local = LocalCopy {
        items: vec!["b".into(), "a".into()],
        step: Some("declaration".into()),
        saved_at: 300.0,
        ..LocalCopy::default()
    };
    let next = s.reconcile(Some(local), 0.0, None, "fresh".into());
    assert_eq!(
        next,
        Next::LoadForm(FormRequest {
            items: vec!["b".into(), "a".into()],
            then: Some("declaration".into()),
        })
    );
    assert!(s.busy);
    assert_eq!(
        s.idempotency_key, "fresh",
        "a local copy without a key keeps the fresh one"
    );

    // Once it is there: prefilled, and on the step asked for.
    let mut f = form();
    f.items[1].selected = true;
    assert_eq!(
        s.form_loaded(f, Some("declaration".into())),
        Next::Moved("declaration".into())
    );
    assert!(!s.busy);
    assert_eq!(s.data.get("name"), Some(&json!("刘美丽")));
    assert_eq!(s.screen, "declaration");
}

#[test]
fn choosing_items_then_continuing_fetches_the_form() {
    let mut s = WizardState::new(init(None, None));
    s.choose_item("b", true);
    assert_eq!(s.items, ["a", "b"]);
    s.choose_item("b", false);
    assert_eq!(s.items, ["a"]);
    assert_eq!(
        s.continue_from(today(), false),
        Next::LoadForm(FormRequest {
            items: vec!["a".into()],
            then: None,
        })
    );
    assert!(s.busy);
    assert_eq!(
        s.form_loaded(form(), None),
        Next::Moved("applicant".into()),
        "its first step"
    );

    s.items.clear();
    s.screen = ITEMS.into();
    assert_eq!(s.continue_from(today(), false), Next::Stay);
    assert_eq!(s.message.as_deref(), Some("请至少选择一个要办理的事项"));
    assert!(s.summary);
}

#[test]
fn a_failed_form_fetch_is_shown_as_a_message() {
    let mut s = WizardState::new(init(None, None));
    s.busy = true;
    s.form_failed("网络连接失败".into());
    assert!(!s.busy);
    assert!(s.summary);
    assert_eq!(s.message.as_deref(), Some("网络连接失败"));
}

#[test]
fn a_step_with_errors_cannot_be_left() {
    let mut s = WizardState::new(init(None, Some("applicant")));
    assert_eq!(s.continue_from(today(), false), Next::ShowErrors);
    assert!(s.summary);
    assert_eq!(s.screen, "applicant");
    assert_eq!(
        s.errors.keys().collect::<Vec<_>>(),
        ["phone"],
        "the prefilled name is fine"
    );
    assert_eq!(s.problems(), [("phone".to_owned(), "请填写phone".to_owned())]);

    valid_answers(&mut s);
    assert!(s.errors.is_empty(), "a corrected answer clears its error at once");
    assert_eq!(s.continue_from(today(), false), Next::Moved("declaration".into()));
    assert!(!s.summary);
    assert_eq!(s.previous_screen().as_deref(), Some("applicant"));
    assert_eq!(s.continue_from(today(), false), Next::Moved(REVIEW.into()));

    assert_eq!(s.go_back(), Next::Moved("declaration".into()));
    assert_eq!(s.go_back(), Next::Moved("applicant".into()));
    assert_eq!(s.go_back(), Next::Moved(ITEMS.into()));
    assert_eq!(s.go_back(), Next::Stay);
}

#[test]
fn a_change_from_the_review_returns_to_it() {
    let mut s = WizardState::new(init(None, Some("applicant")));
    valid_answers(&mut s);
    assert_eq!(s.continue_from(today(), true), Next::Moved(REVIEW.into()));
}

#[test]
fn a_field_is_checked_when_left_and_cleared_when_right() {
    let mut s = WizardState::new(init(None, Some("applicant")));
    s.leave("phone", today());
    assert!(s.errors.is_empty(), "a blank field left alone shows no error");
    s.answer("phone", json!("123"), today());
    assert!(s.errors.is_empty(), "typing never adds an error");
    s.leave("phone", today());
    assert!(s.errors.contains_key("phone"));
    s.answer("phone", json!(""), today());
    s.leave("phone", today());
    assert!(
        s.errors.contains_key("phone"),
        "emptied after an error: still wrong"
    );
    s.answer("phone", json!("13912345678"), today());
    assert!(!s.errors.contains_key("phone"));
    s.leave("nonsense", today());
    assert!(s.errors.is_empty());
}

#[test]
fn submitting_checks_every_step_and_files_only_this_form() {
    let mut s = WizardState::new(init(None, Some(REVIEW)));
    s.idempotency_key = "k1".into();
    // The first problem by key (`ok` before `phone`), as the summary lists them.
    assert_eq!(s.submit(today()), Next::Moved("declaration".into()));
    assert!(s.summary);
    assert_eq!(s.errors.len(), 2);
    assert_eq!(s.problems().len(), 1, "the summary lists this step's problems");
    s.screen = REVIEW.into();
    assert_eq!(s.problems().len(), 2, "the review lists all");

    valid_answers(&mut s);
    s.answer("note", json!(""), today());
    s.data.insert("other_item_field".into(), json!("x"));
    s.screen = REVIEW.into();
    let Next::Submit(req) = s.submit(today()) else {
        panic!("submits");
    };
    assert!(s.busy);
    assert_eq!(
        req,
        SubmitRequest {
            bundle: "b".into(),
            items: Some(vec!["a".into()]),
            data: json!({ "name": "刘美丽", "phone": "13912345678", "ok": true })
                .as_object()
                .cloned()
                .unwrap_or_default(),
            idempotency_key: Some("k1".into()),
            commitment_agreed: false,
        }
    );
}

#[test]
fn the_servers_field_errors_lead_to_their_step() {
    let mut s = WizardState::new(init(None, Some(REVIEW)));
    s.busy = true;
    let refused = ApiError::Api {
        status: 422,
        code: "validation".into(),
        message: "请修改".into(),
        fields: vec![FieldError::new("ok", "must_be_true", "请确认：ok")],
    };
    assert_eq!(s.submit_failed(refused), Next::Moved("declaration".into()));
    assert!(!s.busy);
    assert!(s.summary);
    assert_eq!(s.errors.get("ok").map(String::as_str), Some("请确认：ok"));

    // A field no step has: the summary still shows it.
    let mut s = WizardState::new(init(None, Some(REVIEW)));
    let unknown = ApiError::Api {
        status: 422,
        code: "validation".into(),
        message: "请修改".into(),
        fields: vec![FieldError::new("items", "no_items", "请至少选择一个要办理的事项")],
    };
    assert_eq!(s.submit_failed(unknown), Next::Stay);
    assert!(s.summary);
    assert_eq!(s.screen, REVIEW);
}

#[test]
fn a_network_failure_keeps_the_answers_for_a_retry() {
    let mut s = WizardState::new(init(None, Some(REVIEW)));
    s.busy = true;
    assert_eq!(s.submit_failed(ApiError::Network), Next::Stay);
    assert!(!s.busy);
    assert!(s.summary);
    assert!(s.message.as_deref().is_some_and(|m| m.contains("已保存在本机")));
}

#[test]
fn back_and_forward_follow_known_steps_only() {
    let mut s = WizardState::new(init(None, Some("declaration")));
    s.summary = true;
    s.follow_history(Some("nonsense".into()));
    assert_eq!(s.screen, "declaration");
    assert!(s.summary);
    s.follow_history(Some("applicant".into()));
    assert_eq!(s.screen, "applicant");
    assert!(!s.summary);
    s.follow_history(None);
    assert_eq!(s.screen, "applicant");
}

#[test]
fn the_copies_carry_the_choice_the_answers_and_the_step() {
    let mut s = WizardState::new(init(None, Some("applicant")));
    s.idempotency_key = "k1".into();
    let local = s.local_copy(42.0);
    assert_eq!(local.items, ["a"]);
    assert_eq!(local.step.as_deref(), Some("applicant"));
    assert_eq!(local.saved_at, 42.0);
    assert_eq!(local.idempotency_key, "k1");
    let d = s.draft();
    assert_eq!(d.data, s.data);
    assert_eq!(d.step.as_deref(), Some("applicant"));
    assert_eq!(d.version, None);
}

const UP1: &str = "0193a0c4-5b7e-7000-8000-000000000001";
const UP2: &str = "0193a0c4-5b7e-7000-8000-000000000002";

fn upload(id: &str) -> UploadDto {
    UploadDto {
        id: id.into(),
        filename: format!("{id}.jpg"),
        size: 1000,
        content_type: "image/jpeg".into(),
        sha256: String::new(),
        created_at: String::new(),
    }
}

/// [`form`] with two required materials on the declaration step: `record`
/// (files only) and `licence` (may be promised, 5 working days).
fn form_with_materials() -> FormDto {
    let mut f = form();
    f.steps[1]
        .fields
        .push(field("record", FieldKind::Material, true, Rules::default()));
    let mut licence = field("licence", FieldKind::Material, true, Rules::default());
    licence.commit_days = Some(5);
    f.steps[1].fields.push(licence);
    f
}

/// On the review screen with every answer valid, `record` uploaded and
/// `licence` answered `licence`.
fn ready_to_file(licence: Value) -> WizardState {
    let mut i = init(None, Some(REVIEW));
    i.form = Some(form_with_materials());
    let mut s = WizardState::new(i);
    valid_answers(&mut s);
    s.answer("record", MaterialAnswer::files_value(&[UP1.into()]), today());
    s.answer("licence", licence, today());
    s.idempotency_key = "k1".into();
    s
}

#[test]
fn a_promise_is_filed_only_with_the_agreement_to_the_commitment() {
    let mut s = ready_to_file(json!("commit"));
    assert!(s.needs_commitment());
    assert_eq!(
        s.promised().iter().map(|f| f.key.as_str()).collect::<Vec<_>>(),
        ["licence"]
    );
    // Everything else is right: stay on the review and point at the box.
    assert_eq!(s.submit(today()), Next::ShowErrors);
    assert_eq!(s.screen, REVIEW);
    assert!(s.summary);
    assert!(!s.busy);
    assert_eq!(
        s.errors.get(COMMITMENT_AGREED).map(String::as_str),
        Some(AGREE_FIRST)
    );
    assert_eq!(
        s.problems(),
        [(COMMITMENT_AGREED.to_owned(), AGREE_FIRST.to_owned())]
    );

    s.agree(true);
    assert!(s.errors.is_empty(), "ticking the box clears its error");
    let Next::Submit(req) = s.submit(today()) else {
        panic!("files once agreed");
    };
    assert!(req.commitment_agreed);
    assert_eq!(req.data.get("licence"), Some(&json!("commit")));
    assert_eq!(req.data.get("record"), Some(&json!({ "files": [UP1] })));
}

#[test]
fn a_field_problem_leads_to_its_step_even_when_the_agreement_is_missing() {
    let mut s = ready_to_file(json!("commit"));
    s.data.remove("phone");
    assert_eq!(s.submit(today()), Next::Moved("applicant".into()));
    assert!(s.errors.contains_key("phone"));
    assert!(s.errors.contains_key(COMMITMENT_AGREED), "listed on the review");
}

#[test]
fn promising_something_else_asks_for_the_agreement_again() {
    let mut s = ready_to_file(json!("commit"));
    s.agree(true);
    s.answer("note", json!("x"), today());
    assert!(s.commitment_agreed, "other answers keep it");
    s.answer("licence", MaterialAnswer::files_value(&[UP2.into()]), today());
    assert!(!s.commitment_agreed, "no longer promised");
    assert!(!s.needs_commitment());
    s.answer("licence", json!("commit"), today());
    assert!(!s.commitment_agreed, "promised anew: agree anew");
}

#[test]
fn without_a_promise_no_agreement_is_asked_or_sent() {
    let mut s = ready_to_file(MaterialAnswer::files_value(&[UP2.into()]));
    assert!(!s.needs_commitment());
    s.commitment_agreed = true;
    let Next::Submit(req) = s.submit(today()) else {
        panic!("files");
    };
    assert!(!req.commitment_agreed);
}

#[test]
fn the_servers_refusal_of_a_missing_agreement_is_shown_on_the_review() {
    let mut s = ready_to_file(json!("commit"));
    s.busy = true;
    let refused = ApiError::Api {
        status: 422,
        code: "validation".into(),
        message: "请修改".into(),
        fields: vec![FieldError::new(COMMITMENT_AGREED, "required", "请同意告知承诺书")],
    };
    assert_eq!(s.submit_failed(refused), Next::Stay);
    assert_eq!(s.screen, REVIEW);
    assert!(s.summary);
    assert_eq!(s.problems().len(), 1);
}

#[test]
fn files_the_server_no_longer_holds_are_dropped_and_said_so() {
    let data = json!({
        "record": { "files": [UP1, UP2] },
        "licence": { "files": [UP2] },
        "phone": "13912345678",
    });
    let mut i = init(Some(draft("declaration", data)), None);
    i.form = Some(form_with_materials());
    i.uploads = Some(vec![upload(UP1)]);
    let s = WizardState::new(i);
    assert_eq!(s.data.get("record"), Some(&json!({ "files": [UP1] })));
    assert_eq!(s.data.get("licence"), None, "nothing left: no answer");
    assert_eq!(s.errors.get("record").map(String::as_str), Some(UPLOAD_EXPIRED));
    assert_eq!(s.errors.get("licence").map(String::as_str), Some(UPLOAD_EXPIRED));
    assert_eq!(s.data.get("phone"), Some(&json!("13912345678")));

    // Listing again changes nothing; every id is known.
    let mut s = s;
    assert!(!s.uploads_listed(&[upload(UP1)]));
    assert_eq!(s.upload_ids(), [UP1]);
    // A new upload clears the note once the answer is right.
    s.answer("licence", MaterialAnswer::files_value(&[UP2.into()]), today());
    assert_eq!(s.errors.get("licence"), None);
}

#[test]
fn the_review_words_each_material_answer() {
    let f = form_with_materials();
    let licence = f.field("licence").cloned().expect("licence");
    let record = f.field("record").cloned().expect("record");
    let files = MaterialAnswer::files_value(&[UP1.into(), UP2.into()]);
    assert_eq!(material_summary(&record, Some(&files)), "已上传 2 个文件");
    assert_eq!(
        material_summary(&licence, Some(&json!("commit"))),
        "暂缺，承诺在 5 个工作日内补交（告知承诺）"
    );
    assert_eq!(material_summary(&record, None), "未提供");
    let mut held = record;
    held.certificate = Some(crate::api::CertificateRef {
        id: "c1".into(),
        name: "营业执照".into(),
        number: "N1".into(),
        valid_until: None,
    });
    assert_eq!(
        material_summary(&held, Some(&json!("certificate"))),
        "已有电子证照，免提交：营业执照 N1"
    );
}
