//! `certdesk` against a real NSS database holding 23 certificates made by
//! OpenSSL: every status, renewals, a renewal that kept its key, the same
//! subject from two issuers, Japanese names (UTF8String and BMPString), a
//! certificate without a key, and two CAs. Expectations are written by hand.

// These drive NSS's and OpenSSL's tools, which the Linux CI has.
#![cfg(unix)]

mod support;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value;
use support::*;

struct Fixture {
    db: PathBuf,
    /// file name → SHA-256 id
    ids: HashMap<&'static str, String>,
}

/// (file, subject, issuer: 0 = G2 / 1 = Other CA, from, until, key_of, BMPString?, server-only?)
type Row = (&'static str, &'static str, usize, i64, i64, Option<&'static str>, bool, bool);

const LEAVES: &[Row] = &[
    ("alice-expired", "/CN=Alice Expired/O=Example Corp", 0, -400, -10, None, false, false),
    ("bob-expiring", "/CN=Bob Expiring/O=Example Corp", 0, -300, 30, None, false, false),
    ("carol-valid", "/CN=Carol Valid/O=Example Corp", 0, -10, 365, None, false, false),
    ("dave-future", "/CN=Dave Future/O=Example Corp", 0, 10, 400, None, false, false),
    ("hanako-1", "/CN=Hanako Renewal/O=Example Corp", 0, -800, -400, None, false, false),
    ("hanako-2", "/CN=Hanako Renewal/O=Example Corp", 0, -400, 200, None, false, false),
    ("hanako-3", "/CN=Hanako Renewal/O=Example Corp", 0, -5, 565, None, false, false),
    ("taro-g2", "/CN=Taro Two Issuers/O=Example Corp", 0, -10, 300, None, false, false),
    ("taro-other", "/CN=Taro Two Issuers/O=Example Corp", 1, -10, 200, None, false, false),
    ("yamada", "/CN=山田 太郎/O=株式会社テスト", 0, -10, 365, None, false, false),
    ("suzuki-bmp", "/CN=鈴木 花子/O=株式会社テスト", 1, -10, 45, None, true, false),
    ("keiko-1", "/CN=Keiko Same Key/O=Example Corp", 0, -400, -1, None, false, false),
    ("keiko-2", "/CN=Keiko Same Key/O=Example Corp", 0, -1, 400, Some("keiko-1"), false, false),
    ("eve-server", "/CN=Eve Server Only/O=Example Corp", 0, -10, 365, None, false, true),
    ("frank-1", "/CN=Frank Upcoming/O=Example Corp", 0, -300, 20, None, false, false),
    ("frank-2", "/CN=Frank Upcoming/O=Example Corp", 0, 5, 400, None, false, false),
    ("grace-1", "/CN=Grace Expired Twice/O=Example Corp", 0, -800, -400, None, false, false),
    ("grace-2", "/CN=Grace Expired Twice/O=Example Corp", 0, -400, -20, None, false, false),
    ("ichiro-1", "/CN=Ichiro Case/O=Example Corp", 0, -400, 100, None, false, false),
    ("ichiro-2", "/CN=ICHIRO  CASE/O=example corp", 0, -1, 500, None, false, false),
    ("jiro-nokey", "/CN=Jiro No Key/O=Example Corp", 0, -10, 365, None, false, false),
];

/// Hand-computed: (file, status, superseded by, in a duplicate group, has key, client auth).
type Expected = (&'static str, &'static str, Option<&'static str>, bool, bool, bool);
const EXPECTED: &[Expected] = &[
    ("alice-expired", "expired", None, false, true, true),
    ("bob-expiring", "expiring", None, false, true, true),
    ("carol-valid", "valid", None, false, true, true),
    ("dave-future", "not_yet_valid", None, false, true, true),
    ("hanako-1", "expired", Some("hanako-3"), true, true, true),
    ("hanako-2", "valid", Some("hanako-3"), true, true, true),
    ("hanako-3", "valid", None, true, true, true),
    ("taro-g2", "valid", None, false, true, true),
    ("taro-other", "valid", None, false, true, true),
    ("yamada", "valid", None, false, true, true),
    ("suzuki-bmp", "expiring", None, false, true, true),
    ("keiko-1", "expired", Some("keiko-2"), true, true, true),
    ("keiko-2", "valid", None, true, true, true),
    ("eve-server", "valid", None, false, true, false),
    ("frank-1", "expiring", Some("frank-2"), true, true, true),
    ("frank-2", "not_yet_valid", None, true, true, true),
    ("grace-1", "expired", Some("grace-2"), true, true, true),
    ("grace-2", "expired", None, true, true, true),
    ("ichiro-1", "valid", Some("ichiro-2"), true, true, true),
    ("ichiro-2", "valid", None, true, true, true),
    ("jiro-nokey", "valid", None, false, false, true),
    ("ca-g2", "valid", None, false, false, false),
    ("ca-other", "valid", None, false, false, false),
];

/// Hand-computed clean-up candidates and their reasons.
const CLEANUP: &[(&str, &[&str])] = &[
    ("alice-expired", &["expired"]),
    ("hanako-1", &["expired", "superseded"]),
    ("hanako-2", &["superseded"]),
    ("keiko-1", &["expired", "superseded"]),
    ("grace-1", &["expired", "superseded"]),
    ("grace-2", &["expired"]),
    ("ichiro-1", &["superseded"]),
];

fn sha256_of(pem: &Path) -> String {
    let out = run(Command::new("openssl").args(["x509", "-noout", "-fingerprint", "-sha256", "-in"]).arg(pem));
    let text = String::from_utf8(out.stdout).unwrap();
    text.trim().rsplit('=').next().unwrap().replace(':', "").to_lowercase()
}

/// Builds the database once per test run; each test works on its own copy.
fn template() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let root = tempfile::Builder::new().prefix("certdesk-fixture-").tempdir().unwrap().keep();
        let now = time::OffsetDateTime::now_utc();
        let cas = [Ca::new(&root, "Enterprise Premium CA - G2"), Ca::new(&root, "Other CA")];
        let db = root.join("nssdb");
        new_nss_db(&db);
        let password_file = root.join("password");
        std::fs::write(&password_file, PASSWORD).unwrap();
        let mut ids = HashMap::new();
        ids.insert("ca-g2", sha256_of(&cas[0].pem()));
        ids.insert("ca-other", sha256_of(&cas[1].pem()));
        for &(file, subject, ca, from, until, key_of, bmp, server) in LEAVES {
            let mut leaf = Leaf::new(file, subject, from, until);
            leaf.key_of = key_of;
            if bmp {
                leaf.string_mask = "default";
            }
            if server {
                leaf.extensions = "server";
            }
            let pem = issue(&cas[ca], &root, &leaf, now);
            ids.insert(file, sha256_of(&pem));
            if file == "jiro-nokey" {
                run(Command::new("certutil")
                    .args(["-A", "-n", "Jiro No Key", "-t", ",,", "-d"])
                    .arg(format!("sql:{}", db.display()))
                    .arg("-i")
                    .arg(&pem));
                continue;
            }
            if let Some(shared) = key_of {
                std::fs::copy(root.join(format!("{shared}.key")), root.join(format!("{file}.key"))).unwrap();
            }
            let friendly = if file == "yamada" { "山田の証明書" } else { file };
            let chain = matches!(file, "carol-valid" | "taro-other").then(|| &cas[ca]);
            let p12 = pkcs12(&root, file, friendly, chain);
            run(certdesk(&db).arg("import").arg(&p12).arg("--password-file").arg(&password_file));
        }
        Fixture { db, ids }
    })
}

