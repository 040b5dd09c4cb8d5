//! The PKCS#12 codec against the tools people actually use: files written
//! by OpenSSL 3 (default and -legacy), NSS's pk12util, Java's keytool and
//! GnuTLS's certtool are read; files certdesk writes are read by
//! `openssl pkcs12` (without -legacy), `pk12util -i` and `keytool -list`.

// These drive NSS's and OpenSSL's tools, which the Linux CI has.
#![cfg(unix)]

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use support::*;

const NAME: &str = "山田の証明書";
/// keytool decodes -storepass through the platform charset; keep it ASCII there.
const ASCII_PASSWORD: &str = "Export-Pass-2026";

struct Setup {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    db: PathBuf,
    /// The identity's id in `db`.
    id: String,
    password_file: PathBuf,
}

/// A CA, one identity with a Japanese name, imported into a fresh NSS database.
fn setup() -> Setup {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    let ca = Ca::new(&dir, "Enterprise Premium CA - G2");
    issue(&ca, &dir, &Leaf::new("yamada", "/CN=山田 太郎/O=株式会社テスト", -1, 365), time::OffsetDateTime::now_utc());
    let p12 = pkcs12(&dir, "yamada", NAME, Some(&ca));
    let db = dir.join("nssdb");
    new_nss_db(&db);
    let password_file = dir.join("password");
    std::fs::write(&password_file, PASSWORD).unwrap();
    let out =
        json_of(&run(certdesk(&db).args(["--json", "import"]).arg(&p12).arg("--password-file").arg(&password_file)));
    let listed = json_of(&run(certdesk(&db).args(["--json", "list"])));
    let id = listed.as_array().unwrap().iter().find(|e| e["name"] == "山田 太郎").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(out["added"].as_array().unwrap().iter().any(|a| a == &Value::String(id.clone())));
    Setup { _tmp: tmp, dir, db, id, password_file }
}

fn inspect(file: &Path, password: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_certdesk"))
        .args(["--json", "inspect"])
        .arg(file)
        .env("CERTDESK_PASSWORD", password)
        .env_remove("CERTDESK_STORE")
        .output()
        .unwrap()
}

fn leaf_sha256(setup: &Setup) -> String {
    setup.id.clone()
}

/// Checks that certdesk reads `file` as the set-up identity.
fn assert_reads_as_identity(setup: &Setup, file: &Path, password: &str, producer: &str) -> Value {
    let out = inspect(file, password);
    assert!(out.status.success(), "{producer}: {}", String::from_utf8_lossy(&out.stdout));
    let report = json_of(&out);
    let leaf = report["certificates"].as_array().unwrap().iter().find(|c| c["is_leaf"] == true);
    let leaf = leaf.unwrap_or_else(|| panic!("{producer}: no leaf in {report:#}"));
    assert_eq!(leaf["sha256"], leaf_sha256(setup), "{producer}");
    assert_eq!(report["key"]["matches_sha256"], leaf_sha256(setup), "{producer}");
    assert_eq!(report["certificates"][0]["is_leaf"], true, "{producer}: leaf first");
    report
}

