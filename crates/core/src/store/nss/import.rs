//! Importing into an NSS database through the softokn session certdesk
//! already holds, the way NSS's own PKCS#12 import does it: each private key
//! is unwrapped into the database (softokn decodes the PKCS#8 itself and
//! fills in every attribute), each certificate is created as an object, and
//! both carry the CKA_ID NSS derives from the public key, so certutil,
//! Firefox and Chromium pair them as they pair their own.
//!
//! Nothing holding key material or a password touches a file system: the
//! key reaches softokn encrypted under a throwaway AES key that lives only
//! in this session. Earlier versions ran `pk12util` with the file and its
//! password in a temporary folder, which a killed process left behind.
//!
//! All or nothing: every object this import creates is remembered by
//! handle, and a failure destroys exactly those, never an object that
//! existed before or that another program added meanwhile.

use std::collections::{HashMap, HashSet};

use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, AttributeType, CertificateType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::Session;
use sha1::Digest as _;
use x509_parser::prelude::{FromDer, X509Certificate};

use super::NssStore;
use crate::dn::DistinguishedName;
use crate::error::{Error, Result};
use crate::model::KeyStatus;
use crate::pkcs12::{self, ber, CertBag, KeyBag, Pkcs12};
use crate::store::ImportOutcome;

/// NSS's vendor attribute holding an EC private key's public point
/// (`CKA_NSS_DB`): softokn refuses to unwrap an EC key without it.
const CKA_NSS_DB: std::os::raw::c_ulong = 0xD5A0_DB00;

/// The kinds of private key an NSS database takes from certdesk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyKind {
    Rsa,
    Ec,
}

impl KeyKind {
    fn of(pkcs8: &[u8]) -> Result<KeyKind> {
        let info = ber::parse(pkcs8)?;
        let oid = info.child(1, "the key's algorithm")?.child(0, "the key's algorithm")?.oid()?;
        match oid.as_str() {
            "1.2.840.113549.1.1.1" | "1.2.840.113549.1.1.10" => Ok(KeyKind::Rsa),
            "1.2.840.10045.2.1" => Ok(KeyKind::Ec),
            other => {
                let named = pkcs12::keys_describe(pkcs8).map_or_else(|_| other.to_owned(), |d| d.algorithm);
                Err(Error::Unsupported {
                    what: format!("importing a {named} key into an NSS database"),
                    hint: " (certdesk imports RSA and EC keys there)".into(),
                })
            }
        }
    }
}

/// What one import created, in order, so that a failure can take back exactly that.
#[derive(Default)]
struct Created {
    objects: Vec<ObjectHandle>,
    certificates: Vec<String>,
}

impl NssStore {
    /// Imports `contents` in `session`: all of it, or on failure nothing.
    pub(super) fn import_in(&self, session: &Session, contents: &Pkcs12, exportable: bool) -> Result<ImportOutcome> {
        let mut created = Created::default();
        match self.create_objects(session, contents, exportable, &mut created) {
            Ok(()) => Ok(ImportOutcome { added: created.certificates, ..ImportOutcome::default() }),
            Err(e) => Err(self.take_back(session, created, e)),
        }
    }

    /// Destroys what this import created, newest first, and says so in the error.
    fn take_back(&self, session: &Session, created: Created, failure: Error) -> Error {
        let count = created.objects.len();
        let left = created.objects.into_iter().rev().filter(|&handle| session.destroy_object(handle).is_err()).count();
        let undone = match (count, left) {
            (0, _) => return failure,
            (n, 0) => format!("; the {n} items it had added were removed again, so the store is as it was"),
            (n, left) => format!(
                "; of the {n} items it had added, {left} could not be removed: check the store with `certdesk list`"
            ),
        };
        match failure {
            Error::Store { store, why } => Error::Store { store, why: why + &undone },
            Error::InvalidInput(why) => Error::InvalidInput(why + &undone),
            other => other,
        }
    }

