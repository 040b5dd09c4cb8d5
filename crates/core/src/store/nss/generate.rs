//! Fills an NSS database with generated identities, for the benchmarks
//! (`bench/run`, through `examples/nss-bench-store.rs`) and the tests that
//! need a large store.
//!
//! `certutil -B` takes minutes for 10,000 identities; here softokn makes
//! every key pair and signature in one session and certdesk's own import
//! stores them, so the store is as real as certutil's (P-256 keys, each
//! certificate signed by its CA's key, both in the database) and takes
//! seconds. Not a user action: nothing in the CLI or the app calls it.

use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, AttributeType, ObjectHandle};
use cryptoki::session::Session;
use sha2::Digest as _;
use time::{Duration, OffsetDateTime};
use zeroize::Zeroizing;

use super::{Access, NssStore};
use crate::error::Result;
use crate::pkcs12::ber::{self, der, tag};
use crate::pkcs12::{CertBag, KeyBag, Pkcs12};

const EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";
const P256: &str = "1.2.840.10045.3.1.7";
const ECDSA_WITH_SHA256: &str = "1.2.840.10045.4.3.2";
const COMMON_NAME: &str = "2.5.4.3";
const ORGANISATION: &str = "2.5.4.10";
const BASIC_CONSTRAINTS: &str = "2.5.29.19";
const KEY_USAGE: &str = "2.5.29.15";
const EXTENDED_KEY_USAGE: &str = "2.5.29.37";
const CLIENT_AUTH: &str = "1.3.6.1.5.5.7.3.2";

/// How many CAs issue the generated identities: a real store has a few issuers.
pub const AUTHORITIES: usize = 4;

/// One generated key pair, held by softokn for this session only.
struct KeyPair {
    private: ObjectHandle,
    /// The EC point, `04 || X || Y`.
    point: Vec<u8>,
    pkcs8: Zeroizing<Vec<u8>>,
}

impl NssStore {
    /// Adds `count` identities (`CN=Person<i>, O=Bench`, each with its key)
    /// issued by [`AUTHORITIES`] CAs (with theirs), in one import. They end
    /// from 270 days before `now` to 730 days after it, so the store holds
    /// expired, expiring and valid certificates; every 20th person has a
    /// renewal, so some are superseded.
    #[doc(hidden)]
    pub fn add_generated_identities(&self, count: usize, now: OffsetDateTime) -> Result<usize> {
        self.with_session(Access::Write, |session| {
            let mut contents = Pkcs12::default();
            let mut authorities = Vec::with_capacity(AUTHORITIES);
            for n in 1..=AUTHORITIES {
                let key = self.generate_key_pair(session)?;
                let name = name(&format!("Bench-CA-{n}"));
                let validity = (now - Duration::days(365), now + Duration::days(3650));
                let der =
                    self.certificate(session, &key, &name, &key, &name, (1_000_000 + n) as u64, validity, true)?;
                push_identity(&mut contents, der, &key);
                authorities.push((key, name));
            }
            for i in 1..=count {
                // Every 20th person's certificate is a renewal of the one before's.
                let person = if i % 20 == 0 { i - 1 } else { i };
                let (ca_key, ca_name) = &authorities[person % AUTHORITIES];
                let key = self.generate_key_pair(session)?;
                // Two-year certificates ending from 270 days ago to 730 days ahead.
                let not_after = now - Duration::days(270) + Duration::days((i as i64 * 137) % 1000);
                let validity = (not_after - Duration::days(730), not_after);
                let subject = name(&format!("Person{person}"));
                let der = self.certificate(session, &key, &subject, ca_key, ca_name, i as u64, validity, false)?;
                push_identity(&mut contents, der, &key);
            }
            let outcome = self.import_in(session, &contents, true)?;
            Ok(outcome.added.len())
        })
    }

    fn generate_key_pair(&self, session: &Session) -> Result<KeyPair> {
        let refused = |e| self.refused("generating a key", e);
        let public_template = [Attribute::Token(false), Attribute::EcParams(der::oid(P256)), Attribute::Verify(true)];
        let private_template = [
            Attribute::Token(false),
            Attribute::Private(true),
            Attribute::Sensitive(false),
            Attribute::Extractable(true),
            Attribute::Sign(true),
        ];
        let (public, private) = session
            .generate_key_pair(&Mechanism::EccKeyPairGen, &public_template, &private_template)
            .map_err(refused)?;
        let mut point = None;
        for attribute in session.get_attributes(public, &[AttributeType::EcPoint]).map_err(refused)? {
            if let Attribute::EcPoint(p) = attribute {
                // softokn hands the point DER-wrapped in an OCTET STRING.
                point = Some(match ber::parse(&p) {
                    Ok(node) if node.tag == tag::OCTET_STRING => node.data,
                    _ => p,
                });
            }
        }
        let mut scalar = None;
        for attribute in session.get_attributes(private, &[AttributeType::Value]).map_err(refused)? {
            if let Attribute::Value(v) = attribute {
                scalar = Some(Zeroizing::new(v));
            }
        }
        let _ = session.destroy_object(public);
        let (Some(point), Some(scalar)) = (point, scalar) else {
            return Err(self.refused("generating a key", "softokn did not give the key's values"));
        };
        let pkcs8 = pkcs8_of(&scalar, &point);
        Ok(KeyPair { private, point, pkcs8 })
    }

