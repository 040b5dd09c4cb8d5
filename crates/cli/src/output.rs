//! Everything the command prints: tables for people, JSON for scripts.
//! Nothing else in the CLI writes to stdout or stderr.

use std::io::{BufRead as _, IsTerminal as _, Write as _};

use owo_colors::OwoColorize as _;
use serde_json::{json, Value};
use time::OffsetDateTime;
use unicode_width::UnicodeWidthStr as _;

use certdesk_core::actions::{Check, CleanupItem, Details};
use certdesk_core::health::CleanupReason;
use certdesk_core::inspect::FileFormat;
use certdesk_core::store::ImportOutcome;
use certdesk_core::trust::Trust;
use certdesk_core::{Assessment, DeletionStep, Error, Identity, ListEntry, Status};
use std::collections::HashMap;

fn date(t: OffsetDateTime) -> String {
    t.date().to_string()
}

/// "1 certificate", "3 certificates": English has two forms.
fn counted(n: usize, one: &str, other: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { other })
}

fn short_id(id: &str) -> &str {
    &id[..id.len().min(12)]
}

/// "in 23 days", "expired 3 months ago": what a person reads at a glance.
fn relative(t: OffsetDateTime, now: OffsetDateTime) -> String {
    let days = (t - now).whole_days();
    let span = |d: i64| match d {
        0 => "today".to_owned(),
        1 => "1 day".to_owned(),
        2..=60 => format!("{d} days"),
        61..=730 => format!("{} months", d / 30),
        _ => format!("{} years", d / 365),
    };
    match days {
        0 => "today".to_owned(),
        d if d > 0 => format!("in {}", span(d)),
        d => format!("{} ago", span(-d)),
    }
}

/// One identity as the JSON object `list` prints (and `show` extends).
pub fn identity_json(identity: &Identity, health: &Assessment) -> Value {
    serde_json::to_value(ListEntry::new(identity, health)).unwrap_or_default()
}

fn status_cell(status: Status) -> String {
    let text = status.as_str().replace('_', " ");
    let padded = format!("{text:<13}");
    match status {
        Status::Expired => padded.red().to_string(),
        Status::Expiring => padded.yellow().to_string(),
        Status::NotYetValid => padded.blue().to_string(),
        Status::Valid => padded.green().to_string(),
    }
}

fn key_cell(identity: &Identity) -> &'static str {
    match identity.key.exportable() {
        _ if !identity.key.has_private_key() => "-",
        _ if identity.key == certdesk_core::model::KeyStatus::OnToken => "on card",
        Some(true) => "exportable",
        Some(false) => "locked",
        None => "on device",
    }
}

/// Pads to a display width, counting CJK characters as two columns.
fn pad(text: &str, width: usize) -> String {
    let w = text.width();
    if w >= width {
        let mut cut = String::new();
        for c in text.chars() {
            if (cut.clone() + &c.to_string()).width() > width.saturating_sub(1) {
                break;
            }
            cut.push(c);
        }
        let cut_width = cut.width();
        format!("{cut}…{}", " ".repeat(width.saturating_sub(cut_width + 1)))
    } else {
        format!("{text}{}", " ".repeat(width - w))
    }
}

