//! `certdesk probe` against real TLS servers on 127.0.0.1: a rustls server
//! written here and `openssl s_server -Verify`, a peer nobody here wrote.
//! The identities live in a real NSS database and sign inside it.

#![cfg(unix)]

mod support;
#[path = "../../core/tests/support/tls_server.rs"]
mod tls_server;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
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
/// Partner CA has none; the server's certificate comes from Server CA.
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

/// The rustls server of `tls_server`, with Server CA's certificate, asking for `client_cas` (or for none).
fn rustls_server(client_cas: Option<&[&str]>) -> u16 {
    let f = fixture();
    let certs: Vec<CertificateDer<'static>> =
        CertificateDer::pem_file_iter(f.dir.join("server.pem")).unwrap().map(Result::unwrap).collect();
    let key = PrivateKeyDer::from_pem_file(f.dir.join("server.key")).unwrap();
    let cas = client_cas.map(|cas| {
        cas.iter().flat_map(|ca| CertificateDer::pem_file_iter(ca_pem(ca)).unwrap().map(Result::unwrap)).collect()
    });
    tls_server::serve(certs, key, cas)
}

fn probe(db: &Path, port: u16, args: &[&str]) -> Value {
    json_of(&run(certdesk(db)
        .args(["--json", "probe"])
        .arg(format!("127.0.0.1:{port}"))
        .args(args)
        .env_remove("HTTPS_PROXY")
        .env_remove("https_proxy")
        .env_remove("SSL_CERT_FILE")
        .env_remove("SSL_CERT_DIR")))
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
    let yes = probe(&f.db, port, &["--identity", &f.ids["yamada"]]);
    assert_eq!(yes["handshake"]["result"], "accepted", "{yes}");
    let no = probe(&f.db, port, &["--identity", &f.ids["taro"]]);
    assert_eq!(no["handshake"]["result"], "rejected", "{no}");
    assert!(no["handshake"]["detail"].as_str().unwrap().contains("the server refused"), "{no}");
}

#[test]
fn openssl_s_server_with_verify_accepts_the_right_identity_and_rejects_a_wrong_one() {
    let f = fixture();
    let server = OpensslServer::start(&f.dir, &ca_pem("Enterprise Premium CA - G2"));
    let report = probe(&f.db, server.port, &["--identity", &f.ids["yamada"]]);
    assert_eq!(report["requested_cas"], serde_json::json!(["O=Example Trust,CN=Enterprise Premium CA - G2"]));
    assert_eq!(report["handshake"]["result"], "accepted", "{report}");
    let wrong = probe(&f.db, server.port, &["--identity", &f.ids["taro"]]);
    assert_eq!(wrong["handshake"]["result"], "rejected", "{wrong}");
}

#[test]
fn a_server_whose_ca_this_computer_trusts_is_reported_trusted() {
    let f = fixture();
    let port = rustls_server(None);
    let out = run(certdesk(&f.db)
        .args(["--json", "probe"])
        .arg(format!("localhost:{port}"))
        .env_remove("HTTPS_PROXY")
        .env("SSL_CERT_FILE", ca_pem("Server CA")));
    assert_eq!(json_of(&out)["server"]["trusted"], true);
}

#[test]
fn a_closed_port_is_a_network_error() {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port(); // bound, then closed
    let out = certdesk(&fixture().db).args(["--json", "probe"]).arg(format!("127.0.0.1:{port}")).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json_of(&out)["error"]["kind"], "network");
}
