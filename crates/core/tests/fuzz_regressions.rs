//! Every input in `fuzz/regressions/` (see its README) is read again: no
//! panic, at most a second, and a failure only of a class a user can act on.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use certdesk_core::{inspect, Certificate, Secret};

fn regressions(target: &str) -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/regressions").join(target);
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(&dir).map(|entries| entries.map(|e| e.unwrap().path()).collect()).unwrap_or_default();
    files.sort();
    files
}

#[test]
fn pkcs12_regressions_are_refused_quickly_with_a_class() {
    let files = regressions("pkcs12_read");
    assert!(!files.is_empty(), "the regression files are in the repository");
    for file in files {
        let bytes = std::fs::read(&file).unwrap();
        for password in ["certdesk", "password", ""] {
            let started = Instant::now();
            let outcome = std::panic::catch_unwind(|| inspect::inspect("regression", &bytes, &Secret::from(password)));
            let took = started.elapsed();
            let Ok(outcome) = outcome else { panic!("{} panicked", file.display()) };
            if let Err(e) = outcome {
                assert!(matches!(e.kind(), "corrupt" | "unsupported" | "wrong_password"), "{}: {e}", file.display());
            }
            assert!(took < Duration::from_secs(1), "{} took {took:?}", file.display());
        }
    }
}

#[test]
fn certificate_regressions_parse_or_fail_without_a_panic() {
    for file in regressions("certificate_parse") {
        let bytes = std::fs::read(&file).unwrap();
        let outcome = std::panic::catch_unwind(|| Certificate::from_der(&bytes).map(|c| c.display_name().to_owned()));
        assert!(outcome.is_ok(), "{} panicked", file.display());
    }
}
