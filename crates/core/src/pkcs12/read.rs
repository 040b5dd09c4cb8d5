//! Reading a PKCS#12 file (RFC 7292 section 4):
//!
//! ```text
//! PFX ::= SEQUENCE { version INTEGER {v3(3)}, authSafe ContentInfo, macData MacData OPTIONAL }
//! AuthenticatedSafe ::= SEQUENCE OF ContentInfo   -- data or encryptedData
//! SafeContents ::= SEQUENCE OF SafeBag
//! SafeBag ::= SEQUENCE { bagId OID, bagValue [0] EXPLICIT ANY, bagAttributes SET OF Attribute OPTIONAL }
//! ```
//!
//! Errors are classified once everything is known: if the MAC verifies,
//! the password is right and anything that fails to decrypt is damage; if
//! it fails but the contents decrypt, the file is damaged; only if nothing
//! opens is the password wrong.

use zeroize::Zeroizing;

use std::collections::HashMap;

use super::algorithm::{MacScheme, Scheme};
use super::ber::{self, tag, Node};
use super::budget::Budget;
use super::keys;
use super::{CertBag, KeyBag, Pkcs12, Protection, MAX_BAGS, MAX_FILE_SIZE, MAX_KEYS};
use crate::error::Error;
use crate::model::Certificate;
use crate::secret::Secret;

mod oid {
    pub const DATA: &str = "1.2.840.113549.1.7.1";
    pub const ENCRYPTED_DATA: &str = "1.2.840.113549.1.7.6";
    pub const KEY_BAG: &str = "1.2.840.113549.1.12.10.1.1";
    pub const SHROUDED_KEY_BAG: &str = "1.2.840.113549.1.12.10.1.2";
    pub const CERT_BAG: &str = "1.2.840.113549.1.12.10.1.3";
    pub const SAFE_CONTENTS_BAG: &str = "1.2.840.113549.1.12.10.1.6";
    pub const X509_CERTIFICATE: &str = "1.2.840.113549.1.9.22.1";
    pub const FRIENDLY_NAME: &str = "1.2.840.113549.1.9.20";
    pub const LOCAL_KEY_ID: &str = "1.2.840.113549.1.9.21";
}

fn corrupt(why: &str) -> Error {
    Error::Corrupt { why: why.to_owned() }
}

/// Reads and decrypts a PKCS#12 file.
pub fn read(file: &[u8], password: &Secret) -> Result<Pkcs12, Error> {
    if file.is_empty() {
        return Err(corrupt("the file is empty"));
    }
    if file.len() > MAX_FILE_SIZE {
        return Err(Error::Unsupported {
            what: format!("a file of {} MiB", file.len() / (1024 * 1024)),
            hint: " (PKCS#12 files are a few kilobytes; certdesk reads up to 16 MiB)".into(),
        });
    }
    // .NET's test files end in zero padding; anything else after the
    // structure is damage (or a second file glued on).
    let (pfx, used) = ber::parse_prefix(file)?;
    // `used` is what the parser consumed of `file`: at most its length.
    if file[used..].iter().any(|&b| b != 0) {
        return Err(corrupt("unexpected bytes after the end of the structure"));
    }
    pfx.expect(tag::SEQUENCE, "the PKCS#12 structure")?;
    let version = pfx.child(0, "the version")?.uint()?;
    if version != 3 {
        return Err(Error::Unsupported {
            what: format!("PKCS#12 version {version}"),
            hint: " (only version 3 exists)".into(),
        });
    }
    let auth_safe = pfx.child(1, "the contents")?;
    let auth_safe_bytes = content_info_data(auth_safe)?;
    let mac = pfx.children.get(2).map(MacScheme::parse).transpose()?;
    let mut budget = Budget::default();
    let mac_form = match &mac {
        Some((scheme, expected)) => scheme.verify(password, &auth_safe_bytes, expected, &mut budget)?,
        None => None,
    };

    let mut reader = BagReader {
        password,
        protection: Protection::default(),
        failures: 0,
        opened_any: false,
        decrypt_form: None,
        certificates: Vec::new(),
        keys: Vec::new(),
        bags: 0,
        budget,
    };
    let contents = ber::parse(&auth_safe_bytes)?;
    for info in &contents.children {
        reader.content_info(info)?;
    }

    let verified = mac_form.is_some();
    match (&mac, verified, reader.failures) {
        (Some(_), true, 0) | (None, _, 0) => {}
        (Some(_), true, _) => {
            return Err(corrupt("the password is right but part of the contents does not decrypt"));
        }
        (None, _, _) => return Err(Error::WrongPassword),
        (Some(_), false, _) => {}
    }
    if mac.is_some() && !verified {
        // The password opened every encrypted part, yet the integrity check
        // fails: the bytes were changed after the file was made.
        let encrypted_parts_opened = reader.opened_any && reader.failures == 0;
        return Err(if encrypted_parts_opened {
            corrupt("its integrity check (MAC) fails although the password decrypts it")
        } else {
            Error::WrongPassword
        });
    }

    reader.protection.mac = mac.map(|(scheme, _)| scheme);
    reader.protection.password_form =
        describe_form(mac_form, reader.decrypt_form, reader.protection.mac.is_some() || reader.opened_any);
    let certificates = order_certificates(reader.certificates, &reader.keys);
    Ok(Pkcs12 { certificates, keys: reader.keys, protection: reader.protection })
}

