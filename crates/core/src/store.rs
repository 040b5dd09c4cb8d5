//! Key stores: the `Keystore` trait, how a store is named (`StoreSpec`), and
//! the store-independent rules for deleting (which keys go with a certificate).
//!
//! Backends only translate between a platform store and the model; every
//! decision is made here or in `health`.

use std::path::PathBuf;

use serde::Serialize;
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::model::Identity;
use crate::prefs::PreferenceRecord;
use crate::secret::Secret;

pub mod capi_blob;
pub mod keychain_status;
#[cfg(target_os = "macos")]
pub mod macos;
#[cfg(unix)]
pub mod nss;
pub mod pkcs11;
pub mod signing;
#[cfg(windows)]
pub mod windows;
pub mod with_tokens;

/// A store of personal certificates and their private keys.
pub trait Keystore: Send + Sync {
    /// The spec that names this store (`nss:/home/me/.pki/nssdb`).
    fn spec(&self) -> String;

    /// Every certificate in the store, with the status of its private key.
    fn list(&self) -> Result<Vec<Identity>>;

    /// Imports a PKCS#12 file: all of it or, on failure, nothing.
    /// `exportable: false` marks the imported private key as never exportable.
    /// The file comes already read (`ImportFile::contents`): a backend that
    /// needs only what is in it never parses it again.
    fn import_pkcs12(&self, file: &ImportFile<'_>, exportable: bool) -> Result<ImportOutcome>;

    /// The private key of `identity` as a PKCS#8 PrivateKeyInfo, for the
    /// PKCS#12 codec to write: every store exports key material and certdesk
    /// writes the file, so every platform writes the same profiles.
    fn export_private_key(&self, identity: &Identity) -> Result<Zeroizing<Vec<u8>>>;

    /// Certificates the store keeps apart from the listed ones that may
    /// complete a chain on export (Windows' `CA` and `Root` stores). NSS
    /// lists every certificate, so it has none extra.
    fn issuer_candidates(&self) -> Result<Vec<crate::model::Certificate>> {
        Ok(Vec::new())
    }

    /// Certificates the system already trusts or holds outside the store
    /// (macOS's System and system-roots keychains): an import leaves such
    /// chain certificates out instead of copying them into the store.
    /// Stores whose importers sort chains themselves have none.
    fn trusted_elsewhere(&self) -> Result<Vec<crate::model::Certificate>> {
        Ok(Vec::new())
    }

    /// Deletes one certificate and, if the plan says so, its private key.
    fn delete(&self, step: &DeletionStep) -> Result<()>;

    /// Where the store is, when its name does not say (the login keychain's
    /// file): shown beside the name in the app's status bar and `--json`.
    fn location(&self) -> Option<String> {
        None
    }

    /// macOS identity preferences (`iprf` items); other stores have none.
    /// `prefs::assess` decides which are stale.
    fn identity_preferences(&self) -> Result<Vec<PreferenceRecord>> {
        Err(Error::not_on_this_platform("managing identity preferences (a macOS keychain feature)"))
    }

    /// What a preference's persistent reference names, wherever it lives
    /// (another keychain, a token); `Resolved::Nothing` when it is gone.
    fn resolve_preference(&self, _record: &PreferenceRecord) -> crate::prefs::Resolved {
        crate::prefs::Resolved::Nothing
    }

    /// A key that signs inside the store, to complete a TLS handshake as
    /// `identity` (`certdesk probe --identity`): the key never leaves the store.
    fn signing_key(&self, _identity: &Identity) -> Result<std::sync::Arc<dyn rustls::sign::SigningKey>> {
        Err(Error::not_on_this_platform("signing with a stored key"))
    }

    /// Deletes exactly the item `record` was read from (not every item of
    /// its service); an item already gone is `AlreadyGone`, not an error.
    fn delete_identity_preference(&self, _record: &PreferenceRecord) -> Result<crate::prefs::Removed> {
        Err(Error::not_on_this_platform("managing identity preferences (a macOS keychain feature)"))
    }

    /// Points the preference item `record` was read from at `to`: its
    /// reference and `account` replaced, its service (the name the app that
    /// made it looks up) kept. `prefs::repair` decides who gets what.
    fn repoint_identity_preference(&self, _record: &PreferenceRecord, _to: &Identity, _account: &str) -> Result<()> {
        Err(Error::not_on_this_platform("managing identity preferences (a macOS keychain feature)"))
    }

    /// Adds a preference item for `service`, pointing at `to`, to the login keychain.
    fn add_identity_preference(&self, _service: &str, _to: &Identity, _account: &str) -> Result<()> {
        Err(Error::not_on_this_platform("managing identity preferences (a macOS keychain feature)"))
    }
}

/// A PKCS#12 file to import: its bytes and password, for a store whose
/// importer reads files itself (Windows, macOS), and what certdesk's reader
/// found in it, for one that takes objects (NSS) and for every backend's
/// plan of what is new.
pub struct ImportFile<'a> {
    pub bytes: &'a [u8],
    pub password: &'a Secret,
    pub contents: &'a crate::pkcs12::Pkcs12,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportOutcome {
    /// Ids of certificates that were added.
    pub added: Vec<String>,
    /// Ids of certificates that were in the store already (left as they were).
    pub already_present: Vec<String>,
    /// Ids of root CA certificates in the file that were not installed: a
    /// root changes what the computer trusts, so the store's own tool must add it.
    pub not_installed: Vec<String>,
}

