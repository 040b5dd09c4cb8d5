//! Pointing identity preferences at the certificate that works: a stale
//! preference repointed at its renewal (deleting it would make Safari ask
//! again, and the user pick the wrong one again), and a new one after a
//! successful "Try this certificate" ("Always use this certificate for this
//! site"). Which item gets which certificate, under which account, is
//! decided here; the macOS backend only writes it (`Keystore::point_preference`).
//!
//! The item keeps its service, the name the app that made it looks up, and
//! gets the renewal's persistent reference and account, as Apple's
//! `security set-identity-preference -Z SHA1 -s SERVICE` writes them.

use serde::Serialize;
use time::{Duration, OffsetDateTime};

use super::{Preference, PreferenceRecord, Staleness, Target};
use crate::health;
use crate::model::Identity;
use crate::probe;

/// Safari's application identifier, which macOS appends to the URL names it looks up.
pub const SAFARI: &str = "com.apple.Safari";

/// Why a preference is not pointed at a renewal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NotRepairable {
    /// It is not stale: its certificate works.
    NotStale,
    /// Its certificate is gone, or not one the store lists: nothing says which
    /// certificate renews it. Delete it; the site will ask again.
    CertificateUnknown,
    /// No renewal with its key and valid now is installed yet.
    NoRenewal,
}

impl NotRepairable {
    pub fn explain(self) -> &'static str {
        match self {
            NotRepairable::NotStale => "it is not stale: its certificate works",
            NotRepairable::CertificateUnknown => {
                "its certificate is gone, so nothing tells which one renews it; delete it and the site will ask again"
            }
            NotRepairable::NoRenewal => "no renewal with its key and valid now is installed; install the renewal first",
        }
    }
}

/// The installed renewal a stale `preference` should point at: the one
/// its staleness names, else the newest usable renewal of the expired or
/// keyless certificate it names.
pub fn renewal_for<'a>(
    preference: &Preference,
    identities: &'a [Identity],
    now: OffsetDateTime,
    window: Duration,
) -> Result<&'a Identity, NotRepairable> {
    let Some(stale) = &preference.stale else { return Err(NotRepairable::NotStale) };
    if let Staleness::Superseded { by } = stale {
        return identities.iter().find(|i| &i.id == by).ok_or(NotRepairable::NoRenewal);
    }
    let Target::Certificate { id, .. } = &preference.target else { return Err(NotRepairable::CertificateUnknown) };
    let old = identities.iter().find(|i| &i.id == id).ok_or(NotRepairable::CertificateUnknown)?;
    health::usable_renewal(&old.certificate, identities, now, window).ok_or(NotRepairable::NoRenewal)
}

/// The account an item gets when it points at `to`: the certificate's label
/// (what the keychain shows for it), the old item's key usage kept, and the
/// trailing space every identity preference's account has.
pub fn account_for(to: &Identity, keeping_usage_of: Option<&PreferenceRecord>) -> String {
    let label = to.friendly_name.as_deref().filter(|l| !l.is_empty()).unwrap_or(to.certificate.display_name());
    let usage = keeping_usage_of.map_or("", |record| {
        let account = record.account.strip_suffix(' ').unwrap_or(&record.account);
        match account.rfind(" [key usage 0x") {
            Some(at) if account.ends_with(']') => &account[at..],
            _ => "",
        }
    });
    format!("{label}{usage} ")
}

/// The service Safari looks up for every page of `site`: its root URL with
/// Safari's identifier (a lookup for a page tries each parent path down to
/// the root), the port only when it is not 443.
pub fn safari_service(site: &probe::Target) -> String {
    let host = if site.host.contains(':') { format!("[{}]", site.host) } else { site.host.to_ascii_lowercase() };
    let port = if site.port == 443 { String::new() } else { format!(":{}", site.port) };
    format!("https://{host}{port}/ ({SAFARI})")
}

/// What "always use this certificate for this site" does with the items
/// already there for `service` in the login keychain `login`: the first is
/// rewritten (so Safari's own item keeps its place) and any other deleted
/// (with two, the lookup would take whichever it finds first). Items for one
/// key usage, and those of other keychains (an admin's, in System), are left.
pub struct ServicePlan<'a> {
    pub rewrite: Option<&'a PreferenceRecord>,
    pub delete: Vec<&'a PreferenceRecord>,
}