fn describe_form(mac_form: Option<&'static str>, decrypt_form: Option<&'static str>, needed: bool) -> String {
    match (mac_form, decrypt_form) {
        _ if !needed => "none needed (the file is not protected)".into(),
        (Some(m), Some(d)) if m != d => format!("{m}; contents: {d}"),
        (Some(m), _) => m.into(),
        (None, Some(d)) => d.into(),
        (None, None) => "none needed".into(),
    }
}

/// The octets a `data` ContentInfo carries.
fn content_info_data(info: &Node) -> Result<Vec<u8>, Error> {
    let kind = info.child(0, "the content type")?.oid()?;
    match kind.as_str() {
        oid::DATA => {
            let explicit = info
                .children
                .get(1)
                .filter(|n| n.tag == tag::CONTEXT_0)
                .ok_or_else(|| corrupt("a content block has no content"))?;
            Ok(explicit.child(0, "the content")?.octets("the content")?.to_vec())
        }
        other => Err(Error::Unsupported {
            what: format!("{} ({other})", super::algorithm::common_name(other)),
            hint: "; ask for a password-protected export instead".into(),
        }),
    }
}

struct BagReader<'a> {
    password: &'a Secret,
    protection: Protection,
    /// Encrypted parts that no password form opened.
    failures: usize,
    opened_any: bool,
    decrypt_form: Option<&'static str>,
    certificates: Vec<(CertBag, Certificate)>,
    keys: Vec<KeyBag>,
    /// Bags of every kind read so far (see `MAX_BAGS`).
    bags: usize,
    budget: Budget,
}

