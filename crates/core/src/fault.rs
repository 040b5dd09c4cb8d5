//! Faults injected at named points, so that tests reach failure paths no
//! real input reaches on demand (an import the store rejects after it has
//! added part of a file), and pauses at named points, so that a test can
//! look at the disk or the store at that exact moment, or SIGKILL the
//! process there. Only debug builds, which the tests run, read
//! `CERTDESK_FAULT` and `CERTDESK_PAUSE`; a release build never fails or
//! waits here.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::error::{Error, Result};

/// Fails when `CERTDESK_FAULT` (a comma-separated list) names `point`, each
/// time it is reached (a `#n` there counts only for pauses); pauses there
/// first when `CERTDESK_PAUSE` names it (see [`pause_at`]).
pub fn at(point: &str) -> Result<()> {
    pause_at(point);
    if named_in("CERTDESK_FAULT", point).is_some() {
        return Err(Error::Store { store: "(test)".into(), why: format!("a fault injected at {point}") });
    }
    Ok(())
}

/// Whether `CERTDESK_FAULT` names `point`: for faults that change data
/// rather than fail (a writer that damages what it writes).
pub fn damages(point: &str) -> bool {
    named_in("CERTDESK_FAULT", point).is_some()
}

/// Pauses the process the `n`th time it reaches `point` when
/// `CERTDESK_PAUSE` names `point#n` (or `point`, the first time): it writes
/// `certdesk: paused at POINT` on stderr and waits for a line on stdin.
/// The test then kills it (SIGKILL, the dangerous moment made exact) or
/// lets it go on; with nothing to read on stdin it goes on at once.
pub fn pause_at(point: &str) {
    let Some(wanted) = named_in("CERTDESK_PAUSE", point) else { return };
    static REACHED: Mutex<Option<HashMap<String, usize>>> = Mutex::new(None);
    let times = {
        let mut reached = REACHED.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let count = reached.get_or_insert_with(HashMap::new).entry(point.to_owned()).or_default();
        *count += 1;
        *count
    };
    if times == wanted {
        use std::io::Write as _;
        let mut stderr = std::io::stderr().lock();
        let _ = writeln!(stderr, "certdesk: paused at {point}");
        let _ = stderr.flush();
        drop(stderr);
        let _ = std::io::stdin().read_line(&mut String::new());
    }
}

/// The occurrence of `point` that `variable` names (`point` alone is the first), in debug builds.
fn named_in(variable: &str, point: &str) -> Option<usize> {
    if !cfg!(debug_assertions) {
        return None;
    }
    let points = std::env::var(variable).ok()?;
    points.split(',').map(str::trim).find_map(|named| match named.split_once('#') {
        Some((name, n)) if name == point => n.parse().ok(),
        None if named == point => Some(1),
        _ => None,
    })
}
