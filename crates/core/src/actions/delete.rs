//! Deleting: the plan, shown before anything happens, then carried out.

use crate::model::Identity;
use crate::overview::Overview;
use crate::store::{DeletionStep, Keystore};
use crate::Result;

/// What deleting some certificates will do, key by key, and which of them
/// are the last working certificate of their subject and issuer (a front
/// end asks twice for those).
pub struct DeletionPlan<'a> {
    pub steps: Vec<DeletionStep>,
    pub last_working: Vec<&'a Identity>,
}

impl DeletionPlan<'_> {
    pub fn is_last_working(&self, identity: &Identity) -> bool {
        self.last_working.iter().any(|i| i.id == identity.id)
    }

    /// Carries the plan out step by step, reporting each step as it completes.
    pub fn carry_out(&self, store: &dyn Keystore, done: impl FnMut(&DeletionStep)) -> Result<()> {
        crate::overview::delete(store, &self.steps, done)
    }
}

/// The plan for deleting the certificates `ids` (prefixes) name. A
/// certificate on a card is refused before anything is planned: certdesk
/// reads cards but never changes them, and on Windows deleting a
/// propagated certificate's key would delete it on the card.
pub fn plan_deletion<'a, S: AsRef<str>>(overview: &'a Overview, ids: &[S]) -> Result<DeletionPlan<'a>> {
    let targets = overview.resolve(ids)?;
    if targets.iter().any(|target| target.card.is_some()) {
        return Err(crate::token::card_is_read_only("deleting a certificate"));
    }
    Ok(plan_for(overview, &targets))
}

/// The plan for deleting `targets`, already resolved.
pub fn plan_for<'a>(overview: &'a Overview, targets: &[&'a Identity]) -> DeletionPlan<'a> {
    DeletionPlan { steps: overview.plan_deletion(targets), last_working: overview.last_working(targets) }
}
