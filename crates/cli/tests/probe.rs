//! `certdesk probe` against real TLS servers on 127.0.0.1: a rustls server
//! written here (honest, or an impostor sending Server CA's real chain
//! without its key) and `openssl s_server -Verify`, a peer nobody here wrote.
//! The identities live in a real NSS database and sign inside it.

#![cfg(unix)]

mod support;
#[path = "../../core/tests/support/tls_server.rs"]
mod tls_server;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use serde_json::Value;
use support::*;

struct Fixture {
    dir: PathBuf,
    db: PathBuf,
    ids: std::collections::HashMap<&'static str, String>,
}

/// CA A has two renewals of Yamada's certificate (the old one expired), Other CA has Taro's,
/// Partner CA has none; the server's certificate comes from Server CA, and an impostor
/// has a key of its own (`impostor.key`) to sign with instead of the server's, and a
/// certificate for localhost from Other CA, with its key (`stranger`).
fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let dir = tempfile::Builder::new().prefix("certdesk-probe-").tempdir().unwrap().keep();
        let now = time::OffsetDateTime::now_utc();
        let ca_a = Ca::new(&dir, "Enterprise Premium CA - G2");
        let ca_other = Ca::new(&dir, "Other CA");
        Ca::new(&dir, "Partner CA");
        let server_ca = Ca::new(&dir, "Server CA");
        let mut server = Leaf::new("server", "/CN=localhost", -1, 300);
        server.extensions = "localhost";
        issue(&server_ca, &dir, &server, now);
        let impostor_key =
            ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "impostor.key"];
        run(Command::new("openssl").current_dir(&dir).args(impostor_key));
        let mut stranger = Leaf::new("stranger", "/CN=localhost", -1, 300);
        stranger.extensions = "localhost";
        issue(&ca_other, &dir, &stranger, now);
        let db = dir.join("nssdb");
        new_nss_db(&db);
        let password = dir.join("password");
        std::fs::write(&password, PASSWORD).unwrap();
        let mut ids = std::collections::HashMap::new();
        for (file, subject, ca, from, until) in [
            ("yamada", "/CN=山田 太郎/O=Example Corp", &ca_a, -10, 365),
            ("yamada-old", "/CN=山田 太郎/O=Example Corp", &ca_a, -400, -5),
            ("taro", "/CN=Taro Other/O=Example Corp", &ca_other, -10, 300),
        ] {
            let pem = issue(ca, &dir, &Leaf::new(file, subject, from, until), now);
            let p12 = pkcs12(&dir, file, file, Some(ca));
            run(certdesk(&db).arg("import").arg(&p12).arg("--password-file").arg(&password));
            let fp = run(Command::new("openssl").args(["x509", "-noout", "-fingerprint", "-sha256", "-in"]).arg(&pem));
            let fp = String::from_utf8(fp.stdout).unwrap();
            ids.insert(file, fp.trim().rsplit('=').next().unwrap().replace(':', "").to_lowercase());
        }
        Fixture { dir, db, ids }
    })
}

fn ca_pem(name: &str) -> PathBuf {
    fixture().dir.join(format!("ca-{}", name.replace(|c: char| !c.is_ascii_alphanumeric(), ""))).join("ca.pem")
}

const CA_A: Option<&[&str]> = Some(&["Enterprise Premium CA - G2"]);

/// The rustls server of `tls_server`, with Server CA's certificate, asking for `client_cas` (or for none).
fn rustls_server(client_cas: Option<&[&str]>) -> u16 {
    tls_server::start(site("server", "server", client_cas, false)).port
}

/// A server sending `<cert>.pem` (a certificate for localhost) and signing the handshake
/// with `<key>.key`: the certificate's own key, or another (`impostor`).
fn site(cert: &str, key: &str, client_cas: Option<&[&str]>, tls12_only: bool) -> tls_server::Setup {
    let f = fixture();
    let chain: Vec<CertificateDer<'static>> =
        CertificateDer::pem_file_iter(f.dir.join(format!("{cert}.pem"))).unwrap().map(Result::unwrap).collect();
    let signing_key = PrivateKeyDer::from_pem_file(f.dir.join(format!("{key}.key"))).unwrap();
    let client_cas = client_cas.map(|cas| {
        cas.iter().flat_map(|ca| CertificateDer::pem_file_iter(ca_pem(ca)).unwrap().map(Result::unwrap)).collect()
    });
    tls_server::Setup { chain, signing_key, client_cas, tls12_only }
}

