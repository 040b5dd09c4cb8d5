//! Desktop notifications for `certdesk check --notify`, posted by this
//! process (the daily schedule runs it; no certdesk process stays behind):
//! - Linux: `org.freedesktop.Notifications` on the session bus. Clicking a
//!   notification opens certdesk on its certificate (`certdesk-app --show
//!   ID`), so the process waits up to [`WAIT_FOR_CLICKS`] for the clicks.
//! - Windows: a toast through PowerShell's WinRT bridge; a click launches
//!   `certdesk://show/ID`, the URL scheme the installer registers.
//! - macOS: the notification center, as certdesk.app's own notifications
//!   (this program is in its Contents/MacOS; certdesk-core's
//!   `reminders::notification_center`); a click opens the app on the
//!   certificate (src-tauri/src/reminder_clicks.rs). Run from outside the
//!   app, or for an app macOS takes no notifications from, `osascript`'s
//!   `display notification`, whose clicks open nothing.

use std::path::PathBuf;
use std::time::Duration;

use certdesk_core::reminders::Reminder;
use certdesk_core::transfer::ListLanguage;

/// How long a run waits for clicks on its notifications before it exits
/// (they stay on screen or in the notification list, but no longer open certdesk).
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
pub const WAIT_FOR_CLICKS: Duration = Duration::from_secs(10 * 60);

/// The desktop app beside this program, which a click opens.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn app_beside_this_program() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let app = exe.parent()?.join(format!("certdesk-app{}", std::env::consts::EXE_SUFFIX));
    app.is_file().then_some(app)
}

/// Opens certdesk on the certificate `id` (a running one is handed the request).
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn open_certificate(id: &str) {
    let Some(app) = app_beside_this_program() else {
        eprintln!(
            "certdesk: the desktop app is not installed beside this program; open certdesk to see the certificate {id}"
        );
        return;
    };
    let spawned = std::process::Command::new(&app)
        .args(["--show", id])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    if let Err(e) = spawned {
        eprintln!("certdesk: {} could not be started ({e})", app.display());
    }
}

/// The label of the button that opens certdesk on the notification's certificate.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn open_label(language: ListLanguage) -> &'static str {
    match language {
        ListLanguage::English => "Open in certdesk",
        ListLanguage::Japanese => "certdesk で開く",
    }
}

/// Shows `reminders`. An error when there is no notification service to
/// post to (the reminders are then not recorded as shown, and the next run
/// tries again).
pub fn post(reminders: &[Reminder], language: ListLanguage) -> Result<Posted, String> {
    if reminders.is_empty() {
        return Ok(Posted::default());
    }
    platform::post(reminders, language)
}

/// Asks macOS whether certdesk may show notifications (it asks the user once).
#[cfg(target_os = "macos")]
pub use certdesk_core::reminders::notification_center::Permission;
#[cfg(target_os = "macos")]
pub use platform::ask_permission;

/// Notifications shown, whose clicks a run waits for (Linux's; elsewhere
/// the system itself opens certdesk, or nothing does).
#[derive(Default)]
pub struct Posted {
    #[cfg(target_os = "linux")]
    clicks: Option<(zbus::blocking::MessageIterator, std::collections::HashMap<u32, String>)>,
}

impl Posted {
    /// Opens certdesk for each notification clicked, until every one is
    /// closed or [`WAIT_FOR_CLICKS`] has passed.
    pub fn wait_for_clicks(self) {
        #[cfg(target_os = "linux")]
        if let Some((signals, waiting)) = self.clicks {
            platform::wait_for_clicks(signals, waiting);
        }
    }
}

#[cfg(target_os = "linux")]
mod platform {
    use std::collections::HashMap;
    use std::time::Instant;

    use certdesk_core::reminders::Stage;
    use zbus::zvariant::Value;

    use super::*;

    const SERVICE: &str = "org.freedesktop.Notifications";
    const PATH: &str = "/org/freedesktop/Notifications";