pub fn list(
    entries: &[(&Identity, &Assessment)],
    all: &[Identity],
    trust: &HashMap<String, Trust>,
    store_location: Option<&str>,
    now: OffsetDateTime,
    json: bool,
) {
    if json {
        let items: Vec<Value> = entries
            .iter()
            .map(|(i, a)| {
                let mut item = identity_json(i, a);
                if let Some(obj) = item.as_object_mut() {
                    if let Some(t) = trust.get(i.id.as_str()) {
                        obj.insert("trust".into(), json!(t));
                    }
                    // Which file the store is, when its name does not say (macOS's login keychain).
                    if let Some(location) = store_location {
                        obj.insert("store_location".into(), json!(location));
                    }
                }
                item
            })
            .collect();
        // Straight to stdout: JSON has no colours for anstream to strip, and
        // its byte-by-byte scan of 10,000 entries showed in the profile.
        let _ = writeln!(std::io::stdout().lock(), "{}", serde_json::to_string_pretty(&items).unwrap_or_default());
        return;
    }
    let mut out = anstream::stdout();
    let by_id: HashMap<&str, &Identity> = all.iter().map(|i| (i.id.as_str(), i)).collect();
    if entries.is_empty() {
        let _ = writeln!(out, "No certificates match.");
        return;
    }
    let _ = writeln!(
        out,
        "{}",
        format!(
            "{:<12}  {:<13}  {:<10}  {:<16}  {:<10}  {}  {}",
            "ID",
            "STATUS",
            "EXPIRES",
            "",
            "KEY",
            pad("NAME", 28),
            pad("ISSUER", 28)
        )
        .bold()
    );
    for (identity, health) in entries {
        let cert = &identity.certificate;
        let note = match (&health.superseded_by, &health.duplicate_group) {
            (Some(by), _) => {
                let successor = by_id.get(by.as_str());
                let when = successor.map(|s| date(s.certificate.not_after)).unwrap_or_default();
                format!("superseded by {} (expires {when})", short_id(by))
            }
            (None, Some(_)) => "current of its renewals".to_owned(),
            (None, None) => String::new(),
        };
        let note = match trust.get(identity.id.as_str()) {
            Some(Trust::Trusted) | None => note,
            Some(t) => [note, t.describe()].iter().filter(|s| !s.is_empty()).cloned().collect::<Vec<_>>().join("; "),
        };
        let line = format!(
            "{:<12}  {}  {:<10}  {:<16}  {:<10}  {}  {}  {}",
            short_id(&identity.id),
            status_cell(health.status),
            date(cert.not_after),
            relative(cert.not_after, now),
            key_cell(identity),
            pad(cert.display_name(), 28),
            pad(cert.issuer_display_name(), 28),
            note
        );
        let _ = if health.superseded() { writeln!(out, "{}", line.dimmed()) } else { writeln!(out, "{line}") };
    }
}

pub fn show(identity: &Identity, health: &Assessment, details: &Details, trust: Option<&Trust>, json: bool) {
    let mut out = anstream::stdout();
    let cert = &identity.certificate;
    if json {
        let mut value = identity_json(identity, health);
        let extra = json!({
            "public_key": cert.public_key,
            "key_usage": cert.key_usage,
            "extended_key_usage": cert.extended_key_usage,
            "subject_alt_names": cert.subject_alt_names,
            "self_signed": cert.self_signed,
            "trust": trust,
            "chain": details.chain,
            "chain_complete": details.chain_complete,
            "missing_issuer": details.missing_issuer,
        });
        if let (Some(obj), Some(extra)) = (value.as_object_mut(), extra.as_object()) {
            obj.extend(extra.clone());
        }
        let _ = writeln!(out, "{}", serde_json::to_string_pretty(&value).unwrap_or_default());
        return;
    }
    let or_none = |v: &[String]| if v.is_empty() { "(none)".to_owned() } else { v.join(", ") };
    let rows: Vec<(&str, String)> = vec![
        ("Name", cert.display_name().to_owned()),
        ("Subject", cert.subject.rfc4514.clone()),
        ("Issuer", cert.issuer.rfc4514.clone()),
        ("Status", health.status.as_str().replace('_', " ")),
        ("Superseded by", health.superseded_by.clone().unwrap_or_else(|| "(no)".into())),
        ("Valid from", certdesk_core::model::rfc3339(cert.not_before)),
        ("Valid until", certdesk_core::model::rfc3339(cert.not_after)),
        ("Serial", cert.serial.clone()),
        ("SHA-1", cert.sha1.clone()),
        ("SHA-256 (id)", cert.sha256.clone()),
        ("Public key", cert.public_key.to_string()),
        ("Private key", key_cell(identity).replace('-', "none")),
        ("Friendly name", identity.friendly_name.clone().unwrap_or_else(|| "(none)".into())),
        ("Key usage", or_none(&cert.key_usage)),
        ("Extended key usage", or_none(&cert.extended_key_usage)),
        ("Client authentication", if cert.client_auth { "yes" } else { "no" }.into()),
        ("Alternative names", or_none(&cert.subject_alt_names)),
        ("CA", if cert.is_ca { "yes" } else { "no" }.into()),
        ("Self-signed", if cert.self_signed { "yes" } else { "no" }.into()),
        ("Store", identity.store.clone()),
        ("Trust", trust.map(Trust::describe).unwrap_or_default()),
    ];
    let card = identity.card.as_ref().map(|card| match &card.reader {
        Some(reader) => ("On card", format!("{} (reader: {reader})", card.label)),
        None => ("On card", card.label.clone()),
    });
    let rows = rows.into_iter().chain(card);
    let chain = details.chain.iter().map(|link| ("Issued by", link.subject.clone()));
    let missing =
        details.missing_issuer.iter().map(|issuer| ("Not installed", format!("{issuer} (the chain stops here)")));
    let rows = rows.into_iter().chain(chain).chain(missing);
    let problems = cert.defects.iter().map(|d| ("Problem", d.describe().to_owned()));
    let rows = rows.into_iter().chain(problems);
    for (label, value) in rows {
        let _ = writeln!(out, "{:<22} {value}", format!("{label}:").bold());
    }
}

