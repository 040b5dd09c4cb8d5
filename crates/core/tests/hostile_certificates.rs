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

use certdesk_core::model::Defect;
use certdesk_core::{health, pkcs12, store, transfer, trust, Certificate, Identity, KeyStatus, ListEntry, Secret};
use hostile::{tlv, Mutation};
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
        let pool = transfer::chain_pool(&identities, &[]);
        let _ = transfer::chain_of(&identity.certificate, &pool);
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

/// The TBSCertificate's fields of `der`, by name, as paths for `hostile::apply`.
struct Tbs {
    root: hostile::Element,
    /// 1 when the explicit version is present (it always is in v3 certificates).
    offset: usize,
}

impl Tbs {
    fn of(der: &[u8]) -> Tbs {
        let (root, _) = hostile::parse(der).unwrap();
        let offset = usize::from(root.children[0].children[0].tag == 0xa0);
        Tbs { root, offset }
    }

    fn field(&self, index: usize) -> &hostile::Element {
        &self.root.children[0].children[index + self.offset]
    }

    /// The certificate with TBS field `index` (0 serial, 2 issuer, 3 validity, 4 subject, 5 key) replaced.
    fn with(&self, index: usize, replacement: Vec<u8>) -> Vec<u8> {
        hostile::apply(&self.root, &[Some(0), Some(index + self.offset)], &Mutation::Replace(replacement))
    }
}

/// Hand-made certificates, each with the defect certdesk must name.
pub fn hand_made(base: &[u8]) -> Vec<(&'static str, Vec<u8>, Option<Defect>)> {
    let tbs = Tbs::of(base);
    let validity = tbs.field(3);
    let reversed = tlv(0x30, &[validity.children[1].raw.clone(), validity.children[0].raw.clone()].concat());
    let rsa_key = |modulus: &[u8]| {
        let rsa = tlv(0x30, &[tlv(0x02, modulus), tlv(0x02, &[1, 0, 1])].concat());
        let algorithm =
            tlv(0x30, &[tlv(0x06, &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01]), vec![5, 0]].concat());
        tlv(0x30, &[algorithm, tlv(0x03, &[&[0u8][..], &rsa].concat())].concat())
    };
    let huge: Vec<u8> = std::iter::once(0x7f).chain(std::iter::repeat_n(0xa5, 12_499)).collect();
    // extensions [3] { SEQUENCE { SEQUENCE { OID 1.3.6.1.4.1.99999.1, critical TRUE, OCTET STRING {} } } }
    let unknown_critical = tlv(
        0xa3,
        &tlv(
            0x30,
            &tlv(
                0x30,
                &[tlv(0x06, &[0x2b, 0x06, 0x01, 0x04, 0x01, 0x86, 0x8d, 0x1f, 0x01]), vec![1, 1, 0xff], tlv(0x04, &[])]
                    .concat(),
            ),
        ),
    );
    let extensions_index = tbs.root.children[0].children.len() - 1 - tbs.offset;
    vec![
        ("validity reversed", tbs.with(3, reversed), Some(Defect::ValidityReversed)),
        ("empty subject", tbs.with(4, vec![0x30, 0]), Some(Defect::EmptySubject)),
        ("empty issuer", tbs.with(2, vec![0x30, 0]), Some(Defect::EmptyIssuer)),
        ("zero-length serial", tbs.with(0, vec![0x02, 0]), Some(Defect::EmptySerial)),
        ("a 0-bit key", tbs.with(5, rsa_key(&[0])), Some(Defect::ImplausibleKeySize)),
        ("a 100,000-bit key", tbs.with(5, rsa_key(&huge)), Some(Defect::ImplausibleKeySize)),
        (
            "an unknown critical extension",
            tbs.with(extensions_index, unknown_critical),
            Some(Defect::UnknownCriticalExtension),
        ),
    ]
}

#[test]
fn hand_made_hostile_certificates_are_listed_with_what_is_wrong() {
    let bases = bases();
    let roots = anchors(&bases);
    let base = &bases[1];
    let sound = Certificate::from_der(base).unwrap();
    assert!(sound.defects.is_empty(), "{:?}", sound.defects);
    for (what, der, defect) in hand_made(base) {
        match Certificate::from_der(&der) {
            Ok(cert) => {
                if let Some(defect) = defect {
                    assert!(cert.defects.contains(&defect), "{what}: {:?}", cert.defects);
                }
                use_as_listed(cert, &sound, &roots);
            }
            // X.509 parsing may refuse some outright: then a store's listing
            // skips them. These two it must accept, or the test tests nothing.
            Err(e) => {
                assert!(!matches!(what, "validity reversed" | "a 100,000-bit key"), "{what}: {e}");
                println!("{what}: refused by X.509 parsing ({e})");
            }
        }
    }
}
