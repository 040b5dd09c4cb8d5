//! How long the app takes to show its first rows, reported for `bench/run`
//! (which compares it with a blank window of the same Tauri build,
//! `bench/blank-window`). Measured inside the app, from `main` to the
//! frame after the first rows paint, so that nothing that launches the app
//! (a shell, WebDriver) is counted.

use std::sync::OnceLock;
use std::time::Instant;

use tauri::{AppHandle, Runtime};

static STARTED: OnceLock<Instant> = OnceLock::new();

/// Called first thing in `main`.
pub fn started() {
    STARTED.get_or_init(Instant::now);
}

/// What `CERTDESK_REPORT_LAUNCH` asks for; unset (every normal start), nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Report {
    Print,
    PrintAndQuit,
}

impl Report {
    fn asked() -> Option<Report> {
        match std::env::var("CERTDESK_REPORT_LAUNCH").ok()?.as_str() {
            "quit" => Some(Report::PrintAndQuit),
            _ => Some(Report::Print),
        }
    }
}

/// The front end calls this once, two frames after the first rows arrived.
#[tauri::command]
pub fn first_rows_painted<R: Runtime>(app: AppHandle<R>) {
    let Some(report) = Report::asked() else { return };
    if let Some(started) = STARTED.get() {
        println!("launch: first rows painted {} ms after main", started.elapsed().as_millis());
    }
    if report == Report::PrintAndQuit {
        app.exit(0);
    }
}
