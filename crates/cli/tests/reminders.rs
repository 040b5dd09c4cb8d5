//! `certdesk reminders` and `certdesk check --notify` on Linux, with real
//! components: the systemd user timer's units, checked by systemd's own
//! `systemd-analyze verify` (the window's end-to-end tests run the timer
//! under a real user manager and show the notification in a real
//! notification daemon),
//! the autostart entry's command run as the desktop would, and a real
//! session bus (`dbus-daemon`) with no notification service on it.

#![cfg(target_os = "linux")]

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;
use support::*;

/// A user's folders: configuration (settings, units, autostart) and runtime.
struct Desktop {
    dir: tempfile::TempDir,
    /// An NSS database holding one client certificate 30 days from expiry.
    db: PathBuf,
}

impl Desktop {
    fn new() -> Desktop {
        let dir = tempfile::tempdir().unwrap();
        let now = time::OffsetDateTime::now_utc();
        let ca = Ca::new(dir.path(), "Enterprise Premium CA - G2");
        issue(&ca, dir.path(), &Leaf::new("hanako", "/CN=山田 花子/O=株式会社テスト", -300, 30), now);
        let p12 = pkcs12(dir.path(), "hanako", "山田の証明書", Some(&ca));
        let db = dir.path().join("nssdb");
        new_nss_db(&db);
        run(certdesk(&db)
            .args(["import"])
            .arg(&p12)
            .arg("--password-file")
            .arg(dir.path().join("hanako-p12-password")));
        std::fs::create_dir_all(dir.path().join("config")).unwrap();
        let runtime = dir.path().join("runtime");
        std::fs::create_dir_all(&runtime).unwrap();
        std::fs::set_permissions(&runtime, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
        Desktop { dir, db }
    }

    fn config(&self) -> PathBuf {
        self.dir.path().join("config")
    }

    /// `certdesk ARGS` as this user's desktop runs it: the store comes from
    /// `CERTDESK_STORE` (as a test's; a user's from the app's settings).
    fn certdesk(&self, args: &[&str]) -> Command {
        let mut command = certdesk(&self.db);
        command.args(args);
        self.as_the_user(&mut command);
        command
    }

    fn as_the_user(&self, command: &mut Command) {
        command
            .env("XDG_CONFIG_HOME", self.config())
            .env("XDG_RUNTIME_DIR", self.dir.path().join("runtime"))
            .env("HOME", self.dir.path())
            .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/certdesk-test-bus")
            .env("LC_ALL", "C.UTF-8");
    }

    fn settings(&self) -> Value {
        let text = std::fs::read(self.config().join("app.certdesk.desktop/settings.json")).unwrap();
        serde_json::from_slice(&text).unwrap()
    }
}

fn failed(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

#[test]
fn the_systemd_timer_is_made_verified_by_systemd_and_removed() {
    let desktop = Desktop::new();
    let on = json_of(&run(&mut desktop.certdesk(&["--json", "reminders", "on", "--scheduler", "systemd-timer"])));
    assert_eq!(on["scheduler"], "systemd_timer");
    let units = desktop.config().join("systemd/user");
    let (service, timer) = (units.join("certdesk-reminders.service"), units.join("certdesk-reminders.timer"));
    assert!(service.is_file() && timer.is_file(), "{on:#}");
    let enabled = units.join("timers.target.wants/certdesk-reminders.timer");
    assert_eq!(std::fs::read_link(&enabled).unwrap(), Path::new("../certdesk-reminders.timer"));
    assert_eq!(desktop.settings()["reminders"], true);

    // systemd's own reading of the units (a user manager would load the same).
    let mut verify = Command::new("systemd-analyze");
    verify.args(["verify", "--user"]).arg(&timer).arg(&service);
    desktop.as_the_user(&mut verify);
    let verified = verify.output().expect("systemd-analyze is installed (the systemd package)");
    assert!(verified.status.success(), "systemd-analyze verify: {}", failed(&verified));

    // The service runs this very program: its ExecStart, as systemd splits it.
    let unit = std::fs::read_to_string(&service).unwrap();
    let exec = unit.lines().find_map(|l| l.strip_prefix("ExecStart=")).unwrap();
    let program =
        exec.strip_prefix('"').and_then(|rest| rest.split_once('"')).map(|(p, args)| (p, args.trim())).unwrap();
    assert_eq!(program, (env!("CARGO_BIN_EXE_certdesk"), "check --notify"));

    let status = json_of(&run(&mut desktop.certdesk(&["--json", "reminders", "status"])));
    assert_eq!((status["reminders"].as_bool(), status["scheduler"].as_str()), (Some(true), Some("systemd_timer")));

    let off = json_of(&run(&mut desktop.certdesk(&["--json", "reminders", "off"])));
    assert_eq!(off["removed"].as_array().unwrap().len(), 3, "{off:#}");
    assert!(!service.exists() && !timer.exists() && enabled.symlink_metadata().is_err());
    assert_eq!(desktop.settings()["reminders"], false);
    assert_eq!(desktop.settings()["reminders_offered"], true, "never offered again");
    let status = json_of(&run(&mut desktop.certdesk(&["--json", "reminders", "status"])));
    assert_eq!(status["scheduler"], Value::Null);
    // Off again: nothing to remove is not an error.
    run(&mut desktop.certdesk(&["reminders", "off"]));
}

#[test]
fn the_autostart_entry_runs_the_check_which_fails_plainly_without_a_notification_service() {
    let desktop = Desktop::new();
    run(&mut desktop.certdesk(&["reminders", "on", "--scheduler", "xdg-autostart"]));
    let entry = std::fs::read_to_string(desktop.config().join("autostart/certdesk-reminders.desktop")).unwrap();
    let exec = entry.lines().find_map(|l| l.strip_prefix("Exec=")).unwrap();
    let (program, args) = exec.strip_prefix('"').and_then(|rest| rest.split_once('"')).unwrap();
    assert_eq!(program, env!("CARGO_BIN_EXE_certdesk"));
    let args: Vec<&str> = args.split_whitespace().collect();
    assert_eq!(args, ["check", "--notify"]);

    // Run as the desktop would at login: first with no session bus at all,
    // then on a real one where no notification service answers.
    let bus = SessionBus::start();
    let record = desktop.config().join("app.certdesk.desktop/reminded.json");
    for address in ["unix:path=/nonexistent/certdesk-test-bus", bus.address.as_str()] {
        let mut login = Command::new(program);
        login.args(&args).env("CERTDESK_STORE", format!("nss:{}", desktop.db.display())).stdin(Stdio::null());
        desktop.as_the_user(&mut login);
        let out = login.env("DBUS_SESSION_BUS_ADDRESS", address).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{}", failed(&out));
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(said.contains("the next run tries again") && said.contains("notification service"), "{said}");
        assert!(String::from_utf8_lossy(&out.stdout).contains("Reminding of 山田 花子"), "{}", failed(&out));
        assert!(!record.exists(), "not recorded as shown: the next run shows it");
    }

    // With nothing due (a window of 0 days and 30 left: nothing yet), the check needs no bus.
    let settings = desktop.config().join("app.certdesk.desktop/settings.json");
    let mut chosen = desktop.settings();
    chosen["renewal_days"] = 0.into();
    std::fs::write(&settings, serde_json::to_vec(&chosen).unwrap()).unwrap();
    let quiet = run(&mut desktop.certdesk(&["--json", "check", "--notify"]));
    assert_eq!(json_of(&quiet)["notified"], Value::Array(vec![]));
    assert!(record.exists(), "the record, empty: {}", std::fs::read_to_string(&record).unwrap());

    run(&mut desktop.certdesk(&["reminders", "off"]));
    assert!(!desktop.config().join("autostart/certdesk-reminders.desktop").exists());
}

#[test]
fn a_failed_switch_leaves_reminders_off_in_the_settings_and_on_disk_and_a_damaged_file_alone() {
    let desktop = Desktop::new();
    let settings = desktop.config().join("app.certdesk.desktop/settings.json");
    // Never turned on: a failure writes no settings.
    std::fs::create_dir_all(desktop.config().join("systemd/user")).unwrap();
    std::fs::write(desktop.config().join("systemd/user/timers.target.wants"), b"not a folder").unwrap();
    let out = desktop.certdesk(&["--json", "reminders", "on", "--scheduler", "systemd-timer"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", failed(&out));
    assert_eq!(json_of(&out)["error"]["kind"], "io");
    assert!(!settings.exists(), "nothing was on, nothing is saved");
    assert!(!desktop.config().join("systemd/user/certdesk-reminders.service").exists(), "the units are taken back");

    // On with the autostart entry, then a switch to the timer fails: both say off, no entry is left.
    run(&mut desktop.certdesk(&["reminders", "on", "--scheduler", "xdg-autostart"]));
    assert_eq!(desktop.settings()["reminders"], true);
    let out = desktop.certdesk(&["--json", "reminders", "on", "--scheduler", "systemd-timer"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", failed(&out));
    assert_eq!(desktop.settings()["reminders"], false, "the settings do not claim a schedule that is gone");
    assert!(!desktop.config().join("autostart/certdesk-reminders.desktop").exists(), "one schedule at a time");
    let status = json_of(&run(&mut desktop.certdesk(&["--json", "reminders", "status"])));
    assert_eq!((status["reminders"].as_bool(), status["scheduler"].as_str()), (Some(false), None));

    // A settings file certdesk cannot read is not replaced by the defaults.
    std::fs::write(&settings, b"{ the user's, damaged").unwrap();
    let out = desktop.certdesk(&["--json", "reminders", "on", "--scheduler", "xdg-autostart"]).output().unwrap();
    assert_eq!(json_of(&out)["error"]["kind"], "invalid_input", "{}", failed(&out));
    assert_eq!(std::fs::read(&settings).unwrap(), b"{ the user's, damaged");
    assert!(!desktop.config().join("autostart/certdesk-reminders.desktop").exists());
}
