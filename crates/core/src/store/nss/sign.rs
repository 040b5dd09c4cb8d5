//! Signing with a key inside the NSS database (PKCS#11 `C_Sign` on the key
//! object), so a TLS handshake can be made as an identity without exporting
//! its key.

use cryptoki::mechanism::rsa::{PkcsMgfType, PkcsPssParams};
use cryptoki::mechanism::{Mechanism, MechanismType};
use rustls::SignatureScheme;

use super::NssStore;
use crate::error::{Error, Result};
use crate::model::Identity;
use crate::store::signing::{digest, SignInStore};

#[derive(Debug)]
pub struct NssKey {
    pub store: NssStore,
    pub identity: Identity,
}

impl SignInStore for NssKey {
    fn sign_in_store(&self, scheme: SignatureScheme, message: &[u8]) -> Result<Vec<u8>> {
        let pss = |hash_alg, mgf, s_len: u64| PkcsPssParams { hash_alg, mgf, s_len: s_len.into() };
        // softokn hashes for the RSA mechanisms; ECDSA signs a digest.
        let (mechanism, data) = match scheme {
            SignatureScheme::ECDSA_NISTP256_SHA256 | SignatureScheme::ECDSA_NISTP384_SHA384 => {
                (Mechanism::Ecdsa, digest(scheme, message)?)
            }
            SignatureScheme::RSA_PSS_SHA256 => (
                Mechanism::Sha256RsaPkcsPss(pss(MechanismType::SHA256, PkcsMgfType::MGF1_SHA256, 32)),
                message.to_vec(),
            ),
            SignatureScheme::RSA_PSS_SHA384 => (
                Mechanism::Sha384RsaPkcsPss(pss(MechanismType::SHA384, PkcsMgfType::MGF1_SHA384, 48)),
                message.to_vec(),
            ),
            SignatureScheme::RSA_PKCS1_SHA256 => (Mechanism::Sha256RsaPkcs, message.to_vec()),
            SignatureScheme::RSA_PKCS1_SHA384 => (Mechanism::Sha384RsaPkcs, message.to_vec()),
            other => return Err(Error::Unsupported { what: format!("signing with {other:?}"), hint: String::new() }),
        };
        self.store.sign_with_key_of(&self.identity, &mechanism, &data)
    }
}
