//! What a private key and a certificate's public key are, as far as matching
//! them and describing them needs: the RSA modulus or the EC point.
//!
//! Keys are matched to certificates by public key, not only by localKeyID,
//! because producers disagree on localKeyIDs (Windows writes `01000000` for
//! every file, some files repeat one ID for several keys).

use super::ber::{self, tag, Node};
use crate::error::Error;

/// A private key as `inspect` describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyDescription {
    pub algorithm: String,
    pub bits: Option<usize>,
    /// RSA modulus or EC public point; `None` when the key does not carry it.
    pub public: Option<Vec<u8>>,
}

fn strip_leading_zeros(bytes: &[u8]) -> Vec<u8> {
    // `skip` counts bytes of `bytes`, so it is at most its length.
    let skip = bytes.iter().take_while(|&&b| b == 0).count();
    bytes[skip..].to_vec()
}

fn bit_len(bytes: &[u8]) -> usize {
    let bytes = strip_leading_zeros(bytes);
    bytes.first().map_or(0, |&b| (bytes.len() - 1) * 8 + (8 - b.leading_zeros() as usize))
}

/// Describes a PKCS#8 PrivateKeyInfo (RFC 5208 / RFC 5958).
pub fn describe_private_key(pkcs8: &[u8]) -> Result<KeyDescription, Error> {
    let info = ber::parse(pkcs8)?;
    let algorithm = info.child(1, "the key's algorithm")?;
    let oid = algorithm.child(0, "the key's algorithm")?.oid()?;
    let key_octets = info.child(2, "the private key")?.octets("the private key")?;
    match oid.as_str() {
        "1.2.840.113549.1.1.1" | "1.2.840.113549.1.1.10" => {
            let rsa = ber::parse(key_octets)?;
            let modulus = &rsa.child(1, "the RSA modulus")?.expect(tag::INTEGER, "the RSA modulus")?.data;
            Ok(KeyDescription {
                algorithm: "RSA".into(),
                bits: Some(bit_len(modulus)),
                public: Some(strip_leading_zeros(modulus)),
            })
        }
        "1.2.840.10045.2.1" => {
            let curve = algorithm.children.get(1).and_then(|p| p.oid().ok()).unwrap_or_default();
            let ec = ber::parse(key_octets)?;
            let public = ec
                .children
                .iter()
                .find(|n| n.tag == tag::CONTEXT_1)
                .and_then(|n| n.children.first())
                .filter(|bits| bits.tag == tag::BIT_STRING && !bits.data.is_empty())
                // Not empty (filtered): the first byte counts unused bits, the point follows.
                .map(|bits| bits.data[1..].to_vec());
            let (name, bits) = match curve.as_str() {
                "1.2.840.10045.3.1.7" => ("P-256", 256),
                "1.3.132.0.34" => ("P-384", 384),
                "1.3.132.0.35" => ("P-521", 521),
                _ => ("", 0),
            };
            let algorithm = if name.is_empty() { format!("EC ({curve})") } else { format!("EC {name}") };
            Ok(KeyDescription { algorithm, bits: (bits > 0).then_some(bits), public })
        }
        "1.3.101.112" => Ok(KeyDescription { algorithm: "Ed25519".into(), bits: Some(256), public: None }),
        "1.3.101.113" => Ok(KeyDescription { algorithm: "Ed448".into(), bits: Some(456), public: None }),
        "1.2.840.10040.4.1" => Ok(KeyDescription { algorithm: "DSA".into(), bits: None, public: None }),
        other => Ok(KeyDescription { algorithm: format!("unknown ({other})"), bits: None, public: None }),
    }
}

/// The RSA modulus or EC point of a certificate's SubjectPublicKeyInfo.
pub fn certificate_public_key(cert_der: &[u8]) -> Option<Vec<u8>> {
    let cert = ber::parse(cert_der).ok()?;
    let tbs = cert.children.first()?;
    // The version is an optional [0]; the SPKI is the 6th field after it.
    let offset = usize::from(tbs.children.first()?.tag == tag::CONTEXT_0);
    let spki = tbs.children.get(5 + offset)?;
    public_key_of_spki(spki)
}

fn public_key_of_spki(spki: &Node) -> Option<Vec<u8>> {
    let oid = spki.children.first()?.children.first()?.oid().ok()?;
    let bits = spki.children.get(1).filter(|b| b.tag == tag::BIT_STRING && !b.data.is_empty())?;
    // Not empty (filtered above): the first byte counts unused bits.
    let key = &bits.data[1..];
    match oid.as_str() {
        "1.2.840.113549.1.1.1" | "1.2.840.113549.1.1.10" => {
            let rsa = ber::parse(key).ok()?;
            Some(strip_leading_zeros(&rsa.children.first()?.data))
        }
        "1.2.840.10045.2.1" => Some(key.to_vec()),
        _ => None,
    }
}
