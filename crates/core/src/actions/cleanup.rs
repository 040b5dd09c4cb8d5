//! Clean-up: the expired and superseded certificates that may go, each with its reasons.

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
pub fn cleanup(overview: &Overview) -> Vec<CleanupItem<'_>> {
    let mut items: Vec<CleanupItem<'_>> = overview
        .cleanup_candidates()
        .into_iter()
        .filter_map(|candidate| {
            let (identity, health) = overview.entries().find(|(i, _)| i.id == candidate.id)?;
            Some(CleanupItem { identity, health, reasons: candidate.reasons })
        })
        .collect();
    items.sort_by(|a, b| super::list::list_order(a.identity, b.identity));
    items
}
