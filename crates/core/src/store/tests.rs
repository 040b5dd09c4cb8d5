use time::macros::datetime;

use super::*;
use crate::model::testing::cert;
use crate::model::KeyStatus;

fn identities() -> Vec<Identity> {
    let t = datetime!(2026-01-01 0:00 UTC);
    let mut old = cert("old", "alice", "ca", t, t);
    let mut renewed = cert("renewed", "alice", "ca", t, t);
    // The renewal reused the old key pair.
    old.certificate.public_key_sha256 = "shared".into();
    renewed.certificate.public_key_sha256 = "shared".into();
    let mut no_key = cert("no-key", "bob", "ca", t, t);
    no_key.key = KeyStatus::None;
    vec![old, renewed, cert("own-key", "carol", "ca", t, t), no_key]
}

fn plan(targets: &[&str]) -> Vec<(String, bool, Option<String>)> {
    let all = identities();
    let chosen: Vec<&Identity> = targets.iter().map(|t| all.iter().find(|i| i.id == *t).unwrap()).collect();
    plan_deletion(&all, &chosen).into_iter().map(|s| (s.identity.id, s.remove_key, s.key_kept_for)).collect()
}

#[test]
fn a_key_another_certificate_uses_stays() {
    assert_eq!(plan(&["old"]), [("old".into(), false, Some("renewed".into()))]);
}

#[test]
fn a_key_of_its_own_goes_with_the_certificate() {
    assert_eq!(plan(&["own-key"]), [("own-key".into(), true, None)]);
}

#[test]
fn a_shared_key_goes_once_when_every_user_of_it_goes() {
    assert_eq!(plan(&["old", "renewed"]), [("old".into(), false, None), ("renewed".into(), true, None)]);
}

#[test]
fn a_certificate_without_a_key_removes_no_key() {
    assert_eq!(plan(&["no-key"]), [("no-key".into(), false, None)]);
}

#[test]
fn store_specs_parse_and_print() {
    let nss: StoreSpec = "nss:/tmp/db".parse().unwrap();
    assert_eq!(nss, StoreSpec::Nss { dir: "/tmp/db".into(), explicit: true });
    assert_eq!("nss:sql:/tmp/db".parse::<StoreSpec>().unwrap(), nss);
    assert_eq!(nss.to_string(), "nss:/tmp/db");
    assert!(matches!("nss".parse::<StoreSpec>().unwrap(), StoreSpec::Nss { explicit: false, .. }));
    assert_eq!("windows:CurrentUser\\My".parse::<StoreSpec>().unwrap().to_string(), "windows:CurrentUser\\My");
    assert_eq!("keychain:login".parse::<StoreSpec>().unwrap().to_string(), "keychain:login");
    assert_eq!("pem:/x".parse::<StoreSpec>().unwrap_err().kind(), "invalid_input");
    let card: StoreSpec = "pkcs11:/usr/lib/opensc-pkcs11.so#token=JPKI (User Authentication PIN)".parse().unwrap();
    assert_eq!(
        card,
        StoreSpec::Token {
            module: "/usr/lib/opensc-pkcs11.so".into(),
            token: Some("JPKI (User Authentication PIN)".into())
        }
    );
    assert_eq!(card.to_string(), "pkcs11:/usr/lib/opensc-pkcs11.so#token=JPKI (User Authentication PIN)");
    let windows: StoreSpec = r"pkcs11:C:\Windows\System32\opensc-pkcs11.dll".parse().unwrap();
    assert_eq!(windows, StoreSpec::Token { module: r"C:\Windows\System32\opensc-pkcs11.dll".into(), token: None });
    assert!("pkcs11:".parse::<StoreSpec>().unwrap_err().to_string().contains("module's path"));
}

#[test]
fn firefox_profiles_are_found_where_each_packaging_keeps_them() {
    let home = tempfile::tempdir().unwrap();
    for (dir, has_db) in [
        (".mozilla/firefox/abcd.default-release", true),
        (".mozilla/firefox/Crash Reports", false),
        ("snap/firefox/common/.mozilla/firefox/efgh.default", true),
        (".var/app/org.mozilla.firefox/.mozilla/firefox/ijkl.work", true),
    ] {
        let path = home.path().join(dir);
        std::fs::create_dir_all(&path).unwrap();
        if has_db {
            std::fs::write(path.join("cert9.db"), b"").unwrap();
        }
    }
    let found: Vec<String> = firefox_profiles_under(home.path())
        .iter()
        .map(|p| p.strip_prefix(home.path()).unwrap().display().to_string())
        .collect();
    assert_eq!(
        found,
        [
            ".mozilla/firefox/abcd.default-release",
            ".var/app/org.mozilla.firefox/.mozilla/firefox/ijkl.work",
            "snap/firefox/common/.mozilla/firefox/efgh.default"
        ]
    );
}
