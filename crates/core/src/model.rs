//! The certificate model: what certdesk knows about one certificate and one identity.
//!
//! Everything here is decoded once from DER so that listing, health rules and
//! output never re-parse.

use serde::Serialize;
use sha1::Digest as _;
use time::OffsetDateTime;
use x509_parser::prelude::{FromDer, GeneralName, ParsedExtension, X509Certificate};
use x509_parser::public_key::PublicKey;

use crate::dn::DistinguishedName;
use crate::error::{Error, Result};

/// A decoded X.509 certificate.
#[derive(Debug, Clone, Serialize)]
pub struct Certificate {
    #[serde(skip)]
    pub der: Vec<u8>,
    pub subject: DistinguishedName,
    pub issuer: DistinguishedName,
    /// Serial number as uppercase hex without separators.
    pub serial: String,
    #[serde(with = "time::serde::rfc3339")]
    pub not_before: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub not_after: OffsetDateTime,
    /// SHA-1 thumbprint in hex: what Windows shows as "Thumbprint".
    pub sha1: String,
    /// SHA-256 thumbprint in hex: certdesk's id.
    pub sha256: String,
    pub public_key: PublicKeyInfo,
    /// SHA-256 of the SubjectPublicKeyInfo: two certificates with the same
    /// value share one key pair (a renewal that reused the key).
    #[serde(skip)]
    pub public_key_sha256: String,
    pub key_usage: Vec<String>,
    pub extended_key_usage: Vec<String>,
    pub client_auth: bool,
    pub subject_alt_names: Vec<String>,
    pub is_ca: bool,
    pub self_signed: bool,
    /// What is wrong with it, when anything is: certdesk shows such a
    /// certificate as far as it can, and says what is wrong.
    pub defects: Vec<Defect>,
}

/// Something a certificate says that cannot be right. Certificates are
/// never trusted to be consistent: each of these is shown, none stops a listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Defect {
    /// Its validity ends before it begins: it was never valid.
    ValidityReversed,
    /// Its subject is an empty name.
    EmptySubject,
    /// Its issuer is an empty name.
    EmptyIssuer,
    /// Its serial number has no digits.
    EmptySerial,
    /// It has a critical extension certdesk does not know: RFC 5280 says
    /// such a certificate must be rejected by whoever checks it.
    UnknownCriticalExtension,
    /// One of its extensions cannot be decoded.
    DamagedExtension,
    /// Its key has a size no key of its kind has (an RSA key of 0 bits, under
    /// 512 or over 16,384; an EC key whose size cannot be read).
    ImplausibleKeySize,
}

impl Defect {
    /// In words, for the command line (the app words it in the user's language).
    pub fn describe(self) -> &'static str {
        match self {
            Defect::ValidityReversed => "its validity ends before it begins, so it was never valid",
            Defect::EmptySubject => "its subject is empty",
            Defect::EmptyIssuer => "its issuer is empty",
            Defect::EmptySerial => "its serial number is empty",
            Defect::UnknownCriticalExtension => {
                "it has a critical extension certdesk does not know; sites and programs may refuse it"
            }
            Defect::DamagedExtension => "one of its extensions is damaged",
            Defect::ImplausibleKeySize => "its key has an impossible size",
        }
    }
}

/// The certificate's public key, as people name it ("RSA 2048", "EC P-256").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublicKeyInfo {
    pub algorithm: String,
    pub bits: Option<usize>,
    pub curve: Option<String>,
}

impl std::fmt::Display for PublicKeyInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.algorithm)?;
        if let Some(curve) = &self.curve {
            write!(f, " {curve}")
        } else if let Some(bits) = self.bits {
            write!(f, " {bits}")
        } else {
            Ok(())
        }
    }
}

