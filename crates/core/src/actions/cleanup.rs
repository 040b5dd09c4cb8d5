//! Clean-up: the expired and superseded certificates that may go, each with its reasons.

use std::collections::HashMap;

use crate::health::{Assessment, CleanupReason};
use crate::model::Identity;
use crate::overview::Overview;

/// One certificate clean-up proposes.
pub struct CleanupItem<'a> {
    pub identity: &'a Identity,
    pub health: &'a Assessment,
    pub reasons: Vec<CleanupReason>,
}

/// What clean-up proposes, in the list's order (see `health::cleanup_candidates`).
/// A card's certificates are never among them: certdesk does not change cards.
pub fn cleanup(overview: &Overview) -> Vec<CleanupItem<'_>> {
    let by_id: HashMap<&str, (&Identity, &Assessment)> = overview.entries().map(|e| (e.0.id.as_str(), e)).collect();
    let mut items: Vec<CleanupItem<'_>> = overview
        .cleanup_candidates()
        .into_iter()
        .filter_map(|candidate| {
            let &(identity, health) = by_id.get(candidate.id.as_str())?;
            if identity.card.is_some() {
                return None;
            }
            Some(CleanupItem { identity, health, reasons: candidate.reasons })
        })
        .collect();
    items.sort_by_cached_key(|item| super::list::list_key(item.identity));
    items
}