    /// A v3 certificate for `key`, signed with `issuer_key` by softokn.
    #[allow(clippy::too_many_arguments)] // the fields of a certificate, each once
    fn certificate(
        &self,
        session: &Session,
        key: &KeyPair,
        subject: &[u8],
        issuer_key: &KeyPair,
        issuer: &[u8],
        serial: u64,
        (not_before, not_after): (OffsetDateTime, OffsetDateTime),
        authority: bool,
    ) -> Result<Vec<u8>> {
        let algorithm = der::sequence(&[&der::oid(ECDSA_WITH_SHA256)]);
        let spki =
            der::sequence(&[&der::sequence(&[&der::oid(EC_PUBLIC_KEY), &der::oid(P256)]), &bit_string(&key.point)]);
        let extensions = if authority {
            vec![
                extension(BASIC_CONSTRAINTS, true, &der::sequence(&[&der::tlv(0x01, &[0xff])])),
                // keyCertSign and cRLSign.
                extension(KEY_USAGE, true, &der::tlv(tag::BIT_STRING, &[0x01, 0x06])),
            ]
        } else {
            vec![
                // digitalSignature.
                extension(KEY_USAGE, true, &der::tlv(tag::BIT_STRING, &[0x07, 0x80])),
                extension(EXTENDED_KEY_USAGE, false, &der::sequence(&[&der::oid(CLIENT_AUTH)])),
            ]
        };
        let extensions: Vec<&[u8]> = extensions.iter().map(Vec::as_slice).collect();
        let tbs = der::sequence(&[
            &der::explicit(0, &der::uint(2)),
            &der::uint(serial),
            &algorithm,
            issuer,
            &der::sequence(&[&utc_time(not_before), &utc_time(not_after)]),
            subject,
            &spki,
            &der::explicit(3, &der::sequence(&extensions)),
        ]);
        let raw = session
            .sign(&Mechanism::Ecdsa, issuer_key.private, &sha2::Sha256::digest(&tbs))
            .map_err(|e| self.refused("signing a certificate", e))?;
        let signature = ecdsa_signature_der(&raw)
            .ok_or_else(|| self.refused("signing a certificate", "a signature of odd length"))?;
        Ok(der::sequence(&[&tbs, &algorithm, &bit_string(&signature)]))
    }
}

/// The certificate and its key as an import takes them, matched by the EC point.
fn push_identity(contents: &mut Pkcs12, der: Vec<u8>, key: &KeyPair) {
    contents.certificates.push(CertBag {
        der,
        friendly_name: None,
        local_key_id: Some(key.point.clone()),
        public_key: Some(key.point.clone()),
    });
    contents.keys.push(KeyBag { pkcs8: key.pkcs8.clone(), friendly_name: None, local_key_id: Some(key.point.clone()) });
}

/// `CN=<common_name>, O=Bench`.
fn name(common_name: &str) -> Vec<u8> {
    let attribute = |oid: &str, value: &str| {
        der::set_of(&[&der::sequence(&[&der::oid(oid), &der::tlv(tag::UTF8_STRING, value.as_bytes())])])
    };
    der::sequence(&[&attribute(ORGANISATION, "Bench"), &attribute(COMMON_NAME, common_name)])
}

fn extension(oid: &str, critical: bool, value: &[u8]) -> Vec<u8> {
    let (oid, value) = (der::oid(oid), der::octet_string(value));
    let critical_flag = der::tlv(0x01, &[0xff]);
    if critical {
        der::sequence(&[&oid, &critical_flag, &value])
    } else {
        der::sequence(&[&oid, &value])
    }
}

fn bit_string(bytes: &[u8]) -> Vec<u8> {
    let mut content = Vec::with_capacity(bytes.len() + 1);
    content.push(0);
    content.extend_from_slice(bytes);
    der::tlv(tag::BIT_STRING, &content)
}

/// UTCTime, as RFC 5280 asks for dates before 2050 (the bench never reaches it).
fn utc_time(at: OffsetDateTime) -> Vec<u8> {
    let text = format!(
        "{:02}{:02}{:02}{:02}{:02}{:02}Z",
        at.year() % 100,
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    );
    der::tlv(0x17, text.as_bytes())
}

/// PKCS#11's `r || s` as X.509's `SEQUENCE { INTEGER r, INTEGER s }`.
fn ecdsa_signature_der(raw: &[u8]) -> Option<Vec<u8>> {
    if raw.is_empty() || !raw.len().is_multiple_of(2) {
        return None;
    }
    let (r, s) = raw.split_at(raw.len() / 2);
    Some(der::sequence(&[&unsigned_integer(r), &unsigned_integer(s)]))
}

