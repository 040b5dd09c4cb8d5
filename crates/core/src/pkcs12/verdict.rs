//! Will this file import there? A verdict per importer, from what each is
//! documented or known to read.

use serde::Serialize;

use super::algorithm::{MacScheme, Scheme};
use super::pbe::{Cipher, Hash};
use super::Protection;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Verdict {
    pub ok: bool,
    pub why: Option<String>,
}

fn ok() -> Verdict {
    Verdict { ok: true, why: None }
}

fn no(why: impl Into<String>) -> Verdict {
    Verdict { ok: false, why: Some(why.into()) }
}

/// The importers `inspect` speaks for; each serialises to its stable JSON key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Importer {
    #[serde(rename = "windows_7_8")]
    Windows7And8,
    #[serde(rename = "windows_10_11")]
    Windows10And11,
    #[serde(rename = "macos_14")]
    MacOs14,
    #[serde(rename = "macos_15")]
    MacOs15,
    #[serde(rename = "openssl_3")]
    OpenSsl3,
    #[serde(rename = "java_8")]
    Java8,
    #[serde(rename = "java_17")]
    Java17,
}

impl Importer {
    pub const ALL: [Importer; 7] = [
        Importer::Windows7And8,
        Importer::Windows10And11,
        Importer::MacOs14,
        Importer::MacOs15,
        Importer::OpenSsl3,
        Importer::Java8,
        Importer::Java17,
    ];

    /// How people name it.
    pub fn label(self) -> &'static str {
        match self {
            Importer::Windows7And8 => "Windows 7 / 8.1",
            Importer::Windows10And11 => "Windows 10 1709+ / 11",
            Importer::MacOs14 => "macOS 14 and earlier",
            Importer::MacOs15 => "macOS 15+",
            Importer::OpenSsl3 => "OpenSSL 3",
            Importer::Java8 => "Java 8",
            Importer::Java17 => "Java 17+",
        }
    }
}

fn schemes(p: &Protection) -> impl Iterator<Item = &Scheme> {
    p.certificates.iter().chain(p.key.iter())
}

fn any_pbes2(p: &Protection) -> bool {
    schemes(p).any(Scheme::is_pbes2)
}

fn mac_hash(p: &Protection) -> Option<Hash> {
    match &p.mac {
        Some(MacScheme::Hmac { hash, .. }) => Some(*hash),
        _ => None,
    }
}

fn pbmac1(p: &Protection) -> bool {
    matches!(p.mac, Some(MacScheme::Pbmac1 { .. }))
}

fn legacy_cipher(p: &Protection) -> Option<String> {
    schemes(p).find(|s| matches!(s.cipher(), Cipher::Rc2Cbc(_) | Cipher::Rc4 | Cipher::DesEde2Cbc)).map(Scheme::name)
}

/// The verdict for one importer.
pub fn verdict(importer: Importer, p: &Protection) -> Verdict {
    let sha1_mac_only = || match mac_hash(p) {
        Some(Hash::Sha1) | None if !pbmac1(p) => None,
        Some(h) => Some(format!("it cannot check an HMAC-{} integrity MAC", h.name())),
        None => Some("it cannot check a PBMAC1 integrity MAC".to_owned()),
    };
    match importer {
        Importer::Windows7And8 | Importer::MacOs14 => {
            if any_pbes2(p) {
                let detail = if importer == Importer::MacOs14 {
                    "it rejects AES (PBES2) files with \"MAC verification failed\"; convert to compatible"
                } else {
                    "it cannot decrypt AES (PBES2); convert to compatible"
                };
                return no(detail);
            }
            sha1_mac_only().map_or_else(ok, |why| no(format!("{why}; convert to compatible")))
        }
        Importer::Windows10And11 | Importer::MacOs15 => {
            if pbmac1(p) {
                return no("it cannot check a PBMAC1 integrity MAC; convert to modern");
            }
            ok()
        }
        Importer::OpenSsl3 => {
            if let Some(name) = legacy_cipher(p) {
                return no(format!("{name} needs `-legacy`; convert to compatible or modern"));
            }
            if pbmac1(p) {
                return no("PBMAC1 needs OpenSSL 3.4 or newer");
            }
            ok()
        }
        Importer::Java8 => {
            if any_pbes2(p) || !matches!(mac_hash(p), Some(Hash::Sha1) | None) || pbmac1(p) {
                return no(
                    "Java 8 before update 301 reads only TripleDES/RC2 with an HMAC-SHA1 MAC; convert to compatible",
                );
            }
            ok()
        }
        Importer::Java17 => {
            if pbmac1(p) {
                return no("PBMAC1 is not read before Java 26; convert to modern");
            }
            ok()
        }
    }
}
