//! The body of the `preference_attributes` fuzz target, kept apart so that
//! `crates/core/tests/fuzz_regressions.rs` replays what the fuzzer found
//! through the same code: keychain attributes, the service name, and the
//! persistent reference a preference holds.

use std::collections::BTreeMap;

use certdesk_core::prefs::{self, AttributeValue, PreferenceRecord};

const KEYS: [&str; 5] = ["svce", "labl", "gena", "type", "acct"];

/// Reads the bytes as keychain attributes, then as a service name and a reference.
pub fn run(data: &[u8]) {
    // Each record: a key index, a value kind, a length, then the value's bytes.
    let mut attributes = BTreeMap::new();
    let mut rest = data;
    while rest.len() >= 3 {
        let (key, kind, len) = (KEYS[rest[0] as usize % KEYS.len()], rest[1] % 3, rest[2] as usize);
        let value = &rest[3..(3 + len).min(rest.len())];
        rest = &rest[(3 + len).min(rest.len())..];
        let value = match kind {
            0 => AttributeValue::Text(String::from_utf8_lossy(value).into_owned()),
            1 => AttributeValue::Data(value.to_vec()),
            _ => {
                AttributeValue::Number(value.iter().fold(0i64, |n, b| n.wrapping_mul(256).wrapping_add(i64::from(*b))))
            }
        };
        attributes.insert(key.to_owned(), value);
    }
    if let Some(record) =
        PreferenceRecord::from_attributes(&attributes, "/Users/fuzz/Library/Keychains/login.keychain-db")
    {
        let _ = prefs::ServiceName::parse(&record.service);
        let _ = prefs::preference_id(&record);
        let _ = record.certificate_label();
        if let Some(reference) = &record.certificate_ref {
            let _ = prefs::reference_keychain(reference);
        }
    }
    let _ = prefs::ServiceName::parse(&String::from_utf8_lossy(data));
    let _ = prefs::reference_keychain(data);
}
