//! Files of a material (申请材料): the picker that photographs or chooses
//! files and uploads them with progress ([`FilePicker`]), and a file as a
//! thumbnail (pictures) or a PDF icon with its name and size
//! ([`FileCard`]). The picker is used inside islands (the wizard, 补正,
//! 告知承诺补交); uploading runs only in the browser, but the picker and the
//! files already there render on the server as well, so nothing jumps when
//! the page hydrates.

use std::collections::BTreeMap;

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::UploadDto;
use crate::browser;
use crate::catalog::values::MAX_FILES_PER_MATERIAL;
use crate::client;
use crate::paths;

/// What a page knows of uploads (name, size, type), by id: from the server
/// (a draft's files, a submission's documents) and from each upload.
pub type KnownUploads = RwSignal<BTreeMap<String, UploadDto>>;

/// `known` holding `files`.
pub fn known_uploads<'a>(files: impl IntoIterator<Item = &'a UploadDto>) -> KnownUploads {
    RwSignal::new(files.into_iter().map(|f| (f.id.clone(), f.clone())).collect())
}

/// A file on its way up, or refused.
#[derive(Clone, Debug, PartialEq)]
struct Sending {
    key: u64,
    name: String,
    percent: u32,
    error: Option<String>,
}

/// A file as a card: a thumbnail for a picture, an icon for a PDF, then its
/// name and size. Both the picture and the name link to `href` (the file
/// itself in a new tab, unless `same_tab`, e.g. for a viewer page).
#[component]
pub fn FileCard(
    file: UploadDto,
    /// Where the card leads.
    #[prop(into)]
    href: String,
    #[prop(optional)] same_tab: bool,
    /// Shown after the name and size (e.g. a delete button).
    #[prop(optional)]
    children: Option<Children>,
) -> impl IntoView {
    let target = (!same_tab).then_some("_blank");
    let rel = (!same_tab).then_some("noopener");
    let preview = if file.is_image() {
        view! {
            <a class="thumb" href=href.clone() target=target rel=rel tabindex="-1" aria-hidden="true">
                <img src=paths::upload(&file.id) alt="" loading="lazy" decoding="async"/>
            </a>
        }
        .into_any()
    } else {
        view! { <span class="file-icon" aria-hidden="true">"PDF"</span> }.into_any()
    };
    view! {
        <li class="file" data-upload=file.id.clone() data-type=file.content_type.clone()>
            {preview}
            <span class="file-meta">
                <a class="file-name" href=href target=target rel=rel>{file.filename.clone()}</a>
                <span class="muted">{file.size_label()}</span>
            </span>
            {children.map(|c| c())}
        </li>
    }
}

