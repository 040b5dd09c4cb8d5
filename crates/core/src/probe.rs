//! "Which certificate does this site accept?": connects to a site with
//! rustls, notes whether it is trusted here (without stopping): its chain
//! verified and it signed the handshake with that certificate's key,
//! captures the CertificateRequest (the CA names the site accepts), ranks the
//! store's identities against it, and, when asked, completes a handshake as
//! one identity, signing inside the store, but only with a trusted server
//! unless the user agreed otherwise.

use std::io::{Read as _, Write as _};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::ResolvesClientCert;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::sign::CertifiedKey;
use rustls::{CertificateError, DigitallySignedStruct, SignatureScheme};
use serde::Serialize;
use x509_parser::prelude::FromDer as _;

use crate::dn::DistinguishedName;
use crate::error::{Error, Result};
use crate::health::{Assessment, Status};
use crate::model::{Certificate, Identity};
use crate::store::Keystore;
use crate::Overview;

pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long to wait, after the handshake, for a server's rejection.
const REJECTION_WAIT: Duration = Duration::from_secs(3);
/// Why a server whose chain verified is still not trusted.
const KEY_NOT_PROVEN: &str =
    "the server sent a certificate but did not prove it holds its key: it may be impersonating the site";

/// What `probe` does with the user's certificate when the server is not trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IfUntrusted {
    /// Send nothing and fail with `Error::ServerNotTrusted`: the certificate
    /// names the user and the handshake signs for them, so it goes only to a
    /// server that proved it is the site.
    Refuse,
    /// Send it anyway: the user was told and agreed (`--insecure`, or yes in the app).
    SendAnyway,
}

/// The site to check: `https://host[:port]/…`, `host`, `host:port`, `[v6]:port`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub host: String,
    pub port: u16,
}

impl std::str::FromStr for Target {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self> {
        let bad = || {
            Error::InvalidInput(format!("\"{text}\" is not a site; give a host name, host:port or an https:// address"))
        };
        let rest = text.trim();
        let rest = rest.strip_prefix("https://").unwrap_or(rest);
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        let authority = authority.rsplit('@').next().unwrap_or_default();
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (host, after) = v6.split_once(']').ok_or_else(bad)?;
            (host.to_owned(), after.strip_prefix(':'))
        } else if authority.matches(':').count() > 1 {
            (authority.to_owned(), None) // a bare IPv6 address
        } else {
            match authority.split_once(':') {
                Some((h, p)) => (h.to_owned(), Some(p)),
                None => (authority.to_owned(), None),
            }
        };
        let port = match port {
            Some(p) => p.parse().map_err(|_| bad())?,
            None => 443,
        };
        if host.is_empty() || host.chars().any(|c| c.is_whitespace()) {
            return Err(bad());
        }
        Ok(Target { host, port })
    }
}

/// What the site's own certificate looks like from here.
#[derive(Debug, Clone, Serialize)]
pub struct ServerReport {
    pub host: String,
    pub port: u16,
    pub trusted: bool,
    pub detail: String,
}

