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

/// A PFX of a second person, issued by a second CA, protected like Alice's.
fn bob_from_a_second_ca(dir: &Path) -> std::path::PathBuf {
    let ca = Ca::new(dir, "Second CA");
    issue(&ca, dir, &Leaf::new("bob", "/CN=Bob Fault", -1, 300), time::OffsetDateTime::now_utc());
    pkcs12(dir, "bob", "Bob", Some(&ca))
}

/// `one_identity`'s database with Bob (from a second CA) imported too, and Alice's id.
fn alice_and_bob(dir: &Path) -> (std::path::PathBuf, String) {
    let (db, alice) = one_identity(dir);
    let bob = bob_from_a_second_ca(dir);
    run(certdesk(&db).arg("import").arg(&bob).arg("--password-file").arg(dir.join("pw")));
    (db, alice)
}

/// Thumbprints of everything in the store, CA certificates too, sorted: the store's contents to compare.
fn contents(db: &Path) -> Vec<String> {
    let listed = json_of(&run(certdesk(db).args(["--json", "list", "--all"])));
    let mut ids: Vec<String> =
        listed.as_array().unwrap().iter().map(|e| e["id"].as_str().unwrap().to_owned()).collect();
    ids.sort();
    ids
}

/// A certdesk process stopped at a pause point (`CERTDESK_PAUSE`, read by
/// debug builds only): it said so on stderr and waits for a line on stdin.
/// The rest of its stderr is drained on a thread, so that it never writes
/// into a closed pipe; dropped while paused (a failed assertion), it is killed.
struct Paused {
    child: Option<std::process::Child>,
    point: String,
    stderr: Option<std::thread::JoinHandle<String>>,
}

impl Paused {
    /// Starts `command` and waits until it reports that it paused at `point`.
    /// A run that ends without reaching `point` fails the test: the step it
    /// names is not there to be tested. The caller ends it with `kill` or `resume`.
    #[allow(clippy::zombie_processes)] // kept in the returned value, which waits for it
    fn at(command: &mut Command, point: &str) -> Paused {
        use std::io::{BufRead as _, Read as _};
        let mut child = command
            .env("CERTDESK_PAUSE", point)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let name = point.split('#').next().unwrap();
        let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
        let mut said = String::new();
        loop {
            let mut line = String::new();
            if stderr.read_line(&mut line).unwrap() == 0 {
                let out = child.wait_with_output().unwrap();
                panic!(
                    "the run ended ({}) without pausing at {point}: {said}{}",
                    out.status,
                    String::from_utf8_lossy(&out.stdout)
                );
            }
            if line.trim_end() == format!("certdesk: paused at {name}") {
                let rest = std::thread::spawn(move || {
                    let mut rest = String::new();
                    let _ = stderr.read_to_string(&mut rest);
                    rest
                });
                return Paused { child: Some(child), point: point.to_owned(), stderr: Some(rest) };
            }
            said.push_str(&line);
        }
    }

    /// SIGKILL, at exactly the paused moment.
    fn kill(mut self) {
        let mut child = self.child.take().unwrap();
        child.kill().unwrap();
        child.wait().unwrap();
    }

    /// Lets the run go on, and returns how it ended (stderr: what it said after the pause).
    fn resume(mut self) -> std::process::Output {
        use std::io::Write as _;
        let mut child = self.child.take().unwrap();
        writeln!(child.stdin.take().unwrap()).unwrap_or_else(|e| panic!("resuming at {}: {e}", self.point));
        let mut out = child.wait_with_output().unwrap();
        out.stderr = self.stderr.take().unwrap().join().unwrap().into_bytes();
        out
    }
}