    fn create_objects(
        &self,
        session: &Session,
        contents: &Pkcs12,
        exportable: bool,
        created: &mut Created,
    ) -> Result<()> {
        // What the database holds, read once: a search per certificate or
        // key scans the whole table, which made a 10,000-identity import quadratic.
        let keys_here = self.private_keys(session)?;
        let (mut nicknames, mut certificates_here) = self.certificates_in(session)?;
        // What can be refused is refused before anything is created.
        let mut keys = Vec::with_capacity(contents.keys.len());
        for key in &contents.keys {
            let cert = pkcs12::certificate_for_key(&contents.certificates, key).ok_or_else(|| {
                Error::InvalidInput(
                    "the file holds a private key without its certificate, which an NSS database cannot pair; ask for an export that includes the certificate".into(),
                )
            })?;
            let (id, kind) = (key_id(cert)?, KeyKind::of(&key.pkcs8)?);
            if !key_already_here(keys_here.get(&id).copied(), exportable)? {
                keys.push((key, cert, id, kind));
            }
        }
        for cert in &contents.certificates {
            if certificates_here.insert(sha2::Sha256::digest(&cert.der).to_vec()) {
                self.import_certificate(session, cert, &mut nicknames, created)?;
            }
        }
        crate::fault::at("nss-import-after-certificates")?;
        for (key, cert, id, kind) in keys {
            let (_, x509) = X509Certificate::from_der(&cert.der).map_err(|e| damaged(&e))?;
            let nickname = nicknames.for_certificate(&x509, cert.friendly_name.as_deref());
            self.import_key(session, key, kind, cert, &id, &nickname, exportable, created)?;
        }
        Ok(())
    }

    /// The nicknames the database's certificates carry, and the SHA-256 of
    /// each certificate, read once per import.
    fn certificates_in(&self, session: &Session) -> Result<(Nicknames, HashSet<Vec<u8>>)> {
        let handles = session
            .find_objects(&[Attribute::Class(ObjectClass::CERTIFICATE), Attribute::Token(true)])
            .map_err(|e| self.refused("listing certificates", e))?;
        let mut nicknames = Nicknames::default();
        let mut present = HashSet::with_capacity(handles.len());
        for handle in handles {
            let Some(attrs) = self.attributes_unless_deleted(
                session,
                handle,
                &[AttributeType::Label, AttributeType::Subject, AttributeType::Value],
                "reading a certificate",
            )?
            else {
                continue;
            };
            let (mut label, mut subject) = (None, None);
            for attr in attrs {
                match attr {
                    Attribute::Label(l) if !l.is_empty() => label = Some(String::from_utf8_lossy(&l).into_owned()),
                    Attribute::Subject(s) => subject = Some(s),
                    Attribute::Value(der) => {
                        present.insert(sha2::Sha256::digest(&der).to_vec());
                    }
                    _ => {}
                }
            }
            if let (Some(label), Some(subject)) = (label, subject) {
                nicknames.note(subject, label);
            }
        }
        Ok((nicknames, present))
    }

    #[allow(clippy::too_many_arguments)] // one call site; the key, what it is, whose, and how it is kept
    fn import_key(
        &self,
        session: &Session,
        key: &KeyBag,
        kind: KeyKind,
        cert: &CertBag,
        id: &[u8],
        nickname: &str,
        exportable: bool,
        created: &mut Created,
    ) -> Result<()> {
        let mut template = vec![
            Attribute::Class(ObjectClass::PRIVATE_KEY),
            Attribute::KeyType(match kind {
                KeyKind::Rsa => KeyType::RSA,
                KeyKind::Ec => KeyType::EC,
            }),
            Attribute::Token(true),
            Attribute::Private(true),
            Attribute::Sensitive(true),
            Attribute::Extractable(exportable),
            Attribute::Id(id.to_vec()),
            Attribute::Label(nickname.as_bytes().to_vec()),
            Attribute::Sign(true),
        ];
        match kind {
            KeyKind::Rsa => template.extend([Attribute::Decrypt(true), Attribute::Unwrap(true)]),
            KeyKind::Ec => template.extend([
                Attribute::Derive(true),
                Attribute::VendorDefined((
                    AttributeType::VendorDefined(CKA_NSS_DB),
                    cert.public_key.clone().unwrap_or_default(),
                )),
            ]),
        }
        let handle = self.unwrap_into_database(session, &key.pkcs8, &template)?;
        created.objects.push(handle);
        Ok(())
    }

    /// Hands softokn `pkcs8` encrypted under a session AES key it is given
    /// for this one call, and lets it unwrap the key into the database.
    fn unwrap_into_database(&self, session: &Session, pkcs8: &[u8], template: &[Attribute]) -> Result<ObjectHandle> {
        let (wrapping_value, iv) = super::throwaway_aes_key();
        let wrapped = pkcs12::Cipher::Aes256Cbc.encrypt(&wrapping_value, &iv, pkcs8);
        let wrapping_key =
            self.session_aes_key(session, &wrapping_value, Attribute::Unwrap(true), "preparing the import")?;
        let unwrapped = session.unwrap_key(&Mechanism::AesCbcPad(iv), wrapping_key, &wrapped, template);
        let _ = session.destroy_object(wrapping_key);
        unwrapped.map_err(|e| self.refused("adding the private key", e))
    }

