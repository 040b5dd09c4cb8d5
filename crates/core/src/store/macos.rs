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
use security_framework::import_export::Pkcs12ImportOptions;
use security_framework::item::{ItemClass, ItemSearchOptions, Limit, Reference, SearchResult};
use security_framework::os::macos::keychain::SecKeychain;
use security_framework_sys::import_export::{
    kSecFormatPKCS12, SecItemExport, SecItemImportExportKeyParameters, SEC_KEY_IMPORT_EXPORT_PARAMS_VERSION,
};
use security_framework_sys::item::{
    kSecAttrService, kSecClass, kSecClassGenericPassword, kSecMatchLimit, kSecMatchLimitAll, kSecReturnAttributes,
    kSecReturnRef,
};
use security_framework_sys::keychain_item::{SecItemCopyMatching, SecItemDelete};
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::model::{Certificate, Identity, KeyStatus};
use crate::prefs::{AttributeValue, PreferenceRecord, IPRF};
use crate::secret::Secret;
use crate::store::{DeletionStep, ImportOutcome, Keystore};

mod sign;

// Declared by Security.framework, not by security-framework-sys.
#[link(name = "Security", kind = "framework")]
extern "C" {
    static kSecAttrType: core_foundation::string::CFStringRef;
    static kSecValuePersistentRef: core_foundation::string::CFStringRef;
    static kSecAttrIsExtractable: core_foundation::string::CFStringRef;
    static kSecAttrTokenID: core_foundation::string::CFStringRef;
}