fn describe(identity: &Identity) -> String {
    let cert = &identity.certificate;
    format!(
        "{} (issued by {}, expires {}, id {})",
        cert.display_name(),
        cert.issuer_display_name(),
        date(cert.not_after),
        short_id(&identity.id)
    )
}

fn key_fate(step: &DeletionStep) -> String {
    match (&step.key_kept_for, step.remove_key) {
        (Some(other), _) => format!("its private key stays: certificate {} uses it too", short_id(other)),
        (None, true) => "and its private key".to_owned(),
        (None, false) if step.identity.key.has_private_key() => {
            "its private key goes with the next certificate listed".to_owned()
        }
        (None, false) => "(it has no private key here)".to_owned(),
    }
}

/// Lists what will be deleted, then asks; only "y" or "yes" agrees.
/// Questions go to stderr so that stdout stays clean for scripts.
fn ask_before_deleting(heading: &str, items: &[String]) -> bool {
    let mut err = anstream::stderr();
    let _ = writeln!(err, "{heading}");
    for item in items {
        let _ = writeln!(err, "  - {item}");
    }
    let _ = write!(err, "Delete? This cannot be undone. [y/N] ");
    let _ = err.flush();
    let mut answer = String::new();
    if std::io::stdin().lock().read_line(&mut answer).is_err() {
        return false;
    }
    matches!(answer.trim().to_lowercase().as_str(), "y" | "yes")
}

pub fn confirm_deletion(steps: &[DeletionStep]) -> bool {
    let items: Vec<String> = steps.iter().map(|s| format!("{} {}", describe(&s.identity), key_fate(s))).collect();
    ask_before_deleting(&format!("About to delete {}:", counted(steps.len(), "certificate", "certificates")), &items)
}

pub fn stdin_is_terminal() -> bool {
    std::io::stdin().is_terminal()
}

pub fn deleting(step: &DeletionStep, json: bool) {
    if !json {
        let _ = writeln!(anstream::stdout(), "Deleted {} {}", describe(&step.identity), key_fate(step));
    }
}

pub fn deleted(steps: &[DeletionStep], json: bool) {
    if json {
        let items: Vec<Value> = steps
            .iter()
            .map(|s| json!({"id": s.identity.id, "key_removed": s.remove_key, "key_kept_for": s.key_kept_for}))
            .collect();
        let _ = writeln!(anstream::stdout(), "{}", json!({"deleted": items}));
    }
}

