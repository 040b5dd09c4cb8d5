//! Windows: the user's personal store `CurrentUser\My` through crypt32,
//! with keys from CAPI or CNG.
//!
//! schannel's wrappers hide the raw certificate context that key status,
//! key export and key deletion need, so this module calls crypt32, advapi32
//! and ncrypt through windows-sys directly. Keys leave the store only as
//! PKCS#8 handed to certdesk's codec: `PFXExportCertStore` is not used
//! (Wine's fails even on a memory store, and it would fix the profile).

use std::io;
use std::ptr;

use windows_sys::Win32::Foundation::{
    CRYPT_E_EXISTS, ERROR_CALL_NOT_IMPLEMENTED, ERROR_FILE_NOT_FOUND, ERROR_NOT_SUPPORTED,
};
use windows_sys::Win32::Security::Cryptography as wc;
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::model::{Card, Certificate, Identity, KeyStatus};
use crate::secret::Secret;
use crate::store::{capi_blob, DeletionStep, ImportFile, ImportOutcome, Keystore};

mod import;
mod key_container;
mod sign;

use key_container::KeyContainer;

fn wide(s: &str) -> Vec<u16> {
    s.encode_utf16().chain([0]).collect()
}

/// A system store of the current user, closed on drop.
struct SystemStore(wc::HCERTSTORE);

impl SystemStore {
    fn open(name: &str) -> io::Result<SystemStore> {
        SystemStore::open_with(name, 0)
    }

