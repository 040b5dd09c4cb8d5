//! The command line as clap sees it, and its conversion into settings the
//! commands can use without re-checking.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use certdesk_core::actions::{Authorities, ListFilter, Search, StatusFilter};
use certdesk_core::{Error, RenewalWindow, StoreSpec};

#[derive(Debug, Parser)]
#[command(name = "certdesk", version, about = "Find, check, export and clean up your personal certificates")]
pub struct Cli {
    /// The certificate store: nss:FOLDER, windows:CurrentUser\My, keychain:login, or a
    /// card or token: pkcs11:MODULE[#token=LABEL] (see `certdesk tokens`)
    /// [default: nss:~/.pki/nssdb on Linux, windows:CurrentUser\My, keychain:login]
    #[arg(long, global = true, env = "CERTDESK_STORE", value_name = "SPEC")]
    pub store: Option<String>,

    /// Print JSON instead of a table (errors too, as {"error":{"kind","message"}})
    #[arg(long, global = true)]
    pub json: bool,

    /// Renewal window: a certificate expiring within this many days is "expiring"
    #[arg(long, global = true, value_name = "DAYS", default_value_t = RenewalWindow::DEFAULT_DAYS,
          value_parser = clap::value_parser!(u32).range(0..=i64::from(RenewalWindow::MAX_DAYS)))]
    pub within: u32,

    /// List the present cards and tokens beside the store (the default when
    /// --store is not given); a Firefox profile adds its security devices
    #[arg(long, global = true)]
    pub tokens: bool,

    /// Log in to the card or token (--store pkcs11:…), or to each present card
    /// that shows more once unlocked (the default view, --tokens), first, so
    /// their private objects show too; the PIN is asked for (hidden), or read
    /// with --pin-file (one card)
    #[arg(long, global = true)]
    pub login: bool,

    /// With --login: read the PIN from the first line of this file
    #[arg(long, global = true, value_name = "FILE", requires = "login")]
    pub pin_file: Option<PathBuf>,

    /// The Primary Password of an NSS database (a Firefox profile's), from the
    /// first line of this file; without it certdesk asks at a terminal when
    /// the database has one, or reads the CERTDESK_DB_PASSWORD variable
    #[arg(long, global = true, value_name = "FILE")]
    pub db_password_file: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum RemindersCommand {
    /// Create the daily check (replacing one certdesk made before)
    On {
        /// The scheduler to use [default: this computer's]
        #[arg(long, value_enum)]
        scheduler: Option<SchedulerChoice>,
    },
    /// Remove the daily check
    Off,
    /// Whether the daily check exists, and with which scheduler
    Status,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum SchedulerChoice {
    SystemdTimer,
    XdgAutostart,
    ScheduledTask,
    LaunchAgent,
}

impl From<SchedulerChoice> for certdesk_core::reminders::Scheduler {
    fn from(choice: SchedulerChoice) -> Self {
        use certdesk_core::reminders::Scheduler;
        match choice {
            SchedulerChoice::SystemdTimer => Scheduler::SystemdTimer,
            SchedulerChoice::XdgAutostart => Scheduler::XdgAutostart,
            SchedulerChoice::ScheduledTask => Scheduler::ScheduledTask,
            SchedulerChoice::LaunchAgent => Scheduler::LaunchAgent,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the certificates in the store, duplicates grouped together
    List(ListArgs),
    /// Show every field of one certificate
    Show {
        /// The certificate's id (at least 8 characters of it)
        id: String,
    },
    /// Delete certificates and their private keys (a key another certificate uses stays)
    Delete {
        /// Ids of the certificates to delete (at least 8 characters each)
        #[arg(required = true)]
        ids: Vec<String>,
        /// Do not ask for confirmation (needed when not on a terminal)
        #[arg(long)]
        yes: bool,
    },
    /// Show expired and superseded certificates, and delete them with --apply
    Cleanup {
        /// Delete the candidates (after confirmation unless --yes)
        #[arg(long)]
        apply: bool,
        /// Do not ask for confirmation
        #[arg(long)]
        yes: bool,
    },
    /// Show what a .pfx/.p12, PEM or DER file holds, how it is protected, and where it will import
    Inspect {
        file: PathBuf,
        #[command(flatten)]
        password: PasswordArgs,
    },
    /// Re-encode a .pfx/.p12 file in another profile, e.g. for an older Windows or Mac ("PFX doctor")
    Convert {
        file: PathBuf,
        /// Where to write the new file
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        #[arg(long, value_enum, default_value_t = ProfileArg::Compatible)]
        profile: ProfileArg,
        /// Replace OUT if it exists
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        password: PasswordArgs,
        /// Read the new file's password from the first line of this file
        #[arg(long, value_name = "FILE")]
        new_password_file: Option<PathBuf>,
    },
    /// Export a certificate with its private key (and chain) as a password-protected .pfx/.p12
    Export {
        /// The certificate's id (at least 8 characters of it)
        id: String,
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        #[arg(long, value_enum, default_value_t = ProfileArg::Compatible)]
        profile: ProfileArg,
        /// Leave out the issuing certificates
        #[arg(long)]
        no_chain: bool,
        /// Replace OUT if it exists
        #[arg(long)]
        force: bool,
        /// The new file's password: from the first line of this file
        #[arg(long, value_name = "FILE", conflicts_with = "password_stdin")]
        password_file: Option<PathBuf>,
        /// The new file's password: from the first line of standard input
        #[arg(long)]
        password_stdin: bool,
    },
    /// Export certificates with their private keys into a folder, one .pfx each under one
    /// password, plus a plain list of what was exported (for moving to a new PC)
    ExportFolder {
        /// Where to write the files
        folder: PathBuf,
        /// Ids of the certificates (at least 8 characters each); none = every one whose key can be exported
        ids: Vec<String>,
        #[arg(long, value_enum, default_value_t = ProfileArg::Compatible)]
        profile: ProfileArg,
        /// Leave out the issuing certificates
        #[arg(long)]
        no_chain: bool,
        /// Replace files of the same names
        #[arg(long)]
        force: bool,
        /// The files' password: from the first line of this file
        #[arg(long, value_name = "FILE", conflicts_with = "password_stdin")]
        password_file: Option<PathBuf>,
        /// The files' password: from the first line of standard input
        #[arg(long)]
        password_stdin: bool,
    },
    /// Check a site: is its certificate trusted, which CAs does it accept for client
    /// certificates, and which of yours to use; with --identity, try that certificate
    Probe {
        /// https://host/…, host or host:port (443 by default)
        site: String,
        /// Complete a handshake as this certificate (its id, 8+ characters); the key stays in the store
        #[arg(long, value_name = "ID")]
        identity: Option<String>,
        /// Send the certificate even to a server not trusted here (it may not be the site it claims to be)
        #[arg(long, requires = "identity")]
        insecure: bool,
    },
    /// macOS identity preferences: which certificate Safari offers to which site
    #[command(subcommand)]
    Prefs(PrefsCommand),
    /// Write the renewal dates of certificates (default: every personal one) to an
    /// iCalendar file: an all-day event when the renewal window opens, one on expiry
    Calendar {
        /// Certificate ids (at least 8 characters each); none: every personal certificate
        ids: Vec<String>,
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Replace OUT if it exists
        #[arg(long)]
        force: bool,
    },
    /// Whether a personal certificate needs attention, for fleet tools (Intune,
    /// SCCM, Jamf, Ansible): exit 0 nothing to do, 3 one is in its renewal
    /// window (--within DAYS), 4 one has expired; a certificate whose renewal
    /// (with its key, valid now) is installed needs nothing
    Check {
        /// Only client-authentication certificates
        #[arg(long)]
        client_auth: bool,
        /// Show a desktop notification for each client certificate that
        /// entered its renewal window, has 14 days left or expired, once per
        /// certificate and stage, with the app's settings (its store, renewal
        /// window and language; --store overrides the store). What the daily
        /// reminder schedule runs (`certdesk reminders on`); exits 0 unless it fails
        #[arg(long, conflicts_with = "client_auth")]
        notify: bool,
    },
    /// Daily reminders before certificates expire: `on` has the system's
    /// scheduler run `certdesk check --notify` once a day (a systemd user
    /// timer, an autostart entry, a Task Scheduler task or a LaunchAgent),
    /// `off` removes it, `status` tells
    #[command(subcommand)]
    Reminders(RemindersCommand),
    /// List the PKCS#11 modules, their slots (readers) and tokens (cards),
    /// with each PIN's state and what to do when it needs care
    Tokens {
        /// Also read this module (a card vendor's PKCS#11 library); may be repeated
        #[arg(long, value_name = "PATH")]
        module: Vec<PathBuf>,
    },
    /// Import a PKCS#12 (.pfx/.p12) file into the store
    Import {
        file: PathBuf,
        /// Mark the private key as never exportable
        #[arg(long)]
        not_exportable: bool,
        #[command(flatten)]
        password: PasswordArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum PrefsCommand {
    /// List identity preferences, stale ones marked
    List {
        /// Only stale preferences (certificate gone, expired or superseded)
        #[arg(long)]
        stale: bool,
    },
    /// Delete identity preferences by id, or every stale one
    Delete {
        /// Ids from `certdesk prefs list`
        #[arg(required_unless_present = "stale", conflicts_with = "stale")]
        ids: Vec<String>,
        /// Delete every stale preference
        #[arg(long)]
        stale: bool,
        /// Do not ask for confirmation
        #[arg(long)]
        yes: bool,
    },
    /// Point stale preferences at their installed renewal (the site keeps
    /// getting a certificate without asking, now the one that works)
    Repair {
        /// Ids from `certdesk prefs list`
        #[arg(required_unless_present = "stale", conflicts_with = "stale")]
        ids: Vec<String>,
        /// Repair every stale preference that has a renewal installed
        #[arg(long)]
        stale: bool,
    },
    /// Have Safari present this certificate to every page of SITE without asking
    Use {
        /// https://host/…, host or host:port
        site: String,
        /// The certificate's id (at least 8 characters of it)
        identity: String,
    },
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only certificates with this status
    #[arg(long, value_parser = ["expired", "expiring", "superseded", "valid", "not_yet_valid"])]
    pub status: Option<String>,
    /// Only certificates whose issuer contains this text (any case)
    #[arg(long, value_name = "TEXT")]
    pub issuer: Option<String>,
    /// Only certificates that allow client authentication
    #[arg(long)]
    pub client_auth: bool,
    /// Also say whether each chain reaches a root this computer trusts
    #[arg(long)]
    pub trust: bool,
    /// Also list CA certificates (issuers), which are not personal certificates
    #[arg(long)]
    pub all: bool,
    /// Only certificates whose subject, issuer, email or friendly name holds
    /// this text (any case, width or kana), or whose serial number or
    /// thumbprint holds these hex digits (colons and spaces allowed): the
    /// app's search box
    #[arg(long, value_name = "TEXT")]
    pub search: Option<String>,
}

/// Where a password comes from. Never the command line itself: argv is
/// visible to every user of the machine.
#[derive(Debug, Args)]
pub struct PasswordArgs {
    /// Read the password from the first line of this file
    #[arg(long, value_name = "FILE", conflicts_with = "password_stdin")]
    pub password_file: Option<PathBuf>,
    /// Read the password from the first line of standard input
    #[arg(long)]
    pub password_stdin: bool,
}

/// The two profiles certdesk writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ProfileArg {
    /// TripleDES and SHA-1: Windows 7 and later, every Mac, Java 8, OpenSSL 3
    Compatible,
    /// AES-256 and SHA-256: Windows 10 1709+, macOS 15+, OpenSSL 3, Java 17
    Modern,
}

impl From<ProfileArg> for certdesk_core::pkcs12::Profile {
    fn from(p: ProfileArg) -> Self {
        match p {
            ProfileArg::Compatible => certdesk_core::pkcs12::Profile::Compatible,
            ProfileArg::Modern => certdesk_core::pkcs12::Profile::Modern,
        }
    }
}

impl ListArgs {
    /// What the core's list is narrowed to (`--status`, `--issuer`, `--client-auth`, `--all`, `--search`).
    pub fn filter(&self) -> ListFilter {
        ListFilter {
            status: self.status.as_deref().map(|s| match s {
                "superseded" => StatusFilter::Superseded,
                other => StatusFilter::Status(other.parse().expect("clap checked the value")),
            }),
            issuer: self.issuer.clone(),
            client_auth_only: self.client_auth,
            authorities: if self.all { Authorities::Shown } else { Authorities::Hidden },
            search: self.search.as_deref().and_then(Search::new),
        }
    }
}

impl Cli {
    pub fn store_spec(&self) -> Result<StoreSpec, Error> {
        match &self.store {
            Some(spec) => spec.parse(),
            None => Ok(StoreSpec::default_for_this_os()),
        }
    }

    pub fn renewal_window(&self) -> time::Duration {
        RenewalWindow::of_days(self.within).unwrap_or_default().duration()
    }
}
