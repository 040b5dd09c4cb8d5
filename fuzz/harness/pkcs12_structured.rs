//! The body of the `pkcs12_structured` fuzz target: the fuzzer's bytes are
//! read as a description of a PFX (`arbitrary`), which is rendered to DER
//! with every length right, so that mutations land on what a file states
//! (iteration counts, key lengths, salts, IVs, algorithms, bag kinds,
//! nesting) instead of on length bytes the reader refuses at once. Parts can
//! be encrypted and MACed for real, under the password the reader is given,
//! so the fuzzer reaches the decrypted layers too. Kept apart so that
//! `crates/core/tests/fuzz_regressions.rs` renders what the fuzzer found
//! through the same code.

use arbitrary::{Arbitrary, Unstructured};
use certdesk_core::pkcs12::{ber::der, Cipher, Hash, MacScheme, Scheme};
use certdesk_core::Secret;

/// The password sealed parts and real MACs use, and the reader is given.
pub const PASSWORD: &str = "password";
/// Real certificates to put in bags (a CA and a server certificate, certdesk's test fixtures).
const CERTIFICATES: [&[u8]; 2] =
    [include_bytes!("../../tests/fixtures/tls/wine-ca.der"), include_bytes!("../../tests/fixtures/tls/server.der")];
/// The server certificate's key, as PKCS#8.
const KEY: &[u8] = include_bytes!("../../tests/fixtures/tls/server.key.der");

/// A number as a file states it: small, one of the values at the edges, or raw content octets.
#[derive(Arbitrary, Debug)]
enum Number {
    Small(u16),
    Zero,
    MinusOne,
    TwoTo31,
    TwoTo40,
    TwoTo64,
    AtTheLimit,
    PastTheLimit,
    Raw(Vec<u8>),
}

impl Number {
    fn der(&self) -> Vec<u8> {
        let content = match self {
            Number::Small(n) => return der::uint(u64::from(*n)),
            Number::Zero => vec![0],
            Number::MinusOne => vec![0xff],
            Number::TwoTo31 => vec![0, 0x80, 0, 0, 0],
            Number::TwoTo40 => vec![1, 0, 0, 0, 0, 0],
            Number::TwoTo64 => vec![1, 0, 0, 0, 0, 0, 0, 0, 0],
            Number::AtTheLimit => return der::uint(10_000_000),
            Number::PastTheLimit => return der::uint(10_000_001),
            Number::Raw(bytes) => bytes.clone(),
        };
        der::tlv(0x02, &content)
    }
}

#[derive(Arbitrary, Debug)]
enum Prf {
    Sha1,
    Sha256,
    Sha512,
    Unknown,
}

#[derive(Arbitrary, Debug)]
enum Pbes2Cipher {
    Aes128,
    Aes256,
    DesEde3,
    Rc2 { version: Option<Number> },
    Unknown,
}

#[derive(Arbitrary, Debug)]
enum Pkcs12Cipher {
    TripleDes,
    TwoKeyTripleDes,
    Rc2With128,
    Rc2With40,
    Rc4With128,
    Rc4With40,
}

/// An encryption AlgorithmIdentifier, as odd as the fuzzer likes.
#[derive(Arbitrary, Debug)]
enum Algorithm {
    Pkcs12 {
        cipher: Pkcs12Cipher,
        salt: Vec<u8>,
        iterations: Number,
    },
    Pbes2 {
        prf: Option<Prf>,
        salt: Vec<u8>,
        iterations: Number,
        key_len: Option<Number>,
        cipher: Pbes2Cipher,
        iv: Vec<u8>,
    },
    Unknown(Vec<u8>),
}