impl Certificate {
    /// Decodes a DER certificate; trailing bytes are refused so that a
    /// truncated or concatenated blob is not silently half-read.
    pub fn from_der(der: &[u8]) -> Result<Self> {
        let (rest, x509) = X509Certificate::from_der(der).map_err(|e| Error::BadCertificate { why: e.to_string() })?;
        if !rest.is_empty() {
            return Err(Error::BadCertificate { why: format!("{} unexpected bytes after it", rest.len()) });
        }
        let der = der.to_vec();
        let subject = DistinguishedName::from_x509(x509.subject());
        let issuer = DistinguishedName::from_x509(x509.issuer());
        let mut key_usage = Vec::new();
        let mut extended_key_usage = Vec::new();
        let mut client_auth = false;
        let mut subject_alt_names = Vec::new();
        let mut is_ca = false;
        let mut defects = Vec::new();
        for ext in x509.extensions() {
            match ext.parsed_extension() {
                ParsedExtension::UnsupportedExtension { .. } if ext.critical => {
                    defects.push(Defect::UnknownCriticalExtension)
                }
                ParsedExtension::ParseError { .. } => defects.push(Defect::DamagedExtension),
                ParsedExtension::KeyUsage(ku) => {
                    key_usage = ku.to_string().split(", ").filter(|s| !s.is_empty()).map(str::to_owned).collect()
                }
                ParsedExtension::ExtendedKeyUsage(eku) => {
                    client_auth = eku.client_auth || eku.any;
                    let named = [
                        (eku.any, "Any"),
                        (eku.server_auth, "Server Authentication"),
                        (eku.client_auth, "Client Authentication"),
                        (eku.code_signing, "Code Signing"),
                        (eku.email_protection, "Secure Email"),
                        (eku.time_stamping, "Time Stamping"),
                        (eku.ocsp_signing, "OCSP Signing"),
                    ];
                    extended_key_usage = named.iter().filter(|(on, _)| *on).map(|(_, n)| n.to_string()).collect();
                    extended_key_usage.extend(eku.other.iter().map(|oid| oid.to_id_string()));
                }
                ParsedExtension::SubjectAlternativeName(san) => {
                    subject_alt_names = san.general_names.iter().map(general_name_to_string).collect()
                }
                ParsedExtension::BasicConstraints(bc) => is_ca = bc.ca,
                _ => {}
            }
        }
        let public_key = public_key_info(&x509);
        // Name equality is what stores use to call a certificate self-issued; a
        // signature check would need a crypto backend for every key type.
        let self_signed = subject.same_name_as(&issuer);
        let not_before = x509.validity().not_before.to_datetime();
        let not_after = x509.validity().not_after.to_datetime();
        let defect_if = |is: bool, defect: Defect| is.then_some(defect);
        defects.extend(
            [
                defect_if(not_after < not_before, Defect::ValidityReversed),
                defect_if(subject.rfc4514.is_empty(), Defect::EmptySubject),
                defect_if(issuer.rfc4514.is_empty(), Defect::EmptyIssuer),
                defect_if(x509.raw_serial().is_empty(), Defect::EmptySerial),
                defect_if(!plausible_key_size(&public_key), Defect::ImplausibleKeySize),
            ]
            .into_iter()
            .flatten(),
        );
        defects.sort();
        defects.dedup();
        Ok(Certificate {
            serial: hex::encode_upper(x509.raw_serial()),
            not_before,
            not_after,
            sha1: hex::encode(sha1::Sha1::digest(&der)),
            sha256: hex::encode(sha2::Sha256::digest(&der)),
            public_key_sha256: hex::encode(sha2::Sha256::digest(x509.public_key().raw)),
            public_key,
            key_usage,
            extended_key_usage,
            client_auth,
            subject_alt_names,
            is_ca,
            self_signed,
            defects,
            subject,
            issuer,
            der,
        })
    }

    /// The name people call this certificate by: its CN, else its whole subject.
    pub fn display_name(&self) -> &str {
        self.subject.common_name().unwrap_or(&self.subject.rfc4514)
    }

    /// The name people call its issuer by: the issuer's CN, else its whole name.
    pub fn issuer_display_name(&self) -> &str {
        self.issuer.common_name().unwrap_or(&self.issuer.rfc4514)
    }

    /// Whether `other` uses the same key pair as this certificate.
    pub fn shares_key_with(&self, other: &Certificate) -> bool {
        self.public_key_sha256 == other.public_key_sha256
    }
}

fn public_key_info(x509: &X509Certificate<'_>) -> PublicKeyInfo {
    let spki = x509.public_key();
    let oid = spki.algorithm.algorithm.to_id_string();
    let parsed = spki.parsed().ok();
    let bits = parsed.as_ref().map(PublicKey::key_size).filter(|&b| b > 0);
    let (algorithm, curve) = match oid.as_str() {
        "1.2.840.113549.1.1.1" | "1.2.840.113549.1.1.10" => ("RSA".to_owned(), None),
        "1.2.840.10045.2.1" => {
            let curve_oid = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok())
                .map(|o| o.to_id_string())
                .unwrap_or_default();
            ("EC".to_owned(), Some(curve_name(&curve_oid)))
        }
        "1.3.101.112" => ("Ed25519".to_owned(), None),
        "1.3.101.113" => ("Ed448".to_owned(), None),
        "1.2.840.10040.4.1" => ("DSA".to_owned(), None),
        other => (other.to_owned(), None),
    };
    PublicKeyInfo { algorithm, bits, curve }
}

/// RSA keys of 512 to 16,384 bits exist; a key whose size cannot be read
/// (an unknown algorithm) is not called implausible.
fn plausible_key_size(key: &PublicKeyInfo) -> bool {
    match (key.algorithm.as_str(), key.bits) {
        ("RSA", Some(bits)) => (512..=16_384).contains(&bits),
        ("RSA" | "EC", None) => false,
        _ => true,
    }
}

