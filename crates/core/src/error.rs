//! The errors certdesk reports, and the stable kinds that scripts and the GUI rely on.
//!
//! Every message says what happened and what to do next. None of them ever
//! contains a password or key material.

use std::path::PathBuf;

/// Everything that can go wrong in certdesk's core.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("no certificate has an id starting with \"{prefix}\"; run `certdesk list` to see the ids")]
    NotFound { prefix: String },

    #[error("\"{prefix}\" matches {count} certificates; type more characters of the id")]
    AmbiguousId { prefix: String, count: usize },

    #[error("{0}")]
    InvalidInput(String),

    #[error("this certificate cannot be read ({why}); it is not a valid X.509 certificate")]
    BadCertificate { why: String },

    #[error("this password does not open the file; check it and retry")]
    WrongPassword,

    #[error("the file is damaged ({why}); ask for a fresh export")]
    Corrupt { why: String },

    #[error("{what} is not supported{hint}")]
    Unsupported { what: String, hint: String },

    #[error("the private key of this certificate cannot be exported ({why})")]
    NotExportable { why: String },

    #[error("the certificate store {store} cannot be opened: {why}")]
    StoreUnavailable { store: String, why: String },

    #[error("the certificate store {store} refused the operation: {why}")]
    Store { store: String, why: String },

    #[error("{tool} is needed for this and was not found; install it ({package})")]
    ToolMissing { tool: &'static str, package: &'static str },

    #[error("{path} already exists; choose another name or allow overwriting (--force)")]
    AlreadyExists { path: PathBuf },

    #[error("{what}: {source}{}", io_hint(.source))]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },

    /// What certdesk wrote did not read back as it meant to write it: a
    /// fault of the writer or of the disk, caught before the file took its name.
    #[error(
        "{what} did not read back as certdesk wrote it ({why}); nothing was saved. \
         Try again; if it happens again, save to another disk"
    )]
    NotVerified { what: String, why: String },

    #[error("cancelled; nothing was changed")]
    Cancelled,

    #[error("{what} failed: {why}; check the address, the network and any proxy (HTTPS_PROXY)")]
    Network { what: String, why: String },

    /// Refused before the user's certificate was sent: it would tell a
    /// stranger who the user is, and sign for them.
    #[error(
        "{site} is not trusted here ({why}); certdesk did not send your certificate. \
         Check the address; to try anyway use --insecure"
    )]
    ServerNotTrusted { site: String, why: String },

    /// A card's PIN was refused. Never repeated on its own: each wrong try
    /// brings the card nearer to locking (`token::pin_advice` says how near).
    #[error(
        "the PIN of \"{token}\" is wrong; the card counts wrong tries and locks after a few. \
         Check it before trying again (`certdesk tokens` shows how many are left)"
    )]
    WrongPin { token: String },

    #[error(
        "the PIN of \"{token}\" is locked, so the card cannot be used until it is unblocked; \
         `certdesk tokens` says how (for a My Number card: at your city office, or with the JPKI PIN reset app)"
    )]
    PinLocked { token: String },

    /// An NSS database (a Firefox profile's, usually) with a Primary
    /// Password, opened without it: nothing in it can be read or changed.
    #[error(
        "the certificate store {store} is protected by a Primary Password; enter it when certdesk asks, \
         or give it with --db-password-file FILE"
    )]
    DatabaseLocked { store: String },

    #[error(
        "this is not the Primary Password of {store}; check it and retry (it is the password Firefox asks \
         for when it opens your certificates)"
    )]
    WrongDatabasePassword { store: String },

    #[error(
        "{scheduler} did not {action} certdesk's daily reminder check: {why}; try again, or turn \
         reminders off and on in certdesk's settings"
    )]
    Scheduler { scheduler: &'static str, action: &'static str, why: String },

    /// The user told macOS not to let certdesk notify: reminders would never show.
    #[error(
        "macOS does not let certdesk show notifications: turn them on in System Settings › Notifications › \
         certdesk, then turn reminders on again"
    )]
    NotificationsOff,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Every kind, in the order of `Error`'s variants: a test checks that this
    /// list, the CLI and the GUI catalogue agree.
    pub const KINDS: &'static [&'static str] = &[
        "not_found",
        "ambiguous_id",
        "invalid_input",
        "bad_certificate",
        "wrong_password",
        "corrupt",
        "unsupported",
        "not_exportable",
        "store_unavailable",
        "store",
        "tool_missing",
        "already_exists",
        "io",
        "not_verified",
        "cancelled",
        "network",
        "server_not_trusted",
        "wrong_pin",
        "pin_locked",
        "database_locked",
        "wrong_database_password",
        "scheduler",
        "notifications_off",
    ];

    /// The stable snake_case name of this error, as the CLI's JSON and the GUI see it.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::NotFound { .. } => "not_found",
            Error::AmbiguousId { .. } => "ambiguous_id",
            Error::InvalidInput(_) => "invalid_input",
            Error::BadCertificate { .. } => "bad_certificate",
            Error::WrongPassword => "wrong_password",
            Error::Corrupt { .. } => "corrupt",
            Error::Unsupported { .. } => "unsupported",
            Error::NotExportable { .. } => "not_exportable",
            Error::StoreUnavailable { .. } => "store_unavailable",
            Error::Store { .. } => "store",
            Error::ToolMissing { .. } => "tool_missing",
            Error::AlreadyExists { .. } => "already_exists",
            Error::Io { .. } => "io",
            Error::NotVerified { .. } => "not_verified",
            Error::Cancelled => "cancelled",
            Error::Network { .. } => "network",
            Error::ServerNotTrusted { .. } => "server_not_trusted",
            Error::WrongPin { .. } => "wrong_pin",
            Error::PinLocked { .. } => "pin_locked",
            Error::DatabaseLocked { .. } => "database_locked",
            Error::WrongDatabasePassword { .. } => "wrong_database_password",
            Error::Scheduler { .. } => "scheduler",
            Error::NotificationsOff => "notifications_off",
        }
    }

    /// True when the user can fix this by changing what they gave us
    /// (an id, an option, a file, a password): the CLI exits with 2 for these.
    /// An untrusted server is one: like an existing file, it is a refusal the
    /// user overrides with an option (`--insecure`, as `--force`).
    pub fn is_input_error(&self) -> bool {
        matches!(
            self,
            Error::NotFound { .. }
                | Error::AmbiguousId { .. }
                | Error::InvalidInput(_)
                | Error::BadCertificate { .. }
                | Error::WrongPassword
                | Error::Corrupt { .. }
                | Error::Unsupported { .. }
                | Error::AlreadyExists { .. }
                | Error::ServerNotTrusted { .. }
                | Error::WrongPin { .. }
                | Error::DatabaseLocked { .. }
                | Error::WrongDatabasePassword { .. }
        )
    }

    pub(crate) fn io(what: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io { what: what.into(), source }
    }

    /// A feature this platform's store does not have (identity preferences outside macOS).
    pub fn not_on_this_platform(what: &str) -> Self {
        Error::Unsupported { what: what.to_owned(), hint: " on this platform".to_owned() }
    }
}