#[test]
fn files_from_openssl_nss_java_and_gnutls_are_read() {
    let s = setup();
    let pem_key = s.dir.join("yamada.key");
    let pem_cert = s.dir.join("yamada.pem");
    let pass = format!("file:{}", s.password_file.display());

    // OpenSSL 3 default (PBES2/AES-256, HMAC-SHA256) with the CA.
    let default = s.dir.join("openssl-default.p12");
    run(Command::new("openssl")
        .args(["pkcs12", "-export", "-inkey"])
        .arg(&pem_key)
        .arg("-in")
        .arg(&pem_cert)
        .args(["-name", NAME, "-passout", &pass, "-out"])
        .arg(&default));
    let report = assert_reads_as_identity(&s, &default, PASSWORD, "openssl default");
    assert!(report["encryption"]["key"].as_str().unwrap().contains("AES-256"), "{report:#}");
    assert_eq!(report["certificates"][0]["friendly_name"], NAME);

    // OpenSSL 3 -legacy: RC2-40 certificates, TripleDES key, SHA-1 MAC.
    let legacy = s.dir.join("openssl-legacy.p12");
    run(Command::new("openssl")
        .args(["pkcs12", "-export", "-legacy", "-inkey"])
        .arg(&pem_key)
        .arg("-in")
        .arg(&pem_cert)
        .args(["-name", NAME, "-passout", &pass, "-out"])
        .arg(&legacy));
    let report = assert_reads_as_identity(&s, &legacy, PASSWORD, "openssl -legacy");
    assert_eq!(report["encryption"]["certificates"], "pbeWithSHA1And40BitRC2-CBC");
    assert_eq!(report["compatibility"]["openssl_3"]["ok"], false, "RC2 needs -legacy");

    // NSS pk12util export (BER, indefinite lengths) from the database.
    let nss = s.dir.join("pk12util.p12");
    run(Command::new("pk12util")
        .args(["-o"])
        .arg(&nss)
        .args(["-n", NAME, "-d"])
        .arg(format!("sql:{}", s.db.display()))
        .arg("-w")
        .arg(&s.password_file)
        .env("LC_ALL", "C"));
    assert_reads_as_identity(&s, &nss, PASSWORD, "pk12util");

    // Java keytool, converting the OpenSSL file into its own PKCS#12.
    let java = s.dir.join("keytool.p12");
    let ascii = s.dir.join("ascii-password");
    std::fs::write(&ascii, ASCII_PASSWORD).unwrap();
    let ascii_source = s.dir.join("openssl-ascii.p12");
    run(Command::new("openssl")
        .args(["pkcs12", "-export", "-inkey"])
        .arg(&pem_key)
        .arg("-in")
        .arg(&pem_cert)
        .args(["-name", "yamada", "-passout"])
        .arg(format!("file:{}", ascii.display()))
        .arg("-out")
        .arg(&ascii_source));
    run(Command::new("keytool")
        .args(["-importkeystore", "-noprompt", "-srcstoretype", "PKCS12", "-srckeystore"])
        .arg(&ascii_source)
        .args([
            "-srcstorepass",
            ASCII_PASSWORD,
            "-deststoretype",
            "PKCS12",
            "-deststorepass",
            ASCII_PASSWORD,
            "-destkeystore",
        ])
        .arg(&java));
    assert_reads_as_identity(&s, &java, ASCII_PASSWORD, "keytool");

    // GnuTLS certtool.
    let gnutls = s.dir.join("certtool.p12");
    run(Command::new("certtool")
        .args(["--to-p12", "--outder", "--p12-name", NAME, "--password", ASCII_PASSWORD, "--load-privkey"])
        .arg(&pem_key)
        .arg("--load-certificate")
        .arg(&pem_cert)
        .arg("--outfile")
        .arg(&gnutls));
    assert_reads_as_identity(&s, &gnutls, ASCII_PASSWORD, "certtool");
}

fn export(s: &Setup, profile: &str, out: &Path, password: &str) {
    let pw = s.dir.join(format!("export-{profile}-password"));
    std::fs::write(&pw, password).unwrap();
    let result = json_of(&run(certdesk(&s.db)
        .args(["--json", "export", &s.id, "--profile", profile, "--out"])
        .arg(out)
        .arg("--password-file")
        .arg(&pw)));
    assert_eq!(result["verified"], true);
}

#[test]
fn both_profiles_are_read_by_openssl_without_legacy_pk12util_and_keytool() {
    let s = setup();
    for profile in ["compatible", "modern"] {
        let out = s.dir.join(format!("{profile}.p12"));
        export(&s, profile, &out, ASCII_PASSWORD);
        {
            use std::os::unix::fs::PermissionsExt as _;
            assert_eq!(std::fs::metadata(&out).unwrap().permissions().mode() & 0o777, 0o600, "{profile}");
        }
        let pem = run(Command::new("openssl")
            .args(["pkcs12", "-nodes", "-passin"])
            .arg(format!("pass:{ASCII_PASSWORD}"))
            .arg("-in")
            .arg(&out));
        let text = String::from_utf8_lossy(&pem.stdout);
        assert!(
            text.contains("BEGIN PRIVATE KEY") && text.matches("BEGIN CERTIFICATE").count() == 2,
            "{profile}: {text}"
        );
        let info = run(Command::new("openssl")
            .args(["pkcs12", "-info", "-noout", "-passin"])
            .arg(format!("pass:{ASCII_PASSWORD}"))
            .arg("-in")
            .arg(&out));
        let info = String::from_utf8_lossy(&info.stderr);
        match profile {
            "modern" => assert!(info.contains("AES-256-CBC") && info.contains("MAC: sha256"), "{info}"),
            _ => assert!(info.contains("pbeWithSHA1And3-KeyTripleDES-CBC") && info.contains("MAC: sha1"), "{info}"),
        }

        let db = s.dir.join(format!("import-{profile}"));
        new_nss_db(&db);
        let pw = s.dir.join("ascii-for-nss");
        std::fs::write(&pw, ASCII_PASSWORD).unwrap();
        run(Command::new("pk12util")
            .arg("-i")
            .arg(&out)
            .arg("-d")
            .arg(format!("sql:{}", db.display()))
            .arg("-w")
            .arg(&pw)
            .env("LC_ALL", "C"));
        let keys = nss_keys(&db);
        assert_eq!(keys.len(), 1, "{profile}: {keys:?}");
        assert!(keys[0].ends_with(NAME), "{profile}: the friendly name survives: {keys:?}");

        let listing = run(Command::new("keytool")
            .args(["-list", "-storetype", "PKCS12", "-storepass", ASCII_PASSWORD, "-keystore"])
            .arg(&out));
        let listing = String::from_utf8_lossy(&listing.stdout);
        assert!(listing.contains("PrivateKeyEntry"), "{profile}: {listing}");
    }
}