impl BagReader<'_> {
    fn content_info(&mut self, info: &Node) -> Result<(), Error> {
        let kind = info.child(0, "a content type")?.oid()?;
        if kind == oid::ENCRYPTED_DATA {
            let explicit = info
                .children
                .get(1)
                .filter(|n| n.tag == tag::CONTEXT_0)
                .ok_or_else(|| corrupt("an encrypted block has no content"))?;
            let encrypted_data = explicit.child(0, "the encrypted block")?;
            let content_info = encrypted_data.child(1, "the encrypted content")?;
            let scheme = Scheme::parse(content_info.child(1, "the encryption algorithm")?)?;
            let ciphertext = match content_info.children.get(2) {
                Some(n) if n.tag == tag::CONTEXT_0_PRIMITIVE || n.tag == tag::CONTEXT_0 => {
                    if n.children.is_empty() {
                        n.data.clone()
                    } else {
                        ber::flatten(&n.children)?
                    }
                }
                _ => return Err(corrupt("an encrypted block has no content")),
            };
            self.protection.certificates.get_or_insert(scheme.clone());
            match scheme.decrypt(self.password, &ciphertext, &mut self.budget)? {
                Some((plain, form)) => {
                    self.note_opened(form);
                    self.safe_contents(&plain, 0)
                }
                None => {
                    self.failures += 1;
                    Ok(())
                }
            }
        } else {
            let data = content_info_data(info)?;
            self.safe_contents(&data, 0)
        }
    }

    fn note_opened(&mut self, form: &'static str) {
        self.opened_any = true;
        self.decrypt_form.get_or_insert(form);
    }

    fn safe_contents(&mut self, der: &[u8], depth: usize) -> Result<(), Error> {
        if depth > 4 {
            return Err(corrupt("bags nested too deeply"));
        }
        let contents = ber::parse(der)?;
        for bag in &contents.children {
            self.bag(bag, depth)?;
        }
        Ok(())
    }

    fn bag(&mut self, bag: &Node, depth: usize) -> Result<(), Error> {
        self.bags += 1;
        if self.bags > MAX_BAGS {
            return Err(Error::Unsupported {
                what: format!("a file of more than {MAX_BAGS} items"),
                hint: " (an export holds a few certificates and keys)".into(),
            });
        }
        let kind = bag.child(0, "a bag type")?.oid()?;
        let value = bag
            .children
            .get(1)
            .filter(|n| n.tag == tag::CONTEXT_0)
            .and_then(|n| n.children.first())
            .ok_or_else(|| corrupt("a bag has no value"))?;
        let (friendly_name, local_key_id) = attributes(bag.children.get(2));
        match kind.as_str() {
            oid::CERT_BAG => {
                let cert_type = value.child(0, "a certificate type")?.oid()?;
                if cert_type != oid::X509_CERTIFICATE {
                    self.protection.other_bags += 1;
                    return Ok(());
                }
                let der = value
                    .children
                    .get(1)
                    .and_then(|n| n.children.first())
                    .ok_or_else(|| corrupt("a certificate bag is empty"))?
                    .octets("a certificate")?
                    .to_vec();
                let parsed = Certificate::from_der(&der)
                    .map_err(|e| Error::Corrupt { why: format!("a certificate in it is damaged: {e}") })?;
                let public_key = keys::certificate_public_key(&der);
                self.certificates.push((CertBag { der, friendly_name, local_key_id, public_key }, parsed));
            }
            oid::KEY_BAG => {
                let pkcs8 = Zeroizing::new(ber::der::encode(value));
                self.push_key(KeyBag { pkcs8, friendly_name, local_key_id })?;
            }
            oid::SHROUDED_KEY_BAG => {
                let scheme = Scheme::parse(value.child(0, "the key's encryption")?)?;
                let ciphertext = value.child(1, "the encrypted key")?.octets("the encrypted key")?;
                self.protection.key.get_or_insert(scheme.clone());
                match scheme.decrypt(self.password, ciphertext, &mut self.budget)? {
                    Some((pkcs8, form)) => {
                        self.note_opened(form);
                        self.push_key(KeyBag { pkcs8, friendly_name, local_key_id })?;
                    }
                    None => self.failures += 1,
                }
            }
            oid::SAFE_CONTENTS_BAG => {
                let nested = ber::der::encode(value);
                self.safe_contents(&nested, depth + 1)?;
            }
            _ => self.protection.other_bags += 1,
        }
        Ok(())
    }
}

