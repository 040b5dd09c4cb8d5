//! macOS identity preferences: which certificate Safari (and other apps)
//! present to a site without asking. A preference that points at a
//! certificate that is gone, expired or superseded is *stale*: it is why
//! Safari keeps offering the wrong certificate.
//!
//! The keychain stores each preference as a generic-password item of type
//! `'iprf'` whose service is the URL or host (since macOS 11.3 often with
//! an ` (app-id)` suffix) and whose generic attribute holds a persistent
//! reference to the certificate. The macOS backend reads the items into
//! `PreferenceRecord`s; everything from there on is decided here.

use std::collections::BTreeMap;

use serde::Serialize;
use sha2::Digest as _;

use crate::health::{Assessment, Status};
use crate::model::{Certificate, Identity};

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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreferenceRecord {
    /// The exact service string: deleting needs it verbatim.
    pub service: String,
    pub label: Option<String>,
    /// The persistent reference to the preferred certificate (`gena`).
    pub certificate_ref: Option<Vec<u8>>,
}

impl PreferenceRecord {
    /// Reads an item's attribute dictionary (keys as Security.framework
    /// names them: `svce`, `labl`, `gena`, `type`). `None` for items that are
    /// not identity preferences.
    pub fn from_attributes(attributes: &BTreeMap<String, AttributeValue>) -> Option<PreferenceRecord> {
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
        Some(PreferenceRecord { service, label: text("labl"), certificate_ref })
    }
}

/// Why a preference is stale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Staleness {
    /// The certificate it names is no longer in the keychain.
    CertificateMissing,
    Expired,
    Superseded {
        by: String,
    },
}

/// An identity preference with what certdesk makes of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Preference {
    /// Stable id for the CLI and the app: a hash of the exact service string.
    pub id: String,
    /// The exact service string (what `security delete-generic-password -s` needs).
    pub service: String,
    /// The site, without the app suffix.
    pub site: String,
    /// The app the preference is for (`com.apple.Safari`), when the service says.
    pub app: Option<String>,
    pub certificate_id: Option<String>,
    pub stale: Option<Staleness>,
}

/// Splits `"https://portal.example.jp/ (com.apple.Safari)"` into site and app.
pub fn split_service(service: &str) -> (String, Option<String>) {
    if let Some(open) = service.rfind(" (") {
        let inner = &service[open + 2..];
        if let Some(app) = inner.strip_suffix(')') {
            if !app.is_empty() && app.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')) {
                return (service[..open].to_owned(), Some(app.to_owned()));
            }
        }
    }
    (service.to_owned(), None)
}

pub fn preference_id(service: &str) -> String {
    hex::encode(&sha2::Sha256::digest(service.as_bytes())[..8])
}

/// Resolves each record's certificate (`resolve` turns a persistent
/// reference into the certificate's DER, or `None` when it is gone) and
/// marks stale preferences using the health rules.
pub fn assess(
    records: &[PreferenceRecord],
    mut resolve: impl FnMut(&[u8]) -> Option<Vec<u8>>,
    identities: &[Identity],
    assessments: &[Assessment],
) -> Vec<Preference> {
    records
        .iter()
        .map(|record| {
            let certificate = record
                .certificate_ref
                .as_deref()
                .and_then(&mut resolve)
                .and_then(|der| Certificate::from_der(&der).ok());
            let health = certificate
                .as_ref()
                .and_then(|c| identities.iter().zip(assessments).find(|(i, _)| i.id == c.sha256).map(|(_, a)| a));
            let stale = match (&certificate, health) {
                (None, _) | (Some(_), None) => Some(Staleness::CertificateMissing),
                (Some(_), Some(a)) if a.status == Status::Expired => Some(Staleness::Expired),
                (Some(_), Some(a)) => a.superseded_by.clone().map(|by| Staleness::Superseded { by }),
            };
            let (site, app) = split_service(&record.service);
            Preference {
                id: preference_id(&record.service),
                service: record.service.clone(),
                site,
                app,
                certificate_id: certificate.map(|c| c.sha256),
                stale,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests;

/// The store's identity preferences, assessed against its certificates.
pub fn load(store: &dyn crate::Keystore, overview: &crate::Overview) -> crate::Result<Vec<Preference>> {
    let records = store.identity_preferences()?;
    Ok(assess(&records, |r| store.resolve_certificate_ref(r), &overview.identities, &overview.assessments))
}

/// Finds a preference by id prefix (at least 4 hex characters).
pub fn find<'a>(prefs: &'a [Preference], prefix: &str) -> crate::Result<&'a Preference> {
    crate::model::find_unique_by_prefix(prefs, |p| &p.id, prefix, 4, "preference", "certdesk prefs list")
}
