//! The daily reminder check, run by the operating system's own scheduler
//! (never a resident process of certdesk's): a systemd user timer on Linux
//! (an XDG autostart entry where systemd does not run the session), a
//! per-user Task Scheduler task on Windows, a LaunchAgent on macOS. Each
//! runs `certdesk check --notify` ([`CHECK_ARGUMENTS`]) once a day and
//! catches up after the computer was off.
//!
//! What each scheduler is given is generated here as text (tested field by
//! field on every platform); [`turn_on`] and [`turn_off`] write or remove it
//! and tell the scheduler.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::{Error, Result};

/// The systemd units' and the autostart entry's name.
pub const UNIT: &str = "certdesk-reminders";
/// The Task Scheduler task, in the root folder: a standard user may create
/// tasks there, not always a folder of certdesk's own.
pub const TASK_NAME: &str = r"\certdesk reminders";
/// The LaunchAgent's label, and its file's name.
pub const LAUNCH_AGENT_LABEL: &str = "app.certdesk.reminders";
/// The hour of the day the check runs at (local time): people are at work.
pub const RUN_AT_HOUR: u8 = 9;
/// What the scheduler runs the `certdesk` command with.
pub const CHECK_ARGUMENTS: [&str; 2] = ["check", "--notify"];

/// The scheduler that runs the daily check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scheduler {
    /// `~/.config/systemd/user/certdesk-reminders.{service,timer}`, enabled.
    SystemdTimer,
    /// `~/.config/autostart/certdesk-reminders.desktop`: at each login, for
    /// desktops systemd does not run (the check shows each stage once, so
    /// more than one login a day does no harm).
    XdgAutostart,
    /// `\certdesk\Reminders`, daily at 09:00 and as soon as possible after a missed start.
    ScheduledTask,
    /// `~/Library/LaunchAgents/app.certdesk.reminders.plist`, daily at 09:00.
    LaunchAgent,
}

impl Scheduler {
    /// This computer's: on Linux the systemd timer when systemd runs the
    /// system (its `/run/systemd/system`), else the autostart entry.
    pub fn for_this_computer() -> Scheduler {
        if cfg!(windows) {
            Scheduler::ScheduledTask
        } else if cfg!(target_os = "macos") {
            Scheduler::LaunchAgent
        } else if Path::new("/run/systemd/system").is_dir() {
            Scheduler::SystemdTimer
        } else {
            Scheduler::XdgAutostart
        }
    }

    /// What the user is told holds the schedule.
    pub fn describe(self) -> &'static str {
        match self {
            Scheduler::SystemdTimer => "a systemd user timer",
            Scheduler::XdgAutostart => "an autostart entry, run at each login",
            Scheduler::ScheduledTask => "a task in Task Scheduler",
            Scheduler::LaunchAgent => "a LaunchAgent",
        }
    }

    fn tool(self) -> &'static str {
        match self {
            Scheduler::SystemdTimer => "systemctl",
            Scheduler::XdgAutostart => "the desktop's autostart folder",
            Scheduler::ScheduledTask => "Task Scheduler (schtasks)",
            Scheduler::LaunchAgent => "launchctl",
        }
    }
}

/// The systemd service the timer starts.
pub fn systemd_service(cli: &Path) -> String {
    format!(
        "# Written by certdesk (Settings › Remind me before my certificates expire); turning\n\
         # reminders off removes it.\n\
         [Unit]\n\
         Description=certdesk: remind me before my certificates expire\n\
         \n\
         [Service]\n\
         Type=oneshot\n\
         ExecStart={}\n\
         # A click starts the app from this service: it must outlive the check.\n\
         KillMode=process\n\
         # It waits a while for a click on its notifications.\n\
         TimeoutStartSec=15min\n",
        systemd_command_line(cli)
    )
}

/// The timer: daily at [`RUN_AT_HOUR`], and at the next login after a missed day.
pub fn systemd_timer() -> String {
    format!(
        "# Written by certdesk; turning reminders off removes it.\n\
         [Unit]\n\
         Description=certdesk: check my certificates once a day\n\
         \n\
         [Timer]\n\
         OnCalendar=*-*-* {RUN_AT_HOUR:02}:00:00\n\
         Persistent=true\n\
         AccuracySec=5min\n\
         \n\
         [Install]\n\
         WantedBy=timers.target\n"
    )
}