impl Algorithm {
    fn der(&self) -> Vec<u8> {
        match self {
            Algorithm::Pkcs12 { cipher, salt, iterations } => {
                let oid = match cipher {
                    Pkcs12Cipher::Rc4With128 => "1.2.840.113549.1.12.1.1",
                    Pkcs12Cipher::Rc4With40 => "1.2.840.113549.1.12.1.2",
                    Pkcs12Cipher::TripleDes => "1.2.840.113549.1.12.1.3",
                    Pkcs12Cipher::TwoKeyTripleDes => "1.2.840.113549.1.12.1.4",
                    Pkcs12Cipher::Rc2With128 => "1.2.840.113549.1.12.1.5",
                    Pkcs12Cipher::Rc2With40 => "1.2.840.113549.1.12.1.6",
                };
                der::sequence(&[&der::oid(oid), &der::sequence(&[&der::octet_string(salt), &iterations.der()])])
            }
            Algorithm::Pbes2 { prf, salt, iterations, key_len, cipher, iv } => {
                let mut kdf = vec![der::octet_string(salt), iterations.der()];
                if let Some(len) = key_len {
                    kdf.push(len.der());
                }
                if let Some(prf) = prf {
                    let oid = match prf {
                        Prf::Sha1 => "1.2.840.113549.2.7",
                        Prf::Sha256 => "1.2.840.113549.2.9",
                        Prf::Sha512 => "1.2.840.113549.2.11",
                        Prf::Unknown => "1.2.3.4",
                    };
                    kdf.push(der::sequence(&[&der::oid(oid), &der::null()]));
                }
                let kdf: Vec<&[u8]> = kdf.iter().map(Vec::as_slice).collect();
                let (cipher_oid, params) = match cipher {
                    Pbes2Cipher::Aes128 => ("2.16.840.1.101.3.4.1.2", der::octet_string(iv)),
                    Pbes2Cipher::Aes256 => ("2.16.840.1.101.3.4.1.42", der::octet_string(iv)),
                    Pbes2Cipher::DesEde3 => ("1.2.840.113549.3.7", der::octet_string(iv)),
                    Pbes2Cipher::Rc2 { version } => {
                        let version = version.as_ref().map(Number::der).unwrap_or_default();
                        ("1.2.840.113549.3.2", der::sequence(&[&version, &der::octet_string(iv)]))
                    }
                    Pbes2Cipher::Unknown => ("1.2.3.5", der::octet_string(iv)),
                };
                der::sequence(&[
                    &der::oid("1.2.840.113549.1.5.13"),
                    &der::sequence(&[
                        &der::sequence(&[&der::oid("1.2.840.113549.1.5.12"), &der::sequence(&kdf)]),
                        &der::sequence(&[&der::oid(cipher_oid), &params]),
                    ]),
                ])
            }
            Algorithm::Unknown(raw) => der::sequence(&[&der::oid("1.2.840.113549.1.5.3"), raw]),
        }
    }
}

/// Real encryption under the reader's password: TripleDES with few iterations.
#[derive(Arbitrary, Debug)]
struct Sealed {
    salt: Vec<u8>,
    iterations: u8,
}

