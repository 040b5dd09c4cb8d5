//! The encryption and integrity schemes of PKCS#12 files: parsing their
//! AlgorithmIdentifiers, naming them, and applying them with a password.

use zeroize::Zeroizing;

use super::ber::{self, tag, Node};
use super::budget::Budget;
use super::password;
use super::pbe::{self, kdf_work, Cipher, Hash, Kdf, Purpose, MAX_ITERATIONS, MAX_SALT_LEN, RC2_KEY_BYTES};
use crate::error::Error;
use crate::secret::Secret;

pub mod oid {
    pub const PBE_SHA1_RC4_128: &str = "1.2.840.113549.1.12.1.1";
    pub const PBE_SHA1_RC4_40: &str = "1.2.840.113549.1.12.1.2";
    pub const PBE_SHA1_3DES: &str = "1.2.840.113549.1.12.1.3";
    pub const PBE_SHA1_2DES: &str = "1.2.840.113549.1.12.1.4";
    pub const PBE_SHA1_RC2_128: &str = "1.2.840.113549.1.12.1.5";
    pub const PBE_SHA1_RC2_40: &str = "1.2.840.113549.1.12.1.6";
    pub const PBES2: &str = "1.2.840.113549.1.5.13";
    pub const PBKDF2: &str = "1.2.840.113549.1.5.12";
    pub const PBMAC1: &str = "1.2.840.113549.1.5.14";
    pub const AES128_CBC: &str = "2.16.840.1.101.3.4.1.2";
    pub const AES192_CBC: &str = "2.16.840.1.101.3.4.1.22";
    pub const AES256_CBC: &str = "2.16.840.1.101.3.4.1.42";
    pub const DES_EDE3_CBC: &str = "1.2.840.113549.3.7";
    pub const RC2_CBC: &str = "1.2.840.113549.3.2";
}

/// A common name for OIDs certdesk does not implement, so that "unsupported"
/// errors say what the file uses.
pub fn common_name(oid: &str) -> &'static str {
    match oid {
        "1.2.840.113549.1.5.3" => "pbeWithMD5AndDES-CBC",
        "1.2.840.113549.1.5.10" => "pbeWithSHA1AndDES-CBC",
        "1.3.14.3.2.7" => "DES-CBC",
        "1.2.643.2.2.21" => "GOST 28147-89",
        "1.2.643.7.1.1.5.1.1" | "1.2.643.7.1.1.5.1.2" => "GOST R 34.12-2015 (Magma)",
        "1.2.643.7.1.1.5.2.1" | "1.2.643.7.1.1.5.2.2" => "GOST R 34.12-2015 (Kuznyechik)",
        "1.2.643.7.1.1.2.2" | "1.2.643.7.1.1.2.3" => "GOST R 34.11-2012 (Streebog)",
        "1.2.643.2.2.9" => "GOST R 34.11-94",
        "1.2.643.7.1.1.4.1" | "1.2.643.7.1.1.4.2" => "HMAC-GOST R 34.11-2012",
        "1.3.6.1.4.1.1722.12.2.1.16" => "BLAKE2b-512",
        "1.3.6.1.4.1.1722.12.2.2.8" => "BLAKE2s-256",
        "2.16.840.1.101.3.4.2.8" | "2.16.840.1.101.3.4.2.10" => "SHA-3",
        "1.2.840.113549.2.5" => "MD5",
        "1.2.840.113549.2.2" => "MD2",
        "2.16.840.1.101.3.4.1.6" | "2.16.840.1.101.3.4.1.46" => "AES-GCM",
        "1.2.840.113549.1.7.2" => "public-key integrity (signedData)",
        "1.2.840.113549.1.7.3" => "public-key privacy (envelopedData)",
        _ => "an unknown algorithm",
    }
}

