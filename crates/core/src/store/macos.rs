//! macOS: the login keychain through security-framework, and identity
//! preferences (`iprf` items) through Security.framework directly.
//!
//! This machine cannot run macOS: this module is type-checked for
//! aarch64-apple-darwin in CI, and `docs/macos-manual-test.md` is the
//! checklist that proves it on a Mac.

use std::collections::BTreeMap;
use std::ffi::c_void;
use std::ptr;

use core_foundation::array::CFArray;
use core_foundation::base::{CFType, TCFType};
use core_foundation::boolean::CFBoolean;
use core_foundation::data::CFData;
use core_foundation::dictionary::CFDictionary;
use core_foundation::number::CFNumber;
use core_foundation::string::CFString;
use security_framework::certificate::SecCertificate;
use security_framework::identity::SecIdentity;
use security_framework::import_export::{ImportedIdentity, Pkcs12ImportOptions};
use security_framework::item::{ItemClass, ItemSearchOptions, Limit, Reference, SearchResult};
use security_framework::key::SecKey;
use security_framework::os::macos::keychain::SecKeychain;
use security_framework_sys::import_export::{
    kSecFormatPKCS12, SecItemExport, SecItemImportExportKeyParameters, SEC_KEY_IMPORT_EXPORT_PARAMS_VERSION,
};
use security_framework_sys::item::{
    kSecAttrLabel, kSecAttrService, kSecClass, kSecClassGenericPassword, kSecMatchLimit, kSecMatchLimitAll,
    kSecReturnAttributes, kSecReturnRef, kSecValueData,
};
use security_framework_sys::keychain_item::{SecItemCopyMatching, SecKeychainItemDelete};
use sha1::Digest as _;
use x509_parser::prelude::{FromDer, X509Certificate};
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::model::{Card, Certificate, Identity, KeyStatus};
use crate::prefs::{self, AttributeValue, Location, PreferenceRecord, Removed, Resolved, IPRF};
use crate::secret::Secret;
use crate::store::keychain_status::{
    keychain_error, ERR_SEC_AUTH_FAILED, ERR_SEC_DUPLICATE_ITEM, ERR_SEC_INTERACTION_NOT_ALLOWED,
    ERR_SEC_ITEM_NOT_FOUND, ERR_SEC_USER_CANCELED,
};
use crate::store::{DeletionStep, ImportFile, ImportOutcome, Keystore};

mod sign;

// Declared by Security.framework, not by security-framework-sys.
#[link(name = "Security", kind = "framework")]
extern "C" {
    static kSecAttrType: core_foundation::string::CFStringRef;
    static kSecAttrAccount: core_foundation::string::CFStringRef;
    static kSecValuePersistentRef: core_foundation::string::CFStringRef;
    static kSecValueRef: core_foundation::string::CFStringRef;
    static kSecAttrIsExtractable: core_foundation::string::CFStringRef;
    static kSecAttrTokenID: core_foundation::string::CFStringRef;
    fn SecKeychainCopyLogin(keychain: *mut security_framework_sys::base::SecKeychainRef) -> i32;
    fn SecKeychainGetPath(
        keychain: security_framework_sys::base::SecKeychainRef,
        length: *mut u32,
        path: *mut std::ffi::c_char,
    ) -> i32;
    fn SecKeychainItemCopyKeychain(
        item: security_framework_sys::base::SecKeychainItemRef,
        keychain: *mut security_framework_sys::base::SecKeychainRef,
    ) -> i32;
    fn SecKeychainItemGetTypeID() -> core_foundation::base::CFTypeID;
    static kSecAttrGeneric: core_foundation::string::CFStringRef;
    fn SecKeychainItemCreatePersistentReference(
        item: security_framework_sys::base::SecKeychainItemRef,
        reference: *mut core_foundation::data::CFDataRef,
    ) -> i32;
}

/// The keychain attribute tags a preference is rewritten with (SecKeychainItem.h).
const GENERIC_ATTRIBUTE: u32 = u32::from_be_bytes(*b"gena");
const ACCOUNT_ATTRIBUTE: u32 = u32::from_be_bytes(*b"acct");

/// `value` as a keychain item reference, when it is one (a generic password's
/// `v_Ref`); a certificate of a keychain file is one too.
fn as_keychain_item(value: &CFType) -> Option<security_framework_sys::base::SecKeychainItemRef> {
    // SAFETY: reading type ids has no preconditions.
    let item = unsafe { SecKeychainItemGetTypeID() };
    let is_item = value.type_of() == item || value.type_of() == SecCertificate::type_id();
    is_item.then(|| value.as_CFTypeRef() as security_framework_sys::base::SecKeychainItemRef)
}

/// The login keychain itself (`SecKeychainCopyLogin`), not the default
/// keychain, which a user or an installer may have pointed elsewhere.
fn login_keychain() -> std::result::Result<SecKeychain, i32> {
    let mut keychain = ptr::null_mut();
    // SAFETY: on success `keychain` is a new reference we own.
    let status = unsafe { SecKeychainCopyLogin(&mut keychain) };
    if status != 0 || keychain.is_null() {
        return Err(status);
    }
    // SAFETY: a Create-rule SecKeychainRef.
    Ok(unsafe { SecKeychain::wrap_under_create_rule(keychain) })
}

