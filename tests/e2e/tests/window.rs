//! The desktop app, end to end: a real window, the real embedded front end,
//! a real NSS database filled here with certificates OpenSSL issued.
//! Native file choosers are outside the webview, so their answers are queued
//! (`App::answer_file_chooser`); everything else is clicked and typed.

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use certdesk_e2e::fixtures::{
    self, copy_dir, issue, new_nss_db, new_nss_db_with_password, nss_keys, nss_nicknames, pkcs12_with_password, run,
    Ca, Leaf, OpensslServer, SoftToken, TOKEN_PIN,
};
use certdesk_e2e::{keys, App, SessionBus};
use serde_json::json;

const FILE_PASSWORD: &str = "fixture-pass";
const IMPORT_PASSWORD: &str = "newcomer 2026";

struct Fixture {
    dir: PathBuf,
    db: PathBuf,
    newcomer_p12: PathBuf,
    /// A second NSS database, holding only the newcomer: the store chosen in the settings.
    other_db: PathBuf,
}

/// (file, subject, CA: 0 = Enterprise Premium CA - G2 / 1 = Other CA, from, until, friendly name)
const LEAVES: &[(&str, &str, usize, i64, i64, &str)] = &[
    ("alice", "/CN=Alice Expired/O=Example Corp", 0, -400, -10, "Alice Expired"),
    ("bob", "/CN=Bob Expiring/O=Example Corp", 0, -300, 30, "Bob Expiring"),
    ("yamada", "/CN=山田 太郎/O=株式会社テスト", 0, -10, 365, "山田の証明書"),
    ("hanako-old", "/CN=Hanako Renewal/O=Example Corp", 0, -400, 200, "Hanako 2025"),
    ("hanako-new", "/CN=Hanako Renewal/O=Example Corp", 0, -5, 565, "Hanako 2026"),
    ("taro", "/CN=Taro Other/O=Example Corp", 1, -10, 300, "Taro Other"),
];

/// Built once per run with OpenSSL and NSS's own tools; each test copies the database.
fn template() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let root = tempfile::Builder::new().prefix("certdesk-e2e-").tempdir().unwrap().keep();
        let now = time::OffsetDateTime::now_utc();
        let cas = [Ca::new(&root, "Enterprise Premium CA - G2"), Ca::new(&root, "Other CA")];
        let db = root.join("nssdb");
        new_nss_db(&db);
        let install = |p12: &Path, db: &Path, password: &str| {
            let password_file = root.join("pk12util-password");
            std::fs::write(&password_file, password).unwrap();
            run(Command::new("pk12util")
                .arg("-i")
                .arg(p12)
                .arg("-d")
                .arg(format!("sql:{}", db.display()))
                .arg("-w")
                .arg(&password_file));
        };
        for &(file, subject, ca, from, until, friendly) in LEAVES {
            issue(&cas[ca], &root, &Leaf::new(file, subject, from, until), now);
            let p12 = pkcs12_with_password(&root, file, friendly, Some(&cas[ca]), FILE_PASSWORD);
            install(&p12, &db, FILE_PASSWORD);
        }
        let mut server = Leaf::new("server", "/CN=localhost", -1, 300);
        server.extensions = "localhost";
        issue(&Ca::new(&root, "Server CA"), &root, &server, now);
        issue(&cas[0], &root, &Leaf::new("newcomer", "/CN=Newcomer Suzuki/O=Example Corp", -1, 400), now);
        let newcomer_p12 = pkcs12_with_password(&root, "newcomer", "Newcomer", Some(&cas[0]), IMPORT_PASSWORD);
        let other_db = root.join("other-nssdb");
        new_nss_db(&other_db);
        install(&newcomer_p12, &other_db, IMPORT_PASSWORD);
        Fixture { dir: root, db, newcomer_p12, other_db }
    })
}

/// A private copy of the template database, and the app started on it.
fn start(lang: &str) -> (tempfile::TempDir, PathBuf, App) {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("nssdb");
    copy_dir(&template().db, &db);
    let app = App::launch(&db, lang);
    app.find("[role=option]");
    (tmp, db, app)
}

/// The same, the app on `bus`.
fn start_on_bus(lang: &str, bus: &SessionBus) -> (tempfile::TempDir, PathBuf, App) {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("nssdb");
    copy_dir(&template().db, &db);
    let app = App::launch_on_bus(&db, lang, bus);
    app.find("[role=option]");
    (tmp, db, app)
}

/// The names of the rows shown, top to bottom.
fn rows(app: &App) -> Vec<String> {
    let names =
        app.execute("return [...document.querySelectorAll('[role=option] .name')].map(e => e.textContent)", json!([]));
    names.as_array().unwrap().iter().map(|n| n.as_str().unwrap().to_owned()).collect()
}

/// The text of every row named `name`.
fn row_texts(app: &App, name: &str) -> Vec<String> {
    let texts = app.execute(
        "return [...document.querySelectorAll('[role=option]')].filter(r => r.querySelector('.name').textContent === arguments[0]).map(r => r.textContent + (r.classList.contains('superseded') ? ' [dimmed]' : ''))",
        json!([name]),
    );
    texts.as_array().unwrap().iter().map(|n| n.as_str().unwrap().to_owned()).collect()
}

/// The (first) row named `name`, once it is shown.
fn row<'a>(app: &'a App, name: &str) -> certdesk_e2e::Element<'a> {
    let id = app.wait_for(&format!("the row of {name}"), || {
        let id = app.execute(
            "return [...document.querySelectorAll('[role=option]')].find(r => r.querySelector('.name').textContent === arguments[0])?.dataset.id ?? null",
            json!([name]),
        );
        id.as_str().map(str::to_owned)
    });
    app.find(&format!("[role=option][data-id='{id}']"))
}

fn nicknames(db: &Path) -> String {
    nss_nicknames(db).join("\n")
}

#[test]
fn the_list_shows_statuses_and_superseded_rows_and_filters_by_issuer_and_search() {
    let (_tmp, _db, app) = start("en_US.UTF-8");
    let mut shown = rows(&app);
    shown.sort();
    assert_eq!(
        shown,
        ["Alice Expired", "Bob Expiring", "Hanako Renewal", "Hanako Renewal", "Taro Other", "山田 太郎"],
        "personal certificates only; the two CAs are behind a switch"
    );
    assert!(row_texts(&app, "Alice Expired")[0].contains("Expired"));
    assert!(row_texts(&app, "Bob Expiring")[0].contains("Expiring soon"));
    let hanako = row_texts(&app, "Hanako Renewal");
    let dimmed: Vec<&String> = hanako.iter().filter(|t| t.ends_with("[dimmed]")).collect();
    assert_eq!(dimmed.len(), 1, "{hanako:?}");
    assert!(dimmed[0].contains("Superseded by the one expiring"), "{hanako:?}");
    app.find("[data-issuer='Other CA']").click();
    app.wait_for("the issuer filter", || (rows(&app) == ["Taro Other"]).then_some(()));
    app.find("[data-issuer='Other CA']").click();

    let search = app.find("input[type=search]");
    search.type_text("山田");
    app.wait_for("the search", || (rows(&app) == ["山田 太郎"]).then_some(()));
    row(&app, "山田 太郎").click();
    app.wait_for_text("山田の証明書"); // the friendly name, in the detail pane
    app.wait_for_text("Certification path");
    app.find("input[type=search]").type_text(keys::ESCAPE); // Escape empties the search box
    app.wait_for("every row back", || (rows(&app).len() == 6).then_some(()));
    app.screenshot("app-en");
}

