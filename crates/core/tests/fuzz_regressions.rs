//! Every input in `fuzz/regressions/` (see its README) is read again: no
//! panic, at most a second (two for PKCS#12 files), and a failure only of
//! a class a user can act on. The targets that turn bytes into something else first (attributes, typed
//! text, a description of a PFX) replay through the fuzz targets' own code,
//! `fuzz/harness/`.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use certdesk_core::{inspect, Certificate, Secret};

#[path = "../../../fuzz/harness/id_prefix.rs"]
mod id_prefix;
#[path = "../../../fuzz/harness/pkcs12_structured.rs"]
mod pkcs12_structured;
#[path = "../../../fuzz/harness/preference_attributes.rs"]
mod preference_attributes;

/// The targets whose findings this file replays.
const REPLAYED: [&str; 5] =
    ["pkcs12_read", "pkcs12_structured", "certificate_parse", "preference_attributes", "id_prefix"];

fn regressions_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/regressions")
}

fn regressions(target: &str) -> Vec<PathBuf> {
    let dir = regressions_dir().join(target);
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(&dir).map(|entries| entries.map(|e| e.unwrap().path()).collect()).unwrap_or_default();
    files.sort();
    files
}

/// Reads one PKCS#12 file: no panic, a failure of a class a user can act
/// on, and at most two seconds, twice what the reader's budget admits in a
/// release build (`pkcs12::MAX_KDF_WORK`): work the budget did not charge
/// runs far past that (the files here once asked for minutes).
fn read_quickly_with_a_class(file: &std::path::Path, bytes: &[u8], password: &str) {
    let started = Instant::now();
    let outcome = std::panic::catch_unwind(|| inspect::inspect("regression", bytes, &Secret::from(password)));
    let took = started.elapsed();
    let Ok(outcome) = outcome else { panic!("{} panicked", file.display()) };
    if let Err(e) = outcome {
        assert!(matches!(e.kind(), "corrupt" | "unsupported" | "wrong_password"), "{}: {e}", file.display());
    }
    assert!(took < Duration::from_secs(2), "{} took {took:?}", file.display());
}

#[test]
fn pkcs12_regressions_are_refused_quickly_with_a_class() {
    let files = regressions("pkcs12_read");
    assert!(!files.is_empty(), "the regression files are in the repository");
    for file in files {
        let bytes = std::fs::read(&file).unwrap();
        for password in ["certdesk", "password", ""] {
            read_quickly_with_a_class(&file, &bytes, password);
        }
    }
}

/// The structured target's findings are descriptions: each is rendered to
/// the file the fuzzer read, which is read under the fuzzer's password.
#[test]
fn structured_pkcs12_regressions_are_refused_quickly_with_a_class() {
    let password = Secret::from(pkcs12_structured::PASSWORD);
    for file in regressions("pkcs12_structured") {
        let description = std::fs::read(&file).unwrap();
        let rendered = pkcs12_structured::render(&description, &password);
        let rendered = rendered.unwrap_or_else(|| panic!("{} describes no PFX", file.display()));
        read_quickly_with_a_class(&file, &rendered, pkcs12_structured::PASSWORD);
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

/// Replays each file through the target's own code: no panic, at most a second.
fn replay_quickly(target: &str, run: fn(&[u8])) {
    // Once untimed: `id_prefix` reads its identities from two fixture files first.
    run(&[]);
    for file in regressions(target) {
        let bytes = std::fs::read(&file).unwrap();
        let started = Instant::now();
        let outcome = std::panic::catch_unwind(|| run(&bytes));
        let took = started.elapsed();
        assert!(outcome.is_ok(), "{} panicked", file.display());
        assert!(took < Duration::from_secs(1), "{} took {took:?}", file.display());
    }
}

#[test]
fn preference_attribute_regressions_read_without_a_panic() {
    replay_quickly("preference_attributes", preference_attributes::run);
}

#[test]
fn id_prefix_regressions_get_an_answer_without_a_panic() {
    replay_quickly("id_prefix", id_prefix::run);
}

#[test]
fn every_regression_folder_is_replayed_by_a_test() {
    for entry in std::fs::read_dir(regressions_dir()).unwrap() {
        let entry = entry.unwrap();
        if !entry.file_type().unwrap().is_dir() {
            continue;
        }
        let name = entry.file_name().to_string_lossy().into_owned();
        assert!(
            REPLAYED.contains(&name.as_str()),
            "fuzz/regressions/{name}/ is replayed by no test: add one to crates/core/tests/fuzz_regressions.rs"
        );
    }
}
