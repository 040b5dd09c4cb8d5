//! The fleet check (`certdesk check`): does a personal certificate on this
//! computer need attention? What an Intune remediation, an SCCM
//! configuration item, a Jamf extension attribute or an Ansible task runs,
//! so the answer is an exit code as well as a report.

use serde::Serialize;
use time::{Duration, OffsetDateTime};

use crate::health::{self, Status};
use crate::model::rfc3339;
use crate::overview::Overview;

/// How much a certificate, or the whole computer, needs attention; the worst wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Attention {
    /// Nothing to do: valid outside its renewal window, or its renewal is installed.
    None,
    /// In its renewal window, and no usable renewal is installed yet.
    RenewalDue,
    /// Expired, and no usable renewal is installed.
    Expired,
}

impl Attention {
    /// The documented, stable exit code: 0 nothing to do, 3 renew, 4 expired
    /// (1 and 2 keep their meanings: a failure, wrong input).
    pub fn exit_code(self) -> u8 {
        match self {
            Attention::None => 0,
            Attention::RenewalDue => 3,
            Attention::Expired => 4,
        }
    }
}

/// One personal certificate as the check judged it.
#[derive(Debug, Clone, Serialize)]
pub struct CheckedCertificate {
    pub id: String,
    /// The subject's CN (else the whole subject), and the issuer's: what users are told to pick.
    pub name: String,
    pub issuer_name: String,
    pub subject: String,
    pub issuer: String,
    pub not_after: String,
    pub status: Status,
    /// Whole days until it expires; negative once it has.
    pub days_left: i64,
    pub superseded: bool,
    /// A renewal with its key that is valid now is installed: nothing to do.
    pub renewal_installed: bool,
    pub attention: Attention,
}

#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// The worst of the certificates'.
    pub attention: Attention,
    pub certificates: Vec<CheckedCertificate>,
}

/// Judges every personal certificate (not an authority's, with a private
/// key, on a card too; only client-authentication ones if `client_auth_only`)
/// at `now` with the renewal window `window`, in the list's order.
pub fn check(overview: &Overview, now: OffsetDateTime, window: Duration, client_auth_only: bool) -> Check {
    let certificates: Vec<CheckedCertificate> = personal(overview)
        .into_iter()
        .filter(|(identity, _)| !client_auth_only || identity.certificate.client_auth)
        .map(|(identity, health)| {
            let cert = &identity.certificate;
            let renewal_installed = health::usable_renewal(cert, &overview.identities, now, window).is_some();
            let attention = match health.status {
                _ if renewal_installed => Attention::None,
                Status::Expired => Attention::Expired,
                Status::Expiring => Attention::RenewalDue,
                Status::Valid | Status::NotYetValid => Attention::None,
            };
            CheckedCertificate {
                id: identity.id.clone(),
                name: cert.display_name().to_owned(),
                issuer_name: cert.issuer_display_name().to_owned(),
                subject: cert.subject.rfc4514.clone(),
                issuer: cert.issuer.rfc4514.clone(),
                not_after: rfc3339(cert.not_after),
                status: health.status,
                days_left: (cert.not_after - now).whole_days(),
                superseded: health.superseded(),
                renewal_installed,
                attention,
            }
        })
        .collect();
    let attention = certificates.iter().map(|c| c.attention).max().unwrap_or(Attention::None);
    Check { attention, certificates }
}

/// The certificates "Add to calendar" takes when none is named: the
/// personal ones, as the check judges them.
pub fn personal_certificates(overview: &Overview) -> Vec<&crate::model::Identity> {
    personal(overview).into_iter().map(|(identity, _)| identity).collect()
}

/// The personal certificates (with a private key, not an authority's: the
/// list leaves authorities out), in the list's order, with their health.
fn personal(overview: &Overview) -> Vec<(&crate::model::Identity, &crate::health::Assessment)> {
    let mut listed = super::list(overview, &super::ListFilter::default());
    listed.retain(|(identity, _)| identity.key.has_private_key());
    listed
}

