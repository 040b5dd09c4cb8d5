//! Smart cards and tokens read through their PKCS#11 module (OpenSC, which
//! reads My Number cards; p11-kit's proxy, which holds every module the
//! system registered; a vendor's module): their certificates, listed beside
//! the OS store's, and their state. Read-only: a card's key signs there and
//! never leaves it, and certdesk neither adds nor deletes anything on a card.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as P11Error, RvError};
use cryptoki::mechanism::rsa::{PkcsMgfType, PkcsPssParams};
use cryptoki::mechanism::{Mechanism, MechanismType};
use cryptoki::object::{Attribute, AttributeType, ObjectClass};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::{Slot, TokenInfo};
use cryptoki::types::AuthPin;
use serde::Serialize;
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::model::{Card, Certificate, Identity, KeyStatus};
use crate::secret::Secret;
use crate::store::signing::{digest, KeyKind, SignInStore, StoreSigningKey};
use crate::store::{DeletionStep, ImportFile, ImportOutcome, Keystore};
use crate::token::{CardKind, PinFlags, PinState};
use rustls::SignatureScheme;

/// A module keeps one state per process: every use of one takes turns
/// (initialise, work, finalise), as NSS's softokn does in `nss.rs`.
static MODULES: Mutex<()> = Mutex::new(());

/// The cards unlocked for this run (the app's Unlock): the module stays
/// initialised and one session stays open, so the token keeps the login
/// (a PKCS#11 login belongs to the application, not to one session) while
/// the PIN itself was dropped once it was used. Taken under `MODULES`.
static UNLOCKED: Mutex<Vec<UnlockedToken>> = Mutex::new(Vec::new());

struct UnlockedToken {
    /// Canonical: a module reached by two paths (a link) is one module.
    module: PathBuf,
    label: String,
    /// Holds the login; logged out and closed when the card is locked again.
    session: Session,
    /// The context it was opened in, finalised once its sessions are closed
    /// (the session's own reference would unload the library first).
    pkcs11: Pkcs11,
}

fn unlocked() -> std::sync::MutexGuard<'static, Vec<UnlockedToken>> {
    UNLOCKED.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn canonical(module: &Path) -> PathBuf {
    std::fs::canonicalize(module).unwrap_or_else(|_| module.to_owned())
}

/// Whether the card labelled `label` of `module` is unlocked now: an unlock
/// whose login the card lost (pulled out, reset) no longer counts, and is forgotten.
fn is_unlocked(module: &Path, label: &str) -> bool {
    let module = canonical(module);
    let mut held = unlocked();
    held.retain(|u| logged_in(&u.session));
    held.iter().any(|u| u.module == module && u.label == label)
}

/// The most certificates one token may show: a card holds a handful; a
/// module that reports more is not a card (p11-kit's trust module lists the
/// system's roots), and certdesk stops reading there.
pub const MAX_TOKEN_CERTIFICATES: usize = 1_000;

/// The most bytes one certificate object may hold before it is read.
pub const MAX_CERTIFICATE_OBJECT: usize = 64 * 1024;

/// The tokens of one PKCS#11 module, or one of them (`token`: its label).
#[derive(Clone)]
pub struct TokenStore {
    module: PathBuf,
    token: Option<String>,
    pin: Option<Secret>,
}

impl std::fmt::Debug for TokenStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenStore").field("module", &self.module).field("token", &self.token).finish()
    }
}

/// What a module says of itself, its slots and their tokens (`certdesk tokens`).
#[derive(Debug, Clone, Serialize)]
pub struct ModuleSurvey {
    pub module: PathBuf,
    /// The module's own description and version, when it loaded.
    pub library: Option<String>,
    /// Why it could not be read, when it could not.
    pub error: Option<String>,
    pub slots: Vec<SlotSurvey>,
}

