//! "Is this certificate trusted here?": whether an identity's chain, built
//! from the store's CA certificates, reaches a root this computer trusts, for
//! client authentication. Validity dates are the health rules' business, so
//! each certificate is checked at a moment inside its own validity; and a
//! chain webpki cannot check (an old algorithm) is "cannot verify", never "invalid".

use rustls::pki_types::{CertificateDer, TrustAnchor, UnixTime};
use serde::Serialize;
use time::OffsetDateTime;

use crate::model::{Certificate, Identity};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "trust", rename_all = "snake_case")]
pub enum Trust {
    Trusted,
    /// The chain stops at a certificate whose issuer is not in the store.
    IssuerNotInstalled {
        issuer: String,
    },
    /// The chain reaches a root that is installed but not trusted by this computer.
    RootNotTrusted {
        root: String,
    },
    CannotVerify {
        reason: String,
    },
}

impl Trust {
    pub fn describe(&self) -> String {
        match self {
            Trust::Trusted => "trusted".into(),
            Trust::IssuerNotInstalled { issuer } => format!("issuer not installed: {issuer}"),
            Trust::RootNotTrusted { root } => format!("root not trusted here: {root}"),
            Trust::CannotVerify { reason } => format!("cannot verify ({reason})"),
        }
    }
}

/// The trust of each identity, in order. `kept_apart` are the store's CA
/// certificates that are not listed as identities (Windows keeps them in
/// other stores); `roots` are the computer's trust anchors.
pub fn assess(
    identities: &[Identity],
    kept_apart: &[Certificate],
    roots: &[TrustAnchor<'_>],
    now: OffsetDateTime,
) -> Vec<Trust> {
    let pool = crate::chain::pool(identities, kept_apart);
    let intermediates: Vec<CertificateDer<'_>> =
        pool.iter().filter(|c| c.is_ca && !c.self_signed).map(|c| CertificateDer::from(c.der.as_slice())).collect();
    let algorithms = rustls_graviola::default_provider().signature_verification_algorithms.all;
    identities
        .iter()
        .map(|identity| trust_of(&identity.certificate, &pool, &intermediates, roots, algorithms, now))
        .collect()
}

fn trust_of(
    cert: &Certificate,
    pool: &[&Certificate],
    intermediates: &[CertificateDer<'_>],
    roots: &[TrustAnchor<'_>],
    algorithms: &[&dyn rustls::pki_types::SignatureVerificationAlgorithm],
    now: OffsetDateTime,
) -> Trust {
    let der = CertificateDer::from(cert.der.as_slice());
    let end_entity = match webpki::EndEntityCert::try_from(&der) {
        Ok(ee) => ee,
        Err(e) => return Trust::CannotVerify { reason: format!("the certificate cannot be read for this check: {e}") },
    };
    // A moment inside the certificate's validity; a certificate whose
    // validity ends before it begins has none, and is judged at its start.
    let at =
        if cert.not_before <= cert.not_after { now.clamp(cert.not_before, cert.not_after) } else { cert.not_before };
    let at = u64::try_from(at.unix_timestamp()).unwrap_or(0);
    let time = UnixTime::since_unix_epoch(std::time::Duration::from_secs(at));
    let verified = end_entity.verify_for_usage(
        algorithms,
        roots,
        intermediates,
        time,
        webpki::KeyUsage::client_auth(),
        None,
        None,
    );
    match verified {
        Ok(_) => Trust::Trusted,
        Err(webpki::Error::UnknownIssuer) => {
            let chain = crate::chain::issuers_of(cert, pool);
            let top = chain.last().copied().unwrap_or(cert);
            let name = |dn: &crate::dn::DistinguishedName| dn.common_name().unwrap_or(&dn.rfc4514).to_owned();
            if top.self_signed {
                Trust::RootNotTrusted { root: name(&top.subject) }
            } else {
                Trust::IssuerNotInstalled { issuer: name(&top.issuer) }
            }
        }
        Err(
            webpki::Error::UnsupportedSignatureAlgorithmContext(_)
            | webpki::Error::UnsupportedSignatureAlgorithmForPublicKeyContext(_),
        ) => Trust::CannotVerify {
            reason: "its chain uses a signature algorithm, such as SHA-1, that cannot be checked here".into(),
        },
        Err(webpki::Error::RequiredEkuNotFoundContext(_)) => {
            Trust::CannotVerify { reason: "it is not a client-authentication certificate".into() }
        }
        Err(e) => Trust::CannotVerify { reason: format!("{e}") },
    }
}