/// One of the store's identities, as a candidate for this site.
#[derive(Debug, Clone, Serialize)]
pub struct Candidate {
    pub id: String,
    pub name: String,
    pub subject: String,
    pub issuer: String,
    pub issuer_name: String,
    pub status: Status,
    pub superseded: bool,
    pub not_after: String,
    /// Its issuer, or a certificate of its chain, is one the site named.
    pub matches: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Handshake {
    pub identity: String,
    /// "accepted", "rejected" (by the server) or "failed" (here).
    pub result: &'static str,
    pub detail: String,
}

/// `certdesk probe --json`, and what the app's "Check a site" panel shows.
#[derive(Debug, Clone, Serialize)]
pub struct ProbeReport {
    pub server: ServerReport,
    /// The CA names the site accepts (RFC 4514); `None` when it asks for no certificate.
    pub requested_cas: Option<Vec<String>>,
    /// Best first; empty when the site asks for no certificate.
    pub candidates: Vec<Candidate>,
    pub handshake: Option<Handshake>,
}

impl ProbeReport {
    /// The advice in words, for the CLI (the app words the same facts in the user's language).
    pub fn advice(&self) -> String {
        let Some(cas) = &self.requested_cas else {
            return "This site does not ask for a client certificate.".into();
        };
        let accepted = if cas.is_empty() {
            "any certificate".to_owned()
        } else {
            format!("certificates issued by {}", short_names(cas).join(" or "))
        };
        let matching: Vec<&Candidate> = self.candidates.iter().filter(|c| c.matches || cas.is_empty()).collect();
        match matching.as_slice() {
            [] => format!(
                "This site accepts {accepted}. You have none: you need a certificate issued by {}.",
                short_names(cas).join(" or ")
            ),
            [best, rest @ ..] => {
                let mut text = format!(
                    "This site accepts {accepted}. You have {}: use \"{}\", expiring {}",
                    matching.len(),
                    best.name,
                    &best.not_after[..10.min(best.not_after.len())]
                );
                if best.status == Status::Expired {
                    text.push_str(" (it has expired: renew it)");
                }
                let expired = rest.iter().filter(|c| c.status == Status::Expired).count();
                if expired > 0 {
                    text.push_str(&format!("; {expired} other{} expired", if expired == 1 { " is" } else { "s are" }));
                }
                text.push('.');
                text
            }
        }
    }
}

fn short_names(cas: &[String]) -> Vec<String> {
    cas.iter()
        .map(|ca| {
            ca.split(',').find_map(|part| part.strip_prefix("CN=")).map(str::to_owned).unwrap_or_else(|| ca.clone())
        })
        .collect()
}

/// Checks `target`: the server's trust, the CA names it asks for, the
/// store's identities ranked for it, and with `identity` a full handshake as
/// that identity, which `if_untrusted` says whether to make with a server not trusted here.
pub fn probe(
    target: &Target,
    store: &dyn Keystore,
    overview: &Overview,
    identity: Option<&Identity>,
    if_untrusted: IfUntrusted,
) -> Result<ProbeReport> {
    let roots = Arc::new(crate::chain::system_roots());
    let first = handshake(target, &roots, None, false)?;
    // rustls checks the server's certificate after its CertificateRequest
    // (TLS 1.3 sends that first; TLS 1.2 before ServerHelloDone, when the
    // check is made), so once the certificate was seen whether the site asks
    // for one of ours is known, and a handshake that then failed (on a forged
    // signature) still has a report to give.
    if let (Err(e), None, false) = (&first.outcome, &first.requested, first.certificate_seen) {
        return Err(Error::Network {
            what: format!("the TLS handshake with {}:{}", target.host, target.port),
            why: e.clone(),
        });
    }
    let requested: Option<Vec<DistinguishedName>> = first.requested.as_ref().map(|names| {
        names
            .iter()
            .filter_map(|der| x509_parser::x509::X509Name::from_der(der).ok())
            .map(|(_, n)| DistinguishedName::from_x509(&n))
            .collect()
    });
    let kept_apart = store.issuer_candidates()?;
    let pool = crate::chain::pool(&overview.identities, &kept_apart);
    let candidates = match &requested {
        Some(cas) => rank(overview, &pool, cas),
        None => Vec::new(),
    };
    let handshake = match identity {
        Some(identity) => {
            certificate_may_go_to(target, &first.server_trust, if_untrusted)?;
            Some(try_identity(target, &roots, store, &pool, identity, if_untrusted)?)
        }
        None => None,
    };
    Ok(ProbeReport {
        server: ServerReport {
            host: target.host.clone(),
            port: target.port,
            trusted: first.server_trust.is_ok(),
            detail: first.server_trust.err().unwrap_or_else(|| "trusted by this computer".into()),
        },
        requested_cas: requested.map(|cas| cas.into_iter().map(|n| n.rfc4514).collect()),
        candidates,
        handshake,
    })
}

/// The store's identities with a private key, those the site accepts first,
/// then working before expiring before expired, the current renewal before a
/// superseded one, and client-authentication certificates first.
fn rank(overview: &Overview, pool: &[&Certificate], cas: &[DistinguishedName]) -> Vec<Candidate> {
    let named = |dn: &DistinguishedName| cas.iter().any(|ca| ca.same_name_as(dn));
    let mut ranked: Vec<(Candidate, (bool, u8, bool, bool))> = overview
        .entries()
        .filter(|(i, _)| i.key.has_private_key() && !i.certificate.is_ca)
        .map(|(identity, health): (&Identity, &Assessment)| {
            let cert = &identity.certificate;
            let chain = crate::chain::issuers_of(cert, pool);
            let matches = named(&cert.issuer) || chain.iter().any(|c| named(&c.subject) || named(&c.issuer));
            let status_rank = match health.status {
                Status::Valid => 0,
                Status::Expiring => 1,
                Status::NotYetValid => 2,
                Status::Expired => 3,
            };
            let key = (!matches, status_rank, health.superseded(), !cert.client_auth);
            let candidate = Candidate {
                id: identity.id.clone(),
                name: cert.display_name().to_owned(),
                subject: cert.subject.rfc4514.clone(),
                issuer: cert.issuer.rfc4514.clone(),
                issuer_name: cert.issuer_display_name().to_owned(),
                status: health.status,
                superseded: health.superseded(),
                not_after: cert.not_after.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
                matches,
            };
            (candidate, key)
        })
        .collect();
    ranked.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.name.cmp(&b.0.name)));
    ranked.into_iter().map(|(c, _)| c).collect()
}