fn curve_name(oid: &str) -> String {
    match oid {
        "1.2.840.10045.3.1.7" => "P-256",
        "1.3.132.0.34" => "P-384",
        "1.3.132.0.35" => "P-521",
        "1.3.132.0.10" => "secp256k1",
        other => return other.to_owned(),
    }
    .to_owned()
}

fn general_name_to_string(name: &GeneralName<'_>) -> String {
    match name {
        GeneralName::RFC822Name(s) => format!("email:{s}"),
        GeneralName::DNSName(s) => format!("DNS:{s}"),
        GeneralName::URI(s) => format!("URI:{s}"),
        GeneralName::IPAddress(b) => match b.len() {
            4 => format!("IP:{}", std::net::Ipv4Addr::from(<[u8; 4]>::try_from(*b).unwrap_or_default())),
            16 => format!("IP:{}", std::net::Ipv6Addr::from(<[u8; 16]>::try_from(*b).unwrap_or_default())),
            _ => format!("IP:{}", hex::encode(b)),
        },
        GeneralName::DirectoryName(n) => format!("DirName:{}", DistinguishedName::from_x509(n)),
        GeneralName::OtherName(oid, _) if oid.to_id_string() == "1.3.6.1.4.1.311.20.2.3" => {
            format!("UPN:{}", other_name_utf8(name).unwrap_or_default())
        }
        GeneralName::OtherName(oid, _) => format!("otherName:{}", oid.to_id_string()),
        GeneralName::RegisteredID(oid) => format!("RID:{}", oid.to_id_string()),
        other => format!("{other:?}"),
    }
}

/// Windows smart-card logon certificates carry the user principal name as an
/// otherName holding `[0] UTF8String`.
fn other_name_utf8(name: &GeneralName<'_>) -> Option<String> {
    let GeneralName::OtherName(_, value) = name else { return None };
    let (_, outer) = x509_parser::der_parser::asn1_rs::Any::from_der(value).ok()?;
    let (_, inner) = x509_parser::der_parser::asn1_rs::Any::from_der(outer.data).ok()?;
    std::str::from_utf8(inner.data).ok().map(str::to_owned)
}

/// What a store knows about the private key that belongs to a certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyStatus {
    /// No private key: the certificate alone (a CA, or someone else's certificate).
    None,
    Exportable,
    NotExportable,
    /// On a smart card or token, or the store cannot tell.
    HardwareOrUnknown,
    /// On a smart card or token read over PKCS#11: it signs there and never leaves it.
    OnToken,
}

impl KeyStatus {
    pub fn has_private_key(self) -> bool {
        self != KeyStatus::None
    }

    /// `Some(true/false)` when a key is present and its export policy is known.
    pub fn exportable(self) -> Option<bool> {
        match self {
            KeyStatus::Exportable => Some(true),
            KeyStatus::NotExportable | KeyStatus::OnToken => Some(false),
            KeyStatus::None | KeyStatus::HardwareOrUnknown => None,
        }
    }
}

/// A certificate as it sits in a store, with its key status and name there.
#[derive(Debug, Clone, Serialize)]
pub struct Identity {
    /// SHA-256 thumbprint in lowercase hex: stable across stores and machines.
    pub id: String,
    pub certificate: Certificate,
    pub key: KeyStatus,
    /// NSS nickname, Windows friendly name or keychain label.
    pub friendly_name: Option<String>,
    /// The store it was listed from, as a store spec (`nss:/home/me/.pki/nssdb`).
    pub store: String,
    /// The card or token it lives on (its key, if it has one, stays there).
    pub card: Option<Card>,
}

/// A card or token, as the user knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Card {
    /// A PKCS#11 token's label ("JPKI"), the Windows smart-card provider
    /// that propagated the certificate into `My`, the macOS token
    /// (CryptoTokenKit) id.
    pub label: String,
    /// The reader it is in, when that is known (a PKCS#11 slot's description).
    pub reader: Option<String>,
}

impl Identity {
    pub fn new(certificate: Certificate, key: KeyStatus, friendly_name: Option<String>, store: &str) -> Self {
        Identity {
            id: certificate.sha256.clone(),
            certificate,
            key,
            friendly_name,
            store: store.to_owned(),
            card: None,
        }
    }

    /// The same identity, on `card`.
    pub fn on_card(mut self, card: Card) -> Self {
        self.card = Some(card);
        self
    }
}

/// Finds the one identity whose id starts with `prefix` (at least 8 hex
/// characters; colons and case are ignored, as thumbprints are often copied
/// from Windows dialogs as `AB:CD:…`).
pub fn find_by_id_prefix<'a>(identities: &'a [Identity], prefix: &str) -> Result<&'a Identity> {
    find_unique_by_prefix(identities, |i| &i.id, prefix, 8, "certificate", "certdesk list")
}

