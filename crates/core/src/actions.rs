//! What a user does, one function each: list (and search), see the details of one,
//! inspect a file, export one or all, plan and carry out a deletion, clean
//! up, and list or delete identity preferences. The CLI and the app parse
//! what the user asked, call one of these, and show the answer; every rule
//! they share (the order of the list, what a new file's password may be,
//! which kind of error a situation is) lives here, once.

pub mod check;
pub mod cleanup;
pub mod delete;
pub mod details;
pub mod export;
pub mod files;
pub mod list;
pub mod preferences;
pub mod search;
pub mod tokens;

pub use check::{check, Attention, Check};
pub use cleanup::{cleanup, CleanupItem};
pub use delete::{plan_deletion, DeletionPlan};
pub use details::{details, ChainLink, Details};
pub use export::{export, refuse_existing, Destination, ExportRequest};
pub use files::{
    certificate_file, files_to_open, how_it_opens, inspect_file, CertificateFile, FileCertificate, OpenedFile, Opening,
};
pub use list::{list, Authorities, ListFilter, StatusFilter};
pub use preferences::{delete_preferences, PreferenceChoice};
pub use search::{Search, SearchIndex};
