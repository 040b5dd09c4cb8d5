//! A TLS signing key whose private half stays in its store (`certdesk probe
//! --identity`). Which schemes a key offers and how a signature is shaped
//! for TLS are decided here once; each backend only signs (NSS: PKCS#11
//! `C_Sign`, Windows: CNG `NCryptSignHash` or CAPI `CryptSignHash`, macOS:
//! `SecKeyCreateSignature`).

use std::fmt::Debug;
use std::sync::Arc;

use rustls::sign::{Signer, SigningKey};
use rustls::{SignatureAlgorithm, SignatureScheme};
use sha2::Digest as _;

use crate::error::{Error, Result};
use crate::model::Identity;
use crate::pkcs12::ber::der;

/// The key types certdesk signs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    EcP256,
    EcP384,
    Rsa,
}

impl KeyKind {
    pub fn of(identity: &Identity) -> Result<KeyKind> {
        if !identity.key.has_private_key() {
            return Err(Error::InvalidInput("this store holds no private key for this certificate".into()));
        }
        let key = &identity.certificate.public_key;
        match (key.algorithm.as_str(), key.curve.as_deref()) {
            ("EC", Some("P-256")) => Ok(KeyKind::EcP256),
            ("EC", Some("P-384")) => Ok(KeyKind::EcP384),
            ("RSA", _) => Ok(KeyKind::Rsa),
            _ => Err(Error::Unsupported {
                what: format!("signing with a {key} key"),
                hint: " (certdesk signs with RSA, EC P-256 and EC P-384 keys)".into(),
            }),
        }
    }
}

/// What a store can do with one key: sign a message under a scheme.
pub trait SignInStore: Debug + Send + Sync + 'static {
    /// The signature as the store returns it: ECDSA as r‖s (fixed width) or
    /// DER, as `ecdsa_is_der` says; RSA as big-endian bytes.
    fn sign_in_store(&self, scheme: SignatureScheme, message: &[u8]) -> Result<Vec<u8>>;

    /// Whether the store returns ECDSA signatures already DER-encoded (macOS does).
    fn ecdsa_is_der(&self) -> bool {
        false
    }
}

/// A rustls `SigningKey` over a store's key.
#[derive(Debug)]
pub struct StoreSigningKey {
    store: Arc<dyn SignInStore>,
    kind: KeyKind,
    rsa_pss: bool,
}

impl StoreSigningKey {
    /// `rsa_pss: false` for stores that sign only PKCS#1 v1.5 (CAPI), which
    /// rules out TLS 1.3 for an RSA key: see `signs_for_tls13`.
    pub fn shared(store: impl SignInStore, kind: KeyKind, rsa_pss: bool) -> Arc<dyn SigningKey> {
        Arc::new(StoreSigningKey { store: Arc::new(store), kind, rsa_pss })
    }

    /// The schemes this key can sign, best first: TLS 1.3 needs PSS for RSA.
    fn schemes(&self) -> &'static [SignatureScheme] {
        match (self.kind, self.rsa_pss) {
            (KeyKind::EcP256, _) => &[SignatureScheme::ECDSA_NISTP256_SHA256],
            (KeyKind::EcP384, _) => &[SignatureScheme::ECDSA_NISTP384_SHA384],
            (KeyKind::Rsa, true) => &[
                SignatureScheme::RSA_PSS_SHA256,
                SignatureScheme::RSA_PSS_SHA384,
                SignatureScheme::RSA_PKCS1_SHA256,
                SignatureScheme::RSA_PKCS1_SHA384,
            ],
            (KeyKind::Rsa, false) => &[SignatureScheme::RSA_PKCS1_SHA256, SignatureScheme::RSA_PKCS1_SHA384],
        }
    }
}

/// Whether `key` can sign a TLS 1.3 CertificateVerify (for RSA: PSS).
pub fn signs_for_tls13(key: &dyn SigningKey) -> bool {
    key.algorithm() != SignatureAlgorithm::RSA
        || key.choose_scheme(&[SignatureScheme::RSA_PSS_SHA256, SignatureScheme::RSA_PSS_SHA384]).is_some()
}