#[test]
fn import_asks_again_after_a_wrong_password_and_then_installs_the_certificate() {
    let (_tmp, db, app) = start("en_US.UTF-8");
    app.answer_file_chooser(json!([template().newcomer_p12]));
    app.find("[data-action=import]").click();
    let password = app.find("input[type=password]");
    password.type_text("not the password");
    password.type_text(keys::ENTER);
    app.wait_for_text("This password does not open the file");
    assert!(!nicknames(&db).contains("Newcomer"), "nothing written yet");

    let password = app.find("input[type=password]");
    password.clear();
    password.type_text(IMPORT_PASSWORD);
    password.type_text(keys::ENTER);
    app.wait_for_text("Allow this key to be exported later");
    app.wait_for_text("Newcomer Suzuki");
    let exportable = app.find("[role=dialog] input[type=checkbox]");
    assert_eq!(exportable.attribute("checked").as_deref(), Some("true"), "ticked by default");
    app.find("[role=dialog] button.primary").click();
    app.wait_for_text("Imported 1 certificate");
    app.find("[role=dialog] button.primary").click();
    row(&app, "Newcomer Suzuki");
    assert!(nicknames(&db).contains("Newcomer"), "NSS lists it:\n{}", nicknames(&db));
    assert!(nss_keys(&db).iter().any(|k| k.contains("Newcomer")), "with its key: {:?}", nss_keys(&db));
}

#[test]
fn a_pfx_the_app_is_started_on_opens_its_import() {
    // As a file manager starts it for a double-clicked file (the .deb's launcher: `Exec=certdesk-app %F`).
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("nssdb");
    copy_dir(&template().db, &db);
    let file = tmp.path().join("ダブルクリック.p12");
    std::fs::copy(&template().newcomer_p12, &file).unwrap();
    let app = App::launch_with(&db, "en_US.UTF-8", &[&file, &tmp.path().join("notes.txt")]);
    app.find("[role=option]");
    let password = app.find("[role=dialog] input[type=password]");
    app.wait_for_text("ダブルクリック.p12");
    password.type_text(IMPORT_PASSWORD);
    password.type_text(keys::ENTER);
    app.wait_for_text("Newcomer Suzuki");
    app.find("[role=dialog] button.primary").click();
    app.wait_for_text("Imported 1 certificate");
    assert!(nicknames(&db).contains("Newcomer"), "NSS lists it:\n{}", nicknames(&db));
}

#[test]
fn a_second_launch_hands_its_files_to_the_running_window_and_exits() {
    // As a double-click on a file does while certdesk is open: the second process finds the
    // first on the session bus (tauri-plugin-single-instance), hands it the file and exits.
    let bus = SessionBus::start();
    let (tmp, db, app) = start_on_bus("en_US.UTF-8", &bus);
    let file = tmp.path().join("二つ目.p12");
    std::fs::copy(&template().newcomer_p12, &file).unwrap();
    let second = exits_within(app.launch_again(&file, &bus), Duration::from_secs(30));
    assert!(second.success(), "the second launch handed its file over and exited: {second}");
    let password = app.find("[role=dialog] input[type=password]");
    app.wait_for_text("二つ目.p12");
    password.type_text(IMPORT_PASSWORD);
    password.type_text(keys::ENTER);
    // The password opens the file's summary; its Import button replaces the password step's.
    app.wait_for_text("Allow this key to be exported later");
    app.find("[role=dialog] button.primary").click();
    app.wait_for_text("Imported 1 certificate");
    assert!(nicknames(&db).contains("Newcomer"), "NSS lists it:\n{}", nicknames(&db));
    app.find("[role=dialog] button.primary").click();

    // A certificate file opens its inspection: this one is in the store, and superseded there.
    let certificate = tmp.path().join("ハナコ.crt");
    std::fs::copy(template().dir.join("hanako-old.pem"), &certificate).unwrap();
    let second = exits_within(app.launch_again(&certificate, &bus), Duration::from_secs(30));
    assert!(second.success(), "{second}");
    app.wait_for_text("ハナコ.crt");
    app.wait_for_text("Your store holds this certificate.");
    app.wait_for_text("Your store holds a newer one (a renewal).");
    app.screenshot("certificate-file");
    app.find_with_text("[role=dialog] button", "Show the newer one").click();
    app.wait_for("the renewal selected, its details shown", || {
        let detail = app.find("aside").text();
        (app.try_find("[role=dialog]").is_none() && detail.contains("Hanako Renewal")).then_some(())
    });
    let selected =
        app.execute("return [...document.querySelectorAll('[aria-selected=true]')].map(r => r.textContent)", json!([]));
    let selected = selected.as_array().unwrap();
    assert!(
        selected.len() == 1 && !selected[0].as_str().unwrap().contains("Superseded"),
        "the newer one: {selected:?}"
    );
}

/// Waits for `command` to end, killing it and failing after `limit`.
fn exits_within(mut command: Command, limit: Duration) -> std::process::ExitStatus {
    let mut child = command.spawn().unwrap();
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the second launch did not exit within {limit:?}: it opened a window of its own");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn export_in_the_compatible_format_writes_a_private_file_openssl_reads() {
    let (tmp, _db, app) = start("en_US.UTF-8");
    row(&app, "山田 太郎").click();
    app.press(&format!("{}e", keys::CONTROL));
    let fields = app.wait_for("two password fields", || {
        let f = app.find_all("[role=dialog] input[type=password]");
        (f.len() == 2).then_some(f)
    });
    fields[0].type_text("export pass 1");
    fields[1].type_text("export pass 2");
    app.wait_for_text("The two passwords differ.");
    fields[1].clear();
    fields[1].type_text("export pass 1");
    let out = tmp.path().join("山田.pfx");
    app.answer_file_chooser(json!(out));
    app.find("[role=dialog] .target button").click();
    app.wait_for("the chosen path", || {
        (app.find("#export-target").attribute("value").as_deref() == Some(out.to_str().unwrap())).then_some(())
    });
    app.find("[role=dialog] button[type=submit]").click();
    app.wait_for_text("Verified");
    assert_eq!(std::fs::metadata(&out).unwrap().permissions().mode() & 0o777, 0o600);

    let pass = tmp.path().join("pass");
    std::fs::write(&pass, "export pass 1").unwrap();
    let info = run(Command::new("openssl")
        .args(["pkcs12", "-info", "-nodes", "-passin"])
        .arg(format!("file:{}", pass.display()))
        .arg("-in")
        .arg(&out));
    let text = String::from_utf8_lossy(&info.stdout) + String::from_utf8_lossy(&info.stderr);
    assert!(text.contains("pbeWithSHA1And3-KeyTripleDES-CBC"), "compatible profile:\n{text}");
    assert!(text.contains("BEGIN PRIVATE KEY"), "with its key");
    assert!(text.contains("CN = Enterprise Premium CA - G2"), "and its chain");
}