fn unsupported(oid: &str, role: &str) -> Error {
    Error::Unsupported {
        what: format!("the {role} {} ({oid})", common_name(oid)),
        hint: "; ask for the file to be exported again as \"compatible\" (TripleDES-SHA1) or AES-256".into(),
    }
}

/// An iteration count: at least 1 (PKCS#5 and RFC 7292 define no 0), at most `MAX_ITERATIONS`.
fn iterations_of(node: &Node) -> Result<u32, Error> {
    let n = node.uint()?;
    if n == 0 {
        return Err(corrupt("an iteration count of 0, which PKCS#5 and RFC 7292 do not allow"));
    }
    if n > MAX_ITERATIONS {
        return Err(Error::Unsupported {
            what: format!("an iteration count of {n}"),
            hint: " (certdesk stops at 10,000,000 so that a file cannot keep it busy for minutes)".into(),
        });
    }
    // Cannot fail: n <= MAX_ITERATIONS < u32::MAX.
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

/// A salt, refused above `MAX_SALT_LEN` before any key is derived from it.
fn salt_of(node: &Node, what: &str) -> Result<Vec<u8>, Error> {
    let salt = node.octets(what)?;
    if salt.len() > MAX_SALT_LEN {
        return Err(Error::Unsupported {
            what: format!("a salt of {} bytes", salt.len()),
            hint: format!(" (files use 8 to 64; certdesk accepts up to {MAX_SALT_LEN})"),
        });
    }
    Ok(salt.to_vec())
}

/// Largest key PBKDF2 is asked to derive. AES-256 needs 32 bytes and PBMAC1
/// usually the HMAC's output length, but BouncyCastle's PBMAC1 files derive
/// 256; each output block is charged to the budget (`pbe::kdf_work`).
const MAX_DERIVED_KEY: u64 = 256;

/// Decrypted contents and the label of the password form that opened them.
pub type Opened = (Zeroizing<Vec<u8>>, &'static str);

/// How bags or the key are encrypted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scheme {
    /// RFC 7292 appendix C: SHA-1 and the PKCS#12 KDF.
    Pkcs12Pbe { cipher: Cipher, salt: Vec<u8>, iterations: u32 },
    /// RFC 8018 PBES2: PBKDF2 and a block cipher.
    Pbes2 { prf: Hash, salt: Vec<u8>, iterations: u32, key_len: Option<usize>, cipher: Cipher, iv: Vec<u8> },
}

fn cipher_name(cipher: Cipher) -> String {
    match cipher {
        Cipher::Aes128Cbc => "AES-128-CBC".into(),
        Cipher::Aes192Cbc => "AES-192-CBC".into(),
        Cipher::Aes256Cbc => "AES-256-CBC".into(),
        Cipher::DesEde3Cbc => "DES-EDE3-CBC".into(),
        Cipher::DesEde2Cbc => "2-key TripleDES-CBC".into(),
        Cipher::Rc2Cbc(bits) => format!("RC2-{bits}-CBC"),
        Cipher::Rc4 => "RC4".into(),
    }
}

impl Scheme {
    pub fn parse(algorithm: &Node) -> Result<Scheme, Error> {
        let oid = algorithm.child(0, "an encryption algorithm")?.oid()?;
        let params = algorithm.children.get(1);
        let pkcs12 = |cipher: Cipher| -> Result<Scheme, Error> {
            let p = params.ok_or_else(|| corrupt("encryption parameters are missing"))?;
            Ok(Scheme::Pkcs12Pbe {
                cipher,
                salt: salt_of(p.child(0, "the salt")?, "the salt")?,
                iterations: iterations_of(p.child(1, "the iteration count")?)?,
            })
        };
        match oid.as_str() {
            oid::PBE_SHA1_3DES => pkcs12(Cipher::DesEde3Cbc),
            oid::PBE_SHA1_2DES => pkcs12(Cipher::DesEde2Cbc),
            oid::PBE_SHA1_RC2_128 => pkcs12(Cipher::Rc2Cbc(128)),
            oid::PBE_SHA1_RC2_40 => pkcs12(Cipher::Rc2Cbc(40)),
            oid::PBE_SHA1_RC4_128 => pkcs12(Cipher::Rc4),
            oid::PBE_SHA1_RC4_40 => Err(unsupported(&oid, "encryption pbeWithSHAAnd40BitRC4, i.e.")),
            oid::PBES2 => Self::parse_pbes2(params.ok_or_else(|| corrupt("PBES2 parameters are missing"))?),
            other => Err(unsupported(other, "encryption")),
        }
    }

    fn parse_pbes2(params: &Node) -> Result<Scheme, Error> {
        let kdf = params.child(0, "the PBES2 key derivation")?;
        let kdf_oid = kdf.child(0, "the PBES2 key derivation")?.oid()?;
        if kdf_oid != oid::PBKDF2 {
            return Err(unsupported(&kdf_oid, "key derivation"));
        }
        let (salt, iterations, key_len, prf) = parse_pbkdf2(kdf.child(1, "PBKDF2 parameters")?)?;
        let scheme = params.child(1, "the PBES2 cipher")?;
        let cipher_oid = scheme.child(0, "the PBES2 cipher")?.oid()?;
        let iv_node = scheme.children.get(1).ok_or_else(|| corrupt("the cipher's IV is missing"))?;
        let (cipher, iv) = match cipher_oid.as_str() {
            oid::AES128_CBC => (Cipher::Aes128Cbc, iv_node.octets("the IV")?),
            oid::AES192_CBC => (Cipher::Aes192Cbc, iv_node.octets("the IV")?),
            oid::AES256_CBC => (Cipher::Aes256Cbc, iv_node.octets("the IV")?),
            oid::DES_EDE3_CBC => (Cipher::DesEde3Cbc, iv_node.octets("the IV")?),
            oid::RC2_CBC => {
                // RC2CBCParameter ::= SEQUENCE { rc2ParameterVersion INTEGER OPTIONAL, iv OCTET STRING }
                let iv = iv_node.children.last().ok_or_else(|| corrupt("the RC2 IV is missing"))?;
                let bits = match iv_node.children.first().filter(|n| n.tag == tag::INTEGER).map(Node::uint) {
                    Some(Ok(160)) => 40,
                    Some(Ok(120)) => 64,
                    Some(Ok(58)) | None => 128,
                    _ => return Err(unsupported(&cipher_oid, "RC2 variant of")),
                };
                let bits = match key_len {
                    None => bits,
                    Some(bytes) if RC2_KEY_BYTES.contains(&bytes) => bytes * 8,
                    Some(bytes) => {
                        return Err(Error::Unsupported {
                            what: format!("an RC2 key of {bytes} bytes"),
                            hint: " (RC2 files use 5 to 16)".into(),
                        })
                    }
                };
                (Cipher::Rc2Cbc(bits), iv.octets("the IV")?)
            }
            other => return Err(unsupported(other, "cipher")),
        };
        if iv.len() != cipher.iv_len() {
            return Err(corrupt("the cipher's IV has the wrong length"));
        }
        Ok(Scheme::Pbes2 { prf, salt, iterations, key_len, cipher, iv: iv.to_vec() })
    }

    pub fn name(&self) -> String {
        match self {
            Scheme::Pkcs12Pbe { cipher: Cipher::DesEde3Cbc, .. } => "pbeWithSHA1And3-KeyTripleDES-CBC".into(),
            Scheme::Pkcs12Pbe { cipher: Cipher::DesEde2Cbc, .. } => "pbeWithSHA1And2-KeyTripleDES-CBC".into(),
            Scheme::Pkcs12Pbe { cipher: Cipher::Rc2Cbc(bits), .. } => format!("pbeWithSHA1And{bits}BitRC2-CBC"),
            Scheme::Pkcs12Pbe { cipher, .. } => format!("pbeWithSHA1And{}", cipher_name(*cipher)),
            Scheme::Pbes2 { prf, cipher, .. } => {
                format!("PBES2 (PBKDF2-HMAC-{}, {})", prf.name(), cipher_name(*cipher))
            }
        }
    }

    pub fn iterations(&self) -> u32 {
        match self {
            Scheme::Pkcs12Pbe { iterations, .. } | Scheme::Pbes2 { iterations, .. } => *iterations,
        }
    }

    pub fn cipher(&self) -> Cipher {
        match self {
            Scheme::Pkcs12Pbe { cipher, .. } | Scheme::Pbes2 { cipher, .. } => *cipher,
        }
    }

    pub fn is_pbes2(&self) -> bool {
        matches!(self, Scheme::Pbes2 { .. })
    }

    /// The key lengths `decrypt` tries, with the cipher each is for.
    ///
    /// NSS bug 1416265: old NSS wrote AES-128 files whose PBKDF2 key length
    /// says 32 and encrypted with that 32-byte key (AES-256); NSS still
    /// reads them, and so do we. Only AES has that history.
    fn pbes2_attempts(cipher: Cipher, key_len: Option<usize>) -> Vec<(usize, Cipher)> {
        let mut attempts = vec![(cipher.key_len(), cipher)];
        let aes = matches!(cipher, Cipher::Aes128Cbc | Cipher::Aes192Cbc | Cipher::Aes256Cbc);
        match key_len.filter(|l| aes && *l != cipher.key_len()) {
            Some(16) => attempts.push((16, Cipher::Aes128Cbc)),
            Some(24) => attempts.push((24, Cipher::Aes192Cbc)),
            Some(32) => attempts.push((32, Cipher::Aes256Cbc)),
            _ => {}
        }
        attempts
    }

    /// Decrypts `data` trying each known password form; a result counts only
    /// if its padding is right and it parses as a DER/BER SEQUENCE, so a
    /// wrong key is never mistaken for content. Returns the plaintext and the
    /// label of the form that worked, or `None` when no form opens it. Each
    /// key derivation and each full pass of the cipher is charged to
    /// `budget` just before it runs (see `pbe::kdf_work`), so a file pays for
    /// the forms actually tried, and is refused before a derivation the
    /// budget cannot cover.
    pub fn decrypt(&self, password: &Secret, data: &[u8], budget: &mut Budget) -> Result<Option<Opened>, Error> {
        let attempt =
            |budget: &mut Budget, cipher: Cipher, key: &[u8], iv: &[u8]| -> Result<Option<Zeroizing<Vec<u8>>>, Error> {
                if !cipher.padding_fits(key, iv, data) {
                    return Ok(None);
                }
                budget.charge_decryption(cipher, data.len())?;
                let plain = cipher.decrypt_all(key, iv, data);
                Ok(plain.filter(|p| ber::parse(p).is_ok_and(|n| n.tag == tag::SEQUENCE)))
            };
        match self {
            Scheme::Pkcs12Pbe { cipher, salt, iterations } => {
                for form in password::for_pkcs12_kdf(password) {
                    budget.charge_kdf(
                        kdf_work(Kdf::Pkcs12, Hash::Sha1, *iterations, cipher.key_len())
                            + kdf_work(Kdf::Pkcs12, Hash::Sha1, *iterations, cipher.iv_len()),
                    )?;
                    let key =
                        pbe::pkcs12_kdf(Hash::Sha1, &form.bytes, salt, Purpose::Key, *iterations, cipher.key_len());
                    let iv = pbe::pkcs12_kdf(Hash::Sha1, &form.bytes, salt, Purpose::Iv, *iterations, cipher.iv_len());
                    if let Some(plain) = attempt(budget, *cipher, &key, &iv)? {
                        return Ok(Some((plain, form.label)));
                    }
                }
            }
            Scheme::Pbes2 { prf, salt, iterations, key_len, cipher, iv } => {
                let attempts = Self::pbes2_attempts(*cipher, *key_len);
                for form in password::for_pbkdf2(password) {
                    for &(len, cipher) in &attempts {
                        budget.charge_kdf(kdf_work(Kdf::Pbkdf2, *prf, *iterations, len))?;
                        let key = pbe::pbkdf2(*prf, &form.bytes, salt, *iterations, len);
                        if let Some(plain) = attempt(budget, cipher, &key, iv)? {
                            return Ok(Some((plain, form.label)));
                        }
                    }
                }
            }
        }
        Ok(None)
    }

    /// Encrypts with this scheme and the standard password form.
    pub fn encrypt(&self, password: &Secret, data: &[u8]) -> Vec<u8> {
        match self {
            Scheme::Pkcs12Pbe { cipher, salt, iterations } => {
                let form = &password::for_pkcs12_kdf(password)[0];
                let key = pbe::pkcs12_kdf(Hash::Sha1, &form.bytes, salt, Purpose::Key, *iterations, cipher.key_len());
                let iv = pbe::pkcs12_kdf(Hash::Sha1, &form.bytes, salt, Purpose::Iv, *iterations, cipher.iv_len());
                cipher.encrypt(&key, &iv, data)
            }
            Scheme::Pbes2 { prf, salt, iterations, cipher, iv, .. } => {
                let key = pbe::pbkdf2(*prf, password.expose().as_bytes(), salt, *iterations, cipher.key_len());
                cipher.encrypt(&key, iv, data)
            }
        }
    }

    /// The AlgorithmIdentifier of this scheme, DER-encoded.
    pub fn to_der(&self) -> Vec<u8> {
        use ber::der;
        match self {
            Scheme::Pkcs12Pbe { cipher, salt, iterations } => {
                let oid = match cipher {
                    Cipher::DesEde3Cbc => oid::PBE_SHA1_3DES,
                    other => unreachable!("certdesk never writes {other:?}"),
                };
                der::sequence(&[
                    &der::oid(oid),
                    &der::sequence(&[&der::octet_string(salt), &der::uint(u64::from(*iterations))]),
                ])
            }
            Scheme::Pbes2 { prf, salt, iterations, cipher, iv, .. } => {
                let cipher_oid = match cipher {
                    Cipher::Aes256Cbc => oid::AES256_CBC,
                    Cipher::Aes128Cbc => oid::AES128_CBC,
                    other => unreachable!("certdesk never writes {other:?}"),
                };
                let kdf_params = der::sequence(&[
                    &der::octet_string(salt),
                    &der::uint(u64::from(*iterations)),
                    &der::sequence(&[&der::oid(prf.hmac_oid()), &der::null()]),
                ]);
                der::sequence(&[
                    &der::oid(oid::PBES2),
                    &der::sequence(&[
                        &der::sequence(&[&der::oid(oid::PBKDF2), &kdf_params]),
                        &der::sequence(&[&der::oid(cipher_oid), &der::octet_string(iv)]),
                    ]),
                ])
            }
        }
    }
}

/// PBKDF2-params: salt, iterations, optional key length, PRF (default HMAC-SHA1).
fn parse_pbkdf2(p: &Node) -> Result<(Vec<u8>, u32, Option<usize>, Hash), Error> {
    let salt_node = p.child(0, "the PBKDF2 salt")?;
    if salt_node.tag != tag::OCTET_STRING {
        return Err(Error::Unsupported { what: "a PBKDF2 salt given as an algorithm".into(), hint: String::new() });
    }
    let iterations = iterations_of(p.child(1, "the PBKDF2 iteration count")?)?;
    let mut key_len = None;
    let mut prf = Hash::Sha1;
    for extra in p.children.iter().skip(2) {
        match extra.tag {
            tag::INTEGER => key_len = Some(derived_key_len(extra)?),
            tag::SEQUENCE => {
                let prf_oid = extra.child(0, "the PBKDF2 PRF")?.oid()?;
                prf = Hash::from_hmac_oid(&prf_oid).ok_or_else(|| unsupported(&prf_oid, "PBKDF2 PRF"))?;
            }
            _ => return Err(corrupt("PBKDF2 parameters are malformed")),
        }
    }
    Ok((salt_of(salt_node, "the PBKDF2 salt")?, iterations, key_len, prf))
}

/// PBKDF2's keyLength: 1 to `MAX_DERIVED_KEY` bytes, checked before a key of that size is derived.
fn derived_key_len(node: &Node) -> Result<usize, Error> {
    match node.uint()? {
        0 => Err(corrupt("PBKDF2 is asked for a key of 0 bytes")),
        // Cannot fail: the value is at most MAX_DERIVED_KEY.
        n if n <= MAX_DERIVED_KEY => Ok(usize::try_from(n).unwrap_or(0)),
        n => Err(Error::Unsupported {
            what: format!("a derived key of {n} bytes"),
            hint: format!(" (ciphers and MACs need at most {MAX_DERIVED_KEY})"),
        }),
    }
}

fn corrupt(why: &str) -> Error {
    Error::Corrupt { why: why.to_owned() }
}

/// A MAC value is as long as its HMAC's output: RFC 7292 and RFC 9579 allow no truncation.
fn check_mac_len(hash: Hash, expected: &[u8]) -> Result<(), Error> {
    if expected.len() == hash.output_len() {
        Ok(())
    } else {
        Err(corrupt(&format!("its integrity check (MAC) is {} bytes long, not {}", expected.len(), hash.output_len())))
    }
}

/// How the file's integrity is protected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MacScheme {
    /// RFC 7292's HMAC with a key from the PKCS#12 KDF.
    Hmac { hash: Hash, salt: Vec<u8>, iterations: u32 },
    /// RFC 9579's PBMAC1: HMAC with a key from PBKDF2.
    Pbmac1 { prf: Hash, salt: Vec<u8>, iterations: u32, key_len: usize, hmac: Hash },
}