/// `certdesk --json probe ADDRESS ARGS` with no proxy and the system's roots (none of the fixture's CAs).
fn probe_command(db: &Path, address: &str, args: &[&str]) -> Command {
    let mut command = certdesk(db);
    command
        .args(["--json", "probe", address])
        .args(args)
        .env_remove("HTTPS_PROXY")
        .env_remove("https_proxy")
        .env_remove("SSL_CERT_FILE")
        .env_remove("SSL_CERT_DIR");
    command
}

/// `certdesk --json probe 127.0.0.1:PORT`, where no root trusts the server, succeeding or not.
fn probe_with_system_roots(port: u16, args: &[&str]) -> Output {
    probe_command(&fixture().db, &format!("127.0.0.1:{port}"), args).output().unwrap()
}

/// `certdesk --json probe localhost:PORT` on a computer whose only root is
/// Server CA (through `SSL_CERT_FILE`), succeeding or not.
fn probe_trusting_server_ca(port: u16, args: &[&str]) -> Output {
    probe_command(&fixture().db, &format!("localhost:{port}"), args)
        .env("SSL_CERT_FILE", ca_pem("Server CA"))
        .output()
        .unwrap()
}

fn succeeded(out: &Output) -> Value {
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    json_of(out)
}

const NOT_PROVEN: &str = "did not prove it holds its key";

fn probe(db: &Path, port: u16, args: &[&str]) -> Value {
    json_of(&run(&mut probe_command(db, &format!("127.0.0.1:{port}"), args)))
}

fn candidate_names(report: &Value) -> Vec<(String, bool)> {
    let f = fixture();
    report["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let id = c["id"].as_str().unwrap();
            let name = f.ids.iter().find(|(_, v)| v.as_str() == id).map(|(k, _)| k.to_string()).unwrap_or_default();
            (name, c["matches"].as_bool().unwrap())
        })
        .collect()
}

#[test]
fn a_site_asking_for_ca_a_ranks_its_certificates_first_and_reports_its_untrusted_certificate() {
    let f = fixture();
    let port = rustls_server(Some(&["Enterprise Premium CA - G2"]));
    let report = probe(&f.db, port, &[]);
    assert_eq!(report["server"]["trusted"], false, "{report}");
    assert!(report["server"]["detail"].as_str().unwrap().contains("does not trust"), "{report}");
    assert_eq!(report["requested_cas"], serde_json::json!(["O=Example Trust,CN=Enterprise Premium CA - G2"]));
    assert_eq!(
        candidate_names(&report),
        [("yamada".into(), true), ("yamada-old".into(), true), ("taro".into(), false)],
        "the valid one of CA A, then its expired renewal, then the rest"
    );
    assert_eq!(report["candidates"][1]["status"], "expired");
    assert_eq!(report["handshake"], Value::Null);

    let text = run(certdesk(&f.db).arg("probe").arg(format!("127.0.0.1:{port}")).env_remove("HTTPS_PROXY"));
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains(
            "This site accepts certificates issued by Enterprise Premium CA - G2. You have 2: use \"山田 太郎\""
        ),
        "{text}"
    );
    assert!(text.contains("1 other is expired"), "{text}");
}

#[test]
fn a_site_asking_for_no_certificate_says_so() {
    let port = rustls_server(None);
    let report = probe(&fixture().db, port, &[]);
    assert_eq!(report["requested_cas"], Value::Null);
    assert_eq!(report["candidates"], serde_json::json!([]));
}