#[test]
fn delete_asks_once_for_an_expired_certificate_and_twice_for_the_one_that_still_works() {
    let (_tmp, db, app) = start("en_US.UTF-8");
    row(&app, "Alice Expired").click();
    app.press(keys::DELETE);
    app.wait_for_text("Delete 1 certificate?");
    app.wait_for_text("Its private key is deleted too.");
    app.find("[role=dialog] button.danger").click();
    app.wait_for_text("Deleted 1 certificate.");
    app.find("[role=dialog] button.primary").click();
    app.wait_for("Alice's row to go", || (!rows(&app).contains(&"Alice Expired".to_owned())).then_some(()));
    assert!(!nicknames(&db).contains("Alice"), "gone from NSS");
    assert!(!nss_keys(&db).iter().any(|k| k.contains("Alice")), "key gone too");

    row(&app, "Bob Expiring").click();
    app.find("[data-action=delete]").click();
    app.find("[role=dialog] button.danger").click();
    app.wait_for_text("This is the certificate that still works");
    app.wait_for_text("Export a backup first");
    app.press(keys::ESCAPE);
    assert!(nicknames(&db).contains("Bob Expiring"), "cancelled at the second question");
}

#[test]
fn clean_up_deletes_the_ticked_candidates_and_keeps_the_unticked() {
    let (_tmp, db, app) = start("en_US.UTF-8");
    app.find("[data-action=cleanup]").click();
    app.wait_for_text("Untick any you want to keep");
    let boxes = app.find_all("[role=dialog] input[type=checkbox]");
    assert_eq!(boxes.len(), 2, "Alice (expired) and the older Hanako (superseded):\n{}", app.page_text());
    app.wait_for_text("Superseded by the one expiring");
    let alice = app.find_all("[role=dialog] li").into_iter().find(|li| li.text().contains("Alice Expired")).unwrap();
    alice.find("input").click();
    app.find("[role=dialog] button.danger").click();
    app.wait_for_text("Deleted 1 certificate.");
    assert!(nicknames(&db).contains("Alice Expired"), "unticked, kept");
    // NSS gives certificates of one subject one nickname: both Hanakos are "Hanako 2025".
    let hanakos = fixtures::run(
        Command::new("certutil").args(["-L", "-a", "-n", "Hanako 2025", "-d"]).arg(format!("sql:{}", db.display())),
    );
    let left = String::from_utf8_lossy(&hanakos.stdout).to_string();
    assert_eq!(left.matches("BEGIN CERTIFICATE").count(), 1, "the superseded one deleted, the current one kept");
    assert_eq!(pem_sha256(&left), fixture_sha256("hanako-new"));
}

#[test]
fn switching_to_japanese_shows_japanese_labels() {
    let (_tmp, _db, app) = start("en_US.UTF-8");
    app.find("[data-action=settings]").click();
    app.find("#language option[value=ja]").click();
    app.find("[role=dialog] button[type=submit]").click();
    app.wait_for_text("インポート…");
    app.wait_for_text("期限切れ");
    app.wait_for_text("発行者");
    assert!(row_texts(&app, "山田 太郎")[0].contains("有効"));
    row(&app, "山田 太郎").click();
    app.wait_for_text("証明のパス");
    app.screenshot("app-ja");
}

/// OpenSSL's output for `args` with `input` on its standard input.
fn openssl(args: &[&str], input: &[u8]) -> String {
    use std::io::Write as _;
    let mut child = Command::new("openssl")
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "openssl {args:?} failed");
    String::from_utf8(out.stdout).unwrap()
}

/// A PEM certificate's SHA-256 thumbprint by OpenSSL, written as certdesk writes it (lowercase hex).
fn pem_sha256(pem: &str) -> String {
    let fingerprint = openssl(&["x509", "-noout", "-fingerprint", "-sha256"], pem.as_bytes());
    fingerprint.trim().rsplit('=').next().unwrap().replace(':', "").to_lowercase()
}

/// The thumbprint of a fixture's certificate (`<dir>/<file>.pem`).
fn fixture_sha256(file: &str) -> String {
    pem_sha256(&std::fs::read_to_string(template().dir.join(format!("{file}.pem"))).unwrap())
}

/// What `openssl pkcs12` finds in a file opened with `password`.
#[derive(Debug)]
struct OpensslReading {
    keys: usize,
    certificates: usize,
    /// The certificate the key belongs to (`-clcerts`), by thumbprint.
    leaf_sha256: String,
    /// Whether the key's public half is the leaf's public key.
    key_matches_leaf: bool,
}

