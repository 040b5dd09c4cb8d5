//! The service name of an identity preference, as macOS writes and looks
//! it up (Apple's `SecIdentity.cpp`, Security-61901):
//!
//! - Safari and other apps store the exact page URL; a lookup tries the URL
//!   without its query, then each parent path down to `https://host/`, then
//!   `*.domain` wildcards of the host, and takes the first that exists.
//! - Since macOS 12, a URL name gets the calling app's identifier appended
//!   (`https://host/ (com.apple.Safari)`), and an app with an identifier looks
//!   up only the suffixed URLs: an unsuffixed URL item is never consulted by
//!   such an app (every signed app). Wildcards and other names get no suffix.
//! - Email addresses (Mail's S/MIME) and bare host names are looked up as given.

use serde::Serialize;

/// What a service name names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SiteForm {
    /// A page URL: a lookup for it or a page below it finds the preference.
    Url { host: String },
    /// `*.example.jp`: every host under the domain, for every app.
    Wildcard { domain: String },
    /// An email address.
    Email,
    /// A bare host name: only an app that asks for exactly this name finds it (browsers ask with URLs).
    Host,
    /// Anything else, found only by an app that asks for exactly this name.
    Other,
}

/// Why a preference can never be consulted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NeverApplies {
    /// A URL without an app's identifier: since macOS 12 every app looks up
    /// its own suffixed name instead (an older macOS or a tool wrote it).
    UrlWithoutApp,
    /// A URL with a query (`?…`): lookups drop the query before they search.
    UrlWithQuery,
}

/// A service name taken apart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceName {
    /// The site without the app suffix, as the user knows it.
    pub site: String,
    /// The identifier of the app the preference is for (`com.apple.Safari`).
    pub app: Option<String>,
    pub form: SiteForm,
    pub never_applies: Option<NeverApplies>,
}

impl ServiceName {
    pub fn parse(service: &str) -> ServiceName {
        let (site, app) = split_app(service);
        let form = form_of(&site);
        let never_applies = match &form {
            SiteForm::Url { .. } if site.contains('?') => Some(NeverApplies::UrlWithQuery),
            SiteForm::Url { .. } if app.is_none() => Some(NeverApplies::UrlWithoutApp),
            _ => None,
        };
        ServiceName { site, app, form, never_applies }
    }
}

/// Splits `"https://portal.example.jp/ (com.apple.Safari)"` into site and
/// app. Only a URL carries a suffix (macOS adds it to URLs alone), and only
/// an identifier's characters make one: `社内ポータル (本社)` is a name.
fn split_app(service: &str) -> (String, Option<String>) {
    if let Some(open) = service.rfind(" (") {
        let (site, inner) = (&service[..open], &service[open + 2..]);
        if let Some(app) = inner.strip_suffix(')') {
            let identifier =
                !app.is_empty() && app.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
            if identifier && url_host(site).is_some() {
                return (site.to_owned(), Some(app.to_owned()));
            }
        }
    }
    (service.to_owned(), None)
}

fn form_of(site: &str) -> SiteForm {
    if let Some(host) = url_host(site) {
        return SiteForm::Url { host };
    }
    if let Some(domain) = site.strip_prefix("*.") {
        if is_host(domain) {
            return SiteForm::Wildcard { domain: domain.to_owned() };
        }
    }
    if let Some((local, domain)) = site.split_once('@') {
        if !local.is_empty() && !local.contains(char::is_whitespace) && is_host(domain) {
            return SiteForm::Email;
        }
    }
    if is_host(site) {
        return SiteForm::Host;
    }
    SiteForm::Other
}

/// The host of a URL (`scheme://host[:port][/path]`), as Core Foundation
/// would decompose it: `None` when `text` is not such a URL.
fn url_host(text: &str) -> Option<String> {
    let (scheme, rest) = text.split_once("://")?;
    let scheme_ok = scheme.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = match host_port.rsplit_once(':') {
        Some((host, port)) if port.chars().all(|c| c.is_ascii_digit()) => host,
        _ => host_port,
    };
    (scheme_ok && !host.is_empty() && !host.contains(char::is_whitespace)).then(|| host.to_ascii_lowercase())
}

/// A DNS name (letters of any script, digits, hyphens; labels joined by dots).
fn is_host(text: &str) -> bool {
    !text.is_empty()
        && text.split('.').all(|label| {
            !label.is_empty() && label.chars().all(|c| c.is_alphanumeric() || c == '-') && !label.starts_with('-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(service: &str) -> (String, Option<String>, SiteForm, Option<NeverApplies>) {
        let n = ServiceName::parse(service);
        (n.site, n.app, n.form, n.never_applies)
    }

    #[test]
    fn safari_s_page_url_with_its_app_suffix_applies() {
        assert_eq!(
            parsed("https://portal.example.jp/login/index.html (com.apple.Safari)"),
            (
                "https://portal.example.jp/login/index.html".into(),
                Some("com.apple.Safari".into()),
                SiteForm::Url { host: "portal.example.jp".into() },
                None
            )
        );
        let port = ServiceName::parse("https://Portal.example.jp:8443/ (com.google.Chrome)");
        assert_eq!(port.form, SiteForm::Url { host: "portal.example.jp".into() });
    }

    #[test]
    fn a_url_without_an_app_or_with_a_query_is_never_consulted() {
        assert_eq!(ServiceName::parse("https://portal.example.jp/").never_applies, Some(NeverApplies::UrlWithoutApp));
        assert_eq!(
            ServiceName::parse("https://portal.example.jp/a?session=1 (com.apple.Safari)").never_applies,
            Some(NeverApplies::UrlWithQuery)
        );
    }

    #[test]
    fn wildcards_hosts_and_email_addresses_have_no_app_and_apply_as_they_are() {
        assert_eq!(
            parsed("*.example.jp"),
            ("*.example.jp".into(), None, SiteForm::Wildcard { domain: "example.jp".into() }, None)
        );
        assert_eq!(parsed("yamada@example.jp").2, SiteForm::Email);
        assert_eq!(parsed("vpn.example.jp").2, SiteForm::Host);
        assert_eq!(parsed("社内.example.jp").2, SiteForm::Host);
    }

    #[test]
    fn only_a_url_takes_an_app_suffix_and_only_an_identifier_makes_one() {
        assert_eq!(parsed("社内ポータル (本社)"), ("社内ポータル (本社)".into(), None, SiteForm::Other, None));
        assert_eq!(parsed("vpn.example.jp (com.example.vpn)").1, None, "macOS suffixes URLs alone");
        assert_eq!(parsed("https://a.example.jp/ (not an id)").1, None);
        assert_eq!(parsed("https://a.example.jp/ (not an id)").3, Some(NeverApplies::UrlWithoutApp));
    }
}