    /// Opens a store only to read it, and only if it exists (`None` when it
    /// does not): looking at a store must not create it.
    fn open_existing_to_read(name: &str) -> io::Result<Option<SystemStore>> {
        match SystemStore::open_with(name, wc::CERT_STORE_OPEN_EXISTING_FLAG | wc::CERT_STORE_READONLY_FLAG) {
            Ok(store) => Ok(Some(store)),
            Err(e) if e.raw_os_error() == Some(ERROR_FILE_NOT_FOUND as i32) => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn open_with(name: &str, flags: u32) -> io::Result<SystemStore> {
        let name = wide(name);
        // SAFETY: `name` is a NUL-terminated UTF-16 string that outlives the call;
        // CERT_STORE_PROV_SYSTEM_W takes it as `pvPara`.
        let handle = unsafe {
            wc::CertOpenStore(
                wc::CERT_STORE_PROV_SYSTEM_W,
                0,
                0,
                wc::CERT_SYSTEM_STORE_CURRENT_USER | flags,
                name.as_ptr().cast(),
            )
        };
        if handle.is_null() {
            Err(io::Error::last_os_error())
        } else {
            Ok(SystemStore(handle))
        }
    }

    fn certificates(&self) -> Vec<Cert> {
        let mut found = Vec::new();
        let mut previous: *const wc::CERT_CONTEXT = ptr::null();
        loop {
            // SAFETY: `previous` is null or the context the last call returned;
            // the call frees it, so each one we keep is duplicated first.
            let next = unsafe { wc::CertEnumCertificatesInStore(self.0, previous) };
            if next.is_null() {
                break;
            }
            // SAFETY: `next` is a valid context owned by the enumeration.
            found.push(Cert(unsafe { wc::CertDuplicateCertificateContext(next) }));
            previous = next;
        }
        found
    }

    /// Whether the store holds a certificate with exactly this encoding.
    fn contains(&self, der: &[u8]) -> bool {
        self.certificates().iter().any(|c| c.der() == der)
    }

    /// Adds a copy of `cert` (with its properties) only if the store does not
    /// hold it yet: a copy that is there stays as it is, and `None` says so.
    /// Returns the new context, the one to delete to take the addition back.
    fn add_new(&self, cert: &Cert) -> io::Result<Option<Cert>> {
        let mut stored: *mut wc::CERT_CONTEXT = ptr::null_mut();
        // SAFETY: both handles are valid; `stored` receives a new context we own.
        let ok = unsafe { wc::CertAddCertificateContextToStore(self.0, cert.0, wc::CERT_STORE_ADD_NEW, &mut stored) };
        if ok != 0 {
            return Ok(Some(Cert(stored)));
        }
        let error = io::Error::last_os_error();
        if error.raw_os_error() == Some(CRYPT_E_EXISTS) {
            Ok(None)
        } else {
            Err(error)
        }
    }
}

impl SystemStore {
    /// Writes pending changes to the registry now. Windows does this as it
    /// goes; Wine's registry store only on commit or its last release (a
    /// deletion without it "succeeds" and the certificate stays), so only
    /// the commit says whether Wine could write an addition.
    fn commit(&self) -> io::Result<()> {
        // SAFETY: a valid store handle; COMMIT takes no parameter.
        if unsafe { wc::CertControlStore(self.0, 0, wc::CERT_STORE_CTRL_COMMIT, ptr::null()) } != 0 {
            return Ok(());
        }
        let error = io::Error::last_os_error();
        // A store that writes as it goes may have nothing to commit.
        match error.raw_os_error().map(|code| code as u32) {
            Some(ERROR_NOT_SUPPORTED | ERROR_CALL_NOT_IMPLEMENTED) => Ok(()),
            _ => Err(error),
        }
    }
}

impl Drop for SystemStore {
    fn drop(&mut self) {
        // SAFETY: the handle came from CertOpenStore/PFXImportCertStore and is closed once.
        unsafe { wc::CertCloseStore(self.0, 0) };
    }
}

/// A certificate context we own a reference to.
struct Cert(*const wc::CERT_CONTEXT);

impl Drop for Cert {
    fn drop(&mut self) {
        if !self.0.is_null() {
            // SAFETY: we hold one reference to this context.
            unsafe { wc::CertFreeCertificateContext(self.0) };
        }
    }
}

/// A private key handle from CryptAcquireCertificatePrivateKey, released on drop when we must.
enum AcquiredKey {
    Cng { handle: usize, free: bool },
    Capi { provider: usize, spec: u32, free: bool },
}

impl Drop for AcquiredKey {
    fn drop(&mut self) {
        // SAFETY: each handle is released once, and only when the acquire call said we own it.
        unsafe {
            match *self {
                AcquiredKey::Cng { handle, free: true } => {
                    wc::NCryptFreeObject(handle);
                }
                AcquiredKey::Capi { provider, free: true, .. } => {
                    wc::CryptReleaseContext(provider, 0);
                }
                _ => {}
            }
        }
    }
}

impl Cert {
    fn der(&self) -> &[u8] {
        // SAFETY: a valid context's encoded bytes live as long as the context.
        unsafe { std::slice::from_raw_parts((*self.0).pbCertEncoded, (*self.0).cbCertEncoded as usize) }
    }

    /// A context property, in a buffer of u64s so that structures in it
    /// (CRYPT_KEY_PROV_INFO) are aligned; their pointers point into this
    /// same buffer, so it must stay alive while they are read.
    fn property_words(&self, id: u32) -> Option<(Vec<u64>, usize)> {
        let mut len = 0u32;
        // SAFETY: a null buffer asks for the length only.
        if unsafe { wc::CertGetCertificateContextProperty(self.0, id, ptr::null_mut(), &mut len) } == 0 {
            return None;
        }
        let mut buffer = vec![0u64; (len as usize).div_ceil(8)];
        // SAFETY: the buffer holds at least `len` bytes.
        let ok = unsafe { wc::CertGetCertificateContextProperty(self.0, id, buffer.as_mut_ptr().cast(), &mut len) };
        (ok != 0).then_some((buffer, len as usize))
    }

    fn property(&self, id: u32) -> Option<Vec<u8>> {
        let (words, len) = self.property_words(id)?;
        Some(words.iter().flat_map(|w| w.to_ne_bytes()).take(len).collect())
    }

    fn friendly_name(&self) -> Option<String> {
        let bytes = self.property(wc::CERT_FRIENDLY_NAME_PROP_ID)?;
        let units: Vec<u16> = bytes.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect();
        let text = String::from_utf16_lossy(&units).trim_end_matches('\0').to_owned();
        (!text.is_empty()).then_some(text)
    }

    fn set_friendly_name(&self, name: &str) -> io::Result<()> {
        let value = wide(name);
        let blob =
            wc::CRYPT_INTEGER_BLOB { cbData: (value.len() * 2) as u32, pbData: value.as_ptr().cast_mut().cast() };
        // SAFETY: `blob` points at `value`, which outlives the call; crypt32 copies it.
        let ok = unsafe {
            wc::CertSetCertificateContextProperty(
                self.0,
                wc::CERT_FRIENDLY_NAME_PROP_ID,
                0,
                ptr::from_ref(&blob).cast(),
            )
        };
        if ok == 0 {
            Err(io::Error::last_os_error())
        } else {
            Ok(())
        }
    }

    /// Unlinks the key from this certificate (the key itself stays).
    fn forget_key(&self) -> io::Result<()> {
        // SAFETY: a null value removes the property.
        let ok =
            unsafe { wc::CertSetCertificateContextProperty(self.0, wc::CERT_KEY_PROV_INFO_PROP_ID, 0, ptr::null()) };
        if ok == 0 {
            Err(io::Error::last_os_error())
        } else {
            Ok(())
        }
    }

    fn has_key(&self) -> bool {
        self.property(wc::CERT_KEY_PROV_INFO_PROP_ID).is_some()
    }

    fn acquire_key(&self) -> Option<AcquiredKey> {
        let mut handle: wc::HCRYPTPROV_OR_NCRYPT_KEY_HANDLE = 0;
        let mut spec: wc::CERT_KEY_SPEC = 0;
        let mut free = 0;
        // SAFETY: out-pointers are valid; SILENT means no UI (a smart card that
        // needs a PIN fails instead of prompting).
        let ok = unsafe {
            wc::CryptAcquireCertificatePrivateKey(
                self.0,
                wc::CRYPT_ACQUIRE_SILENT_FLAG | wc::CRYPT_ACQUIRE_ALLOW_NCRYPT_KEY_FLAG,
                ptr::null(),
                &mut handle,
                &mut spec,
                &mut free,
            )
        };
        if ok == 0 {
            return None;
        }
        Some(if spec == wc::CERT_NCRYPT_KEY_SPEC {
            AcquiredKey::Cng { handle, free: free != 0 }
        } else {
            AcquiredKey::Capi { provider: handle, spec, free: free != 0 }
        })
    }

    fn key_status(&self) -> KeyStatus {
        if !self.has_key() {
            return KeyStatus::None;
        }
        match self.acquire_key() {
            None => KeyStatus::HardwareOrUnknown,
            Some(AcquiredKey::Cng { handle, .. }) => {
                if cng_flags(handle, wc::NCRYPT_IMPL_TYPE_PROPERTY)
                    .is_some_and(|f| f & wc::NCRYPT_IMPL_HARDWARE_FLAG != 0)
                {
                    return KeyStatus::HardwareOrUnknown;
                }
                match cng_flags(handle, wc::NCRYPT_EXPORT_POLICY_PROPERTY) {
                    Some(policy) if policy & wc::NCRYPT_ALLOW_EXPORT_FLAG != 0 => KeyStatus::Exportable,
                    Some(_) => KeyStatus::NotExportable,
                    None => KeyStatus::HardwareOrUnknown,
                }
            }
            Some(AcquiredKey::Capi { provider, spec, .. }) => match capi_permissions(provider, spec) {
                Some(p) if p & wc::CRYPT_EXPORT != 0 => KeyStatus::Exportable,
                Some(_) => KeyStatus::NotExportable,
                None => KeyStatus::HardwareOrUnknown,
            },
        }
    }

    fn export_key(&self) -> Result<Zeroizing<Vec<u8>>> {
        let not_exportable = |why: &str| Error::NotExportable { why: why.to_owned() };
        match self.acquire_key() {
            None => {
                Err(not_exportable("Windows did not hand out its private key (on a smart card, or the key is missing)"))
            }
            Some(AcquiredKey::Cng { handle, .. }) => cng_export_pkcs8(handle),
            Some(AcquiredKey::Capi { provider, spec, .. }) => {
                let blob = capi_export_blob(provider, spec).ok_or_else(|| {
                    not_exportable(
                        "it was imported as not exportable; export it where it came from, or ask for a new certificate",
                    )
                })?;
                capi_blob::rsa_private_key_blob_to_pkcs8(&blob)
            }
        }
    }

    /// The identity this certificate is: a smart card's (propagated into
    /// `My` by its minidriver or CSP) names the card's provider and is not
    /// asked for its key, which a card keeps (and may ask a PIN for).
    fn identity(&self, certificate: Certificate, spec: &str) -> Identity {
        let card = self
            .key_container()
            .and_then(|container| container.provider_name())
            .filter(|provider| crate::token::is_smart_card_provider(provider));
        match card {
            Some(provider) => Identity::new(certificate, KeyStatus::OnToken, self.friendly_name(), spec)
                .on_card(Card { label: provider, reader: None }),
            None => Identity::new(certificate, self.key_status(), self.friendly_name(), spec),
        }
    }

    /// The key container CERT_KEY_PROV_INFO_PROP_ID names, if any.
    fn key_container(&self) -> Option<KeyContainer> {
        let (words, len) = self.property_words(wc::CERT_KEY_PROV_INFO_PROP_ID)?;
        if len < std::mem::size_of::<wc::CRYPT_KEY_PROV_INFO>() {
            return None;
        }
        // SAFETY: crypt32 returned a CRYPT_KEY_PROV_INFO followed by the strings
        // its pointers point into; the buffer is 8-byte aligned (see `property`)
        // and stays alive while the strings are copied out.
        unsafe { KeyContainer::from_prov_info(&*words.as_ptr().cast::<wc::CRYPT_KEY_PROV_INFO>()) }
    }

    /// Deletes the key container named by CERT_KEY_PROV_INFO_PROP_ID.
    fn delete_key(&self) -> io::Result<()> {
        self.key_container().map_or(Ok(()), |key| key.delete())
    }

    /// Removes the certificate from its store.
    fn delete(self) -> io::Result<()> {
        // SAFETY: CertDeleteCertificateFromStore frees the context it is given,
        // so it gets our reference and `self` must not free it again.
        let ok = unsafe { wc::CertDeleteCertificateFromStore(self.0) };
        std::mem::forget(self);
        if ok == 0 {
            Err(io::Error::last_os_error())
        } else {
            Ok(())
        }
    }
}

fn hresult(hr: i32) -> io::Result<()> {
    if hr == 0 {
        Ok(())
    } else {
        Err(io::Error::from_raw_os_error(hr))
    }
}

fn cng_flags(handle: usize, property: *const u16) -> Option<u32> {
    let mut value = 0u32;
    let mut got = 0u32;
    // SAFETY: the output is a 4-byte DWORD property.
    let hr = unsafe { wc::NCryptGetProperty(handle, property, ptr::from_mut(&mut value).cast(), 4, &mut got, 0) };
    (hr == 0 && got == 4).then_some(value)
}

/// The container's key pair. The key spec should be AT_KEYEXCHANGE (1) or
/// AT_SIGNATURE (2); Wine reports 3 for keys imported without
/// CRYPT_EXPORTABLE, so both are tried.
fn capi_user_key(provider: usize, spec: u32) -> Option<(usize, u32)> {
    let mut key = 0usize;
    [spec, 1, 2].into_iter().filter(|s| *s == 1 || *s == 2).find_map(|s| {
        // SAFETY: `key` is a valid out-pointer.
        (unsafe { wc::CryptGetUserKey(provider, s, &mut key) } != 0).then_some((key, s))
    })
}

fn capi_permissions(provider: usize, spec: u32) -> Option<u32> {
    let (key, _) = capi_user_key(provider, spec)?;
    // SAFETY: out-pointers are valid; the key handle is destroyed below.
    unsafe {
        let mut permissions = 0u32;
        let mut len = 4u32;
        let ok = wc::CryptGetKeyParam(key, wc::KP_PERMISSIONS, ptr::from_mut(&mut permissions).cast(), &mut len, 0);
        wc::CryptDestroyKey(key);
        (ok != 0).then_some(permissions)
    }
}

fn capi_export_blob(provider: usize, spec: u32) -> Option<Zeroizing<Vec<u8>>> {
    let (key, _) = capi_user_key(provider, spec)?;
    // SAFETY: length query, then export into a buffer of that length; the key handle is destroyed.
    unsafe {
        let mut len = 0u32;
        let mut blob = None;
        if wc::CryptExportKey(key, 0, wc::PRIVATEKEYBLOB, 0, ptr::null_mut(), &mut len) != 0 {
            let mut buffer = Zeroizing::new(vec![0u8; len as usize]);
            if wc::CryptExportKey(key, 0, wc::PRIVATEKEYBLOB, 0, buffer.as_mut_ptr(), &mut len) != 0 {
                buffer.truncate(len as usize);
                blob = Some(buffer);
            }
        }
        wc::CryptDestroyKey(key);
        blob
    }
}

/// CNG export: plaintext PKCS#8 where the policy allows it, else an
/// encrypted PKCS#8 (3DES under a throwaway password, as Windows' own PFX
/// export does) that certdesk's codec decrypts.
fn cng_export_pkcs8(handle: usize) -> Result<Zeroizing<Vec<u8>>> {
    let export = |params: *const wc::BCryptBufferDesc| -> Option<Zeroizing<Vec<u8>>> {
        let mut len = 0u32;
        // SAFETY: length query, then export into a buffer of that length.
        unsafe {
            let blob_type = wc::NCRYPT_PKCS8_PRIVATE_KEY_BLOB;
            if wc::NCryptExportKey(handle, 0, blob_type, params, ptr::null_mut(), 0, &mut len, 0) != 0 {
                return None;
            }
            let mut buffer = Zeroizing::new(vec![0u8; len as usize]);
            if wc::NCryptExportKey(handle, 0, blob_type, params, buffer.as_mut_ptr(), len, &mut len, 0) != 0 {
                return None;
            }
            buffer.truncate(len as usize);
            Some(buffer)
        }
    };
    if let Some(plain) = export(ptr::null()) {
        return Ok(plain);
    }
    let throwaway = Secret::new(hex::encode(crate::pkcs12::random_bytes(16)));
    let scheme = crate::pkcs12::Scheme::Pkcs12Pbe {
        cipher: crate::pkcs12::Cipher::DesEde3Cbc,
        salt: crate::pkcs12::random_bytes(16),
        iterations: 2048,
    };
    let algorithm = scheme.to_der();
    // The parameters are the AlgorithmIdentifier's second element.
    let parsed = crate::pkcs12::ber::parse(&algorithm)?;
    let params_der = crate::pkcs12::ber::der::encode(&parsed.children[1]);
    let mut oid = b"1.2.840.113549.1.12.1.3\0".to_vec();
    let mut secret = Zeroizing::new(wide(throwaway.expose()));
    let mut params_buf = params_der.clone();
    let mut buffers = [
        wc::BCryptBuffer {
            cbBuffer: oid.len() as u32,
            BufferType: wc::NCRYPTBUFFER_PKCS_ALG_OID,
            pvBuffer: oid.as_mut_ptr().cast(),
        },
        wc::BCryptBuffer {
            cbBuffer: params_buf.len() as u32,
            BufferType: wc::NCRYPTBUFFER_PKCS_ALG_PARAM,
            pvBuffer: params_buf.as_mut_ptr().cast(),
        },
        wc::BCryptBuffer {
            cbBuffer: (secret.len() * 2) as u32,
            BufferType: wc::NCRYPTBUFFER_PKCS_SECRET,
            pvBuffer: secret.as_mut_ptr().cast(),
        },
    ];
    let desc =
        wc::BCryptBufferDesc { ulVersion: wc::BCRYPTBUFFER_VERSION, cBuffers: 3, pBuffers: buffers.as_mut_ptr() };
    let encrypted = export(&desc).ok_or_else(|| Error::NotExportable {
        why: "it was imported as not exportable; export it where it came from, or ask for a new certificate".into(),
    })?;
    // EncryptedPrivateKeyInfo ::= SEQUENCE { AlgorithmIdentifier, OCTET STRING }
    let info = crate::pkcs12::ber::parse(&encrypted)?;
    let data = info.child(1, "the encrypted key")?.octets("the encrypted key")?;
    let mut budget = crate::pkcs12::Budget::default();
    scheme.decrypt(&throwaway, data, &mut budget)?.map(|(plain, _)| plain).ok_or_else(|| Error::Store {
        store: "windows:CurrentUser\\My".into(),
        why: "Windows exported a key certdesk cannot decrypt".into(),
    })
}

/// `CurrentUser\My`.
#[derive(Debug, Clone)]
pub struct WindowsStore {
    name: String,
}

impl WindowsStore {
    pub fn open(location: &str, name: &str) -> Result<WindowsStore> {
        let store = WindowsStore { name: name.to_owned() };
        if !location.eq_ignore_ascii_case("CurrentUser") {
            return Err(store.unavailable("only the CurrentUser stores are supported"));
        }
        SystemStore::open(name).map_err(|e| store.unavailable(&e.to_string()))?;
        Ok(store)
    }

    fn unavailable(&self, why: &str) -> Error {
        Error::StoreUnavailable { store: self.spec(), why: why.to_owned() }
    }

    fn refused(&self, what: &str, e: impl std::fmt::Display) -> Error {
        Error::Store { store: self.spec(), why: format!("{what}: {e}") }
    }

    fn personal(&self) -> Result<SystemStore> {
        SystemStore::open(&self.name).map_err(|e| self.unavailable(&e.to_string()))
    }

    /// The store's context for `identity`, found by its DER.
    fn find(&self, store: &SystemStore, identity: &Identity) -> Result<Cert> {
        store
            .certificates()
            .into_iter()
            .find(|c| c.der() == identity.certificate.der.as_slice())
            .ok_or_else(|| Error::NotFound { prefix: identity.id.clone() })
    }
}

impl Keystore for WindowsStore {
    fn spec(&self) -> String {
        format!("windows:CurrentUser\\{}", self.name)
    }

    fn list(&self) -> Result<Vec<Identity>> {
        let store = self.personal()?;
        let spec = self.spec();
        let mut identities: Vec<Identity> = Vec::new();
        for cert in store.certificates() {
            // A certificate X.509 parsing rejects cannot be shown or acted on.
            let Ok(certificate) = Certificate::from_der(cert.der()) else { continue };
            if identities.iter().any(|i| i.id == certificate.sha256) {
                continue;
            }
            identities.push(cert.identity(certificate, &spec));
        }
        Ok(identities)
    }

    fn import_pkcs12(&self, file: &ImportFile<'_>, exportable: bool) -> Result<ImportOutcome> {
        import::import_pkcs12(self, file, exportable)
    }

    fn issuer_candidates(&self) -> Result<Vec<Certificate>> {
        let mut found = Vec::new();
        for name in ["CA", "Root"] {
            let store = SystemStore::open(name).map_err(|e| self.unavailable(&e.to_string()))?;
            found.extend(store.certificates().iter().filter_map(|c| Certificate::from_der(c.der()).ok()));
        }
        Ok(found)
    }

    fn export_private_key(&self, identity: &Identity) -> Result<Zeroizing<Vec<u8>>> {
        let store = self.personal()?;
        self.find(&store, identity)?.export_key()
    }

    fn signing_key(&self, identity: &Identity) -> Result<std::sync::Arc<dyn rustls::sign::SigningKey>> {
        sign::signing_key(self, identity)
    }

    fn delete(&self, step: &DeletionStep) -> Result<()> {
        let store = self.personal()?;
        let copies: Vec<Cert> =
            store.certificates().into_iter().filter(|c| c.der() == step.identity.certificate.der.as_slice()).collect();
        if copies.is_empty() {
            return Err(Error::NotFound { prefix: step.identity.id.clone() });
        }

        if step.remove_key {
            copies[0].delete_key().map_err(|e| self.refused("deleting the private key", e))?;
        }
        // Wine can hold one certificate twice in a system store (one copy per
        // physical store); every copy goes.
        for copy in copies {
            copy.delete().map_err(|e| self.refused("deleting the certificate", e))?;
        }
        store.commit().map_err(|e| self.refused("saving the store after deleting the certificate", e))
    }
}