#[test]
fn export_then_import_round_trips_between_nss_databases_with_a_japanese_password() {
    let s = setup();
    let out = s.dir.join("move.p12");
    export(&s, "compatible", &out, "引っ越し用パスワード");
    let target = s.dir.join("new-pc");
    new_nss_db(&target);
    let pw = s.dir.join("jp-password");
    std::fs::write(&pw, "引っ越し用パスワード").unwrap();
    let imported =
        json_of(&run(certdesk(&target).args(["--json", "import"]).arg(&out).arg("--password-file").arg(&pw)));
    assert!(imported["added"].as_array().unwrap().iter().any(|a| a == &Value::String(s.id.clone())));
    let listed = json_of(&run(certdesk(&target).args(["--json", "list", "--all"])));
    let entry = listed.as_array().unwrap().iter().find(|e| e["id"] == s.id).unwrap().clone();
    assert_eq!(entry["friendly_name"], NAME);
    assert_eq!(entry["subject"], "O=株式会社テスト,CN=山田 太郎");
    assert_eq!(entry["has_private_key"], true);
    assert_eq!(listed.as_array().unwrap().len(), 2, "the leaf and its CA");

    // Importing the same file again adds nothing and says so.
    let again = json_of(&run(certdesk(&target).args(["--json", "import"]).arg(&out).arg("--password-file").arg(&pw)));
    assert!(again["added"].as_array().unwrap().is_empty(), "{again}");
    assert_eq!(again["already_present"].as_array().unwrap().len(), 2, "{again}");
    assert_eq!(json_of(&run(certdesk(&target).args(["--json", "list", "--all"]))).as_array().unwrap().len(), 2);
}

#[test]
fn inspect_names_the_true_cause_of_a_failure() {
    let s = setup();
    let good = s.dir.join("good.p12");
    export(&s, "modern", &good, ASCII_PASSWORD);
    let kind = |file: &Path, password: &str| {
        let out = inspect(file, password);
        assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stdout));
        let v = json_of(&out);
        if password.len() > 3 {
            assert!(!v["error"]["message"].as_str().unwrap().contains(password));
        }
        v["error"]["kind"].as_str().unwrap().to_owned()
    };
    assert_eq!(kind(&good, "Export-Pass-2025"), "wrong_password");

    let bytes = std::fs::read(&good).unwrap();
    let truncated = s.dir.join("truncated.p12");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    assert_eq!(kind(&truncated, ASCII_PASSWORD), "corrupt");

    // One byte of the MAC flipped: the right password still decrypts the
    // contents, so this is damage, not a wrong password.
    let mut flipped = bytes.clone();
    let mac_at = bytes.len() - 16 - 2 - 5 - 4; // inside the 32-byte MAC, before salt and iterations
    flipped[mac_at] ^= 0x01;
    let damaged = s.dir.join("damaged.p12");
    std::fs::write(&damaged, &flipped).unwrap();
    assert_eq!(kind(&damaged, ASCII_PASSWORD), "corrupt");

    let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/pkcs12");
    assert_eq!(kind(&fixtures.join("bouncycastle-bc-java/bc-gostPfx.p12"), "1"), "unsupported");
    let message =
        json_of(&inspect(&fixtures.join("bouncycastle-bc-java/bc-gostPfx.p12"), "1"))["error"]["message"].clone();
    assert!(message.as_str().unwrap().contains("GOST"), "{message}");
}