#[test]
fn a_site_asking_for_a_ca_nobody_here_has_says_which_is_needed() {
    let f = fixture();
    let port = rustls_server(Some(&["Partner CA"]));
    let report = probe(&f.db, port, &[]);
    assert!(candidate_names(&report).iter().all(|(_, matches)| !matches), "{report}");
    let text = run(certdesk(&f.db).arg("probe").arg(format!("127.0.0.1:{port}")).env_remove("HTTPS_PROXY"));
    assert!(
        String::from_utf8_lossy(&text.stdout).contains("You have none: you need a certificate issued by Partner CA")
    );
}

#[test]
fn the_right_identity_is_accepted_and_a_wrong_one_rejected_by_a_rustls_server() {
    let f = fixture();
    let port = rustls_server(Some(&["Enterprise Premium CA - G2"]));
    let yes = succeeded(&probe_trusting_server_ca(port, &["--identity", &f.ids["yamada"]]));
    assert_eq!(yes["server"]["trusted"], true, "{yes}");
    assert_eq!(yes["handshake"]["result"], "accepted", "{yes}");
    let no = succeeded(&probe_trusting_server_ca(port, &["--identity", &f.ids["taro"]]));
    assert_eq!(no["handshake"]["result"], "rejected", "{no}");
    assert!(no["handshake"]["detail"].as_str().unwrap().contains("the server refused"), "{no}");
}

#[test]
fn openssl_s_server_with_verify_accepts_the_right_identity_and_rejects_a_wrong_one() {
    let f = fixture();
    let server = OpensslServer::start(&f.dir, &ca_pem("Enterprise Premium CA - G2"));
    let report = succeeded(&probe_trusting_server_ca(server.port, &["--identity", &f.ids["yamada"]]));
    assert_eq!(report["requested_cas"], serde_json::json!(["O=Example Trust,CN=Enterprise Premium CA - G2"]));
    assert_eq!(report["server"]["trusted"], true, "{report}");
    assert_eq!(report["handshake"]["result"], "accepted", "{report}");
    let wrong = succeeded(&probe_trusting_server_ca(server.port, &["--identity", &f.ids["taro"]]));
    assert_eq!(wrong["handshake"]["result"], "rejected", "{wrong}");
}

#[test]
fn a_server_whose_ca_this_computer_trusts_is_reported_trusted() {
    let port = rustls_server(None);
    let report = succeeded(&probe_trusting_server_ca(port, &[]));
    assert_eq!(report["server"]["trusted"], true, "{report}");
    assert_eq!(report["server"]["detail"], "trusted by this computer");
}

/// Server CA's real chain is public: an impostor sends it, but cannot sign
/// the handshake (TLS 1.3 CertificateVerify, TLS 1.2 ServerKeyExchange) with its key.
#[test]
fn a_server_sending_a_trusted_chain_without_its_key_is_not_trusted() {
    for tls12_only in [false, true] {
        let honest = tls_server::start(site("server", "server", CA_A, tls12_only));
        let report = succeeded(&probe_trusting_server_ca(honest.port, &[]));
        assert_eq!(report["server"]["trusted"], true, "TLS 1.2 only: {tls12_only}: {report}");

        let impostor = tls_server::start(site("server", "impostor", CA_A, tls12_only));
        let report = succeeded(&probe_trusting_server_ca(impostor.port, &[]));
        assert_eq!(report["server"]["trusted"], false, "TLS 1.2 only: {tls12_only}: {report}");
        assert!(report["server"]["detail"].as_str().unwrap().contains(NOT_PROVEN), "{report}");
        assert_eq!(report["requested_cas"], serde_json::json!(["O=Example Trust,CN=Enterprise Premium CA - G2"]));
        assert_eq!(candidate_names(&report)[0], ("yamada".into(), true), "the advice still stands: {report}");

        let asking_for_nothing = tls_server::start(site("server", "impostor", None, tls12_only));
        let report = succeeded(&probe_trusting_server_ca(asking_for_nothing.port, &[]));
        assert_eq!(report["server"]["trusted"], false, "reported, not a network error: {report}");
        assert!(report["server"]["detail"].as_str().unwrap().contains(NOT_PROVEN), "{report}");
        assert_eq!(report["requested_cas"], Value::Null);

        let text = run(certdesk(&fixture().db)
            .arg("probe")
            .arg(format!("localhost:{}", impostor.port))
            .env_remove("HTTPS_PROXY")
            .env_remove("SSL_CERT_DIR")
            .env("SSL_CERT_FILE", ca_pem("Server CA")));
        let text = String::from_utf8_lossy(&text.stdout);
        assert!(text.contains(&format!("Server localhost:{}: not trusted (the server sent", impostor.port)), "{text}");
    }
}

