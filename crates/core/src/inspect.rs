//! `inspect`: what a certificate file holds and how it is protected, with a
//! verdict per importer, for people deciding whether a file will work.

use serde::Serialize;

use crate::error::{Error, Result};
use crate::model::Certificate;
use crate::pkcs12::{self, verdict, KeyDescription};
use crate::secret::Secret;

#[derive(Debug, Clone, Serialize)]
pub struct Encryption {
    pub certificates: Option<String>,
    pub key: Option<String>,
    pub mac: Option<String>,
    /// Iterations of the key's encryption (else the certificates', else the MAC's).
    pub iterations: Option<u32>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CertificateReport {
    pub subject: String,
    pub issuer: String,
    pub serial: String,
    pub sha1: String,
    pub sha256: String,
    pub not_before: String,
    pub not_after: String,
    pub friendly_name: Option<String>,
    pub is_leaf: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct KeyReport {
    pub algorithm: String,
    pub bits: Option<usize>,
    /// SHA-256 of the certificate this key belongs to.
    pub matches_sha256: Option<String>,
}

/// The report `certdesk inspect` prints (its JSON shape is relied on by scripts).
#[derive(Debug, Clone, Serialize)]
pub struct Inspection {
    pub file: String,
    /// "pkcs12", "pem" or "der".
    pub format: FileFormat,
    pub encryption: Option<Encryption>,
    pub password_form: Option<String>,
    pub certificates: Vec<CertificateReport>,
    pub key: Option<KeyReport>,
    pub keys: usize,
    pub other_bags: usize,
    /// Importer → verdict, in `Importer::ALL` order; `None` for plain certificates.
    pub compatibility: Option<std::collections::BTreeMap<verdict::Importer, verdict::Verdict>>,
}

fn certificate_report(der: &[u8], friendly_name: Option<String>, is_leaf: bool) -> Result<CertificateReport> {
    let c = Certificate::from_der(der)?;
    Ok(CertificateReport {
        subject: c.subject.rfc4514,
        issuer: c.issuer.rfc4514,
        serial: c.serial,
        sha1: c.sha1,
        sha256: c.sha256,
        not_before: crate::model::rfc3339(c.not_before),
        not_after: crate::model::rfc3339(c.not_after),
        friendly_name,
        is_leaf,
    })
}

/// Whether `bytes` is a PKCS#12 file (as opposed to a PEM or DER certificate):
/// only a PKCS#12 file needs a password to inspect.
pub fn needs_password(bytes: &[u8]) -> bool {
    !is_pem(bytes) && Certificate::from_der(bytes).is_err()
}

/// PEM text, perhaps after other text (`openssl x509 -text` prints the
/// certificate's fields first; bundles start with comments).
fn is_pem(bytes: &[u8]) -> bool {
    bytes.windows(b"-----BEGIN ".len()).any(|w| w == b"-----BEGIN ")
}

/// What kind of file was inspected; serialised as `pkcs12`, `pem` or `der`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileFormat {
    Pkcs12,
    /// PEM text with one or more certificates.
    Pem,
    /// One DER certificate.
    Der,
}

/// The most certificates a PEM file may hold: as many as a PKCS#12 file's bags
/// ([`pkcs12::MAX_BAGS`]). A bundle of every root a system trusts has a few hundred.
pub const MAX_PEM_CERTIFICATES: usize = pkcs12::MAX_BAGS;

/// The certificates (DER) of a PEM or DER certificate file, in file order,
/// or `None` when `bytes` is neither (a PKCS#12 file, to be read with its
/// password). A PEM file without certificates, or with more than
/// [`MAX_PEM_CERTIFICATES`], is refused.
pub fn plain_certificates(bytes: &[u8]) -> Result<Option<(FileFormat, Vec<Vec<u8>>)>> {
    if is_pem(bytes) {
        let mut certificates = Vec::new();
        for pem in x509_parser::pem::Pem::iter_from_buffer(bytes) {
            let pem = pem.map_err(|e| Error::Corrupt { why: format!("the PEM text is damaged ({e})") })?;
            if pem.label == "CERTIFICATE" || pem.label == "TRUSTED CERTIFICATE" {
                if certificates.len() == MAX_PEM_CERTIFICATES {
                    return Err(Error::Unsupported {
                        what: format!("a PEM file of more than {MAX_PEM_CERTIFICATES} certificates"),
                        hint: " (split it into smaller files)".into(),
                    });
                }
                certificates.push(pem.contents);
            }
        }
        if certificates.is_empty() {
            return Err(Error::Unsupported {
                what: "a PEM file without certificates".into(),
                hint: " (keys alone cannot be inspected)".into(),
            });
        }
        return Ok(Some((FileFormat::Pem, certificates)));
    }
    if Certificate::from_der(bytes).is_ok() {
        return Ok(Some((FileFormat::Der, vec![bytes.to_vec()])));
    }
    Ok(None)
}

/// Inspects a PKCS#12, PEM or DER file. `name` is how the file is shown.
pub fn inspect(name: &str, bytes: &[u8], password: &Secret) -> Result<Inspection> {
    let plain = |format, certificates| Inspection {
        file: name.to_owned(),
        format,
        encryption: None,
        password_form: None,
        certificates,
        key: None,
        keys: 0,
        other_bags: 0,
        compatibility: None,
    };
    if let Some((format, ders)) = plain_certificates(bytes)? {
        let certificates = ders
            .iter()
            .enumerate()
            .map(|(i, der)| certificate_report(der, None, i == 0))
            .collect::<Result<Vec<_>>>()?;
        return Ok(plain(format, certificates));
    }
    let contents = pkcs12::read(bytes, password)?;
    let leaf_der = contents.leaf().map(|c| c.der.clone());
    let certificates = contents
        .certificates
        .iter()
        .map(|c| certificate_report(&c.der, c.friendly_name.clone(), Some(&c.der) == leaf_der.as_ref()))
        .collect::<Result<Vec<_>>>()?;
    let key = contents.keys.first().map(|k| {
        let described = pkcs12::keys_describe(&k.pkcs8).unwrap_or(KeyDescription {
            algorithm: "unreadable".into(),
            bits: None,
            public: None,
        });
        KeyReport {
            algorithm: described.algorithm,
            bits: described.bits,
            matches_sha256: leaf_der.as_ref().and_then(|d| Certificate::from_der(d).ok()).map(|c| c.sha256),
        }
    });
    let p = &contents.protection;
    let iterations = p
        .key
        .as_ref()
        .map(|s| s.iterations())
        .or(p.certificates.as_ref().map(|s| s.iterations()))
        .or(p.mac.as_ref().map(|m| m.iterations()));
    let compatibility =
        verdict::Importer::ALL.iter().map(|&importer| (importer, verdict::verdict(importer, p))).collect();
    Ok(Inspection {
        file: name.to_owned(),
        format: FileFormat::Pkcs12,
        encryption: Some(Encryption {
            certificates: p.certificates.as_ref().map(|s| s.name()),
            key: p.key.as_ref().map(|s| s.name()),
            mac: p.mac.as_ref().map(|m| m.name()),
            iterations,
        }),
        password_form: Some(p.password_form.clone()),
        certificates,
        key,
        keys: contents.keys.len(),
        other_bags: p.other_bags,
        compatibility: Some(compatibility),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `count` PEM blocks of a few bytes each: what a hostile "bundle" is.
    fn pem_blocks(count: usize) -> Vec<u8> {
        "Comment before the bundle\n-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
            .repeat(count)
            .into_bytes()
    }

    #[test]
    fn a_pem_file_of_more_certificates_than_the_limit_is_refused_before_they_are_parsed() {
        let (format, certificates) = plain_certificates(&pem_blocks(MAX_PEM_CERTIFICATES)).unwrap().unwrap();
        assert_eq!((format, certificates.len()), (FileFormat::Pem, MAX_PEM_CERTIFICATES));
        let refused = plain_certificates(&pem_blocks(MAX_PEM_CERTIFICATES + 1)).unwrap_err();
        assert_eq!(refused.kind(), "unsupported", "{refused}");
        assert!(refused.to_string().contains("split it into smaller files"), "{refused}");
    }

    #[test]
    fn pem_without_certificates_or_with_damaged_text_says_so() {
        let keys_only = b"-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n";
        assert!(plain_certificates(keys_only).unwrap_err().to_string().contains("keys alone"));
        let damaged = b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n";
        assert_eq!(plain_certificates(damaged).unwrap_err().kind(), "corrupt");
        assert!(
            plain_certificates(b"\x30\x82\x01\x00").unwrap().is_none(),
            "neither PEM nor a certificate: PKCS#12 to try"
        );
    }
}
