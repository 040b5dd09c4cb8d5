//! Signing with a key in the login keychain without exporting it
//! (`SecKeyCreateSignature`). A key that asks the user first (a smart card,
//! an access control list) makes macOS show its own prompt.

use rustls::SignatureScheme;
use security_framework::key::Algorithm;

use super::KeychainStore;
use crate::error::{Error, Result};
use crate::model::Identity;
use crate::store::signing::{digest, KeyKind, SignInStore, StoreSigningKey};

#[derive(Debug)]
pub struct KeychainKey {
    store: KeychainStore,
    identity: Identity,
}

pub fn signing_key(store: &KeychainStore, identity: &Identity) -> Result<std::sync::Arc<dyn rustls::sign::SigningKey>> {
    let kind = KeyKind::of(identity)?;
    store.identity_for(identity)?.private_key().map_err(|e| store.refused("finding the private key", e))?;
    Ok(StoreSigningKey::shared(KeychainKey { store: store.clone(), identity: identity.clone() }, kind, true))
}

impl SignInStore for KeychainKey {
    fn sign_in_store(&self, scheme: SignatureScheme, message: &[u8]) -> Result<Vec<u8>> {
        let algorithm = match scheme {
            SignatureScheme::ECDSA_NISTP256_SHA256 => Algorithm::ECDSASignatureDigestX962SHA256,
            SignatureScheme::ECDSA_NISTP384_SHA384 => Algorithm::ECDSASignatureDigestX962SHA384,
            SignatureScheme::RSA_PSS_SHA256 => Algorithm::RSASignatureDigestPSSSHA256,
            SignatureScheme::RSA_PSS_SHA384 => Algorithm::RSASignatureDigestPSSSHA384,
            SignatureScheme::RSA_PKCS1_SHA256 => Algorithm::RSASignatureDigestPKCS1v15SHA256,
            SignatureScheme::RSA_PKCS1_SHA384 => Algorithm::RSASignatureDigestPKCS1v15SHA384,
            other => return Err(Error::Unsupported { what: format!("signing with {other:?}"), hint: String::new() }),
        };
        let key = self
            .store
            .identity_for(&self.identity)?
            .private_key()
            .map_err(|e| self.store.refused("finding the private key", e))?;
        key.create_signature(algorithm, &digest(scheme, message)?).map_err(|e| self.store.refused("signing", e))
    }

    /// Security.framework's X9.62 signatures are already DER.
    fn ecdsa_is_der(&self) -> bool {
        true
    }
}