/// The file of a keychain, as macOS names it.
fn keychain_path(keychain: security_framework_sys::base::SecKeychainRef) -> Option<String> {
    let mut buffer = vec![0u8; 4096];
    let mut length = buffer.len() as u32 - 1;
    // SAFETY: `buffer` holds `length` bytes and one more for the NUL; the call writes at most that.
    let status = unsafe { SecKeychainGetPath(keychain, &mut length, buffer.as_mut_ptr().cast()) };
    if status != 0 {
        return None;
    }
    let written = &buffer[..(length as usize).min(buffer.len())];
    let path = written.split(|&b| b == 0).next().unwrap_or(written);
    Some(String::from_utf8_lossy(path).into_owned())
}

/// The file of the keychain that holds `item`.
fn keychain_of_item(item: &CFType) -> Option<String> {
    let item = as_keychain_item(item)?;
    let mut keychain = ptr::null_mut();
    // SAFETY: `item` is a valid item reference; on success `keychain` is a new reference we own.
    if unsafe { SecKeychainItemCopyKeychain(item, &mut keychain) } != 0 || keychain.is_null() {
        return None;
    }
    // SAFETY: a Create-rule SecKeychainRef, released when dropped.
    let keychain = unsafe { SecKeychain::wrap_under_create_rule(keychain) };
    keychain_path(keychain.as_concrete_TypeRef())
}

fn cf_key(key: core_foundation::string::CFStringRef) -> CFString {
    // SAFETY: the Security.framework constants are valid, immortal CFStrings.
    unsafe { CFString::wrap_under_get_rule(key) }
}

/// The login keychain.
#[derive(Debug, Clone)]
pub struct KeychainStore {
    name: String,
}

impl KeychainStore {
    pub fn open(name: &str) -> Result<KeychainStore> {
        let store = KeychainStore { name: name.to_owned() };
        if name != "login" {
            return Err(store.unavailable("only the login keychain is supported"));
        }
        store.login()?;
        Ok(store)
    }

    /// The login keychain's file, shown beside the store's name.
    fn login_path(&self) -> Result<String> {
        let login = self.login()?;
        keychain_path(login.as_concrete_TypeRef()).ok_or_else(|| self.unavailable("the login keychain has no file"))
    }

    fn unavailable(&self, why: &str) -> Error {
        Error::StoreUnavailable { store: self.spec(), why: why.to_owned() }
    }

    fn refused(&self, what: &str, e: impl std::fmt::Display) -> Error {
        Error::Store { store: self.spec(), why: format!("{what}: {e}") }
    }

    /// Searches only the login keychain: the default search list also holds
    /// the System keychain and its hundreds of roots.
    fn login(&self) -> Result<SecKeychain> {
        login_keychain().map_err(|status| keychain_error(status, &self.spec(), "opening the login keychain"))
    }

    /// Every item of `class` in the login keychain, as references.
    fn search(&self, class: ItemClass, what: &str) -> Result<Vec<Reference>> {
        let found = ItemSearchOptions::new()
            .keychains(&[self.login()?])
            .class(class)
            .load_refs(true)
            .limit(Limit::All)
            .search()
            .or_else(|e| if e.code() == ERR_SEC_ITEM_NOT_FOUND { Ok(Vec::new()) } else { Err(e) })
            .map_err(|e| self.refused(what, e))?;
        Ok(found
            .into_iter()
            .filter_map(|r| match r {
                SearchResult::Ref(reference) => Some(reference),
                _ => None,
            })
            .collect())
    }

    fn identities(&self) -> Result<Vec<SecIdentity>> {
        let found = self.search(ItemClass::identity(), "listing identities")?;
        Ok(found.into_iter().filter_map(|r| if let Reference::Identity(i) = r { Some(i) } else { None }).collect())
    }

    /// The identities of the present smart cards (`kSecAttrAccessGroupToken`);
    /// none when no card is in, or this macOS answers the query with an error.
    fn token_identities(&self) -> Vec<SecIdentity> {
        let found = ItemSearchOptions::new()
            .class(ItemClass::identity())
            .access_group_token()
            .load_refs(true)
            .limit(Limit::All)
            .search()
            .unwrap_or_default();
        found
            .into_iter()
            .filter_map(|r| match r {
                SearchResult::Ref(Reference::Identity(identity)) => Some(identity),
                _ => None,
            })
            .collect()
    }

    fn certificates(&self) -> Result<Vec<SecCertificate>> {
        let found = self.search(ItemClass::certificate(), "listing certificates")?;
        Ok(found.into_iter().filter_map(|r| if let Reference::Certificate(c) = r { Some(c) } else { None }).collect())
    }