/// One certificate to delete, and whether its private key goes with it.
#[derive(Debug, Clone, Serialize)]
pub struct DeletionStep {
    pub identity: Identity,
    pub remove_key: bool,
    /// When the key stays: the id of a certificate that is kept and uses it.
    pub key_kept_for: Option<String>,
}

/// Plans the deletion of `targets` from a store holding `all`.
///
/// A renewal may reuse the old key pair, so a certificate's private key is
/// removed only when no certificate that stays in the store uses the same
/// key. When several targets share one key, it goes with the last of them.
pub fn plan_deletion(all: &[Identity], targets: &[&Identity]) -> Vec<DeletionStep> {
    let is_target = |i: &Identity| targets.iter().any(|t| t.id == i.id);
    targets
        .iter()
        .enumerate()
        .map(|(position, target)| {
            let cert = &target.certificate;
            let kept_user = all.iter().find(|other| !is_target(other) && other.certificate.shares_key_with(cert));
            let later_target_takes_key =
                targets[position + 1..].iter().any(|later| later.certificate.shares_key_with(cert));
            DeletionStep {
                identity: (*target).clone(),
                remove_key: target.key.has_private_key() && kept_user.is_none() && !later_target_takes_key,
                key_kept_for: kept_user.map(|k| k.id.clone()),
            }
        })
        .collect()
}

/// How a store is named on the command line and in settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreSpec {
    /// An NSS shared database folder (`sql:` form). `explicit` is false for the
    /// default `~/.pki/nssdb`, which is created if absent.
    Nss { dir: PathBuf, explicit: bool },
    /// A Windows system store, `CurrentUser\My` by default.
    Windows { location: String, name: String },
    /// A macOS keychain, `login` by default.
    Keychain { name: String },
    /// The tokens of a PKCS#11 module (`pkcs11:MODULE[#token=LABEL]`), or the one labelled `token`.
    Token { module: PathBuf, token: Option<String> },
}

impl StoreSpec {
    /// The store certdesk uses when none is named: what the platform's
    /// browsers use for client certificates.
    pub fn default_for_this_os() -> StoreSpec {
        if cfg!(windows) {
            StoreSpec::Windows { location: "CurrentUser".into(), name: "My".into() }
        } else if cfg!(target_os = "macos") {
            StoreSpec::Keychain { name: "login".into() }
        } else {
            StoreSpec::Nss { dir: default_nss_dir(), explicit: false }
        }
    }

    /// Opens the store this spec names.
    pub fn open(&self) -> Result<Box<dyn Keystore>> {
        self.open_with_password(None)
    }

