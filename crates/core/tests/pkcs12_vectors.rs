//! Every PKCS#12 file in `tests/fixtures/pkcs12` (written by ten other
//! projects, see its README) gives the outcome `expected.tsv` names: the
//! right contents, or the right kind of error.
//!
//! "The right contents" is the certificates themselves, by SHA-256, and for
//! each key the certificate it belongs to: counts alone pass a reader that
//! decrypts garbage of the right length or pairs a key with its issuer.
//! The expected values come from OpenSSL, NSS and the producing projects'
//! own test data (`expected-thumbprints.sh`, `project-expectations.tsv`),
//! never from certdesk.

use std::path::PathBuf;

use certdesk_core::pkcs12::{self, Pkcs12};
use certdesk_core::Secret;
use sha2::{Digest, Sha256};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/pkcs12")
}

struct Row {
    file: String,
    password: String,
    outcome: String,
    certificates: Option<usize>,
    keys: Option<usize>,
    /// The SHA-256 of each certificate's DER, in file order.
    certificate_thumbprints: Vec<String>,
    /// For each key, the SHA-256 of its certificate; `none` when the file
    /// holds no certificate for it, `?` when no tool could tell.
    key_certificates: Vec<String>,
}

/// A list column: `-` is the empty list.
fn list(column: &str) -> Vec<String> {
    if column == "-" {
        Vec::new()
    } else {
        column.split(',').map(str::to_owned).collect()
    }
}

fn rows() -> Vec<Row> {
    let text = std::fs::read_to_string(fixtures().join("expected.tsv")).unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            assert!(f.len() >= 8, "expected.tsv: a row of {} columns: {l}", f.len());
            Row {
                file: f[0].into(),
                password: f[1].into(),
                outcome: f[2].into(),
                certificates: f[3].parse().ok(),
                keys: f[4].parse().ok(),
                certificate_thumbprints: list(f[5]),
                key_certificates: list(f[6]),
            }
        })
        .collect()
}

fn thumbprint(der: &[u8]) -> String {
    hex::encode(Sha256::digest(der))
}

fn sorted(mut items: Vec<String>) -> Vec<String> {
    items.sort();
    items
}

/// What differs between two lists of thumbprints, as a sentence.
fn difference(read: &[String], expected: &[String]) -> String {
    let missing: Vec<&String> = expected.iter().filter(|t| !read.contains(t)).collect();
    let extra: Vec<&String> = read.iter().filter(|t| !expected.contains(t)).collect();
    format!("read {read:?}, expected {expected:?} (missing {missing:?}, not expected {extra:?})")
}

/// The contents match the row: the counts, the certificates by thumbprint,
/// and each key paired with the certificate OpenSSL (or NSS) says is its own.
fn contents_match(row: &Row, p: &Pkcs12) -> Result<(), String> {
    let counts = (p.certificates.len(), p.keys.len());
    let expected = (row.certificates.unwrap_or(counts.0), row.keys.unwrap_or(counts.1));
    if counts != expected {
        return Err(format!("read {counts:?} certificates and keys, expected {expected:?}"));
    }

    let read = sorted(p.certificates.iter().map(|c| thumbprint(&c.der)).collect());
    let expected = sorted(row.certificate_thumbprints.clone());
    if read != expected {
        return Err(format!("the certificates differ: {}", difference(&read, &expected)));
    }

    let pairs: Vec<String> = p.keys.iter().map(|key| certificate_of(p, key)).collect();
    let mut paired = pairs.clone();
    if paired.len() != row.key_certificates.len() {
        return Err(format!("read {} keys, the table pairs {}", paired.len(), row.key_certificates.len()));
    }
    // Each key whose certificate is known takes one pair; a `?` (a key no
    // tool here reads) may take any of those left.
    for want in row.key_certificates.iter().filter(|w| *w != "?") {
        match paired.iter().position(|got| got == want) {
            Some(i) => {
                paired.swap_remove(i);
            }
            None => {
                return Err(format!(
                    "a key is not paired with its certificate: the keys went to {:?}, expected {:?}",
                    sorted(pairs),
                    sorted(row.key_certificates.clone())
                ))
            }
        }
    }
    Ok(())
}

