//! The CLI and the app give the same answers for the same store: both run
//! over one real NSS database here, the CLI as a process and the app's
//! commands through Tauri's mock runtime (the real handlers and state,
//! the IPC as the front end speaks it), and their list order, statuses,
//! clean-up, deletion plans, error kinds and export refusals are compared.

#![cfg(unix)]

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use certdesk_app_lib::testing::MockApp;
use serde_json::{json, Value};
use support::*;

/// A store with an expired, an expiring and a renewed certificate, a
/// Japanese name, one without its key, and the CA: the cases where the
/// shells once disagreed.
fn store(dir: &Path) -> PathBuf {
    let now = time::OffsetDateTime::now_utc();
    let ca = Ca::new(dir, "Same CA");
    let db = dir.join("nssdb");
    new_nss_db(&db);
    std::fs::write(dir.join("pw"), PASSWORD).unwrap();
    let leaves = [
        ("old", "/CN=Hanako Renewal", -400, 20),
        ("new", "/CN=Hanako Renewal", -5, 500),
        ("gone", "/CN=Alice Expired", -400, -10),
        ("soon", "/CN=bob expiring", -100, 30),
        ("jp", "/CN=山田 太郎/O=株式会社テスト", -10, 300),
        ("emile", "/CN=Émile Accent", -10, 300),
    ];
    for (file, subject, from, until) in leaves {
        issue(&ca, dir, &Leaf::new(file, subject, from, until), now);
        let p12 = pkcs12(dir, file, file, Some(&ca));
        run(certdesk(&db).arg("import").arg(&p12).arg("--password-file").arg(dir.join("pw")));
    }
    let keyless = issue(&ca, dir, &Leaf::new("keyless", "/CN=Carol Keyless", -10, 300), now);
    run(Command::new("certutil")
        .args(["-A", "-n", "Carol Keyless", "-t", ",,", "-d"])
        .arg(format!("sql:{}", db.display()))
        .arg("-i")
        .arg(keyless));
    db
}

fn cli(db: &Path, args: &[&str]) -> std::process::Output {
    certdesk(db).arg("--json").args(args).env("CERTDESK_NEW_PASSWORD", "same answers").output().unwrap()
}

fn cli_kind(db: &Path, args: &[&str], env: &[(&str, &str)]) -> String {
    let mut command = certdesk(db);
    command.arg("--json").args(args);
    for (key, value) in env {
        command.env(key, value);
    }
    let out = command.output().unwrap();
    assert!(!out.status.success(), "{args:?} should fail");
    json_of(&out)["error"]["kind"].as_str().unwrap().to_owned()
}

fn app_kind(app: &MockApp, command: &str, args: Value) -> String {
    let error = app.invoke(command, args).expect_err("the app refuses too");
    error["kind"].as_str().unwrap_or_else(|| panic!("a {{kind, message}} error: {error}")).to_owned()
}

/// (id, status, superseded) of each row, in order.
fn rows(entries: &Value) -> Vec<(String, String, bool)> {
    entries
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (e["id"].as_str().unwrap().to_owned(), e["status"].as_str().unwrap().to_owned(), e["superseded"] == true)
        })
        .collect()
}

fn id_of(db: &Path, name: &str) -> String {
    let listed = json_of(&run(certdesk(db).args(["--json", "list", "--all"])));
    listed.as_array().unwrap().iter().find(|e| e["name"] == name).unwrap()["id"].as_str().unwrap().to_owned()
}