    pub fn post(reminders: &[Reminder], language: ListLanguage) -> Result<Posted, String> {
        let no_service = |e: zbus::Error| format!("no desktop notification service answers on the session bus ({e})");
        let connection = zbus::blocking::Connection::session().map_err(no_service)?;
        // At login the check may start before the desktop's notification
        // service does (a timer catching up a missed day): wait for it, a while.
        wait_for_service(&connection);
        let markup = server_has_body_markup(&connection);
        // Listening before posting, so that no click is missed.
        let rule = zbus::MatchRule::builder()
            .msg_type(zbus::message::Type::Signal)
            .interface(SERVICE)
            .and_then(|rule| rule.path(PATH))
            .map_err(|e| e.to_string())?
            .build();
        let signals =
            zbus::blocking::MessageIterator::for_match_rule(rule, &connection, Some(64)).map_err(no_service)?;
        let mut waiting: HashMap<u32, String> = HashMap::new();
        for reminder in reminders {
            let mut hints: HashMap<&str, Value> = HashMap::new();
            let urgency: u8 = if reminder.stage == Stage::Expired { 2 } else { 1 };
            hints.insert("urgency", Value::U8(urgency));
            hints.insert("desktop-entry", Value::from("certdesk"));
            // 0: it stays until dismissed or clicked (a reminder is not a toast to miss).
            let actions = vec!["default", open_label(language)];
            let title = reminder.title(language);
            let body = if markup { escape_markup(&reminder.body(language)) } else { reminder.body(language) };
            let reply = connection
                .call_method(
                    Some(SERVICE),
                    PATH,
                    Some(SERVICE),
                    "Notify",
                    &("certdesk", 0u32, "certdesk", title.as_str(), body.as_str(), actions, hints, 0i32),
                )
                .map_err(no_service)?;
            let id: u32 =
                reply.body().deserialize().map_err(|e| format!("the notification service answered oddly ({e})"))?;
            waiting.insert(id, reminder.id.clone());
        }
        Ok(Posted { clicks: Some((signals, waiting)) })
    }

    /// How long a check started at login waits for the notification service.
    const WAIT_FOR_SERVICE: std::time::Duration = std::time::Duration::from_secs(120);

    fn wait_for_service(connection: &zbus::blocking::Connection) {
        let Ok(bus) = zbus::blocking::fdo::DBusProxy::new(connection) else { return };
        let Ok(name) = zbus::names::BusName::try_from(SERVICE) else { return };
        let deadline = Instant::now() + WAIT_FOR_SERVICE;
        // Activatable services (most daemons) start on the first call: only wait when none is.
        let activatable = bus.list_activatable_names().is_ok_and(|names| names.iter().any(|n| n.as_str() == SERVICE));
        while !activatable && !bus.name_has_owner(name.clone()).unwrap_or(true) && Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_secs(2));
        }
    }

    /// Whether the server reads bodies as markup (`GetCapabilities`), so that
    /// a name with `&` or `<` must be escaped to show as written.
    fn server_has_body_markup(connection: &zbus::blocking::Connection) -> bool {
        connection
            .call_method(Some(SERVICE), PATH, Some(SERVICE), "GetCapabilities", &())
            .ok()
            .and_then(|reply| reply.body().deserialize::<Vec<String>>().ok())
            .is_some_and(|capabilities| capabilities.iter().any(|c| c == "body-markup"))
    }

    pub fn wait_for_clicks(signals: zbus::blocking::MessageIterator, mut waiting: HashMap<u32, String>) {
        let (send, receive) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for message in signals.flatten() {
                if send.send(message).is_err() {
                    break;
                }
            }
        });
        let deadline = Instant::now() + WAIT_FOR_CLICKS;
        while !waiting.is_empty() {
            let Ok(message) = receive.recv_timeout(deadline.saturating_duration_since(Instant::now())) else { break };
            let header = message.header();
            match header.member().map(|m| m.as_str()) {
                Some("ActionInvoked") => {
                    if let Ok((id, action)) = message.body().deserialize::<(u32, String)>() {
                        if let (Some(certificate), "default") = (waiting.remove(&id), action.as_str()) {
                            open_certificate(&certificate);
                        }
                    }
                }
                Some("NotificationClosed") => {
                    if let Ok((id, _reason)) = message.body().deserialize::<(u32, u32)>() {
                        waiting.remove(&id);
                    }
                }
                _ => {}
            }
        }
    }
}

#[cfg(windows)]
mod platform {
    use super::*;