/// The thumbprint of the certificate the reader pairs a key with, `none` for none.
fn certificate_of(p: &Pkcs12, key: &pkcs12::KeyBag) -> String {
    pkcs12::certificate_for_key(&p.certificates, key).map_or("none".into(), |c| thumbprint(&c.der))
}

#[test]
fn every_manifest_row_gives_its_expected_outcome() {
    let rows = rows();
    assert!(rows.len() >= 110, "the manifest lists {} rows", rows.len());
    let mut failures = Vec::new();
    for row in &rows {
        let bytes = std::fs::read(fixtures().join(&row.file)).unwrap();
        let got = pkcs12::read(&bytes, &Secret::from(row.password.as_str()));
        let verdict = match (&got, row.outcome.as_str()) {
            (Ok(p), "ok") => contents_match(row, p),
            (Ok(_), want) => Err(format!("read fine, expected {want}")),
            (Err(e), want) if e.kind() == want => Ok(()),
            (Err(e), want) => Err(format!("{} ({e}), expected {want}", e.kind())),
        };
        if let Err(why) = verdict {
            failures.push(format!("{} [{}]: {why}", row.file, row.password));
        }
    }
    assert!(failures.is_empty(), "{} of {} rows failed:\n{}", failures.len(), rows.len(), failures.join("\n"));
}

#[test]
fn every_file_that_opens_has_its_certificates_and_keys_in_the_table() {
    for row in rows().iter().filter(|r| r.outcome == "ok") {
        if let Some(n) = row.certificates {
            assert_eq!(row.certificate_thumbprints.len(), n, "{}: thumbprints for {n} certificates", row.file);
        }
        if let Some(n) = row.keys {
            assert_eq!(row.key_certificates.len(), n, "{}: pairs for {n} keys", row.file);
        }
        for t in row.certificate_thumbprints.iter().chain(row.key_certificates.iter().filter(|k| *k != "none")) {
            let is_sha256 = t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit());
            assert!(is_sha256 || t == "?", "{}: {t} is not a SHA-256 in hex", row.file);
        }
        for key in row.key_certificates.iter().filter(|k| k.len() == 64) {
            assert!(row.certificate_thumbprints.contains(key), "{}: a key's certificate is not in the file", row.file);
        }
    }
}

#[test]
fn error_messages_never_contain_the_password() {
    for row in rows().iter().filter(|r| r.outcome != "ok" && r.password.len() > 3) {
        let bytes = std::fs::read(fixtures().join(&row.file)).unwrap();
        if let Err(e) = pkcs12::read(&bytes, &Secret::from(row.password.as_str())) {
            assert!(!e.to_string().contains(&row.password), "{}: {e}", row.file);
        }
    }
}

/// What an import hands the store and `certdesk convert` writes: every file
/// with a key, however many keys and certificates it holds, re-encoded in
/// the compatible profile, reads back to the same keys in the same order,
/// each with the same certificate, and the same certificates.
#[test]
fn every_file_with_keys_converts_whole() {
    let password = Secret::from("コンバート");
    let mut converted = 0;
    for row in rows().iter().filter(|r| r.outcome == "ok") {
        let bytes = std::fs::read(fixtures().join(&row.file)).unwrap();
        let original = pkcs12::read(&bytes, &Secret::from(row.password.as_str())).unwrap();
        if original.keys.is_empty() || original.leaf().is_none() {
            continue;
        }
        let file = certdesk_core::transfer::convert(&original, &password, pkcs12::Profile::Compatible)
            .unwrap_or_else(|e| panic!("{}: {e}", row.file));
        let back = pkcs12::read(&file, &password).unwrap();
        let keys = |p: &Pkcs12| p.keys.iter().map(|k| (k.pkcs8.to_vec(), certificate_of(p, k))).collect::<Vec<_>>();
        assert_eq!(keys(&back), keys(&original), "{}: the keys or their certificates differ", row.file);
        let certificates = |p: &Pkcs12| {
            let mut all = sorted(p.certificates.iter().map(|c| thumbprint(&c.der)).collect());
            all.dedup();
            all
        };
        assert_eq!(certificates(&back), certificates(&original), "{}: the certificates differ", row.file);
        assert_eq!(back.friendly_name(), original.friendly_name(), "{}: the name differs", row.file);
        converted += 1;
    }
    assert!(converted >= 60, "only {converted} files with keys converted");
}
