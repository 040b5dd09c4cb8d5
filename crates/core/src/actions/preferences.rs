//! Identity preferences (macOS): which to delete, and deleting them.

use serde::Serialize;

use crate::overview::Overview;
use crate::prefs::{self, Preference, Removed};
use crate::store::Keystore;
use crate::{Error, Result};

/// Which preferences a deletion means.
pub enum PreferenceChoice<'a> {
    /// Those these ids (prefixes) name.
    Ids(&'a [String]),
    /// Every stale one: its certificate gone, without its key, expired, or renewed.
    Stale,
}

/// The preferences `choice` names, found before anything is deleted, so
/// that an unknown id deletes nothing.
pub fn chosen_preferences(
    store: &dyn Keystore,
    overview: &Overview,
    now: time::OffsetDateTime,
    renewal_window: time::Duration,
    choice: PreferenceChoice<'_>,
) -> Result<Vec<Preference>> {
    let found = prefs::load(store, overview, now, renewal_window)?;
    match choice {
        PreferenceChoice::Stale => Ok(found.into_iter().filter(|p| p.stale.is_some()).collect()),
        PreferenceChoice::Ids(ids) => {
            let mut chosen: Vec<Preference> = Vec::new();
            for id in ids {
                let found = prefs::find(&found, id)?;
                if !chosen.iter().any(|c| c.id == found.id) {
                    chosen.push(found.clone());
                }
            }
            Ok(chosen)
        }
    }
}

/// What became of one preference a deletion was asked for.
#[derive(Debug, Serialize)]
pub struct PreferenceDeletion {
    pub preference: Preference,
    #[serde(flatten)]
    pub outcome: DeletionOutcome,
}

#[derive(Debug, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum DeletionOutcome {
    Deleted,
    AlreadyGone,
    /// The keychain refused: `kind` and `message` as for any error.
    Failed {
        kind: &'static str,
        message: String,
    },
}

impl DeletionOutcome {
    pub fn failed(&self) -> bool {
        matches!(self, DeletionOutcome::Failed { .. })
    }
}

/// Deletes each of `chosen`, one item each, going on after a failure so
/// that every outcome is reported; a cancelled keychain prompt stops the
/// rest (the user said no), which are reported as not deleted.
pub fn delete_preferences(store: &dyn Keystore, chosen: Vec<Preference>) -> Vec<PreferenceDeletion> {
    let mut done = Vec::with_capacity(chosen.len());
    let mut cancelled = false;
    for preference in chosen {
        let outcome = if cancelled {
            DeletionOutcome::Failed {
                kind: "cancelled",
                message: "not tried: an earlier deletion was cancelled".into(),
            }
        } else {
            match store.delete_identity_preference(&preference.record) {
                Ok(Removed::Deleted) => DeletionOutcome::Deleted,
                Ok(Removed::AlreadyGone) => DeletionOutcome::AlreadyGone,
                Err(e) => {
                    cancelled = matches!(e, Error::Cancelled);
                    failure(&e)
                }
            }
        };
        done.push(PreferenceDeletion { preference, outcome });
    }
    done
}

fn failure(e: &Error) -> DeletionOutcome {
    DeletionOutcome::Failed { kind: e.kind(), message: e.to_string() }
}

/// What became of one preference a repair was asked for.
#[derive(Debug, Serialize)]
pub struct PreferenceRepair {
    pub preference: Preference,
    #[serde(flatten)]
    pub outcome: RepairOutcome,
}

#[derive(Debug, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum RepairOutcome {
    /// It now points at the renewal `to` (its id) named `to_name`.
    Repointed { to: String, to_name: String },
    /// Left as it was, and why (`prefs::repair::NotRepairable`).
    NotRepairable { reason: prefs::repair::NotRepairable, message: &'static str },
    /// The keychain refused: `kind` and `message` as for any error.
    Failed { kind: &'static str, message: String },
}

impl RepairOutcome {
    pub fn failed(&self) -> bool {
        matches!(self, RepairOutcome::Failed { .. })
    }
}

/// Points each of `chosen` at its installed renewal (`prefs::repair`),
/// going on after a failure; a cancelled keychain prompt stops the rest.
pub fn repair_preferences(
    store: &dyn Keystore,
    overview: &Overview,
    now: time::OffsetDateTime,
    renewal_window: time::Duration,
    chosen: Vec<Preference>,
) -> Vec<PreferenceRepair> {
    let mut done = Vec::with_capacity(chosen.len());
    let mut cancelled = false;
    for preference in chosen {
        let outcome = match prefs::repair::renewal_for(&preference, &overview.identities, now, renewal_window) {
            Err(reason) => RepairOutcome::NotRepairable { reason, message: reason.explain() },
            Ok(_) if cancelled => RepairOutcome::Failed {
                kind: "cancelled",
                message: "not tried: an earlier change was cancelled".into(),
            },
            Ok(renewal) => {
                let account = prefs::repair::account_for(renewal, Some(&preference.record));
                match store.repoint_identity_preference(&preference.record, renewal, &account) {
                    Ok(()) => RepairOutcome::Repointed {
                        to: renewal.id.clone(),
                        to_name: renewal.certificate.display_name().to_owned(),
                    },
                    Err(e) => {
                        cancelled = matches!(e, Error::Cancelled);
                        RepairOutcome::Failed { kind: e.kind(), message: e.to_string() }
                    }
                }
            }
        };
        done.push(PreferenceRepair { preference, outcome });
    }
    done
}

/// What "Always use this certificate for this site" did.
#[derive(Debug, Serialize)]
pub struct AlwaysUsed {
    /// The service Safari looks up for the site.
    pub service: String,
    /// It rewrote Safari's own item for the site (else it added one).
    pub replaced: bool,
    /// Other items for the site it removed, so that the lookup cannot find them first.
    pub removed: usize,
}

/// Has Safari present `identity` (an id prefix) to every page of `site`
/// without asking: Safari's item for the site pointed at it, or a new one.
/// Only a certificate with its key, valid now, is accepted.
pub fn always_use(
    store: &dyn Keystore,
    overview: &Overview,
    site: &crate::probe::Target,
    identity: &str,
) -> Result<AlwaysUsed> {
    // First: a store without identity preferences says so, whatever the id.
    let existing = store.identity_preferences()?;
    let to = overview.resolve(&[identity])?[0];
    if !crate::health::can_sign_in_now(to, time::OffsetDateTime::now_utc(), time::Duration::ZERO) {
        return Err(Error::InvalidInput(format!(
            "{} cannot sign in now (no private key here, or not valid today): choose a certificate that can",
            to.certificate.display_name()
        )));
    }
    let service = prefs::repair::safari_service(site);
    let login = store.location().unwrap_or_default();
    let plan = prefs::repair::plan_for_service(&existing, &service, &login);
    // The others first: one of them may already have the account the rewrite gives.
    let mut removed = 0;
    for record in plan.delete {
        if store.delete_identity_preference(record)? == Removed::Deleted {
            removed += 1;
        }
    }
    let replaced = match plan.rewrite {
        Some(record) => {
            store.repoint_identity_preference(record, to, &prefs::repair::account_for(to, Some(record)))?;
            true
        }
        None => {
            store.add_identity_preference(&service, to, &prefs::repair::account_for(to, None))?;
            false
        }
    };
    Ok(AlwaysUsed { service, replaced, removed })
}
