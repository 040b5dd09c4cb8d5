//! The details of one certificate: itself, its key, and its chain as the store has it.

use serde::Serialize;

use crate::model::{rfc3339, Certificate, KeyStatus};
use crate::overview::Overview;
use crate::store::Keystore;
use crate::{chain, Result};

/// One issuer of the chain, upward from the certificate's own issuer.
#[derive(Debug, Clone, Serialize)]
pub struct ChainLink {
    pub subject: String,
    pub issuer: String,
    pub sha256: String,
    pub not_after: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Details {
    pub certificate: Certificate,
    pub friendly_name: Option<String>,
    pub key: KeyStatus,
    /// Issuers found in the store, upward from the certificate's own issuer.
    pub chain: Vec<ChainLink>,
    /// False when the chain stops before a root: an issuer is not installed
    /// (an import that left the root out, say).
    pub chain_complete: bool,
    /// The subject of the issuer that is missing, when the chain is not complete.
    pub missing_issuer: Option<String>,
}

/// The details of the certificate `id` (a prefix) names.
pub fn details(store: &dyn Keystore, overview: &Overview, id: &str) -> Result<Details> {
    let identity = overview.resolve(&[id])?[0];
    let kept_apart = store.issuer_candidates()?;
    let issuers = chain::issuers_of(&identity.certificate, &chain::pool(&overview.identities, &kept_apart));
    let top = issuers.last().copied().unwrap_or(&identity.certificate);
    Ok(Details {
        certificate: identity.certificate.clone(),
        friendly_name: identity.friendly_name.clone(),
        key: identity.key,
        chain: issuers
            .iter()
            .map(|c| ChainLink {
                subject: c.subject.rfc4514.clone(),
                issuer: c.issuer.rfc4514.clone(),
                sha256: c.sha256.clone(),
                not_after: rfc3339(c.not_after),
            })
            .collect(),
        chain_complete: top.self_signed,
        missing_issuer: (!top.self_signed).then(|| top.issuer.rfc4514.clone()),
    })
}
