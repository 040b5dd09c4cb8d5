//! A private key's container, as a certificate's `CERT_KEY_PROV_INFO` names
//! it: what an import's rollback deletes, and what it must leave alone
//! because a certificate that stays uses it.

use std::fmt;
use std::io;
use std::ptr;

use windows_sys::Win32::Foundation::NTE_BAD_KEYSET;
use windows_sys::Win32::Security::Cryptography as wc;

use super::hresult;

/// A CAPI key container or a CNG key, by name.
#[derive(Debug, Clone)]
pub(super) struct KeyContainer {
    /// NUL-terminated.
    name: Vec<u16>,
    /// NUL-terminated; `None` means the default provider of `provider_type`.
    provider: Option<Vec<u16>>,
    /// 0 for a CNG key storage provider, else the CAPI provider type.
    provider_type: u32,
    /// A machine key (CRYPT_MACHINE_KEYSET, the same bit as NCRYPT_MACHINE_KEY_FLAG).
    machine: bool,
}

impl KeyContainer {
    /// Reads the container a CRYPT_KEY_PROV_INFO names.
    ///
    /// # Safety
    /// `info`'s string pointers must be null or point at NUL-terminated
    /// UTF-16 strings that are alive for the call.
    pub(super) unsafe fn from_prov_info(info: &wc::CRYPT_KEY_PROV_INFO) -> Option<KeyContainer> {
        // SAFETY: the caller vouches for both pointers.
        let name = unsafe { wide_string(info.pwszContainerName) }?;
        // SAFETY: as above.
        let provider = unsafe { wide_string(info.pwszProvName) };
        Some(KeyContainer {
            name,
            provider,
            provider_type: info.dwProvType,
            machine: info.dwFlags & wc::CRYPT_MACHINE_KEYSET != 0,
        })
    }

    /// The provider's name, when the property names one.
    pub(super) fn provider_name(&self) -> Option<String> {
        let words = self.provider.as_ref()?;
        let end = words.iter().position(|&w| w == 0).unwrap_or(words.len());
        Some(String::from_utf16_lossy(&words[..end]))
    }

    fn is_cng(&self) -> bool {
        self.provider_type == 0
    }

    /// Whether `other` is the same key. CAPI's RSA providers share one set of
    /// containers, so the provider's name is not compared: two names that
    /// may be one key count as one (a key is then kept, never lost).
    pub(super) fn same_key(&self, other: &KeyContainer) -> bool {
        self.is_cng() == other.is_cng()
            && self.machine == other.machine
            && String::from_utf16_lossy(&self.name).to_lowercase()
                == String::from_utf16_lossy(&other.name).to_lowercase()
    }

    /// Deletes the key. A key that is already gone counts as deleted.
    pub(super) fn delete(&self) -> io::Result<()> {
        let provider_name = self.provider.as_ref().map_or(ptr::null(), |p| p.as_ptr());
        let machine = if self.machine { wc::CRYPT_MACHINE_KEYSET } else { 0 };
        let result = if self.is_cng() {
            self.delete_cng(provider_name, machine)
        } else {
            let mut provider = 0usize;
            // SAFETY: the names are NUL-terminated strings owned by `self`;
            // CRYPT_DELETEKEYSET deletes the container and returns no handle to free.
            let ok = unsafe {
                wc::CryptAcquireContextW(
                    &mut provider,
                    self.name.as_ptr(),
                    provider_name,
                    self.provider_type,
                    wc::CRYPT_DELETEKEYSET | machine,
                )
            };
            if ok == 0 {
                Err(io::Error::last_os_error())
            } else {
                Ok(())
            }
        };
        match result {
            Err(e) if e.raw_os_error() == Some(NTE_BAD_KEYSET) => Ok(()),
            other => other,
        }
    }

    fn delete_cng(&self, provider_name: *const u16, machine: u32) -> io::Result<()> {
        let mut provider: wc::NCRYPT_PROV_HANDLE = 0;
        let mut key: wc::NCRYPT_KEY_HANDLE = 0;
        // SAFETY: the names are NUL-terminated strings owned by `self`; the
        // provider handle is freed here, and the key handle too unless
        // NCryptDeleteKey succeeded (which frees it).
        unsafe {
            hresult(wc::NCryptOpenStorageProvider(&mut provider, provider_name, 0))?;
            let deleted =
                hresult(wc::NCryptOpenKey(provider, &mut key, self.name.as_ptr(), 0, machine)).and_then(|()| {
                    let deleted = hresult(wc::NCryptDeleteKey(key, 0));
                    if deleted.is_err() {
                        wc::NCryptFreeObject(key);
                    }
                    deleted
                });
            wc::NCryptFreeObject(provider);
            deleted
        }
    }
}

impl fmt::Display for KeyContainer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = |w: &[u16]| String::from_utf16_lossy(w).trim_end_matches('\0').to_owned();
        let provider = self.provider.as_deref().map_or_else(|| "the default provider".to_owned(), text);
        write!(f, "the key container \"{}\" of {provider}", text(&self.name))
    }
}

/// Copies a NUL-terminated UTF-16 string, NUL included.
///
/// # Safety
/// `p` must be null or point at a NUL-terminated UTF-16 string.
unsafe fn wide_string(p: *const u16) -> Option<Vec<u16>> {
    if p.is_null() {
        return None;
    }
    let mut len = 0;
    // SAFETY: the string is NUL-terminated, so every unit read up to the NUL is in it.
    while unsafe { *p.add(len) } != 0 {
        len += 1;
    }
    // SAFETY: `len + 1` units, the NUL included, are part of the string.
    Some(unsafe { std::slice::from_raw_parts(p, len + 1) }.to_vec())
}