    fn identity_for(&self, identity: &Identity) -> Result<SecIdentity> {
        self.identities()?
            .into_iter()
            .chain(self.token_identities())
            .find(|i| i.certificate().map(|c| c.to_der() == identity.certificate.der).unwrap_or(false))
            .ok_or_else(|| Error::NotFound { prefix: identity.id.clone() })
    }
}

/// The keychains whose certificates macOS trusts or offers for chains on
/// its own: certificates a file carries that are here stay out of login.
const SYSTEM_KEYCHAINS: [&str; 2] =
    ["/Library/Keychains/System.keychain", "/System/Library/Keychains/SystemRootCertificates.keychain"];

impl KeychainStore {
    /// The file's certificates, keys and identities that are in the login keychain now.
    fn items_of(&self, file: &FileItems) -> Result<KeychainItems> {
        let certificates = self.certificates()?.into_iter().filter(|c| file.holds(&c.to_der())).collect();
        let mut keys = Vec::new();
        for label in &file.key_labels {
            keys.extend(self.keys_labelled(label)?.into_iter().map(|k| (label.clone(), k)));
        }
        let identities = self
            .identities()?
            .iter()
            .filter_map(|i| i.certificate().ok().map(|c| c.to_der()))
            .filter(|der| file.personal.iter().any(|p| p.der == *der))
            .collect();
        Ok(KeychainItems { certificates, keys, identities })
    }

    /// The keys (private, and any public) whose kSecAttrApplicationLabel is `label`.
    fn keys_labelled(&self, label: &[u8]) -> Result<Vec<SecKey>> {
        let found = ItemSearchOptions::new()
            .keychains(&[self.login()?])
            .class(ItemClass::key())
            .application_label(label)
            .load_refs(true)
            .limit(Limit::All)
            .search()
            .or_else(|e| if e.code() == ERR_SEC_ITEM_NOT_FOUND { Ok(Vec::new()) } else { Err(e) })
            .map_err(|e| self.refused("listing keys", e))?;
        Ok(found
            .into_iter()
            .filter_map(|r| if let SearchResult::Ref(Reference::Key(k)) = r { Some(k) } else { None })
            .collect())
    }

    /// The error for a failed import, saying what became of what it had added.
    fn import_failed(&self, cause: &str, left: &[String]) -> Error {
        let aftermath = if left.is_empty() {
            "certdesk removed what this import had added, so the keychain is as it was".to_owned()
        } else {
            format!(
                "certdesk could not remove all this import had added: {}; delete those in Keychain Access",
                left.join("; ")
            )
        };
        self.refused("importing", format!("{cause}; {aftermath}"))
    }
}

/// Whether an import that answered `imported` left the file in the keychain
/// whole (each key paired with its certificate); the reason when it did not.
fn import_verdict(
    imported: std::result::Result<Vec<ImportedIdentity>, security_framework::base::Error>,
    file: &FileItems,
    now: &KeychainItems,
) -> std::result::Result<(), String> {
    match imported {
        Ok(_) => match file.personal.iter().find(|c| !now.identities.contains(&c.der)) {
            None => Ok(()),
            Some(unpaired) => Err(format!("the keychain took {} but not its private key", describe(unpaired))),
        },
        // macOS refuses a file whose items it holds already; when all of them
        // are there, that is what the user asked for.
        Err(e) if e.code() == ERR_SEC_DUPLICATE_ITEM && file.whole_in(now) => Ok(()),
        Err(e) => Err(e.to_string()),
    }
}

/// What a PKCS#12 file puts in a keychain, found by content: a certificate
/// by its DER; a key by the SHA-1 of its public key, which the keychain
/// keeps as the key's kSecAttrApplicationLabel (and as its certificate's
/// public key hash, which pairs the two into an identity). A key whose
/// certificate is not in the file cannot be found this way, so a failed
/// import of such a key leaves it behind.
struct FileItems {
    certificates: Vec<Certificate>,
    /// The certificates whose key is in the file: each must end up an identity.
    personal: Vec<Certificate>,
    key_labels: Vec<Vec<u8>>,
}

/// The items of one file that are in the login keychain.
struct KeychainItems {
    certificates: Vec<SecCertificate>,
    /// Each with its label.
    keys: Vec<(Vec<u8>, SecKey)>,
    /// The DER of each personal certificate of the file that is paired with its key.
    identities: Vec<Vec<u8>>,
}

impl KeychainItems {
    fn holds_certificate(&self, der: &[u8]) -> bool {
        self.certificates.iter().any(|c| c.to_der() == der)
    }

    /// The certificates and keys in `self` that were not in `before`.
    fn added_since(&self, before: &KeychainItems) -> KeychainItems {
        KeychainItems {
            certificates: self
                .certificates
                .iter()
                .filter(|c| !before.holds_certificate(&c.to_der()))
                .cloned()
                .collect(),
            keys: self.keys.iter().filter(|(label, _)| !before.keys.iter().any(|(b, _)| b == label)).cloned().collect(),
            identities: Vec::new(),
        }
    }