/// The XDG autostart entry, where systemd does not run the session.
pub fn autostart_entry(cli: &Path) -> String {
    format!(
        "[Desktop Entry]\n\
         Type=Application\n\
         Name=certdesk reminders\n\
         Name[ja]=certdesk のリマインダー\n\
         Comment=Reminds you before your certificates expire\n\
         Comment[ja]=証明書の有効期限が切れる前にお知らせします\n\
         Exec={}\n\
         NoDisplay=true\n\
         Terminal=false\n\
         X-GNOME-Autostart-enabled=true\n",
        desktop_command_line(cli)
    )
}

/// The Task Scheduler task (schema 1.2): the current user's, only while
/// logged on, daily at [`RUN_AT_HOUR`] and as soon as possible after a
/// missed start. `certdesk.exe` is a console program: run through
/// `conhost.exe --headless` (Windows 10 1809 and later) it opens no window.
pub fn task_xml(cli: &Path) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-16"?>
<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">
  <RegistrationInfo>
    <Description>certdesk: remind me before my certificates expire. Turning reminders off in certdesk, or uninstalling it, removes this task.</Description>
    <URI>{uri}</URI>
  </RegistrationInfo>
  <Triggers>
    <CalendarTrigger>
      <StartBoundary>2026-01-01T{RUN_AT_HOUR:02}:00:00</StartBoundary>
      <Enabled>true</Enabled>
      <ScheduleByDay>
        <DaysInterval>1</DaysInterval>
      </ScheduleByDay>
    </CalendarTrigger>
  </Triggers>
  <Principals>
    <Principal id="Author">
      <LogonType>InteractiveToken</LogonType>
      <RunLevel>LeastPrivilege</RunLevel>
    </Principal>
  </Principals>
  <Settings>
    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>
    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>
    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>
    <StartWhenAvailable>true</StartWhenAvailable>
    <ExecutionTimeLimit>PT15M</ExecutionTimeLimit>
    <Enabled>true</Enabled>
  </Settings>
  <Actions Context="Author">
    <Exec>
      <Command>conhost.exe</Command>
      <Arguments>--headless "{command}" {arguments}</Arguments>
    </Exec>
  </Actions>
</Task>
"#,
        uri = xml_text(TASK_NAME),
        command = xml_text(&cli.to_string_lossy()),
        arguments = CHECK_ARGUMENTS.join(" "),
    )
}

/// The LaunchAgent: daily at [`RUN_AT_HOUR`] (launchd runs a start missed
/// while the Mac slept when it wakes).
pub fn launch_agent_plist(cli: &Path) -> String {
    let arguments: String = std::iter::once(cli.to_string_lossy().into_owned())
        .chain(CHECK_ARGUMENTS.iter().map(|a| (*a).to_owned()))
        .map(|argument| format!("    <string>{}</string>\n", xml_text(&argument)))
        .collect();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
  <key>Label</key>
  <string>{LAUNCH_AGENT_LABEL}</string>
  <key>ProgramArguments</key>
  <array>
{arguments}  </array>
  <key>StartCalendarInterval</key>
  <dict>
    <key>Hour</key>
    <integer>{RUN_AT_HOUR}</integer>
    <key>Minute</key>
    <integer>0</integer>
  </dict>
  <key>ProcessType</key>
  <string>Background</string>
</dict>
</plist>
"#
    )
}

/// `cli check --notify` as systemd reads an `ExecStart=`: the program
/// quoted, with `\`, `"`, `%` and `$` escaped (systemd.syntax, systemd.unit's specifiers).
fn systemd_command_line(cli: &Path) -> String {
    let mut quoted = String::from("\"");
    for c in cli.to_string_lossy().chars() {
        match c {
            '\\' | '"' => quoted.extend(['\\', c]),
            '%' => quoted.push_str("%%"),
            '$' => quoted.push_str("$$"),
            _ => quoted.push(c),
        }
    }
    quoted.push('"');
    std::iter::once(quoted).chain(CHECK_ARGUMENTS.iter().map(|a| (*a).to_owned())).collect::<Vec<_>>().join(" ")
}