pub fn plan_for_service<'a>(existing: &'a [PreferenceRecord], service: &str, login: &str) -> ServicePlan<'a> {
    let mut mine = existing
        .iter()
        .filter(|r| r.service == service && r.keychain == login && !r.account.contains(" [key usage 0x"));
    let rewrite = mine.next();
    ServicePlan { rewrite, delete: mine.collect() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Certificate, KeyStatus};
    use crate::prefs::{ServiceName, Staleness};

    const CA_DER: &[u8] = include_bytes!("../../../../tests/fixtures/tls/wine-ca.der");

    fn identity(id: &str, from: i64, until: i64, key: KeyStatus, label: Option<&str>) -> Identity {
        let now = time::macros::datetime!(2027-01-01 0:00 UTC);
        let mut cert = Certificate::from_der(CA_DER).unwrap();
        cert.is_ca = false;
        cert.not_before = now + Duration::days(from);
        cert.not_after = now + Duration::days(until);
        cert.sha256 = id.into();
        let mut identity = Identity::new(cert, key, label.map(str::to_owned), "keychain:login");
        identity.id = id.into();
        identity
    }

    fn preference(account: &str, target: Target, stale: Option<Staleness>) -> Preference {
        let record = PreferenceRecord {
            service: "https://portal.example.jp/ (com.apple.Safari)".into(),
            account: account.into(),
            certificate_ref: Some(b"ref".to_vec()),
            keychain: "/Users/yamada/Library/Keychains/login.keychain-db".into(),
        };
        Preference {
            id: super::super::preference_id(&record),
            name: ServiceName::parse(&record.service),
            record,
            target,
            stale,
            renewal: None,
        }
    }

    fn target(id: &str) -> Target {
        Target::Certificate {
            id: id.into(),
            name: "山田 花子".into(),
            status: health::Status::Expired,
            has_key: true,
            location: super::super::Location::Login,
        }
    }

    #[test]
    fn a_stale_preference_points_at_the_renewal_that_works_and_no_other() {
        let now = time::macros::datetime!(2027-01-01 0:00 UTC);
        let window = Duration::days(90);
        let store = vec![
            identity("old", -400, -2, KeyStatus::Exportable, Some("山田 花子 (2025)")),
            identity("new", -5, 700, KeyStatus::Exportable, Some("山田 花子 (2026)")),
            identity("not-yet", 30, 800, KeyStatus::Exportable, None),
        ];
        let found = |p: &Preference| renewal_for(p, &store, now, window).map(|i| i.id.as_str());

        let expired = preference("山田 花子 (2025) ", target("old"), Some(Staleness::Expired));
        assert_eq!(found(&expired), Ok("new"), "the newest usable renewal, not the one not valid yet");
        let superseded = preference("x ", target("old"), Some(Staleness::Superseded { by: "new".into() }));
        assert_eq!(found(&superseded), Ok("new"));
        let fine = preference("x ", target("new"), None);
        assert_eq!(found(&fine), Err(NotRepairable::NotStale));
        let gone = preference("x ", Target::Missing, Some(Staleness::CertificateMissing));
        assert_eq!(found(&gone), Err(NotRepairable::CertificateUnknown));
        let elsewhere = preference("x ", target("in-another-keychain"), Some(Staleness::Expired));
        assert_eq!(found(&elsewhere), Err(NotRepairable::CertificateUnknown));

        // Only a renewal that is not valid yet: nothing to point at.
        let waiting = vec![store[0].clone(), store[2].clone()];
        assert_eq!(renewal_for(&expired, &waiting, now, window).map(|i| &i.id), Err(NotRepairable::NoRenewal));
    }

    #[test]
    fn the_account_is_the_renewals_label_with_the_old_key_usage_and_a_space() {
        let renewal = identity("new", -5, 700, KeyStatus::Exportable, Some("山田 花子 (2026)"));
        let plain = preference("山田 花子 (2025) ", target("old"), None);
        assert_eq!(account_for(&renewal, Some(&plain.record)), "山田 花子 (2026) ");
        let signing = preference("山田 花子 (2025) [key usage 0x80000000] ", target("old"), None);
        assert_eq!(account_for(&renewal, Some(&signing.record)), "山田 花子 (2026) [key usage 0x80000000] ");
        assert_eq!(account_for(&renewal, None), "山田 花子 (2026) ");
        let unlabelled = identity("new", -5, 700, KeyStatus::Exportable, None);
        assert_eq!(account_for(&unlabelled, None), format!("{} ", unlabelled.certificate.display_name()));
    }

    #[test]
    fn safari_looks_up_the_sites_root_with_its_identifier() {
        let service = |site: &str| safari_service(&site.parse().unwrap());
        assert_eq!(service("https://Portal.Example.jp/login?x=1"), "https://portal.example.jp/ (com.apple.Safari)");
        assert_eq!(service("portal.example.jp:8443"), "https://portal.example.jp:8443/ (com.apple.Safari)");
        assert_eq!(service("[2001:db8::1]:443"), "https://[2001:db8::1]/ (com.apple.Safari)");
        let parsed = ServiceName::parse(&service("portal.example.jp"));
        assert_eq!((parsed.app.as_deref(), parsed.never_applies), (Some(SAFARI), None), "one Safari consults");
    }

    #[test]
    fn always_use_rewrites_safaris_own_item_and_removes_a_second_one() {
        let login = "/Users/yamada/Library/Keychains/login.keychain-db";
        let service = "https://portal.example.jp/ (com.apple.Safari)";
        let record = |account: &str, keychain: &str, service: &str| PreferenceRecord {
            service: service.into(),
            account: account.into(),
            certificate_ref: None,
            keychain: keychain.into(),
        };
        let existing = vec![
            record("old ", login, service),
            record("older ", login, service),
            record("old [key usage 0x80000000] ", login, service),
            record("admin ", "/Library/Keychains/System.keychain", service),
            record("other ", login, "https://other.example.jp/ (com.apple.Safari)"),
        ];
        let plan = plan_for_service(&existing, service, login);
        assert_eq!(plan.rewrite.map(|r| r.account.as_str()), Some("old "));
        assert_eq!(plan.delete.iter().map(|r| r.account.as_str()).collect::<Vec<_>>(), ["older "]);
        let none = plan_for_service(&existing, "https://new.example.jp/ (com.apple.Safari)", login);
        assert!(none.rewrite.is_none() && none.delete.is_empty());
    }
}
