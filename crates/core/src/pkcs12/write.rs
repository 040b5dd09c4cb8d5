//! Writing PKCS#12 files in one of two profiles, then reading each file back
//! before calling it done.

use sha1::Digest as _;

use super::algorithm::{MacScheme, Scheme};
use super::ber::der;
use super::pbe::{random_bytes, Cipher, Hash};
use crate::error::Error;
use crate::secret::Secret;

/// Which importers a written file is for. Serialised as its name (`modern`, `compatible`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Profile {
    /// PBES2 with PBKDF2-HMAC-SHA256 and AES-256-CBC, HMAC-SHA256 MAC: what
    /// Windows 10 1709+ and 11 call "AES256-SHA256"; macOS 15+, OpenSSL 3, Java 17.
    Modern,
    /// pbeWithSHAAnd3-KeyTripleDES-CBC and an HMAC-SHA1 MAC: Windows 7 and
    /// 8.1, every macOS Keychain, Java 8 and OpenSSL 3 without `-legacy`
    /// cannot read PBES2 or an RC2 bag, but all of them read this.
    Compatible,
}

impl Profile {
    /// PBKDF2 at 100,000 rounds costs about 30 ms here; the legacy KDF is
    /// kept lower because old importers run it slowly.
    pub fn iterations(self) -> u32 {
        match self {
            Profile::Modern => 100_000,
            Profile::Compatible => 10_000,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Profile::Modern => "modern",
            Profile::Compatible => "compatible",
        }
    }

    fn encryption(self) -> Scheme {
        match self {
            Profile::Modern => Scheme::Pbes2 {
                prf: Hash::Sha256,
                salt: random_bytes(16),
                iterations: self.iterations(),
                key_len: None,
                cipher: Cipher::Aes256Cbc,
                iv: random_bytes(16),
            },
            Profile::Compatible => {
                Scheme::Pkcs12Pbe { cipher: Cipher::DesEde3Cbc, salt: random_bytes(16), iterations: self.iterations() }
            }
        }
    }

    fn mac(self) -> MacScheme {
        let hash = match self {
            Profile::Modern => Hash::Sha256,
            Profile::Compatible => Hash::Sha1,
        };
        MacScheme::Hmac { hash, salt: random_bytes(16), iterations: self.iterations() }
    }
}

impl std::str::FromStr for Profile {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s {
            "modern" => Ok(Profile::Modern),
            "compatible" => Ok(Profile::Compatible),
            other => Err(Error::InvalidInput(format!("\"{other}\" is not a profile; use modern or compatible"))),
        }
    }
}

/// What goes into a file: one identity and, optionally, its chain.
pub struct Contents<'a> {
    pub key_pkcs8: &'a [u8],
    pub leaf: &'a [u8],
    pub chain: &'a [Vec<u8>],
    pub friendly_name: Option<&'a str>,
}

/// What goes into a file that holds any number of identities, as one a
/// user was given may: every key with the certificate that belongs to it
/// (a key may have none), and the certificates that belong to no key.
pub struct Bundle<'a> {
    pub identities: Vec<BundledKey<'a>>,
    pub certificates: Vec<&'a [u8]>,
}

/// One key of a [`Bundle`].
pub struct BundledKey<'a> {
    pub key_pkcs8: &'a [u8],
    pub certificate: Option<&'a [u8]>,
    pub friendly_name: Option<&'a str>,
}