fn assert_not_sent(out: &Output, server: &tls_server::Server) {
    let error = &json_of(out)["error"];
    assert_eq!(error["kind"], "server_not_trusted", "{error}");
    assert!(error["message"].as_str().unwrap().contains("did not send your certificate"), "{error}");
    assert_eq!(out.status.code(), Some(2), "refused like an existing file: an option overrides it");
    assert_eq!(server.client_certificates_received(), 0, "the server got no certificate");
}

#[test]
fn a_certificate_is_not_sent_to_an_impostor_and_insecure_still_stops_at_its_signature() {
    let f = fixture();
    for tls12_only in [false, true] {
        let impostor = tls_server::start(site("server", "impostor", CA_A, tls12_only));
        let refused = probe_trusting_server_ca(impostor.port, &["--identity", &f.ids["yamada"]]);
        assert_not_sent(&refused, &impostor);
        let message = json_of(&refused)["error"]["message"].as_str().unwrap().to_owned();
        assert!(message.contains(NOT_PROVEN) && message.contains("--insecure"), "{message}");

        let anyway =
            succeeded(&probe_trusting_server_ca(impostor.port, &["--identity", &f.ids["yamada"], "--insecure"]));
        // The client checks the server's signature before it sends its own certificate.
        assert_eq!(anyway["handshake"]["result"], "failed", "TLS 1.2 only: {tls12_only}: {anyway}");
        assert!(anyway["handshake"]["detail"].as_str().unwrap().contains("BadSignature"), "{anyway}");
        assert_eq!(impostor.client_certificates_received(), 0, "{anyway}");
    }
}

#[test]
fn a_certificate_goes_to_a_server_whose_ca_is_not_trusted_only_with_insecure() {
    let f = fixture();
    let untrusted = tls_server::start(site("server", "server", CA_A, false));
    let refused = probe_with_system_roots(untrusted.port, &["--identity", &f.ids["yamada"]]);
    assert_not_sent(&refused, &untrusted);
    assert!(json_of(&refused)["error"]["message"].as_str().unwrap().contains("does not trust"), "{refused:?}");

    let anyway = succeeded(&probe_with_system_roots(untrusted.port, &["--identity", &f.ids["yamada"], "--insecure"]));
    assert_eq!(anyway["server"]["trusted"], false, "{anyway}");
    assert_eq!(anyway["handshake"]["result"], "accepted", "{anyway}");
    assert_eq!(untrusted.client_certificates_received(), 1);
}

/// The handshake as the identity is a new connection: the check made on the
/// first one does not vouch for it.
#[test]
fn a_certificate_is_not_sent_when_the_server_changes_after_the_check() {
    let f = fixture();
    for tls12_only in [false, true] {
        let changing = tls_server::start_changing(vec![
            site("server", "server", CA_A, tls12_only),
            site("stranger", "stranger", CA_A, tls12_only), // another CA's certificate, and its key
        ]);
        let refused = probe_trusting_server_ca(changing.port, &["--identity", &f.ids["yamada"]]);
        assert_not_sent(&refused, &changing);
        let message = json_of(&refused)["error"]["message"].as_str().unwrap().to_owned();
        assert!(message.contains("does not trust"), "TLS 1.2 only: {tls12_only}: {message}");
    }
}

#[test]
fn insecure_needs_an_identity() {
    let out = probe_with_system_roots(1, &["--insecure"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(json_of(&out)["error"]["kind"], "invalid_input");
}

#[test]
fn a_closed_port_is_a_network_error() {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port(); // bound, then closed
    let out = certdesk(&fixture().db).args(["--json", "probe"]).arg(format!("127.0.0.1:{port}")).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json_of(&out)["error"]["kind"], "network");
}
