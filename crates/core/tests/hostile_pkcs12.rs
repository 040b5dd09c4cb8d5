//! Thousands of hostile PKCS#12 files, made from valid files of each producer
//! by changing one field at a time (`support/hostile.rs`), go through
//! `inspect` (the reader, the certificate and key reports): none may panic,
//! abort or take more than a second, and each either reads or fails as
//! `corrupt`, `unsupported` or `wrong_password`.
//!
//! `CERTDESK_HOSTILE_SLOWEST=FILE` saves the slowest file there, with its
//! password in `FILE.password`, for `bench/run` to time in a release build.

#[path = "support/hostile.rs"]
mod hostile;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use certdesk_core::{inspect, Secret};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/pkcs12")
}

/// Base files: one or more per producer and profile, all with few enough
/// iterations that thousands of variants read in seconds.
const BASES: &[(&str, &str)] = &[
    ("boringssl/openssl.p12", "foo"),
    ("boringssl/pbes2_sha256.p12", "foo"),
    ("boringssl/nss.p12", "foo"),
    ("boringssl/windows.p12", "foo"),
    ("boringssl/empty_password_ber.p12", ""),
    ("boringssl/no_encryption.p12", "foo"),
    ("rustcrypto-formats-pkcs12/pr2284-test-rc2-40-iter2048.p12", "hunter2"),
    ("rustcrypto-formats-pkcs12/ValidCertificatePathTest1EE_macos.p12", "password"),
    ("bouncycastle-bc-java/jdk-non-pbmac1-helloworld.p12", "hello world"),
    ("bouncycastle-bc-java/jsafe-with-key-entry-iso8859-pw.p12", "Mötley Crüe"),
    ("sslmate-go-pkcs12/rfc9579-a1.p12", "1234"),
    ("node-forge/p12ecdsa.p12", "123321"),
    ("nss/Fran-ec.p12", "nss"),
    ("nss/TestRSAPSS.p12", ""),
    ("dotnet-runtime-assets/x509-My.pfx", "12345"),
    ("rustcrypto-formats-pkcs12/example9.pfx", "1234"),
    ("rustcrypto-formats-pkcs12/example16.pfx", "1234"),
    ("bouncycastle-bc-java/bc-pkcs12noFriendly.p12", "sschette12"),
    ("bouncycastle-bc-java/bc-rawKeyBagStore.p12", ""),
    ("node-forge/issue1127-windows-3des-emptypw.p12", ""),
    ("p12-keystore/pbes2-truststore.p12", "changeit"),
    ("p12-keystore/pfx-ed25519.pfx", "changeit"),
    ("golang-x-crypto/windows-ias-peap-ldaps-emptypw.p12", ""),
    ("../hostile-bases/pbes2-rc2.p12", "certdesk"),
    ("../hostile-bases/pbes2-sha512.p12", "certdesk"),
];

/// A second is the promise; debug builds run the key derivation slower than
/// release, and these files ask for little of it.
const LIMIT: Duration = Duration::from_secs(1);

#[test]
fn every_hostile_variant_is_read_or_refused_with_a_class_within_a_second() {
    let mut tried = 0usize;
    let mut failures: Vec<String> = Vec::new();
    let mut slowest: (Duration, Vec<u8>, String, String) = (Duration::ZERO, Vec::new(), String::new(), String::new());
    for (name, password) in bases() {
        let base_started = Instant::now();
        let before = tried;
        let file = std::fs::read(fixtures().join(&name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        let secret = Secret::from(password.as_str());
        for (label, variant) in hostile::hostile_variants(&file) {
            tried += 1;
            let started = Instant::now();
            let outcome = std::panic::catch_unwind(|| inspect::inspect("hostile", &variant, &secret));
            let took = started.elapsed();
            if took > slowest.0 {
                slowest = (took, variant.clone(), format!("{name}: {label}"), password.clone());
            }
            let problem = match outcome {
                Err(_) => Some("panicked".to_owned()),
                Ok(Err(e)) if !matches!(e.kind(), "corrupt" | "unsupported" | "wrong_password") => {
                    Some(format!("failed as {} ({e})", e.kind()))
                }
                _ if took > LIMIT => Some(format!("took {took:?}")),
                _ => None,
            };
            if let Some(problem) = problem {
                failures.push(format!("{name}: {label}: {problem}"));
            }
        }
        println!("{name}: {} variants in {:?}", tried - before, base_started.elapsed());
    }
    println!("hostile PKCS#12 files tried: {tried}; slowest {:?} ({})", slowest.0, slowest.2);
    if let Some(path) = std::env::var_os("CERTDESK_HOSTILE_SLOWEST") {
        let path = PathBuf::from(path);
        std::fs::write(&path, &slowest.1).unwrap();
        std::fs::write(path.with_extension("password"), &slowest.3).unwrap();
    }
    assert!(failures.is_empty(), "{} of {tried} variants failed:\n{}", failures.len(), failures.join("\n"));
    assert!(tried > 4000, "only {tried} variants: the generator lost its reach");
}

fn bases() -> Vec<(String, String)> {
    BASES.iter().map(|(n, p)| (n.to_string(), p.to_string())).collect()
}