/// One slot (a reader, for a card) and its token, if one is present.
#[derive(Debug, Clone, Serialize)]
pub struct SlotSurvey {
    pub id: u64,
    pub reader: String,
    pub token: Option<TokenSurvey>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TokenSurvey {
    pub label: String,
    pub manufacturer: String,
    pub model: String,
    pub serial: String,
    pub card: CardKind,
    pub pin: PinState,
    pub login_required: bool,
    /// Unlocked for this run (the app's Unlock): its private objects show.
    pub unlocked: bool,
    /// A token not yet set up by its issuer (a blank slot of SoftHSM): it holds nothing.
    pub initialized: bool,
    /// A PIN pad: the PIN is entered on the reader, never typed into certdesk.
    pub pin_pad: bool,
    /// How to name this token in `--store`.
    pub store: String,
}

impl TokenSurvey {
    fn of(module: &Path, info: &TokenInfo) -> TokenSurvey {
        let label = info.label().trim_end().to_owned();
        TokenSurvey {
            card: CardKind::of(&label, info.manufacturer_id()),
            pin: PinState::of(pin_flags(info)),
            login_required: info.login_required(),
            unlocked: is_unlocked(module, &label),
            initialized: info.token_initialized(),
            pin_pad: info.protected_authentication_path(),
            store: spec_of(module, Some(&label)),
            manufacturer: info.manufacturer_id().trim_end().to_owned(),
            model: info.model().trim_end().to_owned(),
            serial: info.serial_number().trim_end().to_owned(),
            label,
        }
    }
}

fn pin_flags(info: &TokenInfo) -> PinFlags {
    PinFlags {
        count_low: info.user_pin_count_low(),
        final_try: info.user_pin_final_try(),
        locked: info.user_pin_locked(),
        to_be_changed: info.user_pin_to_be_changed(),
    }
}

/// `pkcs11:MODULE[#token=LABEL]`, as `--store` takes it.
pub fn spec_of(module: &Path, token: Option<&str>) -> String {
    match token {
        Some(label) => format!("pkcs11:{}#token={label}", module.display()),
        None => format!("pkcs11:{}", module.display()),
    }
}

/// Loads `module`, runs `work` with it initialised, finalises it again.
fn with_module<T>(module: &Path, work: impl FnOnce(&Pkcs11) -> Result<T>) -> Result<T> {
    let _turn = MODULES.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let unavailable = |why: String| Error::StoreUnavailable { store: spec_of(module, None), why };
    if !module.is_file() {
        return Err(unavailable(
            "there is no such module file; give the full path of the card's PKCS#11 module (for OpenSC, opensc-pkcs11.so)"
                .into(),
        ));
    }
    let pkcs11 =
        Pkcs11::new(module).map_err(|e| unavailable(format!("it is not a PKCS#11 module that loads here ({e})")))?;
    match pkcs11.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
        Ok(()) | Err(P11Error::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
        Err(e) => return Err(unavailable(format!("the module would not start ({e})"))),
    }
    let result = work(&pkcs11);
    // While a card is unlocked no module is finalised: finalising its
    // module (maybe reached by another path, or through p11-kit's proxy)
    // would log it out.
    if unlocked().is_empty() {
        let _ = pkcs11.finalize();
    }
    result
}

/// Locks every card unlocked this run again (logs out, closes the session
/// that held the login, and finalises the module).
pub fn lock_all() {
    let _turn = MODULES.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let held: Vec<UnlockedToken> = std::mem::take(&mut *unlocked());
    let mut contexts: Vec<(PathBuf, Pkcs11)> = Vec::new();
    for token in held {
        let _ = token.session.logout();
        drop(token.session);
        if !contexts.iter().any(|(module, _)| *module == token.module) {
            contexts.push((token.module, token.pkcs11));
        }
    }
    for (_, pkcs11) in contexts {
        let _ = pkcs11.finalize();
    }
}

/// What every module in `modules` says of its slots and tokens. A module
/// that cannot be read is reported with why, and the others still are.
pub fn survey(modules: &[PathBuf]) -> Vec<ModuleSurvey> {
    modules
        .iter()
        .map(|module| {
            let read = with_module(module, |pkcs11| {
                let library = pkcs11.get_library_info().ok().map(|i| {
                    let v = i.library_version();
                    format!("{} {}.{}", i.library_description().trim_end(), v.major(), v.minor())
                });
                let slots = pkcs11
                    .get_all_slots()
                    .map_err(|e| Error::StoreUnavailable { store: spec_of(module, None), why: e.to_string() })?
                    .into_iter()
                    .map(|slot| SlotSurvey {
                        id: slot.id(),
                        reader: pkcs11
                            .get_slot_info(slot)
                            .map(|i| i.slot_description().trim_end().to_owned())
                            .unwrap_or_default(),
                        token: pkcs11.get_token_info(slot).ok().map(|info| TokenSurvey::of(module, &info)),
                    })
                    .collect();
                Ok((library, slots))
            });
            match read {
                Ok((library, slots)) => ModuleSurvey { module: module.clone(), library, error: None, slots },
                Err(e) => ModuleSurvey {
                    module: module.clone(),
                    library: None,
                    error: Some(e.to_string()),
                    slots: Vec::new(),
                },
            }
        })
        .collect()
}

/// Where the usual modules are on this kind of computer: p11-kit's proxy on
/// Linux (every module the system registered, OpenSC's among them), else
/// OpenSC's own. Only files that exist are returned.
pub fn default_modules() -> Vec<PathBuf> {
    let proxy: &[&str] = &[
        "/usr/lib/x86_64-linux-gnu/p11-kit-proxy.so",
        "/usr/lib/aarch64-linux-gnu/p11-kit-proxy.so",
        "/usr/lib64/p11-kit-proxy.so",
        "/usr/lib/p11-kit-proxy.so",
    ];
    let opensc: &[&str] = &[
        "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so",
        "/usr/lib/aarch64-linux-gnu/opensc-pkcs11.so",
        "/usr/lib64/opensc-pkcs11.so",
        "/usr/lib/opensc-pkcs11.so",
        "/Library/OpenSC/lib/opensc-pkcs11.so",
        "/opt/homebrew/lib/opensc-pkcs11.so",
        "/usr/local/lib/opensc-pkcs11.so",
        r"C:\Windows\System32\opensc-pkcs11.dll",
        r"C:\Program Files\OpenSC Project\OpenSC\pkcs11\opensc-pkcs11.dll",
    ];
    let first = |paths: &[&str]| paths.iter().map(PathBuf::from).find(|p| p.is_file());
    first(proxy).or_else(|| first(opensc)).into_iter().collect()
}

/// The most modules read from one list (a profile's `pkcs11.txt`, the
/// settings' added ones): a profile has a handful of security devices, and
/// every module listed is loaded.
pub const MAX_LISTED_MODULES: usize = 16;

/// The most bytes of a profile's `pkcs11.txt` read (Firefox writes a few hundred).
pub const MAX_PKCS11_TXT: u64 = 64 * 1024;

/// A profile's `pkcs11.txt`, read only up to `MAX_PKCS11_TXT`; `None` when
/// it is absent, unreadable or longer (not one Firefox wrote).
pub fn read_pkcs11_txt(path: &Path) -> Option<String> {
    use std::io::Read as _;
    let mut text = String::new();
    std::fs::File::open(path).ok()?.take(MAX_PKCS11_TXT + 1).read_to_string(&mut text).ok()?;
    (text.len() as u64 <= MAX_PKCS11_TXT).then_some(text)
}

/// The modules a Firefox profile's `pkcs11.txt` lists (`library=` lines),
/// without NSS's own (whose `library=` is empty): a profile's security
/// devices, to read beside its certificates.
pub fn modules_in_pkcs11_txt(text: &str) -> Vec<PathBuf> {
    text.lines()
        .filter_map(|line| line.trim().strip_prefix("library="))
        .map(str::trim)
        // NSS's built-in roots hold no one's identity.
        .filter(|path| !path.is_empty() && !path.ends_with("libnssckbi.so") && !path.ends_with("nssckbi.dll"))
        .map(PathBuf::from)
        .take(MAX_LISTED_MODULES)
        .collect()
}

/// Whether `session`'s token is logged in to (by an unlock this run).
fn logged_in(session: &Session) -> bool {
    use cryptoki::session::SessionState;
    session.get_session_info().is_ok_and(|i| matches!(i.session_state(), SessionState::RoUser | SessionState::RwUser))
}

/// Tokens that are not cards: p11-kit's trust module shows the system's
/// CA certificates as a token, which is not where anyone's identity lives.
fn is_trust_store(info: &TokenInfo) -> bool {
    info.model().trim_end() == "p11-kit-trust"
}

impl TokenStore {
    /// The tokens of `module`, or the one labelled `token`.
    pub fn open(module: &Path, token: Option<&str>) -> Result<TokenStore> {
        let store = TokenStore { module: module.to_owned(), token: token.map(str::to_owned), pin: None };
        with_module(module, |_| Ok(()))?;
        Ok(store)
    }