    /// Deletes these items; returns those that could not be deleted.
    fn delete_all(&self) -> Vec<String> {
        let mut left = Vec::new();
        for cert in &self.certificates {
            if let Err(e) = cert.delete() {
                left.push(format!("the certificate \"{}\" ({e})", cert.subject_summary()));
            }
        }
        for (_, key) in &self.keys {
            if let Err(e) = key.delete() {
                let name = key_name(key).unwrap_or_else(|| "a private key".to_owned());
                left.push(format!("the key \"{name}\" ({e})"));
            }
        }
        left
    }
}

impl FileItems {
    fn of(contents: &crate::pkcs12::Pkcs12) -> FileItems {
        let certificates = contents.certificates.iter().filter_map(|c| Certificate::from_der(&c.der).ok()).collect();
        let personal_bags: Vec<_> = contents
            .keys
            .iter()
            .filter_map(|k| crate::pkcs12::certificate_for_key(&contents.certificates, k))
            .collect();
        FileItems {
            certificates,
            personal: personal_bags.iter().filter_map(|c| Certificate::from_der(&c.der).ok()).collect(),
            key_labels: personal_bags.iter().filter_map(|c| public_key_hash(&c.der)).collect(),
        }
    }

    fn holds(&self, der: &[u8]) -> bool {
        self.certificates.iter().any(|c| c.der == der)
    }

    /// Whether every certificate of the file is in `items`, each key paired with its certificate.
    fn whole_in(&self, items: &KeychainItems) -> bool {
        self.certificates.iter().all(|c| items.holds_certificate(&c.der))
            && self.personal.iter().all(|c| items.identities.contains(&c.der))
    }

    /// The ids of the file's certificates for which `pick` holds.
    fn ids_where(&self, pick: impl Fn(&[u8]) -> bool) -> Vec<String> {
        self.certificates.iter().filter(|c| pick(&c.der)).map(|c| c.sha256.clone()).collect()
    }

    fn outcome(&self, before: &KeychainItems, added: &KeychainItems) -> ImportOutcome {
        ImportOutcome {
            added: self.ids_where(|der| added.holds_certificate(der)),
            already_present: self.ids_where(|der| before.holds_certificate(der)),
            ..ImportOutcome::default()
        }
    }

    /// The outcome from what SecPKCS12Import answered, for when the keychain
    /// cannot be searched after it.
    fn outcome_from(&self, before: &KeychainItems, imported: &[ImportedIdentity]) -> ImportOutcome {
        let mut ders: Vec<Vec<u8>> = Vec::new();
        for item in imported {
            ders.extend(item.identity.as_ref().and_then(|i| i.certificate().ok()).map(|c| c.to_der()));
            ders.extend(item.cert_chain.iter().flatten().map(SecCertificate::to_der));
        }
        ImportOutcome {
            added: self.ids_where(|der| ders.iter().any(|d| d == der) && !before.holds_certificate(der)),
            already_present: self.ids_where(|der| before.holds_certificate(der)),
            ..ImportOutcome::default()
        }
    }

    /// The file's certificates, as Keychain Access shows them.
    fn names(&self) -> String {
        self.certificates.iter().map(describe).collect::<Vec<_>>().join(", ")
    }
}

fn describe(certificate: &Certificate) -> String {
    match certificate.subject.common_name() {
        Some(name) => format!("\"{name}\""),
        None => format!("the certificate {}", certificate.sha256),
    }
}

/// The SHA-1 of a certificate's public key (the BIT STRING's contents: an
/// RSA key's PKCS#1 form, an EC key's point), as the keychain labels the key.
fn public_key_hash(der: &[u8]) -> Option<Vec<u8>> {
    let (_, x509) = X509Certificate::from_der(der).ok()?;
    Some(sha1::Sha1::digest(&x509.public_key().subject_public_key.data).to_vec())
}

/// A key's label (kSecAttrLabel), as Keychain Access shows it.
fn key_name(key: &SecKey) -> Option<String> {
    let attributes = key.attributes();
    // SAFETY: the value is a CFType owned by the dictionary; we take our own reference.
    let value = attributes
        .find(unsafe { kSecAttrLabel } as *const c_void)
        .map(|v| unsafe { CFType::wrap_under_get_rule(*v) })?;
    value.downcast::<CFString>().map(|s| s.to_string())
}

fn key_status(identity: &SecIdentity) -> KeyStatus {
    let Ok(key) = identity.private_key() else { return KeyStatus::HardwareOrUnknown };
    let attributes = key.attributes();
    let lookup = |k: core_foundation::string::CFStringRef| {
        // SAFETY: values are CFTypes owned by the dictionary; we take our own reference.
        attributes.find(k as *const c_void).map(|v| unsafe { CFType::wrap_under_get_rule(*v) })
    };
    // SAFETY: reading immortal constants.
    if lookup(unsafe { kSecAttrTokenID }).is_some() {
        return KeyStatus::OnToken;
    }
    // SAFETY: reading an immortal constant.
    match lookup(unsafe { kSecAttrIsExtractable }).and_then(|v| v.downcast::<CFBoolean>()).map(bool::from) {
        Some(true) => KeyStatus::Exportable,
        Some(false) => KeyStatus::NotExportable,
        None => KeyStatus::HardwareOrUnknown,
    }
}