/// A certificate goes only to a trusted server (`trust` is `Ok`), or to any when the user agreed.
fn certificate_may_go_to(
    target: &Target,
    trust: &std::result::Result<(), String>,
    if_untrusted: IfUntrusted,
) -> Result<()> {
    match trust {
        Err(why) if if_untrusted == IfUntrusted::Refuse => Err(Error::ServerNotTrusted {
            site: format!("{}:{}", bracketed(&target.host), target.port),
            why: why.clone(),
        }),
        _ => Ok(()),
    }
}

/// The handshake as `identity`. It is a new connection, which may not reach
/// the server the first one judged, so unless the user agreed otherwise it
/// stops at an untrusted server before the certificate goes out.
fn try_identity(
    target: &Target,
    roots: &Arc<rustls::RootCertStore>,
    store: &dyn Keystore,
    pool: &[&Certificate],
    identity: &Identity,
    if_untrusted: IfUntrusted,
) -> Result<Handshake> {
    let mut chain = vec![CertificateDer::from(identity.certificate.der.clone())];
    chain.extend(
        crate::chain::issuers_of(&identity.certificate, pool)
            .iter()
            .filter(|c| !c.self_signed)
            .map(|c| CertificateDer::from(c.der.clone())),
    );
    let key = store.signing_key(identity)?;
    // A key its store signs only with PKCS#1 v1.5 (a Windows CAPI key) cannot
    // sign a TLS 1.3 CertificateVerify, so that handshake is made over TLS 1.2.
    let tls12_only = !crate::store::signing::signs_for_tls13(key.as_ref());
    let answer = Answer { key: Arc::new(CertifiedKey::new(chain, key)), if_untrusted };
    let attempt = handshake(target, roots, Some(answer), tls12_only)?;
    if attempt.certificate_seen {
        // Untrusted here means the handshake ended before the certificate went
        // out: at the chain (`stop_if_untrusted`) or at a forged signature.
        certificate_may_go_to(target, &attempt.server_trust, if_untrusted)?;
    }
    let (result, mut detail) = match attempt.outcome {
        Ok(()) => ("accepted", "the server completed the handshake and did not refuse the certificate".to_owned()),
        Err(why) if attempt.rejected => ("rejected", why),
        Err(why) => ("failed", why),
    };
    if tls12_only {
        detail.push_str(" (over TLS 1.2: this key's store signs only PKCS#1 v1.5, which TLS 1.3 does not allow)");
    }
    Ok(Handshake { identity: identity.id.clone(), result, detail })
}

/// What one connection saw.
struct Observed {
    /// `Ok` when the server is trusted (`server_verdict`), else why not.
    server_trust: std::result::Result<(), String>,
    /// The server sent its certificate (whether or not it is trusted).
    certificate_seen: bool,
    /// The DER names of the CertificateRequest; `None` when there was none.
    requested: Option<Vec<Vec<u8>>>,
    outcome: std::result::Result<(), String>,
    /// The failure was the server's alert, not ours.
    rejected: bool,
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls_graviola::default_provider())
}