impl Sealed {
    fn scheme(&self) -> Scheme {
        Scheme::Pkcs12Pbe {
            cipher: Cipher::DesEde3Cbc,
            salt: self.salt.iter().copied().take(64).collect(),
            iterations: u32::from(self.iterations.max(1)),
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Certificate {
    Fixture(bool),
    Raw(Vec<u8>),
}

#[derive(Arbitrary, Debug)]
struct Attributes {
    friendly_name: Option<String>,
    local_key_id: Option<Vec<u8>>,
}

impl Attributes {
    fn der(&self) -> Vec<u8> {
        let mut attributes = Vec::new();
        if let Some(name) = &self.friendly_name {
            attributes
                .push(der::sequence(&[&der::oid("1.2.840.113549.1.9.20"), &der::set_of(&[&der::bmp_string(name)])]));
        }
        if let Some(id) = &self.local_key_id {
            attributes
                .push(der::sequence(&[&der::oid("1.2.840.113549.1.9.21"), &der::set_of(&[&der::octet_string(id)])]));
        }
        let attributes: Vec<&[u8]> = attributes.iter().map(Vec::as_slice).collect();
        if attributes.is_empty() {
            Vec::new()
        } else {
            der::set_of(&attributes)
        }
    }
}

/// A bag, or bags nested in SafeContents bags `depth` times (kept out of
/// the type's recursion, so that generating one cannot exhaust the stack).
#[derive(Arbitrary, Debug)]
enum Bag {
    Leaf(LeafBag),
    Nested { depth: u8, bags: Vec<LeafBag> },
}

impl Bag {
    fn der(&self, password: &Secret) -> Vec<u8> {
        match self {
            Bag::Leaf(bag) => bag.der(password),
            Bag::Nested { depth, bags } => {
                let bags: Vec<Vec<u8>> = bags.iter().map(|b| b.der(password)).collect();
                let bags: Vec<&[u8]> = bags.iter().map(Vec::as_slice).collect();
                let mut nested = der::sequence(&bags);
                for level in 0..=(depth % 8) {
                    let bag = der::sequence(&[&der::oid("1.2.840.113549.1.12.10.1.6"), &der::explicit(0, &nested)]);
                    nested = if level == depth % 8 { bag } else { der::sequence(&[&bag]) };
                }
                nested
            }
        }
    }
}

#[derive(Arbitrary, Debug)]
enum LeafBag {
    Certificate { certificate: Certificate, attributes: Attributes },
    Key { real: bool, attributes: Attributes },
    ShroudedKey { algorithm: Algorithm, ciphertext: Vec<u8>, attributes: Attributes },
    SealedKey { sealed: Sealed, attributes: Attributes },
    Other { oid_bytes: Vec<u8> },
}

impl LeafBag {
    fn der(&self, password: &Secret) -> Vec<u8> {
        let bag = |oid: &str, value: &[u8], attributes: &Attributes| {
            der::sequence(&[&der::oid(oid), &der::explicit(0, value), &attributes.der()])
        };
        match self {
            LeafBag::Certificate { certificate, attributes } => {
                let cert: &[u8] = match certificate {
                    Certificate::Fixture(server) => CERTIFICATES[usize::from(*server)],
                    Certificate::Raw(raw) => raw,
                };
                let value =
                    der::sequence(&[&der::oid("1.2.840.113549.1.9.22.1"), &der::explicit(0, &der::octet_string(cert))]);
                bag("1.2.840.113549.1.12.10.1.3", &value, attributes)
            }
            LeafBag::Key { real, attributes } => {
                let key = if *real { KEY.to_vec() } else { der::sequence(&[&der::uint(0)]) };
                bag("1.2.840.113549.1.12.10.1.1", &key, attributes)
            }
            LeafBag::ShroudedKey { algorithm, ciphertext, attributes } => {
                let value = der::sequence(&[&algorithm.der(), &der::octet_string(ciphertext)]);
                bag("1.2.840.113549.1.12.10.1.2", &value, attributes)
            }
            LeafBag::SealedKey { sealed, attributes } => {
                let scheme = sealed.scheme();
                let value = der::sequence(&[&scheme.to_der(), &der::octet_string(&scheme.encrypt(password, KEY))]);
                bag("1.2.840.113549.1.12.10.1.2", &value, attributes)
            }
            LeafBag::Other { oid_bytes } => {
                der::sequence(&[&der::tlv(0x06, oid_bytes), &der::explicit(0, &der::null())])
            }
        }
    }
}

fn safe_contents(bags: &[Bag], password: &Secret) -> Vec<u8> {
    let bags: Vec<Vec<u8>> = bags.iter().map(|b| b.der(password)).collect();
    let bags: Vec<&[u8]> = bags.iter().map(Vec::as_slice).collect();
    der::sequence(&bags)
}

#[derive(Arbitrary, Debug)]
enum Content {
    Plain(Vec<Bag>),
    Encrypted { algorithm: Algorithm, ciphertext: Vec<u8> },
    Sealed { sealed: Sealed, bags: Vec<Bag> },
}

impl Content {
    fn der(&self, password: &Secret) -> Vec<u8> {
        let encrypted = |algorithm: &[u8], ciphertext: &[u8]| {
            der::sequence(&[
                &der::oid("1.2.840.113549.1.7.6"),
                &der::explicit(
                    0,
                    &der::sequence(&[
                        &der::uint(0),
                        &der::sequence(&[&der::oid("1.2.840.113549.1.7.1"), algorithm, &der::tlv(0x80, ciphertext)]),
                    ]),
                ),
            ])
        };
        match self {
            Content::Plain(bags) => data(&safe_contents(bags, password)),
            Content::Encrypted { algorithm, ciphertext } => encrypted(&algorithm.der(), ciphertext),
            Content::Sealed { sealed, bags } => {
                let scheme = sealed.scheme();
                encrypted(&scheme.to_der(), &scheme.encrypt(password, &safe_contents(bags, password)))
            }
        }
    }
}

fn data(content: &[u8]) -> Vec<u8> {
    der::sequence(&[&der::oid("1.2.840.113549.1.7.1"), &der::explicit(0, &der::octet_string(content))])
}

#[derive(Arbitrary, Debug)]
enum Mac {
    /// A MAC computed for real (HMAC, PKCS#12 KDF, few iterations).
    Valid { sha256: bool, salt: Vec<u8>, iterations: u8 },
    /// Whatever the fuzzer states.
    Stated { digest_oid: Vec<u8>, value: Vec<u8>, salt: Vec<u8>, iterations: Option<Number> },
}

#[derive(Arbitrary, Debug)]
pub struct Pfx {
    version: Number,
    contents: Vec<Content>,
    mac: Option<Mac>,
}

impl Pfx {
    fn der(&self, password: &Secret) -> Vec<u8> {
        let contents: Vec<Vec<u8>> = self.contents.iter().map(|c| c.der(password)).collect();
        let contents: Vec<&[u8]> = contents.iter().map(Vec::as_slice).collect();
        let auth_safe = der::sequence(&contents);
        let mac = match &self.mac {
            None => Vec::new(),
            Some(Mac::Valid { sha256, salt, iterations }) => MacScheme::Hmac {
                hash: if *sha256 { Hash::Sha256 } else { Hash::Sha1 },
                salt: salt.iter().copied().take(64).collect(),
                iterations: u32::from((*iterations).max(1)),
            }
            .mac_data_der(password, &auth_safe),
            Some(Mac::Stated { digest_oid, value, salt, iterations }) => {
                let iterations = iterations.as_ref().map(Number::der).unwrap_or_default();
                der::sequence(&[
                    &der::sequence(&[
                        &der::sequence(&[&der::tlv(0x06, digest_oid), &der::null()]),
                        &der::octet_string(value),
                    ]),
                    &der::octet_string(salt),
                    &iterations,
                ])
            }
        };
        der::sequence(&[&self.version.der(), &data(&auth_safe), &mac])
    }
}

/// The file a description stands for, as the fuzz target renders it
/// (libFuzzer's typed input: `arbitrary_take_rest`), or `None` for bytes
/// that describe no PFX.
pub fn render(data: &[u8], password: &Secret) -> Option<Vec<u8>> {
    Pfx::arbitrary_take_rest(Unstructured::new(data)).ok().map(|pfx| pfx.der(password))
}

/// Renders the description and reads the file under the password its sealed parts use.
#[allow(dead_code)] // the regression test renders and times the read itself
pub fn run(data: &[u8]) {
    let password = Secret::from(PASSWORD);
    if let Some(file) = render(data, &password) {
        let _ = certdesk_core::inspect::inspect("fuzzed", &file, &password);
    }
}
