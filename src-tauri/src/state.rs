//! What the app holds between commands: the settings and the store they name.

use std::path::PathBuf;
use std::sync::mpsc::Receiver;
use std::sync::Mutex;

use certdesk_core::actions::{OpenedFile, SearchIndex};
use certdesk_core::{Secret, StoreSpec};

use crate::commands::ReadListing;
use certdesk_core::settings::Settings;

/// The listing read as the app starts, until the window asks for it.
type FirstListing = Receiver<certdesk_core::Result<ReadListing>>;

/// The last listing the window was sent, as the search reads it.
#[derive(Default)]
struct SearchedListing {
    generation: u64,
    index: SearchIndex,
}

pub struct AppState {
    pub settings: Mutex<Settings>,
    /// Where the settings are saved; `None` when the system has no config folder.
    pub settings_path: Option<PathBuf>,
    /// Set from `CERTDESK_STORE` (the tests point the app at a temporary
    /// database this way); it wins over the saved setting for this run.
    store_override: Mutex<Option<StoreSpec>>,
    first_listing: Mutex<Option<FirstListing>>,
    searched: Mutex<SearchedListing>,
    /// The files the app was started on (a double-click on a .pfx in the
    /// file manager) or a second launch handed it, until the window takes them.
    opened_files: Mutex<Vec<OpenedFile>>,
    /// The certificate a click on a reminder asked to show, until the window takes it.
    certificate_to_show: Mutex<Option<String>>,
    /// The Primary Password entered for an NSS database this run, with the
    /// store it opens: in memory only, never saved, gone when the app closes.
    database_password: Mutex<Option<(StoreSpec, Secret)>>,
}

impl AppState {
    pub fn new(settings_path: Option<PathBuf>) -> Self {
        let settings = settings_path.as_deref().map(Settings::load).unwrap_or_default();
        let store_override = std::env::var("CERTDESK_STORE").ok().and_then(|spec| spec.parse().ok());
        AppState {
            settings: Mutex::new(settings),
            settings_path,
            store_override: Mutex::new(store_override),
            first_listing: Mutex::new(None),
            searched: Mutex::default(),
            opened_files: Mutex::default(),
            certificate_to_show: Mutex::default(),
            database_password: Mutex::default(),
        }
    }

    /// The state of a run over `store` with no settings file: what the tests use.
    pub fn for_store(store: StoreSpec) -> Self {
        AppState {
            settings: Mutex::new(Settings::default()),
            settings_path: None,
            store_override: Mutex::new(Some(store)),
            first_listing: Mutex::new(None),
            searched: Mutex::default(),
            opened_files: Mutex::default(),
            certificate_to_show: Mutex::default(),
            database_password: Mutex::default(),
        }
    }

    /// Keeps files handed to the app for the window to take.
    pub fn open_files(&self, files: Vec<OpenedFile>) {
        self.opened_files.lock().unwrap_or_else(|e| e.into_inner()).extend(files);
    }

    /// A reminder's click asked for certificate `id` (the last one asked wins).
    pub fn show_certificate(&self, id: String) {
        *self.certificate_to_show.lock().unwrap_or_else(|e| e.into_inner()) = Some(id);
    }

    pub fn take_certificate_to_show(&self) -> Option<String> {
        self.certificate_to_show.lock().unwrap_or_else(|e| e.into_inner()).take()
    }

    /// The reminder settings as `set_reminders` saved them.
    pub fn set_reminders(&self, on: bool, offered: bool) {
        let mut settings = self.settings.lock().unwrap_or_else(|e| e.into_inner());
        settings.reminders = on;
        settings.reminders_offered = offered;
    }

    /// The files handed to the app, once: a later reload of the page does not open them again.
    pub fn take_opened_files(&self) -> Vec<OpenedFile> {
        std::mem::take(&mut *self.opened_files.lock().unwrap_or_else(|e| e.into_inner()))
    }

    pub fn set_first_listing(&self, listing: FirstListing) {
        *self.first_listing.lock().unwrap_or_else(|e| e.into_inner()) = Some(listing);
    }

    /// The listing read at start, once; `None` after that, or once settings changed.
    pub fn take_first_listing(&self) -> Option<FirstListing> {
        self.first_listing.lock().unwrap_or_else(|e| e.into_inner()).take()
    }

    /// Keeps `index` as the search's view of the listing about to be sent,
    /// and answers that listing's generation.
    pub fn keep_search_index(&self, index: SearchIndex) -> u64 {
        let mut searched = self.searched.lock().unwrap_or_else(|e| e.into_inner());
        *searched = SearchedListing { generation: searched.generation + 1, index };
        searched.generation
    }

