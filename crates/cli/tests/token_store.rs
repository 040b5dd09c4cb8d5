//! `certdesk` against a real PKCS#11 token: SoftHSM2 stands in for a smart
//! card. OpenSC's `pkcs11-tool` sets it up and writes keys and certificates
//! made by OpenSSL onto it (the PINs go through its `env:` form, never
//! argv). certdesk lists them before and after a login, tells a renewal on
//! the token from the certificate it supersedes, counts a wrong PIN, and
//! refuses every change.

#![cfg(unix)]

mod support;

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use serde_json::Value;
use support::*;

const MODULE: &str = SOFTHSM_MODULE;
const LABEL: &str = "certdesk テスト";
const PIN: &str = TOKEN_PIN;
const SO_PIN: &str = TOKEN_SO_PIN;

struct Token {
    dir: tempfile::TempDir,
    conf: PathBuf,
    soft: SoftToken,
    ca: Ca,
}

impl Token {
    /// A SoftHSM2 token of its own with an expired certificate, its renewal
    /// (each with its key) and their CA.
    fn new() -> Token {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path();
        let soft = SoftToken::new(out, LABEL);
        let ca = Ca::new(out, "Card Issuing CA");
        for (file, id, from, until) in [("old", "01", -400, -5), ("new", "02", -5, 360)] {
            soft.put_identity(
                &ca,
                out,
                &Leaf::new(file, "/CN=山田 太郎/O=カード株式会社", from, until),
                id,
                "山田 太郎",
            );
        }
        soft.put_certificate(&ca.pem(), "09", "Card Issuing CA");
        Token { conf: soft.conf.clone(), dir, soft, ca }
    }

    fn objects(&self) -> String {
        self.soft.objects()
    }

    fn spec(&self) -> String {
        format!("pkcs11:{MODULE}#token={LABEL}")
    }

    fn certdesk(&self, args: &[&str]) -> Output {
        let pin_file = self.dir.path().join("pin.txt");
        std::fs::write(&pin_file, PIN).unwrap();
        let wrong_file = self.dir.path().join("wrong.txt");
        std::fs::write(&wrong_file, "0000").unwrap();
        let password_file = self.dir.path().join("password.txt");
        std::fs::write(&password_file, PASSWORD).unwrap();
        let args: Vec<String> = args
            .iter()
            .map(|a| match *a {
                "PIN_FILE" => pin_file.display().to_string(),
                "WRONG_FILE" => wrong_file.display().to_string(),
                "PASSWORD_FILE" => password_file.display().to_string(),
                other => other.to_owned(),
            })
            .collect();
        let out = Command::new(env!("CARGO_BIN_EXE_certdesk"))
            .args(&args)
            .env("SOFTHSM2_CONF", &self.conf)
            .env("NO_COLOR", "1")
            .env_remove("CERTDESK_STORE")
            .env_remove("CERTDESK_PIN")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let all = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(!all.contains(PIN) && !all.contains(SO_PIN), "a PIN was printed: {all}");
        out
    }

    fn list(&self, login: bool) -> Vec<Value> {
        let spec = self.spec();
        let mut args = vec!["--store", spec.as_str(), "--json", "list", "--all"];
        if login {
            args.extend(["--login", "--pin-file", "PIN_FILE"]);
        }
        let out = self.certdesk(&args);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        json_of(&out).as_array().unwrap().clone()
    }
}

fn by_expiry(entries: &[Value]) -> (Value, Value, Value) {
    let pick = |f: &dyn Fn(&Value) -> bool| entries.iter().find(|e| f(e)).cloned().expect("an entry");
    let ca = pick(&|e| e["is_ca"] == true);
    let old = pick(&|e| e["is_ca"] == false && e["status"] == "expired");
    let new = pick(&|e| e["is_ca"] == false && e["status"] == "valid");
    (ca, old, new)
}

