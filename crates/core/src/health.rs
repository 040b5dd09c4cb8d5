//! Health rules: which certificates are expired, expiring, or superseded, and
//! which may be cleaned up. Pure functions of (identities, now, renewal window)
//! so that the CLI, the GUI and the tests all see the same answer.

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use time::{Duration, OffsetDateTime};

use crate::model::{Certificate, Identity};

/// Renewal usually opens three months before expiry.
pub const DEFAULT_RENEWAL_WINDOW: Duration = Duration::days(RenewalWindow::DEFAULT_DAYS as i64);

/// The renewal window: a certificate expiring within it is "expiring".
/// Renewal usually opens three months before expiry; 0 days turns the
/// warning off, and ten years is the longest window that means anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RenewalWindow {
    days: u32,
}

impl RenewalWindow {
    pub const DEFAULT_DAYS: u32 = 90;
    pub const MAX_DAYS: u32 = 3650;

    /// A window of `days`, refused outside 0..=3650 with what is allowed.
    pub fn of_days(days: u32) -> crate::Result<RenewalWindow> {
        if days > Self::MAX_DAYS {
            return Err(crate::Error::InvalidInput(format!(
                "the renewal window must be between 0 and {} days, not {days}",
                Self::MAX_DAYS
            )));
        }
        Ok(RenewalWindow { days })
    }

    pub fn days(self) -> u32 {
        self.days
    }

    pub fn duration(self) -> Duration {
        Duration::days(i64::from(self.days))
    }
}

impl Default for RenewalWindow {
    fn default() -> Self {
        RenewalWindow { days: Self::DEFAULT_DAYS }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Valid,
    Expiring,
    NotYetValid,
    Expired,
}

impl Status {
    pub const ALL: [Status; 4] = [Status::Valid, Status::Expiring, Status::NotYetValid, Status::Expired];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Valid => "valid",
            Status::Expiring => "expiring",
            Status::NotYetValid => "not_yet_valid",
            Status::Expired => "expired",
        }
    }

    /// Usable for signing in right now.
    pub fn is_usable(self) -> bool {
        matches!(self, Status::Valid | Status::Expiring)
    }
}

impl std::str::FromStr for Status {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Status::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| format!("unknown status \"{s}\"; use expired, expiring, valid or not_yet_valid"))
    }
}

/// A certificate's status at `now`. A certificate is valid through the last
/// second of its notAfter (RFC 5280 section 4.1.2.5: the period is inclusive).
pub fn status_at(cert: &Certificate, now: OffsetDateTime, renewal_window: Duration) -> Status {
    if now > cert.not_after {
        Status::Expired
    } else if now < cert.not_before {
        Status::NotYetValid
    } else if cert.not_after - now <= renewal_window {
        Status::Expiring
    } else {
        Status::Valid
    }
}

/// What the health rules say about one identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Assessment {
    pub id: String,
    pub status: Status,
    /// Shared by certificates with the same subject and the same issuer; `None`
    /// for a certificate with no such sibling.
    pub duplicate_group: Option<String>,
    /// The id of the current member of the group, when this one is older.
    pub superseded_by: Option<String>,
}

impl Assessment {
    pub fn superseded(&self) -> bool {
        self.superseded_by.is_some()
    }
}

/// Assesses every identity, in the order given.
///
/// Duplicates are certificates whose subject and issuer are the same name
/// (compared normalised, so a renewal that changed string types or case is
/// still a renewal). The member with the latest notAfter is current (tie:
/// latest notBefore, then the lower id so the answer never depends on order).
pub fn assess(identities: &[Identity], now: OffsetDateTime, renewal_window: Duration) -> Vec<Assessment> {
    let mut groups: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
    for (i, identity) in identities.iter().enumerate() {
        let cert = &identity.certificate;
        groups.entry(group_key(cert)).or_default().push(i);
    }
    let mut assessments: Vec<Assessment> = identities
        .iter()
        .map(|identity| Assessment {
            id: identity.id.clone(),
            status: status_at(&identity.certificate, now, renewal_window),
            duplicate_group: None,
            superseded_by: None,
        })
        .collect();
    for members in groups.values().filter(|m| m.len() > 1) {
        let current = *members
            .iter()
            .max_by(|&&a, &&b| {
                let (ca, cb) = (&identities[a].certificate, &identities[b].certificate);
                (ca.not_after, ca.not_before, std::cmp::Reverse(&identities[a].id)).cmp(&(
                    cb.not_after,
                    cb.not_before,
                    std::cmp::Reverse(&identities[b].id),
                ))
            })
            .expect("group has members");
        let group_id = group_id(&identities[current].certificate);
        for &m in members {
            assessments[m].duplicate_group = Some(group_id.clone());
            if m != current {
                assessments[m].superseded_by = Some(identities[current].id.clone());
            }
        }
    }
    assessments
}

/// What renewals of one certificate share: the subject and the issuer, normalised.
fn group_key(cert: &Certificate) -> (&str, &str) {
    (&cert.subject.normalised, &cert.issuer.normalised)
}

/// Whether `a` and `b` are renewals of one certificate (or the same one):
/// the test `assess` groups by.
pub fn same_group(a: &Certificate, b: &Certificate) -> bool {
    group_key(a) == group_key(b)
}

