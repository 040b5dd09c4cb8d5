//! A rustls server on 127.0.0.1 for the site-check tests (the CLI's against
//! NSS, the core's Windows test under Wine): it asks for a client
//! certificate from `client_cas` (DER; `None`: asks for none), verifies the
//! client's signature and chain, counts the client certificates it is sent,
//! and answers one request with 200. It can also play an impostor: send a
//! real site's chain but sign the handshake with a key of its own, or change
//! what it sends from one connection to the next.

#![allow(dead_code)] // each test binary uses part of this

use std::io::{Read as _, Write as _};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use rustls::client::danger::HandshakeSignatureValid;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls::{DigitallySignedStruct, DistinguishedName, SignatureScheme};

/// What the server sends and how it signs.
pub struct Setup {
    pub chain: Vec<CertificateDer<'static>>,
    /// The key it signs the handshake with: the chain's own, or for an
    /// impostor ("a borrowed chain") any other.
    pub signing_key: PrivateKeyDer<'static>,
    pub client_cas: Option<Vec<CertificateDer<'static>>>,
    /// Speak TLS 1.2 only (else TLS 1.3 and 1.2, as rustls does by default).
    pub tls12_only: bool,
}

/// A running server; it runs until the test process ends.
pub struct Server {
    pub port: u16,
    received: Arc<AtomicUsize>,
}

impl Server {
    /// How many client certificates were sent to it, accepted or not.
    pub fn client_certificates_received(&self) -> usize {
        self.received.load(Ordering::SeqCst)
    }
}

/// Starts an honest server (its chain, its key) and returns its port.
pub fn serve(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
    client_cas: Option<Vec<CertificateDer<'static>>>,
) -> u16 {
    start(Setup { chain, signing_key: key, client_cas, tls12_only: false }).port
}

pub fn start(setup: Setup) -> Server {
    start_changing(vec![setup])
}

/// A server that answers its first connection as `setups[0]`, the second as
/// `setups[1]`, and so on, the last one for every connection after.
pub fn start_changing(setups: Vec<Setup>) -> Server {
    let received = Arc::new(AtomicUsize::new(0));
    let configs: Vec<Arc<rustls::ServerConfig>> = setups.into_iter().map(|s| config(s, &received)).collect();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for (n, stream) in listener.incoming().enumerate() {
            let Ok(mut tcp) = stream else { continue };
            let config = configs[n.min(configs.len() - 1)].clone();
            std::thread::spawn(move || {
                let mut conn = rustls::ServerConnection::new(config).unwrap();
                let mut tls = rustls::Stream::new(&mut conn, &mut tcp);
                let mut request = Vec::new();
                let mut buffer = [0u8; 1024];
                while !request.ends_with(b"\r\n\r\n") {
                    match tls.read(&mut buffer) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buffer[..n]),
                    }
                }
                let _ = tls.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
                tls.conn.send_close_notify();
                let _ = tls.flush();
            });
        }
    });
    Server { port, received }
}

fn config(setup: Setup, received: &Arc<AtomicUsize>) -> Arc<rustls::ServerConfig> {
    let provider = Arc::new(rustls_graviola::default_provider());
    let versions: &[&rustls::SupportedProtocolVersion] =
        if setup.tls12_only { &[&rustls::version::TLS12] } else { rustls::DEFAULT_VERSIONS };
    let builder =
        rustls::ServerConfig::builder_with_provider(provider.clone()).with_protocol_versions(versions).unwrap();
    let builder = match setup.client_cas {
        Some(cas) => {
            let mut roots = rustls::RootCertStore::empty();
            for ca in cas {
                roots.add(ca).unwrap();
            }
            let inner = rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
                .build()
                .unwrap();
            builder.with_client_cert_verifier(Arc::new(Counting { inner, received: received.clone() }))
        }
        None => builder.with_no_client_auth(),
    };
    // `with_single_cert` would refuse a key that does not match the chain;
    // a resolver takes any, which is what an impostor needs.
    let key = provider.key_provider.load_private_key(setup.signing_key).unwrap();
    Arc::new(builder.with_cert_resolver(Arc::new(Always(Arc::new(CertifiedKey::new(setup.chain, key))))))
}

/// Sends the same chain and key to every client.
#[derive(Debug)]
struct Always(Arc<CertifiedKey>);

impl ResolvesServerCert for Always {
    fn resolve(&self, _: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.0.clone())
    }
}

/// webpki's client verifier, counting the certificates it is sent.
#[derive(Debug)]
struct Counting {
    inner: Arc<dyn ClientCertVerifier>,
    received: Arc<AtomicUsize>,
}

impl ClientCertVerifier for Counting {
    fn offer_client_auth(&self) -> bool {
        self.inner.offer_client_auth()
    }

    fn client_auth_mandatory(&self) -> bool {
        self.inner.client_auth_mandatory()
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        self.inner.root_hint_subjects()
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        self.received.fetch_add(1, Ordering::SeqCst);
        self.inner.verify_client_cert(end_entity, intermediates, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}
