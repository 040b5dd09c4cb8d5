//! Faults injected at named points, so that tests reach failure paths no
//! real input reaches on demand (an import the store rejects after it has
//! added part of a file). Only debug builds, which the tests run, read
//! `CERTDESK_FAULT`; a release build never fails here.

use crate::error::{Error, Result};

/// Fails when `CERTDESK_FAULT` (a comma-separated list) names `point`.
pub fn at(point: &str) -> Result<()> {
    if cfg!(debug_assertions)
        && std::env::var("CERTDESK_FAULT").is_ok_and(|points| points.split(',').any(|p| p.trim() == point))
    {
        return Err(Error::Store { store: "(test)".into(), why: format!("a fault injected at {point}") });
    }
    Ok(())
}
