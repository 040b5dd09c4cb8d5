//! Test fixtures made the way users' certificates are made: keys, CAs and
//! certificates by OpenSSL (`openssl ca` with explicit dates), PKCS#12 files
//! by `openssl pkcs12`, and real NSS databases in temporary folders.
//! Shared by the CLI's tests and the app's end-to-end tests (`tests/e2e`).

#![allow(dead_code)] // each test binary uses part of this

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use time::{Duration, OffsetDateTime};

pub const PASSWORD: &str = "correct horse 馬";

pub fn run(cmd: &mut Command) -> Output {
    let out = cmd.stdin(Stdio::null()).output().unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn openssl(dir: &Path) -> Command {
    let mut c = Command::new("openssl");
    c.current_dir(dir);
    c
}

fn asn1_date(t: OffsetDateTime) -> String {
    format!("{:04}{:02}{:02}{:02}{:02}{:02}Z", t.year(), u8::from(t.month()), t.day(), t.hour(), t.minute(), t.second())
}

const CA_CONFIG: &str = "\
[ ca ]
default_ca = CA_default
[ CA_default ]
dir = .
database = ./index.txt
new_certs_dir = ./newcerts
serial = ./serial
default_md = sha256
policy = policy_any
unique_subject = no
email_in_dn = yes
[ policy_any ]
commonName = supplied
organizationName = optional
emailAddress = optional
countryName = optional
[ client ]
basicConstraints = CA:FALSE
keyUsage = digitalSignature, keyEncipherment
extendedKeyUsage = clientAuth, emailProtection
[ server ]
basicConstraints = CA:FALSE
keyUsage = digitalSignature
extendedKeyUsage = serverAuth
[ localhost ]
basicConstraints = CA:FALSE
keyUsage = digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
[ req ]
distinguished_name = dn
string_mask = $ENV::STRING_MASK
[ dn ]
";

/// A certificate authority in its own folder (so serials and index stay apart).
pub struct Ca {
    pub dir: PathBuf,
    pub name: String,
}

impl Ca {
    pub fn new(root: &Path, name: &str) -> Ca {
        let dir = root.join(format!("ca-{}", name.replace(|c: char| !c.is_ascii_alphanumeric(), "")));
        std::fs::create_dir_all(dir.join("newcerts")).unwrap();
        std::fs::write(dir.join("index.txt"), "").unwrap();
        std::fs::write(dir.join("serial"), "1000\n").unwrap();
        std::fs::write(dir.join("ca.cnf"), CA_CONFIG).unwrap();
        run(openssl(&dir)
            .env("STRING_MASK", "utf8only")
            .args([
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-keyout",
                "ca.key",
                "-out",
                "ca.pem",
                "-days",
                "3650",
                "-utf8",
                "-config",
                "ca.cnf",
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-subj",
            ])
            .arg(format!("/CN={name}/O=Example Trust")));
        Ca { dir, name: name.to_owned() }
    }

    pub fn pem(&self) -> PathBuf {
        self.dir.join("ca.pem")
    }
}

/// How a leaf certificate should be made.
pub struct Leaf<'a> {
    pub file: &'a str,
    /// OpenSSL -subj form, e.g. "/CN=山田 太郎/O=株式会社テスト".
    pub subject: &'a str,
    pub from_days: i64,
    pub until_days: i64,
    /// Reuse the key of an earlier leaf (a renewal that kept its key pair).
    pub key_of: Option<&'a str>,
    /// "utf8only" (UTF8String) or "default" (BMPString for non-Latin-1 text).
    pub string_mask: &'a str,
    pub extensions: &'a str,
}

impl<'a> Leaf<'a> {
    pub fn new(file: &'a str, subject: &'a str, from_days: i64, until_days: i64) -> Self {
        Leaf { file, subject, from_days, until_days, key_of: None, string_mask: "utf8only", extensions: "client" }
    }
}

