//! Faults: an export killed at any moment, a store that cannot be used, and
//! an import the store rejects halfway. Nothing may be lost or half-written.

#![cfg(unix)]

mod support;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::*;

/// A database with one identity (and its CA), and that identity's id.
fn one_identity(dir: &Path) -> (std::path::PathBuf, String) {
    let ca = Ca::new(dir, "Fault CA");
    issue(&ca, dir, &Leaf::new("alice", "/CN=Alice Fault/O=Example", -1, 300), time::OffsetDateTime::now_utc());
    let p12 = pkcs12(dir, "alice", "Alice", Some(&ca));
    let db = dir.join("nssdb");
    new_nss_db(&db);
    std::fs::write(dir.join("pw"), PASSWORD).unwrap();
    run(certdesk(&db).arg("import").arg(&p12).arg("--password-file").arg(dir.join("pw")));
    let listed = json_of(&run(certdesk(&db).args(["--json", "list"])));
    let id = listed.as_array().unwrap().iter().find(|e| e["name"] == "Alice Fault").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    (db, id)
}

/// Thumbprints of everything in the store, sorted: the store's contents to compare.
fn contents(db: &Path) -> Vec<String> {
    let listed = json_of(&run(certdesk(db).args(["--json", "list"])));
    let mut ids: Vec<String> =
        listed.as_array().unwrap().iter().map(|e| e["id"].as_str().unwrap().to_owned()).collect();
    ids.sort();
    ids
}

#[test]
fn an_export_killed_at_any_moment_leaves_nothing_or_a_complete_verified_file() {
    let tmp = tempfile::tempdir().unwrap();
    let (db, id) = one_identity(tmp.path());
    let export = |out: &Path| {
        certdesk(&db)
            .args(["export", &id, "--profile", "modern", "--out"])
            .arg(out)
            .env("CERTDESK_NEW_PASSWORD", "kill test")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    // How long a whole export takes here: the kills fall inside that span.
    let started = Instant::now();
    assert!(export(&tmp.path().join("timing.p12")).wait().unwrap().success());
    let span = started.elapsed().as_micros().max(1) as u64;
    let mut seed = span ^ 0x9e37_79b9_7f4a_7c15;
    let (mut complete, mut absent) = (0, 0);
    for run_number in 0..50 {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let delay = Duration::from_micros((seed >> 33) % (span + span / 4));
        let out = tmp.path().join(format!("killed-{run_number}.p12"));
        let mut child = export(&out);
        std::thread::sleep(delay);
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        if !out.exists() {
            absent += 1;
            continue;
        }
        let inspected =
            certdesk(&db).args(["--json", "inspect"]).arg(&out).env("CERTDESK_PASSWORD", "kill test").output().unwrap();
        assert!(inspected.status.success(), "run {run_number}: a partial file at the target path");
        assert_eq!(json_of(&inspected)["keys"], 1, "run {run_number}: the key is in the file");
        complete += 1;
    }
    eprintln!("50 kills: {complete} complete files, {absent} with nothing at the target");
}

#[test]
fn a_missing_store_and_a_store_with_a_password_get_errors_that_name_the_fix() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = certdesk(&tmp.path().join("no-such-db")).args(["--json", "list"]).output().unwrap();
    assert_eq!(json_of(&missing)["error"]["kind"], "store_unavailable");
    assert!(json_of(&missing)["error"]["message"].as_str().unwrap().contains("does not exist"));

    let db = tmp.path().join("locked");
    std::fs::create_dir(&db).unwrap();
    std::fs::write(tmp.path().join("dbpw"), "database secret\n").unwrap();
    run(Command::new("certutil")
        .arg("-N")
        .arg("-d")
        .arg(format!("sql:{}", db.display()))
        .arg("-f")
        .arg(tmp.path().join("dbpw")));
    let locked = certdesk(&db).args(["--json", "list"]).output().unwrap();
    let error = &json_of(&locked)["error"];
    assert_eq!(error["kind"], "store_unavailable", "{error}");
    assert!(error["message"].as_str().unwrap().contains("certutil -W"), "says how to remove the password: {error}");
    assert!(!error["message"].as_str().unwrap().contains("database secret"));
}

