//! The body of the `id_prefix` fuzz target, kept apart so that
//! `crates/core/tests/fuzz_regressions.rs` replays what the fuzzer found
//! through the same code.

use std::sync::OnceLock;

use certdesk_core::{model, pkcs12, Certificate, Identity, KeyStatus, Secret};

/// Real identities: the certificates of fixture files with an empty password.
fn identities() -> &'static [Identity] {
    static IDS: OnceLock<Vec<Identity>> = OnceLock::new();
    IDS.get_or_init(|| {
        let files: [&[u8]; 2] = [
            include_bytes!("../../tests/fixtures/pkcs12/boringssl/empty_password.p12"),
            include_bytes!("../../tests/fixtures/pkcs12/sslmate-go-pkcs12/windows-certmgr-aes256cbc-sha256.p12"),
        ];
        let passwords = [Secret::default(), Secret::from("password")];
        files
            .iter()
            .zip(&passwords)
            .flat_map(|(file, password)| pkcs12::read(file, password).expect("the fixture opens").certificates)
            .filter_map(|c| Certificate::from_der(&c.der).ok())
            .map(|c| Identity::new(c, KeyStatus::Exportable, None, "fuzz"))
            .collect()
    })
}

/// Looks the bytes up as typed text; whatever was typed, an answer is one of the identities.
pub fn run(data: &[u8]) {
    let prefix = String::from_utf8_lossy(data);
    if let Ok(found) = model::find_by_id_prefix(identities(), &prefix) {
        assert!(identities().iter().any(|i| i.id == found.id));
    }
}
