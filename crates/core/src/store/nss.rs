//! The NSS shared database (`cert9.db` + `key4.db`), as Chromium and most
//! Linux tools use it, read through NSS's own software token (`libsoftokn3`)
//! loaded in-process over PKCS#11: one pass lists certificates, nicknames and
//! keys without starting `certutil` per certificate.
//!
//! Import creates the objects in the same session (`import`): no file ever
//! holds a key or a password.

use std::collections::{HashMap, HashSet};
use std::ffi::{c_void, CString};
use std::path::{Path, PathBuf};
use std::ptr::NonNull;
use std::sync::Mutex;
use std::time::Duration;

use zeroize::Zeroizing;

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as P11Error, RvError};
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::types::AuthPin;

use crate::error::{Error, Result};
use crate::model::{Certificate, Identity, KeyStatus};
use crate::secret::Secret;
use crate::store::{DeletionStep, ImportFile, ImportOutcome, Keystore};

/// softokn keeps one configuration per process, so every use of it in this
/// process takes turns: initialise for one database, work, finalise.
static SOFTOKN: Mutex<()> = Mutex::new(());

/// How long to wait for another program's write to the database to finish.
const BUSY_WAIT: Duration = Duration::from_secs(5);
const BUSY_POLL: Duration = Duration::from_millis(250);