fn reason_text(reason: &CleanupReason) -> String {
    match reason {
        CleanupReason::Expired { not_after } => format!("expired on {}", date(*not_after)),
        CleanupReason::Superseded { by, by_not_after } => {
            format!("superseded by {} (expires {})", short_id(by), date(*by_not_after))
        }
    }
}

/// The fleet check: every personal certificate's verdict (JSON: with the
/// host and the store, for a fleet tool to collect), or the ones that need
/// attention and what to do.
pub fn check(check: &Check, store: &str, json: bool) {
    use certdesk_core::actions::Attention;
    let mut out = anstream::stdout();
    if json {
        let report = json!({
            "host": certdesk_core::actions::check::host_name(),
            "store": store,
            "attention": check.attention,
            "exit_code": check.attention.exit_code(),
            "certificates": check.certificates,
        });
        let _ = writeln!(out, "{}", serde_json::to_string_pretty(&report).unwrap_or_default());
        return;
    }
    let needing: Vec<_> = check.certificates.iter().filter(|c| c.attention != Attention::None).collect();
    if needing.is_empty() {
        let _ = writeln!(
            out,
            "Nothing to do: {} checked, none expired or due for renewal without its renewal installed.",
            counted(check.certificates.len(), "certificate", "certificates")
        );
        return;
    }
    for c in needing {
        let what = match c.attention {
            Attention::Expired => format!("expired {} days ago; renew it", -c.days_left),
            _ => format!("expires in {} days; renew it now (renewal usually opens 3 months before)", c.days_left),
        };
        let _ = writeln!(out, "{} (issued by {}, id {}): {what}", c.name, c.issuer_name, short_id(&c.id));
    }
}