#[test]
fn an_import_the_store_rejects_halfway_leaves_the_store_as_it_was() {
    let tmp = tempfile::tempdir().unwrap();
    let (db, _) = one_identity(tmp.path());
    let before = contents(&db);
    // NSS (3.87) cannot store an Ed25519 private key: pk12util fails after reading the file,
    // which also carries a CA certificate the store does not have yet.
    let dir = tmp.path();
    let ca = Ca::new(dir, "Ed CA");
    run(Command::new("openssl").current_dir(dir).args(["genpkey", "-algorithm", "ed25519", "-out", "ed.key"]));
    run(Command::new("openssl").current_dir(dir).args([
        "req",
        "-new",
        "-key",
        "ed.key",
        "-subj",
        "/CN=Ed Leaf",
        "-out",
        "ed.csr",
    ]));
    run(Command::new("openssl")
        .current_dir(&ca.dir)
        .args(["x509", "-req", "-CA", "ca.pem", "-CAkey", "ca.key", "-days", "30", "-in"])
        .arg(dir.join("ed.csr"))
        .arg("-out")
        .arg(dir.join("ed.pem")));
    let p12 = dir.join("ed.p12");
    run(Command::new("openssl")
        .current_dir(dir)
        .args(["pkcs12", "-export", "-inkey", "ed.key", "-in", "ed.pem", "-passout", "pass:edpw", "-out"])
        .arg(&p12)
        .arg("-certfile")
        .arg(ca.pem()));
    let failed = certdesk(&db).args(["--json", "import"]).arg(&p12).env("CERTDESK_PASSWORD", "edpw").output().unwrap();
    assert!(!failed.status.success(), "NSS refuses the key: {}", String::from_utf8_lossy(&failed.stdout));
    assert_eq!(contents(&db), before, "nothing of the file stayed in the store");
    assert_eq!(nss_keys(&db).len(), 1, "only Alice's key");
}

#[test]
fn listing_in_a_loop_while_another_process_imports_and_deletes_loses_nothing() {
    const FILES: usize = 10;
    let tmp = tempfile::tempdir().unwrap();
    let (db, alice) = one_identity(tmp.path());
    let ca = Ca::new(tmp.path(), "Busy CA");
    let now = time::OffsetDateTime::now_utc();
    let files: Vec<_> = (0..FILES)
        .map(|n| {
            let file = format!("busy{n}");
            issue(&ca, tmp.path(), &Leaf::new(&file, &format!("/CN=Busy {n}"), -1, 100), now);
            pkcs12(tmp.path(), &file, &file, None)
        })
        .collect();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    // Two listers widen the window in which a listing finds an object that
    // the deleting process removes before the listing reads it.
    let listers: Vec<_> = (0..2)
        .map(|_| {
            let (db, stop) = (db.clone(), stop.clone());
            std::thread::spawn(move || {
                let (mut lists, mut failures) = (0, Vec::new());
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let out = certdesk(&db).args(["--json", "list"]).output().unwrap();
                    lists += 1;
                    if !out.status.success() {
                        failures.push(String::from_utf8_lossy(&out.stdout).into_owned());
                    }
                }
                (lists, failures)
            })
        })
        .collect();
    let mut kept = vec![alice];
    for (n, p12) in files.iter().enumerate() {
        let out =
            run(certdesk(&db).args(["--json", "import"]).arg(p12).arg("--password-file").arg(tmp.path().join("pw")));
        let added = json_of(&out)["added"][0].as_str().unwrap().to_owned();
        if n % 2 == 0 {
            run(certdesk(&db).args(["delete", &added, "--yes"]));
        } else {
            kept.push(added);
        }
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let (mut lists, mut failures) = (0, Vec::new());
    for lister in listers {
        let (n, failed) = lister.join().unwrap();
        lists += n;
        failures.extend(failed);
    }
    assert!(failures.is_empty(), "{} of {lists} listings failed: {failures:?}", failures.len());
    let mut after: Vec<String> = contents(&db)
        .into_iter()
        .filter(|id| {
            let listed = json_of(&run(certdesk(&db).args(["--json", "show", id])));
            listed["is_ca"] != true
        })
        .collect();
    after.sort();
    kept.sort();
    assert_eq!(after, kept, "every imported certificate that was not deleted is there, and only those");
    eprintln!("{lists} listings alongside {FILES} imports and {} deletions", FILES / 2);
}