fn attribute_value(value: &CFType) -> Option<AttributeValue> {
    if let Some(s) = value.downcast::<CFString>() {
        return Some(AttributeValue::Text(s.to_string()));
    }
    if let Some(d) = value.downcast::<CFData>() {
        return Some(AttributeValue::Data(d.bytes().to_vec()));
    }
    value.downcast::<CFNumber>().and_then(|n| n.to_i64()).map(AttributeValue::Number)
}

impl Keystore for KeychainStore {
    fn spec(&self) -> String {
        format!("keychain:{}", self.name)
    }

    fn list(&self) -> Result<Vec<Identity>> {
        let spec = self.spec();
        let mut listed: Vec<Identity> = Vec::new();
        for identity in self.identities()? {
            let Ok(cert) = identity.certificate() else { continue };
            let Ok(certificate) = Certificate::from_der(&cert.to_der()) else { continue };
            if listed.iter().any(|i| i.id == certificate.sha256) {
                continue;
            }
            let listed_identity =
                Identity::new(certificate, key_status(&identity), Some(cert.subject_summary()), &spec);
            listed.push(match token_of(&identity) {
                Some(token) => listed_identity.on_card(Card { label: token, reader: None }),
                None => listed_identity,
            });
        }
        // A smart card's identities (CryptoTokenKit: PIV, or a vendor's
        // token driver) live outside every keychain file.
        for identity in self.token_identities() {
            let Ok(cert) = identity.certificate() else { continue };
            let Ok(certificate) = Certificate::from_der(&cert.to_der()) else { continue };
            if listed.iter().any(|i| i.id == certificate.sha256) {
                continue;
            }
            // Only what names its token is a card's: should macOS answer the
            // token query with a keychain's identity too, it stays out.
            let Some(token) = token_of(&identity) else { continue };
            let card = Card { label: token, reader: None };
            listed.push(
                Identity::new(certificate, KeyStatus::OnToken, Some(cert.subject_summary()), &spec).on_card(card),
            );
        }
        for cert in self.certificates()? {
            let Ok(certificate) = Certificate::from_der(&cert.to_der()) else { continue };
            if !listed.iter().any(|i| i.id == certificate.sha256) {
                listed.push(Identity::new(certificate, KeyStatus::None, Some(cert.subject_summary()), &spec));
            }
        }
        Ok(listed)
    }

    /// All of the file or nothing: what the import added (found by content,
    /// see `FileItems`) is deleted again when it fails, and what was in the
    /// keychain before is never touched.
    fn import_pkcs12(&self, given: &ImportFile<'_>, exportable: bool) -> Result<ImportOutcome> {
        let (pfx, password) = (given.bytes, given.password);
        if !exportable {
            return Err(Error::Unsupported {
                what: "importing a key as not exportable into a macOS keychain".into(),
                hint: "; import it without --not-exportable".into(),
            });
        }
        let file = FileItems::of(given.contents);
        let before = self.items_of(&file)?;
        // macOS 14 and earlier reject AES files with "MAC verification
        // failed"; transfer::import_file hands every store a compatible copy.
        let imported = Pkcs12ImportOptions::new().passphrase(password.expose()).keychain(self.login()?).import(pfx);
        match (self.items_of(&file), imported) {
            (Ok(now), imported) => {
                let added = now.added_since(&before);
                match import_verdict(imported, &file, &now) {
                    Ok(()) => Ok(file.outcome(&before, &added)),
                    Err(cause) => Err(self.import_failed(&cause, &added.delete_all())),
                }
            }
            // Imported, but the keychain cannot be searched now: the import's
            // own answer says what it added.
            (Err(_), Ok(identities)) => Ok(file.outcome_from(&before, &identities)),
            (Err(listing), Err(e)) => Err(self.refused(
                "importing",
                format!(
                    "{e}; certdesk could not see what the import may have added ({listing}): look for {} in Keychain Access",
                    file.names()
                ),
            )),
        }
    }

    /// What the System keychain and the system roots hold. A keychain that
    /// cannot be opened or searched only means that nothing is left out.
    fn trusted_elsewhere(&self) -> Result<Vec<Certificate>> {
        let mut found = Vec::new();
        for path in SYSTEM_KEYCHAINS {
            let Ok(keychain) = SecKeychain::open(path) else { continue };
            let Ok(results) = ItemSearchOptions::new()
                .keychains(&[keychain])
                .class(ItemClass::certificate())
                .load_refs(true)
                .limit(Limit::All)
                .search()
            else {
                continue;
            };
            found.extend(results.into_iter().filter_map(|r| match r {
                SearchResult::Ref(Reference::Certificate(c)) => Certificate::from_der(&c.to_der()).ok(),
                _ => None,
            }));
        }
        Ok(found)
    }