#[test]
fn inspect_reports_protection_contents_and_verdicts_in_its_json_shape() {
    let s = setup();
    let file = s.dir.join("compatible.p12");
    export(&s, "compatible", &file, ASCII_PASSWORD);
    let r = assert_reads_as_identity(&s, &file, ASCII_PASSWORD, "certdesk compatible");
    assert_eq!(r["encryption"]["certificates"], "pbeWithSHA1And3-KeyTripleDES-CBC");
    assert_eq!(r["encryption"]["key"], "pbeWithSHA1And3-KeyTripleDES-CBC");
    assert_eq!(r["encryption"]["mac"], "HMAC-SHA-1");
    assert_eq!(r["encryption"]["iterations"], 10000);
    assert_eq!(r["password_form"], "BMPString (RFC 7292)");
    assert_eq!(r["key"]["algorithm"], "EC P-256");
    assert_eq!(r["certificates"].as_array().unwrap().len(), 2);
    assert_eq!(r["certificates"][1]["subject"], "O=Example Trust,CN=Enterprise Premium CA - G2");
    for c in r["certificates"].as_array().unwrap() {
        for field in
            ["subject", "issuer", "serial", "sha1", "sha256", "not_before", "not_after", "friendly_name", "is_leaf"]
        {
            assert!(c.get(field).is_some(), "{field}");
        }
    }
    for importer in ["windows_7_8", "windows_10_11", "macos_14", "macos_15", "openssl_3", "java_8", "java_17"] {
        assert_eq!(r["compatibility"][importer]["ok"], true, "{importer}: {}", r["compatibility"][importer]);
    }
    let modern = s.dir.join("modern.p12");
    export(&s, "modern", &modern, ASCII_PASSWORD);
    let r = assert_reads_as_identity(&s, &modern, ASCII_PASSWORD, "certdesk modern");
    assert_eq!(r["compatibility"]["windows_7_8"]["ok"], false);
    assert_eq!(r["compatibility"]["macos_14"]["ok"], false);
    assert_eq!(r["compatibility"]["windows_10_11"]["ok"], true);
}

#[test]
fn export_refuses_to_overwrite_and_to_export_a_locked_key() {
    let s = setup();
    let out = s.dir.join("once.p12");
    export(&s, "compatible", &out, ASCII_PASSWORD);
    let before = std::fs::read(&out).unwrap();
    let again = certdesk(&s.db)
        .args(["--json", "export", &s.id, "--out"])
        .arg(&out)
        .env("CERTDESK_NEW_PASSWORD", "x1")
        .output()
        .unwrap();
    assert_eq!(json_of(&again)["error"]["kind"], "already_exists");
    assert_eq!(std::fs::read(&out).unwrap(), before);
    run(certdesk(&s.db).args(["export", &s.id, "--force", "--out"]).arg(&out).env("CERTDESK_NEW_PASSWORD", "x1"));
    assert_ne!(std::fs::read(&out).unwrap(), before);

    let empty = certdesk(&s.db)
        .args(["--json", "export", &s.id, "--out"])
        .arg(s.dir.join("empty.p12"))
        .env("CERTDESK_NEW_PASSWORD", "")
        .output()
        .unwrap();
    assert_eq!(json_of(&empty)["error"]["kind"], "invalid_input", "an empty password is refused");

    // Import another copy as not exportable into a fresh database.
    let locked_db = s.dir.join("locked");
    new_nss_db(&locked_db);
    run(certdesk(&locked_db).args(["import", "--not-exportable"]).arg(&out).env("CERTDESK_PASSWORD", "x1"));
    let refused = certdesk(&locked_db)
        .args(["--json", "export", &s.id, "--out"])
        .arg(s.dir.join("locked.p12"))
        .env("CERTDESK_NEW_PASSWORD", "x2")
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(1));
    assert_eq!(json_of(&refused)["error"]["kind"], "not_exportable");
    assert!(!s.dir.join("locked.p12").exists());
}

#[test]
fn convert_turns_an_aes_file_into_one_openssl_reads_as_tripledes() {
    let s = setup();
    let modern = s.dir.join("modern.p12");
    export(&s, "modern", &modern, ASCII_PASSWORD);
    let converted = s.dir.join("converted.p12");
    run(Command::new(env!("CARGO_BIN_EXE_certdesk"))
        .args(["convert"])
        .arg(&modern)
        .arg("--out")
        .arg(&converted)
        .args(["--profile", "compatible"])
        .env("CERTDESK_PASSWORD", ASCII_PASSWORD)
        .env("CERTDESK_NEW_PASSWORD", "新しい"));
    let r = assert_reads_as_identity(&s, &converted, "新しい", "converted");
    assert_eq!(r["encryption"]["key"], "pbeWithSHA1And3-KeyTripleDES-CBC");
    assert_eq!(r["certificates"][0]["friendly_name"], NAME);
}

#[test]
fn a_file_old_java_wrote_with_a_latin1_password_converts_and_says_how_it_opened() {
    let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/pkcs12");
    let out = inspect(&fixtures.join("bouncycastle-bc-java/jsafe-with-key-entry-iso8859-pw.p12"), "Mötley Crüe");
    let r = json_of(&out);
    assert!(r["password_form"].as_str().unwrap().contains("ISO-8859-1"), "{r:#}");
}