#[test]
fn a_token_s_certificates_are_listed_before_and_after_a_login_and_a_renewal_on_it_supersedes_the_old_one() {
    let token = Token::new();

    let before = token.list(false);
    assert_eq!(before.len(), 3, "{before:#?}");
    let (ca, old, new) = by_expiry(&before);
    // Before a login SoftHSM hides its private keys: a personal certificate is taken to have one there.
    assert_eq!(new["key"], "on_token", "{new:#}");
    assert_eq!(new["exportable"], false, "a card's key is never exported: {new:#}");
    assert_eq!(ca["key"], "none", "{ca:#}");
    assert_eq!(new["store"], token.spec());
    assert_eq!(new["name"], "山田 太郎");

    let after = token.list(true);
    let (ca, old_after, new) = by_expiry(&after);
    assert_eq!((new["key"].as_str(), old_after["key"].as_str()), (Some("on_token"), Some("on_token")));
    assert_eq!(new["key_exportable"], false);
    assert_eq!(ca["key"], "none");
    assert_eq!(old_after["superseded"], true, "the renewal on the token supersedes it: {old_after:#}");
    assert_eq!(old_after["superseded_by"], new["id"]);
    assert_eq!(old["id"], old_after["id"]);

    // Details work for a token's certificate.
    let id = new["id"].as_str().unwrap();
    let spec = token.spec();
    let shown = token.certdesk(&["--store", &spec, "--json", "show", id]);
    assert!(shown.status.success(), "{}", String::from_utf8_lossy(&shown.stderr));
    assert_eq!(json_of(&shown)["issuer_name"], "Card Issuing CA");
    // Each certificate says which card holds it, and in which reader.
    assert_eq!(json_of(&shown)["card"]["label"], LABEL);
    assert!(
        json_of(&shown)["card"]["reader"].as_str().is_some_and(|r| r.starts_with("SoftHSM slot")),
        "{:#}",
        json_of(&shown)
    );
    let text = token.certdesk(&["--store", &spec, "show", id]);
    assert!(String::from_utf8_lossy(&text.stdout).contains("On card:"), "{}", String::from_utf8_lossy(&text.stdout));
    assert!(String::from_utf8_lossy(&text.stdout).contains(LABEL));
}

#[test]
fn a_wrong_pin_is_refused_counted_and_warned_of_at_the_next_login() {
    let token = Token::new();
    let spec = token.spec();
    let state = |token: &Token| {
        let out = token.certdesk(&["--json", "tokens", "--module", MODULE]);
        assert!(out.status.success());
        let report = json_of(&out);
        let module = report.as_array().unwrap().iter().find(|m| m["module"] == MODULE).cloned().unwrap();
        let slot = module["slots"].as_array().unwrap().iter().find(|s| s["token"]["label"] == LABEL).cloned().unwrap();
        slot["token"].clone()
    };
    let fresh = state(&token);
    assert_eq!((fresh["pin"].as_str(), fresh["login_required"].as_bool()), (Some("ok"), Some(true)), "{fresh:#}");
    assert_eq!(fresh["card"]["kind"], "other");
    assert_eq!(fresh["store"], format!("pkcs11:{MODULE}#token={LABEL}"));

    let wrong = token.certdesk(&["--store", &spec, "--json", "--login", "--pin-file", "WRONG_FILE", "list"]);
    assert_eq!(wrong.status.code(), Some(2));
    assert_eq!(json_of(&wrong)["error"]["kind"], "wrong_pin", "{}", String::from_utf8_lossy(&wrong.stdout));

    let counted = state(&token);
    assert_eq!(counted["pin"], "count_low", "SoftHSM2 sets CKF_USER_PIN_COUNT_LOW after a wrong PIN: {counted:#}");
    assert!(counted["advice"].as_str().unwrap().contains("Enter it carefully"), "{counted:#}");

    // The same, for a Japanese desktop; a right PIN then clears the count.
    let japanese = Command::new(env!("CARGO_BIN_EXE_certdesk"))
        .args(["tokens", "--module", MODULE])
        .env("SOFTHSM2_CONF", &token.conf)
        .env("LANG", "ja_JP.UTF-8")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&japanese.stdout);
    assert!(text.contains("誤った暗証番号（PIN）が入力されています"), "{text}");

    let warned = token.certdesk(&["--store", &spec, "--login", "--pin-file", "PIN_FILE", "list"]);
    assert!(warned.status.success(), "{}", String::from_utf8_lossy(&warned.stderr));
    let stderr = String::from_utf8_lossy(&warned.stderr);
    assert!(stderr.contains("A wrong PIN was entered since the last right one"), "{stderr}");
    assert!(String::from_utf8_lossy(&warned.stdout).contains("on card"));
}

