//! Importing a PKCS#12 file: all of it or, on failure, nothing, and never at
//! the cost of what was in the stores before.
//!
//! `PFXImportCertStore` puts the file's certificates in a memory store and
//! its keys in key containers it makes. certdesk then adds each certificate
//! that its store does not hold yet (intermediates to `CA` first, then the
//! personal ones), saves each store, and finally deletes every key container
//! the file's import made that no certificate in the user's stores uses: the
//! keys of roots (never added), of duplicates (left as they were) and, after
//! a failure, all of them. A certificate that was there before is never
//! replaced or deleted, and neither is the key it uses; a file whose
//! certificates are all there already is not imported at all.

use std::io;

use windows_sys::Win32::Security::Cryptography as wc;
use zeroize::Zeroizing;

use super::{wide, Cert, KeyContainer, SystemStore, WindowsStore};
use crate::error::{Error, Result};
use crate::model::Certificate;
use crate::secret::Secret;
use crate::store::{ImportFile, ImportOutcome};

/// The store intermediates go to.
const INTERMEDIATES: &str = "CA";

/// The stores whose certificates may use a key an import made. On Windows
/// each imported key gets a container of its own; Wine names every one
/// after the user, so a certificate in any store imported from a file on
/// Wine may use the container this import reused.
const STORES_THAT_MAY_USE_KEYS: [&str; 7] = ["My", "CA", "Root", "Trust", "TrustedPeople", "AddressBook", "REQUEST"];

pub(super) fn import_pkcs12(store: &WindowsStore, given: &ImportFile<'_>, exportable: bool) -> Result<ImportOutcome> {
    let (pfx, password) = (given.bytes, given.password);
    let file = FilePlan::of(given.contents);
    // Both stores are opened before any key is made, so that failing to
    // open one leaves nothing behind.
    let personal = store.personal()?;
    let intermediates = SystemStore::open(INTERMEDIATES).map_err(|e| store.unavailable(&e.to_string()))?;
    // A file that brings nothing new is not handed to PFXImportCertStore: it
    // would make key containers only for them to be deleted, and Wine's
    // writes the file's key into the container the certificate that is
    // there uses (a key imported as not exportable would become exportable).
    if let Some(outcome) = file.nothing_new(&personal, &intermediates) {
        return Ok(outcome);
    }
    let temporary = import_to_memory(store, pfx, password, exportable)?;
    let made_keys = keys_linked_in(&temporary);

    let mut import = Import::default();
    let placed = import
        .place(&temporary, &file, Destination::Intermediates, &intermediates, INTERMEDIATES)
        .and_then(|()| import.place(&temporary, &file, Destination::Personal, &personal, &store.name));
    match placed {
        Ok(()) => {
            let outcome = import.outcome(file.not_installed);
            let left = delete_unused_keys(&made_keys, &store.name);
            if left.is_empty() {
                Ok(outcome)
            } else {
                Err(imported_but_keys_left(&outcome, &left))
            }
        }
        Err(failure) => {
            let mut left = import.take_back(&personal, &store.name, &intermediates);
            left.extend(delete_unused_keys(&made_keys, &store.name).into_iter().map(|k| k.to_string()));
            Err(failed(store, failure, &left))
        }
    }
}

/// What certdesk read from the file decides where each certificate goes.
struct FilePlan {
    /// The certificates whose public key is a key in the file, as certdesk's
    /// reader matched them. (Wine links the key to every certificate of the
    /// file; Windows only to the right one.)
    personal_ders: Vec<Vec<u8>>,
    /// The certificates bound for `CA`: neither personal nor roots.
    intermediate_ders: Vec<Vec<u8>>,
    /// Wine's crypt32 drops friendly names on import; certdesk sets them from the file.
    friendly_name: Option<String>,
    /// Roots are decided from the file: Wine's import leaves self-signed
    /// certificates out of its result entirely.
    not_installed: Vec<String>,
}

impl FilePlan {
    fn of(contents: &crate::pkcs12::Pkcs12) -> FilePlan {
        let personal_ders: Vec<Vec<u8>> = contents
            .keys
            .iter()
            .filter_map(|k| crate::pkcs12::certificate_for_key(&contents.certificates, k))
            .map(|c| c.der.clone())
            .collect();
        let others: Vec<Certificate> = contents
            .certificates
            .iter()
            .filter(|c| !personal_ders.contains(&c.der))
            .filter_map(|c| Certificate::from_der(&c.der).ok())
            .collect();
        let (roots, intermediates): (Vec<Certificate>, Vec<Certificate>) =
            others.into_iter().partition(|c| c.self_signed);
        FilePlan {
            personal_ders,
            intermediate_ders: intermediates.into_iter().map(|c| c.der).collect(),
            friendly_name: contents.friendly_name().map(str::to_owned),
            not_installed: roots.into_iter().map(|c| c.sha256).collect(),
        }
    }