    fn export_private_key(&self, identity: &Identity) -> Result<Zeroizing<Vec<u8>>> {
        let sec_identity = self.identity_for(identity)?;
        let throwaway = Secret::new(hex::encode(crate::pkcs12::random_bytes(16)));
        let passphrase = CFString::new(throwaway.expose());
        let params = SecItemImportExportKeyParameters {
            version: SEC_KEY_IMPORT_EXPORT_PARAMS_VERSION,
            flags: 0,
            passphrase: passphrase.as_CFTypeRef(),
            alertTitle: ptr::null(),
            alertPrompt: ptr::null(),
            accessRef: ptr::null_mut(),
            keyUsage: ptr::null(),
            keyAttributes: ptr::null(),
        };
        let mut data: core_foundation::data::CFDataRef = ptr::null();
        // SAFETY: the identity and parameters are valid for the call; on
        // success `data` is a new CFData we own.
        let status = unsafe { SecItemExport(sec_identity.as_CFTypeRef(), kSecFormatPKCS12, 0, &params, &mut data) };
        match status {
            0 if !data.is_null() => {}
            // "Deny" in the keychain's prompt, and a locked keychain, say so.
            ERR_SEC_USER_CANCELED | ERR_SEC_AUTH_FAILED | ERR_SEC_INTERACTION_NOT_ALLOWED => {
                return Err(keychain_error(status, &self.spec(), "exporting the private key"))
            }
            _ => {
                return Err(Error::NotExportable {
                    why: format!(
                        "the keychain refused to export it (OSStatus {status}); it may be marked not exportable"
                    ),
                })
            }
        }
        // SAFETY: `data` came from a Create-rule call.
        let data = unsafe { CFData::wrap_under_create_rule(data) };
        let file = crate::pkcs12::read(data.bytes(), &throwaway)?;
        file.keys
            .first()
            .map(|k| k.pkcs8.clone())
            .ok_or_else(|| self.refused("exporting", "the keychain's file had no key"))
    }

    /// The certificate goes first, then its key: a failure between the two
    /// leaves a key without its certificate (harmless, and shown by Keychain
    /// Access), never a certificate that lost its key.
    fn delete(&self, step: &DeletionStep) -> Result<()> {
        let der = &step.identity.certificate.der;
        let key = if step.remove_key {
            self.identities()?
                .into_iter()
                .find(|i| i.certificate().map(|c| c.to_der() == *der).unwrap_or(false))
                .and_then(|i| i.private_key().ok())
        } else {
            None
        };
        let cert = self
            .certificates()?
            .into_iter()
            .find(|c| c.to_der() == *der)
            .ok_or_else(|| Error::NotFound { prefix: step.identity.id.clone() })?;
        cert.delete().map_err(|e| keychain_error(e.code(), &self.spec(), "deleting the certificate"))?;
        if let Some(key) = key {
            key.delete().map_err(|e| keychain_error(e.code(), &self.spec(), "deleting the private key"))?;
        }
        Ok(())
    }

    fn signing_key(&self, identity: &Identity) -> Result<std::sync::Arc<dyn rustls::sign::SigningKey>> {
        sign::signing_key(self, identity)
    }

    fn location(&self) -> Option<String> {
        self.login_path().ok()
    }

    /// Every `iprf` item of the search list (login, and the System keychain
    /// an admin may have set preferences in), each with its keychain's file.
    fn identity_preferences(&self) -> Result<Vec<PreferenceRecord>> {
        Ok(self.preference_items(None)?.into_iter().map(|(record, _)| record).collect())
    }

    fn resolve_preference(&self, record: &PreferenceRecord) -> Resolved {
        let Some(reference) = record.certificate_ref.as_deref() else { return Resolved::Nothing };
        let query = CFDictionary::from_CFType_pairs(&[
            (cf_key(unsafe { kSecValuePersistentRef }), CFData::from_buffer(reference).as_CFType()),
            (cf_key(unsafe { kSecReturnRef }), CFBoolean::true_value().as_CFType()),
        ]);
        let login = self.login_path().unwrap_or_default();
        let home = std::env::var("HOME").unwrap_or_default();
        let in_file = |file: &str| prefs::location_of(file, &login, &home);
        // Where the reference says, for when the item itself cannot tell.
        let referenced = || prefs::reference_keychain(reference).map_or(Location::Elsewhere, |f| in_file(&f));
        let mut result: core_foundation::base::CFTypeRef = ptr::null();
        // SAFETY: `query` is a valid dictionary; on success `result` is a reference we own.
        let status = unsafe { SecItemCopyMatching(query.as_concrete_TypeRef(), &mut result) };
        // Only "not found" means gone: a locked keychain, a refusal or a card
        // taken out leaves the preference as it is.
        if status == ERR_SEC_ITEM_NOT_FOUND {
            return Resolved::Nothing;
        }
        if status != 0 || result.is_null() {
            return Resolved::Unreadable { location: referenced() };
        }
        // SAFETY: a Create-rule CFType.
        let item = unsafe { CFType::wrap_under_create_rule(result) };
        // An identity (a reference made with its key) is judged as its certificate.
        let (certificate, identity) = if let Some(identity) = item.downcast::<SecIdentity>() {
            match identity.certificate() {
                Ok(c) => (c, Some(identity)),
                Err(_) => return Resolved::Unreadable { location: referenced() },
            }
        } else if let Some(certificate) = item.downcast::<SecCertificate>() {
            use security_framework::os::macos::identity::SecIdentityExt as _;
            // Its key anywhere in the search list, a token's included.
            let identity = SecIdentity::with_certificate(&[], &certificate).ok();
            (certificate, identity)
        } else {
            return Resolved::Unreadable { location: referenced() };
        };
        let location = match identity.as_ref().and_then(token_of) {
            Some(token) => Location::Token(token),
            None => keychain_of_item(&certificate.as_CFType()).map_or_else(referenced, |f| in_file(&f)),
        };
        Resolved::Certificate { der: certificate.to_der(), has_key: identity.is_some(), location }
    }