impl Drop for Paused {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The names in `folder`, hidden ones (the saves' temporary files) apart.
fn visible_and_hidden(folder: &Path) -> (Vec<String>, Vec<String>) {
    let mut names: Vec<String> = std::fs::read_dir(folder)
        .map(|entries| entries.map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    names.sort();
    names.into_iter().partition(|name| !name.starts_with('.'))
}

/// `file` is a whole PKCS#12 file that `password` opens, holding the key
/// and the certificate `id`.
fn assert_complete(db: &Path, file: &Path, password: &str, id: &str, why: &str) {
    let inspected =
        certdesk(db).args(["--json", "inspect"]).arg(file).env("CERTDESK_PASSWORD", password).output().unwrap();
    assert!(
        inspected.status.success(),
        "{why}: {} is not a whole file: {}",
        file.display(),
        String::from_utf8_lossy(&inspected.stdout)
    );
    let report = json_of(&inspected);
    assert_eq!(report["keys"], 1, "{why}: the key is in {}", file.display());
    assert_eq!(report["certificates"][0]["sha256"], id, "{why}: the certificate is in {}", file.display());
}

/// The export's save stopped and killed after each of its steps: before the
/// rename the user's name holds nothing (the written bytes wait in a hidden
/// temporary file), after it the whole, verified file.
#[test]
fn an_export_killed_after_each_step_of_its_save_leaves_nothing_or_the_complete_file() {
    let tmp = tempfile::tempdir().unwrap();
    let (db, id) = one_identity(tmp.path());
    let steps = [
        ("save:temp-created", false),
        ("save:written", false),
        ("save:synced", false),
        ("save:renamed", true),
        ("save:folder-synced", true),
    ];
    for (n, (step, named)) in steps.into_iter().enumerate() {
        let folder = tmp.path().join(format!("killed-{n}"));
        std::fs::create_dir(&folder).unwrap();
        let out = folder.join("alice.p12");
        let mut export = certdesk(&db);
        export.args(["export", &id, "--out"]).arg(&out).env("CERTDESK_NEW_PASSWORD", "kill test");
        let paused = Paused::at(&mut export, step);
        let (visible, hidden) = visible_and_hidden(&folder);
        if named {
            assert_eq!(visible, ["alice.p12"], "after {step}");
            assert!(hidden.is_empty(), "after {step} the temporary file has become the file: {hidden:?}");
        } else {
            assert!(visible.is_empty(), "after {step} nothing is under the user's name: {visible:?}");
            assert_eq!(hidden.len(), 1, "after {step} the save is under way in a temporary file: {hidden:?}");
        }
        paused.kill();
        if named {
            assert_complete(&db, &out, "kill test", &id, &format!("killed after {step}"));
        } else {
            assert!(!out.exists(), "killed after {step}: nothing at the target");
        }
    }
}

/// A folder export (two files and the list) killed at its steps: before the
/// first rename the folder shows nothing; after, every name shown is a whole file.
#[test]
fn a_folder_export_killed_at_its_steps_shows_only_complete_files() {
    let tmp = tempfile::tempdir().unwrap();
    let (db, alice) = alice_and_bob(tmp.path());
    let ids: Vec<String> = json_of(&run(certdesk(&db).args(["--json", "list"])))
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["has_private_key"] == true)
        .map(|e| e["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 2, "Alice and Bob: {ids:?}");
    assert!(ids.contains(&alice));
    // (step, how many names the folder shows after it): two files, then the list.
    let steps = [
        ("save:temp-created#2", 0),
        ("save:synced#3", 0),
        ("save:renamed#1", 1),
        ("save:renamed#3", 3),
        ("save:folder-synced", 3),
    ];
    for (n, (step, shown)) in steps.into_iter().enumerate() {
        let folder = tmp.path().join(format!("moving-{n}"));
        let mut export = certdesk(&db);
        export.args(["export-folder"]).arg(&folder).env("CERTDESK_NEW_PASSWORD", "kill test");
        Paused::at(&mut export, step).kill();
        let (visible, _) = visible_and_hidden(&folder);
        assert_eq!(visible.len(), shown, "killed after {step}: {visible:?}");
        for name in visible.iter().filter(|name| name.ends_with(".pfx")) {
            let inspected = json_of(&run(certdesk(&db)
                .args(["--json", "inspect"])
                .arg(folder.join(name))
                .env("CERTDESK_PASSWORD", "kill test")));
            let id = inspected["certificates"][0]["sha256"].as_str().unwrap().to_owned();
            assert!(ids.contains(&id), "killed after {step}: {name} holds one of the two");
            assert_complete(&db, &folder.join(name), "kill test", &id, &format!("killed after {step}"));
        }
        if shown == 3 {
            let list = std::fs::read_to_string(folder.join("certdesk-export.txt")).unwrap();
            assert!(ids.iter().all(|id| list.contains(id.as_str())), "the list names both: {list}");
        }
    }
}

/// Kills at random moments of whole exports, as a user's power cut would
/// fall: most land during key derivation, some after the export finished.
/// Both outcomes must have been seen, or the kills tested nothing.
#[test]
fn an_export_killed_at_random_moments_leaves_nothing_or_a_complete_verified_file() {
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
    // How long a whole export takes here, the longest of three (a busy
    // machine varies): the kills fall inside that span and a little after.
    let span = (0..3)
        .map(|n| {
            let started = Instant::now();
            assert!(export(&tmp.path().join(format!("timing-{n}.p12"))).wait().unwrap().success());
            started.elapsed().as_micros().max(1) as u64
        })
        .max()
        .unwrap();
    let mut seed = span ^ 0x9e37_79b9_7f4a_7c15;
    let (mut complete, mut absent) = (0, 0);
    // 50 kills, and up to 50 more until both outcomes have been seen.
    for run_number in 0..100 {
        if run_number >= 50 && complete > 0 && absent > 0 {
            break;
        }
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let delay = Duration::from_micros((seed >> 33) % (span + span / 2));
        let out = tmp.path().join(format!("killed-{run_number}.p12"));
        let mut child = export(&out);
        std::thread::sleep(delay);
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        if !out.exists() {
            absent += 1;
            continue;
        }
        assert_complete(&db, &out, "kill test", &id, &format!("run {run_number}"));
        complete += 1;
    }
    eprintln!("{} kills: {complete} complete files, {absent} with nothing at the target", complete + absent);
    assert!(complete > 0 && absent > 0, "both outcomes seen: {complete} complete, {absent} absent");
    // Killed saves leave hidden temporary files; the next export in the
    // folder removes those older than ten minutes, and only those.
    let partials = || -> Vec<std::path::PathBuf> {
        std::fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.file_name().unwrap().to_string_lossy().ends_with(".partial"))
            .collect()
    };
    // As a kill during the write itself leaves one (the stepped test above makes them on purpose):
    std::fs::write(tmp.path().join(".certdesk-abandoned.partial"), b"half a file").unwrap();
    let left = partials();
    let fresh = tmp.path().join(".certdesk-fresh.partial");
    std::fs::write(&fresh, b"someone else's save in progress").unwrap();
    for old in &left {
        run(Command::new("touch").args(["-d", "1 hour ago"]).arg(old));
    }
    assert!(export(&tmp.path().join("after.p12")).wait().unwrap().success());
    assert_eq!(partials(), vec![fresh], "the {} abandoned ones are gone, the fresh one stays", left.len());
}

/// What certdesk wrote is read back before it takes its name: a writer
/// that damages the key (in the codec) and a disk that does not keep what
/// it was given (after the write) both fail the export, leaving no file,
/// no temporary file and no folder.
#[test]
fn an_export_whose_read_back_differs_fails_and_leaves_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let (db, id) = one_identity(tmp.path());
    for (fault, says) in
        [("pkcs12-writer-damages-key", "its key came back different"), ("save-disk-damages-file", "differs")]
    {
        let folder = tmp.path().join(fault);
        std::fs::create_dir(&folder).unwrap();
        let out = folder.join("alice.p12");
        let one = certdesk(&db)
            .args(["--json", "export", &id, "--out"])
            .arg(&out)
            .env("CERTDESK_NEW_PASSWORD", "read-back test")
            .env("CERTDESK_FAULT", fault)
            .output()
            .unwrap();
        let (kind, message) = error_of(&one);
        assert_eq!(kind, "not_verified", "{fault}: {message}");
        assert!(message.contains(says) && message.contains("nothing was saved"), "{fault}: {message}");
        assert_eq!(visible_and_hidden(&folder), (vec![], vec![]), "{fault}: nothing in the folder");

        let all = certdesk(&db)
            .args(["--json", "export-folder"])
            .arg(folder.join("moving"))
            .env("CERTDESK_NEW_PASSWORD", "read-back test")
            .env("CERTDESK_FAULT", fault)
            .output()
            .unwrap();
        assert_eq!(error_of(&all).0, "not_verified", "{fault}");
        assert_eq!(visible_and_hidden(&folder), (vec![], vec![]), "{fault}: no folder made");
    }
    // Without a fault the same export is read back and saved: the failures were the faults'.
    let out = tmp.path().join("alice-verified.p12");
    run(certdesk(&db).args(["export", &id, "--out"]).arg(&out).env("CERTDESK_NEW_PASSWORD", "read-back test"));
    assert_complete(&db, &out, "read-back test", &id, "without a fault");
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
    assert_eq!(error["kind"], "database_locked", "{error}");
    assert!(error["message"].as_str().unwrap().contains("--db-password-file"), "says how to give it: {error}");
    assert!(!error["message"].as_str().unwrap().contains("database secret"));
}

#[test]
fn an_import_the_store_rejects_halfway_leaves_the_store_as_it_was() {
    let tmp = tempfile::tempdir().unwrap();
    let (db, _) = one_identity(tmp.path());
    let before = contents(&db);
    let objects_before = objects_and_attributes(&db);
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
    assert!(!failed.status.success(), "certdesk refuses the key: {}", String::from_utf8_lossy(&failed.stdout));
    assert_eq!(json_of(&failed)["error"]["kind"], "unsupported", "refused before anything was added");
    assert_eq!(contents(&db), before, "nothing of the file stayed in the store");
    assert_eq!(changes(&objects_before, &objects_and_attributes(&db)), (vec![], vec![]), "every object is as it was");
    assert_eq!(nss_keys(&db).len(), 1, "only Alice's key");
}

/// Every object in the database and every attribute of each, as SQLite
/// holds them (`nssPublic` in cert9.db, `nssPrivate` in key4.db; blobs in
/// hex): the store's exact state, read by a tool that is not certdesk.
fn objects_and_attributes(db: &Path) -> Vec<String> {
    let mut rows = Vec::new();
    for (file, table) in [("cert9.db", "nssPublic"), ("key4.db", "nssPrivate")] {
        let out = run(Command::new("sqlite3")
            .args(["-readonly", "-cmd", ".timeout 5000", "-cmd", ".mode quote"])
            .arg(db.join(file))
            .arg(format!("SELECT * FROM {table} ORDER BY id")));
        rows.extend(String::from_utf8(out.stdout).unwrap().lines().map(|row| format!("{table}: {row}")));
    }
    rows
}

/// The rows of `now` that `then` lacks, and those `then` had that `now` lacks, shortened to be read.
fn changes(then: &[String], now: &[String]) -> (Vec<String>, Vec<String>) {
    let short = |row: &String| row.chars().take(72).collect::<String>() + "…";
    let added = now.iter().filter(|row| !then.contains(row)).map(short).collect();
    let gone = then.iter().filter(|row| !now.contains(row)).map(short).collect();
    (added, gone)
}

/// The store fails after the file's certificates went in and before its key
/// did (a fault injected there, as a full disk or a killed database would).
/// Paused at that moment, the database holds the new certificates (so the
/// rollback has something to take back); after the failure it holds exactly
/// what it held before, object by object and attribute by attribute.
#[test]
fn an_import_that_fails_after_adding_certificates_takes_back_exactly_those() {
    let tmp = tempfile::tempdir().unwrap();
    let (db, _) = one_identity(tmp.path());
    let before = (contents(&db), nss_nicknames(&db), nss_keys(&db));
    let objects_before = objects_and_attributes(&db);
    let ca = Ca::new(tmp.path(), "Halfway CA");
    issue(&ca, tmp.path(), &Leaf::new("bob", "/CN=Bob Halfway", -1, 100), time::OffsetDateTime::now_utc());
    let p12 = pkcs12(tmp.path(), "bob", "Bob", Some(&ca));
    let mut import = certdesk(&db);
    import
        .args(["--json", "import"])
        .arg(&p12)
        .arg("--password-file")
        .arg(tmp.path().join("pw"))
        .env("CERTDESK_FAULT", "nss-import-after-certificates");
    let paused = Paused::at(&mut import, "nss-import-after-certificates");
    let (added, gone) = changes(&objects_before, &objects_and_attributes(&db));
    assert!(added.len() >= 2 && gone.is_empty(), "halfway, the store holds the new certificates: {added:?}");
    assert!(nss_nicknames(&db).iter().any(|n| n.starts_with("Bob")), "NSS sees Bob halfway: {:?}", nss_nicknames(&db));
    let failed = paused.resume();
    assert!(!failed.status.success());
    let message = json_of(&failed)["error"]["message"].as_str().unwrap().to_owned();
    assert!(message.contains("the 2 items it had added were removed again"), "{message}");
    let (left, lost) = changes(&objects_before, &objects_and_attributes(&db));
    assert!(
        left.is_empty() && lost.is_empty(),
        "every object and attribute is as it was: left {left:?}, lost {lost:?}"
    );
    assert_eq!((contents(&db), nss_nicknames(&db), nss_keys(&db)), before, "the store is as it was");
    // Without the fault the same file imports: the failure was the fault's.
    run(certdesk(&db).arg("import").arg(&p12).arg("--password-file").arg(tmp.path().join("pw")));
    assert_eq!(contents(&db).len(), before.0.len() + 2, "Bob and Halfway CA");
}

/// Two processes list in a loop while a third imports ten identities and
/// deletes every other one. Every listing must succeed and hold every
/// identity that was in the store for the whole of that listing: Alice and
/// her CA from the start, and each kept import from the moment its import
/// returned. A listing that loses one it should have seen fails the test.
#[test]
fn listing_in_a_loop_while_another_process_imports_and_deletes_loses_nothing() {
    use std::sync::{Arc, Mutex};
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
    let from_the_start = contents(&db);
    assert_eq!(from_the_start.len(), 2, "Alice and Fault CA");
    assert!(from_the_start.contains(&alice));
    // Each kept identity with the moment its import had returned.
    let kept: Arc<Mutex<Vec<(Instant, String)>>> = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    // Two listers widen the window in which a listing finds an object that
    // the deleting process removes before the listing reads it.
    let listers: Vec<_> = (0..2)
        .map(|_| {
            let (db, stop, kept, from_the_start) = (db.clone(), stop.clone(), kept.clone(), from_the_start.clone());
            std::thread::spawn(move || {
                let (mut lists, mut failures) = (0, Vec::new());
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let started = Instant::now();
                    let must_hold: Vec<String> = kept
                        .lock()
                        .unwrap()
                        .iter()
                        .filter(|(added, _)| *added < started)
                        .map(|(_, id)| id.clone())
                        .chain(from_the_start.iter().cloned())
                        .collect();
                    let out = certdesk(&db).args(["--json", "list", "--all"]).output().unwrap();
                    lists += 1;
                    if !out.status.success() {
                        failures.push(format!("listing {lists} failed: {}", String::from_utf8_lossy(&out.stdout)));
                        continue;
                    }
                    let listed = json_of(&out);
                    let ids: Vec<&str> = listed.as_array().unwrap().iter().filter_map(|e| e["id"].as_str()).collect();
                    let lost: Vec<&String> = must_hold.iter().filter(|id| !ids.contains(&id.as_str())).collect();
                    if !lost.is_empty() {
                        failures.push(format!("listing {lists} of {} lost {lost:?}", ids.len()));
                    }
                }
                (lists, failures)
            })
        })
        .collect();
    let mut kept_ids = vec![alice];
    for (n, p12) in files.iter().enumerate() {
        let out =
            run(certdesk(&db).args(["--json", "import"]).arg(p12).arg("--password-file").arg(tmp.path().join("pw")));
        let added = json_of(&out)["added"][0].as_str().unwrap().to_owned();
        if n % 2 == 0 {
            run(certdesk(&db).args(["delete", &added, "--yes"]));
        } else {
            kept.lock().unwrap().push((Instant::now(), added.clone()));
            kept_ids.push(added);
        }
    }
    // A few more listings over the finished store, each of which must hold all the kept ones.
    std::thread::sleep(Duration::from_millis(500));
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let (mut lists, mut failures) = (0, Vec::new());
    for lister in listers {
        let (n, failed) = lister.join().unwrap();
        lists += n;
        failures.extend(failed);
    }
    assert!(lists >= 10, "the listers listed during the churn: {lists}");
    assert!(
        failures.is_empty(),
        "{} of {lists} listings failed or lost an identity:\n{}",
        failures.len(),
        failures.join("\n")
    );
    let mut after: Vec<String> = contents(&db)
        .into_iter()
        .filter(|id| {
            let listed = json_of(&run(certdesk(&db).args(["--json", "show", id])));
            listed["is_ca"] != true
        })
        .collect();
    after.sort();
    kept_ids.sort();
    assert_eq!(after, kept_ids, "every imported certificate that was not deleted is there, and only those");
    eprintln!("{lists} listings alongside {FILES} imports and {} deletions", FILES / 2);
}

/// Runs `command` in a mount namespace of its own, between the shell
/// commands `setup` (mount a small tmpfs, a read-only bind mount) and
/// `after` (record what the namespace's mounts hold before they vanish), so
/// the machine's own mounts are never touched. Root needs only `unshare
/// --mount`; anyone else also maps themselves to root in a user namespace.
fn in_own_mounts(setup: &str, command: &Command, after: &str) -> std::process::Output {
    let root = Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.trim_ascii() == b"0");
    let mut c = Command::new("unshare");
    c.arg("--mount");
    if !root {
        c.arg("--map-root-user");
    }
    let script = format!("{setup}\n\"$@\" && status=0 || status=$?\n{after}\nexit $status");
    c.args(["sh", "-ec", &script, "sh"]).arg(command.get_program()).args(command.get_args());
    for (key, value) in command.get_envs() {
        match value {
            Some(value) => c.env(key, value),
            None => c.env_remove(key),
        };
    }
    c.stdin(Stdio::null()).output().unwrap()
}