fn read_with_openssl(file: &Path, password: &str) -> OpensslReading {
    let pass = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(pass.path(), password).unwrap();
    let pkcs12 = |options: &[&str]| {
        let out = run(Command::new("openssl")
            .args(["pkcs12", "-in"])
            .arg(file)
            .arg("-passin")
            .arg(format!("file:{}", pass.path().display()))
            .args(options));
        // OpenSSL 3.0 prints a BMPString friendlyName as the low bytes of its characters: not UTF-8.
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let everything = pkcs12(&["-nodes"]);
    let leaf = pkcs12(&["-nokeys", "-clcerts"]);
    let key = pkcs12(&["-nocerts", "-nodes"]);
    OpensslReading {
        keys: everything.matches("-----BEGIN PRIVATE KEY-----").count(),
        certificates: everything.matches("-----BEGIN CERTIFICATE-----").count(),
        leaf_sha256: pem_sha256(&leaf),
        key_matches_leaf: openssl(&["pkey", "-pubout"], key.as_bytes())
            == openssl(&["x509", "-noout", "-pubkey"], leaf.as_bytes()),
    }
}

/// An OpenSSL `-subj` name ("/CN=Bob/O=Example Corp") in RFC 4514 form, most specific first.
fn rfc4514(subj: &str) -> String {
    subj.trim_start_matches('/').split('/').rev().collect::<Vec<_>>().join(",")
}

/// One entry of `certdesk-export.txt`.
#[derive(Debug)]
struct Listed {
    file: String,
    subject: String,
    issuer: String,
    sha256: String,
}

/// The entries of an export list: after its header, one block per file.
fn listed(list: &str) -> Vec<Listed> {
    list.split("\n\n")
        .skip(1)
        .map(|block| {
            let field = |label: &str| {
                block.lines().find_map(|l| l.trim_start().strip_prefix(label)).unwrap_or_default().trim().to_owned()
            };
            Listed {
                file: block.lines().next().unwrap_or_default().to_owned(),
                subject: field("Subject:"),
                issuer: field("Issued by:"),
                sha256: field("SHA-256:"),
            }
        })
        .collect()
}

fn mode_of(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// Types the export password twice and sets the target through the "Choose…" button's chooser.
fn fill_in_export(app: &App, password: &str, target: &Path) {
    let fields = app.wait_for("two password fields", || {
        let f = app.find_all("[role=dialog] input[type=password]");
        (f.len() == 2).then_some(f)
    });
    fields[0].type_text(password);
    fields[1].type_text(password);
    app.answer_file_chooser(json!(target));
    app.find("[role=dialog] .target button").click();
    app.wait_for("the chosen target", || {
        (app.find("#export-target").attribute("value").as_deref() == Some(target.to_str().unwrap())).then_some(())
    });
}

#[test]
fn check_a_site_names_the_certificate_to_use_and_the_site_accepts_it() {
    let dir = &template().dir;
    let site = fixtures::OpensslServer::start(dir, &dir.join("ca-EnterprisePremiumCAG2/ca.pem"));
    let (_tmp, _db, app) = start("en_US.UTF-8");
    app.find("[data-action=probe]").click();
    let address = app.find("#probe-site");
    address.type_text(&format!("127.0.0.1:{}", site.port));
    address.type_text(keys::ENTER);
    app.wait_for_text("This site accepts certificates issued by Enterprise Premium CA - G2.");
    app.wait_for_text("is not trusted by this computer"); // the test server's CA is no system root
    let text = app.page_text();
    let best = text.lines().position(|l| l.contains("Hanako Renewal")).unwrap();
    let other = text.lines().position(|l| l.contains("Taro Other")).unwrap();
    assert!(best < other, "certificates of the requested CA first:\n{text}");
    let yamada = app.wait_for("山田's candidate", || {
        app.find_all("[role=dialog] li").into_iter().find(|li| li.text().contains("山田 太郎"))
    });
    // The test server's CA is no root here: each certificate goes only after a yes.
    yamada.find("button").click();
    app.wait_for_text("Send it to this site anyway?");
    app.find("[data-action=send-anyway]").scroll_into_view().click();
    app.wait_for_text("Accepted: the site took this certificate.");
    let taro = app.find_all("[role=dialog] li").into_iter().find(|li| li.text().contains("Taro Other")).unwrap();
    taro.find("button").click();
    app.wait_for_text("Send it to this site anyway?");
    app.find("[data-action=send-anyway]").scroll_into_view().click();
    app.wait_for_text("Rejected by the site");
    app.screenshot("check-a-site-en");
}

/// Every test is worth what the binary under test is: the one users install,
/// with its front end inside it, not a development build.
#[test]
fn the_window_is_the_packaged_app_showing_the_front_end_embedded_in_it() {
    let store = tempfile::tempdir().unwrap();
    new_nss_db(store.path());
    let app = App::launch(store.path(), "en_US.UTF-8"); // not `start`: a dev build never shows rows
    let page = app.wait_for("a page", || Some(app.current_url()).filter(|u| !u.is_empty() && u != "about:blank"));
    assert!(
        page.starts_with("tauri://localhost"),
        "the front end served from inside the binary, not the dev server: {page}"
    );
    assert_eq!(
        app.invoke("plugin:app|bundle_type", json!({})),
        Ok(json!("deb")),
        "the binary from the .deb (the bundler marks only the copy it packs)"
    );
}

#[test]
fn export_all_writes_one_private_file_per_certificate_openssl_reads_and_a_list_without_the_password() {
    const PASSWORD: &str = "moving day 2026";
    let (tmp, _db, app) = start("en_US.UTF-8");
    app.find("[data-action=export-all]").click();
    app.wait_for_text(&format!("{} certificates to export", LEAVES.len()));
    let folder = tmp.path().join("for the new PC"); // not there yet: the export makes it
    fill_in_export(&app, PASSWORD, &folder);
    app.find("[role=dialog] button[type=submit]").click();
    app.wait_for_text("Verified");
    app.wait_for_text("certdesk-export.txt");

    let mut files: Vec<String> =
        std::fs::read_dir(&folder).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    files.sort();
    assert_eq!(files.len(), LEAVES.len() + 1, "one file per certificate and the list, nothing left over: {files:?}");
    for file in &files {
        assert_eq!(mode_of(&folder.join(file)), 0o600, "{file} is readable by its owner only");
    }
    let list = std::fs::read_to_string(folder.join("certdesk-export.txt")).unwrap();
    assert!(!list.contains(PASSWORD), "the list holds no password:\n{list}");
    let entries = listed(&list);
    assert_eq!(entries.len(), LEAVES.len(), "{list}");
    let cas = ["Enterprise Premium CA - G2", "Other CA"];
    for &(fixture, subject, ca, ..) in LEAVES {
        let sha256 = fixture_sha256(fixture);
        let entry =
            entries.iter().find(|e| e.sha256 == sha256).unwrap_or_else(|| panic!("the list names {subject}:\n{list}"));
        assert_eq!(entry.subject, rfc4514(subject), "{list}");
        assert_eq!(entry.issuer, rfc4514(&format!("/CN={}/O=Example Trust", cas[ca])), "{list}");
        assert!(
            files.contains(&entry.file),
            "the list names the file {:?} as it is in the folder: {files:?}",
            entry.file
        );
        let reading = read_with_openssl(&folder.join(&entry.file), PASSWORD);
        assert_eq!(reading.leaf_sha256, sha256, "{} holds {subject}", entry.file);
        assert_eq!((reading.keys, reading.certificates), (1, 2), "{}: its key, and it with its CA", entry.file);
        assert!(reading.key_matches_leaf, "{}: the key is that certificate's", entry.file);
    }
}

#[test]
fn a_backup_export_interrupts_the_deletion_of_the_certificate_that_still_works_and_then_it_goes_on() {
    const PASSWORD: &str = "bob's backup";
    let (tmp, db, app) = start("en_US.UTF-8");
    row(&app, "Bob Expiring").click();
    app.find("[data-action=delete]").click();
    app.wait_for_text("Delete 1 certificate?");
    app.find_with_text("[role=dialog] button", "Delete").click();
    app.wait_for_text("This is the certificate that still works");
    app.find_with_text("[role=dialog] button", "Export a backup first").click();

    app.wait_for_text("1 certificate to export");
    let backup = tmp.path().join("Bob backup.pfx");
    fill_in_export(&app, PASSWORD, &backup);
    app.find("[role=dialog] button[type=submit]").click();
    app.wait_for_text("Verified");
    assert!(nicknames(&db).contains("Bob Expiring"), "nothing deleted while the backup is made");
    app.find_with_text("[role=dialog] button", "Close").click();

    // Back at the deletion, asked afresh: both questions, Bob's still being the certificate that works.
    app.wait_for_text("Delete 1 certificate?");
    app.find_with_text("[role=dialog] button", "Delete").click();
    app.wait_for_text("This is the certificate that still works");
    app.find_with_text("[role=dialog] button", "Delete anyway").click();
    app.wait_for_text("Deleted 1 certificate.");
    assert!(!nicknames(&db).contains("Bob Expiring"), "gone from NSS:\n{}", nicknames(&db));
    assert!(!nss_keys(&db).iter().any(|k| k.contains("Bob")), "with its key: {:?}", nss_keys(&db));
    app.find_with_text("[role=dialog] button", "Close").click();
    app.wait_for("Bob's row to go", || (!rows(&app).contains(&"Bob Expiring".to_owned())).then_some(()));

    assert_eq!(mode_of(&backup), 0o600);
    let reading = read_with_openssl(&backup, PASSWORD);
    assert_eq!(reading.leaf_sha256, fixture_sha256("bob"), "the backup holds Bob's certificate");
    assert_eq!(reading.keys, 1, "with its key");
    assert!(reading.key_matches_leaf);
}

/// The status chip of the (first) row named `name`: its words, without the icon.
fn status(app: &App, name: &str) -> String {
    row(app, name);
    let chip = app.execute(
        "return [...document.querySelectorAll('[role=option]')].find(r => r.querySelector('.name').textContent === arguments[0]).querySelector('.chip').lastChild.textContent.trim()",
        json!([name]),
    );
    chip.as_str().unwrap().to_owned()
}

fn set_renewal_days(app: &App, days: u32) {
    app.find("[data-action=settings]").click();
    let field = app.find("#renewal-days");
    field.clear();
    field.type_text(&days.to_string());
    app.find("[role=dialog] button[type=submit]").click();
    app.wait_for("the settings to close", || app.try_find("[role=dialog]").is_none().then_some(()));
}

#[test]
fn the_renewal_window_in_the_settings_decides_which_certificates_are_expiring_soon() {
    let (_tmp, _db, app) = start("en_US.UTF-8");
    assert_eq!(status(&app, "Bob Expiring"), "Expiring soon", "30 days left, within the default 90");
    assert_eq!(status(&app, "山田 太郎"), "Valid", "365 days left");
    set_renewal_days(&app, 20);
    app.wait_for("Bob to be valid with a 20-day window", || (status(&app, "Bob Expiring") == "Valid").then_some(()));
    assert_eq!(status(&app, "山田 太郎"), "Valid");
    assert_eq!(status(&app, "Alice Expired"), "Expired", "expired whatever the window");
    set_renewal_days(&app, 400);
    app.wait_for("山田 to be expiring with a 400-day window", || {
        (status(&app, "山田 太郎") == "Expiring soon").then_some(())
    });
    assert_eq!(status(&app, "Bob Expiring"), "Expiring soon");
}

#[test]
fn choosing_another_store_folder_in_the_settings_lists_that_stores_certificates() {
    let (tmp, db, app) = start("en_US.UTF-8");
    let other = tmp.path().join("other store");
    copy_dir(&template().other_db, &other);
    app.wait_for_text(&format!("Store: nss:{}", db.display()));
    app.find("[data-action=settings]").click();
    app.wait_for_text("Certificate store");
    app.answer_file_chooser(json!(other));
    app.find_with_text("[role=dialog] button", "Another folder…").click();
    app.wait_for_text(&format!("Folder: {}", other.display()));
    app.find("[role=dialog] button[type=submit]").click();
    app.wait_for("the other store's certificates", || (rows(&app) == ["Newcomer Suzuki"]).then_some(()));
    app.wait_for_text(&format!("Store: nss:{}", other.display()));
    assert_eq!(app.saved_settings()["store"], json!(format!("nss:{}", other.display())), "and saved");
}

/// `CERTDESK_STORE` opens another store for one run (README, `state.rs`):
/// saving other settings must not make it the saved choice, which the next
/// run without it would open.
#[test]
fn saving_other_settings_leaves_the_store_given_by_certdesk_store_to_this_run() {
    let (_tmp, db, app) = start("en_US.UTF-8");
    set_renewal_days(&app, 60);
    let saved = app.saved_settings();
    assert_eq!(saved["renewal_days"], json!(60), "{saved}");
    assert_eq!(saved["store"], json!(null), "no store chosen, none saved: {saved}");
    app.wait_for_text(&format!("Store: nss:{}", db.display()));
}

#[test]
fn site_preferences_say_this_computer_has_none_on_linux() {
    let (_tmp, _db, app) = start("en_US.UTF-8");
    app.find("[data-action=prefs]").click();
    app.wait_for_text("Identity preferences are a macOS feature; this computer does not use them.");
    assert!(app.try_find("[role=dialog] table").is_none(), "no table of preferences");
    let buttons: Vec<String> = app.find_all("[role=dialog] button").iter().map(|b| b.text()).collect();
    assert_eq!(buttons, ["Close"], "nothing to delete");
    app.find_with_text("[role=dialog] button", "Close").click();
    app.wait_for("the dialog to close", || app.try_find("[role=dialog]").is_none().then_some(()));
}

/// Driven from Tauri's event manager on (`App::drop_files`): the
/// `tauri://drag-enter` and `tauri://drag-drop` events a native drop becomes,
/// emitted to the window as Tauri emits them; their delivery to the page; the
/// page's `onDragDropEvent` listener (the highlight, the .pfx/.p12 filter);
/// the import. Not driven: the native GTK drop and wry's and Tauri's turning
/// it into those events.
#[test]
fn dropping_a_pfx_file_on_the_window_opens_its_import_and_installs_it() {
    let (tmp, db, app) = start("en_US.UTF-8");
    let p12 = &template().newcomer_p12;
    let notes = tmp.path().join("notes.txt");
    std::fs::write(&notes, "not a certificate").unwrap();
    app.drag_files_over(&[p12, &notes]);
    app.wait_for_text("Drop .pfx, .p12 or .cer files to open them");
    app.drop_files(&[p12, &notes]);
    app.wait_for_text("File 1 of 1: newcomer.p12"); // the .txt left out
    assert!(app.try_find(".drop").is_none(), "the drop highlight goes");
    let password = app.find("input[type=password]");
    password.type_text(IMPORT_PASSWORD);
    password.type_text(keys::ENTER);
    app.wait_for_text("Newcomer Suzuki");
    app.find_with_text("[role=dialog] button", "Import").click();
    app.wait_for_text("Imported 1 certificate");
    app.find_with_text("[role=dialog] button", "Close").click();
    row(&app, "Newcomer Suzuki");
    assert!(nicknames(&db).contains("Newcomer"), "NSS lists it:\n{}", nicknames(&db));
    assert!(nss_keys(&db).iter().any(|k| k.contains("Newcomer")), "with its key: {:?}", nss_keys(&db));
}

/// A card's certificates are listed beside the store's: a SoftHSM2 token
/// (registered with p11-kit, as OpenSC is for real cards) holding a newer
/// certificate of Hanako's, which supersedes the database's, and a key the
/// token hides until a login.
#[test]
fn a_card_s_certificates_are_listed_beside_the_store_s_and_its_renewal_supersedes_theirs() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("nssdb");
    copy_dir(&template().db, &db);
    let card = SoftToken::new(tmp.path(), "社員証カード");
    let root = &template().dir;
    let ca = Ca { dir: root.join("ca-EnterprisePremiumCAG2"), name: "Enterprise Premium CA - G2".into() };
    card.put_identity(
        &ca,
        tmp.path(),
        &Leaf::new("hanako-card", "/CN=Hanako Renewal/O=Example Corp", -1, 900),
        "01",
        "Hanako card",
    );
    let hidden = issue(
        &ca,
        tmp.path(),
        &Leaf::new("kenji-card", "/CN=Kenji Hidden/O=Example Corp", -1, 700),
        time::OffsetDateTime::now_utc(),
    );
    card.put_private_certificate(&hidden, "02", "Kenji card");
    let app = App::launch_with_env(&db, "en_US.UTF-8", &[("SOFTHSM2_CONF", &card.conf)]);
    app.find("[role=option]");
    let texts = app.wait_for("the card's row beside the database's", || {
        let texts = row_texts(&app, "Hanako Renewal");
        texts.iter().any(|t| t.contains("On card: 社員証カード")).then_some(texts)
    });
    assert_eq!(texts.len(), 3, "two in the database, one on the card: {texts:?}");
    let dimmed = texts.iter().filter(|t| t.ends_with("[dimmed]")).count();
    assert_eq!(dimmed, 2, "the card's renewal supersedes both stored ones: {texts:?}");
    assert!(
        texts
            .iter()
            .any(|t| t.contains("On card: 社員証カード") && t.contains("On the card") && !t.ends_with("[dimmed]")),
        "{texts:?}"
    );
    app.screenshot("card-beside-store");
    assert!(row_texts(&app, "Kenji Hidden").is_empty(), "a private certificate shows only after a login");

    // Unlock: a wrong PIN is said and not retried, the right one shows what the card hid.
    app.wait_for_text("“社員証カード” shows more once it is unlocked with its PIN.");
    app.find("[data-action=unlock-card]").click();
    let pin = app.find("[role=dialog] input[type=password]");
    pin.type_text("999999");
    pin.type_text(keys::ENTER);
    app.wait_for_text("The PIN is wrong");
    let pin = app.find("[role=dialog] input[type=password]");
    pin.type_text(TOKEN_PIN);
    pin.type_text(keys::ENTER);
    app.wait_for("the card's hidden certificate", || (!row_texts(&app, "Kenji Hidden").is_empty()).then_some(()));
    assert!(row_texts(&app, "Kenji Hidden")[0].contains("On card: 社員証カード"));
    app.screenshot("card-unlocked");

    // Check a site with the card's certificate: the handshake is signed on the card through
    // the login Unlock kept (no PIN asked again), and OpenSSL's s_server, asking for a
    // certificate from the card's CA, accepts it. Its own certificate is not trusted here,
    // so the window asks first, and sends it on yes.
    let server = OpensslServer::start(root, &ca.pem());
    let card_id = app
        .execute(
            "return [...document.querySelectorAll('[role=option]')].find(r => r.textContent.includes('On card') && r.textContent.includes('Hanako Renewal'))?.dataset.id ?? null",
            json!([]),
        )
        .as_str()
        .expect("the card's row has an id")
        .to_owned();
    app.find("[data-action=probe]").click();
    app.find("#probe-site").type_text(&format!("127.0.0.1:{}", server.port));
    app.find("#probe-site").type_text(keys::ENTER);
    let candidate = format!("[role=dialog] li[data-id='{card_id}'] button");
    app.find(&candidate).click();
    app.find("[data-action=send-anyway]").click();
    app.wait_for_text("Accepted: the site took this certificate.");
    app.screenshot("card-probe-accepted");
    app.find_with_text("[role=dialog] .buttons button", "Close").click();
    drop(server);
    app.find("[data-action=lock-cards]").click();
    app.wait_for("the card locked again", || row_texts(&app, "Kenji Hidden").is_empty().then_some(()));
}

/// A Firefox user's database with a Primary Password (made by `certutil -N
/// -f`, filled by `pk12util`): the window asks for the password in place of
/// the list, says when it is wrong, and lists the certificate with its key
/// once the right one opens the database.
#[test]
fn a_database_with_a_primary_password_asks_for_it_and_then_lists_its_certificates() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("Firefox プロファイル");
    new_nss_db_with_password(&db, "主 primary 2026", &template().newcomer_p12, IMPORT_PASSWORD);
    let app = App::launch(&db, "en_US.UTF-8");
    app.wait_for_text("Enter the Primary Password");
    let password = app.find(".unlock input[type=password]");
    password.type_text("まちがい");
    app.find("[data-action=unlock]").click();
    app.wait_for_text("That is not the Primary Password of this store");
    assert!(app.try_find("[role=option]").is_none(), "nothing listed yet");
    let password = app.find(".unlock input[type=password]");
    password.clear();
    password.type_text("主 primary 2026");
    password.type_text(keys::ENTER);
    let texts = app.wait_for("the database's certificate", || {
        let texts = row_texts(&app, "Newcomer Suzuki");
        (!texts.is_empty()).then_some(texts)
    });
    assert!(texts[0].contains("Exportable"), "its key, read after the login: {texts:?}");
    app.screenshot("primary-password-unlocked");
}