impl SigningKey for StoreSigningKey {
    fn choose_scheme(&self, offered: &[SignatureScheme]) -> Option<Box<dyn Signer>> {
        let scheme = self.schemes().iter().copied().find(|s| offered.contains(s))?;
        Some(Box::new(StoreSigner { store: self.store.clone(), scheme }))
    }

    fn algorithm(&self) -> SignatureAlgorithm {
        match self.kind {
            KeyKind::EcP256 | KeyKind::EcP384 => SignatureAlgorithm::ECDSA,
            KeyKind::Rsa => SignatureAlgorithm::RSA,
        }
    }
}

#[derive(Debug)]
struct StoreSigner {
    store: Arc<dyn SignInStore>,
    scheme: SignatureScheme,
}

impl Signer for StoreSigner {
    fn sign(&self, message: &[u8]) -> std::result::Result<Vec<u8>, rustls::Error> {
        let signature =
            self.store.sign_in_store(self.scheme, message).map_err(|e| rustls::Error::General(e.to_string()))?;
        let ecdsa =
            matches!(self.scheme, SignatureScheme::ECDSA_NISTP256_SHA256 | SignatureScheme::ECDSA_NISTP384_SHA384);
        Ok(if ecdsa && !self.store.ecdsa_is_der() { ecdsa_der(&signature) } else { signature })
    }

    fn scheme(&self) -> SignatureScheme {
        self.scheme
    }
}

/// The hash a scheme signs, for stores that sign a digest (CNG, CAPI, and
/// ECDSA everywhere).
pub fn digest(scheme: SignatureScheme, message: &[u8]) -> Result<Vec<u8>> {
    match scheme {
        SignatureScheme::ECDSA_NISTP256_SHA256
        | SignatureScheme::RSA_PSS_SHA256
        | SignatureScheme::RSA_PKCS1_SHA256 => Ok(sha2::Sha256::digest(message).to_vec()),
        SignatureScheme::ECDSA_NISTP384_SHA384
        | SignatureScheme::RSA_PSS_SHA384
        | SignatureScheme::RSA_PKCS1_SHA384 => Ok(sha2::Sha384::digest(message).to_vec()),
        other => Err(Error::Unsupported { what: format!("signing with {other:?}"), hint: String::new() }),
    }
}

/// PKCS#11 and CNG give ECDSA signatures as r‖s; TLS wants `SEQUENCE { r INTEGER, s INTEGER }`.
pub fn ecdsa_der(raw: &[u8]) -> Vec<u8> {
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
    use super::*;

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

    #[derive(Debug)]
    struct Echo;

    impl SignInStore for Echo {
        fn sign_in_store(&self, _scheme: SignatureScheme, message: &[u8]) -> Result<Vec<u8>> {
            Ok(message.to_vec())
        }
    }

    #[test]
    fn an_rsa_key_without_pss_cannot_sign_for_tls13_and_offers_pkcs1_only() {
        let capi = StoreSigningKey::shared(Echo, KeyKind::Rsa, false);
        assert!(!signs_for_tls13(capi.as_ref()));
        let offered = [SignatureScheme::RSA_PSS_SHA256, SignatureScheme::RSA_PKCS1_SHA256];
        assert_eq!(capi.choose_scheme(&offered).unwrap().scheme(), SignatureScheme::RSA_PKCS1_SHA256);
        let cng = StoreSigningKey::shared(Echo, KeyKind::Rsa, true);
        assert!(signs_for_tls13(cng.as_ref()));
        assert_eq!(cng.choose_scheme(&offered).unwrap().scheme(), SignatureScheme::RSA_PSS_SHA256);
        let ec = StoreSigningKey::shared(Echo, KeyKind::EcP384, false);
        assert!(signs_for_tls13(ec.as_ref()));
        assert!(ec.choose_scheme(&[SignatureScheme::ECDSA_NISTP256_SHA256]).is_none(), "a P-384 key signs P-384 only");
    }

    #[test]
    fn digests_follow_the_scheme_and_unknown_schemes_are_refused() {
        assert_eq!(digest(SignatureScheme::RSA_PSS_SHA256, b"x").unwrap().len(), 32);
        assert_eq!(digest(SignatureScheme::ECDSA_NISTP384_SHA384, b"x").unwrap().len(), 48);
        assert!(digest(SignatureScheme::ED25519, b"x").is_err());
    }
}
