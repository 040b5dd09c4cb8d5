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
//! - Wine writes a registry store's additions only on commit, so a store
//!   that cannot save a certificate fails the import there; Windows fails
//!   the add itself. Either way certdesk takes the import back.
//! - Wine's PFXImportCertStore writes every file's key into its one
//!   container ("root", above), also when the identity is there already (its key then takes
//!   the file's export policy); Windows makes a new container each time,
//!   which certdesk deletes when its certificate was there already. certdesk
//!   hands neither a file whose certificates are all there; a file that
//!   brings a new intermediate next to an identity that is there still
//!   rewrites that identity's key on Wine.
#![cfg(windows)]

#[path = "support/tls_server.rs"]
mod tls_server;

use certdesk_core::pkcs12::{self, Profile};
use certdesk_core::store::windows::WindowsStore;
use certdesk_core::store::DeletionStep;
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

/// The user's `CA` store, read and changed through the same backend.
fn intermediates() -> WindowsStore {
    WindowsStore::open("CurrentUser", "CA").expect("the CA store opens")
}

fn holds(store: &WindowsStore, id: &str) -> bool {
    store.list().unwrap().iter().any(|i| i.id == id)
}

/// Deletes one certificate from a store, without touching any key.
fn delete_certificate(store: &WindowsStore, id: &str) {
    let listed = store.list().unwrap();
    if let Some(identity) = listed.iter().find(|i| i.id == id) {
        let step = DeletionStep { identity: identity.clone(), remove_key: false, key_kept_for: None };
        store.delete(&step).unwrap();
    }
}

/// The ids of CHAIN_FILE's leaf, intermediate and root, with the stores
/// holding none of them.
fn chain_ids_with_clean_stores(store: &WindowsStore) -> Vec<String> {
    remove_everything(store);
    let contents = pkcs12::read(CHAIN_FILE, &Secret::from("hello world")).unwrap();
    let ids: Vec<String> =
        contents.certificates.iter().map(|c| certdesk_core::Certificate::from_der(&c.der).unwrap().sha256).collect();
    delete_certificate(&intermediates(), &ids[1]);
    ids
}

#[test]
fn a_failed_import_keeps_an_intermediate_that_was_there_and_takes_back_what_it_added() {
    let store = store();
    let ids = chain_ids_with_clean_stores(&store);
    let password = Secret::from("hello world");
    // An earlier import left the intermediate in CA; its identity was deleted
    // since. The failing import finds it there, so it neither replaces it nor
    // takes it back.
    transfer::import_file(&store, CHAIN_FILE, &password, true).unwrap();
    remove_everything(&store);
    assert!(holds(&intermediates(), &ids[1]), "the intermediate stays in CA after its identity goes");
    let keys_before = outside::key_containers();

    let refused = {
        let _refusing = outside::PersonalStoreRefusesNewCertificates::start();
        transfer::import_file(&store, CHAIN_FILE, &password, true).unwrap_err()
    };
    assert_eq!(refused.kind(), "store", "{refused}");
    assert!(refused.to_string().contains("the stores are as they were"), "{refused}");
    assert!(holds(&intermediates(), &ids[1]), "the intermediate that was there before is still in CA");
    assert!(store.list().unwrap().is_empty(), "the personal certificate was taken back");
    assert_eq!(outside::key_containers(), keys_before, "the key the import made was deleted");

    // The store takes the same file once it can save it.
    let outcome = transfer::import_file(&store, CHAIN_FILE, &password, true).unwrap();
    assert_eq!(outcome.added, vec![ids[0].clone()]);
    remove_everything(&store);
    delete_certificate(&intermediates(), &ids[1]);
}