/// "Add to calendar" writes the .ics file where the save dialog said: two
/// all-day events for each of the six certificates with a key.
#[test]
fn add_to_calendar_saves_the_renewal_days_where_the_user_chose() {
    let (tmp, _db, app) = start("en_US.UTF-8");
    let out = tmp.path().join("更新予定.ics");
    app.find("[role=option]");
    app.answer_file_chooser(json!(out));
    app.find("[data-action=calendar]").click();
    app.wait_for_text("Saved the renewal days of 6 certificates");
    let ics = std::fs::read_to_string(&out).unwrap();
    assert!(ics.starts_with("BEGIN:VCALENDAR\r\n"), "{ics}");
    assert_eq!(ics.matches("BEGIN:VEVENT").count(), 12, "{ics}");
    assert!(ics.contains("Bob Expiring"), "{ics}");
}

/// A real notification daemon (dunst) on the test's session bus, under
/// Xvfb's display, with its own empty configuration; stopped when dropped.
struct NotificationDaemon {
    daemon: std::process::Child,
    bus: String,
    _config: tempfile::TempDir,
}

impl NotificationDaemon {
    fn start(bus: &SessionBus) -> NotificationDaemon {
        let config = tempfile::tempdir().unwrap();
        let daemon = Command::new("dunst")
            .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
            .env("XDG_CONFIG_HOME", config.path())
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("dunst is not installed (scripts/setup installs it)");
        let started = NotificationDaemon { daemon, bus: bus.address.clone(), _config: config };
        let deadline = Instant::now() + Duration::from_secs(20);
        while started.dunstctl(&["count", "displayed"]).is_none() {
            assert!(Instant::now() < deadline, "dunst did not take the notification service's name");
            std::thread::sleep(Duration::from_millis(100));
        }
        started
    }