    /// The script goes in on standard input, not the command line: no
    /// length limit, and it is ASCII (the toasts are base64), whatever the
    /// console's code page.
    pub fn post(reminders: &[Reminder], language: ListLanguage) -> Result<Posted, String> {
        use std::io::Write as _;
        use std::os::windows::process::CommandExt as _;
        const CREATE_NO_WINDOW: u32 = 0x0800_0000;
        let script = super::toast_script(reminders, language);
        let mut powershell = std::process::Command::new("powershell.exe")
            .args(["-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass", "-Command", "-"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .creation_flags(CREATE_NO_WINDOW)
            .spawn()
            .map_err(|e| format!("PowerShell could not be started to show the notification ({e})"))?;
        if let Some(mut input) = powershell.stdin.take() {
            input.write_all(script.as_bytes()).map_err(|e| format!("PowerShell did not take the script ({e})"))?;
        }
        let output = powershell.wait_with_output().map_err(|e| format!("PowerShell did not finish ({e})"))?;
        if !output.status.success() || !output.stderr.is_empty() {
            return Err(format!(
                "Windows did not show the notification ({}); PowerShell may be blocked here (an administrator's policy, or Constrained Language Mode)",
                String::from_utf8_lossy(&output.stderr).trim()
            ));
        }
        Ok(Posted::default())
    }
}

#[cfg(target_os = "macos")]
mod platform {
    use certdesk_core::reminders::notification_center::{self, Permission, WAIT_FOR_PERMISSION};

    use super::*;

    /// Posted through the notification center, as the app's own when this
    /// program runs from inside certdesk.app (Contents/MacOS, where the
    /// package puts it): a click opens the app, which shows the certificate.
    /// Anywhere else (a `cargo build`), or when macOS will not take the
    /// app's notifications at all (an unsigned app), through `osascript`,
    /// whose notifications open nothing when clicked.
    pub fn post(reminders: &[Reminder], language: ListLanguage) -> Result<Posted, String> {
        if !notification_center::in_app_bundle() {
            return post_with_osascript(reminders, language);
        }
        match notification_center::ask_permission(WAIT_FOR_PERMISSION) {
            Ok(Permission::Granted) => notification_center::post(reminders, language).map(|()| Posted::default()),
            Ok(Permission::Denied) => Err("notifications from certdesk are turned off: turn them on in System \
                                           Settings › Notifications › certdesk, or turn reminders off in \
                                           certdesk's Settings"
                .into()),
            Ok(Permission::Unanswered) => {
                Err("macOS's question whether certdesk may show notifications was not answered".into())
            }
            Err(why) => {
                eprintln!("certdesk: {why}; showing the reminders through osascript instead (a click opens nothing)");
                post_with_osascript(reminders, language)
            }
        }
    }

    /// `certdesk reminders on`'s question whether certdesk may show
    /// notifications, answered by its user at the terminal (outside the
    /// app, `osascript` needs no leave).
    pub fn ask_permission() -> Result<Permission, String> {
        if !notification_center::in_app_bundle() {
            return Ok(Permission::Granted);
        }
        eprintln!("certdesk: macOS may ask whether certdesk may show notifications: answer in its notification");
        notification_center::ask_permission(notification_center::WAIT_FOR_PERMISSION_IN_PERSON)
    }

    fn post_with_osascript(reminders: &[Reminder], language: ListLanguage) -> Result<Posted, String> {
        for reminder in reminders {
            // The texts as arguments, never inside the script: nothing to escape.
            let output = std::process::Command::new("osascript")
                .args(["-e", "on run argv", "-e", "display notification (item 2 of argv) with title (item 1 of argv)"])
                .args(["-e", "end run", "--"])
                .arg(reminder.title(language))
                .arg(reminder.body(language))
                .stdin(std::process::Stdio::null())
                .output()
                .map_err(|e| format!("osascript could not be started to show the notification ({e})"))?;
            if !output.status.success() {
                return Err(format!(
                    "macOS did not show the notification: {}",
                    String::from_utf8_lossy(&output.stderr).trim()
                ));
            }
        }
        Ok(Posted::default())
    }
}

/// `text` for a notification body read as markup: `&`, `<` and `>` as entities.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn escape_markup(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// The PowerShell that shows `reminders` as toasts (Windows 10 and later),
/// each launching `certdesk://show/ID` when clicked. Shown through
/// PowerShell's own application id: a console program has none of its
/// own, so the toasts say "Windows PowerShell" as their source.
#[cfg_attr(not(windows), allow(dead_code))]
fn toast_script(reminders: &[Reminder], language: ListLanguage) -> String {
    let xml = |text: &str| {
        text.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
            .replace('\'', "&apos;")
    };
    let mut script = String::from(
        "$ErrorActionPreference = 'Stop'\n\
         [Windows.UI.Notifications.ToastNotificationManager, Windows.UI.Notifications, ContentType = WindowsRuntime] > $null\n\
         [Windows.Data.Xml.Dom.XmlDocument, Windows.Data.Xml.Dom.XmlDocument, ContentType = WindowsRuntime] > $null\n\
         $notifier = [Windows.UI.Notifications.ToastNotificationManager]::CreateToastNotifier(\
         '{1AC14E77-02E7-4E5D-B744-2EB1AE5198B7}\\WindowsPowerShell\\v1.0\\powershell.exe')\n",
    );
    for reminder in reminders {
        let toast = format!(
            "<toast activationType=\"protocol\" launch=\"{link}\" scenario=\"reminder\">\
             <visual><binding template=\"ToastGeneric\"><text>{title}</text><text>{body}</text></binding></visual>\
             <actions><action content=\"{open}\" activationType=\"protocol\" arguments=\"{link}\"/></actions></toast>",
            link = xml(&reminder.show_link()),
            title = xml(&reminder.title(language)),
            body = xml(&reminder.body(language)),
            open = xml(open_label(language)),
        );
        // The toast goes in as base64, decoded by PowerShell: no text of the
        // certificate's is ever read as script (PowerShell also ends a quoted
        // string at typographic quotes, which no escaping here would catch).
        use base64::Engine as _;
        let encoded = base64::engine::general_purpose::STANDARD.encode(toast.as_bytes());
        script.push_str(&format!(
            "$xml = New-Object Windows.Data.Xml.Dom.XmlDocument\n\
             $xml.LoadXml([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('{encoded}')))\n\
             $notifier.Show([Windows.UI.Notifications.ToastNotification]::new($xml))\n"
        ));
    }
    script
}

#[cfg(test)]
mod tests {
    use super::*;
    use certdesk_core::reminders::Stage;

    #[test]
    fn a_body_read_as_markup_shows_ampersands_and_brackets_as_written() {
        assert_eq!(escape_markup("R&D <営業>"), "R&amp;D &lt;営業&gt;");
    }

    #[test]
    fn the_toast_script_carries_the_texts_as_base64_never_as_script() {
        let reminder = Reminder {
            id: "0123abcd".into(),
            name: "O'Brien’s & 山田 <test> ‘); Start-Process calc; (’ $(whoami)".into(),
            issuer_name: "Enterprise Premium CA - G2".into(),
            expires_on: "2027-01-15".into(),
            days_left: 10,
            stage: Stage::FinalDays,
        };
        let script = toast_script(std::slice::from_ref(&reminder), ListLanguage::English);
        assert!(script.is_ascii(), "whatever the console's code page, PowerShell reads it as written");
        // Nothing of the certificate's name reaches the script as text.
        for piece in ["Brien", "山田", "Start-Process", "whoami", "’", "‘"] {
            assert!(!script.contains(piece), "{piece:?} in the script:\n{script}");
        }
        let prefix = "$xml.LoadXml([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('";
        let line = script.lines().find(|l| l.starts_with(prefix)).unwrap();
        let encoded = line.strip_prefix(prefix).unwrap().strip_suffix("')))").unwrap();
        assert!(encoded.bytes().all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b)), "{encoded}");
        use base64::Engine as _;
        let toast = String::from_utf8(base64::engine::general_purpose::STANDARD.decode(encoded).unwrap()).unwrap();
        let document = roxmltree::Document::parse(&toast).expect("the toast is XML");
        let texts: Vec<&str> =
            document.descendants().filter(|n| n.has_tag_name("text")).filter_map(|n| n.text()).collect();
        assert_eq!(texts, [reminder.title(ListLanguage::English), reminder.body(ListLanguage::English)]);
        assert_eq!(document.root_element().attribute("launch"), Some("certdesk://show/0123abcd"));
        assert!(texts[1].contains("O'Brien’s & 山田 <test>"));
    }
}