    /// The outcome, when the stores hold every identity and intermediate of
    /// the file already.
    fn nothing_new(&self, personal: &SystemStore, intermediates: &SystemStore) -> Option<ImportOutcome> {
        let all_there = !self.personal_ders.is_empty()
            && self.personal_ders.iter().all(|d| personal.contains(d))
            && self.intermediate_ders.iter().all(|d| intermediates.contains(d));
        all_there.then(|| ImportOutcome {
            added: Vec::new(),
            already_present: self
                .personal_ders
                .iter()
                .filter_map(|d| Certificate::from_der(d).ok())
                .map(|c| c.sha256)
                .collect(),
            not_installed: self.not_installed.clone(),
        })
    }

    /// Where a certificate of the file goes; `None` for a root, which is
    /// never added silently: Windows asks the user itself before trusting one.
    fn destination_of(&self, der: &[u8], parsed: &Certificate) -> Option<Destination> {
        if self.personal_ders.iter().any(|d| d.as_slice() == der) {
            Some(Destination::Personal)
        } else if parsed.self_signed {
            None
        } else {
            Some(Destination::Intermediates)
        }
    }
}

/// Runs `PFXImportCertStore`: the file's certificates in a memory store, and
/// its keys in new key containers that the certificates there name.
fn import_to_memory(store: &WindowsStore, pfx: &[u8], password: &Secret, exportable: bool) -> Result<SystemStore> {
    let size = u32::try_from(pfx.len()).map_err(|_| store.refused("importing", "the file is too large"))?;
    let blob = wc::CRYPT_INTEGER_BLOB { cbData: size, pbData: pfx.as_ptr().cast_mut() };
    let wide_password = Zeroizing::new(wide(password.expose()));
    let mut flags = wc::CRYPT_USER_KEYSET;
    if exportable {
        flags |= wc::CRYPT_EXPORTABLE;
    }
    // SAFETY: `blob` and the password outlive the call; the returned
    // memory store is closed by SystemStore's drop.
    let temporary = unsafe { wc::PFXImportCertStore(&blob, wide_password.as_ptr(), flags) };
    if temporary.is_null() {
        return Err(store.refused("importing", io::Error::last_os_error()));
    }
    Ok(SystemStore(temporary))
}

/// The key containers the memory store's certificates name, each once.
fn keys_linked_in(temporary: &SystemStore) -> Vec<KeyContainer> {
    let mut keys: Vec<KeyContainer> = Vec::new();
    for key in temporary.certificates().iter().filter_map(Cert::key_container) {
        if !keys.iter().any(|k| k.same_key(&key)) {
            keys.push(key);
        }
    }
    keys
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Destination {
    Personal,
    Intermediates,
}

/// A certificate this import added: it was not in its store before.
struct Added {
    /// The store's new context: deleting it takes the addition back.
    context: Cert,
    destination: Destination,
    id: String,
}

/// A step that failed, and why.
struct Failure {
    what: String,
    error: io::Error,
}

/// What the import changed so far, so that a failure takes back exactly that.
#[derive(Default)]
struct Import {
    added: Vec<Added>,
    /// Personal certificates that were in the store already (left as they were).
    already_present: Vec<String>,
}

impl Import {
    /// Adds the file's certificates bound for `destination` that `target`
    /// does not hold yet, then saves `target`.
    fn place(
        &mut self,
        temporary: &SystemStore,
        file: &FilePlan,
        destination: Destination,
        target: &SystemStore,
        target_name: &str,
    ) -> Result<(), Failure> {
        for cert in temporary.certificates() {
            // A certificate X.509 parsing rejects cannot be shown or acted on.
            let Ok(parsed) = Certificate::from_der(cert.der()) else { continue };
            if file.destination_of(cert.der(), &parsed) != Some(destination) || self.holds(&cert) {
                continue;
            }
            if target.contains(cert.der()) {
                self.note_present(destination, parsed.sha256);
                continue;
            }
            let adding =
                |e| Failure { what: format!("adding {} to CurrentUser\\{target_name}", describe(&parsed)), error: e };
            prepare(&cert, destination, file).map_err(adding)?;
            match target.add_new(&cert).map_err(adding)? {
                Some(context) => self.added.push(Added { context, destination, id: parsed.sha256 }),
                // Added meanwhile by someone else: theirs, not ours.
                None => self.note_present(destination, parsed.sha256),
            }
        }
        if self.added.iter().any(|a| a.destination == destination) {
            target.commit().map_err(|e| Failure { what: format!("saving CurrentUser\\{target_name}"), error: e })?;
        }
        Ok(())
    }

    /// Whether this import added `cert` already (a file may hold one twice).
    fn holds(&self, cert: &Cert) -> bool {
        self.added.iter().any(|a| a.context.der() == cert.der())
    }

    fn note_present(&mut self, destination: Destination, id: String) {
        if destination == Destination::Personal && !self.already_present.contains(&id) {
            self.already_present.push(id);
        }
    }

    fn outcome(&self, not_installed: Vec<String>) -> ImportOutcome {
        let mut added: Vec<String> = Vec::new();
        for a in self.added.iter().filter(|a| a.destination == Destination::Personal) {
            if !added.contains(&a.id) {
                added.push(a.id.clone());
            }
        }
        ImportOutcome { added, already_present: self.already_present.clone(), not_installed }
    }

    /// Deletes every certificate this import added and saves both stores;
    /// returns what could not be taken back.
    fn take_back(self, personal: &SystemStore, personal_name: &str, intermediates: &SystemStore) -> Vec<String> {
        let touched = |d: Destination| self.added.iter().any(|a| a.destination == d);
        let saves = [
            (touched(Destination::Intermediates), intermediates, INTERMEDIATES),
            (touched(Destination::Personal), personal, personal_name),
        ];
        let mut left = Vec::new();
        for Added { context, destination, id } in self.added {
            let name = if destination == Destination::Personal { personal_name } else { INTERMEDIATES };
            if let Err(e) = context.delete() {
                left.push(format!("the certificate {id} in CurrentUser\\{name} ({e})"));
            }
        }
        for (_, store, name) in saves.into_iter().filter(|(touched, _, _)| *touched) {
            if let Err(e) = store.commit() {
                left.push(format!("the removals from CurrentUser\\{name}, which could not be saved ({e})"));
            }
        }
        left
    }
}

/// Readies the memory store's copy before it is added: an intermediate
/// carries no key link (Wine links the file's key to every certificate),
/// and a personal certificate gets the file's friendly name if it lost it.
fn prepare(cert: &Cert, destination: Destination, file: &FilePlan) -> io::Result<()> {
    match destination {
        Destination::Intermediates if cert.has_key() => cert.forget_key(),
        Destination::Personal if cert.friendly_name().is_none() => match &file.friendly_name {
            Some(name) => cert.set_friendly_name(name),
            None => Ok(()),
        },
        _ => Ok(()),
    }
}

fn describe(certificate: &Certificate) -> String {
    match certificate.subject.common_name() {
        Some(name) => format!("\"{name}\""),
        None => format!("the certificate {}", certificate.sha256),
    }
}

/// A key container that an import made and no certificate uses, which
/// could not be deleted.
struct LeftKey {
    key: KeyContainer,
    why: String,
}

impl std::fmt::Display for LeftKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.key, self.why)
    }
}