    fn dunstctl(&self, args: &[&str]) -> Option<String> {
        let out = Command::new("dunstctl").args(args).env("DBUS_SESSION_BUS_ADDRESS", &self.bus).output().ok()?;
        out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
    }

    fn displayed(&self) -> usize {
        self.dunstctl(&["count", "displayed"]).and_then(|n| n.parse().ok()).unwrap_or(0)
    }
}

/// Clicks the top notification dunst shows: the name of the certificate the
/// window then selects.
fn click_the_top_reminder(app: &App, daemon: &NotificationDaemon) -> String {
    assert!(daemon.dunstctl(&["action", "0"]).is_some(), "dunstctl action 0");
    app.wait_for("the clicked certificate selected", || {
        let name = app.execute(
            "return document.querySelector('[role=option][aria-selected=true] .name')?.textContent ?? null",
            json!([]),
        );
        name.as_str().map(str::to_owned)
    })
}

impl Drop for NotificationDaemon {
    fn drop(&mut self) {
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
    }
}

/// A systemd user manager of the test's own, as a desktop session runs one
/// (`systemd --user`). systemd will not start one on a system it did not
/// boot, which this sandbox is not: it runs in a mount namespace of its own
/// where `/run/systemd/system` says systemd booted (everything else, the
/// kernel's timers and cgroups among it, is this machine's). It starts in
/// cgroups of its own (`certdesk-test-PID` in each hierarchy), which it takes
/// for its root: started in the machine's root cgroup, systemd would move
/// every process there into an `init.scope`. Commands run in its namespace
/// through [`UserManager::command`]. Dropped, it stops its units, and what
/// is left in its cgroups (an app a click started) is killed and the
/// cgroups removed.
struct UserManager {
    manager: std::process::Child,
    env: Vec<(String, std::ffi::OsString)>,
}