fn error_of(out: &std::process::Output) -> (String, String) {
    assert!(!out.status.success(), "expected a failure: {}", String::from_utf8_lossy(&out.stdout));
    let error = &json_of(out)["error"];
    (error["kind"].as_str().unwrap().to_owned(), error["message"].as_str().unwrap().to_owned())
}

#[test]
fn an_export_onto_a_full_disk_says_so_and_leaves_no_file_behind() {
    let tmp = tempfile::tempdir().unwrap();
    let (db, alice) = alice_and_bob(tmp.path());
    let before = contents(&db);
    let disk = tmp.path().join("small-disk");
    std::fs::create_dir(&disk).unwrap();
    let listing = tmp.path().join("left-on-disk.txt");
    // 64 KiB, filled but for `free` pages of 4 KiB; a PFX here takes one page.
    let small_disk = |free: u32| {
        format!(
            "mount -t tmpfs -o size=64k certdesk-test \"$DISK\"\n\
             dd if=/dev/zero of=\"$DISK/fill\" bs=4096 count={} 2>/dev/null || true",
            16 - free
        )
    };
    let after = "find \"$DISK\" -mindepth 1 ! -name fill | sort > \"$LISTING\"";

    // One page free: the first file fits, the second does not, and the first goes again.
    let mut folder = certdesk(&db);
    folder.args(["--json", "export-folder"]).arg(disk.join("moving")).env("CERTDESK_NEW_PASSWORD", "export pw");
    folder.env("DISK", &disk).env("LISTING", &listing);
    let out = in_own_mounts(&small_disk(1), &folder, after);
    let (kind, message) = error_of(&out);
    assert_eq!(kind, "io", "{message}");
    assert!(message.contains("the disk is full: free some space or choose another place"), "{message}");
    assert!(!message.contains(".partial"), "the temporary name is not the user's business: {message}");
    assert_eq!(std::fs::read_to_string(&listing).unwrap(), "", "no file and no folder left");

    // No page free: a single export fails cleanly too.
    let mut one = certdesk(&db);
    one.args(["--json", "export", &alice, "--out"]).arg(disk.join("alice.p12"));
    one.env("CERTDESK_NEW_PASSWORD", "export pw").env("DISK", &disk).env("LISTING", &listing);
    let (kind, message) = error_of(&in_own_mounts(&small_disk(0), &one, after));
    assert_eq!(kind, "io");
    assert!(message.contains("the disk is full"), "{message}");
    assert_eq!(std::fs::read_to_string(&listing).unwrap(), "");
    assert_eq!(contents(&db), before, "the store is untouched");
}