/// Issues `leaf` from `ca` into `out/<file>.pem` with its key in `out/<file>.key`.
pub fn issue(ca: &Ca, out: &Path, leaf: &Leaf<'_>, now: OffsetDateTime) -> PathBuf {
    let key = out.join(format!("{}.key", leaf.key_of.unwrap_or(leaf.file)));
    if leaf.key_of.is_none() {
        run(openssl(out)
            .args(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out"])
            .arg(&key));
    }
    let csr = out.join(format!("{}.csr", leaf.file));
    let cert = out.join(format!("{}.pem", leaf.file));
    run(openssl(&ca.dir)
        .env("STRING_MASK", leaf.string_mask)
        .args(["req", "-new", "-utf8", "-config", "ca.cnf", "-key"])
        .arg(&key)
        .arg("-out")
        .arg(&csr)
        .args(["-subj", leaf.subject]));
    run(openssl(&ca.dir)
        .env("STRING_MASK", leaf.string_mask)
        .args(["ca", "-batch", "-config", "ca.cnf", "-cert", "ca.pem", "-keyfile", "ca.key", "-notext", "-utf8"])
        .args(["-preserveDN", "-extensions", leaf.extensions, "-startdate"])
        .arg(asn1_date(now + Duration::days(leaf.from_days)))
        .arg("-enddate")
        .arg(asn1_date(now + Duration::days(leaf.until_days)))
        .arg("-in")
        .arg(&csr)
        .arg("-out")
        .arg(&cert));
    cert
}

/// Bundles a leaf (and optionally its CA) into a PKCS#12 file the way
/// OpenSSL 3 does by default (AES-256, PBKDF2, HMAC-SHA256).
pub fn pkcs12(out: &Path, file: &str, friendly_name: &str, chain: Option<&Ca>) -> PathBuf {
    pkcs12_with_password(out, file, friendly_name, chain, PASSWORD)
}

pub fn pkcs12_with_password(
    out: &Path,
    file: &str,
    friendly_name: &str,
    chain: Option<&Ca>,
    password: &str,
) -> PathBuf {
    let p12 = out.join(format!("{file}.p12"));
    let pass = out.join(format!("{file}-p12-password"));
    std::fs::write(&pass, password).unwrap();
    let mut cmd = openssl(out);
    cmd.args(["pkcs12", "-export", "-inkey"])
        .arg(out.join(format!("{file}.key")))
        .arg("-in")
        .arg(out.join(format!("{file}.pem")))
        .arg("-name")
        .arg(friendly_name)
        .arg("-passout")
        .arg(format!("file:{}", pass.display()))
        .arg("-out")
        .arg(&p12);
    if let Some(ca) = chain {
        cmd.arg("-certfile").arg(ca.pem());
    }
    run(&mut cmd);
    p12
}

/// An empty NSS database made by NSS's own tool.
pub fn new_nss_db(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    run(Command::new("certutil").arg("-N").arg("-d").arg(format!("sql:{}", dir.display())).arg("--empty-password"));
}

/// An NSS database with a Primary Password (a Firefox user's), made by
/// `certutil -N -f`, holding `p12` (opened with `p12_password`) as NSS's own
/// `pk12util` imports it. The password file is written beside the folder.
pub fn new_nss_db_with_password(dir: &Path, password: &str, p12: &Path, p12_password: &str) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let parent = dir.parent().unwrap();
    let db_password = parent.join("primary-password");
    std::fs::write(&db_password, password).unwrap();
    let p12_password_file = parent.join("pk12util-password");
    std::fs::write(&p12_password_file, p12_password).unwrap();
    let sql = format!("sql:{}", dir.display());
    run(Command::new("certutil").arg("-N").arg("-d").arg(&sql).arg("-f").arg(&db_password));
    run(Command::new("pk12util")
        .arg("-i")
        .arg(p12)
        .arg("-d")
        .arg(&sql)
        .arg("-k")
        .arg(&db_password)
        .arg("-w")
        .arg(&p12_password_file));
    db_password
}

/// `certutil -K`: the private keys NSS itself sees, one line each.
pub fn nss_keys(db: &Path) -> Vec<String> {
    nss_keys_with_password(db, None)
}

