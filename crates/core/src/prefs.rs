//! macOS identity preferences: which certificate Safari (and other apps)
//! present to a site without asking. A preference whose certificate is
//! gone, has lost its key, has expired or has a usable renewal is *stale*:
//! it is why Safari keeps offering the wrong certificate.
//!
//! The keychain stores each preference as a generic-password item of type
//! `'iprf'` (Apple's `SecIdentitySetPreference`): the service is the name
//! it is for (see [`service`]), the account the certificate's label and a
//! space, the data empty, and the generic attribute (`gena`) a persistent
//! reference to the certificate, which may live in any keychain or on a
//! token. The macOS backend reads the items into [`PreferenceRecord`]s and
//! resolves references; everything from there on is decided here.

pub mod repair;
pub mod service;

use std::collections::BTreeMap;

use serde::Serialize;
use sha2::Digest as _;
use time::{Duration, OffsetDateTime};

use crate::health::{self, Status};
use crate::model::{Certificate, Identity};
pub use service::{NeverApplies, ServiceName, SiteForm};

/// The four-character item type of identity preferences, `'iprf'`.
pub const IPRF: u32 = 0x6970_7266;

/// An attribute value as the keychain returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttributeValue {
    Text(String),
    Data(Vec<u8>),
    Number(i64),
}

/// One `iprf` item, as read from the keychain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PreferenceRecord {
    /// The exact service string.
    pub service: String,
    /// The exact account (`acct`): the certificate's label and a space,
    /// with ` [key usage 0x…]` before it when the preference is for one usage.
    /// Two preferences for one service differ here or in their keychain.
    pub account: String,
    /// The persistent reference to the preferred certificate (`gena`).
    #[serde(skip)]
    pub certificate_ref: Option<Vec<u8>>,
    /// The keychain file that holds the item, as the backend found it.
    pub keychain: String,
}

impl PreferenceRecord {
    /// Reads an item's attribute dictionary (keys as Security.framework
    /// names them: `svce`, `acct`, `gena`, `type`) from the keychain file
    /// `keychain`. `None` for items that are not identity preferences.
    pub fn from_attributes(attributes: &BTreeMap<String, AttributeValue>, keychain: &str) -> Option<PreferenceRecord> {
        let text = |key: &str| match attributes.get(key) {
            Some(AttributeValue::Text(t)) => Some(t.clone()),
            Some(AttributeValue::Data(d)) => String::from_utf8(d.clone()).ok(),
            _ => None,
        };
        match attributes.get("type") {
            Some(AttributeValue::Number(n)) if *n == i64::from(IPRF) => {}
            Some(AttributeValue::Data(d)) if d.as_slice() == b"iprf" => {}
            Some(AttributeValue::Text(t)) if t == "iprf" => {}
            _ => return None,
        }
        let service = text("svce").filter(|s| !s.is_empty())?;
        let certificate_ref = match attributes.get("gena") {
            Some(AttributeValue::Data(d)) if !d.is_empty() => Some(d.clone()),
            _ => None,
        };
        Some(PreferenceRecord {
            service,
            account: text("acct").unwrap_or_default(),
            certificate_ref,
            keychain: keychain.to_owned(),
        })
    }

    /// The label of the certificate the preference was made for, as the
    /// account holds it (without the trailing space and the key usage).
    pub fn certificate_label(&self) -> &str {
        let label = self.account.strip_suffix(' ').unwrap_or(&self.account);
        match label.rfind(" [key usage 0x") {
            Some(at) if label.ends_with(']') => &label[..at],
            _ => label,
        }
    }
}

/// What a preference's persistent reference resolves to, as the backend finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    /// Nothing: the certificate it named was deleted.
    Nothing,
    /// Something the keychain would not hand over (locked, refused, a card
    /// taken out) or that is no certificate: not judged, never called gone.
    Unreadable { location: Location },
    /// A certificate (or an identity, taken as its certificate) wherever it
    /// lives, and whether its private key was found there.
    Certificate { der: Vec<u8>, has_key: bool, location: Location },
}

/// Where the preferred certificate lives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "name", rename_all = "snake_case")]
pub enum Location {
    /// The login keychain: the store certdesk lists.
    Login,
    /// Another keychain file (the System keychain, one the user added), by path.
    Keychain(String),
    /// A smart card or token (CryptoTokenKit), by token id.
    Token(String),
    /// The data-protection keychain (iCloud Keychain's kind), where certdesk does not list.
    Elsewhere,
}

/// Why a preference is stale: it makes apps present a certificate that
/// cannot work, or an older one than the user has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Staleness {
    /// Its reference names nothing any more: the certificate was deleted.
    CertificateMissing,
    /// The certificate is there but its private key is not, so no app can sign in with it.
    KeyMissing,
    Expired,
    /// A newer certificate of the same subject and issuer, with its key and valid now, is in the store.
    Superseded {
        by: String,
    },
}

/// The certificate a preference names, as far as it could be read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Target {
    Missing,
    /// The keychain would not hand it over, or it is no certificate certdesk can read: left alone.
    Unreadable {
        location: Location,
    },
    Certificate {
        /// SHA-256 of the certificate: the store's id for it when the store lists it.
        id: String,
        name: String,
        status: Status,
        has_key: bool,
        location: Location,
    },
}

/// An identity preference with what certdesk makes of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Preference {
    /// Stable and unique per item: a hash of its service, account and keychain.
    pub id: String,
    #[serde(flatten)]
    pub record: PreferenceRecord,
    #[serde(flatten)]
    pub name: ServiceName,
    pub target: Target,
    pub stale: Option<Staleness>,
    /// The installed renewal a stale preference can be pointed at
    /// (`repair::renewal_for`), by id: "Use the renewal" offers it.
    pub renewal: Option<String>,
}