/// A private copy of the template database.
fn fresh_db() -> (tempfile::TempDir, PathBuf, &'static Fixture) {
    let fixture = template();
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("nssdb");
    copy_dir(&fixture.db, &db);
    (tmp, db, fixture)
}

fn name_of(fixture: &Fixture, id: &str) -> String {
    fixture.ids.iter().find(|(_, v)| v.as_str() == id).map(|(k, _)| k.to_string()).unwrap_or_else(|| id.to_owned())
}

/// The listing with CA certificates too (`--all`): the tests compare whole stores.
fn list_json(db: &Path, args: &[&str]) -> Vec<Value> {
    let out = run(certdesk(db).arg("--json").arg("list").arg("--all").args(args));
    json_of(&out).as_array().unwrap().clone()
}

#[test]
fn list_shows_every_status_and_superseded_flag_as_computed_by_hand() {
    let (_tmp, db, fixture) = fresh_db();
    let listed = list_json(&db, &[]);
    assert_eq!(listed.len(), EXPECTED.len(), "{listed:#?}");
    for &(file, status, superseded_by, grouped, has_key, client_auth) in EXPECTED {
        let id = &fixture.ids[file];
        let entry = listed.iter().find(|e| e["id"] == *id).unwrap_or_else(|| panic!("{file} not listed"));
        assert_eq!(entry["status"], status, "{file}");
        assert_eq!(entry["superseded"], superseded_by.is_some(), "{file}");
        let by = entry["superseded_by"].as_str().map(|id| name_of(fixture, id));
        assert_eq!(by.as_deref(), superseded_by, "{file}");
        assert_eq!(entry["duplicate_group"].is_string(), grouped, "{file}");
        assert_eq!(entry["has_private_key"], has_key, "{file}");
        assert_eq!(entry["key_exportable"], if has_key { Value::Bool(true) } else { Value::Null }, "{file}");
        assert_eq!(entry["exportable"], has_key, "{file}: an export takes it");
        assert_eq!(entry["client_auth"], client_auth, "{file}");
        assert_eq!(entry["sha256"], *id);
        for field in ["subject", "issuer", "serial", "sha1", "not_before", "not_after", "friendly_name"] {
            assert!(entry.get(field).is_some(), "{file} lacks {field}");
        }
    }
    let group = |f: &str| listed.iter().find(|e| e["id"] == fixture.ids[f]).unwrap()["duplicate_group"].clone();
    assert_eq!(group("hanako-1"), group("hanako-3"));
    assert_ne!(group("hanako-1"), group("grace-1"));
}

#[test]
fn japanese_names_come_out_exactly_from_utf8_and_bmp_strings() {
    let (_tmp, db, fixture) = fresh_db();
    let listed = list_json(&db, &[]);
    let entry = |f: &str| listed.iter().find(|e| e["id"] == fixture.ids[f]).unwrap().clone();
    assert_eq!(entry("yamada")["subject"], "O=株式会社テスト,CN=山田 太郎");
    assert_eq!(entry("yamada")["name"], "山田 太郎");
    assert_eq!(entry("yamada")["friendly_name"], "山田の証明書");
    assert_eq!(entry("suzuki-bmp")["subject"], "O=株式会社テスト,CN=鈴木 花子");
    let table = run(certdesk(&db).args(["list", "--all"]));
    let text = String::from_utf8(table.stdout).unwrap();
    assert!(text.contains("山田 太郎") && text.contains("鈴木 花子"), "{text}");
}

