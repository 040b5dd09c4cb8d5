//! The flat, serialisable view of one listed certificate that both the CLI's
//! `--json` and the desktop app receive, so the two never disagree on a field.

use serde::Serialize;

use crate::health::{Assessment, Status};
use crate::model::{Defect, Identity, KeyStatus};

/// One row of `certdesk list --json` and of the app's list.
#[derive(Debug, Clone, Serialize)]
pub struct ListEntry {
    pub id: String,
    pub subject: String,
    pub issuer: String,
    /// The subject's CN, or the whole subject when it has none.
    pub name: String,
    pub issuer_name: String,
    pub email: Option<String>,
    pub serial: String,
    pub sha1: String,
    pub sha256: String,
    pub not_before: String,
    pub not_after: String,
    pub status: Status,
    pub superseded: bool,
    pub superseded_by: Option<String>,
    pub duplicate_group: Option<String>,
    pub has_private_key: bool,
    pub key_exportable: Option<bool>,
    /// Whether an export can take it (`transfer::can_export`): "export all" takes these.
    pub exportable: bool,
    pub key: KeyStatus,
    pub friendly_name: Option<String>,
    pub client_auth: bool,
    pub is_ca: bool,
    pub store: String,
    /// The card or token it lives on, when it is on one.
    pub card: Option<crate::model::Card>,
    /// What is wrong with the certificate, if anything (see `model::Defect`).
    pub defects: Vec<Defect>,
}

impl ListEntry {
    pub fn new(identity: &Identity, health: &Assessment) -> Self {
        let cert = &identity.certificate;
        ListEntry {
            id: identity.id.clone(),
            subject: cert.subject.rfc4514.clone(),
            issuer: cert.issuer.rfc4514.clone(),
            name: cert.display_name().to_owned(),
            issuer_name: cert.issuer_display_name().to_owned(),
            email: cert.subject.email().map(str::to_owned),
            serial: cert.serial.clone(),
            sha1: cert.sha1.clone(),
            sha256: cert.sha256.clone(),
            not_before: crate::model::rfc3339(cert.not_before),
            not_after: crate::model::rfc3339(cert.not_after),
            status: health.status,
            superseded: health.superseded(),
            superseded_by: health.superseded_by.clone(),
            duplicate_group: health.duplicate_group.clone(),
            has_private_key: identity.key.has_private_key(),
            key_exportable: identity.key.exportable(),
            exportable: crate::transfer::can_export(identity),
            key: identity.key,
            friendly_name: identity.friendly_name.clone(),
            client_auth: cert.client_auth,
            is_ca: cert.is_ca,
            store: identity.store.clone(),
            card: identity.card.clone(),
            defects: cert.defects.clone(),
        }
    }
}
