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

use windows_sys::Win32::Security::Cryptography as wc;
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::model::{Certificate, Identity, KeyStatus};
use crate::secret::Secret;
use crate::store::{capi_blob, DeletionStep, ImportOutcome, Keystore};

mod sign;

fn wide(s: &str) -> Vec<u16> {
    s.encode_utf16().chain([0]).collect()
}

/// A system store of the current user, closed on drop.
struct SystemStore(wc::HCERTSTORE);

impl SystemStore {
    fn open(name: &str) -> io::Result<SystemStore> {
        let name = wide(name);
        // SAFETY: `name` is a NUL-terminated UTF-16 string that outlives the call;
        // CERT_STORE_PROV_SYSTEM_W takes it as `pvPara`.
        let handle = unsafe {
            wc::CertOpenStore(
                wc::CERT_STORE_PROV_SYSTEM_W,
                0,
                0,
                wc::CERT_SYSTEM_STORE_CURRENT_USER,
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

    /// Adds a copy of `cert`, replacing an existing copy; returns the stored context.
    fn add(&self, cert: &Cert) -> io::Result<Cert> {
        let mut stored: *mut wc::CERT_CONTEXT = ptr::null_mut();
        // SAFETY: both handles are valid; `stored` receives a new context we own.
        let ok = unsafe {
            wc::CertAddCertificateContextToStore(self.0, cert.0, wc::CERT_STORE_ADD_REPLACE_EXISTING, &mut stored)
        };
        if ok == 0 {
            Err(io::Error::last_os_error())
        } else {
            Ok(Cert(stored))
        }
    }
}

impl SystemStore {
    /// Writes pending changes to the registry now. Windows does this as it
    /// goes; Wine's registry store only on commit or its last release (a
    /// deletion without it "succeeds" and the certificate stays).
    fn commit(&self) {
        // SAFETY: a valid store handle; COMMIT takes no parameter.
        unsafe { wc::CertControlStore(self.0, 0, wc::CERT_STORE_CTRL_COMMIT, ptr::null()) };
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

    /// Deletes the key container named by CERT_KEY_PROV_INFO_PROP_ID.
    fn delete_key(&self) -> io::Result<()> {
        let Some((words, _)) = self.property_words(wc::CERT_KEY_PROV_INFO_PROP_ID) else { return Ok(()) };
        // SAFETY: crypt32 returned a CRYPT_KEY_PROV_INFO followed by the strings
        // its pointers point into; the buffer is 8-byte aligned (see `property`).
        let info = unsafe { &*words.as_ptr().cast::<wc::CRYPT_KEY_PROV_INFO>() };

        if info.dwProvType == 0 {
            // CNG: open the provider and the key by name, then delete it.
            let mut provider: wc::NCRYPT_PROV_HANDLE = 0;
            let mut key: wc::NCRYPT_KEY_HANDLE = 0;
            // SAFETY: names are NUL-terminated strings inside `info`.
            unsafe {
                hresult(wc::NCryptOpenStorageProvider(&mut provider, info.pwszProvName, 0))?;
                let opened = hresult(wc::NCryptOpenKey(
                    provider,
                    &mut key,
                    info.pwszContainerName,
                    0,
                    info.dwFlags & wc::CRYPT_MACHINE_KEYSET,
                ));
                let deleted = opened.and_then(|()| hresult(wc::NCryptDeleteKey(key, 0)));
                wc::NCryptFreeObject(provider);
                deleted
            }
        } else {
            let mut provider = 0usize;
            // SAFETY: CRYPT_DELETEKEYSET deletes the container; no handle is returned to free.
            let ok = unsafe {
                wc::CryptAcquireContextW(
                    &mut provider,
                    info.pwszContainerName,
                    info.pwszProvName,
                    info.dwProvType,
                    wc::CRYPT_DELETEKEYSET | (info.dwFlags & wc::CRYPT_MACHINE_KEYSET),
                )
            };
            let error = io::Error::last_os_error();
            // NTE_BAD_KEYSET: the container is already gone, which is the goal.
            if ok == 0 && error.raw_os_error() != Some(NTE_BAD_KEYSET) {
                Err(error)
            } else {
                Ok(())
            }
        }
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

const NTE_BAD_KEYSET: i32 = 0x8009_0016_u32 as i32;

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

    /// Undoes a partial import: removes the given certificates (and keys).
    fn take_back(&self, added: Vec<(Cert, bool)>, stores: &[&SystemStore]) {
        for (cert, with_key) in added {
            if with_key {
                let _ = cert.delete_key();
            }
            let _ = cert.delete();
        }
        stores.iter().for_each(|s| s.commit());
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
            identities.push(Identity::new(certificate, cert.key_status(), cert.friendly_name(), &spec));
        }
        Ok(identities)
    }

    fn import_pkcs12(&self, pfx: &[u8], password: &Secret, exportable: bool) -> Result<ImportOutcome> {
        // Wine's crypt32 drops friendly names on import; we set them from the file.
        let contents = crate::pkcs12::read(pfx, password)?;
        let friendly_name = contents.friendly_name().map(str::to_owned);
        // The personal certificates are those whose public key is a key in
        // the file, as certdesk's reader matched them. (Wine links the key to
        // every certificate of the file; Windows only to the right one.)
        let personal_ders: Vec<Vec<u8>> = contents
            .keys
            .iter()
            .filter_map(|k| crate::pkcs12::certificate_for_key(&contents.certificates, k))
            .map(|c| c.der.clone())
            .collect();
        let before = self.list()?;
        let blob = wc::CRYPT_INTEGER_BLOB { cbData: pfx.len() as u32, pbData: pfx.as_ptr().cast_mut() };
        let wide_password = Zeroizing::new(wide(password.expose()));
        let mut flags = wc::CRYPT_USER_KEYSET;
        if exportable {
            flags |= wc::CRYPT_EXPORTABLE;
        }
        // SAFETY: `blob` and the password outlive the call; the returned
        // memory store is closed by SystemStore's drop.
        let temporary = unsafe { wc::PFXImportCertStore(&blob, wide_password.as_ptr(), flags) };
        if temporary.is_null() {
            return Err(self.refused("importing", io::Error::last_os_error()));
        }
        let temporary = SystemStore(temporary);
        let personal = self.personal()?;
        let intermediates = SystemStore::open("CA").map_err(|e| self.unavailable(&e.to_string()))?;
        let mut added: Vec<(Cert, bool)> = Vec::new();
        // Roots are decided from the file: Wine's import leaves self-signed
        // certificates out of its result entirely.
        let not_installed: Vec<String> = contents
            .certificates
            .iter()
            .filter(|c| !personal_ders.contains(&c.der))
            .filter_map(|c| Certificate::from_der(&c.der).ok())
            .filter(|c| c.self_signed)
            .map(|c| c.sha256)
            .collect();
        for cert in temporary.certificates() {
            let Ok(parsed) = Certificate::from_der(cert.der()) else { continue };
            let with_key = personal_ders.iter().any(|d| d.as_slice() == cert.der());
            // Root certificates are never added silently: Windows asks the
            // user itself before trusting a root.
            let target = if with_key {
                &personal
            } else if parsed.self_signed {
                continue;
            } else {
                &intermediates
            };
            let stored = match target.add(&cert) {
                Ok(stored) => stored,
                Err(e) => {
                    self.take_back(added, &[&personal, &intermediates]);
                    return Err(self.refused("adding a certificate", e));
                }
            };
            if !with_key && stored.has_key() {
                let _ = stored.forget_key();
            }
            if with_key && stored.friendly_name().is_none() {
                if let Some(name) = &friendly_name {
                    let _ = stored.set_friendly_name(name);
                }
            }
            added.push((stored, with_key));
        }
        personal.commit();
        intermediates.commit();
        drop(added);
        let after = self.list()?;
        Ok(ImportOutcome {
            added: after.into_iter().filter(|a| !before.iter().any(|b| b.id == a.id)).map(|a| a.id).collect(),
            already_present: Vec::new(),
            not_installed,
        })
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
        store.commit();
        Ok(())
    }
}