#[test]
fn a_read_only_store_lists_and_exports_but_refuses_changes_saying_why() {
    let tmp = tempfile::tempdir().unwrap();
    let (db, alice) = one_identity(tmp.path());
    let before = contents(&db);
    let read_only = "mount --bind \"$DB\" \"$DB\"\nmount -o remount,bind,ro \"$DB\"";
    let on_read_only_store = |command: &mut Command| in_own_mounts(read_only, command.env("DB", &db), "");

    let listed = on_read_only_store(certdesk(&db).args(["--json", "list"]));
    assert!(listed.status.success(), "{}", String::from_utf8_lossy(&listed.stdout));
    assert!(json_of(&listed).as_array().unwrap().iter().any(|e| e["id"] == alice.as_str()));

    let exported = tmp.path().join("alice-exported.p12");
    let export = on_read_only_store(
        certdesk(&db).args(["export", &alice, "--out"]).arg(&exported).env("CERTDESK_NEW_PASSWORD", "export pw"),
    );
    assert!(export.status.success(), "{}", String::from_utf8_lossy(&export.stderr));
    assert!(exported.exists());

    let bob = bob_from_a_second_ca(tmp.path());
    let import = on_read_only_store(
        certdesk(&db).args(["--json", "import"]).arg(&bob).arg("--password-file").arg(tmp.path().join("pw")),
    );
    let delete = on_read_only_store(certdesk(&db).args(["--json", "delete", &alice, "--yes"]));
    for refused in [import, delete] {
        let (kind, message) = error_of(&refused);
        assert_eq!(kind, "store_unavailable", "{message}");
        assert!(message.contains("read-only") && message.contains("writable by you"), "{message}");
    }
    assert_eq!(contents(&db), before, "nothing changed");
}