    /// Whether `identity` was listed from one of this module's tokens.
    pub fn holds(&self, identity: &Identity) -> bool {
        identity.store.strip_prefix(&spec_of(&self.module, None)).is_some_and(|rest| rest.starts_with("#token="))
    }

    /// Logs in with `pin` before listing, so private objects show too. The
    /// PIN is kept only as long as this store, and zeroised with it.
    pub fn with_pin(mut self, pin: Secret) -> TokenStore {
        self.pin = Some(pin);
        self
    }

    /// Logs in to the one token this store names with `pin` (none for a
    /// PIN-pad reader, which takes it on its keypad) and keeps the login for
    /// this run, without the PIN: the app's Unlock. A locked PIN is refused
    /// untried, a wrong one is `wrong_pin`.
    pub fn unlock(&self, pin: Option<&Secret>) -> Result<()> {
        let Some(label) = self.token.clone() else {
            return Err(Error::InvalidInput("name the card to unlock: pkcs11:MODULE#token=LABEL".into()));
        };
        with_module(&self.module, |pkcs11| {
            if is_unlocked(&self.module, &label) {
                return Ok(());
            }
            let (slot, info) =
                self.slots(pkcs11)?.into_iter().next().expect("slots() finds the labelled token or fails");
            // None on a PIN-pad reader; `log_in` refuses an empty PIN anywhere else.
            let pin = pin.cloned().unwrap_or_default();
            let session = pkcs11.open_ro_session(slot).map_err(|e| self.unavailable(&e.to_string()))?;
            self.log_in(&session, &info, &pin)?;
            unlocked().push(UnlockedToken { module: canonical(&self.module), label, session, pkcs11: pkcs11.clone() });
            Ok(())
        })
    }