/// `cli check --notify` as a desktop entry's `Exec=`: the program quoted
/// with `"`, `` ` ``, `$` and `\` escaped by a backslash, then the string's
/// own escape applied over that (each backslash doubled: `$` is written
/// `\\$`, `\` four backslashes), and `%` doubled (the Desktop Entry
/// Specification, "The Exec key").
fn desktop_command_line(cli: &Path) -> String {
    let mut quoted = String::from("\"");
    for c in cli.to_string_lossy().chars() {
        match c {
            // The quoting's backslash, itself escaped by the string rule.
            '"' | '`' | '$' => quoted.extend(['\\', '\\', c]),
            '\\' => quoted.push_str(r"\\\\"),
            '%' => quoted.push_str("%%"),
            _ => quoted.push(c),
        }
    }
    quoted.push('"');
    std::iter::once(quoted).chain(CHECK_ARGUMENTS.iter().map(|a| (*a).to_owned())).collect::<Vec<_>>().join(" ")
}

fn xml_text(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&apos;")
}

/// The files a scheduler reads, under the Linux configuration folder
/// `config_home` or the macOS home folder; none for Task Scheduler (it keeps its own).
pub fn files_of(scheduler: Scheduler, folder: &Path) -> Vec<PathBuf> {
    let units = folder.join("systemd/user");
    match scheduler {
        Scheduler::SystemdTimer => vec![
            units.join(format!("{UNIT}.service")),
            units.join(format!("{UNIT}.timer")),
            units.join(format!("timers.target.wants/{UNIT}.timer")),
        ],
        Scheduler::XdgAutostart => vec![folder.join(format!("autostart/{UNIT}.desktop"))],
        Scheduler::ScheduledTask => Vec::new(),
        Scheduler::LaunchAgent => vec![folder.join(format!("Library/LaunchAgents/{LAUNCH_AGENT_LABEL}.plist"))],
    }
}