#[test]
fn list_filters_by_status_issuer_and_client_auth() {
    let (_tmp, db, fixture) = fresh_db();
    let names = |args: &[&str]| {
        let mut n: Vec<String> =
            list_json(&db, args).iter().map(|e| name_of(fixture, e["id"].as_str().unwrap())).collect();
        n.sort();
        n
    };
    assert_eq!(
        names(&["--status", "superseded"]),
        ["frank-1", "grace-1", "hanako-1", "hanako-2", "ichiro-1", "keiko-1"]
    );
    assert_eq!(names(&["--status", "not_yet_valid"]), ["dave-future", "frank-2"]);
    // The CA is self-issued, so it is "issued by" itself too.
    assert_eq!(names(&["--issuer", "other ca"]), ["ca-other", "suzuki-bmp", "taro-other"]);
    assert_eq!(names(&["--status", "expiring", "--issuer", "Enterprise Premium CA - G2"]), ["bob-expiring", "frank-1"]);
    let client = names(&["--client-auth"]);
    assert!(!client.contains(&"eve-server".to_owned()) && !client.contains(&"ca-g2".to_owned()));
    assert_eq!(client.len(), 20);
    // A wider renewal window turns a valid certificate into an expiring one.
    assert!(names(&["--within", "120", "--status", "expiring"]).contains(&"ichiro-1".to_owned()));
}

/// CA certificates are not personal certificates: the list leaves them out
/// unless `--all` asks for them, as the app's list does until "show
/// authorities" is ticked. The order is the core's: by name, renewals
/// together, newest first.
#[test]
fn list_leaves_out_ca_certificates_unless_all_is_asked_and_keeps_one_order() {
    let (_tmp, db, fixture) = fresh_db();
    let names = |args: &[&str]| -> Vec<String> {
        let out = run(certdesk(&db).arg("--json").arg("list").args(args));
        json_of(&out).as_array().unwrap().iter().map(|e| name_of(fixture, e["id"].as_str().unwrap())).collect()
    };
    let personal = names(&[]);
    let all = names(&["--all"]);
    assert!(personal.iter().all(|n| !n.starts_with("ca-")), "no CA in the default list: {personal:?}");
    assert!(all.contains(&"ca-g2".to_owned()) && all.contains(&"ca-other".to_owned()), "{all:?}");
    let without_cas: Vec<String> = all.iter().filter(|n| !n.starts_with("ca-")).cloned().collect();
    assert_eq!(personal, without_cas, "the same order with and without the authorities");
    let hanako: Vec<&String> = personal.iter().filter(|n| n.starts_with("hanako-")).collect();
    let at = personal.iter().position(|n| n == hanako[0]).unwrap();
    assert_eq!(
        &personal[at..at + hanako.len()],
        hanako.iter().map(|n| (*n).clone()).collect::<Vec<_>>(),
        "renewals together"
    );
}

#[test]
fn cleanup_offers_expired_and_superseded_with_reasons_and_keeps_what_works() {
    let (_tmp, db, fixture) = fresh_db();
    let out = json_of(&run(certdesk(&db).args(["--json", "cleanup"])));
    let mut offered: Vec<(String, Vec<String>)> = out["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let reasons =
                c["reasons"].as_array().unwrap().iter().map(|r| r["reason"].as_str().unwrap().to_owned()).collect();
            (name_of(fixture, c["id"].as_str().unwrap()), reasons)
        })
        .collect();
    offered.sort();
    let mut expected: Vec<(String, Vec<String>)> =
        CLEANUP.iter().map(|(f, r)| (f.to_string(), r.iter().map(|s| s.to_string()).collect())).collect();
    expected.sort();
    assert_eq!(offered, expected);
    assert_eq!(list_json(&db, &[]).len(), 23, "without --apply nothing is deleted");
}

#[test]
fn cleanup_apply_deletes_the_candidates_and_their_keys_but_not_a_shared_key() {
    let (_tmp, db, fixture) = fresh_db();
    assert_eq!(nss_keys(&db).len(), 19, "20 keyed leaves, two of which share a key");
    let out = run(certdesk(&db).args(["cleanup", "--apply", "--yes"]));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("its private key stays"), "{text}");
    let mut left: Vec<String> =
        list_json(&db, &[]).iter().map(|e| name_of(fixture, e["id"].as_str().unwrap())).collect();
    left.sort();
    let mut expected: Vec<String> =
        EXPECTED.iter().map(|e| e.0.to_owned()).filter(|f| !CLEANUP.iter().any(|(c, _)| c == f)).collect();
    expected.sort();
    assert_eq!(left, expected);
    // Six keys went; keiko-1's key stays because keiko-2 uses it.
    let keys = nss_keys(&db);
    assert_eq!(keys.len(), 13, "{keys:#?}");
    assert!(!keys.iter().any(|k| k.contains("(orphan)")), "{keys:#?}");
}

#[test]
fn delete_removes_the_certificate_and_its_key_as_nss_sees_it() {
    let (_tmp, db, fixture) = fresh_db();
    let keys_before = nss_keys(&db);
    assert!(keys_before.iter().any(|k| k.ends_with("carol-valid")), "{keys_before:#?}");
    let id = &fixture.ids["carol-valid"];
    let out = json_of(&run(certdesk(&db).args(["--json", "delete", &id[..10], "--yes"])));
    assert_eq!(out["deleted"][0]["id"], *id);
    assert_eq!(out["deleted"][0]["key_removed"], true);
    let keys_after = nss_keys(&db);
    assert_eq!(keys_after.len(), keys_before.len() - 1);
    assert!(!keys_after.iter().any(|k| k.ends_with("carol-valid") || k.contains("(orphan)")), "{keys_after:#?}");
    assert!(!nss_nicknames(&db).iter().any(|n| n.starts_with("carol-valid")));
    assert!(!list_json(&db, &[]).iter().any(|e| e["id"] == *id));
}

