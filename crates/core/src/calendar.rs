//! Renewal dates as an iCalendar file (RFC 5545), for "Add to calendar":
//! per certificate one all-day event on the day its renewal window opens
//! and one on the day it expires, each with a reminder that morning. The
//! calendar app, not certdesk, then reminds the user.

use time::{Date, Duration, OffsetDateTime};

use crate::model::Identity;
use crate::transfer::ListLanguage;

/// The calendar of the certificates `ids` name (id prefixes; none named:
/// every personal certificate), and how many it holds: what `certdesk
/// calendar` and the app's "Add to calendar" write.
pub fn calendar_of<S: AsRef<str>>(
    overview: &crate::Overview,
    ids: &[S],
    window: Duration,
    now: OffsetDateTime,
    language: ListLanguage,
) -> crate::Result<(String, usize)> {
    let chosen =
        if ids.is_empty() { crate::actions::check::personal_certificates(overview) } else { overview.resolve(ids)? };
    Ok((renewal_calendar(&chosen, window, now, language), chosen.len()))
}

/// The longest line RFC 5545 allows, in octets, before it is folded.
const MAX_LINE: usize = 75;

/// The calendar of `identities`' renewal windows (`window` before expiry)
/// and expiry days, made at `now`, its texts in `language`. Event ids are
/// stable (the certificate's id and the kind of day), so importing a newer
/// file updates the events instead of adding them twice.
pub fn renewal_calendar(
    identities: &[&Identity],
    window: Duration,
    now: OffsetDateTime,
    language: ListLanguage,
) -> String {
    let mut lines = vec![
        "BEGIN:VCALENDAR".to_owned(),
        "VERSION:2.0".to_owned(),
        "PRODID:-//certdesk//renewal dates//EN".to_owned(),
        "CALSCALE:GREGORIAN".to_owned(),
    ];
    let stamp = format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second()
    );
    for identity in identities {
        let cert = &identity.certificate;
        let (name, issuer) = (cert.display_name(), cert.issuer_display_name());
        let days = [
            ("renewal", (cert.not_after - window).date(), renewal_title(name, issuer, language)),
            ("expiry", cert.not_after.date(), expiry_title(name, issuer, language)),
        ];
        for (kind, day, title) in days {
            lines.extend([
                "BEGIN:VEVENT".to_owned(),
                format!("UID:{}-{kind}@certdesk", identity.id),
                format!("DTSTAMP:{stamp}"),
                format!("DTSTART;VALUE=DATE:{}", ical_date(day)),
                format!("DTEND;VALUE=DATE:{}", ical_date(day.next_day().unwrap_or(day))),
                format!("SUMMARY:{}", escape(&title)),
                format!("DESCRIPTION:{}", escape(&description(identity, language))),
                "TRANSP:TRANSPARENT".to_owned(),
                "BEGIN:VALARM".to_owned(),
                "ACTION:DISPLAY".to_owned(),
                format!("DESCRIPTION:{}", escape(&title)),
                // 09:00 on the day: an all-day event starts at midnight.
                "TRIGGER:PT9H".to_owned(),
                "END:VALARM".to_owned(),
                "END:VEVENT".to_owned(),
            ]);
        }
    }
    lines.push("END:VCALENDAR".to_owned());
    lines.iter().map(|line| fold(line)).collect()
}

fn renewal_title(name: &str, issuer: &str, language: ListLanguage) -> String {
    match language {
        ListLanguage::English => format!("Renew the certificate of {name} ({issuer}): renewal opens"),
        ListLanguage::Japanese => format!("証明書の更新開始: {name}（{issuer}）"),
    }
}

fn expiry_title(name: &str, issuer: &str, language: ListLanguage) -> String {
    match language {
        ListLanguage::English => format!("The certificate of {name} ({issuer}) expires today"),
        ListLanguage::Japanese => format!("証明書の有効期限: {name}（{issuer}）"),
    }
}

fn description(identity: &Identity, language: ListLanguage) -> String {
    let cert = &identity.certificate;
    let until = crate::model::rfc3339(cert.not_after);
    match language {
        ListLanguage::English => format!(
            "Subject: {}\nIssued by: {}\nValid until: {until}\nSHA-256: {}\nFrom the day after expiry it cannot sign you in: renew it before.",
            cert.subject.rfc4514, cert.issuer.rfc4514, identity.id
        ),
        ListLanguage::Japanese => format!(
            "サブジェクト: {}\n発行者: {}\n有効期限: {until}\nSHA-256: {}\n期限の翌日からはログインに使えません。期限前に更新してください。",
            cert.subject.rfc4514, cert.issuer.rfc4514, identity.id
        ),
    }
}

fn ical_date(day: Date) -> String {
    format!("{:04}{:02}{:02}", day.year(), u8::from(day.month()), day.day())
}

/// TEXT as RFC 5545 §3.3.11 writes it: backslash, semicolon, comma and newline escaped.
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => escaped.push_str("\\\\"),
            ';' => escaped.push_str("\\;"),
            ',' => escaped.push_str("\\,"),
            '\n' => escaped.push_str("\\n"),
            '\r' => {}
            c => escaped.push(c),
        }
    }
    escaped
}

/// One content line, folded (§3.1) at 75 octets without splitting a
/// character, each part ended with CRLF; a continuation starts with a space.
fn fold(line: &str) -> String {
    let mut folded = String::with_capacity(line.len() + 8);
    let mut width = 0;
    for c in line.chars() {
        if width + c.len_utf8() > MAX_LINE {
            folded.push_str("\r\n ");
            width = 1;
        }
        folded.push(c);
        width += c.len_utf8();
    }
    folded.push_str("\r\n");
    folded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_japanese_lines_fold_at_75_octets_between_characters_and_text_is_escaped() {
        let line = format!(
            "SUMMARY:{}",
            escape("証明書の更新開始: 山田 太郎（Enterprise Premium CA - G2, 株式会社テスト; 第2版）")
        );
        assert!(line.contains("\\,") && line.contains("\\;"));
        let folded = fold(&line);
        for part in folded.split("\r\n").filter(|p| !p.is_empty()) {
            assert!(part.len() <= MAX_LINE, "{} octets: {part}", part.len());
        }
        let unfolded = folded.trim_end_matches("\r\n").replace("\r\n ", "");
        assert_eq!(unfolded, line, "unfolding gives the line back");
        assert_eq!(escape("a\\b\nc"), "a\\\\b\\nc");
    }
}
