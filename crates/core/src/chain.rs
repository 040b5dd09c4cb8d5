//! Chains: which certificates a chain is built from, the issuers of a
//! certificate found among them, and the roots this computer trusts. Export
//! (the chain put in the file), details (the chain shown), trust (whether it
//! ends at a trusted root) and the site check all build chains here.

use crate::model::{Certificate, Identity};

/// The certificates a chain is built from: every listed identity's, and the
/// CA certificates the store keeps apart (`Keystore::issuer_candidates`).
pub fn pool<'a>(all: &'a [Identity], kept_apart: &'a [Certificate]) -> Vec<&'a Certificate> {
    all.iter().map(|i| &i.certificate).chain(kept_apart).collect()
}

/// The issuers of `leaf` found in `pool`, upward, ending at a self-signed
/// certificate or where the pool has no issuer; a loop ends it.
pub fn issuers_of<'a>(leaf: &Certificate, pool: &[&'a Certificate]) -> Vec<&'a Certificate> {
    let mut chain: Vec<&Certificate> = Vec::new();
    let mut current = leaf;
    while !current.self_signed {
        let issuer = pool.iter().copied().find(|c| {
            c.subject.same_name_as(&current.issuer)
                && c.sha256 != leaf.sha256
                && !chain.iter().any(|seen| seen.sha256 == c.sha256)
        });
        match issuer {
            Some(i) => {
                chain.push(i);
                current = i;
            }
            None => break,
        }
    }
    chain
}

/// The roots this computer trusts (`SSL_CERT_FILE` and `SSL_CERT_DIR` are honoured).
pub fn system_roots() -> rustls::RootCertStore {
    let mut roots = rustls::RootCertStore::empty();
    let found = rustls_native_certs::load_native_certs();
    roots.add_parsable_certificates(found.certs);
    roots
}