    /// Opens the store this spec names, logging in to an NSS database with
    /// its Primary Password when it has one (other stores have none).
    #[cfg_attr(not(unix), allow(unused_variables))] // NSS databases are read on Linux only
    pub fn open_with_password(&self, database_password: Option<&Secret>) -> Result<Box<dyn Keystore>> {
        match self {
            #[cfg(unix)]
            StoreSpec::Nss { dir, explicit } => {
                let store = nss::NssStore::open(dir, !explicit)?;
                Ok(Box::new(match database_password {
                    Some(password) => store.with_password(password.clone()),
                    None => store,
                }))
            }
            #[cfg(windows)]
            StoreSpec::Windows { location, name } => Ok(Box::new(windows::WindowsStore::open(location, name)?)),
            #[cfg(target_os = "macos")]
            StoreSpec::Keychain { name } => Ok(Box::new(macos::KeychainStore::open(name)?)),
            StoreSpec::Token { module, token } => Ok(Box::new(pkcs11::TokenStore::open(module, token.as_deref())?)),
            #[allow(unreachable_patterns)]
            other => Err(Error::StoreUnavailable {
                store: other.to_string(),
                why: "this kind of store does not exist on this computer".into(),
            }),
        }
    }
}

impl StoreSpec {
    /// The store with the present cards and tokens beside it (the app's
    /// view, and the CLI's when no `--store` is given); a token spec is
    /// opened as it is.
    pub fn open_with_tokens(
        &self,
        added_modules: &[PathBuf],
        database_password: Option<&Secret>,
    ) -> Result<Box<dyn Keystore>> {
        let store = self.open_with_password(database_password)?;
        if matches!(self, StoreSpec::Token { .. }) {
            return Ok(store);
        }
        Ok(Box::new(with_tokens::WithTokens::new(store, &self.token_modules(added_modules))))
    }

    /// Whether this store is an NSS database with a Primary Password, asked
    /// before an operation by a caller that can ask the user for it.
    pub fn needs_database_password(&self) -> Result<bool> {
        match self {
            #[cfg(unix)]
            StoreSpec::Nss { dir, explicit } => nss::NssStore::open(dir, !explicit)?.needs_password(),
            _ => Ok(false),
        }
    }

    /// Checks that `password` opens this store (an NSS database's Primary
    /// Password) before the caller keeps it.
    #[cfg_attr(not(unix), allow(unused_variables))]
    pub fn check_database_password(&self, password: &Secret) -> Result<()> {
        match self {
            #[cfg(unix)]
            StoreSpec::Nss { dir, explicit } => {
                nss::NssStore::open(dir, !explicit)?.with_password(password.clone()).check_unlocks()
            }
            _ => Ok(()),
        }
    }

    /// The PKCS#11 modules to read with this store: the usual ones of this
    /// computer, the store's own when it is a token, a Firefox profile's
    /// security devices (`pkcs11.txt`) when it is that profile, and the ones
    /// the user added; each once.
    pub fn token_modules(&self, added: &[PathBuf]) -> Vec<PathBuf> {
        let mut modules = pkcs11::default_modules();
        match self {
            StoreSpec::Token { module, .. } => modules.push(module.clone()),
            StoreSpec::Nss { dir, .. } => {
                if let Some(text) = pkcs11::read_pkcs11_txt(&dir.join("pkcs11.txt")) {
                    modules.extend(pkcs11::modules_in_pkcs11_txt(&text));
                }
            }
            _ => {}
        }
        // A hand-edited settings file may name any number: each is loaded.
        modules.extend(added.iter().take(pkcs11::MAX_LISTED_MODULES).cloned());
        let mut unique: Vec<PathBuf> = Vec::new();
        for module in modules {
            if !unique.contains(&module) {
                unique.push(module);
            }
        }
        unique
    }
}

/// A store offered in the app's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoreChoice {
    /// The spec to open it with (`nss:/home/me/.pki/nssdb`).
    pub spec: String,
    /// "default" (the platform's store) or "firefox" (a Firefox profile's database).
    pub kind: &'static str,
    /// The Firefox profile's folder name; empty for the default.
    pub label: String,
}

