//! Drives the real certdesk app (the binary `tauri build` makes, with its
//! front end embedded) in a WebKitGTK window, through `tauri-driver` and
//! Debian's `WebKitWebDriver`, over the W3C WebDriver protocol.
//!
//! `scripts/e2e` builds the app and its .deb package, unpacks the package and
//! runs these tests under Xvfb with `CERTDESK_E2E_APP` naming the binary
//! inside it, `usr/bin/certdesk-app`.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{json, Value};

/// The fixtures the CLI's tests make too (OpenSSL CAs, NSS databases,
/// SoftHSM2 tokens, a session bus): one copy, shared.
#[path = "../../../crates/cli/tests/support/fixtures.rs"]
pub mod fixtures;
pub use fixtures::SessionBus;

/// The W3C name of an element reference in WebDriver answers.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// WebDriver's codes for special keys.
pub mod keys {
    pub const CONTROL: &str = "\u{E009}";
    pub const SHIFT: &str = "\u{E008}";
    pub const ENTER: &str = "\u{E007}";
    pub const ESCAPE: &str = "\u{E00C}";
    pub const DELETE: &str = "\u{E017}";
    pub const ARROW_DOWN: &str = "\u{E015}";
}

fn app_binary() -> PathBuf {
    let app = std::env::var_os("CERTDESK_E2E_APP").map(PathBuf::from).expect(
        "CERTDESK_E2E_APP is not set: run scripts/e2e, which builds the app with its front end and runs these tests",
    );
    assert!(app.is_file(), "{} does not exist; run scripts/e2e", app.display());
    app
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The app under test, in its own window, on its own store and settings.
pub struct App {
    driver: Child,
    base: String,
    pub session: String,
    config: tempfile::TempDir,
    store: PathBuf,
}

impl App {
    /// Starts the app on the NSS database `store` (via `CERTDESK_STORE`),
    /// with empty settings and `LANG=lang`.
    pub fn launch(store: &Path, lang: &str) -> App {
        App::launch_with(store, lang, &[])
    }

    /// The same, with `args` on the app's command line (the files a file
    /// manager hands it).
    pub fn launch_with(store: &Path, lang: &str, args: &[&Path]) -> App {
        App::start(store, lang, args, None, &[])
    }

    /// The app with `env` set too (`SOFTHSM2_CONF`, for a token of the test's own).
    pub fn launch_with_env(store: &Path, lang: &str, env: &[(&str, &Path)]) -> App {
        App::start(store, lang, &[], None, env)
    }

    /// The app on a D-Bus session bus of its own, where a second launch finds it.
    pub fn launch_on_bus(store: &Path, lang: &str, bus: &SessionBus) -> App {
        App::start(store, lang, &[], Some(bus), &[])
    }

    /// The app binary under test, started as a file manager starts it for
    /// `file` while this one runs: on the same bus, store and settings.
    pub fn launch_again(&self, file: &Path, bus: &SessionBus) -> Command {
        let mut again = Command::new(app_binary());
        again
            .arg(file)
            .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
            .env("CERTDESK_STORE", format!("nss:{}", self.store.display()))
            .env("XDG_CONFIG_HOME", self.config.path())
            .stdin(Stdio::null());
        again
    }

    fn start(store: &Path, lang: &str, args: &[&Path], bus: Option<&SessionBus>, env: &[(&str, &Path)]) -> App {
        let app = app_binary();
        let config = tempfile::tempdir().unwrap();
        let (port, native_port) = (free_port(), free_port());
        let mut driver = Command::new("tauri-driver");
        // Without a session bus the app runs as the only instance there is; a
        // desktop's own bus is never used, where a certdesk may be running (an
        // unset address would make zbus try $XDG_RUNTIME_DIR/bus).
        driver.env("DBUS_SESSION_BUS_ADDRESS", bus.map_or("unix:path=/nonexistent/certdesk-e2e", |b| &b.address));
        driver.envs(env.iter().copied());
        let driver = driver
            .args(["--port", &port.to_string(), "--native-port", &native_port.to_string()])
            .env("CERTDESK_STORE", format!("nss:{}", store.display()))
            .env("XDG_CONFIG_HOME", config.path())
            .env("LANG", lang)
            .env("LC_ALL", lang)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("tauri-driver is not installed (cargo install tauri-driver --locked)");
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        while ureq::get(&format!("{base}/status")).call().is_err() {
            assert!(Instant::now() < deadline, "tauri-driver did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        let caps = json!({"capabilities": {"alwaysMatch": {"tauri:options": {"application": app, "args": args}}}});
        let answer = post(&format!("{base}/session"), &caps);
        let session = answer["sessionId"].as_str().expect("a session id").to_owned();
        App { driver, base, session, config, store: store.to_owned() }
    }

    fn url(&self, path: &str) -> String {
        format!("{}/session/{}{path}", self.base, self.session)
    }

    /// The first element matching `css`, waiting up to 15 s for it to appear.
    pub fn find(&self, css: &str) -> Element<'_> {
        self.wait_for(&format!("an element matching {css}"), || self.try_find(css))
    }

    pub fn try_find(&self, css: &str) -> Option<Element<'_>> {
        let answer = request("POST", &self.url("/element"), Some(&json!({"using": "css selector", "value": css})));
        answer.ok().and_then(|v| v[ELEMENT].as_str().map(|id| Element { app: self, id: id.to_owned() }))
    }

    /// The first element matching `css` whose text is `text`, waiting for it
    /// as `find` does: buttons are named by what they say, as people find them.
    pub fn find_with_text(&self, css: &str, text: &str) -> Element<'_> {
        self.wait_for(&format!("{css} saying {text:?}"), || {
            self.find_all(css).into_iter().find(|e| e.text().trim() == text)
        })
    }

    pub fn find_all(&self, css: &str) -> Vec<Element<'_>> {
        let answer = post(&self.url("/elements"), &json!({"using": "css selector", "value": css}));
        answer
            .as_array()
            .unwrap()
            .iter()
            .map(|v| Element { app: self, id: v[ELEMENT].as_str().unwrap().to_owned() })
            .collect()
    }

    /// Polls `probe` until it answers, for at most 15 s.
    pub fn wait_for<T>(&self, what: &str, mut probe: impl FnMut() -> Option<T>) -> T {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if let Some(found) = probe() {
                return found;
            }
            if Instant::now() > deadline {
                self.screenshot(&format!("failed-{}", what.replace(|c: char| !c.is_ascii_alphanumeric(), "_")));
                panic!("gave up waiting for {what}; page text:\n{}", self.page_text());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits until the page's text contains `text`.
    pub fn wait_for_text(&self, text: &str) {
        self.wait_for(&format!("the text {text:?}"), || self.page_text().contains(text).then_some(()));
    }

    /// The app's configuration folder (its `XDG_CONFIG_HOME`): settings,
    /// and what the reminders write there (the autostart entry, the record).
    pub fn config_dir(&self) -> &Path {
        self.config.path()
    }

    /// The `certdesk` command the package installs beside the app.
    pub fn command_line_binary() -> PathBuf {
        app_binary().with_file_name("certdesk")
    }

    /// The settings the app saved (`settings.json` in its configuration
    /// folder, named by the identifier in `tauri.conf.json`), or null.
    pub fn saved_settings(&self) -> Value {
        let file = self.config.path().join("app.certdesk.desktop/settings.json");
        std::fs::read(file).ok().and_then(|bytes| serde_json::from_slice(&bytes).ok()).unwrap_or(Value::Null)
    }

    /// The address of the page the window shows.
    pub fn current_url(&self) -> String {
        request("GET", &self.url("/url"), None).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
    }

    pub fn page_text(&self) -> String {
        self.execute("return document.body.innerText", json!([])).as_str().unwrap_or_default().to_owned()
    }

    pub fn execute(&self, script: &str, args: Value) -> Value {
        post(&self.url("/execute/sync"), &json!({"script": script, "args": args}))
    }

    /// Runs `script` until it calls its last argument with the answer.
    pub fn execute_async(&self, script: &str, args: Value) -> Value {
        post(&self.url("/execute/async"), &json!({"script": script, "args": args}))
    }

    /// Answers the next native file chooser (see `ui/src/lib/dialogs.ts`).
    pub fn answer_file_chooser(&self, answer: Value) {
        self.execute(
            "window.__CERTDESK_E2E__ ??= { answers: [] }; window.__CERTDESK_E2E__.answers.push(arguments[0]);",
            json!([answer]),
        );
    }

    /// Calls the app's Rust side as the front end does (`invoke` of
    /// `@tauri-apps/api/core`, through the same IPC and the same capability
    /// checks): the command's answer, or its error as text.
    pub fn invoke(&self, command: &str, args: Value) -> Result<Value, String> {
        let answer = self.execute_async(
            "const [command, args, done] = arguments;
             window.__TAURI_INTERNALS__.invoke(command, args).then(
               (value) => done({ ok: value ?? null }),
               (error) => done({ error: typeof error === 'string' ? error : JSON.stringify(error) }));",
            json!([command, args]),
        );
        match answer.get("error") {
            Some(error) => Err(error.as_str().unwrap_or_default().to_owned()),
            None => Ok(answer["ok"].clone()),
        }
    }

    /// Drags `paths` over the window (its drop highlight should show).
    pub fn drag_files_over(&self, paths: &[&Path]) {
        self.emit_drag_event("tauri://drag-enter", paths);
    }

    /// Drops `paths` on the window.
    pub fn drop_files(&self, paths: &[&Path]) {
        self.emit_drag_event("tauri://drag-drop", paths);
    }

    /// WebDriver cannot make a native drag, so the tests start at Tauri's
    /// event manager: this emits `event` with the payload Tauri gives it
    /// (`{paths, position}`) to the window's label through the event plugin's
    /// `emit_to`, the same manager call (`emit_to`, `EventTarget::labeled`)
    /// Tauri makes for a native drop, so it reaches the page's listeners
    /// (`onDragDropEvent`) the same way. Not covered: WebKitGTK's drop on the
    /// webview, wry's drag-drop handler and tauri-runtime-wry's message for
    /// it, and Tauri's `on_window_event` (its `manager/window.rs`) turning
    /// that into this event, which there also adds the dropped paths to the
    /// asset scope (certdesk does not use it: it reads files through its own
    /// commands).
    fn emit_drag_event(&self, event: &str, paths: &[&Path]) {
        let window = self.execute("return window.__TAURI_INTERNALS__.metadata.currentWindow.label", json!([]));
        let target = json!({"kind": "AnyLabel", "label": window});
        let payload = json!({"paths": paths, "position": {"x": 400.0, "y": 300.0}});
        self.invoke("plugin:event|emit_to", json!({"target": target, "event": event, "payload": payload}))
            .unwrap_or_else(|e| panic!("emitting {event}: {e}"));
    }

    /// Sends keys to whatever has focus.
    pub fn press(&self, keys: &str) {
        let active = request("GET", &self.url("/element/active"), None).unwrap();
        let element = Element { app: self, id: active[ELEMENT].as_str().unwrap().to_owned() };
        element.type_text(keys);
    }

    /// Saves a PNG of the window's page in `$CERTDESK_E2E_OUT` (or the temp folder) and returns its path.
    pub fn screenshot(&self, name: &str) -> PathBuf {
        let out = std::env::var_os("CERTDESK_E2E_OUT").map(PathBuf::from).unwrap_or_else(std::env::temp_dir);
        std::fs::create_dir_all(&out).unwrap();
        let path = out.join(format!("{name}.png"));
        if let Ok(answer) = request("GET", &self.url("/screenshot"), None) {
            let png = base64::engine::general_purpose::STANDARD.decode(answer.as_str().unwrap_or_default()).unwrap();
            std::fs::write(&path, png).unwrap();
        }
        path
    }
}

impl Drop for App {
    fn drop(&mut self) {
        let _ = request("DELETE", &self.url(""), None);
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

pub struct Element<'a> {
    app: &'a App,
    id: String,
}

impl Element<'_> {
    fn url(&self, path: &str) -> String {
        self.app.url(&format!("/element/{}{path}", self.id))
    }

    /// The first element inside this one matching `css`.
    pub fn find(&self, css: &str) -> Element<'_> {
        let answer = post(&self.url("/element"), &json!({"using": "css selector", "value": css}));
        Element { app: self.app, id: answer[ELEMENT].as_str().expect("an element").to_owned() }
    }

    pub fn click(&self) {
        post(&self.url("/click"), &json!({}));
    }

    /// Scrolls the element to the middle of its scrolling box: WebKitWebDriver
    /// does not scroll inside an element (a dialog's list) before a click.
    pub fn scroll_into_view(&self) -> &Self {
        let mut reference = serde_json::Map::new();
        reference.insert(ELEMENT.to_owned(), Value::from(self.id.clone()));
        self.app.execute("arguments[0].scrollIntoView({block: 'center'})", json!([reference]));
        self
    }

    pub fn type_text(&self, text: &str) {
        post(&self.url("/value"), &json!({"text": text}));
    }

    pub fn clear(&self) {
        post(&self.url("/clear"), &json!({}));
    }

    pub fn text(&self) -> String {
        request("GET", &self.url("/text"), None).unwrap().as_str().unwrap_or_default().to_owned()
    }

    pub fn attribute(&self, name: &str) -> Option<String> {
        request("GET", &self.url(&format!("/attribute/{name}")), None).unwrap().as_str().map(str::to_owned)
    }

    pub fn is_enabled(&self) -> bool {
        request("GET", &self.url("/enabled"), None).unwrap().as_bool().unwrap_or(false)
    }
}

fn post(url: &str, body: &Value) -> Value {
    request("POST", url, Some(body)).unwrap_or_else(|e| panic!("WebDriver POST {url}: {e}"))
}

/// One WebDriver command; its `value`, or the driver's error message.
fn request(method: &str, url: &str, body: Option<&Value>) -> Result<Value, String> {
    let call = ureq::request(method, url).timeout(Duration::from_secs(60));
    let answer = match body {
        Some(b) => call.send_json(b.clone()),
        None => call.call(),
    };
    match answer {
        Ok(r) => Ok(r.into_json::<Value>().map_err(|e| e.to_string())?["value"].clone()),
        Err(ureq::Error::Status(code, r)) => Err(format!("{code}: {}", r.into_string().unwrap_or_default())),
        Err(e) => Err(e.to_string()),
    }
}