/// The certificate a handshake answers the CertificateRequest with.
struct Answer {
    key: Arc<CertifiedKey>,
    if_untrusted: IfUntrusted,
}

/// One connection: TCP (directly or through `HTTPS_PROXY`), the TLS
/// handshake answering with `answer` (or with no certificate), then for a
/// full handshake one `HEAD /` and one read, since a TLS 1.3 server rejects
/// a client certificate only after the client has finished its side.
fn handshake(
    target: &Target,
    roots: &Arc<rustls::RootCertStore>,
    answer: Option<Answer>,
    tls12_only: bool,
) -> Result<Observed> {
    let provider = provider();
    let verifier = Arc::new(RecordingVerifier {
        inner: rustls::client::WebPkiServerVerifier::builder_with_provider(roots.clone(), provider.clone())
            .build()
            .ok(),
        provider: provider.clone(),
        stop_if_untrusted: answer.as_ref().is_some_and(|a| a.if_untrusted == IfUntrusted::Refuse),
        chain: Mutex::new(None),
        proved_key: AtomicBool::new(false),
    });
    let identity = answer.map(|a| a.key);
    let resolver = Arc::new(RecordingResolver { identity: identity.clone(), requested: Mutex::new(None) });
    let versions: &[&rustls::SupportedProtocolVersion] =
        if tls12_only { &[&rustls::version::TLS12] } else { rustls::DEFAULT_VERSIONS };
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(versions)
        .map_err(|e| Error::Network { what: "setting up TLS".into(), why: e.to_string() })?
        .dangerous()
        .with_custom_certificate_verifier(verifier.clone())
        .with_client_cert_resolver(resolver.clone());
    let name = ServerName::try_from(target.host.clone())
        .map_err(|_| Error::InvalidInput(format!("\"{}\" is not a host name or address", target.host)))?;
    let mut tcp = connect(target)?;
    let io =
        |e: std::io::Error| Error::Network { what: format!("{}:{}", target.host, target.port), why: e.to_string() };
    tcp.set_read_timeout(Some(HANDSHAKE_TIMEOUT)).map_err(io)?;
    tcp.set_write_timeout(Some(HANDSHAKE_TIMEOUT)).map_err(io)?;
    let mut conn = rustls::ClientConnection::new(Arc::new(config), name)
        .map_err(|e| Error::Network { what: "starting TLS".into(), why: e.to_string() })?;
    let mut outcome: std::result::Result<(), std::io::Error> = Ok(());
    while conn.is_handshaking() {
        if let Err(e) = conn.complete_io(&mut tcp) {
            outcome = Err(e);
            break;
        }
    }
    if outcome.is_ok() && identity.is_some() {
        let mut tls = rustls::Stream::new(&mut conn, &mut tcp);
        let request = format!("HEAD / HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n", target.host);
        outcome = tls.write_all(request.as_bytes()).and_then(|()| tls.flush());
        if outcome.is_ok() {
            // A rejection arrives at once; a server that accepted may just
            // not answer HEAD (openssl s_server -www answers GET only).
            let _ = tls.sock.set_read_timeout(Some(REJECTION_WAIT));
            let mut buffer = [0u8; 512];
            outcome = match tls.read(&mut buffer) {
                Ok(_) => Ok(()),
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::UnexpectedEof
                            | std::io::ErrorKind::WouldBlock
                            | std::io::ErrorKind::TimedOut
                    ) =>
                {
                    Ok(())
                }
                Err(e) => Err(e),
            };
        }
    }
    let rejected = matches!(&outcome, Err(e) if alert_of(e).is_some());
    let outcome = outcome.map_err(|e| describe(&e));
    let server_trust = verifier.verdict();
    let certificate_seen = verifier.chain.lock().unwrap_or_else(|e| e.into_inner()).is_some();
    let requested = resolver.requested.lock().unwrap_or_else(|e| e.into_inner()).clone();
    Ok(Observed { server_trust, certificate_seen, requested, outcome, rejected })
}