impl BagReader<'_> {
    fn push_key(&mut self, key: KeyBag) -> Result<(), Error> {
        if self.keys.len() >= MAX_KEYS {
            return Err(Error::Unsupported {
                what: format!("a file of more than {MAX_KEYS} private keys"),
                hint: " (an export holds one key per certificate it is for)".into(),
            });
        }
        self.keys.push(key);
        Ok(())
    }
}

/// friendlyName and localKeyID, tolerating unknown attributes.
fn attributes(set: Option<&Node>) -> (Option<String>, Option<Vec<u8>>) {
    let mut name = None;
    let mut key_id = None;
    for attribute in set.map(|s| s.children.as_slice()).unwrap_or_default() {
        let Some(Ok(kind)) = attribute.children.first().map(Node::oid) else { continue };
        let Some(value) = attribute.children.get(1).and_then(|values| values.children.first()) else { continue };
        match kind.as_str() {
            oid::FRIENDLY_NAME => name = decode_friendly_name(value),
            oid::LOCAL_KEY_ID if value.tag == tag::OCTET_STRING => key_id = Some(value.data.clone()),
            _ => {}
        }
    }
    (name, key_id)
}

/// A BMPString, without the trailing NUL some Windows exports add.
fn decode_friendly_name(value: &Node) -> Option<String> {
    let text = match value.tag {
        tag::BMP_STRING => {
            let units: Vec<u16> = value.data.chunks_exact(2).map(|c| u16::from_be_bytes([c[0], c[1]])).collect();
            String::from_utf16_lossy(&units)
        }
        tag::UTF8_STRING => String::from_utf8_lossy(&value.data).into_owned(),
        _ => return None,
    };
    Some(text.trim_end_matches('\0').to_owned())
}

/// The certificate whose public key is the key's, else the one with the
/// key's localKeyID. Each certificate's public key was read once, with the
/// file, so matching costs one pass over the certificates.
pub fn certificate_for_key<'a>(certificates: &'a [CertBag], key: &KeyBag) -> Option<&'a CertBag> {
    let public = keys::describe_private_key(&key.pkcs8).ok().and_then(|d| d.public);
    if let Some(public) = public {
        if let Some(cert) = certificates.iter().find(|c| c.public_key.as_ref() == Some(&public)) {
            return Some(cert);
        }
    }
    key.local_key_id.as_ref().and_then(|id| certificates.iter().find(|c| c.local_key_id.as_ref() == Some(id)))
}

/// Leaf first (the first key's certificate), then its issuers upward, then
/// the rest in file order; a loop in the chain ends it. Issuers are looked
/// up by name, so a file of thousands of certificates orders in one pass.
fn order_certificates(certificates: Vec<(CertBag, Certificate)>, keys: &[KeyBag]) -> Vec<CertBag> {
    let (bags, parsed): (Vec<CertBag>, Vec<Certificate>) = certificates.into_iter().unzip();
    let mut by_subject: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, cert) in parsed.iter().enumerate() {
        by_subject.entry(cert.subject.normalised.as_str()).or_default().push(i);
    }
    let leaf_index = keys
        .first()
        .and_then(|k| certificate_for_key(&bags, k))
        .and_then(|leaf| bags.iter().position(|c| c.der == leaf.der));
    let mut placed = vec![false; bags.len()];
    let mut order: Vec<usize> = Vec::new();
    let mut next = leaf_index;
    while let Some(current) = next {
        placed[current] = true;
        order.push(current);
        next = Some(&parsed[current])
            .filter(|c| !c.self_signed)
            .and_then(|c| by_subject.get(c.issuer.normalised.as_str())?.iter().copied().find(|&i| !placed[i]));
    }
    // The rest in file order, repeats included: each bag may carry its own
    // friendly name (Java aliases).
    order.extend((0..bags.len()).filter(|&i| !placed[i]));
    let mut slots: Vec<Option<CertBag>> = bags.into_iter().map(Some).collect();
    order.into_iter().filter_map(|i| slots.get_mut(i).and_then(Option::take)).collect()
}