    /// The state of the tokens this store reads, so a caller can warn
    /// before a login that may lock a card.
    pub fn tokens(&self) -> Result<Vec<TokenSurvey>> {
        with_module(&self.module, |pkcs11| {
            Ok(self.slots(pkcs11)?.into_iter().map(|(_, info)| TokenSurvey::of(&self.module, &info)).collect())
        })
    }

    fn slots(&self, pkcs11: &Pkcs11) -> Result<Vec<(Slot, TokenInfo)>> {
        let slots = pkcs11.get_slots_with_token().map_err(|e| self.unavailable(&e.to_string()))?;
        let mut found = Vec::new();
        for slot in slots {
            let Ok(info) = pkcs11.get_token_info(slot) else { continue };
            if !info.token_initialized() {
                continue;
            }
            let wanted = match &self.token {
                Some(label) => info.label().trim_end() == label,
                None => !is_trust_store(&info),
            };
            if wanted {
                found.push((slot, info));
            }
        }
        if found.is_empty() {
            if let Some(label) = &self.token {
                return Err(self.unavailable(&format!(
                    "no token labelled \"{label}\" is present; insert the card, or see `certdesk tokens` for the labels"
                )));
            }
        }
        Ok(found)
    }

    fn unavailable(&self, why: &str) -> Error {
        Error::StoreUnavailable { store: self.spec(), why: why.to_owned() }
    }