    /// Deletes the one item `record` was read from, found again by its
    /// service, account, keychain and reference: SecItemDelete would take
    /// every item of the service, and Apple's `security` tool the first.
    fn delete_identity_preference(&self, record: &PreferenceRecord) -> Result<Removed> {
        let items = self.preference_items(Some(record))?;
        let Some((_, item)) = items.iter().find(|(found, _)| found == record) else {
            return Ok(Removed::AlreadyGone);
        };
        let Some(item) = as_keychain_item(item) else { return Ok(Removed::AlreadyGone) };
        // SAFETY: `item` is a keychain item reference, kept alive by `items`.
        match unsafe { SecKeychainItemDelete(item) } {
            0 => Ok(Removed::Deleted),
            ERR_SEC_ITEM_NOT_FOUND => Ok(Removed::AlreadyGone),
            status => Err(keychain_error(status, &self.spec(), "deleting the identity preference")),
        }
    }

    /// Rewrites the item's `gena` (the reference) and `acct` in place, as
    /// Apple's `SecIdentitySetPreference` updates an existing item: the
    /// service, and so the app that looks it up, stays.
    fn repoint_identity_preference(&self, record: &PreferenceRecord, to: &Identity, account: &str) -> Result<()> {
        let reference = self.certificate_reference(to)?;
        let items = self.preference_items(Some(record))?;
        let Some((_, item)) = items.iter().find(|(found, _)| found == record) else {
            return Err(Error::NotFound { prefix: record.service.clone() });
        };
        let Some(item) = as_keychain_item(item) else { return Err(Error::NotFound { prefix: record.service.clone() }) };
        let mut account = account.as_bytes().to_vec();
        let mut generic = reference.bytes().to_vec();
        let mut attributes = [
            security_framework_sys::base::SecKeychainAttribute {
                tag: GENERIC_ATTRIBUTE,
                length: generic.len() as u32,
                data: generic.as_mut_ptr().cast(),
            },
            security_framework_sys::base::SecKeychainAttribute {
                tag: ACCOUNT_ATTRIBUTE,
                length: account.len() as u32,
                data: account.as_mut_ptr().cast(),
            },
        ];
        let list = security_framework_sys::base::SecKeychainAttributeList {
            count: attributes.len() as u32,
            attr: attributes.as_mut_ptr(),
        };
        // SAFETY: `item` is kept alive by `items`; the list and its buffers outlive the call;
        // no data (length 0, null) leaves the item's empty data as it is.
        let status = unsafe {
            security_framework_sys::keychain_item::SecKeychainItemModifyAttributesAndData(item, &list, 0, ptr::null())
        };
        match status {
            0 => Ok(()),
            status => Err(keychain_error(status, &self.spec(), "pointing the identity preference at the renewal")),
        }
    }

    /// A new `iprf` generic-password item in the login keychain, with the
    /// attributes `SecIdentitySetPreferred` gives one (label and service the
    /// name, empty data), for the exact service (an app's own suffix included).
    fn add_identity_preference(&self, service: &str, to: &Identity, account: &str) -> Result<()> {
        let reference = self.certificate_reference(to)?;
        let login = self.login()?;
        let attributes = CFDictionary::from_CFType_pairs(&[
            (cf_key(unsafe { kSecClass }), cf_key(unsafe { kSecClassGenericPassword }).as_CFType()),
            (cf_key(unsafe { kSecAttrType }), CFNumber::from(IPRF as i32).as_CFType()),
            (cf_key(unsafe { kSecAttrService }), CFString::new(service).as_CFType()),
            (cf_key(unsafe { kSecAttrLabel }), CFString::new(service).as_CFType()),
            (cf_key(unsafe { kSecAttrAccount }), CFString::new(account).as_CFType()),
            (cf_key(unsafe { kSecAttrGeneric }), reference.as_CFType()),
            (cf_key(unsafe { kSecValueData }), CFData::from_buffer(&[]).as_CFType()),
            (cf_key(unsafe { security_framework_sys::item::kSecUseKeychain }), login.as_CFType()),
        ]);
        // SAFETY: `attributes` is a valid dictionary; no result is asked for.
        let status = unsafe {
            security_framework_sys::keychain_item::SecItemAdd(attributes.as_concrete_TypeRef(), ptr::null_mut())
        };
        match status {
            0 => Ok(()),
            status => Err(keychain_error(status, &self.spec(), "adding the identity preference")),
        }
    }
}