#[test]
fn a_token_is_read_only_and_its_key_never_leaves_it() {
    let token = Token::new();
    let spec = token.spec();
    let (_, old, _) = by_expiry(&token.list(true));
    let id = old["id"].as_str().unwrap();
    let before = token.objects();

    let delete =
        token.certdesk(&["--store", &spec, "--json", "--login", "--pin-file", "PIN_FILE", "delete", id, "--yes"]);
    assert_eq!(delete.status.code(), Some(2), "{}", String::from_utf8_lossy(&delete.stdout));
    let error = json_of(&delete)["error"].clone();
    assert_eq!(error["kind"], "unsupported", "{error}");
    assert!(error["message"].as_str().unwrap().contains("never changes them"), "{error}");

    let out = token.dir.path().join("out.p12");
    let out_arg = out.display().to_string();
    let export = token.certdesk(&[
        "--store",
        &spec,
        "--json",
        "--login",
        "--pin-file",
        "PIN_FILE",
        "export",
        id,
        "--out",
        &out_arg,
        "--password-file",
        "PIN_FILE",
    ]);
    assert_ne!(export.status.code(), Some(0));
    assert_eq!(json_of(&export)["error"]["kind"], "not_exportable", "{}", String::from_utf8_lossy(&export.stdout));
    assert!(!out.exists());

    let p12 = token.dir.path().join("other.p12");
    std::fs::copy(pkcs12(token.dir.path(), "new", "again", None), &p12).unwrap();
    let import = token.certdesk(&[
        "--store",
        &spec,
        "--json",
        "import",
        p12.to_str().unwrap(),
        "--password-file",
        "PASSWORD_FILE",
    ]);
    assert_ne!(import.status.code(), Some(0));

    assert_eq!(token.objects(), before, "nothing on the token changed");
}

#[test]
fn a_store_spec_for_a_token_that_is_absent_or_a_module_that_is_not_one_says_what_to_do() {
    let token = Token::new();
    let missing = token.certdesk(&["--store", &format!("pkcs11:{MODULE}#token=No Such Card"), "--json", "list"]);
    assert_eq!(missing.status.code(), Some(1));
    let message = json_of(&missing)["error"]["message"].as_str().unwrap().to_owned();
    assert!(message.contains("insert the card") && message.contains("certdesk tokens"), "{message}");

    let login_elsewhere = token.certdesk(&["--store", "nss:/nonexistent", "--json", "--login", "list"]);
    assert_eq!(json_of(&login_elsewhere)["error"]["kind"], "invalid_input");
}

/// The key never leaves the token: the handshake's signature is made there
/// (`C_Sign`, ECDSA P-256 here) after a login, and OpenSSL's `s_server`,
/// asking for a certificate from the card's CA, accepts it.
#[test]
fn the_probe_signs_on_the_token_and_openssl_s_server_accepts_it() {
    let token = Token::new();
    let dir = token.dir.path();
    let server_ca = Ca::new(dir, "Server CA");
    let mut server = Leaf::new("server", "/CN=localhost", -1, 300);
    server.extensions = "localhost";
    issue(&server_ca, dir, &server, time::OffsetDateTime::now_utc());
    let card_ca = dir.join("ca-CardIssuingCA").join("ca.pem");
    let site = OpensslServer::start(dir, &card_ca);
    let (_, _, new) = by_expiry(&token.list(true));
    let id = new["id"].as_str().unwrap();
    let spec = token.spec();
    let address = format!("localhost:{}", site.port);
    let probe = |extra: &[&str]| {
        let mut args = vec!["--store", spec.as_str(), "--json"];
        args.extend_from_slice(extra);
        args.extend(["probe", address.as_str(), "--identity", id]);
        let out = Command::new(env!("CARGO_BIN_EXE_certdesk"))
            .args(args.iter().map(|a| {
                if *a == "PIN_FILE" {
                    dir.join("pin.txt").display().to_string()
                } else {
                    a.to_string()
                }
            }))
            .env("SOFTHSM2_CONF", &token.conf)
            .env("SSL_CERT_FILE", server_ca.pem())
            .env_remove("HTTPS_PROXY")
            .env_remove("https_proxy")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        (out.status.code(), json_of(&out))
    };
    let (code, without_pin) = probe(&[]);
    assert_eq!(code, Some(2), "{without_pin}");
    assert!(without_pin["error"]["message"].as_str().unwrap().contains("--login"), "{without_pin}");

    let (code, report) = probe(&["--login", "--pin-file", "PIN_FILE"]);
    assert_eq!(code, Some(0), "{report}");
    assert_eq!(report["handshake"]["result"], "accepted", "{report}");
    assert_eq!(report["requested_cas"], serde_json::json!(["O=Example Trust,CN=Card Issuing CA"]), "{report}");
}

