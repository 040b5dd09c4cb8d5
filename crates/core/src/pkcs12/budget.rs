//! What opening one file may cost, charged before the work runs.
//!
//! A PKCS#12 file names its own costs: iteration counts, key lengths, how
//! many encrypted parts there are and how large. A file built to stall
//! programs asks for minutes of work with a few bytes, so every
//! key derivation and every pass of a cipher over the data is charged here
//! first, and the file is refused as soon as the total would pass the budget.

use super::pbe::Cipher;
use crate::error::Error;

/// Key-derivation work one file may cost in all, in units of about one
/// SHA-256 compression (see `Kdf::round_cost`: a PBKDF2-HMAC-SHA256 round
/// counts two, a PKCS#12 KDF round with SHA-1 or SHA-256 two, SHA-512
/// rounds more). A Firefox export of one identity (PBKDF2 at 600,000
/// rounds for each of two bags, the MAC at 600,000) costs 3.6 million; a
/// "backup all" of six identities 9.6 million. 12 million take about
/// three quarters of a second on a 2-core cloud machine (`bench/run`
/// measures it), whichever algorithm spends them.
pub const MAX_KDF_WORK: u64 = 12_000_000;

/// Decryption work one file may cost in all, in bytes of AES (see
/// `Cipher::byte_weight`): 64 MiB of AES, or 6 MiB of TripleDES, about a
/// quarter of a second. Wrong password forms cost one block each (the
/// padding of the last block is checked first), so this is spent on the
/// passes that are likely right.
pub const MAX_DECRYPT_WORK: u64 = 64 * 1024 * 1024;

/// The work spent so far on one file.
#[derive(Debug, Default)]
pub struct Budget {
    kdf: u64,
    decrypt: u64,
}

impl Budget {
    /// Charges `work` SHA-256 compressions of key derivation before they are spent.
    pub fn charge_kdf(&mut self, work: u64) -> Result<(), Error> {
        self.kdf = self.kdf.saturating_add(work);
        if self.kdf > MAX_KDF_WORK {
            return Err(Error::Unsupported {
                what: format!("a file that asks for more than {MAX_KDF_WORK} rounds of key derivation"),
                hint: " (a normal export needs a few million; this one may be built to stall programs)".into(),
            });
        }
        Ok(())
    }

    /// Charges one pass of `cipher` over `bytes` before it runs.
    pub fn charge_decryption(&mut self, cipher: Cipher, bytes: usize) -> Result<(), Error> {
        self.decrypt = self.decrypt.saturating_add((bytes as u64).saturating_mul(cipher.byte_weight()));
        if self.decrypt > MAX_DECRYPT_WORK {
            return Err(Error::Unsupported {
                what: "a file whose encrypted parts take this long to decrypt".into(),
                hint: " (PKCS#12 files are a few kilobytes; this one may be built to stall programs)".into(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_refuses_once_the_total_passes_it() {
        let mut budget = Budget::default();
        budget.charge_kdf(MAX_KDF_WORK - 1).unwrap();
        budget.charge_kdf(1).unwrap();
        assert_eq!(budget.charge_kdf(1).unwrap_err().kind(), "unsupported");
        let mut budget = Budget::default();
        budget.charge_decryption(Cipher::Aes256Cbc, (MAX_DECRYPT_WORK / 2) as usize).unwrap();
        assert!(budget.charge_decryption(Cipher::DesEde3Cbc, (MAX_DECRYPT_WORK / 10) as usize).is_err());
        assert!(Budget::default().charge_kdf(u64::MAX).is_err(), "no overflow");
    }
}
