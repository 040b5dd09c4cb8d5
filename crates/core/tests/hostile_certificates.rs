//! Hostile certificates: every variant of a few real certificates that the
//! generator (`support/hostile.rs`) makes and X.509 parsing accepts goes
//! through what certdesk does with a listed certificate (the model, the
//! health rules, trust, the list entry, chain building, clean-up and
//! deletion plans, file names): none may panic or take more than a second.
//! Hand-made cases (validity reversed, empty names, an unknown critical
//! extension, keys of 0 and 100,000 bits) must also be reported as defects.

#[path = "support/hostile.rs"]
mod hostile;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use certdesk_core::{health, pkcs12, store, transfer, trust, Certificate, Identity, KeyStatus, ListEntry, Secret};
use rustls::pki_types::{CertificateDer, TrustAnchor};

fn fixture(path: &str) -> Vec<u8> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures");
    std::fs::read(root.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A CA, a server certificate, an RSA client identity with its chain, an EC one.
fn bases() -> Vec<Vec<u8>> {
    let mut certs = vec![fixture("tls/wine-ca.der"), fixture("tls/server.der")];
    for (file, password) in [
        ("tls/client.p12", "password"),
        ("pkcs12/node-forge/p12ecdsa.p12", "123321"),
        ("pkcs12/nss/Fran-ec.p12", "nss"),
        ("pkcs12/dotnet-runtime-assets/x509-My.pfx", "12345"),
        ("pkcs12/rustcrypto-formats-pkcs12/ValidCertificatePathTest1EE.p12", "password"),
        ("pkcs12/sslmate-go-pkcs12/windows-certmgr-aes256cbc-sha256.p12", "password"),
    ] {
        let contents = pkcs12::read(&fixture(file), &Secret::from(password)).unwrap();
        certs.extend(contents.certificates.into_iter().map(|c| c.der));
    }
    certs
}

fn anchors(ders: &[Vec<u8>]) -> Vec<TrustAnchor<'static>> {
    ders.iter()
        .filter_map(|der| {
            let der: &'static [u8] = Box::leak(der.clone().into_boxed_slice());
            webpki::anchor_from_trusted_cert(&CertificateDer::from(der)).ok().map(|a| a.to_owned())
        })
        .collect()
}

/// Everything certdesk computes about a listed certificate, beside a sound one.
fn use_as_listed(variant: Certificate, sound: &Certificate, roots: &[TrustAnchor<'_>]) {
    let now = time::OffsetDateTime::now_utc();
    let identities = vec![
        Identity::new(sound.clone(), KeyStatus::Exportable, Some("sound".into()), "nss:/test"),
        Identity::new(variant, KeyStatus::NotExportable, None, "nss:/test"),
    ];
    let assessments = health::assess(&identities, now, health::DEFAULT_RENEWAL_WINDOW);
    let _ = trust::assess(&identities, &[], roots, now);
    for (identity, assessment) in identities.iter().zip(&assessments) {
        let entry = ListEntry::new(identity, assessment);
        serde_json::to_string(&entry).expect("a list entry serialises");
        serde_json::to_string(identity).expect("an identity serialises");
        let _ = transfer::export_file_name(identity);
        let pool = certdesk_core::chain::pool(&identities, &[]);
        let _ = certdesk_core::chain::issuers_of(&identity.certificate, &pool);
    }
    let _ = health::cleanup_candidates(&identities, &assessments);
    let targets: Vec<&Identity> = identities.iter().collect();
    let _ = store::plan_deletion(&identities, &targets);
    let ids: Vec<&str> = identities.iter().map(|i| i.id.as_str()).collect();
    let _ = health::last_working(&identities, &assessments, &ids);
}

#[test]
fn every_hostile_certificate_is_listed_checked_and_planned_without_a_panic() {
    let bases = bases();
    let roots = anchors(&bases);
    let (mut tried, mut parsed) = (0usize, 0usize);
    let mut failures = Vec::new();
    for base in &bases {
        let sound = Certificate::from_der(base).unwrap();
        for (label, variant) in hostile::hostile_variants(base) {
            tried += 1;
            let started = Instant::now();
            let outcome = std::panic::catch_unwind(|| match Certificate::from_der(&variant) {
                Ok(cert) => {
                    use_as_listed(cert, &sound, &roots);
                    true
                }
                Err(_) => false,
            });
            match outcome {
                Ok(true) => parsed += 1,
                Ok(false) => {}
                Err(_) => failures.push(format!("{}: {label}: panicked", sound.display_name())),
            }
            if started.elapsed() > Duration::from_secs(1) {
                failures.push(format!("{}: {label}: took {:?}", sound.display_name(), started.elapsed()));
            }
        }
    }
    println!("hostile certificates tried: {tried}, of which X.509 parsing accepted {parsed}");
    assert!(failures.is_empty(), "{} of {tried} failed:\n{}", failures.len(), failures.join("\n"));
    assert!(tried > 1500 && parsed > 1000, "the generator lost its reach: {tried} tried, {parsed} parsed");
}

#[test]
fn hand_made_hostile_certificates_are_listed_with_what_is_wrong() {
    let bases = bases();
    let roots = anchors(&bases);
    let base = &bases[1];
    let sound = Certificate::from_der(base).unwrap();
    assert!(sound.defects.is_empty(), "{:?}", sound.defects);
    for (what, der, defect) in hostile::hand_made_certificates(base) {
        match Certificate::from_der(&der) {
            Ok(cert) => {
                if let Some(defect) = defect {
                    assert!(cert.defects.contains(&defect), "{what}: {:?}", cert.defects);
                }
                use_as_listed(cert, &sound, &roots);
            }
            // Each must reach certdesk's own checks, or the test tests nothing.
            Err(e) => panic!("{what}: refused by X.509 parsing ({e})"),
        }
    }
}