    /// `search` over the index of listing `generation`; `None` once a newer listing replaced it.
    pub fn search_listing<T>(&self, generation: u64, search: impl FnOnce(&SearchIndex) -> T) -> Option<T> {
        let searched = self.searched.lock().unwrap_or_else(|e| e.into_inner());
        (searched.generation == generation).then(|| search(&searched.index))
    }

    pub fn settings(&self) -> Settings {
        self.settings.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The store to open now: the override, else the chosen one, else the platform's default.
    pub fn store(&self) -> StoreSpec {
        if let Some(spec) = self.store_override.lock().unwrap_or_else(|e| e.into_inner()).clone() {
            return spec;
        }
        self.settings().store.and_then(|s| s.parse().ok()).unwrap_or_else(StoreSpec::default_for_this_os)
    }

    /// A store chosen in the settings (`store_chosen`) replaces the override
    /// for the rest of the run, even the saved one chosen again; saving other
    /// settings leaves it, so the override stays this run's and is not saved.
    pub fn replace_settings(&self, settings: Settings, store_chosen: bool) {
        // A listing read under the old settings is not the answer any more.
        drop(self.take_first_listing());
        if store_chosen {
            *self.store_override.lock().unwrap_or_else(|e| e.into_inner()) = None;
        }
        *self.settings.lock().unwrap_or_else(|e| e.into_inner()) = settings;
    }

    /// The Primary Password entered for the store open now; none once
    /// another store was chosen.
    pub fn database_password(&self) -> Option<Secret> {
        let current = self.store();
        let kept = self.database_password.lock().unwrap_or_else(|e| e.into_inner());
        kept.as_ref().filter(|(store, _)| *store == current).map(|(_, password)| password.clone())
    }

    /// Keeps `password`, checked against `store`, for the rest of this run.
    pub fn keep_database_password(&self, store: StoreSpec, password: Secret) {
        *self.database_password.lock().unwrap_or_else(|e| e.into_inner()) = Some((store, password));
    }

    pub fn renewal_window(&self) -> time::Duration {
        // A hand-edited settings file may hold any number: outside the window's range it means the default.
        certdesk_core::RenewalWindow::of_days(self.settings().renewal_days).unwrap_or_default().duration()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn started_with_an_override() -> AppState {
        AppState::for_store("nss:/given/for/this/run".parse().unwrap())
    }

    #[test]
    fn a_primary_password_opens_only_the_store_it_was_entered_for() {
        let state = started_with_an_override();
        assert!(state.database_password().is_none());
        state.keep_database_password(state.store(), Secret::from("primary 主"));
        assert_eq!(state.database_password().map(|p| p.expose().to_owned()).as_deref(), Some("primary 主"));
        let mut settings = state.settings();
        settings.store = Some("nss:/another".into());
        state.replace_settings(settings, true);
        assert!(state.database_password().is_none(), "another store does not get it");
    }

    #[test]
    fn the_files_the_app_was_started_on_are_opened_once() {
        let state = started_with_an_override();
        let file =
            OpenedFile { path: PathBuf::from("/home/me/山田.pfx"), opening: certdesk_core::actions::Opening::Import };
        state.open_files(vec![file.clone()]);
        assert_eq!(state.take_opened_files(), [file]);
        assert!(state.take_opened_files().is_empty(), "a reload of the page opens nothing again");
    }

    #[test]
    fn the_listing_read_at_start_answers_once_and_not_after_the_settings_changed() {
        let state = started_with_an_override();
        state.set_first_listing(std::sync::mpsc::channel().1);
        assert!(state.take_first_listing().is_some());
        assert!(state.take_first_listing().is_none(), "only the first call takes it");

        state.set_first_listing(std::sync::mpsc::channel().1);
        state.replace_settings(Settings { renewal_days: 30, ..Settings::default() }, false);
        assert!(state.take_first_listing().is_none(), "read under the old settings");
    }

    #[test]
    fn saving_other_settings_keeps_the_override_and_choosing_a_store_ends_it() {
        let state = started_with_an_override();
        state.replace_settings(Settings { renewal_days: 30, ..Settings::default() }, false);
        assert_eq!(state.store().to_string(), "nss:/given/for/this/run");
        assert_eq!(state.settings().store, None, "the override is not the saved choice");

        state.replace_settings(Settings { store: Some("nss:/chosen".into()), ..Settings::default() }, true);
        assert_eq!(state.store().to_string(), "nss:/chosen");
    }

    #[test]
    fn choosing_the_saved_store_again_ends_the_override_too() {
        let state = started_with_an_override();
        state.replace_settings(Settings::default(), true);
        assert_eq!(state.store().to_string(), StoreSpec::default_for_this_os().to_string());
    }
}
