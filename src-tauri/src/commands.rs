//! Tauri commands: each one calls into certdesk-core off the UI thread and
//! hands back its answer or a `{kind, message}` error. No rules live here:
//! what is superseded, what a deletion removes, how a file is named on
//! export, all come from the core, as they do for the CLI.

use std::collections::HashMap;
use std::path::PathBuf;

use serde::Serialize;
use tauri::ipc::Channel;
use tauri::State;

use certdesk_core::actions::preferences::PreferenceDeletion;
use certdesk_core::actions::{
    self, CertificateFile, Destination, Details, ListFilter, OpenedFile, PreferenceChoice, SearchIndex,
};
use certdesk_core::health::CleanupReason;
use certdesk_core::inspect::Inspection;
use certdesk_core::pkcs12::Profile;
use certdesk_core::prefs::{self, Preference};
use certdesk_core::probe::{self, ProbeReport};
use certdesk_core::store::{self, ImportOutcome, StoreChoice};
use certdesk_core::transfer::{self, ExportedFile};
use certdesk_core::trust::Trust;
use certdesk_core::{Error, ListEntry, Overview, RenewalWindow, Secret};

use crate::ipc_error::IpcError;
use crate::state::AppState;
use certdesk_core::settings::Settings;

type Reply<T> = Result<T, IpcError>;

/// Runs store work on a worker thread so the window never freezes.
async fn off_ui_thread<T: Send + 'static>(
    work: impl FnOnce() -> certdesk_core::Result<T> + Send + 'static,
) -> Reply<T> {
    tauri::async_runtime::spawn_blocking(work).await.map_err(IpcError::internal)?.map_err(IpcError::from)
}

/// Opens the current store and reads it with the health rules applied.
fn open_overview(
    state: &AppState,
) -> impl FnOnce() -> certdesk_core::Result<(Box<dyn certdesk_core::Keystore>, Overview)> {
    let spec = state.store();
    let window = state.renewal_window();
    let password = state.database_password();
    let added_modules = state.settings().token_modules;
    move || {
        // The window shows the present cards and tokens beside the store.
        let store = spec.open_with_tokens(&added_modules, password.as_ref())?;
        let overview = Overview::of(&*store, time::OffsetDateTime::now_utc(), window)?;
        Ok((store, overview))
    }
}

/// Progress of a long job, sent as each item starts.
#[derive(Clone, Serialize)]
pub struct Progress {
    pub done: usize,
    pub total: usize,
    pub name: String,
}

#[derive(Serialize)]
pub struct Listing {
    pub store: String,
    pub entries: Vec<ListEntry>,
    /// Where the store is, when its name does not say (the login keychain's file).
    pub store_location: Option<String>,
    /// Identity preferences exist only in macOS keychains.
    pub preferences_supported: bool,
    /// Which listing this is, for [`search_certificates`]: each one counts up.
    pub generation: u64,
    /// Offer "Remind me before my certificates expire" (once: see
    /// `reminders::worth_offering`).
    pub offer_reminders: bool,
}

/// A listing as read, with the search's view of its identities.
pub type ReadListing = (Listing, SearchIndex);

/// Every certificate of the store, authorities too, in the core's list
/// order; the window's facets and search only narrow it. The first call
/// takes the listing read while the window was loading (see
/// [`start_first_listing`]).
#[tauri::command]
pub async fn list_certificates(state: State<'_, AppState>) -> Reply<Listing> {
    crate::launch::listing_asked();
    let read = read_listing(&state);
    let (listing, index) = match state.take_first_listing() {
        Some(first) => off_ui_thread(move || first.recv().unwrap_or_else(|_| read())).await,
        None => off_ui_thread(read).await,
    }?;
    Ok(Listing { generation: state.keep_search_index(index), ..listing })
}