#[test]
fn deleting_an_old_renewal_keeps_the_key_the_new_one_uses_until_both_go() {
    let (_tmp, db, fixture) = fresh_db();
    let keys_before = nss_keys(&db).len();
    let old = &fixture.ids["keiko-1"];
    let new = &fixture.ids["keiko-2"];
    let out = json_of(&run(certdesk(&db).args(["--json", "delete", old, "--yes"])));
    assert_eq!(out["deleted"][0]["key_removed"], false);
    assert_eq!(out["deleted"][0]["key_kept_for"], *new);
    assert_eq!(nss_keys(&db).len(), keys_before);
    let still = list_json(&db, &[]);
    let keiko2 = still.iter().find(|e| e["id"] == *new).unwrap();
    assert_eq!(keiko2["has_private_key"], true);
    run(certdesk(&db).args(["delete", new, "--yes"]));
    assert_eq!(nss_keys(&db).len(), keys_before - 1);
}

#[test]
fn delete_without_yes_off_a_terminal_refuses_and_changes_nothing() {
    let (_tmp, db, fixture) = fresh_db();
    let out = certdesk(&db).args(["--json", "delete", &fixture.ids["carol-valid"]]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(json_of(&out)["error"]["kind"], "invalid_input");
    assert_eq!(list_json(&db, &[]).len(), 23);
}

#[test]
fn bad_ids_get_stable_error_kinds_and_exit_code_2() {
    let (_tmp, db, fixture) = fresh_db();
    let shown = json_of(&run(certdesk(&db).args(["--json", "show", &fixture.ids["yamada"][..8]])));
    assert_eq!(shown["friendly_name"], "山田の証明書");
    assert_eq!(shown["public_key"]["curve"], "P-256");
    for (arg, kind) in [("ffffffffffff", "not_found"), ("abc", "invalid_input")] {
        let out = certdesk(&db).args(["--json", "show", arg]).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{arg}");
        assert_eq!(json_of(&out)["error"]["kind"], kind, "{arg}");
    }
    // Ambiguous prefixes need two ids sharing 8 hex digits; the unit tests in
    // certdesk-core's model cover them.
    let unknown_option = certdesk(&db).args(["--json", "list", "--colour"]).output().unwrap();
    assert_eq!(unknown_option.status.code(), Some(2));
    assert_eq!(json_of(&unknown_option)["error"]["kind"], "invalid_input");
}

#[test]
fn import_with_a_wrong_password_says_so_and_changes_nothing() {
    let (tmp, db, _) = fresh_db();
    let ca = Ca::new(tmp.path(), "Import Test CA");
    issue(&ca, tmp.path(), &Leaf::new("new", "/CN=Newcomer/O=Example Corp", -1, 300), time::OffsetDateTime::now_utc());
    let p12 = pkcs12(tmp.path(), "new", "新しい証明書", None);
    let wrong = tmp.path().join("wrong");
    std::fs::write(&wrong, "not the password").unwrap();
    let out = certdesk(&db).args(["--json", "import"]).arg(&p12).arg("--password-file").arg(&wrong).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(json_of(&out)["error"]["kind"], "wrong_password");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("not the password"));
    assert_eq!(list_json(&db, &[]).len(), 23);

    let right = tmp.path().join("right");
    std::fs::write(&right, format!("{PASSWORD}\n")).unwrap();
    let out = json_of(&run(certdesk(&db)
        .args(["--json", "import", "--not-exportable"])
        .arg(&p12)
        .arg("--password-file")
        .arg(&right)));
    let added = out["added"][0].as_str().unwrap().to_owned();
    let listed = list_json(&db, &[]);
    let entry = listed.iter().find(|e| e["id"] == added).unwrap();
    assert_eq!(entry["friendly_name"], "新しい証明書");
    assert_eq!(entry["has_private_key"], true);
    assert_eq!(entry["key_exportable"], false);
    assert_eq!(entry["exportable"], false, "export all leaves it");
}

#[test]
fn import_reads_the_password_from_stdin_and_the_environment() {
    let (tmp, db, _) = fresh_db();
    let ca = Ca::new(tmp.path(), "Stdin CA");
    let now = time::OffsetDateTime::now_utc();
    issue(&ca, tmp.path(), &Leaf::new("a", "/CN=From Stdin", -1, 300), now);
    issue(&ca, tmp.path(), &Leaf::new("b", "/CN=From Env", -1, 300), now);
    let a = pkcs12(tmp.path(), "a", "a", None);
    let b = pkcs12(tmp.path(), "b", "b", None);
    let mut child = certdesk(&db)
        .args(["import", "--password-stdin"])
        .arg(&a)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write as _;
    writeln!(child.stdin.take().unwrap(), "{PASSWORD}").unwrap();
    assert!(child.wait_with_output().unwrap().status.success());
    run(certdesk(&db).arg("import").arg(&b).env("CERTDESK_PASSWORD", PASSWORD));
    assert_eq!(list_json(&db, &[]).len(), 25);
    let none = certdesk(&db).args(["--json", "import"]).arg(&b).output().unwrap();
    assert_eq!(json_of(&none)["error"]["kind"], "invalid_input", "no password source off a terminal");
}