/// What to do about the I/O failures a user can fix.
fn io_hint(e: &std::io::Error) -> &'static str {
    use std::io::ErrorKind;
    match e.kind() {
        ErrorKind::StorageFull | ErrorKind::QuotaExceeded | ErrorKind::FileTooLarge => {
            "; the disk is full: free some space or choose another place"
        }
        ErrorKind::ReadOnlyFilesystem => "; that place is read-only: choose another folder",
        ErrorKind::PermissionDenied => "; you may not write there: choose another folder",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one_of_each() -> Vec<Error> {
        vec![
            Error::NotFound { prefix: "abcd1234".into() },
            Error::AmbiguousId { prefix: "abcd1234".into(), count: 2 },
            Error::InvalidInput("x".into()),
            Error::BadCertificate { why: "x".into() },
            Error::WrongPassword,
            Error::Corrupt { why: "x".into() },
            Error::Unsupported { what: "x".into(), hint: String::new() },
            Error::NotExportable { why: "x".into() },
            Error::StoreUnavailable { store: "s".into(), why: "x".into() },
            Error::Store { store: "s".into(), why: "x".into() },
            Error::ToolMissing { tool: "pk12util", package: "libnss3-tools" },
            Error::AlreadyExists { path: "/x".into() },
            Error::io("x", std::io::Error::other("y")),
            Error::NotVerified { what: "x".into(), why: "y".into() },
            Error::Cancelled,
            Error::Network { what: "x".into(), why: "y".into() },
            Error::ServerNotTrusted { site: "h:443".into(), why: "x".into() },
            Error::WrongPin { token: "JPKI".into() },
            Error::PinLocked { token: "JPKI".into() },
            Error::DatabaseLocked { store: "nss:/x".into() },
            Error::WrongDatabasePassword { store: "nss:/x".into() },
            Error::Scheduler { scheduler: "systemd", action: "set up", why: "x".into() },
            Error::NotificationsOff,
        ]
    }

    #[test]
    fn a_full_disk_and_a_read_only_place_say_what_to_do() {
        #[cfg(unix)]
        let full = std::io::Error::from_raw_os_error(28); // ENOSPC
        #[cfg(windows)]
        let full = std::io::Error::from_raw_os_error(112); // ERROR_DISK_FULL
        let message = Error::io("cannot write a.pfx", full).to_string();
        assert!(message.starts_with("cannot write a.pfx: "), "{message}");
        assert!(message.ends_with("the disk is full: free some space or choose another place"), "{message}");
        let denied = std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        assert!(Error::io("x", denied).to_string().ends_with("choose another folder"));
        assert!(!Error::io("x", std::io::Error::other("y")).to_string().contains(';'));
    }

    #[test]
    fn every_variant_has_a_listed_distinct_kind() {
        let kinds: Vec<&str> = one_of_each().iter().map(Error::kind).collect();
        assert_eq!(kinds, Error::KINDS);
        let mut unique = kinds.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), kinds.len());
    }

    #[test]
    fn wrong_password_is_an_input_error_and_store_failure_is_not() {
        assert!(Error::WrongPassword.is_input_error());
        assert!(!Error::Store { store: "s".into(), why: "x".into() }.is_input_error());
    }
}
