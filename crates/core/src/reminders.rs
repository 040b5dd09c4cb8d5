//! Reminders before a certificate expires: at which stage a certificate is
//! reminded of, once per certificate and stage, and what the notification
//! says. `certdesk check --notify` (run once a day by the schedule in
//! [`schedule`]) asks [`due`] what to show, shows it, then [`Reminded::record`]s it.
//!
//! Superseded certificates, and those whose renewal is installed, are never
//! reminded of: the user already has the one that works.

#[cfg(target_os = "macos")]
pub mod notification_center;
pub mod schedule;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use schedule::Scheduler;

use crate::actions::check::{Check, CheckedCertificate};
use crate::health::Status;
use crate::settings::Settings;
use crate::transfer::ListLanguage;

/// Days before expiry of the second reminder: a fortnight is enough to get a
/// renewal through most issuers, and close enough to be acted on.
pub const FINAL_REMINDER_DAYS: i64 = 14;

/// The most notifications one run shows; the rest wait for the next day
/// (nobody reads a dozen at once, and each one opens its own certificate).
pub const MAX_NOTIFICATIONS_PER_RUN: usize = 5;

/// The longest name or issuer a notification shows, in characters: a
/// certificate's names are the issuer's choice, and a notification (or the
/// Windows command line that shows one) has room for a sentence.
pub const MAX_NAME_CHARS: usize = 120;

/// What the reminder record may hold: certdesk writes a line per
/// certificate, so a larger file is not ours and is read as empty (at
/// worst a reminder is shown again).
pub const MAX_REMINDED_BYTES: u64 = 256 * 1024;
pub const MAX_REMINDED_CERTIFICATES: usize = 4096;

/// How close to expiry a certificate is, in the order reminders are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// It entered its renewal window: renewal is usually open now.
    RenewalOpen,
    /// Fewer than [`FINAL_REMINDER_DAYS`] whole days are left: two weeks or less.
    FinalDays,
    /// It expired: logins that need it fail.
    Expired,
}

/// The stage `certificate` is at (its status says whether it is in its
/// renewal window; fewer than [`FINAL_REMINDER_DAYS`] whole days left is the
/// final stage); `None` when it needs no reminder (valid for longer, not valid yet,
/// superseded, or its renewal installed).
pub fn stage_of(certificate: &CheckedCertificate) -> Option<Stage> {
    if certificate.superseded || certificate.renewal_installed {
        return None;
    }
    // The renewal window is the health rule's (`Status::Expiring`), exactly as the list shows it.
    match certificate.status {
        Status::NotYetValid => None,
        Status::Expired => Some(Stage::Expired),
        Status::Valid | Status::Expiring if certificate.days_left < FINAL_REMINDER_DAYS => Some(Stage::FinalDays),
        Status::Expiring => Some(Stage::RenewalOpen),
        Status::Valid => None,
    }
}

/// One notification to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reminder {
    /// The certificate's id: clicking the notification opens certdesk on it.
    pub id: String,
    pub name: String,
    pub issuer_name: String,
    /// Its expiry day, `YYYY-MM-DD` (UTC).
    pub expires_on: String,
    pub days_left: i64,
    pub stage: Stage,
}

/// The start of the link a click on a reminder follows, `certdesk://show/ID`:
/// the URL scheme the Windows installer registers, and what a macOS
/// notification carries to the app (the app reads it back,
/// `src-tauri/src/opened.rs`).
pub const SHOW_LINK_PREFIX: &str = "certdesk://show/";

/// The key of a macOS notification's user info that holds its
/// [`Reminder::show_link`] (posted by `certdesk check --notify`, read by the
/// app when the notification is clicked).
pub const NOTIFICATION_LINK_KEY: &str = "link";

impl Reminder {
    /// The link that opens certdesk on this reminder's certificate.
    pub fn show_link(&self) -> String {
        format!("{SHOW_LINK_PREFIX}{}", self.id)
    }

    pub fn title(&self, language: ListLanguage) -> String {
        let days = self.days_left;
        match (self.stage, language) {
            (Stage::RenewalOpen, ListLanguage::English) => "Time to renew your certificate".into(),
            (Stage::RenewalOpen, ListLanguage::Japanese) => "証明書の更新時期です".into(),
            (Stage::FinalDays, ListLanguage::English) if days == 1 => "Your certificate expires tomorrow".into(),
            (Stage::FinalDays, ListLanguage::English) if days <= 0 => "Your certificate expires today".into(),
            (Stage::FinalDays, ListLanguage::English) => format!("Your certificate expires in {days} days"),
            (Stage::FinalDays, ListLanguage::Japanese) if days <= 0 => "証明書の有効期限は今日までです".into(),
            (Stage::FinalDays, ListLanguage::Japanese) => format!("証明書の有効期限まであと{days}日です"),
            (Stage::Expired, ListLanguage::English) => "Your certificate has expired".into(),
            (Stage::Expired, ListLanguage::Japanese) => "証明書の有効期限が切れました".into(),
        }
    }