pub fn cleanup(candidates: &[CleanupItem<'_>], apply: bool, json: bool) {
    let mut out = anstream::stdout();
    if json {
        let items: Vec<Value> = candidates
            .iter()
            .map(|c| {
                let i = c.identity;
                json!({
                    "id": i.id,
                    "subject": i.certificate.subject.rfc4514,
                    "issuer": i.certificate.issuer.rfc4514,
                    "not_after": certdesk_core::model::rfc3339(i.certificate.not_after),
                    "reasons": c.reasons,
                })
            })
            .collect();
        let _ = writeln!(out, "{}", json!({"candidates": items, "applied": apply}));
        return;
    }
    if candidates.is_empty() {
        let _ = writeln!(out, "Nothing to clean up: no expired or superseded certificates.");
        return;
    }
    let _ = writeln!(out, "{} can be cleaned up:", counted(candidates.len(), "certificate", "certificates"));
    for candidate in candidates {
        let reasons: Vec<String> = candidate.reasons.iter().map(reason_text).collect();
        let _ = writeln!(out, "  - {}: {}", describe(candidate.identity), reasons.join("; "));
    }
    if !apply {
        let _ = writeln!(out, "Nothing was deleted. Run `certdesk cleanup --apply` to delete them.");
    }
}

pub fn imported(outcome: &ImportOutcome, json: bool) {
    let mut out = anstream::stdout();
    if json {
        let _ = writeln!(out, "{}", serde_json::to_string(outcome).unwrap_or_default());
        return;
    }
    for id in &outcome.added {
        let _ = writeln!(out, "Imported {}", short_id(id));
    }
    for id in &outcome.already_present {
        let _ = writeln!(out, "Already installed: {}", short_id(id));
    }
    if outcome.added.is_empty() && outcome.already_present.is_empty() {
        let _ = writeln!(out, "The file held nothing new for this store.");
    }
}

pub const PROMPT_EXISTING: &str = "Password for the file: ";
pub const PROMPT_NEW: &str = "Password for the new file: ";
pub const PROMPT_AGAIN: &str = "The same password again: ";

pub fn written(path: &std::path::Path, profile: certdesk_core::pkcs12::Profile, json: bool) {
    let mut out = anstream::stdout();
    if json {
        let _ = writeln!(out, "{}", json!({"written": path, "profile": profile.name(), "verified": true}));
    } else {
        let _ = writeln!(out, "Wrote {} ({} profile); read back and verified.", path.display(), profile.name());
    }
}

pub fn calendar_written(path: &std::path::Path, certificates: usize, json: bool) {
    let mut out = anstream::stdout();
    if json {
        let _ = writeln!(out, "{}", json!({"written": path, "certificates": certificates, "events": certificates * 2}));
    } else {
        let _ = writeln!(
            out,
            "Wrote {} with the renewal and expiry days of {}; open it in your calendar app.",
            path.display(),
            counted(certificates, "certificate", "certificates")
        );
    }
}

pub fn reminders_on(scheduler: certdesk_core::reminders::Scheduler, files: &[std::path::PathBuf], json: bool) {
    let mut out = anstream::stdout();
    if json {
        let _ = writeln!(out, "{}", json!({"reminders": true, "scheduler": scheduler, "files": files}));
        return;
    }
    let _ = writeln!(out, "Reminders are on: {} runs `certdesk check --notify` once a day.", scheduler.describe());
    for file in files {
        let _ = writeln!(out, "  {}", file.display());
    }
}

pub fn reminders_off(removed: &[std::path::PathBuf], json: bool) {
    let mut out = anstream::stdout();
    if json {
        let _ = writeln!(out, "{}", json!({"reminders": false, "removed": removed}));
        return;
    }
    let _ = writeln!(out, "Reminders are off; the daily check is removed.");
    for file in removed {
        let _ = writeln!(out, "  removed {}", file.display());
    }
}

pub fn reminders_status(on: bool, scheduler: Option<certdesk_core::reminders::Scheduler>, json: bool) {
    let mut out = anstream::stdout();
    if json {
        let _ = writeln!(out, "{}", json!({"reminders": on, "scheduler": scheduler}));
        return;
    }
    let _ = match (on, scheduler) {
        (_, Some(scheduler)) => writeln!(out, "Reminders are on: {} runs the daily check.", scheduler.describe()),
        (true, None) => {
            writeln!(out, "Reminders are on in the settings, but no daily check exists: run `certdesk reminders on`.")
        }
        (false, None) => writeln!(out, "Reminders are off."),
    };
}

pub fn reminders_due(due: &[certdesk_core::reminders::Reminder], json: bool) {
    let mut out = anstream::stdout();
    if json {
        let _ = writeln!(out, "{}", json!({"notified": due}));
        return;
    }
    if due.is_empty() {
        let _ = writeln!(out, "No certificate needs a reminder today.");
    }
    for reminder in due {
        let _ =
            writeln!(out, "Reminding of {} ({:?}, expires {}).", reminder.name, reminder.stage, reminder.expires_on);
    }
}

pub fn inspection(report: &certdesk_core::inspect::Inspection, json: bool) {
    let mut out = anstream::stdout();
    if json {
        let _ = writeln!(out, "{}", serde_json::to_string_pretty(report).unwrap_or_default());
        return;
    }
    let format = match report.format {
        FileFormat::Pkcs12 => "PKCS#12",
        FileFormat::Pem => "PEM certificates",
        FileFormat::Der => "DER certificate",
    };
    let _ = writeln!(out, "{} {} ({format})", "File:".bold(), report.file);
    if let Some(e) = &report.encryption {
        let or_clear = |v: &Option<String>| v.clone().unwrap_or_else(|| "not encrypted".into());
        let _ = writeln!(out, "{} {}", "Certificates:".bold(), or_clear(&e.certificates));
        let _ = writeln!(out, "{} {}", "Key:".bold(), or_clear(&e.key));
        let _ = writeln!(out, "{} {}", "Integrity (MAC):".bold(), e.mac.clone().unwrap_or_else(|| "none".into()));
        if let Some(n) = e.iterations {
            let _ = writeln!(out, "{} {n}", "Iterations:".bold());
        }
    }
    if let Some(form) = &report.password_form {
        let _ = writeln!(out, "{} {form}", "Password form:".bold());
    }
    let _ = writeln!(
        out,
        "{}",
        format!("{}, leaf first:", counted(report.certificates.len(), "certificate", "certificates")).bold()
    );
    for c in &report.certificates {
        let role = if c.is_leaf { "leaf" } else { "    " };
        let _ = writeln!(out, "  {role} {}", c.subject);
        let _ = writeln!(out, "       issued by {}", c.issuer);
        let day = |t: &str| t.get(..10).unwrap_or(t).to_owned();
        let _ = writeln!(out, "       valid {} to {}", day(&c.not_before), day(&c.not_after));
        let _ = writeln!(out, "       SHA-256 {}", c.sha256);
        if let Some(name) = &c.friendly_name {
            let _ = writeln!(out, "       friendly name \"{name}\"");
        }
    }
    match &report.key {
        Some(k) => {
            let bits = k.bits.map(|b| format!(" {b}")).unwrap_or_default();
            let matched =
                if k.matches_sha256.is_some() { "belongs to the leaf" } else { "matches no certificate in the file" };
            let more = if report.keys > 1 { format!(" (and {} more keys)", report.keys - 1) } else { String::new() };
            let _ = writeln!(out, "{} {}{bits}, {matched}{more}", "Private key:".bold(), k.algorithm);
        }
        None if report.format == FileFormat::Pkcs12 => {
            let _ = writeln!(out, "{} none", "Private key:".bold());
        }
        None => {}
    }
    if let Some(verdicts) = &report.compatibility {
        let _ = writeln!(out, "{}", "Will it import?".bold());
        for (importer, v) in verdicts {
            let line = if v.ok {
                "will import".green().to_string()
            } else {
                format!("{} {}", "will not:".red(), v.why.as_deref().unwrap_or(""))
            };
            let _ = writeln!(out, "  {:<24} {line}", importer.label());
        }
    }
}

pub fn error(e: &Error, json: bool) {
    if json {
        let _ = writeln!(anstream::stdout(), "{}", json!({"error": {"kind": e.kind(), "message": e.to_string()}}));
    } else {
        let _ = writeln!(anstream::stderr(), "{} {e}", "error:".red().bold());
    }
}

/// clap's own errors (unknown option, missing argument) when --json was asked for.
pub fn usage_error(message: &str) {
    let _ = writeln!(anstream::stdout(), "{}", json!({"error": {"kind": "invalid_input", "message": message.trim()}}));
}

fn staleness_text(stale: &certdesk_core::prefs::Staleness) -> String {
    use certdesk_core::prefs::Staleness;
    match stale {
        Staleness::CertificateMissing => "stale: its certificate is gone".into(),
        Staleness::KeyMissing => "stale: its certificate has no private key any more".into(),
        Staleness::Expired => "stale: its certificate has expired".into(),
        Staleness::Superseded { by } => format!("stale: superseded by {}", short_id(by)),
    }
}

fn target_text(target: &certdesk_core::prefs::Target) -> String {
    use certdesk_core::prefs::{Location, Target};
    let place = |location: &Location| match location {
        Location::Login => String::new(),
        Location::Keychain(path) => format!(" (in {path})"),
        Location::Token(token) => format!(" (on the token {token})"),
        Location::Elsewhere => " (in the data-protection keychain)".into(),
    };
    match target {
        Target::Missing => "(gone)".into(),
        Target::Unreadable { location } => format!("(a certificate certdesk cannot read){}", place(location)),
        Target::Certificate { id, name, location, .. } => format!("{name} {}{}", short_id(id), place(location)),
    }
}

fn never_applies_text(why: certdesk_core::prefs::NeverApplies) -> &'static str {
    use certdesk_core::prefs::NeverApplies;
    match why {
        NeverApplies::UrlWithoutApp => {
            "never used: since macOS 12 apps look for their own (app-id) entry; this one was made by an older macOS or a tool"
        }
        NeverApplies::UrlWithQuery => "never used: apps drop the ?query of a page before they look",
    }
}