/// Deletes each of `made` that no certificate in the user's stores uses
/// (looked at now, after the import or its rollback was saved); returns
/// those that could not be deleted.
fn delete_unused_keys(made: &[KeyContainer], personal_name: &str) -> Vec<LeftKey> {
    let mut unused = made.to_vec();
    for name in stores_to_check(personal_name) {
        if unused.is_empty() {
            break;
        }
        match SystemStore::open_existing_to_read(name) {
            Ok(Some(store)) => {
                let used: Vec<KeyContainer> = store.certificates().iter().filter_map(Cert::key_container).collect();
                unused.retain(|key| !used.iter().any(|u| u.same_key(key)));
            }
            Ok(None) => {}
            // Without knowing whether a certificate there uses a key, none is deleted.
            Err(e) => {
                let why = format!("certdesk could not check whether a certificate in CurrentUser\\{name} uses it: {e}");
                return unused.into_iter().map(|key| LeftKey { key, why: why.clone() }).collect();
            }
        }
    }
    unused.into_iter().filter_map(|key| key.delete().err().map(|e| LeftKey { why: e.to_string(), key })).collect()
}

/// The personal store first, then the others whose certificates may use a key.
fn stores_to_check(personal_name: &str) -> Vec<&str> {
    let mut names = vec![personal_name];
    names.extend(STORES_THAT_MAY_USE_KEYS.iter().filter(|n| !n.eq_ignore_ascii_case(personal_name)));
    names
}

fn failed(store: &WindowsStore, failure: Failure, left: &[String]) -> Error {
    let aftermath = if left.is_empty() {
        "certdesk took back all this import had added, so the stores are as they were".to_owned()
    } else {
        format!(
            "certdesk could not take back all this import had added: {}; delete those by hand \
             (certmgr.msc for certificates, `certutil -user -delkey NAME` for key containers)",
            left.join("; ")
        )
    };
    store.refused(&failure.what, format!("{}; {aftermath}", failure.error))
}

/// The import was saved, but a key Windows made for a certificate that was
/// not kept is still there: that is what the error says, not that the
/// import failed.
fn imported_but_keys_left(outcome: &ImportOutcome, left: &[LeftKey]) -> Error {
    let imported = if outcome.added.is_empty() {
        "the import was saved (it added no new personal certificate)".to_owned()
    } else {
        format!("the import was saved (it added {})", outcome.added.join(", "))
    };
    let keys: Vec<String> = left.iter().map(LeftKey::to_string).collect();
    Error::io(
        format!("{imported}, but a key container it made for a certificate it did not keep is still there"),
        io::Error::other(format!("{}; delete it with `certutil -user -delkey NAME`", keys.join("; "))),
    )
}