fn alert_of(e: &std::io::Error) -> Option<rustls::AlertDescription> {
    match e.get_ref()?.downcast_ref::<rustls::Error>()? {
        rustls::Error::AlertReceived(alert) => Some(*alert),
        _ => None,
    }
}

/// A TLS failure in words: the server's alert by its RFC name, else the error.
fn describe(e: &std::io::Error) -> String {
    match alert_of(e) {
        Some(alert) => format!("the server refused: {}", alert_name(alert)),
        None => e.to_string(),
    }
}

/// `BadCertificate` → `bad_certificate`, as RFC 8446 names alerts.
fn alert_name(alert: rustls::AlertDescription) -> String {
    let debug = format!("{alert:?}");
    let mut name = String::new();
    let mut previous_lower = false;
    for c in debug.chars() {
        if c.is_ascii_uppercase() && previous_lower {
            name.push('_');
        }
        previous_lower = c.is_ascii_lowercase();
        name.push(c.to_ascii_lowercase());
    }
    name
}

fn connect(target: &Target) -> Result<TcpStream> {
    let fail = |why: String| Error::Network { what: format!("connecting to {}:{}", target.host, target.port), why };
    if let Some(proxy) = proxy_for(&target.host) {
        let mut tcp = connect_any(&proxy).map_err(|e| fail(format!("through the proxy {proxy}: {e}")))?;
        tcp.set_read_timeout(Some(CONNECT_TIMEOUT)).map_err(|e| fail(e.to_string()))?;
        let host = bracketed(&target.host);
        write!(tcp, "CONNECT {host}:{p} HTTP/1.1\r\nHost: {host}:{p}\r\n\r\n", p = target.port)
            .map_err(|e| fail(e.to_string()))?;
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") && head.len() < 8192 {
            match tcp.read(&mut byte) {
                Ok(1) => head.push(byte[0]),
                Ok(_) => break,
                Err(e) => return Err(fail(format!("the proxy {proxy} did not answer: {e}"))),
            }
        }
        let status = String::from_utf8_lossy(&head);
        let first = status.lines().next().unwrap_or_default().to_owned();
        if first.split_whitespace().nth(1) != Some("200") {
            return Err(fail(format!("the proxy {proxy} refused: {first}")));
        }
        return Ok(tcp);
    }
    connect_any(&format!("{}:{}", bracketed(&target.host), target.port)).map_err(|e| fail(e.to_string()))
}

fn bracketed(host: &str) -> String {
    if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_owned()
    }
}

/// Tries every address the name resolves to (IPv6 and IPv4), each for at most `CONNECT_TIMEOUT`.
fn connect_any(address: &str) -> std::io::Result<TcpStream> {
    let mut last = std::io::Error::new(std::io::ErrorKind::NotFound, "the name does not resolve");
    for addr in address.to_socket_addrs()? {
        match TcpStream::connect_timeout(&addr, CONNECT_TIMEOUT) {
            Ok(tcp) => return Ok(tcp),
            Err(e) => last = e,
        }
    }
    Err(last)
}

/// The `host:port` of `HTTPS_PROXY` (or `https_proxy`) unless `NO_PROXY` lists the host.
fn proxy_for(host: &str) -> Option<String> {
    let proxy =
        std::env::var("HTTPS_PROXY").or_else(|_| std::env::var("https_proxy")).ok().filter(|p| !p.is_empty())?;
    let no_proxy = std::env::var("NO_PROXY").or_else(|_| std::env::var("no_proxy")).unwrap_or_default();
    let excluded = no_proxy.split(',').map(str::trim).filter(|n| !n.is_empty()).any(|n| {
        n == "*" || host == n.trim_start_matches('.') || host.ends_with(&format!(".{}", n.trim_start_matches('.')))
    });
    if excluded {
        return None;
    }
    let without_scheme = proxy.split("://").last().unwrap_or(&proxy);
    let authority = without_scheme.trim_end_matches('/').rsplit('@').next().unwrap_or_default();
    Some(if authority.rsplit_once(':').is_some_and(|(_, p)| p.parse::<u16>().is_ok()) {
        authority.to_owned()
    } else {
        format!("{authority}:80")
    })
}