/// The keychain file a legacy persistent reference points into (its
/// `dbnm` entry, `~` for the home folder), or `None` for a reference of
/// another form (the data-protection keychain, a token). The reference is
/// a sequence of `[name: 4 bytes][length: u32, big-endian][value]`
/// (Apple's `NameValueDictionary`); a length past the end stops the reading.
pub fn reference_keychain(reference: &[u8]) -> Option<String> {
    let mut rest = reference;
    while rest.len() >= 8 {
        let (name, length) = (&rest[..4], u32::from_be_bytes([rest[4], rest[5], rest[6], rest[7]]) as usize);
        let value = rest.get(8..8usize.checked_add(length)?)?;
        if name == b"dbnm" {
            let path = value.strip_suffix(&[0]).unwrap_or(value);
            return String::from_utf8(path.to_vec()).ok();
        }
        rest = &rest[8 + length..];
    }
    None
}

/// Where a preference's certificate lives, from the keychain file its
/// reference points into (`~` meaning `home`); `login` is the login
/// keychain's path. `None` for a reference into no keychain file.
pub fn location_of(reference_keychain: &str, login: &str, home: &str) -> Location {
    let path = match reference_keychain.strip_prefix('~') {
        Some(rest) => format!("{home}{rest}"),
        None => reference_keychain.to_owned(),
    };
    if path == login {
        Location::Login
    } else {
        Location::Keychain(path)
    }
}

/// What deleting one preference item found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Removed {
    Deleted,
    /// It was not there any more (another app, or an earlier run, removed it): nothing to do.
    AlreadyGone,
}

/// The id of one item: two preferences for one service (another key
/// usage, another keychain) have their own.
pub fn preference_id(record: &PreferenceRecord) -> String {
    let digest = sha2::Sha256::new()
        .chain_update(record.service.as_bytes())
        .chain_update([0])
        .chain_update(record.account.as_bytes())
        .chain_update([0])
        .chain_update(record.keychain.as_bytes())
        .finalize();
    hex::encode(&digest[..8])
}

/// Judges each record by the certificate its reference resolves to
/// (`resolve`), wherever that lives; the store's `identities` tell whether
/// a usable renewal is installed.
pub fn assess(
    records: &[PreferenceRecord],
    mut resolve: impl FnMut(&PreferenceRecord) -> Resolved,
    identities: &[Identity],
    now: OffsetDateTime,
    renewal_window: Duration,
) -> Vec<Preference> {
    records
        .iter()
        .map(|record| {
            let resolved = if record.certificate_ref.is_some() { resolve(record) } else { Resolved::Nothing };
            let (target, stale) = judge(resolved, identities, now, renewal_window);
            let mut preference = Preference {
                id: preference_id(record),
                record: record.clone(),
                name: ServiceName::parse(&record.service),
                target,
                stale,
                renewal: None,
            };
            preference.renewal =
                repair::renewal_for(&preference, identities, now, renewal_window).ok().map(|i| i.id.clone());
            preference
        })
        .collect()
}

/// Only a reference that resolves to nothing means the certificate is gone;
/// else the certificate it names is judged: key, validity, renewal.
fn judge(
    resolved: Resolved,
    identities: &[Identity],
    now: OffsetDateTime,
    window: Duration,
) -> (Target, Option<Staleness>) {
    let (der, has_key, location) = match resolved {
        Resolved::Nothing => return (Target::Missing, Some(Staleness::CertificateMissing)),
        Resolved::Unreadable { location } => return (Target::Unreadable { location }, None),
        Resolved::Certificate { der, has_key, location } => (der, has_key, location),
    };
    let Ok(certificate) = Certificate::from_der(&der) else {
        return (Target::Unreadable { location }, None);
    };
    let status = health::status_at(&certificate, now, window);
    let stale = if !has_key {
        Some(Staleness::KeyMissing)
    } else if status == Status::Expired {
        Some(Staleness::Expired)
    } else {
        usable_renewal(&certificate, identities, now, window).map(|by| Staleness::Superseded { by })
    };
    let target = Target::Certificate {
        id: certificate.sha256.clone(),
        name: certificate.display_name().to_owned(),
        status,
        has_key,
        location,
    };
    (target, stale)
}

/// The newest certificate of the store that renews `certificate` (same
/// subject and issuer, later expiry) and can sign in now: its key is there
/// and it is valid.
fn usable_renewal(
    certificate: &Certificate,
    identities: &[Identity],
    now: OffsetDateTime,
    window: Duration,
) -> Option<String> {
    health::usable_renewal(certificate, identities, now, window).map(|i| i.id.clone())
}

#[cfg(test)]
mod tests;

/// The store's identity preferences, assessed against its certificates.
pub fn load(
    store: &dyn crate::Keystore,
    overview: &crate::Overview,
    now: OffsetDateTime,
    window: Duration,
) -> crate::Result<Vec<Preference>> {
    let records = store.identity_preferences()?;
    Ok(assess(&records, |r| store.resolve_preference(r), &overview.identities, now, window))
}

/// Finds a preference by id prefix (at least 4 hex characters).
pub fn find<'a>(prefs: &'a [Preference], prefix: &str) -> crate::Result<&'a Preference> {
    crate::model::find_unique_by_prefix(prefs, |p| &p.id, prefix, 4, "preference", "certdesk prefs list")
}
