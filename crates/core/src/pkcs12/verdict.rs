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

/// The importers `inspect` speaks for, with their JSON keys.
pub const IMPORTERS: &[(&str, &str)] = &[
    ("windows_7_8", "Windows 7 / 8.1"),
    ("windows_10_11", "Windows 10 1709+ / 11"),
    ("macos_14", "macOS 14 and earlier"),
    ("macos_15", "macOS 15+"),
    ("openssl_3", "OpenSSL 3"),
    ("java_8", "Java 8"),
    ("java_17", "Java 17+"),
];

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

/// The verdict for one importer (a key of `IMPORTERS`).
pub fn verdict(importer: &str, p: &Protection) -> Verdict {
    let sha1_mac_only = || match mac_hash(p) {
        Some(Hash::Sha1) | None if !pbmac1(p) => None,
        Some(h) => Some(format!("it cannot check an HMAC-{} integrity MAC", h.name())),
        None => Some("it cannot check a PBMAC1 integrity MAC".to_owned()),
    };
    match importer {
        "windows_7_8" | "macos_14" => {
            if any_pbes2(p) {
                let detail = if importer == "macos_14" {
                    "it rejects AES (PBES2) files with \"MAC verification failed\"; convert to compatible"
                } else {
                    "it cannot decrypt AES (PBES2); convert to compatible"
                };
                return no(detail);
            }
            sha1_mac_only().map_or_else(ok, |why| no(format!("{why}; convert to compatible")))
        }
        "windows_10_11" | "macos_15" => {
            if pbmac1(p) {
                return no("it cannot check a PBMAC1 integrity MAC; convert to modern");
            }
            ok()
        }
        "openssl_3" => {
            if let Some(name) = legacy_cipher(p) {
                return no(format!("{name} needs `-legacy`; convert to compatible or modern"));
            }
            if pbmac1(p) {
                return no("PBMAC1 needs OpenSSL 3.4 or newer");
            }
            ok()
        }
        "java_8" => {
            if any_pbes2(p) || !matches!(mac_hash(p), Some(Hash::Sha1) | None) || pbmac1(p) {
                return no(
                    "Java 8 before update 301 reads only TripleDES/RC2 with an HMAC-SHA1 MAC; convert to compatible",
                );
            }
            ok()
        }
        "java_17" => {
            if pbmac1(p) {
                return no("PBMAC1 is not read before Java 26; convert to modern");
            }
            ok()
        }
        other => no(format!("unknown importer {other}")),
    }
}
