//! Signing with a key in `CurrentUser\My` without exporting it: CNG
//! `NCryptSignHash` (PKCS#1, PSS, ECDSA) or, for a key in a CAPI container,
//! `CryptSignHash` (PKCS#1 v1.5 only: CAPI has no PSS, so such a key shakes
//! hands over TLS 1.2).

use std::ptr;

use rustls::SignatureScheme;
use windows_sys::Win32::Security::Cryptography as wc;

use super::{capi_user_key, AcquiredKey, Cert, WindowsStore};
use crate::error::{Error, Result};
use crate::model::Identity;
use crate::store::signing::{digest, KeyKind, SignInStore, StoreSigningKey};

const NTE_BAD_ALGID: i32 = 0x8009_0008_u32 as i32;

/// One identity's key, found again in the store for every signature so no
/// handle outlives the call that needed it.
#[derive(Debug)]
pub struct WindowsKey {
    store: WindowsStore,
    identity: Identity,
}

pub fn signing_key(store: &WindowsStore, identity: &Identity) -> Result<std::sync::Arc<dyn rustls::sign::SigningKey>> {
    let kind = KeyKind::of(identity)?;
    let personal = store.personal()?;
    let cng = match store.find(&personal, identity)?.acquire_key() {
        Some(AcquiredKey::Cng { .. }) => true,
        Some(AcquiredKey::Capi { .. }) if kind == KeyKind::Rsa => false,
        Some(AcquiredKey::Capi { .. }) => {
            return Err(Error::Unsupported { what: "signing with an EC key held by CAPI".into(), hint: String::new() })
        }
        None => return Err(not_handed_out()),
    };
    Ok(StoreSigningKey::shared(WindowsKey { store: store.clone(), identity: identity.clone() }, kind, cng))
}

fn not_handed_out() -> Error {
    Error::InvalidInput(
        "Windows did not hand out this certificate's private key for signing (a smart card that asks for a PIN, or the key is missing)".into(),
    )
}

impl SignInStore for WindowsKey {
    fn sign_in_store(&self, scheme: SignatureScheme, message: &[u8]) -> Result<Vec<u8>> {
        let personal = self.store.personal()?;
        let cert = self.store.find(&personal, &self.identity)?;
        let hash = digest(scheme, message)?;
        let signed = match cert.acquire_key().ok_or_else(not_handed_out)? {
            AcquiredKey::Cng { handle, .. } => cng_sign(handle, scheme, &hash),
            AcquiredKey::Capi { provider, spec, .. } => capi_sign(&cert, provider, spec, scheme, &hash),
        };
        signed.map_err(|e| self.store.refused("signing", e))
    }
}

fn cng_sign(handle: usize, scheme: SignatureScheme, hash: &[u8]) -> std::io::Result<Vec<u8>> {
    let algorithm = if hash.len() == 48 { wc::BCRYPT_SHA384_ALGORITHM } else { wc::BCRYPT_SHA256_ALGORITHM };
    let pkcs1 = wc::BCRYPT_PKCS1_PADDING_INFO { pszAlgId: algorithm };
    let pss = wc::BCRYPT_PSS_PADDING_INFO { pszAlgId: algorithm, cbSalt: hash.len() as u32 };
    let (padding, flags): (*const core::ffi::c_void, u32) = match scheme {
        SignatureScheme::RSA_PSS_SHA256 | SignatureScheme::RSA_PSS_SHA384 => {
            (ptr::from_ref(&pss).cast(), wc::NCRYPT_PAD_PSS_FLAG)
        }
        SignatureScheme::RSA_PKCS1_SHA256 | SignatureScheme::RSA_PKCS1_SHA384 => {
            (ptr::from_ref(&pkcs1).cast(), wc::NCRYPT_PAD_PKCS1_FLAG)
        }
        _ => (ptr::null(), 0),
    };
    let flags = flags | wc::NCRYPT_SILENT_FLAG;
    let mut len = 0u32;
    // SAFETY: the padding info outlives both calls; a null output asks for the length.
    unsafe {
        super::hresult(wc::NCryptSignHash(
            handle,
            padding,
            hash.as_ptr(),
            hash.len() as u32,
            ptr::null_mut(),
            0,
            &mut len,
            flags,
        ))?;
        let mut signature = vec![0u8; len as usize];
        super::hresult(wc::NCryptSignHash(
            handle,
            padding,
            hash.as_ptr(),
            hash.len() as u32,
            signature.as_mut_ptr(),
            len,
            &mut len,
            flags,
        ))?;
        signature.truncate(len as usize);
        Ok(signature)
    }
}