#[test]
fn the_default_store_is_created_when_absent_and_a_named_missing_one_is_an_error() {
    let home = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_certdesk"))
        .args(["--json", "list", "--all"])
        .env("HOME", home.path())
        .env_remove("CERTDESK_STORE")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(json_of(&out), serde_json::json!([]));
    assert!(home.path().join(".pki/nssdb/cert9.db").exists());
    assert!(home.path().join(".pki/nssdb/key4.db").exists());
    // NSS's own tool accepts the database we created.
    assert!(nss_nicknames(&home.path().join(".pki/nssdb")).iter().all(|l| l.is_empty()));

    let missing = home.path().join("no-such-db");
    let out = certdesk(&missing).args(["--json", "list"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let error = json_of(&out);
    assert_eq!(error["error"]["kind"], "store_unavailable");
    assert!(error["error"]["message"].as_str().unwrap().contains("does not exist"));
    assert!(!missing.exists());
}

#[test]
fn a_certificate_imported_into_the_created_default_store_can_be_listed_and_deleted() {
    let home = tempfile::tempdir().unwrap();
    let ca = Ca::new(home.path(), "Fresh CA");
    issue(&ca, home.path(), &Leaf::new("x", "/CN=Fresh Start", -1, 300), time::OffsetDateTime::now_utc());
    let p12 = pkcs12(home.path(), "x", "x", None);
    let cmd = |args: &[&str]| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_certdesk"));
        c.args(args).env("HOME", home.path()).env_remove("CERTDESK_STORE").env("CERTDESK_PASSWORD", PASSWORD);
        c
    };
    run(cmd(&["import"]).arg(&p12));
    let db = home.path().join(".pki/nssdb");
    assert_eq!(nss_keys(&db).len(), 1);
    let listed = json_of(&run(&mut cmd(&["--json", "list", "--all"])));
    let id = listed[0]["id"].as_str().unwrap().to_owned();
    run(&mut cmd(&["delete", &id, "--yes"]));
    assert!(nss_keys(&db).is_empty());
}

#[test]
fn identity_preferences_are_a_macos_feature_and_nss_says_so() {
    let (_tmp, db, _) = fresh_db();
    let out = certdesk(&db).args(["--json", "prefs", "list"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let error = json_of(&out);
    assert_eq!(error["error"]["kind"], "unsupported");
    assert!(error["error"]["message"]
        .as_str()
        .unwrap()
        .contains("identity preferences (a macOS keychain feature) is not supported on this platform"));
    // Repairing and "always use" too, and they say so before anything else is asked.
    for args in [&["prefs", "repair", "--stale"][..], &["prefs", "use", "portal.example.jp", "0000000000"][..]] {
        let out = certdesk(&db).arg("--json").args(args).output().unwrap();
        assert_eq!(json_of(&out)["error"]["kind"], "unsupported", "{args:?}");
    }
}

#[test]
fn export_folder_writes_one_private_file_per_exportable_key_and_a_list_without_secrets() {
    use std::os::unix::fs::PermissionsExt as _;
    let (tmp, db, fixture) = fresh_db();
    let folder = tmp.path().join("移行");
    std::fs::create_dir(&folder).unwrap();
    let out = run(certdesk(&db)
        .arg("--json")
        .arg("export-folder")
        .arg(&folder)
        .env("CERTDESK_NEW_PASSWORD", PASSWORD)
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("LANG", "ja_JP.UTF-8"));
    let written: Vec<Value> =
        String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let with_keys = EXPECTED.iter().filter(|e| e.4).count();
    assert_eq!(written.len(), with_keys, "one file per certificate with a key");
    let yamada = folder.join("山田 太郎 (Enterprise Premium CA - G2, ");
    let yamada_file = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.display().to_string().starts_with(&yamada.display().to_string()))
        .expect("a file named after 山田 太郎 and the issuer");
    assert_eq!(std::fs::metadata(&yamada_file).unwrap().permissions().mode() & 0o777, 0o600);
    let pass = tmp.path().join("pass");
    std::fs::write(&pass, PASSWORD).unwrap();
    let info = run(Command::new("openssl")
        .args(["pkcs12", "-nokeys", "-passin"])
        .arg(format!("file:{}", pass.display()))
        .arg("-in")
        .arg(&yamada_file));
    assert!(String::from_utf8_lossy(&info.stdout).contains("BEGIN CERTIFICATE"), "OpenSSL reads the file");
    // OpenSSL 3.0 prints BMPString names byte-wise; certdesk's reader shows the name exactly.
    let inspected =
        json_of(&run(certdesk(&db).args(["--json", "inspect"]).arg(&yamada_file).arg("--password-file").arg(&pass)));
    assert_eq!(inspected["certificates"][0]["friendly_name"], "山田の証明書");
    let list = std::fs::read_to_string(folder.join("certdesk-export.txt")).unwrap();
    assert!(list.contains(&fixture.ids["yamada"]) && !list.contains(PASSWORD));
    assert!(
        list.contains("件（秘密鍵付き）") && list.contains("発行者:"),
        "in the user's language (LANG=ja_JP): {list}"
    );
    assert!(!list.contains(&fixture.ids["jiro-nokey"]), "a certificate without key is not exported");

    // Again without --force: refused before anything is written.
    let before: Vec<_> = std::fs::read_dir(&folder).unwrap().map(|e| e.unwrap().path()).collect();
    let again = certdesk(&db)
        .arg("--json")
        .arg("export-folder")
        .arg(&folder)
        .env("CERTDESK_NEW_PASSWORD", "x")
        .output()
        .unwrap();
    assert_eq!(json_of(&again)["error"]["kind"], "already_exists");
    assert_eq!(std::fs::read_dir(&folder).unwrap().count(), before.len());
}

#[test]
fn trust_says_whether_each_chain_reaches_a_root_this_computer_trusts() {
    let (tmp, db, fixture) = fresh_db();
    let trust_of = |extra_env: Option<&Path>| -> HashMap<String, Value> {
        let mut cmd = certdesk(&db);
        cmd.args(["--json", "list", "--trust"]).env_remove("SSL_CERT_DIR");
        match extra_env {
            Some(roots) => cmd.env("SSL_CERT_FILE", roots),
            None => cmd.env("SSL_CERT_FILE", tmp.path().join("no-roots.pem")),
        };
        let listed = json_of(&run(&mut cmd));
        listed
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (name_of(fixture, e["id"].as_str().unwrap()), e["trust"].clone()))
            .collect()
    };
    std::fs::write(tmp.path().join("no-roots.pem"), "").unwrap();
    let untrusted = trust_of(None);
    assert_eq!(
        untrusted["carol-valid"],
        serde_json::json!({"trust": "root_not_trusted", "root": "Enterprise Premium CA - G2"})
    );
    assert_eq!(untrusted["taro-other"], serde_json::json!({"trust": "root_not_trusted", "root": "Other CA"}));
    assert_eq!(
        untrusted["eve-server"]["trust"], "cannot_verify",
        "a server-only certificate is not for client authentication"
    );

    let g2 = fixture.db.parent().unwrap().join("ca-EnterprisePremiumCAG2/ca.pem");
    let trusted = trust_of(Some(&g2));
    assert_eq!(trusted["carol-valid"], serde_json::json!({"trust": "trusted"}));
    assert_eq!(trusted["alice-expired"], serde_json::json!({"trust": "trusted"}), "trust is not about dates");
    assert_eq!(trusted["taro-other"]["trust"], "root_not_trusted");

    // A certificate whose issuer is nowhere in the store.
    let ca = Ca::new(tmp.path(), "Absent CA");
    issue(&ca, tmp.path(), &Leaf::new("lonely", "/CN=Lonely Leaf", -1, 100), time::OffsetDateTime::now_utc());
    let p12 = pkcs12(tmp.path(), "lonely", "lonely", None);
    std::fs::write(tmp.path().join("pw"), PASSWORD).unwrap();
    run(certdesk(&db).arg("import").arg(&p12).arg("--password-file").arg(tmp.path().join("pw")));
    let shown = json_of(&run(certdesk(&db).args(["--json", "list", "--trust"]).env("SSL_CERT_FILE", &g2)));
    let lonely = shown.as_array().unwrap().iter().find(|e| e["name"] == "Lonely Leaf").unwrap();
    assert_eq!(lonely["trust"], serde_json::json!({"trust": "issuer_not_installed", "issuer": "Absent CA"}));
}

/// The key listing the tests rely on fails loudly when certutil cannot read
/// the database: "no keys" is an answer only when certutil says so.
#[test]
fn reading_the_keys_of_a_database_certutil_cannot_open_fails_the_test() {
    let tmp = tempfile::tempdir().unwrap();
    let empty = tmp.path().join("empty");
    new_nss_db(&empty);
    assert!(nss_keys(&empty).is_empty(), "an empty database has no keys");
    let missing = tmp.path().join("no-such-db");
    let read = std::panic::catch_unwind(|| nss_keys(&missing));
    assert!(read.is_err(), "a database certutil cannot open is not an empty one");
}

/// What can be refused without a password is refused before one is asked:
/// nobody types a password twice to hear that an id is unknown.
#[test]
fn export_refuses_an_unknown_id_or_an_existing_file_before_asking_for_a_password() {
    let (tmp, db, _) = fresh_db();
    let kind_of = |args: &[&str]| {
        let out = certdesk(&db).arg("--json").args(args).output().unwrap();
        assert!(!out.status.success());
        json_of(&out)["error"]["kind"].as_str().unwrap().to_owned()
    };
    let folder = tmp.path().join("out");
    assert_eq!(kind_of(&["export-folder", folder.to_str().unwrap(), "ffffffffffff"]), "not_found");
    let existing = tmp.path().join("exists.p12");
    std::fs::write(&existing, b"earlier").unwrap();
    assert_eq!(kind_of(&["export", "ffff", "--out", existing.to_str().unwrap()]), "already_exists");
    assert_eq!(std::fs::read(&existing).unwrap(), b"earlier");
}

/// A Firefox user's database with a Primary Password, made by NSS's own
/// `certutil -N -f` and filled by `pk12util`, opens with its password (from
/// --db-password-file or CERTDESK_DB_PASSWORD) and works as any other:
/// listed with its key, exported, imported into, deleted from. Without the
/// password it is `database_locked`, with a wrong one
/// `wrong_database_password`, both exit 2 and never echo a password.
#[test]
fn a_database_with_a_primary_password_opens_with_it_and_a_wrong_one_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let db = root.join("Firefox プロファイル");
    let now = time::OffsetDateTime::now_utc();
    let ca = Ca::new(root, "Enterprise Premium CA - G2");
    issue(&ca, root, &Leaf::new("yamada", "/CN=山田 太郎/O=株式会社テスト", -10, 365), now);
    let p12 = pkcs12(root, "yamada", "山田の証明書", None);
    let db_password = new_nss_db_with_password(&db, "主 primary 2026\n", &p12, PASSWORD);
    let p12_password = root.join("p12-password");
    std::fs::write(&p12_password, PASSWORD).unwrap();

    let locked = certdesk(&db).args(["--json", "list"]).output().unwrap();
    assert_eq!(locked.status.code(), Some(2));
    let error = &json_of(&locked)["error"];
    assert_eq!(error["kind"], "database_locked", "{error}");
    assert!(error["message"].as_str().unwrap().contains("--db-password-file"), "says how to give it: {error}");

    let wrong = root.join("wrong");
    std::fs::write(&wrong, "not the primary one").unwrap();
    let refused = certdesk(&db).args(["--json", "list", "--db-password-file"]).arg(&wrong).output().unwrap();
    assert_eq!(refused.status.code(), Some(2));
    assert_eq!(json_of(&refused)["error"]["kind"], "wrong_database_password");
    let said = format!("{}{}", String::from_utf8_lossy(&refused.stdout), String::from_utf8_lossy(&refused.stderr));
    assert!(!said.contains("not the primary one") && !said.contains("主 primary"), "{said}");

    let listed = json_of(&run(certdesk(&db).args(["--json", "list", "--db-password-file"]).arg(&db_password)));
    let yamada = &listed.as_array().unwrap()[0];
    assert_eq!(yamada["name"], "山田 太郎");
    assert_eq!(yamada["has_private_key"], true, "the key is read after the login: {yamada}");
    let id = yamada["id"].as_str().unwrap().to_owned();

    // The variable works as the file does; the key leaves the database in an export.
    let exported = root.join("山田.p12");
    let mut export = certdesk(&db);
    export
        .args(["export", &id, "--out"])
        .arg(&exported)
        .env("CERTDESK_DB_PASSWORD", "主 primary 2026")
        .env("CERTDESK_NEW_PASSWORD", "export 出");
    run(&mut export);
    let read_back =
        run(Command::new("openssl").args(["pkcs12", "-nodes", "-passin", "pass:export 出", "-in"]).arg(&exported));
    assert!(String::from_utf8_lossy(&read_back.stdout).contains("PRIVATE KEY"), "the export holds the key");

    // An import goes in with its key, as NSS itself then sees it (only with the password).
    issue(&ca, root, &Leaf::new("taro", "/CN=Taro Primary/O=Example Corp", -10, 365), now);
    let taro = pkcs12(root, "taro", "taro", None);
    let mut import = certdesk(&db);
    import
        .arg("import")
        .arg(&taro)
        .arg("--password-file")
        .arg(&p12_password)
        .arg("--db-password-file")
        .arg(&db_password);
    run(&mut import);
    assert_eq!(nss_keys_with_password(&db, Some(&db_password)).len(), 2);

    let mut delete = certdesk(&db);
    delete.args(["delete", &id, "--yes", "--db-password-file"]).arg(&db_password);
    run(&mut delete);
    let keys = nss_keys_with_password(&db, Some(&db_password));
    assert_eq!(keys.len(), 1, "yamada's key went with it: {keys:#?}");
    assert!(keys[0].ends_with("taro"), "{keys:#?}");
}