/// The stores a user of this computer may mean: the platform's default and,
/// where Linux users keep client certificates, every Firefox profile on disk.
pub fn stores_on_this_computer() -> Vec<StoreChoice> {
    let mut choices =
        vec![StoreChoice { spec: StoreSpec::default_for_this_os().to_string(), kind: "default", label: String::new() }];
    if cfg!(all(unix, not(target_os = "macos"))) {
        if let Some(home) = std::env::var_os("HOME") {
            choices.extend(firefox_profiles_under(std::path::Path::new(&home)).into_iter().map(|dir| StoreChoice {
                spec: StoreSpec::Nss { dir: dir.clone(), explicit: true }.to_string(),
                kind: "firefox",
                label: dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
            }));
        }
    }
    choices
}

/// Firefox profile folders holding an NSS database, for the deb, snap and
/// Flatpak builds of Firefox, sorted.
pub fn firefox_profiles_under(home: &std::path::Path) -> Vec<PathBuf> {
    let roots =
        [".mozilla/firefox", "snap/firefox/common/.mozilla/firefox", ".var/app/org.mozilla.firefox/.mozilla/firefox"];
    let mut found: Vec<PathBuf> = roots
        .iter()
        .filter_map(|root| std::fs::read_dir(home.join(root)).ok())
        .flatten()
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|dir| dir.join("cert9.db").is_file())
        .collect();
    found.sort();
    found
}

/// Chromium's and many Linux tools' shared NSS database.
fn default_nss_dir() -> PathBuf {
    std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| PathBuf::from(".")).join(".pki/nssdb")
}

fn expand_home(path: &str) -> PathBuf {
    match path.strip_prefix("~/") {
        Some(rest) => std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default().join(rest),
        None => PathBuf::from(path),
    }
}

impl std::str::FromStr for StoreSpec {
    type Err = Error;

    fn from_str(spec: &str) -> Result<Self> {
        let (kind, rest) = spec.split_once(':').unwrap_or((spec, ""));
        match kind {
            "nss" if rest.is_empty() => Ok(StoreSpec::Nss { dir: default_nss_dir(), explicit: false }),
            "nss" => {
                let dir = rest.strip_prefix("sql:").unwrap_or(rest);
                Ok(StoreSpec::Nss { dir: expand_home(dir), explicit: true })
            }
            "windows" => {
                let (location, name) = if rest.is_empty() {
                    ("CurrentUser", "My")
                } else {
                    rest.split_once('\\').unwrap_or(("CurrentUser", rest))
                };
                Ok(StoreSpec::Windows { location: location.into(), name: name.into() })
            }
            "keychain" => Ok(StoreSpec::Keychain { name: if rest.is_empty() { "login" } else { rest }.into() }),
            "pkcs11" if rest.is_empty() => Err(Error::InvalidInput(
                "pkcs11: needs the module's path, e.g. pkcs11:/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so (see `certdesk tokens`)"
                    .into(),
            )),
            "pkcs11" => {
                let (module, token) = match rest.split_once("#token=") {
                    Some((module, label)) => (module, Some(label.to_owned())),
                    None => (rest, None),
                };
                Ok(StoreSpec::Token { module: expand_home(module), token })
            }
            _ => Err(Error::InvalidInput(format!(
                "\"{spec}\" is not a store; use nss:FOLDER, windows:CurrentUser\\My, keychain:login or pkcs11:MODULE"
            ))),
        }
    }
}

impl std::fmt::Display for StoreSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreSpec::Nss { dir, .. } => write!(f, "nss:{}", dir.display()),
            StoreSpec::Windows { location, name } => write!(f, "windows:{location}\\{name}"),
            StoreSpec::Keychain { name } => write!(f, "keychain:{name}"),
            StoreSpec::Token { module, token } => f.write_str(&pkcs11::spec_of(module, token.as_deref())),
        }
    }
}

#[cfg(test)]
mod tests;