/// The positions, in listing `generation`, of the certificates `text`
/// finds (the core's search, as `certdesk list --search` runs it), or
/// `None` when a newer listing replaced that one. Answered at once, on the
/// calling thread: the index is folded already, and a keystroke over
/// 10,000 certificates takes about a millisecond. Blank text finds
/// every certificate.
#[tauri::command]
pub fn search_certificates(state: State<'_, AppState>, generation: u64, text: String) -> Option<Vec<u32>> {
    state.search_listing(generation, |index| index.found_for(&text))
}

/// Of the files dropped on the window, those it opens and how: the core's
/// rule (`actions::files_to_open`), as for the files the app starts on.
#[tauri::command]
pub fn files_to_open(paths: Vec<PathBuf>) -> Vec<OpenedFile> {
    actions::files_to_open(paths)
}

/// The files the app was started on, or a second launch handed it, for the
/// window to open; empty after the call until another arrives.
#[tauri::command]
pub fn opened_files(state: State<'_, AppState>) -> Vec<OpenedFile> {
    state.take_opened_files()
}

/// Starts reading the store as the app starts, while WebKit loads the page:
/// the store's 200 ms for 2,000 certificates then overlap the window's own
/// start instead of following it.
pub fn start_first_listing(state: &AppState) {
    let read = read_listing(state);
    let (send, receive) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let listing = read();
        crate::launch::store_read();
        send.send(listing)
    });
    state.set_first_listing(receive);
}

fn read_listing(state: &AppState) -> impl FnOnce() -> certdesk_core::Result<ReadListing> + Send + 'static {
    let open = open_overview(state);
    let (settings, window) = (state.settings(), state.renewal_window());
    move || {
        let (store, overview) = open()?;
        let check = actions::check(&overview, time::OffsetDateTime::now_utc(), window, true);
        let offer_reminders = certdesk_core::reminders::worth_offering(&settings, &check);
        let preferences_supported = store.spec().starts_with("keychain:");
        let listed = actions::list(&overview, &ListFilter::everything());
        let index = SearchIndex::of(listed.iter().map(|(identity, _)| *identity));
        let entries = listed.into_iter().map(|(i, a)| ListEntry::new(i, a)).collect();
        let listing = Listing {
            store: store.spec(),
            store_location: store.location(),
            entries,
            preferences_supported,
            generation: 0,
            offer_reminders,
        };
        Ok((listing, index))
    }
}

/// Checks the Primary Password of the store (an NSS database that
/// answered `database_locked`) and keeps it, in memory, for this run; the
/// window lists again after it.
#[tauri::command]
pub async fn unlock_store(state: State<'_, AppState>, password: Secret) -> Reply<()> {
    let spec = state.store();
    let checked = spec.clone();
    let kept = password.clone();
    off_ui_thread(move || checked.check_database_password(&password)).await?;
    state.keep_database_password(spec, kept);
    Ok(())
}

#[tauri::command]
pub async fn certificate_details(state: State<'_, AppState>, id: String) -> Reply<Details> {
    let open = open_overview(&state);
    off_ui_thread(move || {
        let (store, overview) = open()?;
        actions::details(&*store, &overview, &id)
    })
    .await
}

/// What a file holds, before anything is written. Without a password, a
/// PKCS#12 file is tried with the empty one (many are made that way); the
/// front end asks for a password on `wrong_password`.
#[tauri::command]
pub async fn inspect_file(path: PathBuf, password: Option<Secret>) -> Reply<Inspection> {
    off_ui_thread(move || {
        let bytes = transfer::read_file(&path)?;
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        // The window's own dialog asks: a file the empty password does not open comes back as `wrong_password`.
        actions::inspect_file(&name, &bytes, password.as_ref(), || Err(Error::WrongPassword))
    })
    .await
}

/// A certificate file (.cer, .crt: no key) as the store sees it: each
/// certificate's status, and whether the store holds it or its renewal.
#[tauri::command]
pub async fn inspect_certificate_file(state: State<'_, AppState>, path: PathBuf) -> Reply<CertificateFile> {
    let open = open_overview(&state);
    let window = state.renewal_window();
    off_ui_thread(move || {
        let bytes = transfer::read_file(&path)?;
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let (_store, overview) = open()?;
        actions::certificate_file(&overview, &name, &bytes, time::OffsetDateTime::now_utc(), window)
    })
    .await
}