/// `certdesk check`, as a fleet tool runs it: exit 4 while a certificate has
/// expired with no usable renewal installed, 3 once only renewals are due,
/// 0 when nothing is (here: a renewal window of 0 days); the JSON names the
/// host and the store and judges each personal certificate.
#[test]
fn check_exits_with_the_worst_verdict_and_reports_each_personal_certificate() {
    let (_tmp, db, fixture) = fresh_db();
    let checked = |args: &[&str]| certdesk(&db).args(["--json", "check"]).args(args).output().unwrap();
    let out = checked(&[]);
    assert_eq!(out.status.code(), Some(4), "{}", String::from_utf8_lossy(&out.stdout));
    let report = json_of(&out);
    assert!(report["host"].as_str().is_some_and(|h| !h.is_empty()), "{report:#}");
    assert_eq!(report["store"], format!("nss:{}", db.display()));
    assert_eq!((report["attention"].as_str(), report["exit_code"].as_u64()), (Some("expired"), Some(4)));
    let verdict = |file: &str| {
        let entry = report["certificates"].as_array().unwrap().iter().find(|c| c["id"] == fixture.ids[file]).cloned();
        entry.map(|c| (c["attention"].as_str().unwrap().to_owned(), c["renewal_installed"].as_bool().unwrap()))
    };
    assert_eq!(verdict("alice-expired"), Some(("expired".into(), false)));
    assert_eq!(verdict("hanako-1"), Some(("none".into(), true)), "its renewal is installed");
    assert_eq!(verdict("keiko-1"), Some(("none".into(), true)), "renewed with the same key");
    assert_eq!(verdict("bob-expiring"), Some(("renewal_due".into(), false)));
    assert_eq!(verdict("frank-1"), Some(("renewal_due".into(), false)), "its renewal is not valid yet");
    assert_eq!(verdict("jiro-nokey"), None, "no key: not a personal certificate here");
    assert_eq!(verdict("ca-g2"), None);
    assert_eq!(verdict("eve-server").map(|v| v.0), Some("none".into()));
    let client_only = json_of(&checked(&["--client-auth"]));
    let ids: Vec<&Value> = client_only["certificates"].as_array().unwrap().iter().map(|c| &c["id"]).collect();
    assert!(!ids.contains(&&Value::from(fixture.ids["eve-server"].clone())), "server-only left out: {ids:?}");
    assert!(ids.contains(&&Value::from(fixture.ids["alice-expired"].clone())));
    let bob =
        report["certificates"].as_array().unwrap().iter().find(|c| c["id"] == fixture.ids["bob-expiring"]).unwrap();
    assert_eq!(bob["days_left"], 29, "{bob:#}"); // made to expire in 30 days, a few seconds ago

    let expired: Vec<&str> = ["alice-expired", "grace-1", "grace-2"].iter().map(|f| fixture.ids[f].as_str()).collect();
    run(certdesk(&db).arg("delete").args(&expired).arg("--yes"));
    assert_eq!(checked(&[]).status.code(), Some(3), "only renewals are due now");
    let text = certdesk(&db).arg("check").output().unwrap();
    assert_eq!(text.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&text.stdout).contains("Bob Expiring (issued by Enterprise Premium CA - G2"));
    assert_eq!(checked(&["--within", "0"]).status.code(), Some(0), "no renewal window: nothing is due");
}

