//! The Windows backend against a real crypt32 store. CI runs this under
//! Wine (`scripts/windows-tests`); where Wine differs from Windows the test
//! says so:
//! - Wine's crypt32 drops friendly names on PFX import (Windows keeps them):
//!   certdesk sets the name from the file itself, so both end the same.
//! - Wine keeps PFX keys in CAPI containers (RSA); Windows 10+ may use CNG.
//!   The CNG export path (encrypted PKCS#8) is type-checked, not run, here.
//! - Wine's PFXImportCertStore fails (CRYPT_E_NOT_FOUND) with
//!   PKCS12_INCLUDE_EXTENDED_PROPERTIES, so certdesk does not pass it.
//! - Wine names every imported key container "root", so two imported
//!   identities share one container (Windows gives each a unique name);
//!   these tests therefore hold one identity at a time.
//! - Wine reports key spec 3 for keys imported without CRYPT_EXPORTABLE;
//!   certdesk tries AT_KEYEXCHANGE and AT_SIGNATURE.
//! - Wine's registry store writes deletions only on CERT_STORE_CTRL_COMMIT
//!   (or its last release); certdesk commits after every change.
//! - Wine keeps every PFX key in a CAPI container, which signs only PKCS#1
//!   v1.5, so the site check's handshake there runs over TLS 1.2; a CNG key
//!   (PSS, ECDSA, TLS 1.3) is type-checked, not run, here.
//! - Wine's PFXImportCertStore links the key to every certificate of the
//!   file and leaves self-signed ones out; certdesk decides which
//!   certificate is personal and which is a root from the file itself.
#![cfg(windows)]

#[path = "support/tls_server.rs"]
mod tls_server;

use certdesk_core::pkcs12::{self, Profile};
use certdesk_core::store::windows::WindowsStore;
use certdesk_core::{transfer, KeyStatus, Keystore, Overview, Secret};

const RSA_FILE: &[u8] =
    include_bytes!("../../../tests/fixtures/pkcs12/rustcrypto-formats-pkcs12/ValidCertificatePathTest1EE.p12");
const AES_FILE: &[u8] = include_bytes!(
    "../../../tests/fixtures/pkcs12/rustcrypto-formats-pkcs12/ValidCertificatePathTest1EE_windows_aes.p12.pfx"
);

fn store() -> WindowsStore {
    WindowsStore::open("CurrentUser", "My").expect("the personal store opens")
}

fn now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

fn remove_everything(store: &WindowsStore) {
    let overview = Overview::of(store, now(), time::Duration::days(90)).unwrap();
    let all: Vec<_> = overview.identities.iter().collect();
    let steps = overview.plan_deletion(&all);
    certdesk_core::delete(store, &steps, |_| {}).unwrap();
}

#[test]
fn import_list_export_reimport_and_delete_round_trip() {
    let store = store();
    remove_everything(&store);
    let password = Secret::from("password");
    let original = pkcs12::read(RSA_FILE, &password).unwrap();
    let leaf_id = certdesk_core::Certificate::from_der(&original.certificates[0].der).unwrap().sha256;

    let outcome = transfer::import_file(&store, RSA_FILE, &password, true).unwrap();
    assert_eq!(outcome.added, vec![leaf_id.clone()]);
    let listed = store.list().unwrap();
    let entry = listed.iter().find(|i| i.id == leaf_id).expect("listed after import");
    assert_eq!(entry.key, KeyStatus::Exportable);
    assert_eq!(entry.friendly_name.as_deref(), Some("Valid Certificate Path Test1 EE"));

    // The key comes out as the same PKCS#8 our codec read from the file.
    let exported_key = store.export_private_key(entry).unwrap();
    assert_eq!(exported_key.as_slice(), original.keys[0].pkcs8.as_slice());

    // Export as a file in both profiles, delete, and import the file again.
    let overview = Overview::of(&store, now(), time::Duration::days(90)).unwrap();
    let identity = overview.identities.iter().find(|i| i.id == leaf_id).unwrap();
    let new_password = Secret::from("新しいパスワード");
    let modern =
        transfer::export_identity(&store, &overview.identities, identity, &new_password, Profile::Modern, true)
            .unwrap();
    let compatible =
        transfer::export_identity(&store, &overview.identities, identity, &new_password, Profile::Compatible, true)
            .unwrap();
    assert_eq!(
        pkcs12::read(&modern, &new_password).unwrap().keys[0].pkcs8.as_slice(),
        original.keys[0].pkcs8.as_slice()
    );

    let steps = overview.plan_deletion(&[identity]);
    assert!(steps[0].remove_key);
    certdesk_core::delete(&store, &steps, |_| {}).unwrap();
    assert!(!store.list().unwrap().iter().any(|i| i.id == leaf_id), "deleted");

    transfer::import_file(&store, &compatible, &new_password, true).unwrap();
    let back = store.list().unwrap();
    let entry = back.iter().find(|i| i.id == leaf_id).expect("re-imported");
    assert_eq!(entry.key, KeyStatus::Exportable);
    assert_eq!(store.export_private_key(entry).unwrap().as_slice(), original.keys[0].pkcs8.as_slice());
    remove_everything(&store);
}

#[test]
fn an_aes_file_imports_and_a_not_exportable_key_stays_put() {
    let store = store();
    remove_everything(&store);
    let password = Secret::from("password");
    transfer::import_file(&store, AES_FILE, &password, false).unwrap();
    let listed = store.list().unwrap();
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0].key, KeyStatus::NotExportable);
    let refused = store.export_private_key(&listed[0]).unwrap_err();
    assert_eq!(refused.kind(), "not_exportable", "{refused}");
    remove_everything(&store);
    assert!(store.list().unwrap().is_empty());
}