/// Verifies the server as a browser would and remembers the verdict, but lets
/// the handshake go on past an untrusted chain (unless `stop_if_untrusted`):
/// the point is to see what the site asks for. The handshake's signature is
/// checked for real (a bad one ends the handshake) and remembered too, since
/// it is the half of the verdict that a server replaying a site's chain
/// cannot forge. Both checks come before rustls sends a client certificate.
#[derive(Debug)]
struct RecordingVerifier {
    inner: Option<Arc<rustls::client::WebPkiServerVerifier>>,
    provider: Arc<rustls::crypto::CryptoProvider>,
    /// End the handshake at an untrusted chain: the user's certificate would go next.
    stop_if_untrusted: bool,
    /// The chain's verdict; `None` until the server sent its certificate.
    chain: Mutex<Option<std::result::Result<(), String>>>,
    /// The server signed the handshake with its certificate's key
    /// (TLS 1.3 CertificateVerify, TLS 1.2 ServerKeyExchange).
    proved_key: AtomicBool,
}

impl RecordingVerifier {
    /// Whether the server is trusted, once the handshake is over.
    fn verdict(&self) -> std::result::Result<(), String> {
        let chain = self.chain.lock().unwrap_or_else(|e| e.into_inner()).clone();
        server_verdict(chain, self.proved_key.load(Ordering::SeqCst))
    }

    fn note_chain(&self, verdict: std::result::Result<(), String>) {
        *self.chain.lock().unwrap_or_else(|e| e.into_inner()) = Some(verdict);
    }

    /// An untrusted chain ends the handshake only when a certificate would go to the server.
    fn go_on_unless_stopping(&self, e: rustls::Error) -> std::result::Result<ServerCertVerified, rustls::Error> {
        if self.stop_if_untrusted {
            Err(e)
        } else {
            Ok(ServerCertVerified::assertion())
        }
    }

    /// Remembers a signature that verified: the server's proof that it holds its certificate's key.
    fn note_signature(
        &self,
        verified: std::result::Result<HandshakeSignatureValid, rustls::Error>,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        if verified.is_ok() {
            self.proved_key.store(true, Ordering::SeqCst);
        }
        verified
    }
}

/// A server is trusted when its chain verified and it signed the handshake
/// with that certificate's key. The chain alone proves nothing: it is public,
/// and anyone who has connected to the site can send it.
fn server_verdict(chain: Option<std::result::Result<(), String>>, proved_key: bool) -> std::result::Result<(), String> {
    match chain {
        None => Err("the server sent no certificate".into()),
        Some(Err(why)) => Err(why),
        Some(Ok(())) if proved_key => Ok(()),
        Some(Ok(())) => Err(KEY_NOT_PROVEN.into()),
    }
}

impl ServerCertVerifier for RecordingVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        let Some(inner) = &self.inner else {
            self.note_chain(Err("this computer has no trusted root certificates".into()));
            return self.go_on_unless_stopping(rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer));
        };
        match inner.verify_server_cert(end_entity, intermediates, server_name, ocsp, now) {
            Ok(verified) => {
                self.note_chain(Ok(()));
                Ok(verified)
            }
            Err(e) => {
                self.note_chain(Err(untrusted_because(&e)));
                self.go_on_unless_stopping(e)
            }
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.note_signature(rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        ))
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.note_signature(rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        ))
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}

fn untrusted_because(e: &rustls::Error) -> String {
    match e {
        rustls::Error::InvalidCertificate(why) => match why {
            CertificateError::UnknownIssuer => "issued by a certificate authority this computer does not trust".into(),
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                "the site's certificate has expired".into()
            }
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                "the certificate is for another host name".into()
            }
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                "the certificate is not valid yet".into()
            }
            CertificateError::Revoked => "the certificate was revoked".into(),
            other => format!("{other:?}"),
        },
        other => format!("{other}"),
    }
}

/// Notes the CertificateRequest and answers it with `identity` (or nothing).
#[derive(Debug)]
struct RecordingResolver {
    identity: Option<Arc<CertifiedKey>>,
    requested: Mutex<Option<Vec<Vec<u8>>>>,
}