/// The Python with Python's icalendar that `scripts/setup` installs (outside the clone).
fn python_with_icalendar() -> PathBuf {
    let python = std::env::var_os("CERTDESK_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var("HOME").unwrap()).join(".cache/certdesk/python/bin/python"));
    assert!(python.exists(), "{} is missing: run scripts/setup", python.display());
    python
}

/// "Add to calendar": the renewal day (the window before expiry) and the
/// expiry day of each certificate, as all-day events with a reminder, read
/// back by a kept parser (Python's icalendar); Japanese titles by the locale;
/// an existing file is not replaced unasked.
#[test]
fn calendar_writes_renewal_and_expiry_days_that_icalendar_reads_back() {
    let (tmp, db, fixture) = fresh_db();
    let out = tmp.path().join("更新予定.ics");
    let id = fixture.ids["yamada"].clone();
    run(certdesk(&db).args(["calendar", &id[..12], "--out"]).arg(&out).env("LC_ALL", "ja_JP.UTF-8"));
    let again = certdesk(&db).args(["--json", "calendar", "--out"]).arg(&out).output().unwrap();
    assert_eq!(json_of(&again)["error"]["kind"], "already_exists");

    let read_back = |file: &Path| -> Vec<Value> {
        let script = "import sys, json, icalendar\n\
            cal = icalendar.Calendar.from_ical(open(sys.argv[1], 'rb').read())\n\
            print(json.dumps([{'uid': str(e['UID']), 'summary': str(e['SUMMARY']), \
            'start': e.decoded('DTSTART').isoformat(), 'end': e.decoded('DTEND').isoformat(), \
            'alarm': e.walk('VALARM')[0]['TRIGGER'].to_ical().decode()} for e in cal.walk('VEVENT')], ensure_ascii=False))";
        let out = run(Command::new(python_with_icalendar()).arg("-c").arg(script).arg(file));
        serde_json::from_slice::<Value>(&out.stdout).unwrap().as_array().unwrap().clone()
    };
    let events = read_back(&out);
    assert_eq!(events.len(), 2, "{events:#?}");
    let listed = list_json(&db, &[]);
    let yamada = listed.iter().find(|e| e["id"] == id).unwrap();
    let not_after = time::OffsetDateTime::parse(
        yamada["not_after"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let day = |t: time::OffsetDateTime| format!("{:04}-{:02}-{:02}", t.year(), u8::from(t.month()), t.day());
    let expiry = events.iter().find(|e| e["uid"] == format!("{id}-expiry@certdesk")).unwrap();
    let renewal = events.iter().find(|e| e["uid"] == format!("{id}-renewal@certdesk")).unwrap();
    assert_eq!(expiry["start"], day(not_after));
    assert_eq!(expiry["end"], day(not_after + time::Duration::days(1)));
    assert_eq!(renewal["start"], day(not_after - time::Duration::days(90)), "the 90-day window opens");
    assert_eq!(renewal["summary"], "証明書の更新開始: 山田 太郎（Enterprise Premium CA - G2）");
    assert_eq!(expiry["alarm"], "PT9H");

    // None named: every personal certificate, two days each.
    run(certdesk(&db).args(["calendar", "--force", "--out"]).arg(&out));
    let personal = listed.iter().filter(|e| e["has_private_key"] == true && e["is_ca"] == false).count();
    assert_eq!(read_back(&out).len(), 2 * personal);
}

/// `contrib/ansible`'s playbook, run by a pinned ansible-core against
/// localhost with a real NSS database: it reports the host's verdict and
/// the certificates that need attention, and names the host to act on.
#[test]
fn the_ansible_playbook_names_the_hosts_with_certificates_to_renew() {
    let (tmp, db, _) = fresh_db();
    let python = python_with_icalendar();
    let playbook = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../contrib/ansible/certdesk-check.yml");
    let vars = serde_json::json!({
        "ansible_python_interpreter": python,
        "certdesk": env!("CARGO_BIN_EXE_certdesk"),
        "certdesk_args": ["--store", format!("nss:{}", db.display())],
    });
    let out = run(Command::new(python.with_file_name("ansible-playbook"))
        .args(["-i", "localhost,", "-c", "local", "-e"])
        .arg(vars.to_string())
        .arg(&playbook)
        .env("LC_ALL", "C.UTF-8")
        .env("ANSIBLE_NOCOLOR", "1")
        .env("ANSIBLE_HOME", tmp.path().join("ansible"))
        .env("ANSIBLE_LOCAL_TEMP", tmp.path().join("ansible-tmp"))
        .env_remove("CERTDESK_STORE"));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("localhost: expired"), "{said}");
    assert!(said.contains("Alice Expired") && said.contains("Bob Expiring"), "{said}");
    assert!(!said.contains("Carol Valid"), "a valid one needs nothing: {said}");
    assert!(said.contains("to renew: ['localhost']"), "{said}");
}