/// Where distributions put NSS's software token.
const SOFTOKN_PATHS: &[&str] = &[
    "libsoftokn3.so",
    "/usr/lib/x86_64-linux-gnu/libsoftokn3.so",
    "/usr/lib/aarch64-linux-gnu/libsoftokn3.so",
    "/usr/lib64/libsoftokn3.so",
    "/usr/lib/libsoftokn3.so",
    "/usr/lib/x86_64-linux-gnu/nss/libsoftokn3.so",
    "/usr/lib64/nss/libsoftokn3.so",
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Access {
    Read,
    Write,
}

mod generate;
mod import;
mod sign;

pub use generate::AUTHORITIES as GENERATED_AUTHORITIES;

/// An NSS database folder, with its Primary Password when it has one.
#[derive(Debug, Clone)]
pub struct NssStore {
    dir: PathBuf,
    /// Kept in memory for as long as the store is open: softokn forgets a
    /// login with every finalise, and each operation initialises it afresh.
    password: Option<Secret>,
}

impl NssStore {
    /// Opens the database in `dir`. The default folder is created (with an
    /// empty database password, as Chromium does) when it does not exist yet;
    /// a folder the user named must exist, so that a typo does not silently
    /// create an empty store.
    pub fn open(dir: &Path, create_if_absent: bool) -> Result<Self> {
        let store = NssStore { dir: dir.to_path_buf(), password: None };
        if !dir.is_dir() {
            if !create_if_absent {
                return Err(store.unavailable(
                    "the folder does not exist; give the folder of an existing NSS database (a Firefox profile, or ~/.pki/nssdb)",
                ));
            }
            create_private_dir(dir).map_err(|e| store.unavailable(&format!("cannot create the folder: {e}")))?;
        }
        if !dir.join("cert9.db").exists() {
            if dir.join("cert8.db").exists() {
                return Err(store.unavailable(
                    "it is an old-format (cert8.db) database; upgrade it with `certutil -L -d sql:FOLDER` once, then retry",
                ));
            }
            // Creating the database is a write: softokn writes cert9.db and key4.db.
            store.with_session(Access::Write, |_| Ok(()))?;
        }
        Ok(store)
    }

    /// Logs in with `password` (a Firefox Primary Password, or one set with
    /// `certutil -N`/`-W`) whenever the database asks for one.
    pub fn with_password(mut self, password: Secret) -> Self {
        self.password = Some(password);
        self
    }

    /// Opens the database once and logs in as every operation will: fails
    /// with `DatabaseLocked` when it needs a password that was not given,
    /// `WrongDatabasePassword` when the one given does not open it.
    pub fn check_unlocks(&self) -> Result<()> {
        self.with_session(Access::Read, |_| Ok(()))
    }

    /// Whether the database has a password and none was given: what a
    /// caller that can ask for it checks first.
    pub fn needs_password(&self) -> Result<bool> {
        match self.check_unlocks() {
            Ok(()) => Ok(false),
            Err(Error::DatabaseLocked { .. }) => Ok(true),
            Err(e) => Err(e),
        }
    }

    fn unavailable(&self, why: &str) -> Error {
        Error::StoreUnavailable { store: self.spec(), why: why.to_owned() }
    }

    /// Whether another process holds SQLite's write lock on either database
    /// file. SQLite locks bytes from 1 GiB up with POSIX locks; a read lock
    /// there conflicts only with a writer's.
    fn held_by_a_writer(&self) -> bool {
        use std::os::fd::AsRawFd as _;
        const SQLITE_PENDING_BYTE: libc::off_t = 0x4000_0000;
        ["cert9.db", "key4.db"].iter().any(|name| {
            let Ok(file) = std::fs::File::open(self.dir.join(name)) else { return false };
            // SAFETY: flock is plain data; zeroed is a valid value to fill in.
            let mut lock: libc::flock = unsafe { std::mem::zeroed() };
            lock.l_type = libc::F_RDLCK as _;
            lock.l_whence = libc::SEEK_SET as _;
            lock.l_start = SQLITE_PENDING_BYTE;
            lock.l_len = 512;
            // SAFETY: F_GETLK only reads and fills `lock`; the descriptor is open.
            let asked = unsafe { libc::fcntl(file.as_raw_fd(), libc::F_GETLK, &mut lock) };
            asked == 0 && i64::from(lock.l_type) != i64::from(libc::F_UNLCK)
        })
    }

    fn refused(&self, what: &str, e: impl std::fmt::Display) -> Error {
        Error::Store { store: self.spec(), why: format!("{what}: {e}") }
    }

    /// Runs `work` in a session on the database token, logged in when the
    /// database needs it, and always finalises softokn afterwards.
    fn with_session<T>(&self, access: Access, work: impl FnOnce(&Session) -> Result<T>) -> Result<T> {
        let _turn = SOFTOKN.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let pkcs11 = load_softokn().map_err(|why| self.unavailable(&why))?;
        let params = CString::new(softokn_parameters(&self.dir, access))
            .map_err(|_| self.unavailable("the folder name contains a NUL character"))?;
        // SAFETY: softokn reads `pReserved` as a NUL-terminated parameter string
        // during C_Initialize only; `params` outlives the call.
        let args = unsafe {
            CInitializeArgs::new_with_reserved(
                CInitializeFlags::OS_LOCKING_OK,
                NonNull::new(params.as_ptr() as *mut c_void).expect("CString pointer is not null"),
            )
        };
        let started = std::time::Instant::now();
        // softokn gives up after SQLite's one-second busy timeout; a writer
        // (Firefox saving, certutil, another certdesk) usually finishes soon,
        // so wait for it a while longer.
        while let Err(e) = pkcs11.initialize(args) {
            if !self.held_by_a_writer() {
                return Err(self.unavailable(&explain_init_failure(&e, access)));
            }
            if started.elapsed() >= BUSY_WAIT {
                return Err(self.unavailable(
                    "another program is writing to it and has not finished (Firefox, Thunderbird, Chromium, certutil or another certdesk); close that program, or wait, and try again",
                ));
            }
            std::thread::sleep(BUSY_POLL);
        }
        let result = self.open_database_session(&pkcs11, access).and_then(|session| work(&session));
        let _ = pkcs11.finalize();
        result
    }

    fn open_database_session(&self, pkcs11: &Pkcs11, access: Access) -> Result<Session> {
        let slots = pkcs11.get_slots_with_token().map_err(|e| self.unavailable(&e.to_string()))?;
        // softokn has two slots: crypto services, and the database ("NSS Certificate DB").
        let slot = slots
            .iter()
            .copied()
            .find(|s| pkcs11.get_token_info(*s).map(|t| t.label().contains("Certificate DB")).unwrap_or(false))
            .ok_or_else(|| self.unavailable("NSS did not open the database token"))?;
        let token = pkcs11.get_token_info(slot).map_err(|e| self.unavailable(&e.to_string()))?;
        let session = match access {
            Access::Read => pkcs11.open_ro_session(slot),
            Access::Write => pkcs11.open_rw_session(slot),
        }
        .map_err(|e| self.unavailable(&e.to_string()))?;
        let empty = AuthPin::new(String::new().into());
        if !token.user_pin_initialized() && access == Access::Write {
            // A database just created: give it an empty password, as
            // `certutil -N --empty-password` does, so keys can be stored.
            session.login(UserType::So, Some(&empty)).map_err(|e| self.refused("initialising", e))?;
            session.init_pin(&empty).map_err(|e| self.refused("initialising", e))?;
            session.logout().map_err(|e| self.refused("initialising", e))?;
        }
        if token.login_required() && token.user_pin_initialized() {
            // A database without a password takes the empty one; softokn
            // counts no wrong tries, so trying it first costs nothing.
            let given = self.password.as_ref().map(|p| AuthPin::new(p.expose().to_owned().into()));
            match session.login(UserType::User, Some(given.as_ref().unwrap_or(&empty))) {
                Ok(()) | Err(P11Error::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => {}
                Err(P11Error::Pkcs11(RvError::PinIncorrect | RvError::PinInvalid | RvError::PinLenRange, _)) => {
                    let store = self.spec();
                    return Err(match given {
                        None => Error::DatabaseLocked { store },
                        Some(_) => Error::WrongDatabasePassword { store },
                    });
                }
                Err(e) => return Err(self.unavailable(&e.to_string())),
            }
        }
        Ok(session)
    }

    fn list_in(&self, session: &Session) -> Result<Vec<Identity>> {
        let keys = self.private_keys(session)?;
        let handles = session
            .find_objects(&[Attribute::Class(ObjectClass::CERTIFICATE), Attribute::Token(true)])
            .map_err(|e| self.refused("listing certificates", e))?;
        let spec = self.spec();
        let mut identities: Vec<Identity> = Vec::with_capacity(handles.len());
        // NSS can hold one certificate twice (once per slot that saw it);
        // the set keeps the check linear, a scan of `identities` was not.
        let mut seen = HashSet::with_capacity(handles.len());
        for handle in handles {
            let Some(attrs) = self.attributes_unless_deleted(
                session,
                handle,
                &[AttributeType::Value, AttributeType::Label, AttributeType::Id],
                "reading a certificate",
            )?
            else {
                continue;
            };
            let (mut der, mut label, mut id) = (None, None, None);
            for attr in attrs {
                match attr {
                    Attribute::Value(v) => der = Some(v),
                    Attribute::Label(l) if !l.is_empty() => label = Some(String::from_utf8_lossy(&l).into_owned()),
                    Attribute::Id(i) => id = Some(i),
                    _ => {}
                }
            }
            // A certificate NSS holds but X.509 parsing rejects cannot be shown
            // or acted on; it stays in the database untouched.
            let Some(Ok(certificate)) = der.as_deref().map(Certificate::from_der) else { continue };
            if !seen.insert(certificate.sha256.clone()) {
                continue;
            }
            let key = id.and_then(|id| keys.get(&id).copied()).unwrap_or(KeyStatus::None);
            identities.push(Identity::new(certificate, key, label, &spec));
        }
        Ok(identities)
    }

    /// Reads an object found by a search moments ago. Another process (a
    /// second certdesk, Firefox, certutil) may have deleted it since: that is
    /// not an error for a listing, which then simply does not show it.
    fn attributes_unless_deleted(
        &self,
        session: &Session,
        handle: ObjectHandle,
        types: &[AttributeType],
        what: &str,
    ) -> Result<Option<Vec<Attribute>>> {
        match session.get_attributes(handle, types) {
            Ok(attrs) => Ok(Some(attrs)),
            Err(P11Error::Pkcs11(RvError::ObjectHandleInvalid, _)) => Ok(None),
            Err(e) => Err(self.refused(what, e)),
        }
    }

    /// (CKA_ID, status) of every private key: NSS gives a certificate and
    /// its key the same CKA_ID (a hash of the public key).
    fn private_keys(&self, session: &Session) -> Result<HashMap<Vec<u8>, KeyStatus>> {
        let handles = session
            .find_objects(&[Attribute::Class(ObjectClass::PRIVATE_KEY)])
            .map_err(|e| self.refused("listing keys", e))?;
        let mut keys = HashMap::with_capacity(handles.len());
        for handle in handles {
            let Some(attrs) = self.attributes_unless_deleted(
                session,
                handle,
                &[AttributeType::Id, AttributeType::Extractable],
                "reading a key",
            )?
            else {
                continue;
            };
            let mut id = Vec::new();
            let mut status = KeyStatus::Exportable;
            for attr in attrs {
                match attr {
                    Attribute::Id(i) => id = i,
                    Attribute::Extractable(false) => status = KeyStatus::NotExportable,
                    _ => {}
                }
            }
            keys.insert(id, status);
        }
        Ok(keys)
    }

    fn certificate_handles(&self, session: &Session, der: &[u8]) -> Result<Vec<ObjectHandle>> {
        session
            .find_objects(&[Attribute::Class(ObjectClass::CERTIFICATE), Attribute::Value(der.to_vec())])
            .map_err(|e| self.refused("finding the certificate", e))
    }

    fn delete_in(&self, session: &Session, step: &DeletionStep) -> Result<()> {
        let der = &step.identity.certificate.der;
        let handles = self.certificate_handles(session, der)?;
        if handles.is_empty() {
            return Err(Error::NotFound { prefix: step.identity.id.clone() });
        }
        let mut key_id = None;
        for handle in handles {
            let attrs = session
                .get_attributes(handle, &[AttributeType::Id, AttributeType::Issuer, AttributeType::SerialNumber])
                .map_err(|e| self.refused("reading the certificate", e))?;
            let mut issuer_and_serial = Vec::new();
            for attr in attrs {
                match attr {
                    Attribute::Id(i) => key_id = Some(i),
                    a @ (Attribute::Issuer(_) | Attribute::SerialNumber(_)) => issuer_and_serial.push(a),
                    _ => {}
                }
            }
            session.destroy_object(handle).map_err(|e| self.refused("deleting the certificate", e))?;
            // NSS keeps trust settings in separate objects named by issuer and
            // serial; `certutil -D` removes them with the certificate, and so do we.
            if issuer_and_serial.len() == 2 {
                let leftovers = session.find_objects(&issuer_and_serial).unwrap_or_default();
                for trust in leftovers {
                    let _ = session.destroy_object(trust);
                }
            }
        }
        if step.remove_key {
            if let Some(id) = key_id.filter(|id| !id.is_empty()) {
                for class in [ObjectClass::PRIVATE_KEY, ObjectClass::PUBLIC_KEY] {
                    let keys = session
                        .find_objects(&[Attribute::Class(class), Attribute::Id(id.clone())])
                        .map_err(|e| self.refused("finding the key", e))?;
                    for key in keys {
                        session.destroy_object(key).map_err(|e| self.refused("deleting the key", e))?;
                    }
                }
            }
        }
        Ok(())
    }

    /// Signs `data` with the private key of `identity`, inside softokn.
    fn sign_with_key_of(&self, identity: &Identity, mechanism: &Mechanism, data: &[u8]) -> Result<Vec<u8>> {
        self.with_session(Access::Read, |session| {
            let key =
                self.private_keys_of(session, identity)?.into_iter().next().ok_or_else(|| {
                    Error::InvalidInput("this store holds no private key for this certificate".into())
                })?;
            session.sign(mechanism, key, data).map_err(|e| self.refused("signing", e))
        })
    }

    /// Whether softokn will let `key` leave the database (CKA_EXTRACTABLE).
    fn is_extractable(&self, session: &Session, key: ObjectHandle) -> Result<bool> {
        Ok(session
            .get_attributes(key, &[AttributeType::Extractable])
            .map_err(|e| self.refused("reading the key", e))?
            .into_iter()
            .any(|a| matches!(a, Attribute::Extractable(true))))
    }

    /// An AES key of `value` that lives only in this session, to wrap
    /// (export) or unwrap (import) one private key; the caller destroys it.
    fn session_aes_key(&self, session: &Session, value: &[u8], usage: Attribute, what: &str) -> Result<ObjectHandle> {
        session
            .create_object(&[
                Attribute::Class(ObjectClass::SECRET_KEY),
                Attribute::KeyType(KeyType::AES),
                Attribute::Value(value.to_vec()),
                Attribute::Token(false),
                usage,
            ])
            .map_err(|e| self.refused(what, e))
    }

    /// The private-key objects of a certificate: those with its CKA_ID.
    fn private_keys_of(&self, session: &Session, identity: &Identity) -> Result<Vec<ObjectHandle>> {
        let mut keys = Vec::new();
        for cert in self.certificate_handles(session, &identity.certificate.der)? {
            let Some(Attribute::Id(id)) = session
                .get_attributes(cert, &[AttributeType::Id])
                .map_err(|e| self.refused("reading the certificate", e))?
                .pop()
            else {
                continue;
            };
            keys.extend(
                session
                    .find_objects(&[Attribute::Class(ObjectClass::PRIVATE_KEY), Attribute::Id(id)])
                    .map_err(|e| self.refused("finding the key", e))?,
            );
        }
        Ok(keys)
    }

    /// softokn never hands out a private key's value, but it wraps keys: we
    /// give it a throwaway AES key we know, let it wrap the private key
    /// (PKCS#8, AES-256-CBC-PAD), and unwrap the result ourselves. The key
    /// never leaves this process unencrypted, and a key marked not
    /// extractable stays in the database.
    fn export_key_in(&self, session: &Session, identity: &Identity) -> Result<Zeroizing<Vec<u8>>> {
        let not_exportable = |why: &str| Error::NotExportable { why: why.to_owned() };
        if self.certificate_handles(session, &identity.certificate.der)?.is_empty() {
            return Err(Error::NotFound { prefix: identity.id.clone() });
        }
        let key = self
            .private_keys_of(session, identity)?
            .into_iter()
            .next()
            .ok_or_else(|| not_exportable("it has no private key in this database"))?;
        // softokn itself wraps keys whatever CKA_EXTRACTABLE says, so the
        // policy "imported as not exportable" is enforced here.
        if !self.is_extractable(session, key)? {
            return Err(not_exportable(
                "it was imported as not exportable; export it from where it came from, or ask for a new certificate",
            ));
        }
        let (wrapping_value, iv) = throwaway_aes_key();
        let wrapping_key =
            self.session_aes_key(session, &wrapping_value, Attribute::Wrap(true), "preparing the export")?;
        let wrapped = session.wrap_key(&Mechanism::AesCbcPad(iv), wrapping_key, key);
        let _ = session.destroy_object(wrapping_key);
        let wrapped = wrapped.map_err(|e| match e {
            P11Error::Pkcs11(RvError::KeyUnextractable | RvError::KeyNotWrappable, _) => not_exportable(
                "it was imported as not exportable; export it from where it came from, or ask for a new certificate",
            ),
            other => self.refused("exporting the key", other),
        })?;
        // cryptoki 0.12's wrap_key returns the buffer sized by the first
        // (length-query) call, which softokn over-estimates, not the length
        // the second call reports: the wrapped key is a prefix of whole AES
        // blocks followed by unused bytes. The right prefix is the one that
        // decrypts to a well-formed PrivateKeyInfo.
        let whole_blocks = wrapped.len() / 16 * 16;
        (16..=whole_blocks)
            .rev()
            .step_by(16)
            .find_map(|len| {
                crate::pkcs12::Cipher::Aes256Cbc
                    .decrypt(&wrapping_value, &iv, &wrapped[..len])
                    .filter(|plain| crate::pkcs12::ber::parse(plain).is_ok())
            })
            .ok_or_else(|| self.refused("exporting the key", "NSS returned a key certdesk cannot read"))
    }
}

impl Keystore for NssStore {
    fn spec(&self) -> String {
        format!("nss:{}", self.dir.display())
    }

    fn list(&self) -> Result<Vec<Identity>> {
        self.with_session(Access::Read, |session| self.list_in(session))
    }

    fn import_pkcs12(&self, file: &ImportFile<'_>, exportable: bool) -> Result<ImportOutcome> {
        self.with_session(Access::Write, |session| self.import_in(session, file.contents, exportable))
    }

    fn export_private_key(&self, identity: &Identity) -> Result<Zeroizing<Vec<u8>>> {
        self.with_session(Access::Read, |session| self.export_key_in(session, identity))
    }

    fn signing_key(&self, identity: &Identity) -> Result<std::sync::Arc<dyn rustls::sign::SigningKey>> {
        let kind = crate::store::signing::KeyKind::of(identity)?;
        let key = sign::NssKey { store: self.clone(), identity: identity.clone() };
        Ok(crate::store::signing::StoreSigningKey::shared(key, kind, true))
    }

    fn delete(&self, step: &DeletionStep) -> Result<()> {
        self.with_session(Access::Write, |session| self.delete_in(session, step))
    }
}

/// A fresh AES-256 key value and IV, for one wrap or unwrap.
fn throwaway_aes_key() -> (Zeroizing<Vec<u8>>, [u8; 16]) {
    let mut iv = [0u8; 16];
    iv.copy_from_slice(&crate::pkcs12::random_bytes(16));
    (Zeroizing::new(crate::pkcs12::random_bytes(32)), iv)
}

fn load_softokn() -> std::result::Result<Pkcs11, String> {
    SOFTOKN_PATHS
        .iter()
        .find_map(|path| Pkcs11::new(path).ok())
        .ok_or_else(|| "NSS's libsoftokn3.so was not found; install NSS (Debian/Ubuntu: libnss3)".to_owned())
}

/// softokn's parameter string (NSS `sftk_parseParameters`): values are
/// single-quoted, with `\` escaping a quote or backslash inside them.
fn softokn_parameters(dir: &Path, access: Access) -> String {
    let dir = dir.display().to_string().replace('\\', "\\\\").replace('\'', "\\'");
    let flags = match access {
        Access::Read => "readOnly",
        Access::Write => "",
    };
    format!("configdir='sql:{dir}' certPrefix='' keyPrefix='' secmod='secmod.db' flags={flags}")
}

fn explain_init_failure(e: &P11Error, access: Access) -> String {
    match (e, access) {
        (P11Error::Pkcs11(RvError::CryptokiAlreadyInitialized, _), _) => {
            "NSS is already in use in this process".to_owned()
        }
        (P11Error::Pkcs11(RvError::TokenWriteProtected, _), _) => READ_ONLY.to_owned(),
        (_, Access::Write) => format!(
            "NSS could not open it for writing ({e}); check that the folder and its cert9.db and key4.db are writable by you"
        ),
        _ => format!("NSS could not open it ({e}); check that the folder holds cert9.db and key4.db and that you can read them"),
    }
}

const READ_ONLY: &str = "it is read-only here; check that the folder and its cert9.db and key4.db are writable by you and not on a read-only disk or mount";

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt as _;
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_quote_the_folder() {
        let p = softokn_parameters(Path::new("/home/o'brien/db"), Access::Read);
        assert_eq!(
            p,
            "configdir='sql:/home/o\\'brien/db' certPrefix='' keyPrefix='' secmod='secmod.db' flags=readOnly"
        );
    }
}