    pub fn body(&self, language: ListLanguage) -> String {
        let (name, issuer, date, days) = (&self.name, &self.issuer_name, &self.expires_on, self.days_left);
        match (self.stage, language) {
            (Stage::RenewalOpen, ListLanguage::English) => format!(
                "{name} (issued by {issuer}) expires on {date}, in {days} days. Renewal usually opens now: \
                 ask for the new one, then install it with certdesk."
            ),
            (Stage::RenewalOpen, ListLanguage::Japanese) => format!(
                "{name}（発行者: {issuer}）は {date} に有効期限が切れます（あと{days}日）。\
                 更新の受付が始まる時期です。新しい証明書を申請し、certdesk でインストールしてください。"
            ),
            (Stage::FinalDays, ListLanguage::English) => format!(
                "{name} (issued by {issuer}) expires on {date}. Renew it before then: from the next day, \
                 logins that need it fail."
            ),
            (Stage::FinalDays, ListLanguage::Japanese) => format!(
                "{name}（発行者: {issuer}）は {date} に有効期限が切れます。翌日からはこの証明書を使う\
                 ログインができなくなるため、それまでに更新してください。"
            ),
            (Stage::Expired, ListLanguage::English) => format!(
                "{name} (issued by {issuer}) expired on {date}: logins that need it fail. Renew it, then \
                 install the new one with certdesk."
            ),
            (Stage::Expired, ListLanguage::Japanese) => format!(
                "{name}（発行者: {issuer}）は {date} に有効期限が切れました。この証明書を使うログインは\
                 できません。更新して、新しい証明書を certdesk でインストールしてください。"
            ),
        }
    }
}

/// The notifications due now: each certificate of `check` at a stage it
/// was not yet reminded of (only its latest stage: a certificate found
/// expired is not also told its renewal opened), worst first, at most
/// [`MAX_NOTIFICATIONS_PER_RUN`].
pub fn due(check: &Check, reminded: &Reminded) -> Vec<Reminder> {
    let mut due: Vec<Reminder> = check
        .certificates
        .iter()
        .filter_map(|certificate| {
            let stage = stage_of(certificate)?;
            let already = reminded.shown.get(&certificate.id).copied();
            (already < Some(stage)).then(|| Reminder {
                id: certificate.id.clone(),
                name: shortened(&certificate.name),
                issuer_name: shortened(&certificate.issuer_name),
                expires_on: certificate.not_after.get(..10).unwrap_or(&certificate.not_after).to_owned(),
                days_left: certificate.days_left,
                stage,
            })
        })
        .collect();
    due.sort_by_key(|r| (std::cmp::Reverse(r.stage), r.days_left));
    due.truncate(MAX_NOTIFICATIONS_PER_RUN);
    due
}