/// Without `--store` the list is the OS store's (NSS here) with the present
/// tokens beside it: a renewal on the card supersedes the certificate in
/// the database, a deletion goes to the store that holds the certificate,
/// and the card's stays refused.
#[test]
fn the_default_view_shows_the_card_beside_the_database_and_sends_each_action_to_its_holder() {
    let token = Token::new();
    let dir = token.dir.path();
    let home = dir.join("home");
    let db = home.join(".pki/nssdb");
    std::fs::create_dir_all(&db).unwrap();
    new_nss_db(&db);
    let ca = &token.ca;
    issue(ca, dir, &Leaf::new("stored", "/CN=山田 太郎/O=カード株式会社", -800, -400), time::OffsetDateTime::now_utc());
    let p12 = pkcs12(dir, "stored", "山田 (PC)", None);
    let password = dir.join("password.txt");
    std::fs::write(&password, PASSWORD).unwrap();
    run(support::certdesk(&db).arg("import").arg(&p12).arg("--password-file").arg(&password));

    let default_view = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_certdesk"))
            .args(args)
            .env("HOME", &home)
            .env("SOFTHSM2_CONF", &token.conf)
            .env("NO_COLOR", "1")
            .env_remove("CERTDESK_STORE")
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    let out = default_view(&["--json", "list"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let entries = json_of(&out).as_array().unwrap().clone();
    let stored = entries.iter().find(|e| e["store"].as_str().unwrap().starts_with("nss:")).cloned().unwrap();
    // Read through p11-kit's proxy, where SoftHSM2 is registered as a real card's module would be.
    let on_card: Vec<&Value> =
        entries.iter().filter(|e| e["store"].as_str().unwrap().ends_with(&format!("#token={LABEL}"))).collect();
    assert_eq!((entries.len(), on_card.len()), (3, 2), "the database's one and the card's two: {entries:#?}");
    let newest = on_card.iter().find(|e| e["status"] == "valid").unwrap();
    assert_eq!(stored["superseded_by"], newest["id"], "the card's renewal supersedes the stored one: {stored:#}");

    let card_old = on_card.iter().find(|e| e["status"] == "expired").unwrap()["id"].as_str().unwrap().to_owned();
    let refused = default_view(&["--json", "delete", &card_old, "--yes"]);
    assert_eq!(json_of(&refused)["error"]["kind"], "unsupported");
    let cleanup = default_view(&["--json", "cleanup"]);
    assert!(cleanup.status.success(), "{}", String::from_utf8_lossy(&cleanup.stderr));
    assert!(
        !String::from_utf8_lossy(&cleanup.stdout).contains(&card_old),
        "clean-up never offers a card's certificate: {}",
        String::from_utf8_lossy(&cleanup.stdout)
    );
    let deleted = default_view(&["--json", "delete", stored["id"].as_str().unwrap(), "--yes"]);
    assert!(deleted.status.success(), "{}", String::from_utf8_lossy(&deleted.stdout));
    let after = json_of(&default_view(&["--json", "list"])).as_array().unwrap().len();
    assert_eq!(after, 2, "the database's certificate is gone, the card's two stay");
    assert!(nss_nicknames(&db).iter().all(|n| !n.contains("山田")), "{:?}", nss_nicknames(&db));
}

/// `--login` beside the store (the default view, or `--tokens`): each
/// present card that shows more once unlocked is unlocked with its PIN, as
/// the app's Unlock does, and its private certificate is listed with the
/// store's; a wrong PIN is refused as on the card alone.
#[test]
fn login_beside_the_store_unlocks_each_card_that_shows_more() {
    let token = Token::new();
    let dir = token.dir.path();
    let hidden = issue(
        &token.ca,
        dir,
        &Leaf::new("hidden", "/CN=秘密 花子/O=カード株式会社", -1, 300),
        time::OffsetDateTime::now_utc(),
    );
    token.soft.put_private_certificate(&hidden, "0a", "秘密 花子");
    let db = dir.join("nssdb");
    new_nss_db(&db);
    let store = format!("nss:{}", db.display());
    let names = |out: &Output| -> Vec<String> {
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        json_of(out).as_array().unwrap().iter().map(|e| e["name"].as_str().unwrap().to_owned()).collect()
    };
    let without = names(&token.certdesk(&["--store", &store, "--tokens", "--json", "list", "--all"]));
    assert!(without.contains(&"山田 太郎".to_owned()), "the card's public certificates are listed: {without:?}");
    assert!(!without.contains(&"秘密 花子".to_owned()), "its private one is not, before a login: {without:?}");
    let with = names(&token.certdesk(&[
        "--store",
        &store,
        "--tokens",
        "--json",
        "--login",
        "--pin-file",
        "PIN_FILE",
        "list",
        "--all",
    ]));
    assert!(with.contains(&"秘密 花子".to_owned()), "unlocked, it is: {with:?}");
    assert!(with.contains(&"山田 太郎".to_owned()));
    let wrong =
        token.certdesk(&["--store", &store, "--tokens", "--json", "--login", "--pin-file", "WRONG_FILE", "list"]);
    assert_eq!(wrong.status.code(), Some(2));
    assert_eq!(json_of(&wrong)["error"]["kind"], "wrong_pin");
}
