//! Distinguished names: exact text for people, normalised form for comparison.
//!
//! Certificates spell the same name in different string types (a renewal may
//! switch from PrintableString to UTF8String, or change case), so duplicate
//! detection compares the normalised form of RFC 5280 section 7.1, never the
//! display string.

use serde::Serialize;
use x509_parser::der_parser::asn1_rs::{Any, Tag};
use x509_parser::x509::X509Name;

/// One attribute of a name, e.g. `CN=山田 太郎`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attribute {
    /// Short name (`CN`, `O`, …) or the dotted OID when there is none.
    pub name: String,
    pub value: String,
}

/// A decoded X.509 name.
#[derive(Debug, Clone, Serialize)]
pub struct DistinguishedName {
    /// RFC 4514 string: most specific RDN first, special characters escaped.
    pub rfc4514: String,
    /// RDNs in certificate order (most general first), each a set of attributes.
    #[serde(skip)]
    pub rdns: Vec<Vec<Attribute>>,
    /// Case-folded, whitespace-collapsed form; equal for names RFC 5280 calls equal.
    #[serde(skip)]
    pub normalised: String,
}

impl DistinguishedName {
    pub(crate) fn from_x509(name: &X509Name<'_>) -> Self {
        let rdns: Vec<Vec<Attribute>> = name
            .iter()
            .map(|rdn| {
                rdn.iter()
                    .map(|atv| Attribute {
                        name: attribute_name(&atv.attr_type().to_id_string()),
                        value: decode_string(atv.attr_value()),
                    })
                    .collect()
            })
            .collect();
        Self::from_rdns(rdns)
    }

    pub fn from_rdns(rdns: Vec<Vec<Attribute>>) -> Self {
        let rfc4514 = rdns
            .iter()
            .rev()
            .map(|rdn| {
                rdn.iter().map(|a| format!("{}={}", a.name, escape_rfc4514(&a.value))).collect::<Vec<_>>().join("+")
            })
            .collect::<Vec<_>>()
            .join(",");
        let normalised = rdns
            .iter()
            .map(|rdn| {
                let mut parts: Vec<String> = rdn
                    .iter()
                    .map(|a| format!("{}={}", a.name.to_ascii_lowercase(), normalise_value(&a.value)))
                    .collect();
                parts.sort();
                parts.join("+")
            })
            .collect::<Vec<_>>()
            .join("/");
        DistinguishedName { rfc4514, rdns, normalised }
    }

    /// The first value of the attribute named `name` (`CN`, `O`, …), most specific RDN first.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.rdns.iter().rev().flatten().find(|a| a.name.eq_ignore_ascii_case(name)).map(|a| a.value.as_str())
    }

    pub fn common_name(&self) -> Option<&str> {
        self.get("CN")
    }

    pub fn organization(&self) -> Option<&str> {
        self.get("O")
    }

    pub fn email(&self) -> Option<&str> {
        self.get("emailAddress")
    }

    /// Equal under RFC 5280's comparison rules (case and spacing ignored).
    pub fn same_name_as(&self, other: &DistinguishedName) -> bool {
        self.normalised == other.normalised
    }
}

impl std::fmt::Display for DistinguishedName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.rfc4514)
    }
}

fn attribute_name(oid: &str) -> String {
    let short = match oid {
        "2.5.4.3" => "CN",
        "2.5.4.6" => "C",
        "2.5.4.7" => "L",
        "2.5.4.8" => "ST",
        "2.5.4.9" => "STREET",
        "2.5.4.10" => "O",
        "2.5.4.11" => "OU",
        "2.5.4.4" => "SN",
        "2.5.4.42" => "GN",
        "2.5.4.5" => "serialNumber",
        "2.5.4.12" => "title",
        "2.5.4.97" => "organizationIdentifier",
        "0.9.2342.19200300.100.1.25" => "DC",
        "0.9.2342.19200300.100.1.1" => "UID",
        "1.2.840.113549.1.9.1" => "emailAddress",
        other => return other.to_owned(),
    };
    short.to_owned()
}

