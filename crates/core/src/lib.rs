//! certdesk's core: the certificate model, the health rules, and the key
//! stores. Platform-free except for the store backends under `store/`.
//!
//! The CLI and the desktop app call the functions here and show their
//! answers; neither decides anything on its own.

pub mod actions;
pub mod calendar;
pub mod chain;
pub mod dn;
pub mod error;
pub mod fault;
pub mod health;
pub mod inspect;
pub mod model;
pub mod overview;
pub mod pkcs12;
pub mod prefs;
pub mod probe;
pub mod reminders;
pub mod report;
pub mod secret;
pub mod settings;
pub mod store;
pub mod token;
pub mod transfer;
pub mod trust;

pub use error::{Error, Result};
pub use health::{Assessment, CleanupCandidate, RenewalWindow, Status};
pub use model::{Certificate, Defect, Identity, KeyStatus};
pub use overview::{delete, Overview};
pub use report::ListEntry;
pub use secret::Secret;
pub use store::{DeletionStep, Keystore, StoreSpec};