/// `sqlite3` holding the write lock of an NSS database file, as a program
/// in the middle of saving does, until `release`.
struct Writer(std::process::Child);

impl Writer {
    fn hold(file: &Path) -> Writer {
        use std::io::{BufRead as _, Write as _};
        let mut child = Command::new("sqlite3")
            .arg(file)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("sqlite3 runs (Debian: sqlite3)");
        writeln!(child.stdin.as_mut().unwrap(), "BEGIN EXCLUSIVE;\nSELECT 'locked';").unwrap();
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.as_mut().unwrap()).read_line(&mut line).unwrap();
        assert_eq!(line.trim(), "locked", "sqlite3 holds the lock");
        Writer(child)
    }

    fn release(mut self) {
        use std::io::Write as _;
        let _ = writeln!(self.0.stdin.as_mut().unwrap(), "COMMIT;");
        drop(self.0.stdin.take());
        self.0.wait().unwrap();
    }
}

#[test]
fn a_store_another_program_is_writing_is_waited_for_then_named_as_busy() {
    let tmp = tempfile::tempdir().unwrap();
    let (db, alice) = one_identity(tmp.path());
    let listing = |db: &Path| certdesk(db).args(["--json", "list"]).output().unwrap();

    // A short write: certdesk waits for it and lists as usual.
    let writer = Writer::hold(&db.join("cert9.db"));
    let releaser = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(2));
        writer.release();
    });
    let out = listing(&db);
    releaser.join().unwrap();
    assert!(out.status.success(), "waited for the writer: {}", String::from_utf8_lossy(&out.stdout));
    assert!(json_of(&out).as_array().unwrap().iter().any(|e| e["id"] == alice.as_str()));

    // A write that does not finish: certdesk gives up, saying what to close.
    let writer = Writer::hold(&db.join("key4.db"));
    let (kind, message) = error_of(&listing(&db));
    writer.release();
    assert_eq!(kind, "store_unavailable", "{message}");
    assert!(message.contains("another program is writing to it") && message.contains("Firefox"), "{message}");
    assert!(listing(&db).status.success(), "usable again once the writer is done");
}