const ERR_SEC_ITEM_NOT_FOUND: i32 = -25300;

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
        SecKeychain::default().map_err(|e| store.unavailable(&e.to_string()))?;
        Ok(store)
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
        SecKeychain::default().map_err(|e| self.unavailable(&e.to_string()))
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

    fn certificates(&self) -> Result<Vec<SecCertificate>> {
        let found = self.search(ItemClass::certificate(), "listing certificates")?;
        Ok(found.into_iter().filter_map(|r| if let Reference::Certificate(c) = r { Some(c) } else { None }).collect())
    }

    fn identity_for(&self, identity: &Identity) -> Result<SecIdentity> {
        self.identities()?
            .into_iter()
            .find(|i| i.certificate().map(|c| c.to_der() == identity.certificate.der).unwrap_or(false))
            .ok_or_else(|| Error::NotFound { prefix: identity.id.clone() })
    }
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
        return KeyStatus::HardwareOrUnknown;
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
            listed.push(Identity::new(certificate, key_status(&identity), Some(cert.subject_summary()), &spec));
        }
        for cert in self.certificates()? {
            let Ok(certificate) = Certificate::from_der(&cert.to_der()) else { continue };
            if !listed.iter().any(|i| i.id == certificate.sha256) {
                listed.push(Identity::new(certificate, KeyStatus::None, Some(cert.subject_summary()), &spec));
            }
        }
        Ok(listed)
    }

    fn import_pkcs12(&self, pfx: &[u8], password: &Secret, exportable: bool) -> Result<ImportOutcome> {
        if !exportable {
            return Err(Error::Unsupported {
                what: "importing a key as not exportable into a macOS keychain".into(),
                hint: "; import it without --not-exportable".into(),
            });
        }
        let before = self.list()?;
        let keychain = SecKeychain::default().map_err(|e| self.unavailable(&e.to_string()))?;
        // macOS 14 and earlier reject AES files with "MAC verification
        // failed"; transfer::import_file hands every store a compatible copy.
        Pkcs12ImportOptions::new()
            .passphrase(password.expose())
            .keychain(keychain)
            .import(pfx)
            .map_err(|e| self.refused("importing", e))?;
        let after = self.list()?;
        Ok(ImportOutcome {
            added: after.into_iter().filter(|a| !before.iter().any(|b| b.id == a.id)).map(|a| a.id).collect(),
            ..ImportOutcome::default()
        })
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
        if status != 0 || data.is_null() {
            return Err(Error::NotExportable {
                why: format!("the keychain refused to export it (OSStatus {status}); it may be marked not exportable"),
            });
        }
        // SAFETY: `data` came from a Create-rule call.
        let data = unsafe { CFData::wrap_under_create_rule(data) };
        let file = crate::pkcs12::read(data.bytes(), &throwaway)?;
        file.keys
            .first()
            .map(|k| k.pkcs8.clone())
            .ok_or_else(|| self.refused("exporting", "the keychain's file had no key"))
    }

    fn delete(&self, step: &DeletionStep) -> Result<()> {
        let identity = self
            .identities()?
            .into_iter()
            .find(|i| i.certificate().map(|c| c.to_der() == step.identity.certificate.der).unwrap_or(false));
        if step.remove_key {
            if let Some(key) = identity.as_ref().and_then(|i| i.private_key().ok()) {
                key.delete().map_err(|e| self.refused("deleting the private key", e))?;
            }
        }
        let cert = self
            .certificates()?
            .into_iter()
            .find(|c| c.to_der() == step.identity.certificate.der)
            .ok_or_else(|| Error::NotFound { prefix: step.identity.id.clone() })?;
        cert.delete().map_err(|e| self.refused("deleting the certificate", e))
    }

    fn signing_key(&self, identity: &Identity) -> Result<std::sync::Arc<dyn rustls::sign::SigningKey>> {
        sign::signing_key(self, identity)
    }

    fn identity_preferences(&self) -> Result<Vec<PreferenceRecord>> {
        let query = CFDictionary::from_CFType_pairs(&[
            (cf_key(unsafe { kSecClass }), cf_key(unsafe { kSecClassGenericPassword }).as_CFType()),
            (cf_key(unsafe { kSecAttrType }), CFNumber::from(IPRF as i32).as_CFType()),
            (cf_key(unsafe { kSecMatchLimit }), cf_key(unsafe { kSecMatchLimitAll }).as_CFType()),
            (cf_key(unsafe { kSecReturnAttributes }), CFBoolean::true_value().as_CFType()),
        ]);
        let mut result: core_foundation::base::CFTypeRef = ptr::null();
        // SAFETY: `query` is a valid dictionary; on success `result` is a new CFArray we own.
        let status = unsafe { SecItemCopyMatching(query.as_concrete_TypeRef(), &mut result) };
        if status == ERR_SEC_ITEM_NOT_FOUND {
            return Ok(Vec::new());
        }
        if status != 0 || result.is_null() {
            return Err(self.refused("listing identity preferences", format!("OSStatus {status}")));
        }
        // SAFETY: a Create-rule CFArray of attribute dictionaries.
        let items: CFArray<CFDictionary> = unsafe { CFArray::wrap_under_create_rule(result as _) };
        let mut records = Vec::new();
        for item in items.iter() {
            let (keys, values) = item.get_keys_and_values();
            let mut attributes = BTreeMap::new();
            for (k, v) in keys.into_iter().zip(values) {
                // SAFETY: keys are CFStrings and values CFTypes owned by the dictionary.
                let key = unsafe { CFString::wrap_under_get_rule(k as _) }.to_string();
                let value = unsafe { CFType::wrap_under_get_rule(v) };
                if let Some(value) = attribute_value(&value) {
                    attributes.insert(key, value);
                }
            }
            records.extend(PreferenceRecord::from_attributes(&attributes));
        }
        Ok(records)
    }

    fn resolve_certificate_ref(&self, reference: &[u8]) -> Option<Vec<u8>> {
        let query = CFDictionary::from_CFType_pairs(&[
            (cf_key(unsafe { kSecValuePersistentRef }), CFData::from_buffer(reference).as_CFType()),
            (cf_key(unsafe { kSecReturnRef }), CFBoolean::true_value().as_CFType()),
        ]);
        let mut result: core_foundation::base::CFTypeRef = ptr::null();
        // SAFETY: as above; the result is a certificate reference we own.
        let status = unsafe { SecItemCopyMatching(query.as_concrete_TypeRef(), &mut result) };
        if status != 0 || result.is_null() {
            return None;
        }
        // SAFETY: a Create-rule CFType.
        let item = unsafe { CFType::wrap_under_create_rule(result) };
        item.downcast::<SecCertificate>().map(|c| c.to_der())
    }

    fn delete_identity_preference(&self, service: &str) -> Result<String> {
        let query = CFDictionary::from_CFType_pairs(&[
            (cf_key(unsafe { kSecClass }), cf_key(unsafe { kSecClassGenericPassword }).as_CFType()),
            (cf_key(unsafe { kSecAttrType }), CFNumber::from(IPRF as i32).as_CFType()),
            (cf_key(unsafe { kSecAttrService }), CFString::new(service).as_CFType()),
        ]);
        // SAFETY: `query` is a valid dictionary.
        let status = unsafe { SecItemDelete(query.as_concrete_TypeRef()) };
        if status == 0 {
            return Ok("keychain API".into());
        }
        // An item created by another app (Safari) may refuse our process;
        // Apple's own tool may delete it after asking the user.
        let output = std::process::Command::new("/usr/bin/security")
            .args(["delete-generic-password", "-C", "iprf", "-s", service])
            .output()
            .map_err(|e| Error::io("starting /usr/bin/security", e))?;
        if output.status.success() {
            Ok(format!("/usr/bin/security (the keychain API said OSStatus {status})"))
        } else {
            Err(self.refused(
                "deleting the identity preference",
                format!("OSStatus {status}; `security` said: {}", String::from_utf8_lossy(&output.stderr).trim()),
            ))
        }
    }
}