impl KeychainStore {
    /// The persistent reference of `to`'s certificate item, as
    /// `SecIdentitySetPreferred` stores it in a preference's `gena`.
    fn certificate_reference(&self, to: &Identity) -> Result<CFData> {
        let certificate = self
            .certificates()?
            .into_iter()
            .find(|c| c.to_der() == to.certificate.der)
            .ok_or_else(|| Error::Unsupported {
                what: "naming a certificate that is not in the login keychain (on a card, or in another keychain) in a site preference".into(),
                hint: "; choose it in Safari when the site asks".into(),
            })?;
        let item = as_keychain_item(&certificate.as_CFType())
            .ok_or_else(|| self.refused("pointing the preference", "the certificate is in no keychain file"))?;
        let mut reference: core_foundation::data::CFDataRef = ptr::null();
        // SAFETY: `item` is a certificate item kept alive by `certificate`; on success
        // `reference` is a new CFData we own.
        let status = unsafe { SecKeychainItemCreatePersistentReference(item, &mut reference) };
        if status != 0 || reference.is_null() {
            return Err(keychain_error(status, &self.spec(), "referring to the certificate"));
        }
        // SAFETY: a Create-rule CFData.
        Ok(unsafe { CFData::wrap_under_create_rule(reference) })
    }
}

/// The token a key lives on (CryptoTokenKit's `kSecAttrTokenID`), if any.
fn token_of(identity: &SecIdentity) -> Option<String> {
    let key = identity.private_key().ok()?;
    let attributes = key.attributes();
    // SAFETY: values are CFTypes owned by the dictionary; we take our own reference.
    let value = attributes
        .find(unsafe { kSecAttrTokenID } as *const c_void)
        .map(|v| unsafe { CFType::wrap_under_get_rule(*v) })?;
    value.downcast::<CFString>().map(|s| s.to_string())
}

impl KeychainStore {
    /// The `iprf` items with their references, all of them, or those of
    /// `like`'s service and account.
    fn preference_items(&self, like: Option<&PreferenceRecord>) -> Result<Vec<(PreferenceRecord, CFType)>> {
        let mut pairs = vec![
            (cf_key(unsafe { kSecClass }), cf_key(unsafe { kSecClassGenericPassword }).as_CFType()),
            (cf_key(unsafe { kSecAttrType }), CFNumber::from(IPRF as i32).as_CFType()),
            (cf_key(unsafe { kSecMatchLimit }), cf_key(unsafe { kSecMatchLimitAll }).as_CFType()),
            (cf_key(unsafe { kSecReturnAttributes }), CFBoolean::true_value().as_CFType()),
            (cf_key(unsafe { kSecReturnRef }), CFBoolean::true_value().as_CFType()),
        ];
        if let Some(like) = like {
            pairs.push((cf_key(unsafe { kSecAttrService }), CFString::new(&like.service).as_CFType()));
            pairs.push((cf_key(unsafe { kSecAttrAccount }), CFString::new(&like.account).as_CFType()));
        }
        let query = CFDictionary::from_CFType_pairs(&pairs);
        let mut result: core_foundation::base::CFTypeRef = ptr::null();
        // SAFETY: `query` is a valid dictionary; on success `result` is a new CFArray we own.
        let status = unsafe { SecItemCopyMatching(query.as_concrete_TypeRef(), &mut result) };
        if status == ERR_SEC_ITEM_NOT_FOUND {
            return Ok(Vec::new());
        }
        if status != 0 || result.is_null() {
            return Err(keychain_error(status, &self.spec(), "listing identity preferences"));
        }
        // SAFETY: a Create-rule CFArray of attribute dictionaries.
        let items: CFArray<CFDictionary> = unsafe { CFArray::wrap_under_create_rule(result as _) };
        let value_ref = cf_key(unsafe { kSecValueRef });
        let mut found = Vec::new();
        for item in items.iter() {
            let (keys, values) = item.get_keys_and_values();
            let mut attributes = BTreeMap::new();
            let mut reference = None;
            for (k, v) in keys.into_iter().zip(values) {
                // SAFETY: keys are CFStrings and values CFTypes owned by the dictionary.
                let key = unsafe { CFString::wrap_under_get_rule(k as _) };
                let value = unsafe { CFType::wrap_under_get_rule(v) };
                if key == value_ref {
                    reference = Some(value);
                } else if let Some(value) = attribute_value(&value) {
                    attributes.insert(key.to_string(), value);
                }
            }
            let Some(reference) = reference else { continue };
            let keychain = keychain_of_item(&reference).unwrap_or_default();
            found.extend(PreferenceRecord::from_attributes(&attributes, &keychain).map(|record| (record, reference)));
        }
        Ok(found)
    }
}