/// An import starts no program and writes no file outside the database:
/// with no programs on PATH and an empty temporary folder it works, and the
/// folder stays empty (the file and its password once sat there for pk12util).
#[test]
fn an_import_writes_no_key_or_password_outside_the_database() {
    let tmp = tempfile::tempdir().unwrap();
    let (db, _) = one_identity(tmp.path());
    let ca = Ca::new(tmp.path(), "Quiet CA");
    issue(&ca, tmp.path(), &Leaf::new("carol", "/CN=Carol Quiet", -1, 100), time::OffsetDateTime::now_utc());
    let p12 = pkcs12(tmp.path(), "carol", "Carol", Some(&ca));
    let scratch = tmp.path().join("scratch");
    std::fs::create_dir(&scratch).unwrap();
    let names = |dir: &Path| {
        let mut names: Vec<String> =
            std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        names
    };
    let db_files = names(&db);
    let before = contents(&db);
    run(certdesk(&db)
        .arg("import")
        .arg(&p12)
        .env("CERTDESK_PASSWORD", PASSWORD)
        .env("PATH", "")
        .env("TMPDIR", &scratch));
    assert_eq!(contents(&db).len(), before.len() + 2, "Carol and Quiet CA went in");
    assert!(names(&scratch).is_empty(), "nothing in the temporary folder: {:?}", names(&scratch));
    assert_eq!(names(&db), db_files, "no new file beside the database");
}