/// `certutil -K` on a database with a Primary Password, read from `password_file`.
pub fn nss_keys_with_password(db: &Path, password_file: Option<&Path>) -> Vec<String> {
    let mut certutil = Command::new("certutil");
    certutil.arg("-K").arg("-d").arg(format!("sql:{}", db.display()));
    if let Some(file) = password_file {
        certutil.arg("-f").arg(file);
    }
    let out = certutil.stdin(Stdio::null()).output().unwrap();
    // "certutil: no keys found" exits non-zero; that, and only that, is a valid answer here:
    // any other failure (a database it cannot open) must fail the test, not read as "no keys".
    let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(
        out.status.success() || said.contains("certutil: no keys found"),
        "certutil -K failed on {}: {said}",
        db.display()
    );
    String::from_utf8_lossy(&out.stdout).lines().filter(|l| l.starts_with('<')).map(str::to_owned).collect()
}

/// `certutil -L`: the certificate nicknames NSS itself sees.
pub fn nss_nicknames(db: &Path) -> Vec<String> {
    let out = run(Command::new("certutil").arg("-L").arg("-d").arg(format!("sql:{}", db.display())));
    String::from_utf8_lossy(&out.stdout).lines().skip(4).map(|l| l.trim_end().to_owned()).collect()
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

/// `openssl s_server -Verify 1 -verify_return_error` on 127.0.0.1 with the
/// certificate and key `<dir>/server.pem` and `<dir>/server.key`, asking for a
/// client certificate issued by the CA in `ca_pem`: a TLS peer nobody here wrote.
pub struct OpensslServer {
    child: std::process::Child,
    pub port: u16,
}

impl OpensslServer {
    pub fn start(dir: &Path, ca_pem: &Path) -> OpensslServer {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new("openssl")
            .args(["s_server", "-www", "-Verify", "1", "-verify_return_error", "-accept"])
            .arg(format!("127.0.0.1:{port}"))
            .arg("-cert")
            .arg(dir.join("server.pem"))
            .arg("-key")
            .arg(dir.join("server.key"))
            .arg("-CAfile")
            .arg(ca_pem)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let server = OpensslServer { child, port }; // killed on drop, also if it never listens
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return server;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("openssl s_server did not start");
    }
}

impl Drop for OpensslServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The PINs of the SoftHSM2 tokens the tests make; they reach `pkcs11-tool`
/// through its `env:` form, never its command line.
pub const TOKEN_PIN: &str = "4826-pin";
pub const TOKEN_SO_PIN: &str = "so-7731";
pub const SOFTHSM_MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";

/// A SoftHSM2 token standing in for a smart card, with a configuration and
/// folder of its own (`SOFTHSM2_CONF` points a program at it), set up and
/// written to by OpenSC's `pkcs11-tool`.
pub struct SoftToken {
    pub conf: PathBuf,
    pub label: String,
}

impl SoftToken {
    pub fn new(dir: &Path, label: &str) -> SoftToken {
        let tokens = dir.join("softhsm-tokens");
        std::fs::create_dir_all(&tokens).unwrap();
        let conf = dir.join("softhsm2.conf");
        std::fs::write(&conf, format!("directories.tokendir = {}\nobjectstore.backend = file\n", tokens.display()))
            .unwrap();
        let token = SoftToken { conf, label: label.to_owned() };
        token.tool(&["--init-token", "--slot-index", "0", "--label", label, "--so-pin", "env:SO_PIN"]);
        token.tool(&[
            "--token-label",
            label,
            "--login",
            "--login-type",
            "so",
            "--so-pin",
            "env:SO_PIN",
            "--init-pin",
            "--new-pin",
            "env:TOKEN_PIN",
        ]);
        token
    }

    pub fn tool(&self, args: &[&str]) -> Output {
        run(Command::new("pkcs11-tool")
            .args(["--module", SOFTHSM_MODULE])
            .args(args)
            .env("SOFTHSM2_CONF", &self.conf)
            .env("SO_PIN", TOKEN_SO_PIN)
            .env("TOKEN_PIN", TOKEN_PIN))
    }

    /// Writes a DER object (`kind`: cert or privkey) with `id` and `label`.
    pub fn write(&self, file: &Path, kind: &str, id: &str, label: &str) {
        let file = file.to_str().unwrap();
        let token = self.label.clone();
        self.tool(&[
            "--token-label",
            &token,
            "--login",
            "--pin",
            "env:TOKEN_PIN",
            "--write-object",
            file,
            "--type",
            kind,
            "--id",
            id,
            "--label",
            label,
        ]);
    }

    /// Issues `leaf` from `ca` and puts its key and certificate on the token under `id`.
    pub fn put_identity(&self, ca: &Ca, out: &Path, leaf: &Leaf<'_>, id: &str, label: &str) {
        let cert = issue(ca, out, leaf, OffsetDateTime::now_utc());
        let key = out.join(format!("{}.key.der", leaf.file));
        run(openssl(out)
            .args(["pkcs8", "-topk8", "-nocrypt", "-outform", "der", "-in"])
            .arg(out.join(format!("{}.key", leaf.file)))
            .arg("-out")
            .arg(&key));
        self.write(&key, "privkey", id, &format!("{label} key"));
        self.put_certificate(&cert, id, label);
    }

    /// Puts a PEM certificate on the token under `id`.
    pub fn put_certificate(&self, pem: &Path, id: &str, label: &str) {
        self.write(&Self::der_of(pem), "cert", id, label);
    }

    /// Puts a PEM certificate on the token that only a login shows
    /// (`CKA_PRIVATE`), written by GnuTLS's `p11tool`: OpenSC's
    /// `pkcs11-tool --private` marks private keys and data, not certificates.
    pub fn put_private_certificate(&self, pem: &Path, id: &str, label: &str) {
        let token: String = self
            .label
            .bytes()
            .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
            .collect();
        run(Command::new("p11tool")
            .args(["--provider", SOFTHSM_MODULE, "--login", "--write", "--mark-private", "--load-certificate"])
            .arg(pem)
            .args(["--label", label, "--id", id])
            .arg(format!("pkcs11:token={token}"))
            .env("SOFTHSM2_CONF", &self.conf)
            .env("GNUTLS_PIN", TOKEN_PIN));
    }

    fn der_of(pem: &Path) -> PathBuf {
        let der = pem.with_extension("der");
        run(openssl(pem.parent().unwrap()).args(["x509", "-outform", "der", "-in"]).arg(pem).arg("-out").arg(&der));
        der
    }

    /// What `pkcs11-tool --list-objects` shows after a login.
    pub fn objects(&self) -> String {
        let token = self.label.clone();
        let out = self.tool(&["--token-label", &token, "--login", "--pin", "env:TOKEN_PIN", "--list-objects"]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

/// A D-Bus session bus of a test's own (`dbus-daemon --session`), stopped when dropped.
pub struct SessionBus {
    daemon: std::process::Child,
    pub address: String,
}

impl SessionBus {
    pub fn start() -> SessionBus {
        SessionBus::listening(None)
    }

    /// A bus at `socket`, as a desktop session's is at `$XDG_RUNTIME_DIR/bus`.
    pub fn start_at(socket: &Path) -> SessionBus {
        SessionBus::listening(Some(format!("--address=unix:path={}", socket.display())))
    }

    fn listening(address: Option<String>) -> SessionBus {
        use std::io::BufRead as _;
        let mut daemon = Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--nopidfile", "--print-address=1"])
            .args(address)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-daemon is not installed (scripts/setup installs it)");
        let mut address = String::new();
        std::io::BufReader::new(daemon.stdout.take().unwrap()).read_line(&mut address).unwrap();
        let address = address.trim().to_owned();
        assert!(address.starts_with("unix:"), "dbus-daemon printed no address: {address:?}");
        SessionBus { daemon, address }
    }
}

impl Drop for SessionBus {
    fn drop(&mut self) {
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
    }
}