impl<'a> Bundle<'a> {
    fn of_one(contents: &Contents<'a>) -> Bundle<'a> {
        Bundle {
            identities: vec![BundledKey {
                key_pkcs8: contents.key_pkcs8,
                certificate: Some(contents.leaf),
                friendly_name: contents.friendly_name,
            }],
            certificates: contents.chain.iter().map(Vec::as_slice).filter(|c| *c != contents.leaf).collect(),
        }
    }
}

const DATA: &str = "1.2.840.113549.1.7.1";
const ENCRYPTED_DATA: &str = "1.2.840.113549.1.7.6";

fn attributes(friendly_name: Option<&str>, local_key_id: &[u8]) -> Vec<u8> {
    let mut attrs =
        vec![der::sequence(&[&der::oid("1.2.840.113549.1.9.21"), &der::set_of(&[&der::octet_string(local_key_id)])])];
    if let Some(name) = friendly_name {
        attrs.push(der::sequence(&[&der::oid("1.2.840.113549.1.9.20"), &der::set_of(&[&der::bmp_string(name)])]));
    }
    der::set_of(&attrs.iter().map(Vec::as_slice).collect::<Vec<_>>())
}

fn cert_bag(cert: &[u8], attrs: Option<&[u8]>) -> Vec<u8> {
    let value = der::sequence(&[&der::oid("1.2.840.113549.1.9.22.1"), &der::explicit(0, &der::octet_string(cert))]);
    let mut parts: Vec<&[u8]> = Vec::new();
    let oid = der::oid("1.2.840.113549.1.12.10.1.3");
    let explicit = der::explicit(0, &value);
    parts.push(&oid);
    parts.push(&explicit);
    if let Some(a) = attrs {
        parts.push(a);
    }
    der::sequence(&parts)
}

fn data_content_info(content: &[u8]) -> Vec<u8> {
    der::sequence(&[&der::oid(DATA), &der::explicit(0, &der::octet_string(content))])
}

/// Writes `contents` as a PKCS#12 file, then reads it back with the same
/// password and checks that the key, the certificates and the name came
/// through unchanged.
pub fn write(contents: &Contents<'_>, password: &Secret, profile: Profile) -> Result<Vec<u8>, Error> {
    let file = write_bundle(&Bundle::of_one(contents), password, profile)?;
    // The leaf comes back first, as every reader of a one-identity file expects.
    let back = super::read(&file, password).map_err(|e| unreadable(&e))?;
    if back.certificates.first().map(|c| c.der.as_slice()) != Some(contents.leaf) {
        return Err(written_wrong("certificate"));
    }
    Ok(file)
}

/// Writes every identity and certificate of `bundle` into one file: a key
/// bag per key (each under its own salt), its certificate tied to it by a
/// `localKeyId`, then the other certificates; read back before it is
/// returned, like [`write`].
pub fn write_bundle(bundle: &Bundle<'_>, password: &Secret, profile: Profile) -> Result<Vec<u8>, Error> {
    let mut cert_bags = Vec::new();
    let mut key_bags = Vec::new();
    for (index, identity) in bundle.identities.iter().enumerate() {
        let attrs = attributes(identity.friendly_name, &local_key_id(identity, index));
        if let Some(certificate) = identity.certificate {
            cert_bags.push(cert_bag(certificate, Some(&attrs)));
        }
        key_bags.push(key_bag(identity.key_pkcs8, &attrs, password, profile));
    }
    // A certificate goes in once, even when the bundle names it twice.
    let mut written: Vec<&[u8]> = bundle.identities.iter().filter_map(|i| i.certificate).collect();
    for certificate in &bundle.certificates {
        if !written.contains(certificate) {
            written.push(certificate);
            cert_bags.push(cert_bag(certificate, None));
        }
    }

    let mut auth_safe_parts = Vec::new();
    if !cert_bags.is_empty() {
        let cert_safe_contents = der::sequence(&cert_bags.iter().map(Vec::as_slice).collect::<Vec<_>>());
        let cert_scheme = profile.encryption();
        let encrypted_certs = cert_scheme.encrypt(password, &cert_safe_contents);
        let encrypted_content_info = der::sequence(&[
            &der::oid(DATA),
            &cert_scheme.to_der(),
            &der::tlv(super::ber::tag::CONTEXT_0_PRIMITIVE, &encrypted_certs),
        ]);
        auth_safe_parts.push(der::sequence(&[
            &der::oid(ENCRYPTED_DATA),
            &der::explicit(0, &der::sequence(&[&der::uint(0), &encrypted_content_info])),
        ]));
    }
    if !key_bags.is_empty() {
        auth_safe_parts
            .push(data_content_info(&der::sequence(&key_bags.iter().map(Vec::as_slice).collect::<Vec<_>>())));
    }

    let auth_safe = der::sequence(&auth_safe_parts.iter().map(Vec::as_slice).collect::<Vec<_>>());
    let mac_data = profile.mac().mac_data_der(password, &auth_safe);
    let file = der::sequence(&[&der::uint(3), &data_content_info(&auth_safe), &mac_data]);

    verify_written(&file, bundle, password)?;
    Ok(file)
}

/// Ties a key to its certificate: the certificate's SHA-1, as OpenSSL and
/// Windows write it. A key without a certificate gets a random id: a hash of
/// the key itself would sit in the clear beside the encrypted key.
fn local_key_id(identity: &BundledKey<'_>, index: usize) -> Vec<u8> {
    match identity.certificate {
        Some(certificate) => sha1::Sha1::digest(certificate).to_vec(),
        None => {
            let mut id = random_bytes(16);
            id.extend_from_slice(&(index as u32).to_be_bytes());
            id
        }
    }
}

fn key_bag(key_pkcs8: &[u8], attrs: &[u8], password: &Secret, profile: Profile) -> Vec<u8> {
    let key_scheme = profile.encryption();
    let encrypted_key = if crate::fault::damages("pkcs12-writer-damages-key") {
        // A writer bug made on demand: the file holds a key one bit off, which only the read-back can notice.
        let mut damaged = zeroize::Zeroizing::new(key_pkcs8.to_vec());
        if let Some(last) = damaged.last_mut() {
            *last ^= 1;
        }
        key_scheme.encrypt(password, &damaged)
    } else {
        key_scheme.encrypt(password, key_pkcs8)
    };
    let shrouded = der::sequence(&[&key_scheme.to_der(), &der::octet_string(&encrypted_key)]);
    der::sequence(&[&der::oid("1.2.840.113549.1.12.10.1.2"), &der::explicit(0, &shrouded), attrs])
}

fn written_wrong(what: &str) -> Error {
    Error::NotVerified {
        what: "the new file".into(),
        why: format!("its {what} came back different: a fault of certdesk's writer, please report it"),
    }
}

fn unreadable(e: &Error) -> Error {
    Error::NotVerified { what: "the new file".into(), why: format!("it cannot be read: {e}") }
}

/// Every key comes back, in order, with its own certificate and name, and
/// the certificates come back as the same set.
fn verify_written(file: &[u8], bundle: &Bundle<'_>, password: &Secret) -> Result<(), Error> {
    let back = super::read(file, password).map_err(|e| unreadable(&e))?;
    if back.keys.len() != bundle.identities.len() {
        return Err(written_wrong("key"));
    }
    for (written, read) in bundle.identities.iter().zip(&back.keys) {
        if read.pkcs8.as_slice() != written.key_pkcs8 {
            return Err(written_wrong("key"));
        }
        let certificate = super::read::certificate_for_key(&back.certificates, read).map(|c| c.der.as_slice());
        if written.certificate.is_some() && certificate != written.certificate {
            return Err(written_wrong("certificate"));
        }
        let name = read.friendly_name.as_deref().or_else(|| {
            super::read::certificate_for_key(&back.certificates, read).and_then(|c| c.friendly_name.as_deref())
        });
        if name != written.friendly_name {
            return Err(written_wrong("friendly name"));
        }
    }
    let mut expected: Vec<&[u8]> = bundle.identities.iter().filter_map(|i| i.certificate).collect();
    expected.extend(bundle.certificates.iter().copied());
    expected.sort();
    expected.dedup();
    let mut got: Vec<&[u8]> = back.certificates.iter().map(|c| c.der.as_slice()).collect();
    got.sort();
    got.dedup();
    if got != expected {
        return Err(written_wrong("chain"));
    }
    Ok(())
}