impl UserManager {
    /// Starts a manager whose services get `env`, which must hold
    /// `XDG_RUNTIME_DIR` (its private socket goes there) and
    /// `XDG_CONFIG_HOME`. The session bus is the test's own: the manager's
    /// socket-activated one (Debian's `dbus.socket`, at the same
    /// `$XDG_RUNTIME_DIR/bus`) is masked there.
    fn start(env: &[(&str, &std::ffi::OsStr)]) -> UserManager {
        let env: Vec<(String, std::ffi::OsString)> =
            env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        let var = |name: &str| PathBuf::from(&env.iter().find(|(k, _)| k == name).expect(name).1);
        let runtime = var("XDG_RUNTIME_DIR");
        let units = var("XDG_CONFIG_HOME").join("systemd/user");
        std::fs::create_dir_all(&units).unwrap();
        std::os::unix::fs::symlink("/dev/null", units.join("dbus.socket")).unwrap();
        // unshare execs the shell, which execs systemd: one process, whose namespace nsenter joins.
        let manager = Command::new("unshare")
            .args(["--mount", "--propagation", "private", "--", "sh", "-c"])
            .arg(concat!(
                // The hierarchies systemd finds its own cgroup in: name=systemd and
                // the unified one beside cgroup v1's controllers, or cgroup v2 alone.
                "set -- /sys/fs/cgroup/systemd /sys/fs/cgroup/unified; [ -d /sys/fs/cgroup/systemd ] || set -- /sys/fs/cgroup; ",
                "for h; do [ -f \"$h/cgroup.procs\" ] || continue; ",
                "mkdir \"$h/certdesk-test-$$\" && echo $$ > \"$h/certdesk-test-$$/cgroup.procs\" || exit 1; done; ",
                "[ -d /run/systemd ] || mkdir /run/systemd; mount -t tmpfs certdesk-test /run/systemd && ",
                "mkdir /run/systemd/system && exec /lib/systemd/systemd --user --log-target=null"
            ))
            .env_clear()
            .env("PATH", "/usr/local/bin:/usr/bin:/bin")
            .env("HOME", std::env::var_os("HOME").unwrap_or_default())
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdin(std::process::Stdio::null())
            .spawn()
            .expect("unshare (util-linux) and systemd are installed (scripts/setup installs systemd)");
        let mut started = UserManager { manager, env };
        let deadline = Instant::now() + Duration::from_secs(30);
        let is_up =
            |out: std::process::Output| matches!(String::from_utf8_lossy(&out.stdout).trim(), "running" | "degraded");
        while !runtime.join("systemd/private").exists() || !is_up(started.systemctl(&["is-system-running"])) {
            if let Ok(Some(status)) = started.manager.try_wait() {
                panic!("the systemd user manager exited at once ({status}): unshare and cgroups need root");
            }
            assert!(Instant::now() < deadline, "the systemd user manager did not come up in 30 s");
            std::thread::sleep(Duration::from_millis(100));
        }
        started
    }

    /// `program`, run in the manager's namespace with its environment.
    fn command(&self, program: &Path) -> Command {
        let mut command = Command::new("nsenter");
        command
            .arg(format!("--target={}", self.manager.id()))
            .args(["--mount", "--"])
            .arg(program)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(std::process::Stdio::null());
        command
    }

    fn systemctl(&self, args: &[&str]) -> std::process::Output {
        self.command(Path::new("/bin/systemctl")).arg("--user").args(args).output().unwrap()
    }

    /// A unit's property, as `systemctl --user show` prints it.
    fn property(&self, unit: &str, name: &str) -> String {
        let out = self.systemctl(&["show", unit, "--property", name, "--value"]);
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }
}