#[test]
fn a_wrong_password_is_reported_before_the_store_is_touched() {
    let store = store();
    let err = transfer::import_file(&store, RSA_FILE, &Secret::from("Password"), true).unwrap_err();
    assert_eq!(err.kind(), "wrong_password");
}

const CHAIN_FILE: &[u8] =
    include_bytes!("../../../tests/fixtures/pkcs12/bouncycastle-bc-java/bc-pkcs12-ber-helloworld.p12");

#[test]
fn intermediates_go_to_ca_roots_are_not_installed_and_export_rebuilds_the_chain() {
    let store = store();
    remove_everything(&store);
    let password = Secret::from("hello world");
    let original = pkcs12::read(CHAIN_FILE, &password).unwrap();
    assert_eq!(original.certificates.len(), 3, "leaf, intermediate, root");
    let ids: Vec<String> =
        original.certificates.iter().map(|c| certdesk_core::Certificate::from_der(&c.der).unwrap().sha256).collect();

    let outcome = transfer::import_file(&store, CHAIN_FILE, &password, true).unwrap();
    assert_eq!(outcome.added, vec![ids[0].clone()], "only the leaf is a personal certificate");
    assert_eq!(outcome.not_installed, vec![ids[2].clone()], "the root is left to the user: {outcome:?}");
    let intermediates = store.issuer_candidates().unwrap();
    assert!(intermediates.iter().any(|c| c.sha256 == ids[1]), "the intermediate went to the CA store");

    let overview = Overview::of(&store, now(), time::Duration::days(90)).unwrap();
    let leaf = overview.identities.iter().find(|i| i.id == ids[0]).unwrap();
    let exported =
        transfer::export_identity(&store, &overview.identities, leaf, &password, Profile::Compatible, true).unwrap();
    let back = pkcs12::read(&exported, &password).unwrap();
    let back_ids: Vec<String> =
        back.certificates.iter().map(|c| certdesk_core::Certificate::from_der(&c.der).unwrap().sha256).collect();
    assert_eq!(back_ids, ids[..2].to_vec(), "leaf and the intermediate from the CA store");
    remove_everything(&store);
}

const TLS_CLIENT_FILE: &[u8] = include_bytes!("../../../tests/fixtures/tls/client.p12");
const TLS_WINE_CA: &[u8] = include_bytes!("../../../tests/fixtures/tls/wine-ca.der");
const TLS_OTHER_CA: &[u8] = include_bytes!("../../../tests/fixtures/tls/other-ca.der");
const TLS_SERVER: &[u8] = include_bytes!("../../../tests/fixtures/tls/server.der");
const TLS_SERVER_KEY: &[u8] = include_bytes!("../../../tests/fixtures/tls/server.key.der");

/// A handshake as `identity` with the test server, whose CA is no root here:
/// sent anyway, as after `--insecure`.
fn probe_anyway(
    target: &certdesk_core::probe::Target,
    store: &WindowsStore,
    overview: &Overview,
    identity: &certdesk_core::Identity,
) -> certdesk_core::probe::ProbeReport {
    use certdesk_core::probe::IfUntrusted;
    certdesk_core::probe::probe(target, store, overview, Some(identity), IfUntrusted::SendAnyway).unwrap()
}

fn tls_server(client_ca: &[u8]) -> certdesk_core::probe::Target {
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
    let port = tls_server::serve(
        vec![CertificateDer::from(TLS_SERVER.to_vec())],
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(TLS_SERVER_KEY.to_vec())),
        Some(vec![CertificateDer::from(client_ca.to_vec())]),
    );
    certdesk_core::probe::Target { host: "127.0.0.1".into(), port }
}

#[test]
fn a_handshake_as_an_identity_signs_inside_the_store_and_the_server_judges_it() {
    let store = store();
    remove_everything(&store);
    // Imported as not exportable: signing must not need the key to leave the store.
    transfer::import_file(&store, TLS_CLIENT_FILE, &Secret::from("password"), false).unwrap();
    let overview = Overview::of(&store, now(), time::Duration::days(90)).unwrap();
    let identity = overview
        .identities
        .iter()
        .find(|i| i.certificate.subject.common_name() == Some("Wine Client"))
        .expect("the client identity is listed")
        .clone();
    assert!(store.export_private_key(&identity).is_err(), "the key is not exportable");

    let accepting = tls_server(TLS_WINE_CA);
    let report = probe_anyway(&accepting, &store, &overview, &identity);
    assert!(!report.server.trusted, "the test server's CA is not a root here");
    assert_eq!(report.requested_cas.as_deref(), Some(&["CN=certdesk Wine CA,O=certdesk tests".to_owned()][..]));
    assert_eq!(report.candidates.first().map(|c| (c.id.as_str(), c.matches)), Some((identity.id.as_str(), true)));
    let handshake = report.handshake.expect("a handshake was made");
    // The rustls server verified the CertificateVerify signature made by crypt32/rsaenh.
    assert_eq!(handshake.result, "accepted", "{}", handshake.detail);
    assert!(handshake.detail.contains("TLS 1.2"), "Wine's CAPI key signs PKCS#1 only: {}", handshake.detail);

    let refusing = tls_server(TLS_OTHER_CA);
    let report = probe_anyway(&refusing, &store, &overview, &identity);
    assert!(!report.candidates[0].matches, "the server asks for Other CA");
    let handshake = report.handshake.expect("a handshake was made");
    assert_eq!(handshake.result, "rejected", "{}", handshake.detail);
    assert!(handshake.detail.contains("the server refused"), "{}", handshake.detail);
    remove_everything(&store);
}
