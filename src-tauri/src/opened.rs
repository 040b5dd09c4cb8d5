//! Files handed to the app from outside: on its command line (a file manager
//! starts `certdesk-app FILE…` for a double-clicked .pfx or .cer), and by a
//! second launch while it runs, which passes its command line to this one
//! (tauri-plugin-single-instance: D-Bus on Linux, a window message on
//! Windows) and exits.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use certdesk_core::actions::{self, OpenedFile};
use tauri::{AppHandle, Emitter as _, Manager as _, Runtime};

use crate::state::AppState;

/// The event that tells the window files are waiting (`opened_files` takes them).
pub const FILES_OPENED: &str = "files-opened";

/// The files of a command line's arguments that certdesk opens, relative
/// ones taken from `cwd` (the launching process's folder) when given.
pub fn files_in(args: impl IntoIterator<Item = OsString>, cwd: Option<&Path>) -> Vec<OpenedFile> {
    let path = |arg: OsString| match cwd {
        Some(cwd) => cwd.join(arg),
        None => PathBuf::from(arg),
    };
    actions::files_to_open(args.into_iter().map(path))
}

/// The certificate a command line asks to show: `--show ID` (a click on a
/// Linux reminder) or `certdesk://show/ID` (a Windows toast's, through the
/// URL scheme the installer registers).
pub fn certificate_asked(args: impl IntoIterator<Item = String>) -> Option<String> {
    let mut args = args.into_iter();
    let is_id = |id: &str| !id.is_empty() && id.len() <= 128 && id.bytes().all(|b| b.is_ascii_hexdigit());
    while let Some(arg) = args.next() {
        let asked = match arg.strip_prefix(certdesk_core::reminders::SHOW_LINK_PREFIX) {
            Some(id) => Some(id.trim_end_matches('/').to_owned()),
            None if arg == "--show" => args.next(),
            None => None,
        };
        if let Some(id) = asked.filter(|id| is_id(id)) {
            return Some(id.to_ascii_lowercase());
        }
    }
    None
}

/// The event that tells the window a certificate is to be shown (`certificate_to_show` takes it).
pub const CERTIFICATE_ASKED: &str = "certificate-asked";

/// A second launch's command line (`argv[0]` its program) from `cwd`: its files
/// wait for the window, which is told and brought to the front, files or not
/// (a second click on the Start menu entry means "show me certdesk").
pub fn handed_over<R: Runtime>(app: &AppHandle<R>, argv: Vec<String>, cwd: String) {
    if let (Some(id), Some(state)) = (certificate_asked(argv.iter().skip(1).cloned()), app.try_state::<AppState>()) {
        state.show_certificate(id);
        let _ = app.emit(CERTIFICATE_ASKED, ());
    }
    let files = files_in(argv.into_iter().skip(1).map(OsString::from), Some(Path::new(&cwd)));
    // The plugin answers from the moment it starts, before the app's state
    // exists: a launch in that instant opens the window without its files.
    if let (false, Some(state)) = (files.is_empty(), app.try_state::<AppState>()) {
        state.open_files(files);
        let _ = app.emit(FILES_OPENED, ());
    }
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reminders_click_names_its_certificate_and_nothing_else_passes_for_one() {
        let asked = |args: &[&str]| certificate_asked(args.iter().map(|a| (*a).to_owned()));
        assert_eq!(asked(&["--show", "43D6250e"]), Some("43d6250e".into()));
        assert_eq!(asked(&["certdesk://show/43d6250e/"]), Some("43d6250e".into()));
        assert_eq!(asked(&["証明書.pfx"]), None);
        assert_eq!(asked(&["--show"]), None);
        assert_eq!(asked(&["certdesk://show/../../etc"]), None);
        assert_eq!(asked(&["--show", "x".repeat(20).as_str()]), None);
    }

    #[test]
    fn the_link_a_reminder_carries_opens_its_certificate() {
        use certdesk_core::reminders::{Reminder, Stage};
        let reminder = Reminder {
            id: "43d6250e".into(),
            name: "山田 太郎".into(),
            issuer_name: "Enterprise Premium CA - G2".into(),
            expires_on: "2027-03-01".into(),
            days_left: 80,
            stage: Stage::RenewalOpen,
        };
        assert_eq!(certificate_asked([reminder.show_link()]), Some("43d6250e".into()));
    }

    #[test]
    fn a_second_launchs_relative_files_are_found_in_its_folder() {
        let args = ["証明書.pfx", "/abs/ca.crt", "readme.txt"].map(OsString::from);
        let files = files_in(args, Some(Path::new("/home/山田/ダウンロード")));
        let paths: Vec<_> = files.iter().map(|f| f.path.clone()).collect();
        assert_eq!(paths, [PathBuf::from("/home/山田/ダウンロード/証明書.pfx"), PathBuf::from("/abs/ca.crt")]);
    }
}