#[test]
fn importing_an_identity_that_is_there_leaves_it_and_its_key_as_they_were() {
    let store = store();
    remove_everything(&store);
    let keys_at_start = outside::key_containers();
    let password = Secret::from("password");
    let original = pkcs12::read(RSA_FILE, &password).unwrap();
    let leaf_id = certdesk_core::Certificate::from_der(&original.certificates[0].der).unwrap().sha256;
    transfer::import_file(&store, RSA_FILE, &password, true).unwrap();
    let keys_with_identity = outside::key_containers();
    assert_eq!(keys_with_identity.len(), keys_at_start.len() + 1, "one key container per identity");

    // The same identity again, in a file that names it differently. Were it
    // handed to PFXImportCertStore, Windows would make a second key container
    // (counted below) and Wine would write the key into the one there (which
    // the not-exportable case at the end sees); certdesk imports nothing.
    let contents = pkcs12::Contents {
        key_pkcs8: &original.keys[0].pkcs8,
        leaf: &original.certificates[0].der,
        chain: &[],
        friendly_name: Some("Renamed in another file"),
    };
    let again = pkcs12::write(&contents, &password, Profile::Compatible).unwrap();
    let outcome = transfer::import_file(&store, &again, &password, true).unwrap();
    assert!(outcome.added.is_empty(), "{outcome:?}");
    assert_eq!(outcome.already_present, vec![leaf_id.clone()]);

    assert_eq!(
        outside::personal_copies(&original.certificates[0].der),
        vec![Some("Valid Certificate Path Test1 EE".to_owned())],
        "one copy, the one that was there, not replaced by the file's"
    );
    let listed = store.list().unwrap();
    assert_eq!(listed.len(), 1, "{listed:?}");
    let entry = &listed[0];
    assert_eq!(entry.key, KeyStatus::Exportable);
    assert_eq!(store.export_private_key(entry).unwrap().as_slice(), original.keys[0].pkcs8.as_slice());
    assert_eq!(outside::key_containers(), keys_with_identity, "the import left no new key container");

    remove_everything(&store);
    assert_eq!(outside::key_containers(), keys_at_start);

    // A key imported as not exportable stays so when its file comes again as exportable.
    transfer::import_file(&store, RSA_FILE, &password, false).unwrap();
    transfer::import_file(&store, &again, &password, true).unwrap();
    let listed = store.list().unwrap();
    assert_eq!(listed[0].key, KeyStatus::NotExportable, "the key that was there is left as it was");
    remove_everything(&store);
    assert_eq!(outside::key_containers(), keys_at_start);
}

#[test]
fn a_root_in_the_file_is_not_installed_and_keeps_no_key_even_when_the_import_fails() {
    let store = store();
    let ids = chain_ids_with_clean_stores(&store);
    let password = Secret::from("hello world");
    let keys_at_start = outside::key_containers();
    let roots = || WindowsStore::open("CurrentUser", "Root").expect("the Root store opens");
    assert!(!holds(&roots(), &ids[2]), "this test's root is not trusted here beforehand");

    // Wine leaves the root out of PFXImportCertStore's memory store; Windows
    // keeps it there without a key. Either way it is installed nowhere.
    let outcome = transfer::import_file(&store, CHAIN_FILE, &password, true).unwrap();
    assert_eq!(outcome.not_installed, vec![ids[2].clone()]);
    assert!(!holds(&intermediates(), &ids[2]) && !holds(&roots(), &ids[2]), "the root went nowhere");
    assert_eq!(outside::key_containers().len(), keys_at_start.len() + 1, "one key container: the leaf's");
    remove_everything(&store);
    delete_certificate(&intermediates(), &ids[1]);
    assert_eq!(outside::key_containers(), keys_at_start, "deleting the leaf's key left none behind");

    // When the import fails after the intermediate went to CA (which is
    // saved first), nothing of the file stays: not the intermediate, not
    // the leaf, not the key.
    let refused = {
        let _refusing = outside::PersonalStoreRefusesNewCertificates::start();
        transfer::import_file(&store, CHAIN_FILE, &password, true).unwrap_err()
    };
    assert!(refused.to_string().contains("the stores are as they were"), "{refused}");
    assert!(!holds(&intermediates(), &ids[1]), "the intermediate this import added was taken back");
    assert!(!holds(&intermediates(), &ids[2]) && !holds(&roots(), &ids[2]), "the root went nowhere");
    assert!(store.list().unwrap().is_empty());
    assert_eq!(outside::key_containers(), keys_at_start, "no key container is left for any certificate of the file");
}

/// Windows APIs the tests use to watch and disturb the store from outside
/// certdesk: the user's CAPI key containers, and the registry key that holds
/// `CurrentUser\My`'s certificates.
mod outside {
    use std::ffi::c_void;
    use std::io;
    use std::ptr;