/// `text` cut at [`MAX_NAME_CHARS`] characters, with an ellipsis when cut.
fn shortened(text: &str) -> String {
    match text.char_indices().nth(MAX_NAME_CHARS) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

/// Whether the app offers reminders after a listing: once, only when one
/// of the certificates would be reminded of, and only while they are off.
pub fn worth_offering(settings: &Settings, check: &Check) -> bool {
    !settings.reminders && !settings.reminders_offered && check.certificates.iter().any(|c| stage_of(c).is_some())
}

/// Turns the daily check on, with `scheduler` running `cli` (the `certdesk`
/// command), and saves the choice in the settings at `settings_path` (then
/// reminders are never offered again). Answers the settings as saved and
/// the files the scheduler reads.
pub fn turn_on(scheduler: Scheduler, cli: &Path, settings_path: &Path) -> crate::Result<(Settings, Vec<PathBuf>)> {
    // A settings file certdesk cannot read is refused before anything changes,
    // rather than replaced by the defaults (the user's store and modules lost).
    let current = Settings::load_for_update(settings_path)?;
    let on = Settings { reminders: true, reminders_offered: true, ..current.clone() };
    let result = schedule::turn_on(scheduler, cli).and_then(|files| on.save(settings_path).map(|()| files));
    match result {
        Ok(files) => Ok((on, files)),
        Err(e) => {
            // Whatever failed, both say off: no schedule half made, none the settings deny.
            let _ = schedule::turn_off();
            if settings_path.exists() {
                let _ = Settings { reminders: false, ..current }.save(settings_path);
            }
            Err(e)
        }
    }
}

/// Removes the daily check and saves the choice (an offer declined is
/// turning off what was never on). Answers the settings as saved and the
/// files removed. With no settings file and nothing to remove (the
/// uninstaller's `reminders off` for a user who never opened certdesk),
/// nothing is written.
pub fn turn_off(settings_path: &Path) -> crate::Result<(Settings, Vec<PathBuf>)> {
    let current = Settings::load_for_update(settings_path)?;
    let removed = schedule::turn_off()?;
    let off = Settings { reminders: false, reminders_offered: true, ..current };
    if settings_path.exists() || !removed.is_empty() {
        off.save(settings_path)?;
    }
    Ok((off, removed))
}

/// How long a run may hold [`RunClaim`]: longer than a run waits for clicks,
/// so that a claim left by a run that was killed is taken over the next day.
pub const RUN_CLAIM_LIFETIME: std::time::Duration = std::time::Duration::from_secs(20 * 60);

/// One `check --notify` at a time per user: two (a login and the timer
/// catching up) would each read the record before the other wrote it, and
/// show everything twice. Held as `reminded.lock` beside the record;
/// removed when dropped.
pub struct RunClaim {
    path: PathBuf,
}

impl RunClaim {
    /// The claim, or `None` when another run holds one younger than
    /// [`RUN_CLAIM_LIFETIME`] (an older one is a killed run's, and taken over).
    pub fn take(record: &Path) -> Option<RunClaim> {
        let path = record.with_extension("lock");
        if let Some(folder) = path.parent() {
            let _ = std::fs::create_dir_all(folder);
        }
        for _ in 0..2 {
            match std::fs::OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(_) => return Some(RunClaim { path }),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let age = std::fs::metadata(&path).and_then(|m| m.modified()).ok().and_then(|t| t.elapsed().ok());
                    if age.is_some_and(|age| age < RUN_CLAIM_LIFETIME) {
                        return None;
                    }
                    let _ = std::fs::remove_file(&path);
                }
                // A folder certdesk cannot write: the record cannot be saved either; run unclaimed.
                Err(_) => return Some(RunClaim { path: PathBuf::new() }),
            }
        }
        None
    }
}