/// Decodes every directory string type exactly; Japanese names commonly
/// arrive as UTF8String or BMPString (older Japanese CAs).
fn decode_string(value: &Any<'_>) -> String {
    let data = value.data;
    match value.tag() {
        Tag::Utf8String
        | Tag::PrintableString
        | Tag::Ia5String
        | Tag::NumericString
        | Tag::VisibleString
        | Tag::GeneralString
        | Tag::GraphicString => String::from_utf8_lossy(data).into_owned(),
        // TeletexString is in practice Latin-1 (RFC 5280 section 4.1.2.4 discourages it).
        Tag::T61String | Tag::VideotexString => data.iter().map(|&b| b as char).collect(),
        Tag::BmpString => {
            // `chunks` never yields an empty chunk, so `c[0]` exists; an odd last byte pairs with 0.
            let units: Vec<u16> = data.chunks(2).map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)])).collect();
            String::from_utf16_lossy(&units)
        }
        Tag::UniversalString => data
            .chunks(4)
            .map(|c| {
                let mut b = [0u8; 4];
                // A chunk of `chunks(4)` holds 1 to 4 bytes: it fits.
                b[..c.len()].copy_from_slice(c);
                char::from_u32(u32::from_be_bytes(b)).unwrap_or('\u{FFFD}')
            })
            .collect(),
        _ => format!("#{}", hex::encode(value.data)),
    }
}

/// RFC 4514 section 2.4 escaping.
fn escape_rfc4514(value: &str) -> String {
    // `#` is one byte, so `value[1..]` starts on a character boundary.
    if value.starts_with('#') && value.len() > 1 && value[1..].chars().all(|c| c.is_ascii_hexdigit()) {
        // A hex-encoded non-string value: already in RFC 4514 form.
        return value.to_owned();
    }
    let mut out = String::with_capacity(value.len());
    let last = value.chars().count().saturating_sub(1);
    for (i, c) in value.chars().enumerate() {
        let special = matches!(c, '"' | '+' | ',' | ';' | '<' | '>' | '\\')
            || (i == 0 && (c == '#' || c == ' '))
            || (i == last && c == ' ');
        if c == '\0' {
            out.push_str("\\00");
        } else {
            if special {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out
}

/// RFC 5280 section 7.1 (simplified RFC 4518): case-fold, trim, and collapse spaces.
fn normalise_value(value: &str) -> String {
    value.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attr(name: &str, value: &str) -> Vec<Attribute> {
        vec![Attribute { name: name.into(), value: value.into() }]
    }

    #[test]
    fn rfc4514_puts_the_most_specific_rdn_first_and_escapes() {
        let dn = DistinguishedName::from_rdns(vec![
            attr("C", "JP"),
            attr("O", "株式会社テスト, 本社"),
            attr("CN", "山田 太郎"),
        ]);
        assert_eq!(dn.rfc4514, "CN=山田 太郎,O=株式会社テスト\\, 本社,C=JP");
        assert_eq!(dn.common_name(), Some("山田 太郎"));
        assert_eq!(dn.organization(), Some("株式会社テスト, 本社"));
    }

    #[test]
    fn names_differing_only_in_case_and_spacing_are_the_same_name() {
        let a = DistinguishedName::from_rdns(vec![attr("O", "Example  Corp"), attr("CN", "Alice")]);
        let b = DistinguishedName::from_rdns(vec![attr("O", " example corp "), attr("CN", "ALICE")]);
        let c = DistinguishedName::from_rdns(vec![attr("O", "Example Corp"), attr("CN", "Bob")]);
        assert!(a.same_name_as(&b));
        assert!(!a.same_name_as(&c));
    }

    #[test]
    fn leading_hash_and_trailing_space_are_escaped() {
        assert_eq!(escape_rfc4514("#1 "), "\\#1\\ ");
        assert_eq!(escape_rfc4514("a+b"), "a\\+b");
    }
}