impl Drop for UserManager {
    fn drop(&mut self) {
        // Its units stopped as at a logout, then whatever outlived them.
        let _ = self.systemctl(&["exit"]);
        let deadline = Instant::now() + Duration::from_secs(5);
        while self.manager.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.manager.kill();
        let _ = self.manager.wait();
        let name = format!("certdesk-test-{}", self.manager.id());
        // In every hierarchy (systemd makes its own in the controllers' too), or cgroup v2's one.
        let hierarchies = std::fs::read_dir("/sys/fs/cgroup").into_iter().flatten().flatten().map(|h| h.path());
        let ours: Vec<PathBuf> = hierarchies
            .chain([PathBuf::from("/sys/fs/cgroup")])
            .map(|hierarchy| hierarchy.join(&name))
            .filter(|cgroup| cgroup.is_dir())
            .collect();
        // Deepest first, each emptied before it is removed (a killed process leaves its cgroup a moment later).
        let mut cgroups: Vec<PathBuf> = Vec::new();
        for cgroup in &ours {
            let mut stack = vec![cgroup.clone()];
            while let Some(dir) = stack.pop() {
                stack.extend(
                    std::fs::read_dir(&dir).into_iter().flatten().flatten().map(|e| e.path()).filter(|p| p.is_dir()),
                );
                cgroups.push(dir);
            }
        }
        cgroups.sort_by_key(|dir| std::cmp::Reverse(dir.components().count()));
        for dir in &cgroups {
            let deadline = Instant::now() + Duration::from_secs(5);
            loop {
                let procs = std::fs::read_to_string(dir.join("cgroup.procs")).unwrap_or_default();
                for pid in procs.split_whitespace().filter_map(|p| p.parse::<i32>().ok()) {
                    let _ = Command::new("kill").args(["-KILL", &pid.to_string()]).status();
                }
                if std::fs::remove_dir(dir).is_ok() || Instant::now() > deadline {
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }
}

/// The systemd timer, for real: `certdesk reminders on` on a desktop whose
/// session runs a systemd user manager writes the timer and starts it; the
/// day it missed (its last run two days ago) is caught up at once, as at a
/// login, so the manager starts the service, whose check posts the
/// notifications a real daemon (dunst) shows; a click opens the running
/// window on the certificate; the timer then waits for 09:00, and
/// `reminders off` stops it and removes it.
#[test]
fn reminders_from_the_systemd_user_timer_reach_the_desktop_and_a_click_opens_the_certificate() {
    let session = tempfile::tempdir().unwrap();
    let runtime = session.path().join("runtime");
    let data = session.path().join("share");
    std::fs::create_dir_all(&runtime).unwrap();
    std::fs::set_permissions(&runtime, std::fs::Permissions::from_mode(0o700)).unwrap();
    // The desktop's session bus where a systemd session has it: $XDG_RUNTIME_DIR/bus.
    let bus = SessionBus::start_at(&runtime.join("bus"));
    let daemon = NotificationDaemon::start(&bus);
    let (_tmp, db, app) = start_on_bus("en_US.UTF-8", &bus);
    let store = std::ffi::OsString::from(format!("nss:{}", db.display()));
    let manager = UserManager::start(&[
        ("XDG_RUNTIME_DIR", runtime.as_os_str()),
        ("XDG_CONFIG_HOME", app.config_dir().as_os_str()),
        ("XDG_DATA_HOME", data.as_os_str()),
        ("XDG_STATE_HOME", data.as_os_str()),
        ("DBUS_SESSION_BUS_ADDRESS", bus.address.as_ref()),
        ("CERTDESK_STORE", store.as_os_str()),
        ("LC_ALL", "C.UTF-8".as_ref()),
    ]);

    // The timer last ran two days ago (its stamp, as systemd keeps it): the
    // next start catches up the missed day, as at a login after a weekend.
    let stamps = data.join("systemd/timers");
    std::fs::create_dir_all(&stamps).unwrap();
    let stamp = std::fs::File::create(stamps.join("stamp-certdesk-reminders.timer")).unwrap();
    stamp.set_modified(std::time::SystemTime::now() - Duration::from_secs(2 * 24 * 3600)).unwrap();
    drop(stamp);

    let cli = App::command_line_binary();
    let on = manager.command(&cli).args(["--json", "reminders", "on"]).output().unwrap();
    assert!(on.status.success(), "{}", String::from_utf8_lossy(&on.stderr));
    let on: serde_json::Value = serde_json::from_slice(&on.stdout).unwrap();
    assert_eq!(on["scheduler"], "systemd_timer", "a session with a user manager gets the timer: {on:#}");
    assert_eq!(manager.property("certdesk-reminders.timer", "ActiveState"), "active", "started by reminders on");

    // The caught-up run: the manager started the service, which notified.
    app.wait_for("both reminders shown by dunst", || (daemon.displayed() == 2).then_some(()));
    assert_eq!(manager.property("certdesk-reminders.service", "ActiveState"), "activating", "waiting for clicks");
    let reminded: serde_json::Value = app.wait_for("the reminder record", || {
        let bytes = std::fs::read(app.config_dir().join("app.certdesk.desktop/reminded.json")).ok()?;
        serde_json::from_slice(&bytes).ok()
    });
    assert_eq!(reminded["shown"].as_object().map(|shown| shown.len()), Some(2), "{reminded:#}");

    // A click (the expired one is on top): the check, inside the service,
    // starts certdesk-app --show ID, which hands it to the window over the bus.
    assert_eq!(click_the_top_reminder(&app, &daemon), "Alice Expired");
    daemon.dunstctl(&["close-all"]);
    app.wait_for("the service finished", || {
        (manager.property("certdesk-reminders.service", "ActiveState") == "inactive").then_some(())
    });
    assert_eq!(manager.property("certdesk-reminders.service", "Result"), "success");
    assert_eq!(manager.property("certdesk-reminders.service", "ExecMainStatus"), "0");
    // The next run is the calendar's: 09:00 (this machine's time zone).
    let next = manager.property("certdesk-reminders.timer", "NextElapseUSecRealtime");
    assert!(next.contains(" 09:00:"), "next run {next:?}");

    let off = manager.command(&cli).args(["reminders", "off"]).output().unwrap();
    assert!(off.status.success(), "{}", String::from_utf8_lossy(&off.stderr));
    assert_eq!(manager.property("certdesk-reminders.timer", "ActiveState"), "inactive", "stopped by reminders off");
    assert_eq!(manager.property("certdesk-reminders.timer", "LoadState"), "not-found", "and unloaded");
    assert!(!app.config_dir().join("systemd/user/certdesk-reminders.timer").exists());
    assert_eq!(app.saved_settings()["reminders"], false);
}

/// Reminders, as a user meets them: the window offers them after a listing
/// with a certificate to renew; turned on, the daily check is scheduled (no
/// systemd runs this session, so an autostart entry; the systemd timer has
/// its own test above, under a user manager of its own); the command it
/// runs posts notifications that a real daemon (dunst) shows, captured from
/// the session bus; a click on one opens certdesk on its certificate; the
/// next day's run shows nothing again; turning reminders off removes the entry.
#[test]
fn reminders_turned_on_in_the_window_notify_and_a_click_opens_the_certificate() {
    let bus = SessionBus::start();
    let daemon = NotificationDaemon::start(&bus);
    let (_tmp, db, app) = start_on_bus("en_US.UTF-8", &bus);
    app.wait_for_text("remind you before your certificates expire");
    app.find("[data-action=reminders-on]").click();
    app.wait_for_text("Reminders are on");
    assert_eq!(app.saved_settings()["reminders"], true);
    let entry_file = app.config_dir().join("autostart/certdesk-reminders.desktop");
    let entry = std::fs::read_to_string(&entry_file).expect("the autostart entry");
    let exec = entry.lines().find_map(|l| l.strip_prefix("Exec=")).unwrap();
    let (program, args) = exec.strip_prefix('"').and_then(|rest| rest.split_once('"')).unwrap();
    assert_eq!(Path::new(program), App::command_line_binary(), "the package's certdesk, beside the app");

    // The Notify calls on the bus, as they cross it.
    let monitor = Command::new("dbus-monitor")
        .args(["--address", &bus.address, "interface='org.freedesktop.Notifications',member='Notify'"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("dbus-monitor is not installed (scripts/setup installs dbus-bin)");
    std::thread::sleep(Duration::from_millis(300));
    // As the desktop runs the entry at login: the app's settings, this session's bus.
    let daily_check = || {
        let mut check = Command::new(program);
        check
            .args(args.split_whitespace())
            .env("XDG_CONFIG_HOME", app.config_dir())
            .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
            .env("CERTDESK_STORE", format!("nss:{}", db.display()))
            .env("LC_ALL", "en_US.UTF-8")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped());
        check.spawn().unwrap()
    };
    let mut first = daily_check();
    let deadline = Instant::now() + Duration::from_secs(30);
    while daemon.displayed() == 0 {
        assert!(Instant::now() < deadline, "no notification was shown");
        std::thread::sleep(Duration::from_millis(100));
    }
    let reminded: serde_json::Value = app.wait_for("the reminder record", || {
        let bytes = std::fs::read(app.config_dir().join("app.certdesk.desktop/reminded.json")).ok()?;
        serde_json::from_slice(&bytes).ok()
    });
    // Alice's expired, Bob's renewal window opened; Hanako's old one is superseded, no reminder.
    let mut stages: Vec<String> =
        reminded["shown"].as_object().unwrap().values().map(|s| s.as_str().unwrap().to_owned()).collect();
    stages.sort();
    assert_eq!(stages, ["expired", "renewal_open"], "{reminded:#}");
    app.wait_for("both shown by dunst", || (daemon.displayed() == 2).then_some(()));

    // Click the top one (dunst puts the critical one, the expired, first): certdesk shows it.
    assert_eq!(click_the_top_reminder(&app, &daemon), "Alice Expired");
    app.screenshot("reminder-opened");

    // Dismissed: the check has nothing more to wait for and exits.
    daemon.dunstctl(&["close-all"]);
    let status = first.wait().unwrap();
    assert!(status.success(), "{status}");
    let mut monitor = monitor;
    let _ = monitor.kill();
    let captured = {
        use std::io::Read as _;
        let mut text = String::new();
        monitor.stdout.take().unwrap().read_to_string(&mut text).unwrap();
        text
    };
    assert!(captured.contains("string \"Your certificate has expired\""), "{captured}");
    assert!(captured.contains("string \"Time to renew your certificate\""), "{captured}");
    assert!(captured.contains("Bob Expiring (issued by Enterprise Premium CA - G2)"), "{captured}");

    // The next run: every stage was shown once, so nothing is.
    let again = daily_check().wait_with_output().unwrap();
    assert!(again.status.success());
    assert!(String::from_utf8_lossy(&again.stdout).contains("No certificate needs a reminder today"));

    app.find("[data-action=settings]").click();
    let reminders = app.find("[data-setting=reminders]");
    reminders.click();
    app.wait_for("the autostart entry removed and the choice saved", || {
        (!entry_file.exists() && app.saved_settings()["reminders"] == false).then_some(())
    });
}