/// A big-endian unsigned number as a DER INTEGER: no leading zeros, and one
/// zero byte back when the top bit would make it negative.
fn unsigned_integer(bytes: &[u8]) -> Vec<u8> {
    let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len().saturating_sub(1));
    let trimmed = &bytes[start..];
    let mut content = Vec::with_capacity(trimmed.len() + 1);
    if trimmed.first().is_some_and(|&b| b & 0x80 != 0) {
        content.push(0);
    }
    content.extend_from_slice(trimmed);
    der::tlv(tag::INTEGER, &content)
}

/// PKCS#8 PrivateKeyInfo for a P-256 key (RFC 5915 ECPrivateKey inside).
fn pkcs8_of(scalar: &[u8], point: &[u8]) -> Zeroizing<Vec<u8>> {
    let mut padded = Zeroizing::new(vec![0u8; 32usize.saturating_sub(scalar.len())]);
    padded.extend_from_slice(scalar);
    let ec_private_key = Zeroizing::new(der::sequence(&[
        &der::uint(1),
        &der::octet_string(&padded),
        &der::explicit(1, &bit_string(point)),
    ]));
    let wrapped = Zeroizing::new(der::octet_string(&ec_private_key));
    Zeroizing::new(der::sequence(&[
        &der::uint(0),
        &der::sequence(&[&der::oid(EC_PUBLIC_KEY), &der::oid(P256)]),
        &wrapped,
    ]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::health::{self, Status};
    use crate::store::Keystore as _;

    /// The generated store is one NSS itself reads, whose signatures OpenSSL
    /// verifies, with the mix of statuses the benchmark means to list.
    #[test]
    fn generated_identities_are_real_and_mixed() {
        let dir = tempfile::tempdir().unwrap();
        let store = NssStore::open(dir.path(), true).unwrap();
        let now = OffsetDateTime::now_utc();
        assert_eq!(store.add_generated_identities(40, now).unwrap(), 40 + AUTHORITIES);

        let identities = store.list().unwrap();
        assert_eq!(identities.len(), 40 + AUTHORITIES);
        assert!(
            identities.iter().all(|i| i.key == crate::model::KeyStatus::Exportable),
            "every certificate has its key"
        );
        let statuses: Vec<_> = health::assess(&identities, now, Duration::days(90)).into_iter().collect();
        for wanted in [Status::Valid, Status::Expiring, Status::Expired] {
            assert!(statuses.iter().any(|a| a.status == wanted), "some are {wanted:?}");
        }
        assert_eq!(statuses.iter().filter(|a| a.superseded()).count(), 2, "Person19 and Person39 were renewed");

        let listed = std::process::Command::new("certutil")
            .args(["-L", "-d"])
            .arg(format!("sql:{}", dir.path().display()))
            .output()
            .expect("certutil (libnss3-tools) runs");
        assert!(listed.status.success());
        assert_eq!(
            String::from_utf8_lossy(&listed.stdout).lines().filter(|l| l.contains("u,u,u")).count(),
            40 + AUTHORITIES
        );

        let openssl = |args: &[&str]| {
            std::process::Command::new("openssl").args(args).current_dir(dir.path()).output().expect("openssl runs")
        };
        let pem = |der: &[u8], name: &str| {
            std::fs::write(dir.path().join(name), der).unwrap();
            assert!(openssl(&["x509", "-inform", "DER", "-in", name, "-out", &format!("{name}.pem")]).status.success());
        };
        let person = identities.iter().find(|i| i.certificate.subject.rfc4514.contains("Person7")).unwrap();
        let issuer = identities
            .iter()
            .find(|i| i.certificate.is_ca && i.certificate.subject.normalised == person.certificate.issuer.normalised)
            .unwrap();
        pem(&issuer.certificate.der, "ca");
        pem(&person.certificate.der, "person");
        let verified = openssl(&["verify", "-purpose", "sslclient", "-CAfile", "ca.pem", "person.pem"]);
        assert!(verified.status.success(), "{}", String::from_utf8_lossy(&verified.stderr));
        // And a certificate signed by another CA does not verify against this one.
        let other = identities.iter().find(|i| i.certificate.subject.rfc4514.contains("Person8")).unwrap();
        pem(&other.certificate.der, "other");
        assert!(!openssl(&["verify", "-CAfile", "ca.pem", "other.pem"]).status.success());
    }

    #[test]
    fn signatures_become_der_integers_without_leading_zeros_and_never_negative() {
        let mut raw = vec![0u8; 64];
        raw[1] = 0x7f; // r: 31 significant bytes, top bit clear
        raw[32] = 0x80; // s: 32 bytes, top bit set
        let der = ecdsa_signature_der(&raw).unwrap();
        let parsed = ber::parse(&der).unwrap();
        assert_eq!(parsed.children[0].data.len(), 31);
        assert_eq!(parsed.children[0].data[0], 0x7f);
        assert_eq!(parsed.children[1].data.len(), 33);
        assert_eq!(&parsed.children[1].data[..2], &[0x00, 0x80]);
        assert_eq!(ecdsa_signature_der(&raw[..63]), None);
    }
}
