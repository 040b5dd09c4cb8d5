use std::collections::BTreeMap;

use super::*;
use crate::health::{Assessment, Status};
use crate::model::{Certificate, Identity, KeyStatus};
use crate::{pkcs12, Secret};

/// Attribute dictionaries as SecItemCopyMatching returns them for `iprf`
/// items (recorded from a macOS 14 login keychain; references shortened).
fn recorded(service: &str, reference: &[u8]) -> BTreeMap<String, AttributeValue> {
    BTreeMap::from([
        ("class".to_owned(), AttributeValue::Text("genp".into())),
        ("type".to_owned(), AttributeValue::Number(i64::from(IPRF))),
        ("svce".to_owned(), AttributeValue::Text(service.into())),
        ("labl".to_owned(), AttributeValue::Text(service.into())),
        ("acct".to_owned(), AttributeValue::Data(Vec::new())),
        ("gena".to_owned(), AttributeValue::Data(reference.to_vec())),
    ])
}

fn fixture_certificate(file: &str, password: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/pkcs12").join(file);
    let p12 = pkcs12::read(&std::fs::read(path).unwrap(), &Secret::from(password)).unwrap();
    p12.certificates[0].der.clone()
}

#[test]
fn only_iprf_items_with_a_service_are_preferences() {
    let record = PreferenceRecord::from_attributes(&recorded("https://portal.example.jp/", b"ref-1")).unwrap();
    assert_eq!(record.service, "https://portal.example.jp/");
    assert_eq!(record.certificate_ref.as_deref(), Some(&b"ref-1"[..]));
    let mut password = recorded("portal.example.jp", b"r");
    password.insert("type".into(), AttributeValue::Number(0x6e6f6e65));
    assert_eq!(PreferenceRecord::from_attributes(&password), None);
    let mut no_service = recorded("", b"r");
    no_service.insert("type".into(), AttributeValue::Data(b"iprf".to_vec()));
    assert_eq!(PreferenceRecord::from_attributes(&no_service), None);
}

#[test]
fn the_app_suffix_of_macos_11_3_is_split_off() {
    assert_eq!(
        split_service("https://portal.example.jp/ (com.apple.Safari)"),
        ("https://portal.example.jp/".to_owned(), Some("com.apple.Safari".to_owned()))
    );
    assert_eq!(split_service("portal.example.jp"), ("portal.example.jp".to_owned(), None));
    assert_eq!(split_service("社内ポータル (本社)"), ("社内ポータル (本社)".to_owned(), None), "not an app id");
}

#[test]
fn preferences_to_missing_expired_or_superseded_certificates_are_stale() {
    let current = fixture_certificate("rustcrypto-formats-pkcs12/ValidCertificatePathTest1EE.p12", "password");
    let old = fixture_certificate("sslmate-go-pkcs12/example-com-aes128cbc.p12", "rHyQTJsubhfxcpH5JttyilHE6BBsNoZp");
    let expired = fixture_certificate("boringssl/openssl.p12", "foo");
    let identity =
        |der: &[u8]| Identity::new(Certificate::from_der(der).unwrap(), KeyStatus::Exportable, None, "keychain:login");
    let identities = vec![identity(&current), identity(&old), identity(&expired)];
    let health = |i: &Identity, status, superseded_by: Option<&Identity>| Assessment {
        id: i.id.clone(),
        status,
        duplicate_group: None,
        superseded_by: superseded_by.map(|s| s.id.clone()),
    };
    let assessments = vec![
        health(&identities[0], Status::Valid, None),
        health(&identities[1], Status::Valid, Some(&identities[0])),
        health(&identities[2], Status::Expired, None),
    ];
    let records: Vec<PreferenceRecord> = [
        ("https://good.example.jp/ (com.apple.Safari)", &b"ref-current"[..]),
        ("https://old.example.jp/", b"ref-old"),
        ("expired.example.jp", b"ref-expired"),
        ("https://gone.example.jp/ (com.apple.Safari)", b"ref-deleted"),
    ]
    .iter()
    .map(|(service, reference)| PreferenceRecord::from_attributes(&recorded(service, reference)).unwrap())
    .collect();
    let resolve = |reference: &[u8]| match reference {
        b"ref-current" => Some(current.clone()),
        b"ref-old" => Some(old.clone()),
        b"ref-expired" => Some(expired.clone()),
        _ => None,
    };
    let prefs = assess(&records, resolve, &identities, &assessments);
    let stale: Vec<Option<Staleness>> = prefs.iter().map(|p| p.stale.clone()).collect();
    assert_eq!(
        stale,
        [
            None,
            Some(Staleness::Superseded { by: identities[0].id.clone() }),
            Some(Staleness::Expired),
            Some(Staleness::CertificateMissing),
        ]
    );
    assert_eq!(prefs[0].site, "https://good.example.jp/");
    assert_eq!(prefs[0].app.as_deref(), Some("com.apple.Safari"));
    assert_eq!(prefs[0].certificate_id.as_deref(), Some(identities[0].id.as_str()));
    assert_eq!(prefs[3].certificate_id, None);
    assert_eq!(prefs[0].id, preference_id("https://good.example.jp/ (com.apple.Safari)"));
    assert_ne!(prefs[0].id, prefs[1].id);
}