pub fn preferences(prefs: &[certdesk_core::prefs::Preference], json: bool) {
    let mut out = anstream::stdout();
    if json {
        let _ = writeln!(out, "{}", serde_json::to_string_pretty(prefs).unwrap_or_default());
        return;
    }
    if prefs.is_empty() {
        let _ = writeln!(out, "No identity preferences.");
        return;
    }
    for p in prefs {
        let app = p.name.app.as_deref().map(|a| format!(" [{a}]")).unwrap_or_default();
        let state = p.stale.as_ref().map(staleness_text).unwrap_or_else(|| "current".into());
        let line = format!("{}  {}{app} -> {}  {state}", &p.id, p.name.site, target_text(&p.target));
        let _ = if p.stale.is_some() { writeln!(out, "{}", line.yellow()) } else { writeln!(out, "{line}") };
        if let Some(why) = p.name.never_applies {
            let _ = writeln!(out, "    {}", never_applies_text(why));
        }
        if !p.record.keychain.ends_with("/login.keychain-db") {
            let _ = writeln!(out, "    kept in {}", p.record.keychain);
        }
    }
}

pub fn confirm_preference_deletion(prefs: &[certdesk_core::prefs::Preference]) -> bool {
    let items: Vec<String> =
        prefs.iter().map(|p| format!("{} -> {}", p.record.service, target_text(&p.target))).collect();
    ask_before_deleting(
        &format!("About to delete {}:", counted(prefs.len(), "identity preference", "identity preferences")),
        &items,
    )
}

