//! Files the user names: what opening one does, and what one holds, before
//! anything is written.

use std::path::Path;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::health::{self, Status};
use crate::inspect::{self, FileFormat, Inspection};
use crate::model::Certificate;
use crate::overview::Overview;
use crate::secret::Secret;

/// What opening a file does in the app (a double-click in the file manager,
/// a drop on the window, a second launch): judged by its name, since the
/// file manager chose certdesk by the name too. Its contents are judged
/// when it is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Opening {
    /// A PKCS#12 file (`.pfx`, `.p12`): its import.
    Import,
    /// A certificate without a key (`.cer`, `.crt`, `.der`, `.pem`): its inspection.
    Inspect,
}

/// How `path` opens, by its extension in any case; `None` for files certdesk does not open.
pub fn how_it_opens(path: &Path) -> Option<Opening> {
    let extension = path.extension()?.to_str()?.to_ascii_lowercase();
    match extension.as_str() {
        "pfx" | "p12" => Some(Opening::Import),
        "cer" | "crt" | "der" | "pem" => Some(Opening::Inspect),
        _ => None,
    }
}

/// A file handed to the app, with what opening it does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpenedFile {
    pub path: std::path::PathBuf,
    pub opening: Opening,
}

/// Of `paths` (a drop, the app's command line), those certdesk opens, in
/// order, each with how; the rest are left out.
pub fn files_to_open(paths: impl IntoIterator<Item = std::path::PathBuf>) -> Vec<OpenedFile> {
    paths.into_iter().filter_map(|path| Some(OpenedFile { opening: how_it_opens(&path)?, path })).collect()
}

/// What `bytes` (the file `name`) hold. With no password given, a PKCS#12
/// file is tried with the empty one first (many are made that way); only
/// when that does not open it is `ask` asked for the password, and its
/// answer tried. `ask` may refuse with `WrongPassword`, as the app does to
/// have its dialog ask.
pub fn inspect_file(
    name: &str,
    bytes: &[u8],
    given: Option<&Secret>,
    ask: impl FnOnce() -> Result<Secret>,
) -> Result<Inspection> {
    if !inspect::needs_password(bytes) {
        return inspect::inspect(name, bytes, &Secret::default());
    }
    if let Some(password) = given {
        return inspect::inspect(name, bytes, password);
    }
    match inspect::inspect(name, bytes, &Secret::default()) {
        Err(Error::WrongPassword) => inspect::inspect(name, bytes, &ask()?),
        other => other,
    }
}