    fn import_certificate(
        &self,
        session: &Session,
        cert: &CertBag,
        nicknames: &mut Nicknames,
        created: &mut Created,
    ) -> Result<()> {
        let (_, x509) = X509Certificate::from_der(&cert.der).map_err(|e| damaged(&e))?;
        let serial = ber::der::tlv(ber::tag::INTEGER, x509.raw_serial());
        let nickname = nicknames.for_certificate(&x509, cert.friendly_name.as_deref());
        nicknames.note(x509.subject().as_raw().to_vec(), nickname.clone());
        let mut template = vec![
            Attribute::Class(ObjectClass::CERTIFICATE),
            Attribute::CertificateType(CertificateType::X_509),
            Attribute::Token(true),
            Attribute::Value(cert.der.clone()),
            Attribute::Subject(x509.subject().as_raw().to_vec()),
            Attribute::Issuer(x509.issuer().as_raw().to_vec()),
            Attribute::SerialNumber(serial),
            Attribute::Label(nickname.into_bytes()),
        ];
        if let Ok(id) = key_id(cert) {
            template.push(Attribute::Id(id));
        }
        let handle = session.create_object(&template).map_err(|e| self.refused("adding a certificate", e))?;
        created.objects.push(handle);
        created.certificates.push(hex::encode(sha2::Sha256::digest(&cert.der)));
        Ok(())
    }
}

/// The nicknames of a database and of what this import adds to it, so that
/// each certificate's nickname is found without listing the database again.
#[derive(Default)]
struct Nicknames {
    /// Subject (DER) to its nickname: NSS gives every certificate of a subject one nickname.
    by_subject: HashMap<Vec<u8>, String>,
    taken: HashSet<String>,
}

impl Nicknames {
    fn note(&mut self, subject: Vec<u8>, nickname: String) {
        self.taken.insert(nickname.clone());
        self.by_subject.entry(subject).or_insert(nickname);
    }

    /// The nickname NSS will show: that of a certificate with the same
    /// subject if there is one, else the file's friendly name or the
    /// certificate's name, numbered when another subject already uses it.
    fn for_certificate(&self, x509: &X509Certificate<'_>, friendly_name: Option<&str>) -> String {
        if let Some(nickname) = self.by_subject.get(x509.subject().as_raw()) {
            return nickname.clone();
        }
        let subject = DistinguishedName::from_x509(x509.subject());
        let wanted = friendly_name
            .filter(|n| !n.trim().is_empty())
            .or_else(|| subject.common_name())
            .unwrap_or(&subject.rfc4514)
            .to_owned();
        let wanted = if wanted.is_empty() { "certdesk import".to_owned() } else { wanted };
        unused_nickname(&wanted, &self.taken)
    }
}

/// Whether the key is in the database already (`here`: its status there),
/// a renewal that reused it or the same file again: then it stays as it is.
/// Its export policy is the user's earlier choice, and a request to forbid
/// export that cannot be honoured is refused, never dropped.
fn key_already_here(here: Option<KeyStatus>, exportable: bool) -> Result<bool> {
    match here {
        None => Ok(false),
        Some(KeyStatus::Exportable) if !exportable => Err(Error::InvalidInput(
            "this certificate's private key is already in this store and may be exported; certdesk does not change an existing key, so the import cannot make it not exportable (delete the certificate first, then import again)".into(),
        )),
        Some(_) => Ok(true),
    }
}

fn damaged(e: &impl std::fmt::Display) -> Error {
    Error::Corrupt { why: format!("a certificate in it is damaged: {e}") }
}

/// `wanted`, or `wanted (2)`, `wanted (3)`… when another subject has it.
/// At most one more try than there are nicknames, each a set lookup.
fn unused_nickname(wanted: &str, taken: &HashSet<String>) -> String {
    std::iter::once(wanted.to_owned())
        .chain((2..).map(|n| format!("{wanted} ({n})")))
        .find(|candidate| !taken.contains(candidate))
        .unwrap_or_else(|| wanted.to_owned())
}

/// The CKA_ID NSS gives a certificate and its private key: the SHA-1 of
/// the RSA modulus or the EC public point (NSS's `PK11_MakeIDFromPubKey`).
fn key_id(cert: &CertBag) -> Result<Vec<u8>> {
    let public = cert.public_key.as_ref().ok_or_else(|| Error::Unsupported {
        what: "importing a certificate whose public key certdesk cannot read into an NSS database".into(),
        hint: " (certdesk imports RSA and EC keys there)".into(),
    })?;
    Ok(sha1::Sha1::digest(public).to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nicknames_taken_by_another_subject_are_numbered() {
        let taken: HashSet<String> = ["山田 太郎".to_owned(), "山田 太郎 (2)".to_owned()].into();
        assert_eq!(unused_nickname("山田 太郎", &taken), "山田 太郎 (3)");
        assert_eq!(unused_nickname("Taro", &taken), "Taro");
    }
}