    /// Logs in as the user. A locked PIN is refused before it is tried.
    fn log_in(&self, session: &Session, info: &TokenInfo, pin: &Secret) -> Result<()> {
        let label = info.label().trim_end();
        if PinState::of(pin_flags(info)) == PinState::Locked {
            return Err(Error::PinLocked { token: label.to_owned() });
        }
        if pin.is_empty() && !info.protected_authentication_path() {
            // Never send an empty PIN: the card would count it as a wrong try.
            return Err(Error::InvalidInput(format!("enter the PIN of \"{label}\"; nothing was sent to the card")));
        }
        let pin_given = (!info.protected_authentication_path()).then(|| AuthPin::new(pin.expose().to_owned().into()));
        match session.login(UserType::User, pin_given.as_ref()) {
            Ok(()) | Err(P11Error::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => Ok(()),
            Err(P11Error::Pkcs11(RvError::PinIncorrect, _)) => Err(Error::WrongPin { token: label.to_owned() }),
            Err(P11Error::Pkcs11(RvError::PinLocked, _)) => Err(Error::PinLocked { token: label.to_owned() }),
            Err(e) => Err(self.unavailable(&format!("logging in to \"{label}\": {e}"))),
        }
    }

    /// The slot whose token holds `identity`'s certificate.
    fn slot_holding(&self, pkcs11: &Pkcs11, identity: &Identity) -> Result<(Slot, TokenInfo)> {
        let label = identity.store.rsplit_once("#token=").map(|(_, label)| label);
        self.slots(pkcs11)?.into_iter().find(|(_, info)| label.is_none_or(|l| info.label().trim_end() == l)).ok_or_else(
            || self.unavailable("the card that holds this certificate is not present; insert it and try again"),
        )
    }

    fn list_token(&self, pkcs11: &Pkcs11, slot: Slot, info: &TokenInfo) -> Result<Vec<Identity>> {
        let label = info.label().trim_end().to_owned();
        let card = Card {
            label: label.clone(),
            reader: pkcs11.get_slot_info(slot).ok().map(|s| s.slot_description().trim_end().to_owned()),
        };
        let session = pkcs11.open_ro_session(slot).map_err(|e| self.unavailable(&e.to_string()))?;
        if let Some(pin) = &self.pin {
            self.log_in(&session, info, pin)?;
        }
        let hidden_keys = self.pin.is_none() && info.login_required() && !logged_in(&session);
        let refused = |what: &str, e: P11Error| self.unavailable(&format!("{what} on \"{label}\": {e}"));
        // Which key objects the token shows: a private key, or (before a
        // login, when private keys hide) the public key of its pair.
        let mut key_ids: Vec<Vec<u8>> = Vec::new();
        for class in [ObjectClass::PRIVATE_KEY, ObjectClass::PUBLIC_KEY] {
            let handles = session.find_objects(&[Attribute::Class(class)]).map_err(|e| refused("listing keys", e))?;
            for handle in handles.into_iter().take(MAX_TOKEN_CERTIFICATES) {
                if let Ok(attrs) = session.get_attributes(handle, &[AttributeType::Id]) {
                    key_ids.extend(attrs.into_iter().filter_map(|a| {
                        if let Attribute::Id(id) = a {
                            Some(id)
                        } else {
                            None
                        }
                    }));
                }
            }
        }
        let handles = session
            .find_objects(&[Attribute::Class(ObjectClass::CERTIFICATE)])
            .map_err(|e| refused("listing certificates", e))?;
        let spec = spec_of(&self.module, Some(&label));
        let mut identities: Vec<Identity> = Vec::new();
        for handle in handles.into_iter().take(MAX_TOKEN_CERTIFICATES) {
            // The size first: a module's answer is read only up to the limit.
            let size = session.get_attribute_info(handle, &[AttributeType::Value]).ok();
            let fits = matches!(size.as_deref(), Some([cryptoki::object::AttributeInfo::Available(n)]) if *n <= MAX_CERTIFICATE_OBJECT);
            if !fits {
                continue;
            }
            let Ok(attrs) =
                session.get_attributes(handle, &[AttributeType::Value, AttributeType::Label, AttributeType::Id])
            else {
                continue;
            };
            let (mut der, mut name, mut id) = (None, None, None);
            for attr in attrs {
                match attr {
                    Attribute::Value(v) => der = Some(v),
                    Attribute::Label(l) if !l.is_empty() => name = Some(String::from_utf8_lossy(&l).into_owned()),
                    Attribute::Id(i) => id = Some(i),
                    _ => {}
                }
            }
            let Some(Ok(certificate)) = der.as_deref().map(Certificate::from_der) else { continue };
            if identities.iter().any(|i| i.id == certificate.sha256) {
                continue;
            }
            let paired = id.as_ref().is_some_and(|id| !id.is_empty());
            // Before a login a token hides its private keys: a personal
            // certificate with an id is taken to have one there, which (like
            // every key on a card) signs there and is never exported.
            let shown = paired && key_ids.contains(id.as_ref().expect("paired"));
            let key = if shown || (paired && hidden_keys && !certificate.is_ca) {
                KeyStatus::OnToken
            } else {
                KeyStatus::None
            };
            identities.push(Identity::new(certificate, key, name, &spec).on_card(card.clone()));
        }
        Ok(identities)
    }
}

impl Keystore for TokenStore {
    fn spec(&self) -> String {
        spec_of(&self.module, self.token.as_deref())
    }