/// A certificate file (PEM or DER) as the user's store sees it.
#[derive(Debug, Clone, Serialize)]
pub struct CertificateFile {
    pub file: String,
    pub format: FileFormat,
    /// In file order; the first is the one the file is for.
    pub certificates: Vec<FileCertificate>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FileCertificate {
    /// The subject's CN, or the whole subject when it has none (as the list names it).
    pub name: String,
    /// The issuer's CN, or its whole name.
    pub issuer_name: String,
    pub certificate: Certificate,
    pub status: Status,
    /// The id of the same certificate in the store: the file's is installed.
    pub installed: Option<String>,
    /// The id of a newer certificate of the same subject and issuer in the
    /// store (the rule that marks certificates superseded): the file's is
    /// an older one, and the store holds its renewal.
    pub renewal: Option<String>,
}

/// What the certificate file `name` holds, each certificate with its status
/// at `now` and whether the store holds it or a renewal of it. A PKCS#12
/// file is refused with what to do (it opens for import, with its
/// password); anything else says what is wrong with it.
pub fn certificate_file(
    overview: &Overview,
    name: &str,
    bytes: &[u8],
    now: time::OffsetDateTime,
    renewal_window: time::Duration,
) -> Result<CertificateFile> {
    let Some((format, ders)) = inspect::plain_certificates(bytes)? else {
        // Neither PEM nor DER: a PKCS#12 file opens with the empty password or asks for one.
        return Err(match crate::pkcs12::read(bytes, &Secret::default()) {
            Ok(_) | Err(Error::WrongPassword) => Error::InvalidInput(format!(
                "{name} is not a certificate file but a PKCS#12 file (a certificate with its key, protected by a password); import it to see what it holds"
            )),
            Err(Error::Corrupt { .. }) => Error::BadCertificate {
                why: format!("{name} holds neither a PEM nor a DER certificate"),
            },
            Err(other) => other,
        });
    };
    let certificates = ders
        .iter()
        .map(|der| {
            let certificate = Certificate::from_der(der)?;
            Ok(FileCertificate {
                name: certificate.display_name().to_owned(),
                issuer_name: certificate.issuer_display_name().to_owned(),
                status: health::status_at(&certificate, now, renewal_window),
                installed: overview
                    .identities
                    .iter()
                    .find(|i| i.certificate.sha256 == certificate.sha256)
                    .map(|i| i.id.clone()),
                renewal: newest_renewal(overview, &certificate),
                certificate,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(CertificateFile { file: name.to_owned(), format, certificates })
}

/// The store's newest renewal of `certificate`, if it holds one.
fn newest_renewal(overview: &Overview, certificate: &Certificate) -> Option<String> {
    health::newest(health::renewals_of(certificate, &overview.identities)).map(|i| i.id.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Identity, KeyStatus};

    const CA_DER: &[u8] = include_bytes!("../../../../tests/fixtures/tls/wine-ca.der");
    const OTHER_DER: &[u8] = include_bytes!("../../../../tests/fixtures/tls/other-ca.der");

    fn now() -> time::OffsetDateTime {
        time::macros::datetime!(2027-01-01 0:00 UTC)
    }

    fn identity(certificate: Certificate) -> Identity {
        Identity::new(certificate, KeyStatus::None, None, "nss:test")
    }

    /// The same subject and issuer as `certificate`, a year later: its renewal.
    fn renewal_of(certificate: &Certificate, id: &str) -> Certificate {
        let mut renewal = certificate.clone();
        renewal.sha256 = id.into();
        renewal.not_before += time::Duration::days(365);
        renewal.not_after += time::Duration::days(365);
        renewal
    }

    fn overview(identities: Vec<Identity>) -> Overview {
        let assessments = health::assess(&identities, now(), time::Duration::days(90));
        Overview { identities, assessments }
    }

    fn opened(overview: &Overview, bytes: &[u8]) -> CertificateFile {
        certificate_file(overview, "社員証.cer", bytes, now(), time::Duration::days(90)).unwrap()
    }

    #[test]
    fn pkcs12_files_open_their_import_and_certificate_files_their_inspection() {
        for name in ["a.pfx", "山田の証明書.P12", "/tmp/dir.x/b.Pfx"] {
            assert_eq!(how_it_opens(Path::new(name)), Some(Opening::Import), "{name}");
        }
        for name in ["a.cer", "ルート.CRT", "c.der", "/tmp/d.Pem"] {
            assert_eq!(how_it_opens(Path::new(name)), Some(Opening::Inspect), "{name}");
        }
        for name in ["pfx", "a.pfx.txt", "notes.txt", ""] {
            assert_eq!(how_it_opens(Path::new(name)), None, "{name}");
        }
        let given = ["/a/notes.txt", "/a/b.cer", "/a/c.p12"].map(std::path::PathBuf::from);
        let opened = files_to_open(given.clone());
        assert_eq!(
            opened,
            [
                OpenedFile { path: given[1].clone(), opening: Opening::Inspect },
                OpenedFile { path: given[2].clone(), opening: Opening::Import }
            ]
        );
    }

    #[test]
    fn a_certificate_the_store_holds_is_installed_and_its_renewal_named() {
        let file = Certificate::from_der(CA_DER).unwrap();
        let store = overview(vec![identity(file.clone()), identity(renewal_of(&file, "renewal"))]);
        let seen = opened(&store, CA_DER);
        assert_eq!(seen.format, FileFormat::Der);
        let [only] = &seen.certificates[..] else { panic!("one certificate: {seen:?}") };
        assert_eq!(only.installed.as_deref(), Some(file.sha256.as_str()));
        assert_eq!(only.renewal.as_deref(), Some("renewal"));
        assert_eq!(only.status, Status::Valid, "valid from 2026 to 2126");
    }

    #[test]
    fn an_older_or_unrelated_certificate_is_no_renewal() {
        let file = Certificate::from_der(CA_DER).unwrap();
        let mut older = renewal_of(&file, "older");
        older.not_before -= time::Duration::days(730);
        older.not_after -= time::Duration::days(730);
        let other = Certificate::from_der(OTHER_DER).unwrap();
        let seen = opened(&overview(vec![identity(older), identity(other)]), CA_DER);
        assert_eq!((seen.certificates[0].installed.as_deref(), seen.certificates[0].renewal.as_deref()), (None, None));
    }

    /// Standard base64 (RFC 4648), as PEM writes it, on one line.
    fn base64(bytes: &[u8]) -> String {
        const DIGITS: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let n = chunk.iter().enumerate().fold(0u32, |n, (i, &b)| n | (b as u32) << (16 - 8 * i));
            for i in 0..4 {
                out.push(if i <= chunk.len() { DIGITS[(n >> (18 - 6 * i) & 63) as usize] as char } else { '=' });
            }
        }
        out
    }

    #[test]
    fn a_pem_bundle_gives_every_certificate_in_file_order() {
        let pem = |der: &[u8]| format!("-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n", base64(der));
        let text = format!("a bundle\n{}{}", pem(OTHER_DER), pem(CA_DER));
        let seen = opened(&overview(vec![]), text.as_bytes());
        assert_eq!(seen.format, FileFormat::Pem);
        let names: Vec<_> = seen.certificates.iter().map(|c| c.certificate.sha256.clone()).collect();
        let expected: Vec<_> = [OTHER_DER, CA_DER].iter().map(|d| Certificate::from_der(d).unwrap().sha256).collect();
        assert_eq!(names, expected);
    }

    #[test]
    fn a_file_that_is_no_certificate_says_so() {
        let text = b"<html>not a certificate</html>";
        let refused =
            certificate_file(&overview(vec![]), "page.crt", text, now(), time::Duration::days(90)).unwrap_err();
        assert!(matches!(refused, Error::BadCertificate { .. }), "{refused:?}");
        assert!(refused.to_string().contains("page.crt holds neither a PEM nor a DER certificate"), "{refused}");
    }

    #[test]
    fn a_pkcs12_file_is_refused_with_what_to_do() {
        let p12 = include_bytes!("../../../../tests/fixtures/tls/client.p12");
        let refused =
            certificate_file(&overview(vec![]), "鍵つき.cer", p12, now(), time::Duration::days(90)).unwrap_err();
        assert!(matches!(refused, Error::InvalidInput(_)), "{refused:?}");
        assert!(refused.to_string().contains("import it"), "{refused}");
    }
}