/// The files of one material and the picker for more: each file with
/// "删除", each upload with its progress (or why it was refused), then the
/// button "拍照或选择文件". `files` are the answer's upload ids; every
/// change (an upload done, a file deleted) calls `on_change` with the new
/// list. The file input is named by the material's label (`labelled_by`)
/// and the button's text.
#[component]
pub fn FilePicker(
    /// The file input's id.
    #[prop(into)]
    id: String,
    /// The id of the element that names the material.
    #[prop(into)]
    labelled_by: String,
    #[prop(optional, into)] described_by: Signal<Option<String>>,
    #[prop(optional, into)] invalid: Signal<bool>,
    /// The upload ids of the answer.
    #[prop(into)]
    files: Signal<Vec<String>>,
    known: KnownUploads,
    on_change: Callback<Vec<String>>,
) -> impl IntoView {
    let sending = RwSignal::new(Vec::<Sending>::new());
    let next_key = StoredValue::new(0_u64);
    let set = move |key: u64, f: &dyn Fn(&mut Sending)| {
        sending.try_update(|v| {
            if let Some(s) = v.iter_mut().find(|s| s.key == key) {
                f(s);
            }
        });
    };
    let pick = move |ev: leptos::ev::Event| {
        for p in browser::picked_files(&ev) {
            let key = next_key.get_value();
            next_key.set_value(key + 1);
            let busy = sending.with_untracked(|v| v.iter().filter(|s| s.error.is_none()).count());
            let full = files.with_untracked(Vec::len) + busy >= MAX_FILES_PER_MATERIAL;
            sending.update(|v| {
                v.push(Sending {
                    key,
                    name: p.name.clone(),
                    percent: 0,
                    error: full.then(|| format!("每项材料最多上传 {MAX_FILES_PER_MATERIAL} 个文件")),
                });
            });
            if full {
                continue;
            }
            spawn_local(async move {
                let p = browser::shrink(p).await;
                let result = client::upload(p, move |percent| set(key, &|s| s.percent = percent)).await;
                match result {
                    Ok(dto) => {
                        let id = dto.id.clone();
                        known.try_update(|k| k.insert(id.clone(), dto));
                        sending.try_update(|v| v.retain(|s| s.key != key));
                        // The list as it is now: other uploads may have ended meanwhile.
                        if let Some(mut ids) = files.try_get_untracked() {
                            if !ids.contains(&id) {
                                ids.push(id);
                            }
                            on_change.try_run(ids);
                        }
                    }
                    Err(e) => set(key, &|s| s.error = Some(e.detail())),
                }
            });
        }
    };
    let remove = move |id: String| {
        let ids: Vec<String> = files.get_untracked().into_iter().filter(|x| *x != id).collect();
        on_change.run(ids);
    };
    let list = move || {
        let ids = files.get();
        let rows = ids
            .into_iter()
            .map(|fid| {
                let file = known.with(|k| k.get(&fid).cloned()).unwrap_or_else(|| UploadDto {
                    id: fid.clone(),
                    filename: "文件".into(),
                    size: 0,
                    content_type: String::new(),
                    sha256: String::new(),
                    created_at: String::new(),
                });
                let name = file.filename.clone();
                let href = paths::upload(&fid);
                view! {
                    <FileCard file href>
                        <button class="link-button file-remove" type="button" on:click=move |_| remove(fid.clone())>
                            "删除"<span class="visually-hidden">{name}</span>
                        </button>
                    </FileCard>
                }
            })
            .collect_view();
        view! { <ul class="files">{rows}</ul> }
    };
    let in_flight = move || {
        sending
            .get()
            .into_iter()
            .map(|s| {
                let key = s.key;
                let failed = s.error.is_some();
                let state = match s.error {
                    Some(e) => view! {
                        <span class="field-error" role="alert">{e}</span>
                    }
                    .into_any(),
                    None => view! {
                        <progress max="100" value=s.percent aria-label=format!("正在上传{}", s.name)></progress>
                        <span class="muted">{format!("正在上传 {}%", s.percent)}</span>
                    }
                    .into_any(),
                };
                view! {
                    <li class="file sending" class:failed=failed>
                        <span class="file-icon pending" aria-hidden="true">"···"</span>
                        <span class="file-meta">
                            <span class="file-name">{s.name.clone()}</span>
                            {state}
                        </span>
                        {failed.then(|| view! {
                            <button class="link-button" type="button"
                                on:click=move |_| sending.update(|v| v.retain(|x| x.key != key))>
                                "移除"<span class="visually-hidden">{s.name.clone()}</span>
                            </button>
                        })}
                    </li>
                }
            })
            .collect_view()
    };
    // Two pickers: the camera (which on Android offers nothing else once
    // `capture` is set) and the phone's files, PDFs included.
    let button_id = format!("{id}-button");
    let camera_id = format!("{id}-camera");
    let camera_button_id = format!("{id}-camera-button");
    view! {
        <div class="uploader">
            {list}
            <ul class="files" aria-live="polite">{in_flight}</ul>
            <div class="picker">
                <input type="file" class="file-input" id=camera_id.clone() accept="image/*" capture="environment"
                    aria-labelledby=format!("{labelled_by} {camera_button_id}")
                    aria-describedby=move || described_by.get()
                    aria-invalid=move || if invalid.get() { "true" } else { "false" }
                    on:change=pick/>
                <label class="button secondary file-button camera" for=camera_id id=camera_button_id aria-hidden="true">
                    "拍照"
                </label>
                <input type="file" class="file-input" id=id.clone() accept="image/*,application/pdf" multiple
                    aria-labelledby=format!("{labelled_by} {button_id}")
                    aria-describedby=move || described_by.get()
                    aria-invalid=move || if invalid.get() { "true" } else { "false" }
                    on:change=pick/>
                // Clickable for everyone; read once, as part of the input's name.
                <label class="button secondary file-button" for=id id=button_id aria-hidden="true">
                    "选择文件"
                </label>
            </div>
        </div>
    }
}
