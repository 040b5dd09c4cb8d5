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

/// A second launch's command line (`argv[0]` its program) from `cwd`: its files
/// wait for the window, which is told and brought to the front, files or not
/// (a second click on the Start menu entry means "show me certdesk").
pub fn handed_over<R: Runtime>(app: &AppHandle<R>, argv: Vec<String>, cwd: String) {
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
    fn a_second_launchs_relative_files_are_found_in_its_folder() {
        let args = ["証明書.pfx", "/abs/ca.crt", "readme.txt"].map(OsString::from);
        let files = files_in(args, Some(Path::new("/home/山田/ダウンロード")));
        let paths: Vec<_> = files.iter().map(|f| f.path.clone()).collect();
        assert_eq!(paths, [PathBuf::from("/home/山田/ダウンロード/証明書.pfx"), PathBuf::from("/abs/ca.crt")]);
    }
}