    fn list(&self) -> Result<Vec<Identity>> {
        with_module(&self.module, |pkcs11| {
            let mut all = Vec::new();
            for (slot, info) in self.slots(pkcs11)? {
                all.extend(self.list_token(pkcs11, slot, &info)?);
            }
            Ok(all)
        })
    }

    fn import_pkcs12(&self, _file: &ImportFile<'_>, _exportable: bool) -> Result<ImportOutcome> {
        Err(crate::token::card_is_read_only("importing"))
    }

    fn export_private_key(&self, _identity: &Identity) -> Result<Zeroizing<Vec<u8>>> {
        Err(Error::NotExportable {
            why: "its key is on a smart card or token, which signs with it but never gives it out; export the certificate alone instead".into(),
        })
    }

    fn delete(&self, _step: &DeletionStep) -> Result<()> {
        Err(crate::token::card_is_read_only("deleting"))
    }

    /// Signs inside the token (`C_Sign`) after a login. RSA signs PSS, for
    /// TLS 1.3, only when the token offers `CKM_RSA_PKCS_PSS`; a token that
    /// signs PKCS#1 v1.5 alone (a My Number card) shakes hands over TLS 1.2,
    /// and the probe says so.
    fn signing_key(&self, identity: &Identity) -> Result<std::sync::Arc<dyn rustls::sign::SigningKey>> {
        let kind = KeyKind::of(identity)?;
        let pss = with_module(&self.module, |pkcs11| {
            let (slot, info) = self.slot_holding(pkcs11, identity)?;
            if self.pin.is_none() && info.login_required() && !is_unlocked(&self.module, info.label().trim_end()) {
                return Err(Error::InvalidInput(
                    "signing on a card needs its PIN: add --login (in the app: unlock the card first)".into(),
                ));
            }
            let mechanisms = pkcs11.get_mechanism_list(slot).unwrap_or_default();
            Ok(mechanisms.contains(&MechanismType::RSA_PKCS_PSS))
        })?;
        let key = TokenKey { store: self.clone(), identity: identity.clone() };
        Ok(StoreSigningKey::shared(key, kind, pss))
    }
}

/// A key on a token, found again by its certificate for every signature.
#[derive(Debug)]
struct TokenKey {
    store: TokenStore,
    identity: Identity,
}

/// DER `DigestInfo` prefixes (RFC 8017 §9.2 note 1): `CKM_RSA_PKCS` signs
/// what it is given, so the hash's name goes in front of the digest.
const SHA256_DIGEST_INFO: &[u8] =
    &[0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20];
const SHA384_DIGEST_INFO: &[u8] =
    &[0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30];

/// The mechanism and the data a token signs for `scheme`: every card signs
/// a digest (raw `CKM_ECDSA`, `CKM_RSA_PKCS` over a DigestInfo,
/// `CKM_RSA_PKCS_PSS` over the hash), not all of them hash on the card.
fn mechanism_for(scheme: SignatureScheme, message: &[u8]) -> Result<(Mechanism<'static>, Vec<u8>)> {
    let hashed = digest(scheme, message)?;
    let pss =
        |hash_alg, mgf, s_len: u8| PkcsPssParams { hash_alg, mgf, s_len: cryptoki::types::Ulong::new(s_len.into()) };
    Ok(match scheme {
        SignatureScheme::ECDSA_NISTP256_SHA256 | SignatureScheme::ECDSA_NISTP384_SHA384 => (Mechanism::Ecdsa, hashed),
        SignatureScheme::RSA_PKCS1_SHA256 => (Mechanism::RsaPkcs, [SHA256_DIGEST_INFO, &hashed].concat()),
        SignatureScheme::RSA_PKCS1_SHA384 => (Mechanism::RsaPkcs, [SHA384_DIGEST_INFO, &hashed].concat()),
        SignatureScheme::RSA_PSS_SHA256 => {
            (Mechanism::RsaPkcsPss(pss(MechanismType::SHA256, PkcsMgfType::MGF1_SHA256, 32)), hashed)
        }
        SignatureScheme::RSA_PSS_SHA384 => {
            (Mechanism::RsaPkcsPss(pss(MechanismType::SHA384, PkcsMgfType::MGF1_SHA384, 48)), hashed)
        }
        other => return Err(Error::Unsupported { what: format!("signing with {other:?}"), hint: String::new() }),
    })
}

impl SignInStore for TokenKey {
    fn sign_in_store(&self, scheme: SignatureScheme, message: &[u8]) -> Result<Vec<u8>> {
        let (mechanism, data) = mechanism_for(scheme, message)?;
        let store = &self.store;
        with_module(&store.module, |pkcs11| {
            let (slot, info) = store.slot_holding(pkcs11, &self.identity)?;
            let session = pkcs11.open_ro_session(slot).map_err(|e| store.unavailable(&e.to_string()))?;
            if let Some(pin) = &store.pin {
                store.log_in(&session, &info, pin)?;
            }
            let refused = |e: P11Error| store.unavailable(&format!("signing on \"{}\": {e}", info.label().trim_end()));
            let certificate = session
                .find_objects(&[
                    Attribute::Class(ObjectClass::CERTIFICATE),
                    Attribute::Value(self.identity.certificate.der.clone()),
                ])
                .map_err(refused)?;
            let id = certificate
                .first()
                .and_then(|c| session.get_attributes(*c, &[AttributeType::Id]).ok())
                .and_then(|attrs| {
                    attrs.into_iter().find_map(|a| if let Attribute::Id(id) = a { Some(id) } else { None })
                })
                .ok_or_else(|| Error::NotFound { prefix: self.identity.id.clone() })?;
            let key = session
                .find_objects(&[Attribute::Class(ObjectClass::PRIVATE_KEY), Attribute::Id(id)])
                .map_err(refused)?
                .into_iter()
                .next()
                .ok_or_else(|| Error::InvalidInput("the card holds no private key for this certificate".into()))?;
            session.sign(&mechanism, key, &data).map_err(refused)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_firefox_profile_s_modules_are_its_library_lines_without_nss_s_own() {
        let text =
            "library=\nname=NSS Internal PKCS #11 Module\nparameters=configdir='sql:/home/u/.mozilla/firefox/x' \n\
                    NSS=Flags=internal,critical trustOrder=75 cipherOrder=100\n\n\
                    library=/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so\nname=OpenSC\n\n\
                    library=libnssckbi.so\nname=Root Certs\n\nlibrary=/opt/vendor/libeTPkcs11.so\nname=eToken\n";
        assert_eq!(
            modules_in_pkcs11_txt(text),
            vec![
                PathBuf::from("/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so"),
                PathBuf::from("/opt/vendor/libeTPkcs11.so")
            ]
        );
    }

    #[test]
    fn a_hostile_pkcs11_txt_is_bounded_in_size_and_in_modules() {
        let many: String = (0..1000).map(|i| format!("library=/opt/m{i}.so\nname=m{i}\n\n")).collect();
        assert_eq!(modules_in_pkcs11_txt(&many).len(), MAX_LISTED_MODULES);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pkcs11.txt");
        std::fs::write(&path, &many[..(MAX_PKCS11_TXT as usize).min(many.len())]).unwrap();
        assert!(read_pkcs11_txt(&path).is_some());
        std::fs::write(&path, "x".repeat(MAX_PKCS11_TXT as usize + 1)).unwrap();
        assert_eq!(read_pkcs11_txt(&path), None, "longer than any Firefox writes");
        let added: Vec<PathBuf> = (0..100).map(|i| PathBuf::from(format!("/opt/added{i}.so"))).collect();
        let spec = crate::StoreSpec::Keychain { name: "login".into() };
        let modules = spec.token_modules(&added);
        assert!(modules.len() <= MAX_LISTED_MODULES + default_modules().len(), "{}", modules.len());
    }

    #[test]
    fn a_module_that_is_not_there_says_what_to_give() {
        let e = TokenStore::open(Path::new("/nonexistent/opensc-pkcs11.so"), None).unwrap_err();
        assert!(e.to_string().contains("give the full path"), "{e}");
        let e = TokenStore::open(Path::new("/etc/hostname"), None).unwrap_err();
        assert!(e.to_string().contains("not a PKCS#11 module"), "{e}");
    }
}