impl ResolvesClientCert for RecordingResolver {
    fn resolve(&self, root_hint_subjects: &[&[u8]], _sigschemes: &[SignatureScheme]) -> Option<Arc<CertifiedKey>> {
        *self.requested.lock().unwrap_or_else(|e| e.into_inner()) =
            Some(root_hint_subjects.iter().map(|s| s.to_vec()).collect());
        self.identity.clone()
    }

    fn has_certs(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_are_read_from_urls_hosts_and_addresses() {
        let t = |s: &str| s.parse::<Target>().map(|t| (t.host, t.port));
        assert_eq!(t("https://portal.example.jp/login?x=1").unwrap(), ("portal.example.jp".into(), 443));
        assert_eq!(t("portal.example.jp:8443").unwrap(), ("portal.example.jp".into(), 8443));
        assert_eq!(t("[::1]:4433").unwrap(), ("::1".into(), 4433));
        assert_eq!(t("::1").unwrap(), ("::1".into(), 443));
        assert_eq!(t("https://user@host.example:444/").unwrap(), ("host.example".into(), 444));
        assert_eq!(t("host:notaport").unwrap_err().kind(), "invalid_input");
        assert_eq!(t("").unwrap_err().kind(), "invalid_input");
    }

    #[test]
    fn a_verified_chain_is_trusted_only_once_the_server_signed_with_its_key() {
        assert_eq!(server_verdict(Some(Ok(())), true), Ok(()));
        assert_eq!(server_verdict(Some(Ok(())), false), Err(KEY_NOT_PROVEN.to_owned()));
        let unknown = "issued by a certificate authority this computer does not trust".to_owned();
        assert_eq!(server_verdict(Some(Err(unknown.clone())), true), Err(unknown), "the chain's reason comes first");
        assert_eq!(server_verdict(None, false), Err("the server sent no certificate".to_owned()));
    }

    #[test]
    fn a_certificate_goes_to_an_untrusted_server_only_when_the_user_agreed() {
        let target = Target { host: "::1".into(), port: 8443 };
        let untrusted = Err(KEY_NOT_PROVEN.to_owned());
        assert!(certificate_may_go_to(&target, &Ok(()), IfUntrusted::Refuse).is_ok());
        assert!(certificate_may_go_to(&target, &untrusted, IfUntrusted::SendAnyway).is_ok());
        let refused = certificate_may_go_to(&target, &untrusted, IfUntrusted::Refuse).unwrap_err();
        assert_eq!(refused.kind(), "server_not_trusted");
        let message = refused.to_string();
        assert!(message.starts_with("[::1]:8443 is not trusted here (the server sent a certificate"), "{message}");
        assert!(message.contains("did not send your certificate") && message.contains("--insecure"), "{message}");
    }

    /// The handshake as an identity stops at an untrusted chain, before
    /// rustls sends the certificate; the first, which sends none, goes on.
    #[test]
    fn an_untrusted_chain_ends_the_handshake_only_when_a_certificate_would_follow() {
        let verifier = |stop_if_untrusted| RecordingVerifier {
            inner: None, // no roots: nothing is trusted
            provider: provider(),
            stop_if_untrusted,
            chain: Mutex::new(None),
            proved_key: AtomicBool::new(false),
        };
        let name = ServerName::try_from("portal.example.jp").unwrap();
        let check = |v: &RecordingVerifier| {
            v.verify_server_cert(&CertificateDer::from(vec![]), &[], &name, &[], UnixTime::now())
        };
        let looking = verifier(false);
        assert!(check(&looking).is_ok());
        let sending = verifier(true);
        assert!(check(&sending).is_err());
        for v in [looking, sending] {
            assert_eq!(v.verdict(), Err("this computer has no trusted root certificates".to_owned()));
        }
    }

    #[test]
    fn alerts_are_named_as_the_rfc_names_them() {
        assert_eq!(alert_name(rustls::AlertDescription::BadCertificate), "bad_certificate");
        assert_eq!(alert_name(rustls::AlertDescription::CertificateRequired), "certificate_required");
        assert_eq!(alert_name(rustls::AlertDescription::UnknownCA), "unknown_ca");
    }
}
