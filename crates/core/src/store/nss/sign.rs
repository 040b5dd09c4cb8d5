//! Signing with a key inside the NSS database (PKCS#11 `C_Sign` on the key
//! object), so a TLS handshake can be made as an identity without exporting
//! its key.

use std::sync::Arc;

use cryptoki::mechanism::rsa::{PkcsMgfType, PkcsPssParams};
use cryptoki::mechanism::{Mechanism, MechanismType};
use rustls::sign::{Signer, SigningKey};
use rustls::{SignatureAlgorithm, SignatureScheme};
use sha2::Digest as _;

use super::NssStore;
use crate::error::{Error, Result};
use crate::model::Identity;
use crate::pkcs12::ber::der;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    EcP256,
    EcP384,
    Rsa,
}

#[derive(Debug)]
pub struct NssSigningKey {
    store: NssStore,
    identity: Identity,
    kind: Kind,
}

impl NssSigningKey {
    pub fn for_identity(store: NssStore, identity: &Identity) -> Result<Arc<dyn SigningKey>> {
        if !identity.key.has_private_key() {
            return Err(Error::InvalidInput("this store holds no private key for this certificate".into()));
        }
        let key = &identity.certificate.public_key;
        let kind = match (key.algorithm.as_str(), key.curve.as_deref()) {
            ("EC", Some("P-256")) => Kind::EcP256,
            ("EC", Some("P-384")) => Kind::EcP384,
            ("RSA", _) => Kind::Rsa,
            _ => {
                return Err(Error::Unsupported {
                    what: format!("signing with a {key} key"),
                    hint: " (certdesk signs with RSA, EC P-256 and EC P-384 keys)".into(),
                })
            }
        };
        Ok(Arc::new(NssSigningKey { store, identity: identity.clone(), kind }))
    }
}

/// The schemes each key can sign, best first: TLS 1.3 needs PSS for RSA.
fn schemes(kind: Kind) -> &'static [SignatureScheme] {
    match kind {
        Kind::EcP256 => &[SignatureScheme::ECDSA_NISTP256_SHA256],
        Kind::EcP384 => &[SignatureScheme::ECDSA_NISTP384_SHA384],
        Kind::Rsa => &[
            SignatureScheme::RSA_PSS_SHA256,
            SignatureScheme::RSA_PSS_SHA384,
            SignatureScheme::RSA_PKCS1_SHA256,
            SignatureScheme::RSA_PKCS1_SHA384,
        ],
    }
}

impl SigningKey for NssSigningKey {
    fn choose_scheme(&self, offered: &[SignatureScheme]) -> Option<Box<dyn Signer>> {
        let scheme = schemes(self.kind).iter().copied().find(|s| offered.contains(s))?;
        Some(Box::new(NssSigner { store: self.store.clone(), identity: self.identity.clone(), scheme }))
    }

    fn algorithm(&self) -> SignatureAlgorithm {
        match self.kind {
            Kind::EcP256 | Kind::EcP384 => SignatureAlgorithm::ECDSA,
            Kind::Rsa => SignatureAlgorithm::RSA,
        }
    }
}

#[derive(Debug)]
struct NssSigner {
    store: NssStore,
    identity: Identity,
    scheme: SignatureScheme,
}

impl Signer for NssSigner {
    fn sign(&self, message: &[u8]) -> std::result::Result<Vec<u8>, rustls::Error> {
        let pss = |hash_alg, mgf, s_len: u64| PkcsPssParams { hash_alg, mgf, s_len: s_len.into() };
        let (mechanism, data, ecdsa) = match self.scheme {
            SignatureScheme::ECDSA_NISTP256_SHA256 => (Mechanism::Ecdsa, sha2::Sha256::digest(message).to_vec(), true),
            SignatureScheme::ECDSA_NISTP384_SHA384 => (Mechanism::Ecdsa, sha2::Sha384::digest(message).to_vec(), true),
            SignatureScheme::RSA_PSS_SHA256 => (
                Mechanism::Sha256RsaPkcsPss(pss(MechanismType::SHA256, PkcsMgfType::MGF1_SHA256, 32)),
                message.to_vec(),
                false,
            ),
            SignatureScheme::RSA_PSS_SHA384 => (
                Mechanism::Sha384RsaPkcsPss(pss(MechanismType::SHA384, PkcsMgfType::MGF1_SHA384, 48)),
                message.to_vec(),
                false,
            ),
            SignatureScheme::RSA_PKCS1_SHA256 => (Mechanism::Sha256RsaPkcs, message.to_vec(), false),
            SignatureScheme::RSA_PKCS1_SHA384 => (Mechanism::Sha384RsaPkcs, message.to_vec(), false),
            other => return Err(rustls::Error::General(format!("cannot sign with {other:?}"))),
        };
        let signature = self
            .store
            .sign_with_key_of(&self.identity, &mechanism, &data)
            .map_err(|e| rustls::Error::General(e.to_string()))?;
        Ok(if ecdsa { ecdsa_der(&signature) } else { signature })
    }

    fn scheme(&self) -> SignatureScheme {
        self.scheme
    }
}

/// PKCS#11 gives ECDSA signatures as r‖s; TLS wants `SEQUENCE { r INTEGER, s INTEGER }`.
fn ecdsa_der(raw: &[u8]) -> Vec<u8> {
    let (r, s) = raw.split_at(raw.len() / 2);
    let integer = |n: &[u8]| {
        let trimmed = &n[n.iter().position(|&b| b != 0).unwrap_or(n.len().saturating_sub(1))..];
        let mut bytes = Vec::with_capacity(trimmed.len() + 1);
        if trimmed.first().is_some_and(|b| b & 0x80 != 0) {
            bytes.push(0);
        }
        bytes.extend_from_slice(trimmed);
        der::tlv(0x02, &bytes)
    };
    der::sequence(&[&integer(r), &integer(s)])
}

#[cfg(test)]
mod tests {
    use super::ecdsa_der;

    #[test]
    fn raw_ecdsa_signatures_become_der_with_minimal_positive_integers() {
        let mut raw = vec![0u8; 64];
        raw[1] = 0x7f; // r = 0x7f00…: leading zero dropped
        raw[32] = 0x80; // s = 0x80…: needs a 0x00 to stay positive
        let der = ecdsa_der(&raw);
        assert_eq!(&der[..4], &[0x30, 0x44, 0x02, 0x1f]);
        assert_eq!(der[4], 0x7f);
        assert_eq!(&der[35..38], &[0x02, 0x21, 0x00]);
        assert_eq!(der[38], 0x80);
    }
}
