//! The search box: what typed text finds. One rule for `certdesk list
//! --search` and the app's search box, which asks the app's Rust on each
//! keystroke (`SearchIndex`, made once per listing).

use super::list::name_key;
use crate::model::{hex_digits, Identity};

/// Text as typed into the search box, read once per keystroke: folded as
/// names are (any case, accents, full-width letters, katakana as hiragana:
/// see [`name_key`]), and as hex digits when it can be part of a serial
/// number or thumbprint, typed with colons or spaces or without.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Search {
    text: String,
    hex: Option<String>,
}

impl Search {
    /// `None` for text that is empty once trimmed: it narrows nothing.
    pub fn new(typed: &str) -> Option<Search> {
        let typed = typed.trim();
        if typed.is_empty() {
            return None;
        }
        // One hex digit would find nearly every thumbprint.
        let hex = hex_digits(typed).filter(|digits| digits.len() >= 2);
        Some(Search { text: name_key(typed), hex })
    }
}

/// What one identity offers the search: its subject, issuer, email and
/// friendly name folded, its serial number and thumbprints as lowercase hex.
#[derive(Debug)]
pub struct Searchable {
    names: Vec<String>,
    numbers: [String; 3],
}

impl Searchable {
    pub fn of(identity: &Identity) -> Searchable {
        let cert = &identity.certificate;
        let names = [Some(cert.subject.rfc4514.as_str()), Some(&cert.issuer.rfc4514), cert.subject.email()]
            .into_iter()
            .chain([identity.friendly_name.as_deref()])
            .flatten()
            .map(name_key)
            .collect();
        let numbers =
            [cert.serial.to_ascii_lowercase(), cert.sha1.to_ascii_lowercase(), cert.sha256.to_ascii_lowercase()];
        Searchable { names, numbers }
    }

    /// Whether `search` finds this identity: the text in one of its names,
    /// or the hex digits in one of its numbers.
    pub fn matches(&self, search: &Search) -> bool {
        self.names.iter().any(|name| name.contains(&search.text))
            || search.hex.as_ref().is_some_and(|hex| self.numbers.iter().any(|number| number.contains(hex.as_str())))
    }
}

/// A listing's identities as the search reads them, in the listing's
/// order, folded once so that a keystroke folds only what was typed.
#[derive(Debug, Default)]
pub struct SearchIndex(Vec<Searchable>);

impl SearchIndex {
    pub fn of<'a>(identities: impl IntoIterator<Item = &'a Identity>) -> SearchIndex {
        SearchIndex(identities.into_iter().map(Searchable::of).collect())
    }

    /// How many identities the listing holds.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The positions in the listing of the identities `search` finds, in order.
    pub fn positions(&self, search: &Search) -> Vec<u32> {
        (0u32..).zip(&self.0).filter(|(_, row)| row.matches(search)).map(|(position, _)| position).collect()
    }

    /// The positions the search box shows for `typed`: every one while it
    /// is blank, so that a shell never judges blankness itself.
    pub fn found_for(&self, typed: &str) -> Vec<u32> {
        match Search::new(typed) {
            Some(search) => self.positions(&search),
            None => (0..self.0.len() as u32).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::testing::cert;
    use time::macros::datetime;

    fn yamada() -> Identity {
        let t = datetime!(2026-01-01 0:00 UTC);
        let mut identity = cert("9f3a1b", "ヤマダ タロウ Émile Ｃｏｒｐ", "Enterprise Premium CA - G2", t, t);
        identity.certificate.serial = "0A1B2C3D".into();
        identity.certificate.sha1 = "d1e2f3a4b5c6".into();
        identity.friendly_name = Some("Yamada's key".into());
        identity
    }

    fn finds(typed: &str) -> bool {
        Searchable::of(&yamada()).matches(&Search::new(typed).unwrap())
    }

    #[test]
    fn text_is_found_in_any_name_whatever_its_case_width_or_kana() {
        assert!(finds("やまだ"), "hiragana finds katakana");
        assert!(finds("ヤマダ"));
        assert!(finds("emile corp"), "accents and full-width letters fold");
        assert!(finds("ＹＡＭＡＤＡ'S"), "the friendly name, typed full-width");
        assert!(finds("premium ca - g2"), "the issuer");
        assert!(!finds("suzuki"));
        assert_eq!(Search::new("   "), None, "blank text narrows nothing");
    }

    #[test]
    fn hex_is_found_in_the_serial_and_thumbprints_with_or_without_colons() {
        assert!(finds("D1:E2:F3"), "the SHA-1 thumbprint, as Windows shows it");
        assert!(finds("1b 2c3d"), "the serial");
        assert!(finds("9F3A"), "the SHA-256 thumbprint");
        assert!(!finds("ffff"));
        assert_eq!(Search::new("a").unwrap().hex, None, "one digit is not searched as hex");
    }

    #[test]
    fn the_index_answers_positions_in_the_listing_order() {
        let (first, second) =
            (yamada(), cert("77", "Suzuki", "CA", datetime!(2026-01-01 0:00 UTC), datetime!(2026-01-01 0:00 UTC)));
        let index = SearchIndex::of([&first, &second, &first]);
        assert_eq!(index.positions(&Search::new("タロウ").unwrap()), [0, 2]);
        assert_eq!(index.positions(&Search::new("example").unwrap()), [0, 1, 2], "every subject has O=Example");
        assert!(index.positions(&Search::new("nobody").unwrap()).is_empty());
        assert_eq!(index.found_for(" \u{3000} "), [0, 1, 2], "blank text (an ideographic space too) shows every row");
        assert_eq!(index.found_for("スズキ"), Vec::<u32>::new(), "kana do not fold into romaji");
        assert_eq!(index.found_for("suzuki"), [1]);
    }
}