/// The certificates of `identities` that renew `certificate`: the same
/// subject and issuer, and newer (a later notAfter, then a later notBefore),
/// as `assess` orders a group.
pub fn renewals_of<'a>(certificate: &'a Certificate, identities: &'a [Identity]) -> impl Iterator<Item = &'a Identity> {
    let newer = |c: &Certificate| (c.not_after, c.not_before) > (certificate.not_after, certificate.not_before);
    identities.iter().filter(move |i| same_group(&i.certificate, certificate) && newer(&i.certificate))
}

/// The newest renewal of `certificate` that can sign someone in now: it has
/// its private key and is valid today. What makes an old certificate (or a
/// preference that names it) safe to leave behind.
pub fn usable_renewal<'a>(
    certificate: &'a Certificate,
    identities: &'a [Identity],
    now: OffsetDateTime,
    window: Duration,
) -> Option<&'a Identity> {
    newest(renewals_of(certificate, identities).filter(|i| can_sign_in_now(i, now, window)))
}

/// `identity` can sign someone in now: it has its private key and is valid today.
pub fn can_sign_in_now(identity: &Identity, now: OffsetDateTime, window: Duration) -> bool {
    identity.key.has_private_key() && status_at(&identity.certificate, now, window).is_usable()
}

/// The newest of `renewals`; of two equally new ones, the lower id, so the
/// answer never depends on the store's order.
pub fn newest<'a>(renewals: impl Iterator<Item = &'a Identity>) -> Option<&'a Identity> {
    renewals.max_by_key(|i| (i.certificate.not_after, i.certificate.not_before, std::cmp::Reverse(i.id.as_str())))
}

/// A short stable name for a (subject, issuer) group.
fn group_id(cert: &Certificate) -> String {
    use sha2::Digest as _;
    let digest = sha2::Sha256::new()
        .chain_update(cert.subject.normalised.as_bytes())
        .chain_update([0u8])
        .chain_update(cert.issuer.normalised.as_bytes())
        .finalize();
    hex::encode(&digest[..8])
}

/// Why a certificate is offered for clean-up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum CleanupReason {
    Expired {
        #[serde(with = "time::serde::rfc3339")]
        not_after: OffsetDateTime,
    },
    Superseded {
        by: String,
        #[serde(with = "time::serde::rfc3339")]
        by_not_after: OffsetDateTime,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CleanupCandidate {
    pub id: String,
    pub reasons: Vec<CleanupReason>,
}

/// Expired and superseded personal certificates, each with its reasons.
///
/// Never offered: the current member of a group; a superseded certificate that
/// still works while its successor does not yet (a renewal dated for next
/// week must not cost the certificate used today); and CA certificates, whose
/// removal changes trust for everything they issued (delete those explicitly).
pub fn cleanup_candidates(identities: &[Identity], assessments: &[Assessment]) -> Vec<CleanupCandidate> {
    let by_id: HashMap<&str, (&Identity, &Assessment)> =
        identities.iter().zip(assessments).map(|(i, a)| (i.id.as_str(), (i, a))).collect();
    identities
        .iter()
        .zip(assessments)
        .filter(|(identity, _)| !identity.certificate.is_ca)
        .filter_map(|(identity, assessment)| {
            let mut reasons = Vec::new();
            if assessment.status == Status::Expired {
                reasons.push(CleanupReason::Expired { not_after: identity.certificate.not_after });
            }
            if let Some((successor, successor_health)) =
                assessment.superseded_by.as_deref().and_then(|id| by_id.get(id))
            {
                let would_lose_working_one = assessment.status.is_usable() && !successor_health.status.is_usable();
                if !would_lose_working_one {
                    reasons.push(CleanupReason::Superseded {
                        by: successor.id.clone(),
                        by_not_after: successor.certificate.not_after,
                    });
                }
            }
            (!reasons.is_empty()).then(|| CleanupCandidate { id: identity.id.clone(), reasons })
        })
        .collect()
}

/// The targets whose deletion would leave no working certificate for their
/// subject and issuer: each works today (valid or expiring) and nothing that
/// stays with the same subject and issuer works. Deleting one of these is the
/// mistake that costs a user their access, so the app asks twice.
pub fn last_working<'a>(
    identities: &'a [Identity],
    assessments: &[Assessment],
    target_ids: &[&str],
) -> Vec<&'a Identity> {
    let targets: HashSet<&str> = target_ids.iter().copied().collect();
    let works = |i: usize| assessments[i].status.is_usable();
    // The (subject, issuer) names that keep a working certificate after the
    // deletion: one pass, so a deletion of thousands is not quadratic.
    let kept_working: HashSet<(&str, &str)> = identities
        .iter()
        .enumerate()
        .filter(|(j, other)| !targets.contains(other.id.as_str()) && works(*j))
        .map(|(_, other)| (other.certificate.subject.normalised.as_str(), other.certificate.issuer.normalised.as_str()))
        .collect();
    identities
        .iter()
        .enumerate()
        .filter(|(i, identity)| targets.contains(identity.id.as_str()) && works(*i))
        .filter(|(_, identity)| {
            let cert = &identity.certificate;
            !kept_working.contains(&(cert.subject.normalised.as_str(), cert.issuer.normalised.as_str()))
        })
        .map(|(_, identity)| identity)
        .collect()
}

#[cfg(test)]
mod tests;
