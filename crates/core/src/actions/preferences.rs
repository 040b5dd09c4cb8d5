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
