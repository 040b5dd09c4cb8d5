//! The OS store with the present cards and tokens beside it: one list, so a
//! renewal on a new card supersedes the old card's certificate (or the one
//! in the store), and every action sent to the store that holds the
//! certificate. Cards stay read-only (`pkcs11.rs` refuses changes).

use zeroize::Zeroizing;

use crate::error::Result;
use crate::model::{Certificate, Identity};
use crate::prefs::{PreferenceRecord, Removed, Resolved};
use crate::store::pkcs11::TokenStore;
use crate::store::{DeletionStep, ImportFile, ImportOutcome, Keystore};

pub struct WithTokens {
    store: Box<dyn Keystore>,
    tokens: Vec<TokenStore>,
}

impl WithTokens {
    /// `store` with the tokens of `modules` beside it; a module that does
    /// not load is left out (`certdesk tokens` says why).
    pub fn new(store: Box<dyn Keystore>, modules: &[std::path::PathBuf]) -> WithTokens {
        let tokens = modules.iter().filter_map(|m| TokenStore::open(m, None).ok()).collect();
        WithTokens { store, tokens }
    }

    /// The store that holds `identity`: a token's certificates name their token.
    fn holder(&self, identity: &Identity) -> &dyn Keystore {
        self.tokens.iter().find(|t| t.holds(identity)).map(|t| t as &dyn Keystore).unwrap_or(self.store.as_ref())
    }
}

impl Keystore for WithTokens {
    fn spec(&self) -> String {
        self.store.spec()
    }

    /// The store's certificates, then each token's. A token that cannot be
    /// read now (a card pulled out) leaves the list as the store's alone;
    /// a certificate the store holds too is shown once, as the store's.
    fn list(&self) -> Result<Vec<Identity>> {
        let mut all = self.store.list()?;
        for token in &self.tokens {
            for identity in token.list().unwrap_or_default() {
                if !all.iter().any(|i| i.id == identity.id) {
                    all.push(identity);
                }
            }
        }
        Ok(all)
    }

    fn import_pkcs12(&self, file: &ImportFile<'_>, exportable: bool) -> Result<ImportOutcome> {
        self.store.import_pkcs12(file, exportable)
    }

    fn export_private_key(&self, identity: &Identity) -> Result<Zeroizing<Vec<u8>>> {
        self.holder(identity).export_private_key(identity)
    }

    fn issuer_candidates(&self) -> Result<Vec<Certificate>> {
        self.store.issuer_candidates()
    }

    fn trusted_elsewhere(&self) -> Result<Vec<Certificate>> {
        self.store.trusted_elsewhere()
    }

    fn delete(&self, step: &DeletionStep) -> Result<()> {
        self.holder(&step.identity).delete(step)
    }

    fn location(&self) -> Option<String> {
        self.store.location()
    }

    fn identity_preferences(&self) -> Result<Vec<PreferenceRecord>> {
        self.store.identity_preferences()
    }

    fn resolve_preference(&self, record: &PreferenceRecord) -> Resolved {
        self.store.resolve_preference(record)
    }

    fn signing_key(&self, identity: &Identity) -> Result<std::sync::Arc<dyn rustls::sign::SigningKey>> {
        self.holder(identity).signing_key(identity)
    }

    fn delete_identity_preference(&self, record: &PreferenceRecord) -> Result<Removed> {
        self.store.delete_identity_preference(record)
    }

    fn repoint_identity_preference(&self, record: &PreferenceRecord, to: &Identity, account: &str) -> Result<()> {
        self.store.repoint_identity_preference(record, to, account)
    }

    fn add_identity_preference(&self, service: &str, to: &Identity, account: &str) -> Result<()> {
        self.store.add_identity_preference(service, to, account)
    }
}