    const HKEY_CURRENT_USER: isize = 0x8000_0001_u32 as i32 as isize;
    const PERSONAL_CERTIFICATES: &str = "Software\\Microsoft\\SystemCertificates\\My\\Certificates";
    const REG_OPTION_VOLATILE: u32 = 1;
    const KEY_ALL_ACCESS: u32 = 0xF003F;
    const ERROR_FILE_NOT_FOUND: u32 = 2;
    const PROV_RSA_FULL: u32 = 1;
    const CRYPT_VERIFYCONTEXT: u32 = 0xF000_0000;
    const PP_ENUMCONTAINERS: u32 = 2;
    const CRYPT_FIRST: u32 = 1;
    const CRYPT_NEXT: u32 = 2;
    const ERROR_NO_MORE_ITEMS: i32 = 259;
    const CERT_STORE_PROV_SYSTEM_W: usize = 10;
    const CERT_SYSTEM_STORE_CURRENT_USER: u32 = 0x0001_0000;
    const CERT_FRIENDLY_NAME_PROP_ID: u32 = 11;

    #[link(name = "crypt32")]
    extern "system" {
        fn CertOpenStore(
            provider: *const u8,
            encoding: u32,
            prov: usize,
            flags: u32,
            para: *const c_void,
        ) -> *mut c_void;
        fn CertEnumCertificatesInStore(store: *mut c_void, previous: *const CertContext) -> *const CertContext;
        fn CertGetCertificateContextProperty(cert: *const CertContext, id: u32, data: *mut u8, len: *mut u32) -> i32;
        fn CertCloseStore(store: *mut c_void, flags: u32) -> i32;
    }

    /// CERT_CONTEXT.
    #[repr(C)]
    struct CertContext {
        _encoding_type: u32,
        encoded: *const u8,
        encoded_len: u32,
        _info: *const c_void,
        _store: *mut c_void,
    }

    /// Each copy of the certificate `der` in `CurrentUser\My`, by its
    /// friendly name (`None` for none, or one over 255 characters), read
    /// without certdesk's list, which shows one copy.
    pub fn personal_copies(der: &[u8]) -> Vec<Option<String>> {
        let name = wide("My");
        // SAFETY: CERT_STORE_PROV_SYSTEM_W takes a NUL-terminated store name; the store is closed below.
        let store = unsafe {
            CertOpenStore(
                CERT_STORE_PROV_SYSTEM_W as *const u8,
                0,
                0,
                CERT_SYSTEM_STORE_CURRENT_USER,
                name.as_ptr().cast(),
            )
        };
        assert!(!store.is_null(), "My opens: {}", io::Error::last_os_error());
        let mut copies = Vec::new();
        let mut previous: *const CertContext = ptr::null();
        loop {
            // SAFETY: `previous` is null or the context the last call returned, which this call frees.
            let next = unsafe { CertEnumCertificatesInStore(store, previous) };
            if next.is_null() {
                break;
            }
            // SAFETY: a valid context's encoding lives as long as the context.
            let encoded = unsafe { std::slice::from_raw_parts((*next).encoded, (*next).encoded_len as usize) };
            if encoded == der {
                let mut buffer = [0u16; 256];
                let mut len = 512u32;
                // SAFETY: `buffer` holds `len` bytes.
                let ok = unsafe {
                    CertGetCertificateContextProperty(
                        next,
                        CERT_FRIENDLY_NAME_PROP_ID,
                        buffer.as_mut_ptr().cast(),
                        &mut len,
                    )
                };
                let units = &buffer[..(len as usize / 2).min(buffer.len())];
                copies.push((ok != 0).then(|| String::from_utf16_lossy(units).trim_end_matches('\0').to_owned()));
            }
            previous = next;
        }
        // SAFETY: the store opened above, closed once.
        unsafe { CertCloseStore(store, 0) };
        copies
    }

