//! certdesk's PKCS#12 (PFX) codec: reads what every producer writes (BER,
//! PBES2, legacy PBE, PBMAC1, odd password encodings) and writes two
//! profiles. The reader tells a wrong password from a damaged file from an
//! unsupported algorithm, because "wrong password" for a damaged file is the
//! worst thing today's tools say.

mod algorithm;
pub mod ber;
mod budget;
mod keys;
mod password;
mod pbe;
mod read;
pub mod verdict;
mod write;

use zeroize::Zeroizing;

pub use algorithm::{MacScheme, Scheme};
pub use budget::{Budget, MAX_DECRYPT_WORK, MAX_KDF_WORK};
pub use keys::{describe_private_key as keys_describe, KeyDescription};
pub use pbe::{random_bytes, Cipher, Hash, MAX_ITERATIONS, MAX_SALT_LEN};
pub use read::{certificate_for_key, read};
pub use write::{write, write_bundle, Bundle, BundledKey, Contents, Profile};

/// Files larger than this are refused before parsing: a PFX of one identity
/// and its chain is a few kilobytes.
///
/// The other bounds on what a file may ask for, each checked before anything
/// is allocated or computed from it: `ber::MAX_DEPTH` and `ber::MAX_NODES`
/// (structure, per parse of each layer), `pbe::MAX_ITERATIONS`,
/// `pbe::MAX_SALT_LEN` and derived keys of at most 256 bytes (key derivation), `MAX_KDF_WORK` and `MAX_DECRYPT_WORK`
/// (the work of one file in all), `MAX_BAGS` and `MAX_KEYS` (contents).
pub const MAX_FILE_SIZE: usize = 16 * 1024 * 1024;

/// Items (certificates, keys, other bags) one file may hold: an export holds
/// a few, a Java trust store converted to PKCS#12 a few hundred.
pub const MAX_BAGS: usize = 10_000;

/// Private keys one file may hold.
pub const MAX_KEYS: usize = 100;

/// A certificate bag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertBag {
    pub der: Vec<u8>,
    pub friendly_name: Option<String>,
    pub local_key_id: Option<Vec<u8>>,
    /// The RSA modulus or EC point of its public key, read once with the file
    /// so that matching keys to certificates does not parse them again.
    pub public_key: Option<Vec<u8>>,
}

/// A private key bag; `pkcs8` is the decrypted PrivateKeyInfo.
#[derive(Clone)]
pub struct KeyBag {
    pub pkcs8: Zeroizing<Vec<u8>>,
    pub friendly_name: Option<String>,
    pub local_key_id: Option<Vec<u8>>,
}

impl std::fmt::Debug for KeyBag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyBag")
            .field("pkcs8", &"<hidden>")
            .field("friendly_name", &self.friendly_name)
            .field("local_key_id", &self.local_key_id)
            .finish()
    }
}

/// How a file was protected, as found while reading it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Protection {
    /// The scheme of the encrypted certificate bags; `None` when they are in the clear.
    pub certificates: Option<Scheme>,
    /// The scheme of the shrouded key bag; `None` when the key is in the clear (or absent).
    pub key: Option<Scheme>,
    pub mac: Option<MacScheme>,
    /// The password form that opened the file, e.g. "BMPString (RFC 7292)".
    pub password_form: String,
    /// Bags certdesk read past (CRLs, secrets, unknown types).
    pub other_bags: usize,
}

/// The decoded contents of a PKCS#12 file.
#[derive(Debug, Clone, Default)]
pub struct Pkcs12 {
    /// Certificates, leaf first, then its chain upward, then any others.
    pub certificates: Vec<CertBag>,
    pub keys: Vec<KeyBag>,
    pub protection: Protection,
}

impl Pkcs12 {
    /// The certificate that belongs to the first key, if any.
    pub fn leaf(&self) -> Option<&CertBag> {
        let key = self.keys.first()?;
        read::certificate_for_key(&self.certificates, key)
    }

    /// The friendly name of the identity: the key's, else the leaf's.
    pub fn friendly_name(&self) -> Option<&str> {
        self.keys
            .first()
            .and_then(|k| k.friendly_name.as_deref())
            .or_else(|| self.leaf().and_then(|c| c.friendly_name.as_deref()))
    }
}

#[cfg(test)]
mod tests;