#[test]
fn the_cli_and_the_app_list_the_same_rows_in_the_same_order_with_the_same_statuses() {
    let tmp = tempfile::tempdir().unwrap();
    let db = store(tmp.path());
    let app = MockApp::over_store(&format!("nss:{}", db.display()));
    let listing = app.invoke("list_certificates", json!({})).unwrap();
    let everything = json_of(&cli(&db, &["list", "--all"]));
    assert_eq!(rows(&listing["entries"]), rows(&everything), "the app lists what `list --all` lists, in its order");
    let personal: Vec<Value> =
        listing["entries"].as_array().unwrap().iter().filter(|e| e["is_ca"] != true).cloned().collect();
    assert_eq!(rows(&Value::Array(personal)), rows(&json_of(&cli(&db, &["list"]))), "and without the CA by default");
    let names: Vec<&str> = everything.as_array().unwrap().iter().map(|e| e["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "Alice Expired",
            "bob expiring",
            "Carol Keyless",
            "Émile Accent",
            "Hanako Renewal",
            "Hanako Renewal",
            "Same CA",
            "山田 太郎"
        ],
        "by name as people read it, renewals together"
    );

    // The search box and `list --search` find the same rows: text in any
    // case or kana, an issuer, hex digits of a thumbprint.
    let entries = listing["entries"].as_array().unwrap();
    let generation = listing["generation"].clone();
    let sha1 = entries.iter().find(|e| e["name"] == "bob expiring").unwrap()["sha1"].as_str().unwrap().to_owned();
    let sha1_typed: Vec<String> =
        sha1.as_bytes()[..6].chunks(2).map(|p| String::from_utf8_lossy(p).to_uppercase()).collect();
    for typed in ["HANAKO", "emile", "株式会社", "same ca", sha1_typed.join(":").as_str(), "nobody"] {
        let found = app.invoke("search_certificates", json!({ "generation": generation, "text": typed })).unwrap();
        let found: Vec<Value> =
            found.as_array().unwrap().iter().map(|p| entries[p.as_u64().unwrap() as usize].clone()).collect();
        let listed = json_of(&cli(&db, &["list", "--all", "--search", typed]));
        assert_eq!(rows(&Value::Array(found.clone())), rows(&listed), "the app and `list --search {typed}` agree");
        assert_eq!(found.is_empty(), typed == "nobody", "{typed} finds something");
    }
    let stale = json!({ "generation": generation.as_u64().unwrap() + 1, "text": "hanako" });
    assert_eq!(app.invoke("search_certificates", stale).unwrap(), Value::Null, "a listing it never sent");

    let cleanup = app.invoke("cleanup_candidates", json!({})).unwrap();
    let app_cleanup: Vec<&str> =
        cleanup.as_array().unwrap().iter().map(|c| c["entry"]["id"].as_str().unwrap()).collect();
    let cli_cleanup = json_of(&cli(&db, &["cleanup"]));
    let cli_cleanup: Vec<&str> =
        cli_cleanup["candidates"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(app_cleanup, cli_cleanup, "the same clean-up, in the same order");
    assert_eq!(app_cleanup.len(), 2, "the expired one and the superseded renewal");
}

#[test]
fn the_cli_and_the_app_refuse_the_same_things_with_the_same_kinds() {
    let tmp = tempfile::tempdir().unwrap();
    let db = store(tmp.path());
    let app = MockApp::over_store(&format!("nss:{}", db.display()));
    let keyless = id_of(&db, "Carol Keyless");
    let hanako = id_of(&db, "Alice Expired");
    let export = |ids: &[&str], target: &Path, password: &str| {
        json!({
            "request": {"ids": ids, "target": target, "toFolder": false, "password": password, "profile": "compatible",
                        "includeChain": true, "overwrite": false, "language": "en"},
            "onProgress": "__CHANNEL__:1",
        })
    };
    let out = tmp.path().join("out.p12");
    let out_arg = out.to_str().unwrap();

    // An unknown id.
    assert_eq!(cli_kind(&db, &["show", "ffffffffffff"], &[]), "not_found");
    assert_eq!(app_kind(&app, "certificate_details", json!({"id": "ffffffffffff"})), "not_found");
    // An empty password for the new file (the app's dialog refuses it too, but the rule is the core's).
    assert_eq!(
        cli_kind(&db, &["export", &hanako, "--out", out_arg], &[("CERTDESK_NEW_PASSWORD", "")]),
        "invalid_input"
    );
    assert_eq!(app_kind(&app, "export_certificates", export(&[&hanako], &out, "")), "invalid_input");
    // A certificate without its key here.
    assert_eq!(
        cli_kind(&db, &["export", &keyless, "--out", out_arg], &[("CERTDESK_NEW_PASSWORD", "pw")]),
        "not_exportable"
    );
    assert_eq!(app_kind(&app, "export_certificates", export(&[&keyless], &out, "pw")), "not_exportable");
    // A file that exists, not to be replaced unasked.
    std::fs::write(&out, b"earlier").unwrap();
    assert_eq!(
        cli_kind(&db, &["export", &hanako, "--out", out_arg], &[("CERTDESK_NEW_PASSWORD", "pw")]),
        "already_exists"
    );
    assert_eq!(app_kind(&app, "export_certificates", export(&[&hanako], &out, "pw")), "already_exists");
    assert_eq!(std::fs::read(&out).unwrap(), b"earlier", "the earlier file is whole");
    // Several certificates to one file.
    std::fs::remove_file(&out).unwrap();
    let two = id_of(&db, "山田 太郎");
    assert_eq!(app_kind(&app, "export_certificates", export(&[&hanako, &two], &out, "pw")), "invalid_input");
    assert!(!out.exists());
    // Identity preferences are a macOS keychain's.
    assert_eq!(cli_kind(&db, &["prefs", "list"], &[]), app_kind(&app, "list_preferences", json!({})));
    assert_eq!(
        cli_kind(&db, &["prefs", "repair", "0123abcd"], &[]),
        app_kind(&app, "repair_preferences", json!({"ids": ["0123abcd"]}))
    );
}

#[test]
fn the_cli_and_the_app_plan_the_same_deletion_and_export_the_same_certificate() {
    let tmp = tempfile::tempdir().unwrap();
    let db = store(tmp.path());
    let app = MockApp::over_store(&format!("nss:{}", db.display()));
    let new = {
        let listed = json_of(&cli(&db, &["list"]));
        listed.as_array().unwrap().iter().find(|e| e["name"] == "Hanako Renewal" && e["superseded"] == false).unwrap()
            ["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    // Deleting the renewal leaves the older one, which still works; deleting 山田 leaves none.
    let yamada = id_of(&db, "山田 太郎");
    let plan = app.invoke("plan_deletion", json!({"ids": [new, yamada]})).unwrap();
    let planned: Vec<(&str, bool, bool)> = plan
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["entry"]["id"].as_str().unwrap(), s["remove_key"] == true, s["last_working"] == true))
        .collect();
    assert_eq!(
        planned,
        [(new.as_str(), true, false), (yamada.as_str(), true, true)],
        "the app asks twice only for 山田"
    );
    let refused = certdesk(&db).args(["--json", "delete", &new, &yamada]).output().unwrap();
    assert_eq!(json_of(&refused)["error"]["kind"], "invalid_input", "the CLI asks for --yes off a terminal");

    let details = app.invoke("certificate_details", json!({"id": new})).unwrap();
    let shown = json_of(&cli(&db, &["show", &new]));
    assert_eq!(details["chain"], shown["chain"], "the same chain");
    assert_eq!(details["chain_complete"], shown["chain_complete"]);

    let out = tmp.path().join("hanako.p12");
    let exported = app
        .invoke(
            "export_certificates",
            json!({
                "request": {"ids": [new], "target": out, "toFolder": false, "password": "same answers", "profile": "modern",
                            "includeChain": true, "overwrite": false, "language": "ja"},
                "onProgress": "__CHANNEL__:1",
            }),
        )
        .unwrap();
    assert_eq!(exported[0]["id"], new.as_str());
    let inspected =
        certdesk(&db).args(["--json", "inspect"]).arg(&out).env("CERTDESK_PASSWORD", "same answers").output().unwrap();
    assert_eq!(
        json_of(&inspected)["certificates"][0]["sha256"],
        new.as_str(),
        "the app's file holds the certificate asked for"
    );
    assert_eq!(json_of(&inspected)["keys"], 1);
}

/// The other commands, each once with an answer and once refused, in the
/// shapes the front end reads: a value, or `{kind, message}` with a core kind.
#[test]
fn every_command_answers_or_refuses_in_the_shape_the_window_reads() {
    let tmp = tempfile::tempdir().unwrap();
    let db = store(tmp.path());
    let app = MockApp::over_store(&format!("nss:{}", db.display()));
    let ca = Ca::new(tmp.path(), "Import CA");
    issue(&ca, tmp.path(), &Leaf::new("newcomer", "/CN=Newcomer Suzuki", -1, 200), time::OffsetDateTime::now_utc());
    let p12 = pkcs12(tmp.path(), "newcomer", "Newcomer", Some(&ca));

    // Inspect: without a password the empty one is tried, and the dialog is asked for one.
    assert_eq!(app_kind(&app, "inspect_file", json!({"path": p12})), "wrong_password");
    let inspected = app.invoke("inspect_file", json!({"path": p12, "password": PASSWORD})).unwrap();
    assert_eq!(inspected["keys"], 1);
    assert_eq!(app_kind(&app, "inspect_file", json!({"path": tmp.path().join("missing.p12")})), "io");

    // Import: a wrong password changes nothing; the right one adds the leaf and its CA.
    let before = json_of(&cli(&db, &["list", "--all"])).as_array().unwrap().len();
    let import = |password: &str| json!({"path": p12, "password": password, "exportable": true});
    assert_eq!(app_kind(&app, "import_file", import("wrong")), "wrong_password");
    let outcome = app.invoke("import_file", import(PASSWORD)).unwrap();
    assert_eq!(outcome["added"].as_array().unwrap().len(), 2, "{outcome}");
    assert_eq!(json_of(&cli(&db, &["list", "--all"])).as_array().unwrap().len(), before + 2, "the CLI sees them");
    let newcomer = id_of(&db, "Newcomer Suzuki");

    // The name the save dialog proposes, and an ambiguous or unknown id.
    let name = app.invoke("export_file_name", json!({"id": newcomer})).unwrap();
    assert!(name.as_str().unwrap().starts_with("Newcomer Suzuki (Import CA, "), "{name}");
    assert_eq!(app_kind(&app, "export_file_name", json!({"id": "zz"})), "invalid_input");

    // Trust: one answer per identity.
    let trust = app.invoke("list_trust", json!({})).unwrap();
    assert!(trust.as_object().unwrap().contains_key(&newcomer), "{trust}");

    // Settings: the renewal window's range is the core's.
    let settings = app.invoke("get_settings", json!({})).unwrap();
    assert_eq!(settings["renewal_max_days"], 3650);
    assert_eq!(settings["settings"]["renewal_days"], 90);
    let save =
        |days: u32| json!({"settings": {"renewal_days": days, "language": "en", "store": null}, "storeChosen": false});
    assert_eq!(app_kind(&app, "save_settings", save(3651)), "invalid_input");
    app.invoke("save_settings", save(400)).unwrap();
    let listed = app.invoke("list_certificates", json!({})).unwrap();
    let wider = json_of(&cli(&db, &["--within", "400", "list", "--all"]));
    assert_eq!(rows(&listed["entries"]), rows(&wider), "a 400-day window, in the app and the CLI");

    // Reminders: offered for this store's expiring certificates (nothing turned them on or
    // down here); a run without a settings folder cannot keep them, and says so.
    assert_eq!(listed["offer_reminders"], true, "the store has certificates to renew");
    assert_eq!(app_kind(&app, "set_reminders", json!({"on": true})), "invalid_input");
    assert_eq!(app.invoke("certificate_to_show", json!({})).unwrap(), Value::Null, "no reminder was clicked");

    // Started on no file: nothing to open (it cannot fail).
    assert_eq!(app.invoke("opened_files", json!({})).unwrap(), json!([]));
    // A drop: PKCS#12 files open their import, certificate files their inspection, others nothing.
    let dropped = json!({"paths": ["/home/me/山田.P12", "/home/me/notes.txt", "/home/me/ca.cer"]});
    assert_eq!(
        app.invoke("files_to_open", dropped).unwrap(),
        json!([{"path": "/home/me/山田.P12", "opening": "import"}, {"path": "/home/me/ca.cer", "opening": "inspect"}])
    );

    // The launch report answers nothing unless bench/run asks for it.
    let marks = json!({"page": {"asked": 90.0, "arrived": 140.0, "set": 145.0, "drawn": 290.0, "painted": 375.0}});
    assert_eq!(app.invoke("first_rows_painted", marks).unwrap(), Value::Null);

    // A site: a bad address is refused before anything is sent.
    assert_eq!(
        app_kind(&app, "probe_site", json!({"site": "not a site", "insecure": false})),
        cli_kind(&db, &["probe", "not a site"], &[])
    );

    // Delete: an unknown id deletes nothing; the newcomer goes, with its key.
    assert_eq!(
        app_kind(&app, "delete_certificates", json!({"ids": ["ffffffffff"], "onProgress": "__CHANNEL__:2"})),
        "not_found"
    );
    let deleted = app.invoke("delete_certificates", json!({"ids": [newcomer], "onProgress": "__CHANNEL__:2"})).unwrap();
    assert_eq!(deleted, 1);
    assert!(!json_of(&cli(&db, &["list"])).as_array().unwrap().iter().any(|e| e["id"] == newcomer.as_str()));
    assert!(!nss_keys(&db).iter().any(|k| k.contains("Newcomer")), "its key went too");
}