/// This computer's name, as a fleet's report names the host: `gethostname`
/// on Unix, `COMPUTERNAME` on Windows; empty when it cannot be read.
pub fn host_name() -> String {
    #[cfg(unix)]
    {
        let mut buffer = [0u8; 256];
        // SAFETY: the buffer is valid for its length; gethostname writes at most that much.
        let ok = unsafe { libc::gethostname(buffer.as_mut_ptr().cast(), buffer.len()) } == 0;
        let end = buffer.iter().position(|&b| b == 0).unwrap_or(buffer.len());
        if ok {
            String::from_utf8_lossy(&buffer[..end]).into_owned()
        } else {
            String::new()
        }
    }
    #[cfg(not(unix))]
    {
        std::env::var("COMPUTERNAME").unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Certificate, Identity, KeyStatus};

    const CA_DER: &[u8] = include_bytes!("../../../../tests/fixtures/tls/wine-ca.der");

    /// The fixture CA's certificate, as a personal one with a key, valid
    /// from `from` to `until` (days from `now`): only the dates matter here,
    /// and the subject, which is `name` up to a `-` (so `old-` and `new-`
    /// of one name are renewals of one certificate).
    fn personal(from: i64, until: i64, name: &str, key: KeyStatus, now: OffsetDateTime) -> Identity {
        let mut cert = Certificate::from_der(CA_DER).unwrap();
        cert.subject.normalised = format!("cn={}", name.split('-').next().unwrap());
        cert.is_ca = false;
        cert.client_auth = true;
        cert.not_before = now + Duration::days(from);
        cert.not_after = now + Duration::days(until);
        cert.sha256 = format!("{name:0>64}");
        Identity::new(cert, key, Some(name.into()), "nss:/tmp/db")
    }

    fn overview(identities: Vec<Identity>, now: OffsetDateTime) -> Overview {
        let assessments = health::assess(&identities, now, Duration::days(90));
        Overview { identities, assessments }
    }

    #[test]
    fn the_worst_certificate_decides_and_an_installed_renewal_needs_nothing() {
        let now = time::macros::datetime!(2026-12-03 0:00 UTC);
        let window = Duration::days(90);
        let judged = |identities: Vec<Identity>| check(&overview(identities, now), now, window, false);

        let fine = judged(vec![personal(-10, 300, "a", KeyStatus::Exportable, now)]);
        assert_eq!((fine.attention, fine.attention.exit_code()), (Attention::None, 0));

        let due = judged(vec![personal(-300, 30, "a", KeyStatus::Exportable, now)]);
        assert_eq!((due.attention, due.attention.exit_code()), (Attention::RenewalDue, 3));
        assert_eq!(due.certificates[0].days_left, 30);

        let expired = judged(vec![
            personal(-400, -2, "a", KeyStatus::Exportable, now),
            personal(-300, 30, "b", KeyStatus::Exportable, now),
        ]);
        assert_eq!((expired.attention, expired.attention.exit_code()), (Attention::Expired, 4));
        assert_eq!(expired.certificates.iter().find(|c| c.days_left == -2).unwrap().attention, Attention::Expired);

        // The same subject and issuer renewed: with its key and valid now, the old one is no concern.
        let renewed = judged(vec![
            personal(-400, -2, "hanako-old", KeyStatus::Exportable, now),
            personal(-5, 700, "hanako-new", KeyStatus::OnToken, now),
        ]);
        assert_eq!(renewed.attention, Attention::None, "{renewed:#?}");
        let old = renewed.certificates.iter().find(|c| c.days_left == -2).unwrap();
        assert!(old.renewal_installed && old.superseded);

        // A renewal without its key, or not valid yet, does not count as installed.
        for renewal in [
            personal(-5, 700, "taro-new", KeyStatus::None, now),
            personal(5, 700, "taro-new", KeyStatus::Exportable, now),
        ] {
            let pending = judged(vec![personal(-300, 30, "taro-old", KeyStatus::Exportable, now), renewal]);
            assert_eq!(pending.attention, Attention::RenewalDue, "{pending:#?}");
        }
    }

    #[test]
    fn authorities_and_certificates_without_a_key_are_not_checked_and_client_auth_narrows() {
        let now = time::macros::datetime!(2026-12-03 0:00 UTC);
        let mut ca = personal(-400, -2, "ca", KeyStatus::None, now);
        ca.certificate.is_ca = true;
        let keyless = personal(-400, -2, "keyless", KeyStatus::None, now);
        let mut server = personal(-400, -2, "server", KeyStatus::Exportable, now);
        server.certificate.client_auth = false;
        let all = vec![ca, keyless, server];
        let judged = check(&overview(all.clone(), now), now, Duration::days(90), false);
        assert_eq!(judged.certificates.len(), 1, "only the one with a key: {judged:#?}");
        assert_eq!(judged.attention, Attention::Expired);
        let client_only = check(&overview(all, now), now, Duration::days(90), true);
        assert!(client_only.certificates.is_empty());
        assert_eq!(client_only.attention.exit_code(), 0);
    }
}