/// Typed hex as the lowercase digits it means, however it was grouped
/// (`AB:CD`, `ab cd`, `abcd`); `None` when anything else was typed. Ids,
/// serials and thumbprints are read this way everywhere they are typed.
pub(crate) fn hex_digits(typed: &str) -> Option<String> {
    let digits: String =
        typed.chars().filter(|c| !c.is_whitespace() && *c != ':').map(|c| c.to_ascii_lowercase()).collect();
    digits.bytes().all(|b| b.is_ascii_hexdigit()).then_some(digits)
}

/// The one item whose hex id starts with `prefix`: the rule behind every id
/// the CLI accepts (certificates, identity preferences).
pub(crate) fn find_unique_by_prefix<'a, T>(
    items: &'a [T],
    id_of: impl Fn(&T) -> &str,
    prefix: &str,
    min_len: usize,
    kind: &str,
    listed_by: &str,
) -> Result<&'a T> {
    let Some(wanted) = hex_digits(prefix).filter(|digits| digits.len() >= min_len) else {
        return Err(Error::InvalidInput(format!(
            "\"{prefix}\" is not a {kind} id; give at least {min_len} hexadecimal characters of an id shown by `{listed_by}`"
        )));
    };
    let mut matches = items.iter().filter(|i| id_of(i).starts_with(&wanted));
    match (matches.next(), matches.count()) {
        (None, _) => Err(Error::NotFound { prefix: prefix.to_owned() }),
        (Some(one), 0) => Ok(one),
        (Some(_), more) => Err(Error::AmbiguousId { prefix: prefix.to_owned(), count: more + 1 }),
    }
}

/// Identities built field by field, for the pure rules' table tests.
#[cfg(test)]
pub(crate) mod testing {
    use super::*;
    use crate::dn::Attribute;

    pub fn name(cn: &str) -> DistinguishedName {
        DistinguishedName::from_rdns(vec![
            vec![Attribute { name: "O".into(), value: "Example".into() }],
            vec![Attribute { name: "CN".into(), value: cn.into() }],
        ])
    }

    /// An identity with its own key pair; only the fields the rules read are real.
    pub fn cert(
        id: &str,
        subject: &str,
        issuer: &str,
        not_before: OffsetDateTime,
        not_after: OffsetDateTime,
    ) -> Identity {
        let certificate = Certificate {
            der: Vec::new(),
            subject: name(subject),
            issuer: name(issuer),
            serial: "01".into(),
            not_before,
            not_after,
            sha1: String::new(),
            sha256: id.into(),
            public_key: PublicKeyInfo { algorithm: "RSA".into(), bits: Some(2048), curve: None },
            public_key_sha256: format!("key-of-{id}"),
            key_usage: vec![],
            extended_key_usage: vec![],
            client_auth: true,
            subject_alt_names: vec![],
            is_ca: false,
            self_signed: false,
            defects: Vec::new(),
        };
        Identity::new(certificate, KeyStatus::Exportable, None, "test")
    }
}

#[cfg(test)]
mod tests {
    use super::testing::cert;
    use super::*;
    use time::macros::datetime;

    fn ids() -> Vec<Identity> {
        let t = datetime!(2026-01-01 0:00 UTC);
        vec![
            cert("aaaaaaaa11112222", "a", "ca", t, t),
            cert("aaaaaaaa33334444", "b", "ca", t, t),
            cert("bbbbbbbb55556666", "c", "ca", t, t),
        ]
    }

    #[test]
    fn an_id_prefix_finds_one_identity() {
        assert_eq!(find_by_id_prefix(&ids(), "bbbbbbbb").unwrap().id, "bbbbbbbb55556666");
        assert_eq!(find_by_id_prefix(&ids(), "AA:AA:AA:AA:33").unwrap().id, "aaaaaaaa33334444");
    }

    #[test]
    fn bad_prefixes_say_what_is_wrong() {
        assert_eq!(find_by_id_prefix(&ids(), "aaaaaaaa").unwrap_err().kind(), "ambiguous_id");
        assert_eq!(find_by_id_prefix(&ids(), "cccccccc").unwrap_err().kind(), "not_found");
        assert_eq!(find_by_id_prefix(&ids(), "bbbb").unwrap_err().kind(), "invalid_input");
        assert_eq!(find_by_id_prefix(&ids(), "山田太郎さんの証明書").unwrap_err().kind(), "invalid_input");
    }
}

/// A time as RFC 3339 (`2027-03-31T23:59:59Z`): how certdesk's JSON, the app and the CLI write times.
pub fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}