/// A shorter PBMAC1 key lets an attacker forge a MAC that verifies under
/// any password (go-pkcs12's short-key bypass; RFC 9579 section 9).
const MIN_PBMAC1_KEY: usize = 20;

impl MacScheme {
    /// Parses MacData ::= SEQUENCE { mac DigestInfo, macSalt OCTET STRING, iterations INTEGER DEFAULT 1 }
    /// and returns the scheme and the expected MAC value.
    pub fn parse(mac_data: &Node) -> Result<(MacScheme, Vec<u8>), Error> {
        let digest_info = mac_data.child(0, "the MAC")?;
        let algorithm = digest_info.child(0, "the MAC algorithm")?;
        let alg_oid = algorithm.child(0, "the MAC algorithm")?.oid()?;
        let expected = digest_info.child(1, "the MAC value")?.octets("the MAC value")?.to_vec();
        if alg_oid == oid::PBMAC1 {
            let params = algorithm.child(1, "PBMAC1 parameters")?;
            let kdf = params.child(0, "the PBMAC1 key derivation")?;
            let kdf_oid = kdf.child(0, "the PBMAC1 key derivation")?.oid()?;
            if kdf_oid != oid::PBKDF2 {
                return Err(unsupported(&kdf_oid, "MAC key derivation"));
            }
            let (salt, iterations, key_len, prf) = parse_pbkdf2(kdf.child(1, "PBKDF2 parameters")?)?;
            let key_len =
                key_len.ok_or_else(|| corrupt("its PBMAC1 parameters lack the key length RFC 9579 requires"))?;
            if key_len < MIN_PBMAC1_KEY {
                return Err(corrupt(&format!(
                    "its integrity check uses a {key_len}-byte key, which anyone can forge; do not trust this file"
                )));
            }
            let hmac_oid = params.child(1, "the PBMAC1 MAC")?.child(0, "the PBMAC1 MAC")?.oid()?;
            let hmac = Hash::from_hmac_oid(&hmac_oid).ok_or_else(|| unsupported(&hmac_oid, "MAC"))?;
            check_mac_len(hmac, &expected)?;
            return Ok((MacScheme::Pbmac1 { prf, salt, iterations, key_len, hmac }, expected));
        }
        let hash = Hash::from_digest_oid(&alg_oid).ok_or_else(|| unsupported(&alg_oid, "MAC digest"))?;
        check_mac_len(hash, &expected)?;
        let salt = salt_of(mac_data.child(1, "the MAC salt")?, "the MAC salt")?;
        let iterations = match mac_data.children.get(2) {
            Some(n) => iterations_of(n)?,
            None => 1,
        };
        Ok((MacScheme::Hmac { hash, salt, iterations }, expected))
    }