/// Exporting again over an earlier export (`--force`) fails on a key that
/// may not be exported: every new file is written before any replaces an
/// old one, so the earlier files keep their contents and nothing is half-done.
#[test]
fn an_export_over_earlier_files_that_fails_leaves_the_earlier_files_whole() {
    let tmp = tempfile::tempdir().unwrap();
    let (db, alice) = one_identity(tmp.path());
    let ca = Ca::new(tmp.path(), "Locked CA");
    issue(&ca, tmp.path(), &Leaf::new("dave", "/CN=Dave Locked", -1, 100), time::OffsetDateTime::now_utc());
    let p12 = pkcs12(tmp.path(), "dave", "Dave", Some(&ca));
    run(certdesk(&db).arg("import").arg(&p12).arg("--not-exportable").env("CERTDESK_PASSWORD", PASSWORD));
    let listed = json_of(&run(certdesk(&db).args(["--json", "list"])));
    let dave = listed.as_array().unwrap().iter().find(|e| e["name"] == "Dave Locked").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let folder = tmp.path().join("to-new-pc");
    let export = |ids: &[&str], force: bool| {
        let mut cmd = certdesk(&db);
        cmd.args(["--json", "export-folder"]).arg(&folder).args(ids).env("CERTDESK_NEW_PASSWORD", PASSWORD);
        if force {
            cmd.arg("--force");
        }
        cmd.output().unwrap()
    };
    assert!(export(&[&alice], false).status.success());
    let snapshot = || {
        let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&folder)
            .unwrap()
            .map(|e| e.unwrap().path())
            .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap()))
            .collect();
        files.sort();
        files
    };
    let earlier = snapshot();
    assert_eq!(earlier.len(), 2, "Alice's file and the list");
    let failed = export(&[&alice, &dave], true);
    assert!(!failed.status.success());
    assert_eq!(json_of(&failed)["error"]["kind"], "not_exportable");
    assert!(snapshot() == earlier, "the earlier files are there, unchanged, and nothing else is");
}
