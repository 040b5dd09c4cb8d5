//! Property: whatever the friendly name (Japanese included) and password,
//! a file certdesk writes reads back to the same key, certificates and name.

use std::path::PathBuf;

use certdesk_core::pkcs12::{self, Contents, Profile};
use certdesk_core::Secret;
use proptest::prelude::*;

/// An identity (RSA key, leaf, no chain) from RustCrypto's test file.
fn identity() -> (Vec<u8>, Vec<u8>) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/pkcs12/rustcrypto-formats-pkcs12/ValidCertificatePathTest1EE.p12");
    let file = pkcs12::read(&std::fs::read(path).unwrap(), &Secret::from("password")).unwrap();
    (file.keys[0].pkcs8.to_vec(), file.certificates[0].der.clone())
}

fn names() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9 ._-]{1,40}",
        "[ぁ-んァ-ン一-龯]{1,20}",
        "\\PC{1,30}",
        Just("山田の証明書 (2026)".to_owned()),
    ]
}

fn passwords() -> impl Strategy<Value = String> {
    prop_oneof!["[ -~]{1,32}", "[ぁ-ん一-龯a-z0-9]{1,16}", "\\PC{1,24}"]
}

proptest! {
    // Each case runs the KDFs at full strength (100,000 rounds for modern).
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn written_files_read_back_exactly(name in names(), password in passwords(), modern in any::<bool>()) {
        let (key, leaf) = identity();
        let profile = if modern { Profile::Modern } else { Profile::Compatible };
        let secret = Secret::new(password.clone());
        let file = pkcs12::write(&Contents { key_pkcs8: &key, leaf: &leaf, chain: &[], friendly_name: Some(&name) }, &secret, profile).unwrap();
        let back = pkcs12::read(&file, &secret).unwrap();
        prop_assert_eq!(back.keys.len(), 1);
        prop_assert_eq!(back.keys[0].pkcs8.as_slice(), key.as_slice());
        prop_assert_eq!(&back.certificates[0].der, &leaf);
        prop_assert_eq!(back.friendly_name(), Some(name.as_str()));
        let wrong = Secret::new(format!("{password}x"));
        prop_assert_eq!(pkcs12::read(&file, &wrong).unwrap_err().kind(), "wrong_password");
    }
}
