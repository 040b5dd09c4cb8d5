//! Hostile certificates through a real NSS database: hand-made ones that
//! cannot be right (validity reversed, empty names and serial, keys of 0
//! and 100,000 bits, an unknown critical extension) and a sample of the
//! generator's variants (`crates/core/tests/support/hostile.rs`) are added
//! with NSS's own `certutil`, then every command that reads the store runs
//! over them: none may crash, each answers or fails with a classified error,
//! and what is wrong is said.

#![cfg(unix)]

#[path = "../../core/tests/support/hostile.rs"]
mod hostile;
mod support;

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use serde_json::Value;
use support::*;

fn base() -> Vec<u8> {
    std::fs::read(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/tls/server.der")).unwrap()
}

/// Exit 0, or a handled failure (1 or 2) with a JSON error of a known kind; never a panic or an abort.
fn assert_handled(what: &str, out: &Output) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{what} panicked: {stderr}");
    match out.status.code() {
        Some(0) => {}
        Some(1 | 2) => {
            let error = json_of(out);
            let kind = error["error"]["kind"].as_str().unwrap_or_default().to_owned();
            assert!(certdesk_core::Error::KINDS.contains(&kind.as_str()), "{what}: unknown error {error}");
        }
        other => panic!("{what} ended with {other:?}: {stderr}"),
    }
}

#[test]
fn every_command_over_a_store_of_hostile_certificates_answers_without_crashing() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("nssdb");
    new_nss_db(&db);
    let base = base();
    let hand_made = hostile::hand_made_certificates(&base);
    // Every third variant that X.509 parsing accepts, so the store stays quick to list.
    let variants = hostile::hostile_variants(&base)
        .into_iter()
        .filter(|(_, der)| certdesk_core::Certificate::from_der(der).is_ok())
        .step_by(3)
        .map(|(label, der)| (label, der, None));
    let mut added = 0;
    for (n, (what, der, _)) in hand_made.into_iter().map(|(w, d, x)| (w.to_owned(), d, x)).chain(variants).enumerate() {
        let der =
            if what == "zero-length serial" { der } else { hostile::with_serial(&der, 1000 + n as u32).unwrap_or(der) };
        let file = tmp.path().join(format!("hostile-{n}.der"));
        std::fs::write(&file, &der).unwrap();
        let out = Command::new("certutil")
            .args(["-A", "-t", ",,", "-n", &format!("hostile {n}"), "-d"])
            .arg(format!("sql:{}", db.display()))
            .arg("-i")
            .arg(&file)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        // NSS refuses some outright; those never reach certdesk.
        if out.status.success() {
            added += 1;
        } else {
            println!("certutil refused {what}: {}", String::from_utf8_lossy(&out.stderr).trim());
        }
    }
    println!("NSS took {added} hostile certificates");
    assert!(added >= 25, "NSS took only {added} hostile certificates");

    let list = certdesk(&db).args(["--json", "list"]).output().unwrap();
    assert_handled("list", &list);
    let entries = json_of(&list);
    let entries = entries.as_array().unwrap();
    let reversed: Vec<&Value> = entries
        .iter()
        .filter(|e| e["defects"].as_array().unwrap().contains(&Value::from("validity_reversed")))
        .collect();
    assert!(!reversed.is_empty(), "the certificate whose validity ends before it begins is listed, with its defect");
    for args in
        [&["list"][..], &["--json", "list", "--trust"], &["list", "--trust"], &["--json", "cleanup"], &["cleanup"]]
    {
        assert_handled(&args.join(" "), &certdesk(&db).args(args).output().unwrap());
    }
    let show = certdesk(&db).args(["show", reversed[0]["id"].as_str().unwrap()]).output().unwrap();
    assert_handled("show", &show);
    assert!(String::from_utf8_lossy(&show.stdout).contains("was never valid"), "show says what is wrong");
    let out = tmp.path().join("out");
    for entry in entries {
        let id = entry["id"].as_str().unwrap();
        assert_handled(&format!("show {id}"), &certdesk(&db).args(["--json", "show", id]).output().unwrap());
        let export = certdesk(&db)
            .args(["--json", "export", id, "--out"])
            .arg(out.join(format!("{id}.p12")))
            .env("CERTDESK_NEW_PASSWORD", "pw")
            .output()
            .unwrap();
        assert_handled(&format!("export {id}"), &export);
    }
}
