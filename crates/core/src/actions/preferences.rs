//! Identity preferences (macOS): which to delete, and deleting them.

use crate::overview::Overview;
use crate::prefs::{self, Preference};
use crate::store::Keystore;
use crate::Result;

/// Which preferences a deletion means.
pub enum PreferenceChoice<'a> {
    /// Those these ids (prefixes) name.
    Ids(&'a [String]),
    /// Every stale one: pointing at a certificate that is gone, expired or superseded.
    Stale,
}

/// The preferences `choice` names, found before anything is deleted, so
/// that an unknown id deletes nothing.
pub fn chosen_preferences(
    store: &dyn Keystore,
    overview: &Overview,
    choice: PreferenceChoice<'_>,
) -> Result<Vec<Preference>> {
    let found = prefs::load(store, overview)?;
    match choice {
        PreferenceChoice::Stale => Ok(found.into_iter().filter(|p| p.stale.is_some()).collect()),
        PreferenceChoice::Ids(ids) => ids.iter().map(|id| prefs::find(&found, id).cloned()).collect(),
    }
}

/// Deletes `chosen`, returning each with how the store removed it.
pub fn delete_preferences(store: &dyn Keystore, chosen: Vec<Preference>) -> Result<Vec<(Preference, String)>> {
    let mut deleted = Vec::with_capacity(chosen.len());
    for preference in chosen {
        let route = store.delete_identity_preference(&preference.service)?;
        deleted.push((preference, route));
    }
    Ok(deleted)
}