    #[link(name = "advapi32")]
    extern "system" {
        fn RegCreateKeyExW(
            key: isize,
            subkey: *const u16,
            reserved: u32,
            class: *const u16,
            options: u32,
            access: u32,
            security: *const c_void,
            result: *mut isize,
            disposition: *mut u32,
        ) -> u32;
        fn RegDeleteTreeW(key: isize, subkey: *const u16) -> u32;
        fn RegCloseKey(key: isize) -> u32;
        fn CryptAcquireContextW(
            provider: *mut usize,
            container: *const u16,
            provider_name: *const u16,
            provider_type: u32,
            flags: u32,
        ) -> i32;
        fn CryptGetProvParam(provider: usize, param: u32, data: *mut u8, len: *mut u32, flags: u32) -> i32;
        fn CryptReleaseContext(provider: usize, flags: u32) -> i32;
    }

    fn wide(s: &str) -> Vec<u16> {
        s.encode_utf16().chain([0]).collect()
    }

    /// The names of the user's CAPI RSA key containers, sorted. (CNG keys,
    /// which Windows may use and Wine does not, are not counted.)
    pub fn key_containers() -> Vec<String> {
        let mut provider = 0usize;
        // SAFETY: a verify-only context of the default RSA provider; released below.
        let ok = unsafe {
            CryptAcquireContextW(&mut provider, ptr::null(), ptr::null(), PROV_RSA_FULL, CRYPT_VERIFYCONTEXT)
        };
        assert_ne!(ok, 0, "the RSA provider opens: {}", io::Error::last_os_error());
        let mut names = Vec::new();
        let mut flags = CRYPT_FIRST;
        loop {
            let mut name = [0u8; 1024];
            let mut len = name.len() as u32;
            // SAFETY: `name` holds `len` bytes.
            if unsafe { CryptGetProvParam(provider, PP_ENUMCONTAINERS, name.as_mut_ptr(), &mut len, flags) } == 0 {
                let error = io::Error::last_os_error();
                assert_eq!(error.raw_os_error(), Some(ERROR_NO_MORE_ITEMS), "listing key containers: {error}");
                break;
            }
            let end = name.iter().position(|b| *b == 0).unwrap_or(len as usize);
            names.push(String::from_utf8_lossy(&name[..end]).into_owned());
            flags = CRYPT_NEXT;
        }
        // SAFETY: the context acquired above, released once.
        unsafe { CryptReleaseContext(provider, 0) };
        names.sort();
        names
    }

    /// Makes `CurrentUser\My` unable to save a new certificate while it
    /// lives: its `Certificates` registry key (empty: the tests clear the
    /// store first) becomes volatile, and the registry refuses a lasting
    /// key, one per certificate, under a volatile one
    /// (ERROR_CHILD_MUST_BE_VOLATILE). Dropping it gives the store its
    /// ordinary key back.
    pub struct PersonalStoreRefusesNewCertificates;

    impl PersonalStoreRefusesNewCertificates {
        pub fn start() -> PersonalStoreRefusesNewCertificates {
            remove_personal_certificates_key();
            let path = wide(PERSONAL_CERTIFICATES);
            let mut key = 0isize;
            let mut disposition = 0u32;
            // SAFETY: `path` is NUL-terminated; the key handle is closed below.
            let rc = unsafe {
                RegCreateKeyExW(
                    HKEY_CURRENT_USER,
                    path.as_ptr(),
                    0,
                    ptr::null(),
                    REG_OPTION_VOLATILE,
                    KEY_ALL_ACCESS,
                    ptr::null(),
                    &mut key,
                    &mut disposition,
                )
            };
            assert_eq!(rc, 0, "creating the volatile key: {}", io::Error::from_raw_os_error(rc as i32));
            // SAFETY: the handle RegCreateKeyExW returned, closed once.
            unsafe { RegCloseKey(key) };
            PersonalStoreRefusesNewCertificates
        }
    }

    impl Drop for PersonalStoreRefusesNewCertificates {
        fn drop(&mut self) {
            remove_personal_certificates_key();
        }
    }

    fn remove_personal_certificates_key() {
        let path = wide(PERSONAL_CERTIFICATES);
        // SAFETY: `path` is NUL-terminated.
        let rc = unsafe { RegDeleteTreeW(HKEY_CURRENT_USER, path.as_ptr()) };
        assert!(rc == 0 || rc == ERROR_FILE_NOT_FOUND, "{}", io::Error::from_raw_os_error(rc as i32));
    }
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