impl Drop for RunClaim {
    fn drop(&mut self) {
        if !self.path.as_os_str().is_empty() {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Which certificates were reminded of, at which stage: so that each stage
/// is shown once. Kept beside the settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reminded {
    /// Certificate id → the latest stage shown.
    pub shown: BTreeMap<String, Stage>,
}

impl Reminded {
    /// The record's place: beside the app's settings.
    pub fn path() -> Option<PathBuf> {
        crate::settings::app_config_dir().map(|dir| dir.join("reminded.json"))
    }

    /// Reads the record; a missing, damaged or oversized one is empty.
    pub fn load(path: &Path) -> Reminded {
        crate::transfer::read_at_most(path, MAX_REMINDED_BYTES)
            .and_then(|bytes| serde_json::from_slice::<Reminded>(&bytes).ok())
            .filter(|reminded| reminded.shown.len() <= MAX_REMINDED_CERTIFICATES)
            .unwrap_or_default()
    }

    /// Notes `shown` as shown. Certificates `check` does not list are kept (a
    /// card taken out, another store checked once) until the record is full;
    /// then only the listed ones stay, so it never outgrows its limit.
    pub fn record(&mut self, shown: &[Reminder], check: &Check) {
        for reminder in shown {
            self.shown.insert(reminder.id.clone(), reminder.stage);
        }
        if self.shown.len() > MAX_REMINDED_CERTIFICATES {
            self.shown.retain(|id, _| check.certificates.iter().any(|c| &c.id == id));
        }
    }

    pub fn save(&self, path: &Path) -> crate::Result<()> {
        if let Some(folder) = path.parent() {
            std::fs::create_dir_all(folder)
                .map_err(|e| crate::Error::io(format!("creating {}", folder.display()), e))?;
        }
        let json = serde_json::to_vec_pretty(self).expect("the record always serialises");
        crate::transfer::save_private_file(path, &json, true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actions::check::Attention;

    fn certificate(id: &str, status: Status, days_left: i64) -> CheckedCertificate {
        CheckedCertificate {
            id: id.into(),
            name: "山田 花子".into(),
            issuer_name: "Enterprise Premium CA - G2".into(),
            subject: "CN=山田 花子".into(),
            issuer: "CN=Enterprise Premium CA - G2".into(),
            not_after: "2027-01-15T08:00:00Z".into(),
            status,
            days_left,
            superseded: false,
            renewal_installed: false,
            attention: Attention::None,
        }
    }

    fn check_of(certificates: Vec<CheckedCertificate>) -> Check {
        Check { attention: Attention::None, certificates }
    }

    #[test]
    fn each_certificate_is_at_the_stage_its_days_left_say() {
        let table = [
            (Status::Valid, 200, None),
            // 90 whole days and some hours: the list says valid, so no reminder yet.
            (Status::Valid, 90, None),
            (Status::Expiring, 90, Some(Stage::RenewalOpen)),
            (Status::Expiring, 14, Some(Stage::RenewalOpen)),
            (Status::Expiring, 13, Some(Stage::FinalDays)),
            (Status::Expiring, 0, Some(Stage::FinalDays)),
            (Status::Expired, -1, Some(Stage::Expired)),
            (Status::Expired, -400, Some(Stage::Expired)),
            (Status::NotYetValid, 300, None),
            // A window shorter than a fortnight still gets the final reminder.
            (Status::Valid, 10, Some(Stage::FinalDays)),
        ];
        for (status, days, expected) in table {
            assert_eq!(stage_of(&certificate("a", status, days)), expected, "{status:?} {days} days");
        }
        let superseded = CheckedCertificate { superseded: true, ..certificate("a", Status::Expired, -3) };
        assert_eq!(stage_of(&superseded), None, "an older copy of a renewed certificate");
        let renewed = CheckedCertificate { renewal_installed: true, ..certificate("a", Status::Expiring, 5) };
        assert_eq!(stage_of(&renewed), None, "its renewal is installed");
    }

    #[test]
    fn each_stage_is_shown_once_and_only_the_latest() {
        let mut reminded = Reminded::default();
        let day = |days: i64, status| check_of(vec![certificate("a", status, days)]);
        let mut shown_over_time = Vec::new();
        for (days, status) in [
            (100, Status::Valid),
            (90, Status::Expiring),
            (89, Status::Expiring),
            (13, Status::Expiring),
            (12, Status::Expiring),
            (-1, Status::Expired),
            (-2, Status::Expired),
        ] {
            let check = day(days, status);
            let due = due(&check, &reminded);
            reminded.record(&due, &check);
            shown_over_time.extend(due.iter().map(|r| (days, r.stage)));
        }
        assert_eq!(shown_over_time, [(90, Stage::RenewalOpen), (13, Stage::FinalDays), (-1, Stage::Expired)]);

        // First seen already expired (reminders turned on late): one notification, not three.
        let late = day(-5, Status::Expired);
        let due = due(&late, &Reminded::default());
        assert_eq!(due.iter().map(|r| r.stage).collect::<Vec<_>>(), [Stage::Expired]);
    }

    #[test]
    fn the_worst_come_first_at_most_five_and_deleted_certificates_are_forgotten() {
        let mut certificates: Vec<_> =
            (0..8).map(|i| certificate(&format!("c{i}"), Status::Expiring, 30 + i)).collect();
        certificates.push(certificate("gone", Status::Expired, -1));
        let check = check_of(certificates);
        let due = due(&check, &Reminded::default());
        assert_eq!(due.len(), MAX_NOTIFICATIONS_PER_RUN);
        assert_eq!((due[0].id.as_str(), due[0].stage), ("gone", Stage::Expired));
        assert_eq!(due[1].id, "c0", "then the closest to expiry");

        let mut reminded = Reminded::default();
        reminded.record(&due, &check);
        assert_eq!(reminded.shown.len(), 5);
        let without_gone = check_of(check.certificates.iter().filter(|c| c.id != "gone").cloned().collect());
        reminded.record(&[], &without_gone);
        assert!(reminded.shown.contains_key("gone"), "one not listed today (a card taken out) is kept");
        let next_day = super::due(&without_gone, &reminded);
        assert_eq!(next_day.len(), 4, "c4 to c7; c0 to c3 are not shown again: {next_day:?}");

        // A full record keeps only what is listed, so it never outgrows its limit.
        reminded.shown.extend((0..MAX_REMINDED_CERTIFICATES).map(|i| (format!("old{i}"), Stage::Expired)));
        reminded.record(&next_day, &without_gone);
        assert!(reminded.shown.len() <= without_gone.certificates.len(), "{}", reminded.shown.len());
        assert!(!reminded.shown.contains_key("gone"));
    }

    #[test]
    fn a_name_longer_than_a_notification_has_room_for_is_cut() {
        let long = CheckedCertificate { name: "長".repeat(500), ..certificate("a", Status::Expired, -1) };
        let due = due(&check_of(vec![long]), &Reminded::default());
        assert_eq!(due[0].name.chars().count(), MAX_NAME_CHARS + 1, "cut, with an ellipsis");
        assert!(due[0].name.ends_with('…'));
    }

    #[test]
    fn the_texts_name_the_certificate_its_issuer_and_date_in_both_languages() {
        let reminder = |stage, days_left| Reminder {
            id: "a".into(),
            name: "山田 花子".into(),
            issuer_name: "Enterprise Premium CA - G2".into(),
            expires_on: "2027-01-15".into(),
            days_left,
            stage,
        };
        for stage in [Stage::RenewalOpen, Stage::FinalDays, Stage::Expired] {
            for language in [ListLanguage::English, ListLanguage::Japanese] {
                let body = reminder(stage, 10).body(language);
                assert!(body.contains("山田 花子") && body.contains("Enterprise Premium CA - G2"), "{body}");
                assert!(body.contains("2027-01-15"), "{body}");
            }
        }
        assert_eq!(reminder(Stage::FinalDays, 14).title(ListLanguage::English), "Your certificate expires in 14 days");
        assert_eq!(reminder(Stage::FinalDays, 1).title(ListLanguage::English), "Your certificate expires tomorrow");
        assert_eq!(reminder(Stage::FinalDays, 3).title(ListLanguage::Japanese), "証明書の有効期限まであと3日です");
        assert_eq!(reminder(Stage::Expired, -1).title(ListLanguage::Japanese), "証明書の有効期限が切れました");
    }

    #[test]
    fn the_offer_comes_once_and_only_with_something_to_remind_of() {
        let needing = check_of(vec![certificate("a", Status::Expiring, 40)]);
        let fine = check_of(vec![certificate("a", Status::Valid, 400)]);
        let settings = Settings::default();
        assert!(worth_offering(&settings, &needing));
        assert!(!worth_offering(&settings, &fine));
        assert!(!worth_offering(&Settings { reminders_offered: true, ..Settings::default() }, &needing));
        assert!(!worth_offering(&Settings { reminders: true, ..Settings::default() }, &needing));
    }

    #[test]
    fn one_run_at_a_time_and_a_killed_runs_claim_is_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        let record = dir.path().join("app.certdesk.desktop/reminded.json");
        let first = RunClaim::take(&record).expect("the first run claims");
        assert!(RunClaim::take(&record).is_none(), "a second run at the same time does nothing");
        drop(first);
        let again = RunClaim::take(&record).expect("claimed again once the first ended");
        std::mem::forget(again); // a run killed: its claim stays behind
        let lock = record.with_extension("lock");
        let old = std::time::SystemTime::now() - RUN_CLAIM_LIFETIME - std::time::Duration::from_secs(60);
        std::fs::File::options().write(true).open(&lock).unwrap().set_modified(old).unwrap();
        assert!(RunClaim::take(&record).is_some(), "a claim older than a run can be is taken over");
    }

    #[test]
    fn a_damaged_or_oversized_record_reads_as_empty_and_a_saved_one_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("証明書/reminded.json");
        assert_eq!(Reminded::load(&path), Reminded::default());
        let mut reminded = Reminded::default();
        reminded.shown.insert("a".into(), Stage::FinalDays);
        reminded.save(&path).unwrap();
        assert_eq!(Reminded::load(&path), reminded);
        std::fs::write(&path, br#"{"shown": {"a": "nonsense"}}"#).unwrap();
        assert_eq!(Reminded::load(&path), Reminded::default());
        let many: BTreeMap<String, Stage> =
            (0..=MAX_REMINDED_CERTIFICATES).map(|i| (format!("{i:x}"), Stage::Expired)).collect();
        std::fs::write(&path, serde_json::to_vec(&Reminded { shown: many }).unwrap()).unwrap();
        assert_eq!(Reminded::load(&path), Reminded::default(), "more entries than the limit");
        std::fs::write(&path, vec![b' '; MAX_REMINDED_BYTES as usize + 1]).unwrap();
        assert_eq!(Reminded::load(&path), Reminded::default(), "more bytes than the limit");
    }
}