/// One preference's item in `--json`: which item it is, and what became of it
/// (a deletion's or a repair's outcome, flattened beside).
fn preference_outcome(preference: &certdesk_core::prefs::Preference, outcome: &impl serde::Serialize) -> Value {
    let mut item =
        json!({"id": preference.id, "service": preference.record.service, "keychain": preference.record.keychain});
    if let (Some(obj), Value::Object(outcome)) = (item.as_object_mut(), json!(outcome)) {
        obj.extend(outcome);
    }
    item
}

/// Every outcome, each on its line: what was deleted, what was gone already, what failed and why.
pub fn preferences_deleted(done: &[certdesk_core::actions::preferences::PreferenceDeletion], json: bool) {
    use certdesk_core::actions::preferences::DeletionOutcome;
    let mut out = anstream::stdout();
    if json {
        let items: Vec<Value> = done.iter().map(|d| preference_outcome(&d.preference, &d.outcome)).collect();
        let _ = writeln!(out, "{}", json!({"deleted": items}));
        return;
    }
    for d in done {
        let service = &d.preference.record.service;
        let _ = match &d.outcome {
            DeletionOutcome::Deleted => writeln!(out, "Deleted the preference for {service}"),
            DeletionOutcome::AlreadyGone => writeln!(out, "The preference for {service} was already gone"),
            DeletionOutcome::Failed { message, .. } => {
                writeln!(out, "{}", format!("Not deleted: the preference for {service}: {message}").red())
            }
        };
    }
}

pub fn preferences_repaired(done: &[certdesk_core::actions::preferences::PreferenceRepair], json: bool) {
    use certdesk_core::actions::preferences::RepairOutcome;
    let mut out = anstream::stdout();
    if json {
        let items: Vec<Value> = done.iter().map(|d| preference_outcome(&d.preference, &d.outcome)).collect();
        let _ = writeln!(out, "{}", json!({"repaired": items}));
        return;
    }
    for d in done {
        let service = &d.preference.record.service;
        let _ = match &d.outcome {
            RepairOutcome::Repointed { to_name, .. } => {
                writeln!(out, "The preference for {service} now names {to_name}")
            }
            RepairOutcome::NotRepairable { message, .. } => {
                writeln!(out, "Left the preference for {service}: {message}")
            }
            RepairOutcome::Failed { message, .. } => {
                writeln!(out, "{}", format!("Not repaired: the preference for {service}: {message}").red())
            }
        };
    }
}

