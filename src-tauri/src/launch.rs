//! How long the app takes to show its first rows, reported for `bench/run`
//! (which compares it with a blank window of the same Tauri build,
//! `bench/blank-window`). Measured inside the app, from `main` to the
//! frame after the first rows paint, so that nothing that launches the app
//! (a shell, WebDriver) is counted.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use tauri::{AppHandle, Runtime};

static STARTED: OnceLock<Instant> = OnceLock::new();
/// When the store's first listing was read, after `main`.
static STORE_READ: OnceLock<Duration> = OnceLock::new();
/// When the page first asked for the listing, after `main`: the window's own start.
static LISTING_ASKED: OnceLock<Duration> = OnceLock::new();

/// Called first thing in `main`.
pub fn started() {
    STARTED.get_or_init(Instant::now);
}

fn since_main() -> Option<Duration> {
    STARTED.get().map(Instant::elapsed)
}

/// The first listing has been read from the store (only the first call counts).
pub fn store_read() {
    if let Some(elapsed) = since_main() {
        STORE_READ.get_or_init(|| elapsed);
    }
}

/// The page asked for its listing (only the first call counts).
pub fn listing_asked() {
    if let Some(elapsed) = since_main() {
        LISTING_ASKED.get_or_init(|| elapsed);
    }
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

/// The page's clock at each step of its first listing (`PageMarks` in
/// `ui/src/lib/api.ts`): milliseconds since it started loading.
#[derive(Debug, Clone, Copy, serde::Deserialize)]
pub struct PageMarks {
    asked: f64,
    arrived: f64,
    set: f64,
    drawn: f64,
    painted: f64,
}

/// The front end calls this once, two frames after the first rows arrived.
#[tauri::command]
pub fn first_rows_painted<R: Runtime>(app: AppHandle<R>, page: PageMarks) {
    let Some(report) = Report::asked() else { return };
    if let Some(painted) = since_main() {
        println!("launch: first rows painted {} ms after main", painted.as_millis());
        // Where the time went: the window's start (to the page's first
        // question) and the store's read overlap; the rest is the answer's
        // trip and the first paint.
        let ms = |at: &OnceLock<Duration>| at.get().map_or_else(|| "?".to_owned(), |d| d.as_millis().to_string());
        println!("launch detail: listing asked at {} ms, store read at {} ms", ms(&LISTING_ASKED), ms(&STORE_READ));
        println!(
            "launch page: page loading to asking {:.0} ms, answer's trip {:.0} ms, rows set {:.0} ms, DOM updated {:.0} ms, painted {:.0} ms",
            page.asked,
            page.arrived - page.asked,
            page.set - page.arrived,
            page.drawn - page.set,
            page.painted - page.drawn
        );
    }
    if report == Report::PrintAndQuit {
        app.exit(0);
    }
}
