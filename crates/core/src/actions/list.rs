//! The list: which certificates it shows, and in which order.

use super::search::{Search, Searchable};
use crate::health::{Assessment, Status};
use crate::model::Identity;
use crate::overview::Overview;

/// A status to show, with "superseded" as the extra pseudo-status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusFilter {
    Status(Status),
    Superseded,
}

/// CA certificates are not personal certificates: they are kept out of the
/// list unless asked for, by the CLI's `--all` and the app's "show
/// authorities" alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Authorities {
    #[default]
    Hidden,
    Shown,
}

/// What the list is narrowed to; the default shows every personal certificate.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub status: Option<StatusFilter>,
    /// Part of the issuer's name, any case.
    pub issuer: Option<String>,
    pub client_auth_only: bool,
    pub authorities: Authorities,
    /// What was typed into a search (see [`Search`]).
    pub search: Option<Search>,
}

impl ListFilter {
    /// Everything in the store, authorities too: what the app's list holds
    /// before its own view (facets, and the search through a [`super::SearchIndex`]) narrows it.
    pub fn everything() -> ListFilter {
        ListFilter { authorities: Authorities::Shown, ..ListFilter::default() }
    }

    /// Whether the list shows `identity`; `issuer` is the filter's issuer text, lowercased once per listing.
    fn admits(&self, issuer: Option<&str>, identity: &Identity, health: &Assessment) -> bool {
        (self.authorities == Authorities::Shown || !identity.certificate.is_ca)
            && match self.status {
                None => true,
                Some(StatusFilter::Superseded) => health.superseded(),
                Some(StatusFilter::Status(status)) => health.status == status,
            }
            && issuer.is_none_or(|text| identity.certificate.issuer.rfc4514.to_lowercase().contains(text))
            && (!self.client_auth_only || identity.certificate.client_auth)
            && self.search.as_ref().is_none_or(|search| Searchable::of(identity).matches(search))
    }
}

/// The identities `filter` admits, in the list's order.
pub fn list<'a>(overview: &'a Overview, filter: &ListFilter) -> Vec<(&'a Identity, &'a Assessment)> {
    let issuer = filter.issuer.as_deref().map(str::to_lowercase);
    let mut entries: Vec<_> =
        overview.entries().filter(|(identity, health)| filter.admits(issuer.as_deref(), identity, health)).collect();
    // Each key made once, not once per comparison: a list of 10,000 would make hundreds of thousands.
    entries.sort_by_cached_key(|(identity, _)| list_key(identity));
    entries
}

/// Where `identity` stands in the list: by name, as people read names (see
/// [`name_key`]); renewals of one certificate (same subject and issuer)
/// together, newest first; the id last, so that the order is total.
pub fn list_key(identity: &Identity) -> impl Ord {
    let cert = &identity.certificate;
    (
        name_key(cert.display_name()),
        cert.subject.normalised.clone(),
        cert.issuer.normalised.clone(),
        std::cmp::Reverse(cert.not_after),
        identity.id.clone(),
    )
}

/// A name folded so that names sort as people expect without a locale's
/// full collation: any case; accented Latin letters beside their base
/// letter ("Émile" with "Emile"); full-width letters and digits as their
/// ASCII forms; katakana as hiragana, so that 「ヤマダ」 and 「やまだ」 sort
/// together in the order of the kana table. Kanji keep their code-point
/// order (Unicode's radical and stroke order), readings being unknown here.
pub fn name_key(name: &str) -> String {
    name.chars().flat_map(char::to_lowercase).map(fold).collect()
}

fn fold(c: char) -> char {
    // U+00E0..U+00FF, lowercase Latin-1 letters, each as its base letter (U+00F7, the division sign, is left alone).
    const LATIN_1: &str = "aaaaaaæceeeeiiiiðnoooooxouuuuyþy";
    match c {
        '\u{00E0}'..='\u{00FF}' if c != '\u{00F7}' => LATIN_1.chars().nth(c as usize - 0xE0).unwrap_or(c),
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).map(|a| a.to_ascii_lowercase()).unwrap_or(c),
        '\u{30A1}'..='\u{30F6}' => char::from_u32(c as u32 - 0x60).unwrap_or(c),
        _ => c,
    }
}

#[cfg(test)]
mod tests {
    use super::name_key;

    #[test]
    fn names_sort_as_people_read_them() {
        let mut names = vec!["Zoe", "Émile", "ｂｅｔａ", "Alpha", "ヤマダ", "やまだ", "あおき", "カトウ", "山田"];
        names.sort_by_key(|n| name_key(n));
        assert_eq!(names, ["Alpha", "ｂｅｔａ", "Émile", "Zoe", "あおき", "カトウ", "ヤマダ", "やまだ", "山田"]);
    }
}