#[tauri::command]
pub async fn import_file(
    state: State<'_, AppState>,
    path: PathBuf,
    password: Secret,
    exportable: bool,
) -> Reply<ImportOutcome> {
    let spec = state.store();
    let database_password = state.database_password();
    off_ui_thread(move || {
        let bytes = transfer::read_file(&path)?;
        let store = spec.open_with_password(database_password.as_ref())?;
        transfer::import_file(&*store, &bytes, &password, exportable)
    })
    .await
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportRequest {
    pub ids: Vec<String>,
    /// The file for one certificate, the folder for several.
    pub target: PathBuf,
    pub to_folder: bool,
    pub password: Secret,
    pub profile: Profile,
    pub include_chain: bool,
    pub overwrite: bool,
    /// The app's language (`ja`, `en`), for the export list.
    pub language: String,
}

/// Exports one certificate to a file, or several to a folder (one PFX each
/// and a plain list); every file is read back and verified before success.
#[tauri::command]
pub async fn export_certificates(
    state: State<'_, AppState>,
    request: ExportRequest,
    on_progress: Channel<Progress>,
) -> Reply<Vec<ExportedFile>> {
    let open = open_overview(&state);
    off_ui_thread(move || {
        let (store, overview) = open()?;
        let request = actions::ExportRequest {
            ids: request.ids,
            destination: if request.to_folder {
                Destination::Folder(request.target)
            } else {
                Destination::File(request.target)
            },
            password: request.password,
            profile: request.profile,
            include_chain: request.include_chain,
            overwrite: request.overwrite,
            language: transfer::ListLanguage::from_locale(&request.language),
        };
        actions::export(&*store, &overview, &request, |done, total, identity| {
            let _ = on_progress.send(Progress { done, total, name: identity.certificate.display_name().to_owned() });
        })
    })
    .await
}

/// The name the save dialog proposes: the same rule as a folder export's files.
#[tauri::command]
pub async fn export_file_name(state: State<'_, AppState>, id: String) -> Reply<String> {
    let open = open_overview(&state);
    off_ui_thread(move || {
        let (_, overview) = open()?;
        Ok(transfer::export_file_name(overview.resolve(&[&id])?[0]))
    })
    .await
}

#[derive(Serialize)]
pub struct PlannedStep {
    pub entry: ListEntry,
    pub remove_key: bool,
    /// The last certificate of its name that still works: the app asks twice.
    pub last_working: bool,
}

/// What deleting `ids` would do, shown in the confirmation before anything happens.
#[tauri::command]
pub async fn plan_deletion(state: State<'_, AppState>, ids: Vec<String>) -> Reply<Vec<PlannedStep>> {
    let open = open_overview(&state);
    off_ui_thread(move || {
        let (_, overview) = open()?;
        let plan = actions::plan_deletion(&overview, &ids)?;
        Ok(plan
            .steps
            .iter()
            .map(|step| PlannedStep {
                entry: entry_of(&overview, &step.identity.id),
                remove_key: step.remove_key,
                last_working: plan.is_last_working(&step.identity),
            })
            .collect())
    })
    .await
}

/// The list's view of the identity `id`, which the overview holds.
fn entry_of(overview: &Overview, id: &str) -> ListEntry {
    let (identity, health) = overview.entries().find(|(i, _)| i.id == id).expect("planned from the overview");
    ListEntry::new(identity, health)
}

/// Deletes `ids` (the plan is made again here, from the store as it is now).
#[tauri::command]
pub async fn delete_certificates(
    state: State<'_, AppState>,
    ids: Vec<String>,
    on_progress: Channel<Progress>,
) -> Reply<usize> {
    let open = open_overview(&state);
    off_ui_thread(move || {
        let (store, overview) = open()?;
        let plan = actions::plan_deletion(&overview, &ids)?;
        let total = plan.steps.len();
        let mut done = 0;
        plan.carry_out(&*store, |step| {
            done += 1;
            let name = step.identity.certificate.display_name().to_owned();
            let _ = on_progress.send(Progress { done, total, name });
        })?;
        Ok(total)
    })
    .await
}

#[derive(Serialize)]
pub struct CleanupItem {
    pub entry: ListEntry,
    pub reasons: Vec<CleanupReason>,
}

#[tauri::command]
pub async fn cleanup_candidates(state: State<'_, AppState>) -> Reply<Vec<CleanupItem>> {
    let open = open_overview(&state);
    off_ui_thread(move || {
        let (_, overview) = open()?;
        Ok(actions::cleanup(&overview)
            .into_iter()
            .map(|item| CleanupItem { entry: ListEntry::new(item.identity, item.health), reasons: item.reasons })
            .collect())
    })
    .await
}

#[tauri::command]
pub async fn list_preferences(state: State<'_, AppState>) -> Reply<Vec<Preference>> {
    let open = open_overview(&state);
    let window = state.renewal_window();
    off_ui_thread(move || {
        let (store, overview) = open()?;
        prefs::load(&*store, &overview, time::OffsetDateTime::now_utc(), window)
    })
    .await
}

/// Deletes the preferences `ids` names, one item each, and answers every
/// outcome: deleted, already gone, or why not.
#[tauri::command]
pub async fn delete_preferences(state: State<'_, AppState>, ids: Vec<String>) -> Reply<Vec<PreferenceDeletion>> {
    let open = open_overview(&state);
    let window = state.renewal_window();
    off_ui_thread(move || {
        let (store, overview) = open()?;
        let now = time::OffsetDateTime::now_utc();
        let chosen =
            actions::preferences::chosen_preferences(&*store, &overview, now, window, PreferenceChoice::Ids(&ids))?;
        Ok(actions::delete_preferences(&*store, chosen))
    })
    .await
}

/// Points the preferences `ids` names at their installed renewals, and
/// answers every outcome: repointed, not repairable and why, or failed.
#[tauri::command]
pub async fn repair_preferences(
    state: State<'_, AppState>,
    ids: Vec<String>,
) -> Reply<Vec<actions::preferences::PreferenceRepair>> {
    let open = open_overview(&state);
    let window = state.renewal_window();
    off_ui_thread(move || {
        let (store, overview) = open()?;
        let now = time::OffsetDateTime::now_utc();
        let chosen =
            actions::preferences::chosen_preferences(&*store, &overview, now, window, PreferenceChoice::Ids(&ids))?;
        Ok(actions::preferences::repair_preferences(&*store, &overview, now, window, chosen))
    })
    .await
}

/// "Always use this certificate for this site", after a successful try.
#[tauri::command]
pub async fn always_use_for_site(
    state: State<'_, AppState>,
    site: String,
    identity: String,
) -> Reply<actions::preferences::AlwaysUsed> {
    let open = open_overview(&state);
    off_ui_thread(move || {
        let (store, overview) = open()?;
        let site: certdesk_core::probe::Target = site.parse()?;
        actions::preferences::always_use(&*store, &overview, &site, &identity)
    })
    .await
}

/// "Check a site": the server's trust, the CA names it asks for, the store's
/// identities ranked for it, and with `identity` a handshake as that identity:
/// refused (`server_not_trusted`) with a server not trusted here unless
/// `insecure`, which the front end sends only once the user said yes.
#[tauri::command]
pub async fn probe_site(
    state: State<'_, AppState>,
    site: String,
    identity: Option<String>,
    insecure: bool,
) -> Reply<ProbeReport> {
    let open = open_overview(&state);
    off_ui_thread(move || {
        let target: probe::Target = site.parse()?;
        let (store, overview) = open()?;
        let chosen = match &identity {
            Some(id) => Some(overview.resolve(&[id])?[0]),
            None => None,
        };
        let if_untrusted = if insecure { probe::IfUntrusted::SendAnyway } else { probe::IfUntrusted::Refuse };
        probe::probe(&target, &*store, &overview, chosen, if_untrusted)
    })
    .await
}

/// Whether each identity's chain reaches a root this computer trusts, by id;
/// asked after the list shows, since it reads the system's roots.
#[tauri::command]
pub async fn list_trust(state: State<'_, AppState>) -> Reply<HashMap<String, Trust>> {
    let open = open_overview(&state);
    off_ui_thread(move || {
        let (store, overview) = open()?;
        overview.trust(&*store)
    })
    .await
}

#[derive(Serialize)]
pub struct SettingsView {
    pub settings: Settings,
    /// The store in use now (the chosen one, or `CERTDESK_STORE`, or the default).
    pub store: String,
    pub store_choices: Vec<StoreChoice>,
    /// Linux only: the store may be a folder the user picks.
    pub store_is_choosable: bool,
    /// The longest renewal window, in days (the shortest is 0: no warning).
    pub renewal_max_days: u32,
}

#[tauri::command]
pub async fn get_settings(state: State<'_, AppState>) -> Reply<SettingsView> {
    let settings = state.settings();
    let store = state.store().to_string();
    off_ui_thread(move || {
        Ok(SettingsView {
            settings,
            store,
            store_choices: store::stores_on_this_computer(),
            store_is_choosable: cfg!(all(unix, not(target_os = "macos"))),
            renewal_max_days: RenewalWindow::MAX_DAYS,
        })
    })
    .await
}

/// "Add to calendar": the renewal and expiry days of the certificates `ids`
/// (none: every personal one) written to `path` as an iCalendar file; the
/// save dialog already asked about replacing an existing file. Answers how
/// many certificates it holds.
#[tauri::command]
pub async fn save_calendar(
    state: State<'_, AppState>,
    ids: Vec<String>,
    path: PathBuf,
    language: String,
) -> Reply<usize> {
    let open = open_overview(&state);
    let window = state.renewal_window();
    off_ui_thread(move || {
        let (_store, overview) = open()?;
        let language = transfer::ListLanguage::from_locale(&language);
        let (ics, count) =
            certdesk_core::calendar::calendar_of(&overview, &ids, window, time::OffsetDateTime::now_utc(), language)?;
        transfer::save_private_file(&path, ics.as_bytes(), true)?;
        Ok(count)
    })
    .await
}

/// The present cards that show more once unlocked with their PIN, each
/// with its PIN state's advice in the window's language.
#[tauri::command]
pub async fn cards_to_unlock(state: State<'_, AppState>, language: String) -> Reply<Vec<actions::tokens::TokenAdvice>> {
    let modules = state.store().token_modules(&state.settings().token_modules);
    let language = transfer::ListLanguage::from_locale(&language);
    off_ui_thread(move || Ok(actions::tokens::cards_to_unlock(&modules, language))).await
}

/// Unlocks a card (`store`: its `pkcs11:…#token=LABEL`) for this run; the
/// PIN is used once and dropped. `pin` is none on a PIN-pad reader.
#[tauri::command]
pub async fn unlock_card(store: String, pin: Option<Secret>) -> Reply<()> {
    let spec: certdesk_core::StoreSpec = store.parse()?;
    off_ui_thread(move || actions::tokens::unlock_card(&spec, pin.as_ref())).await
}

/// Locks every card unlocked this run again.
#[tauri::command]
pub async fn lock_cards() -> Reply<()> {
    off_ui_thread(|| {
        certdesk_core::store::pkcs11::lock_all();
        Ok(())
    })
    .await
}

/// Reads a PKCS#11 module the user is adding in the settings: its library
/// and tokens, or why it cannot be used.
#[tauri::command]
pub async fn check_token_module(path: PathBuf, language: String) -> Reply<actions::tokens::ModuleReport> {
    let language = transfer::ListLanguage::from_locale(&language);
    off_ui_thread(move || actions::tokens::check_module(&path, language)).await
}

/// `store_chosen`: the user picked the store in this dialog; otherwise
/// `settings.store` is the saved choice sent back, and a `CERTDESK_STORE`
/// given for this run stays in force.
#[tauri::command]
pub async fn save_settings(state: State<'_, AppState>, settings: Settings, store_chosen: bool) -> Reply<()> {
    settings.validate().map_err(|why| IpcError::from(Error::InvalidInput(why)))?;
    if let Some(spec) = &settings.store {
        spec.parse::<certdesk_core::StoreSpec>()?;
    }
    // Reminders are switched by `set_reminders` (or `certdesk reminders`) alone, which also
    // make or remove the schedule: the saved file says which, not this window's memory.
    let current = state.settings_path.as_deref().map_or_else(|| state.settings(), Settings::load);
    let settings = Settings { reminders: current.reminders, reminders_offered: current.reminders_offered, ..settings };
    if let Some(path) = &state.settings_path {
        settings.save(path)?;
    }
    state.replace_settings(settings, store_chosen);
    Ok(())
}

/// "Remind me before my certificates expire": creates the daily check (the
/// system's scheduler running the `certdesk` command installed beside the
/// app) or removes it, and saves the choice; declining the offer is `false`.
/// Answers the settings as saved.
#[tauri::command]
pub async fn set_reminders(state: State<'_, AppState>, on: bool) -> Reply<Settings> {
    use certdesk_core::reminders;
    let path = state.settings_path.clone().ok_or_else(|| {
        IpcError::from(Error::InvalidInput(
            "this system has no folder for settings, so reminders cannot be kept".into(),
        ))
    })?;
    let saved = off_ui_thread(move || {
        let (saved, _files) = if on {
            let cli = command_line_beside_the_app()?;
            #[cfg(target_os = "macos")]
            crate::reminder_clicks::may_remind()?;
            reminders::turn_on(reminders::Scheduler::for_this_computer(), &cli, &path)?
        } else {
            reminders::turn_off(&path)?
        };
        Ok(saved)
    })
    .await?;
    state.set_reminders(saved.reminders, saved.reminders_offered);
    Ok(saved)
}

/// The `certdesk` command the packages install beside the app (the .deb in
/// /usr/bin, the MSI in the same folder, the Mac app in Contents/MacOS).
fn command_line_beside_the_app() -> certdesk_core::Result<PathBuf> {
    let app =
        std::env::current_exe().map_err(|e| Error::Io { what: "finding certdesk's program".into(), source: e })?;
    let cli = app.with_file_name(format!("certdesk{}", std::env::consts::EXE_SUFFIX));
    if cli.is_file() {
        Ok(cli)
    } else {
        Err(Error::InvalidInput(format!(
            "the certdesk command is not installed beside the app ({}); reinstall certdesk to turn reminders on",
            cli.display()
        )))
    }
}

/// The certificate a click on a reminder asked to show (`certdesk-app
/// --show ID`), once; none after that until another click.
#[tauri::command]
pub fn certificate_to_show(state: State<'_, AppState>) -> Option<String> {
    state.take_certificate_to_show()
}

/// "Show in folder" after an export: the system's file manager, with the file selected where it can.
#[tauri::command]
pub async fn reveal_in_folder(path: PathBuf) -> Reply<()> {
    use std::process::Command;
    let mut command = if cfg!(windows) {
        let mut c = Command::new("explorer");
        c.arg(format!("/select,{}", path.display()));
        c
    } else if cfg!(target_os = "macos") {
        let mut c = Command::new("open");
        c.arg("-R").arg(&path);
        c
    } else {
        let mut c = Command::new("xdg-open");
        c.arg(if path.is_dir() { path.as_path() } else { path.parent().unwrap_or(&path) });
        c
    };
    command.spawn().map(drop).map_err(|e| Error::Io { what: "opening the file manager".into(), source: e }.into())
}