    pub fn name(&self) -> String {
        match self {
            MacScheme::Hmac { hash, .. } => format!("HMAC-{}", hash.name()),
            MacScheme::Pbmac1 { prf, hmac, .. } => format!("PBMAC1 (HMAC-{}, PBKDF2-HMAC-{})", hmac.name(), prf.name()),
        }
    }

    pub fn iterations(&self) -> u32 {
        match self {
            MacScheme::Hmac { iterations, .. } | MacScheme::Pbmac1 { iterations, .. } => *iterations,
        }
    }

    /// The label of the password form under which the MAC verifies, if any;
    /// each form's key derivation is charged to `budget` before it runs.
    pub fn verify(
        &self,
        password: &Secret,
        data: &[u8],
        expected: &[u8],
        budget: &mut Budget,
    ) -> Result<Option<&'static str>, Error> {
        match self {
            MacScheme::Hmac { hash, salt, iterations } => {
                for form in password::for_pkcs12_kdf(password) {
                    budget.charge_kdf(kdf_work(Kdf::Pkcs12, *hash, *iterations, hash.output_len()))?;
                    let key = pbe::pkcs12_kdf(*hash, &form.bytes, salt, Purpose::Mac, *iterations, hash.output_len());
                    if pbe::hmac_verifies(*hash, &key, data, expected) {
                        return Ok(Some(form.label));
                    }
                }
            }
            MacScheme::Pbmac1 { prf, salt, iterations, key_len, hmac } => {
                // RFC 9579 defines the UTF-8 form only.
                if let Some(form) = password::for_pbkdf2(password).into_iter().next() {
                    budget.charge_kdf(kdf_work(Kdf::Pbkdf2, *prf, *iterations, *key_len))?;
                    let key = pbe::pbkdf2(*prf, &form.bytes, salt, *iterations, *key_len);
                    if pbe::hmac_verifies(*hmac, &key, data, expected) {
                        return Ok(Some(form.label));
                    }
                }
            }
        }
        Ok(None)
    }

    /// MacData for `data` (classic HMAC only: what certdesk writes).
    pub fn mac_data_der(&self, password: &Secret, data: &[u8]) -> Vec<u8> {
        use ber::der;
        let MacScheme::Hmac { hash, salt, iterations } = self else { unreachable!("certdesk writes HMAC MACs") };
        let form = &password::for_pkcs12_kdf(password)[0];
        let key = pbe::pkcs12_kdf(*hash, &form.bytes, salt, Purpose::Mac, *iterations, hash.output_len());
        let mac = pbe::hmac(*hash, &key, data);
        der::sequence(&[
            &der::sequence(&[&der::sequence(&[&der::oid(hash.digest_oid()), &der::null()]), &der::octet_string(&mac)]),
            &der::octet_string(salt),
            &der::uint(u64::from(*iterations)),
        ])
    }
}