/// CAPI signs a hash object; the hash value is set directly. A key in
/// Microsoft's base or enhanced provider cannot hash SHA-256 there
/// (NTE_BAD_ALGID), so its container is opened again with the RSA-and-AES
/// provider, which reads the same containers.
fn capi_sign(
    cert: &Cert,
    provider: usize,
    spec: u32,
    scheme: SignatureScheme,
    hash: &[u8],
) -> std::io::Result<Vec<u8>> {
    let algorithm = match scheme {
        SignatureScheme::RSA_PKCS1_SHA256 => wc::CALG_SHA_256,
        SignatureScheme::RSA_PKCS1_SHA384 => wc::CALG_SHA_384,
        _ => return Err(std::io::Error::other(format!("CAPI cannot sign {scheme:?}"))),
    };
    let spec = match capi_user_key(provider, spec) {
        Some((key, spec)) => {
            // SAFETY: the key handle from CryptGetUserKey is ours to destroy.
            unsafe { wc::CryptDestroyKey(key) };
            spec
        }
        None => return Err(std::io::Error::last_os_error()),
    };
    match capi_sign_with(provider, spec, algorithm, hash) {
        Err(e) if e.raw_os_error() == Some(NTE_BAD_ALGID) => {
            let aes = aes_provider_for(cert)?;
            let signed = capi_sign_with(aes, spec, algorithm, hash);
            // SAFETY: `aes` was acquired above and is released once.
            unsafe { wc::CryptReleaseContext(aes, 0) };
            signed
        }
        other => other,
    }
}

fn capi_sign_with(provider: usize, spec: u32, algorithm: u32, hash: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut hasher = 0usize;
    // SAFETY: out-pointers are valid; the hash object is destroyed before returning.
    unsafe {
        if wc::CryptCreateHash(provider, algorithm, 0, 0, &mut hasher) == 0 {
            return Err(std::io::Error::last_os_error());
        }
        let mut len = 0u32;
        let mut signature = Vec::new();
        let ok = wc::CryptSetHashParam(hasher, wc::HP_HASHVAL, hash.as_ptr(), 0) != 0
            && wc::CryptSignHashW(hasher, spec, ptr::null(), 0, ptr::null_mut(), &mut len) != 0
            && {
                signature.resize(len as usize, 0);
                wc::CryptSignHashW(hasher, spec, ptr::null(), 0, signature.as_mut_ptr(), &mut len) != 0
            };
        let error = std::io::Error::last_os_error();
        wc::CryptDestroyHash(hasher);
        if !ok {
            return Err(error);
        }
        signature.truncate(len as usize);
        // CAPI writes the signature little-endian; TLS wants big-endian.
        signature.reverse();
        Ok(signature)
    }
}

fn aes_provider_for(cert: &Cert) -> std::io::Result<usize> {
    let (words, _) = cert
        .property_words(wc::CERT_KEY_PROV_INFO_PROP_ID)
        .ok_or_else(|| std::io::Error::other("the certificate names no key container"))?;
    // SAFETY: crypt32 returned a CRYPT_KEY_PROV_INFO followed by the strings
    // its pointers point into; the buffer is 8-byte aligned and outlives the call.
    let info = unsafe { &*words.as_ptr().cast::<wc::CRYPT_KEY_PROV_INFO>() };
    let mut provider = 0usize;
    // SAFETY: the container name is a NUL-terminated string inside `words`.
    let ok = unsafe {
        wc::CryptAcquireContextW(
            &mut provider,
            info.pwszContainerName,
            wc::MS_ENH_RSA_AES_PROV_W,
            wc::PROV_RSA_AES,
            wc::CRYPT_SILENT | (info.dwFlags & wc::CRYPT_MACHINE_KEYSET),
        )
    };
    if ok == 0 {
        Err(std::io::Error::last_os_error())
    } else {
        Ok(provider)
    }
}
