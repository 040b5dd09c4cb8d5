//! A store read once with the health rules applied: the identities, what
//! the rules say of each, and the questions asked of them together (which
//! id a prefix means, what a deletion removes, what clean-up proposes).

use crate::health::{self, Assessment, CleanupCandidate};
use crate::model::{self, Identity};
use crate::store::{self, DeletionStep, Keystore};
use crate::{chain, trust, Result};

/// The store's identities with what the health rules say about each.
pub struct Overview {
    pub identities: Vec<Identity>,
    pub assessments: Vec<Assessment>,
}

impl Overview {
    pub fn of(store: &dyn Keystore, now: time::OffsetDateTime, renewal_window: time::Duration) -> Result<Self> {
        let identities = store.list()?;
        let assessments = health::assess(&identities, now, renewal_window);
        Ok(Overview { identities, assessments })
    }

    pub fn entries(&self) -> impl Iterator<Item = (&Identity, &Assessment)> {
        self.identities.iter().zip(&self.assessments)
    }

    pub fn cleanup_candidates(&self) -> Vec<CleanupCandidate> {
        health::cleanup_candidates(&self.identities, &self.assessments)
    }

    /// Resolves id prefixes (see `model::find_by_id_prefix`) to identities, in order, without repeats.
    pub fn resolve<S: AsRef<str>>(&self, prefixes: &[S]) -> Result<Vec<&Identity>> {
        let mut found: Vec<&Identity> = Vec::new();
        for prefix in prefixes {
            let identity = model::find_by_id_prefix(&self.identities, prefix.as_ref())?;
            if !found.iter().any(|f| f.id == identity.id) {
                found.push(identity);
            }
        }
        Ok(found)
    }

    /// Whether each identity's chain reaches a root this computer trusts
    /// (see `trust`), by id. Reads the system's roots, so it is asked for,
    /// not part of every listing.
    pub fn trust(&self, store: &dyn Keystore) -> Result<std::collections::HashMap<String, trust::Trust>> {
        let kept_apart = store.issuer_candidates()?;
        let roots = chain::system_roots();
        let trust = trust::assess(&self.identities, &kept_apart, &roots.roots, time::OffsetDateTime::now_utc());
        Ok(self.identities.iter().map(|i| i.id.clone()).zip(trust).collect())
    }

    /// Which of `targets` are the last working certificate of their subject
    /// and issuer (see `health::last_working`).
    pub fn last_working(&self, targets: &[&Identity]) -> Vec<&Identity> {
        let ids: Vec<&str> = targets.iter().map(|t| t.id.as_str()).collect();
        health::last_working(&self.identities, &self.assessments, &ids)
    }

    /// What deleting `targets` will do, key by key (see `store::plan_deletion`).
    pub fn plan_deletion(&self, targets: &[&Identity]) -> Vec<DeletionStep> {
        store::plan_deletion(&self.identities, targets)
    }
}

/// Carries out a deletion plan step by step, reporting each step as it completes.
pub fn delete(store: &dyn Keystore, steps: &[DeletionStep], mut done: impl FnMut(&DeletionStep)) -> Result<()> {
    for step in steps {
        store.delete(step)?;
        done(step);
    }
    Ok(())
}