pub fn always_used(used: &certdesk_core::actions::preferences::AlwaysUsed, json: bool) {
    let mut out = anstream::stdout();
    if json {
        let _ = writeln!(out, "{}", json!(used));
        return;
    }
    let _ = writeln!(out, "Safari will present this certificate to {} without asking.", used.service);
}

pub fn probe(report: &certdesk_core::probe::ProbeReport, json: bool) {
    let mut out = anstream::stdout();
    if json {
        let _ = writeln!(out, "{}", serde_json::to_string_pretty(report).unwrap_or_default());
        return;
    }
    let server = &report.server;
    let verdict = if server.trusted { "trusted".to_owned() } else { format!("not trusted ({})", server.detail) };
    let _ = writeln!(out, "Server {}:{}: {verdict}", server.host, server.port);
    if let Some(cas) = &report.requested_cas {
        for ca in cas {
            let _ = writeln!(out, "  accepts certificates issued by {ca}");
        }
    }
    let _ = writeln!(out, "{}", report.advice());
    for c in &report.candidates {
        let mark = if c.matches { "✓" } else { " " };
        let superseded = if c.superseded { ", superseded" } else { "" };
        let _ = writeln!(
            out,
            "  {mark} {}  {}  issued by {}  ({}{superseded}, expires {})",
            short_id(&c.id),
            c.name,
            c.issuer_name,
            c.status.as_str(),
            &c.not_after[..10.min(c.not_after.len())]
        );
    }
    if let Some(h) = &report.handshake {
        let _ = writeln!(out, "Handshake as {}: {} ({})", short_id(&h.identity), h.result, h.detail);
    }
}

/// A warning on standard error, so `--json` output stays clean.
pub fn warn(text: &str) {
    let _ = writeln!(anstream::stderr(), "{} {text}", "warning:".yellow());
}

/// `certdesk tokens`: each module, its slots and tokens, and what a PIN needs.
pub fn tokens(report: &[certdesk_core::actions::tokens::ModuleReport], json: bool) {
    if json {
        let _ = writeln!(std::io::stdout().lock(), "{}", serde_json::to_string_pretty(report).unwrap_or_default());
        return;
    }
    let mut out = anstream::stdout();
    if report.is_empty() {
        let _ = writeln!(
            out,
            "No PKCS#11 module found. Install OpenSC for smart cards, or name a module with --module PATH."
        );
        return;
    }
    for module in report {
        let library = module.library.as_deref().unwrap_or("");
        let _ = writeln!(out, "{} {}", module.module.display().bold(), library);
        if let Some(error) = &module.error {
            let _ = writeln!(out, "  {}", error.red());
            continue;
        }
        if module.slots.is_empty() {
            let _ = writeln!(out, "  no slots (no reader connected)");
        }
        for slot in &module.slots {
            let _ = writeln!(out, "  slot {:#x}: {}", slot.id, slot.reader);
            let Some(token) = &slot.token else {
                let _ = writeln!(out, "    no card");
                continue;
            };
            let t = &token.token;
            if !t.initialized {
                let _ = writeln!(out, "    a blank token (not initialised: it holds nothing)");
                continue;
            }
            let _ = writeln!(out, "    token \"{}\" ({} {}, serial {})", t.label, t.manufacturer, t.model, t.serial);
            let pin = match t.pin {
                certdesk_core::token::PinState::Ok => t.pin.as_str().green().to_string(),
                certdesk_core::token::PinState::Locked => t.pin.as_str().red().to_string(),
                _ => t.pin.as_str().yellow().to_string(),
            };
            let pad = if t.pin_pad { ", entered on the reader" } else { "" };
            let _ = writeln!(out, "    PIN: {pin}{pad}");
            let _ = writeln!(out, "    store: --store '{}'", t.store);
            if let Some(advice) = &token.advice {
                let _ = writeln!(out, "    {advice}");
            }
        }
    }
}