/// The folder [`files_of`] takes for `scheduler`, from the environment.
fn folder_of(scheduler: Scheduler) -> Result<PathBuf> {
    match scheduler {
        Scheduler::LaunchAgent => std::env::var_os("HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .ok_or_else(|| Error::InvalidInput("HOME is not set: certdesk cannot tell where LaunchAgents go".into())),
        // Task Scheduler keeps the task itself: no folder of ours.
        Scheduler::ScheduledTask => Ok(PathBuf::new()),
        Scheduler::SystemdTimer | Scheduler::XdgAutostart => crate::settings::config_home().ok_or_else(|| {
            Error::InvalidInput(
                "neither XDG_CONFIG_HOME nor HOME is set: certdesk cannot tell where your settings go".into(),
            )
        }),
    }
}

/// Creates the daily check, running `cli` (the `certdesk` command, an
/// absolute path), with `scheduler`; replaces one certdesk made before.
/// Answers the files written. On failure nothing of it is left.
pub fn turn_on(scheduler: Scheduler, cli: &Path) -> Result<Vec<PathBuf>> {
    if !cli.is_absolute() || !cli.is_file() {
        return Err(Error::InvalidInput(format!(
            "the certdesk command is not at {}; reinstall certdesk so that the reminders can run it",
            cli.display()
        )));
    }
    // Every scheduler's file is text, a line per setting: a path that is not
    // text, or holds a line break, would write another path or another line.
    if cli.to_str().is_none_or(|path| path.chars().any(char::is_control)) {
        return Err(Error::InvalidInput(format!(
            "certdesk is installed in a folder whose name a scheduler cannot hold ({}); install it in another folder",
            cli.display()
        )));
    }
    // One schedule at a time: a timer and an autostart entry would both notify.
    turn_off()?;
    let folder = folder_of(scheduler)?;
    let written = write_files(scheduler, cli, &folder)?;
    if let Err(e) = tell_the_scheduler(scheduler, cli, On) {
        remove_files(&written);
        return Err(e);
    }
    Ok(written)
}

/// Removes the daily check, whichever of this platform's schedulers holds
/// it; answers the files removed. Nothing to remove is not an error.
pub fn turn_off() -> Result<Vec<PathBuf>> {
    let mut removed = Vec::new();
    for scheduler in this_platforms_schedulers() {
        let files: Vec<PathBuf> = match folder_of(scheduler) {
            Ok(folder) => files_of(scheduler, &folder).into_iter().filter(|f| f.symlink_metadata().is_ok()).collect(),
            Err(_) => continue,
        };
        if files.is_empty() && scheduler != Scheduler::ScheduledTask {
            continue;
        }
        tell_the_scheduler(scheduler, Path::new(""), Off)?;
        remove_files(&files);
        if scheduler == Scheduler::SystemdTimer && user_manager_runs() {
            let _ = systemctl(&["daemon-reload"]);
        }
        removed.extend(files);
    }
    Ok(removed)
}

/// The scheduler that holds certdesk's daily check now, if one does.
pub fn current() -> Option<Scheduler> {
    this_platforms_schedulers().into_iter().find(|&scheduler| match scheduler {
        Scheduler::ScheduledTask => task_exists(),
        _ => folder_of(scheduler).is_ok_and(|folder| files_of(scheduler, &folder).iter().all(|f| f.exists())),
    })
}

fn this_platforms_schedulers() -> Vec<Scheduler> {
    if cfg!(windows) {
        vec![Scheduler::ScheduledTask]
    } else if cfg!(target_os = "macos") {
        vec![Scheduler::LaunchAgent]
    } else {
        vec![Scheduler::SystemdTimer, Scheduler::XdgAutostart]
    }
}

/// Writes what `scheduler` reads under `folder`; all of it or nothing.
pub fn write_files(scheduler: Scheduler, cli: &Path, folder: &Path) -> Result<Vec<PathBuf>> {
    let files = files_of(scheduler, folder);
    let contents: Vec<String> = match scheduler {
        Scheduler::SystemdTimer => vec![systemd_service(cli), systemd_timer()],
        Scheduler::XdgAutostart => vec![autostart_entry(cli)],
        Scheduler::LaunchAgent => vec![launch_agent_plist(cli)],
        Scheduler::ScheduledTask => Vec::new(),
    };
    let mut written = Vec::new();
    let result = (|| {
        for (file, text) in files.iter().zip(&contents) {
            write_one(file, text.as_bytes())?;
            written.push(file.clone());
        }
        if scheduler == Scheduler::SystemdTimer {
            // What `systemctl --user enable` makes: the timer wanted by timers.target,
            // so the user manager starts it at every login.
            link_timer(&files[2])?;
            written.push(files[2].clone());
        }
        Ok(())
    })();
    match result {
        Ok(()) => Ok(written),
        Err(e) => {
            remove_files(&written);
            Err(e)
        }
    }
}

fn write_one(file: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(parent) = file.parent() {
        std::fs::create_dir_all(parent).map_err(|e| Error::io(format!("creating {}", parent.display()), e))?;
    }
    crate::transfer::save_private_file(file, bytes, true)
}

#[cfg(unix)]
fn link_timer(link: &Path) -> Result<()> {
    let parent = link.parent().expect("the link is in timers.target.wants");
    std::fs::create_dir_all(parent).map_err(|e| Error::io(format!("creating {}", parent.display()), e))?;
    let _ = std::fs::remove_file(link);
    std::os::unix::fs::symlink(format!("../{UNIT}.timer"), link)
        .map_err(|e| Error::io(format!("enabling {}", link.display()), e))
}

#[cfg(not(unix))]
fn link_timer(link: &Path) -> Result<()> {
    Err(Error::not_on_this_platform(&format!("a systemd timer ({})", link.display())))
}

fn remove_files(files: &[PathBuf]) {
    for file in files {
        let _ = std::fs::remove_file(file);
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Switch {
    On,
    Off,
}
use Switch::{Off, On};

/// Tells the scheduler about the files just written (or about to be removed).
fn tell_the_scheduler(scheduler: Scheduler, cli: &Path, switch: Switch) -> Result<()> {
    let action = if switch == On { "set up" } else { "remove" };
    let failed = |why: String| Error::Scheduler { scheduler: scheduler.tool(), action, why };
    match (scheduler, switch) {
        // Without a user manager now (a session systemd does not run), the
        // enabled timer starts at the next login that has one.
        (Scheduler::SystemdTimer, _) if !user_manager_runs() => Ok(()),
        (Scheduler::SystemdTimer, On) => {
            systemctl(&["daemon-reload"]).map_err(failed)?;
            systemctl(&["start", &format!("{UNIT}.timer")]).map_err(failed)
        }
        (Scheduler::SystemdTimer, Off) => {
            let _ = systemctl(&["stop", &format!("{UNIT}.timer")]);
            Ok(())
        }
        (Scheduler::XdgAutostart, _) => Ok(()),
        (Scheduler::ScheduledTask, On) => create_task(cli).map_err(failed),
        (Scheduler::ScheduledTask, Off) => delete_task().map_err(failed),
        (Scheduler::LaunchAgent, On) => launch_agent(On).map_err(failed),
        (Scheduler::LaunchAgent, Off) => launch_agent(Off).map_err(failed),
    }
}

/// Runs `program args`, answering what it said on failure.
fn run(program: &str, args: &[&std::ffi::OsStr]) -> std::result::Result<(), String> {
    run_for_output(program, args).map(drop)
}

/// Runs `program args`: its standard output, or what it said on failure.
fn run_for_output(program: &str, args: &[&std::ffi::OsStr]) -> std::result::Result<String, String> {
    let mut command = std::process::Command::new(program);
    command.args(args).stdin(std::process::Stdio::null());
    #[cfg(windows)]
    {
        use std::os::windows::process::CommandExt as _;
        const CREATE_NO_WINDOW: u32 = 0x0800_0000;
        command.creation_flags(CREATE_NO_WINDOW);
    }
    let output = command.output().map_err(|e| format!("{program} could not be run ({e})"))?;
    if output.status.success() {
        return Ok(String::from_utf8_lossy(&output.stdout).into_owned());
    }
    let said = String::from_utf8_lossy(if output.stderr.is_empty() { &output.stdout } else { &output.stderr });
    Err(format!("{program} {} ({})", said.trim(), output.status))
}

fn systemctl(args: &[&str]) -> std::result::Result<(), String> {
    let mut all: Vec<&std::ffi::OsStr> = vec!["--user".as_ref()];
    all.extend(args.iter().map(std::ffi::OsStr::new));
    run("systemctl", &all)
}

/// A systemd user manager runs this session (its private socket is there).
fn user_manager_runs() -> bool {
    std::env::var_os("XDG_RUNTIME_DIR").is_some_and(|dir| Path::new(&dir).join("systemd/private").exists())
}

/// `schtasks /Create /XML`: the task from [`task_xml`], written as UTF-16
/// with its byte-order mark (what the XML declares) to a temporary file.
fn create_task(cli: &Path) -> std::result::Result<(), String> {
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(task_xml(cli).encode_utf16().flat_map(u16::to_le_bytes));
    let mut file = tempfile::Builder::new()
        .prefix("certdesk-task-")
        .suffix(".xml")
        .tempfile()
        .map_err(|e| format!("a temporary file could not be made ({e})"))?;
    std::io::Write::write_all(&mut file, &utf16).map_err(|e| format!("the task could not be written ({e})"))?;
    // Closed before schtasks reads it (Wine's cannot read a file still open
    // for writing); the path is removed when `xml` is dropped.
    let xml = file.into_temp_path();
    let xml = xml.as_os_str();
    run("schtasks", &["/Create".as_ref(), "/TN".as_ref(), TASK_NAME.as_ref(), "/XML".as_ref(), xml, "/F".as_ref()])
}

fn delete_task() -> std::result::Result<(), String> {
    match run("schtasks", &["/Delete".as_ref(), "/TN".as_ref(), TASK_NAME.as_ref(), "/F".as_ref()]) {
        Err(_) if !task_exists() => Ok(()),
        other => other,
    }
}

fn task_exists() -> bool {
    if !cfg!(windows) {
        return false;
    }
    // Windows lists the task by name; Wine's schtasks has no /Query (it
    // prints nothing and succeeds): its task folder tells.
    run_for_output("schtasks", &["/Query".as_ref(), "/TN".as_ref(), TASK_NAME.as_ref()])
        .is_ok_and(|listed| listed.contains("Reminders"))
        || {
            let root = std::env::var_os("SystemRoot").map_or_else(|| PathBuf::from(r"C:\windows"), PathBuf::from);
            root.join(r"System32\Tasks\certdesk reminders").exists()
        }
}

/// `launchctl bootstrap gui/UID PLIST` (or `bootout`), so the agent runs
/// without a new login.
fn launch_agent(switch: Switch) -> std::result::Result<(), String> {
    #[cfg(unix)]
    let domain = format!("gui/{}", unsafe { libc::getuid() }); // SAFETY: getuid cannot fail.
    #[cfg(not(unix))]
    let domain = String::from("gui");
    let plist = folder_of(Scheduler::LaunchAgent)
        .map(|home| files_of(Scheduler::LaunchAgent, &home).remove(0))
        .map_err(|e| e.to_string())?;
    let service = format!("{domain}/{LAUNCH_AGENT_LABEL}");
    // Replacing a loaded agent: out first (an error here means it was not loaded).
    let _ = run("launchctl", &["bootout".as_ref(), service.as_ref()]);
    match switch {
        On => run("launchctl", &["bootstrap".as_ref(), domain.as_ref(), plist.as_os_str()]),
        Off => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value_of<'a>(text: &'a str, key: &str) -> Vec<&'a str> {
        text.lines().filter_map(|line| line.strip_prefix(key)?.strip_prefix('=')).collect()
    }

    #[test]
    fn the_systemd_units_run_the_check_daily_and_catch_up() {
        let cli = Path::new("/opt/証明書 ツール/100%/certdesk");
        let service = systemd_service(cli);
        assert_eq!(value_of(&service, "ExecStart"), [r#""/opt/証明書 ツール/100%%/certdesk" check --notify"#]);
        assert_eq!(value_of(&service, "Type"), ["oneshot"]);
        assert_eq!(value_of(&service, "KillMode"), ["process"], "an app a click started outlives the check");
        let timer = systemd_timer();
        assert_eq!(value_of(&timer, "OnCalendar"), ["*-*-* 09:00:00"]);
        assert_eq!(value_of(&timer, "Persistent"), ["true"]);
        assert_eq!(value_of(&timer, "WantedBy"), ["timers.target"]);
        let odd = systemd_service(Path::new(r#"/x/a"b\c$d"#));
        assert_eq!(value_of(&odd, "ExecStart"), [r#""/x/a\"b\\c$$d" check --notify"#]);
    }

    #[test]
    fn the_autostart_entry_quotes_its_command_as_the_specification_says() {
        let entry = autostart_entry(Path::new("/home/山田/bin/cert desk"));
        assert_eq!(value_of(&entry, "Exec"), [r#""/home/山田/bin/cert desk" check --notify"#]);
        assert_eq!(value_of(&entry, "Type"), ["Application"]);
        assert_eq!(value_of(&entry, "NoDisplay"), ["true"]);
        assert!(entry.starts_with("[Desktop Entry]\n"));
        let odd = autostart_entry(Path::new(r"/x/$a\b%c`d"));
        assert_eq!(value_of(&odd, "Exec"), [r#""/x/\\$a\\\\b%%c\\`d" check --notify"#]);
    }

    #[test]
    fn a_failed_write_leaves_nothing_and_files_go_where_the_schedulers_look() {
        let home = tempfile::tempdir().unwrap();
        let cli = Path::new("/usr/bin/certdesk");
        let written = write_files(Scheduler::SystemdTimer, cli, home.path()).unwrap();
        let units = home.path().join("systemd/user");
        assert_eq!(written, files_of(Scheduler::SystemdTimer, home.path()));
        assert_eq!(
            std::fs::read_link(units.join("timers.target.wants/certdesk-reminders.timer")).unwrap(),
            Path::new("../certdesk-reminders.timer")
        );
        assert_eq!(std::fs::read_to_string(units.join("certdesk-reminders.timer")).unwrap(), systemd_timer());
        let autostart = write_files(Scheduler::XdgAutostart, cli, home.path()).unwrap();
        assert_eq!(autostart, [home.path().join("autostart/certdesk-reminders.desktop")]);

        // A file where the timer's link folder should be: the two units are
        // written first, and taken back, so nothing is left half-made.
        let blocked = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(blocked.path().join("systemd/user")).unwrap();
        std::fs::write(blocked.path().join("systemd/user/timers.target.wants"), b"not a folder").unwrap();
        assert!(write_files(Scheduler::SystemdTimer, cli, blocked.path()).is_err());
        let [service, timer, _link] = &files_of(Scheduler::SystemdTimer, blocked.path())[..] else { unreachable!() };
        assert!(!service.exists() && !timer.exists(), "the units written before the failure are removed");
    }

    #[test]
    fn a_command_that_is_not_there_is_refused_before_anything_is_written() {
        let refused = turn_on(Scheduler::XdgAutostart, Path::new("/nonexistent/certdesk")).unwrap_err();
        assert!(refused.to_string().contains("reinstall certdesk"), "{refused}");
        assert!(turn_on(Scheduler::XdgAutostart, Path::new("relative/certdesk")).is_err());
        let dir = tempfile::tempdir().unwrap();
        let odd = dir.path().join("line\nbreak");
        std::fs::write(&odd, b"").unwrap();
        let refused = turn_on(Scheduler::XdgAutostart, &odd).unwrap_err();
        assert!(refused.to_string().contains("install it in another folder"), "{refused}");
    }
}

#[cfg(test)]
mod read_back {
    //! The Windows task and the macOS LaunchAgent, which cannot be
    //! registered here, parsed back by real parsers and checked field by field.
    use super::*;

    #[test]
    fn the_task_is_valid_xml_that_runs_the_check_daily_for_the_logged_on_user() {
        let cli = Path::new(r"C:\Users\山田 & Co\AppData\Local\Programs\certdesk\certdesk.exe");
        let xml = task_xml(cli);
        let document = roxmltree::Document::parse(&xml).expect("well-formed XML");
        let task = document.root_element();
        assert_eq!(task.tag_name().namespace(), Some("http://schemas.microsoft.com/windows/2004/02/mit/task"));
        assert_eq!(task.attribute("version"), Some("1.2"));
        let text = |path: &[&str]| {
            let mut node = task;
            for name in path {
                node = node.children().find(|n| n.has_tag_name(*name)).unwrap_or_else(|| panic!("no {path:?}"));
            }
            node.text().unwrap_or_default().to_owned()
        };
        assert_eq!(text(&["RegistrationInfo", "URI"]), TASK_NAME);
        assert_eq!(text(&["Triggers", "CalendarTrigger", "StartBoundary"]), "2026-01-01T09:00:00");
        assert_eq!(text(&["Triggers", "CalendarTrigger", "ScheduleByDay", "DaysInterval"]), "1");
        assert_eq!(text(&["Principals", "Principal", "LogonType"]), "InteractiveToken");
        assert_eq!(text(&["Principals", "Principal", "RunLevel"]), "LeastPrivilege");
        assert_eq!(text(&["Settings", "StartWhenAvailable"]), "true");
        assert_eq!(text(&["Settings", "DisallowStartIfOnBatteries"]), "false");
        assert_eq!(text(&["Actions", "Exec", "Command"]), "conhost.exe", "no console window");
        assert_eq!(text(&["Actions", "Exec", "Arguments"]), format!("--headless \"{}\" check --notify", cli.display()));
        let principal = task.descendants().find(|n| n.has_tag_name("Principal")).unwrap();
        let actions = task.children().find(|n| n.has_tag_name("Actions")).unwrap();
        assert_eq!(principal.attribute("id"), actions.attribute("Context"), "the actions run as the principal");
    }

    #[test]
    fn the_launch_agent_runs_the_check_daily_at_nine() {
        let cli = Path::new("/Applications/certdesk.app/Contents/MacOS/certdesk <&>");
        let plist: plist::Dictionary = plist::from_bytes(launch_agent_plist(cli).as_bytes()).expect("a valid plist");
        assert_eq!(plist.get("Label").and_then(|v| v.as_string()), Some(LAUNCH_AGENT_LABEL));
        let arguments: Vec<&str> =
            plist["ProgramArguments"].as_array().unwrap().iter().map(|v| v.as_string().unwrap()).collect();
        assert_eq!(arguments, [cli.to_str().unwrap(), "check", "--notify"]);
        let interval = plist["StartCalendarInterval"].as_dictionary().unwrap();
        assert_eq!(interval["Hour"].as_unsigned_integer(), Some(9));
        assert_eq!(interval["Minute"].as_unsigned_integer(), Some(0));
        assert_eq!(plist.len(), 4, "Label, ProgramArguments, StartCalendarInterval, ProcessType: {plist:?}");
    }
}
