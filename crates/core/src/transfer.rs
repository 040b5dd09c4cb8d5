//! Moving identities in and out of stores: import validated by certdesk's
//! own reader first (so the user gets our diagnosis, not the store's), and
//! export written by certdesk's own codec and saved atomically.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use crate::chain;
use crate::error::{Error, Result};
use crate::fault;
use crate::model::{Certificate, Identity};
use crate::pkcs12::{self, Contents, Pkcs12, Profile};
use crate::secret::Secret;
use crate::store::{ImportFile, ImportOutcome, Keystore};

/// Reads a certificate file a user named, refusing sizes no certificate file
/// has. The size the system reports is checked first, and the reading itself
/// stops one byte past the limit: a pipe or a device such as `/dev/zero`
/// reports a size of 0 and would otherwise be read until memory runs out.
pub fn read_file(path: &Path) -> Result<Vec<u8>> {
    use std::io::Read as _;
    let reading = |e| Error::io(format!("reading {}", path.display()), e);
    let too_large = |bytes: u64| Error::Unsupported {
        what: format!("a file of {} MiB or more", bytes / (1024 * 1024)),
        hint: " (certificate files are a few kilobytes; certdesk reads up to 16 MiB)".into(),
    };
    let limit = pkcs12::MAX_FILE_SIZE as u64;
    let file = std::fs::File::open(path).map_err(reading)?;
    let reported = file.metadata().map_err(reading)?.len();
    if reported > limit {
        return Err(too_large(reported));
    }
    let mut bytes = Vec::with_capacity(reported as usize);
    file.take(limit + 1).read_to_end(&mut bytes).map_err(reading)?;
    if bytes.len() as u64 > limit {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

/// Reads one of certdesk's own small files (settings, what reminders were
/// shown), `None` when it is missing, unreadable or larger than `limit`:
/// such a file is not one certdesk wrote, and is read as if absent.
pub fn read_at_most(path: &Path, limit: u64) -> Option<Vec<u8>> {
    use std::io::Read as _;
    let mut bytes = Vec::new();
    std::fs::File::open(path).ok()?.take(limit + 1).read_to_end(&mut bytes).ok()?;
    (bytes.len() as u64 <= limit).then_some(bytes)
}

/// Reads `file` with our codec, then imports it: all of it or nothing.
/// Certificates already in the store are reported, not added twice, and
/// chain certificates the system already trusts outside the store (macOS's
/// System keychains) are left out rather than copied in.
pub fn import_file(store: &dyn Keystore, file: &[u8], password: &Secret, exportable: bool) -> Result<ImportOutcome> {
    let read = pkcs12::read(file, password)?;
    if read.certificates.is_empty() && read.keys.is_empty() {
        return Err(Error::InvalidInput("the file holds no certificate and no key; there is nothing to import".into()));
    }
    let (contents, trusted_already) = without_trusted_chain(&read, &store.trusted_elsewhere()?);
    let file_ids: Vec<String> = ids_of(&read);
    let before = store.list()?;
    let mut already: Vec<String> = file_ids.iter().filter(|id| before.iter().any(|b| &b.id == *id)).cloned().collect();
    for id in trusted_already {
        if !already.contains(&id) {
            already.push(id);
        }
    }
    if !file_ids.is_empty() && already.len() == file_ids.len() && contents.keys.is_empty() {
        return Ok(ImportOutcome { already_present: already, ..ImportOutcome::default() });
    }
    let (normalised, normalised_password) = normalise(&contents)?;
    let mut outcome = store.import_pkcs12(
        &ImportFile { bytes: &normalised, password: &normalised_password, contents: &contents },
        exportable,
    )?;
    outcome.added.retain(|id| !already.contains(id));
    outcome.already_present = already;
    Ok(outcome)
}

fn ids_of(contents: &Pkcs12) -> Vec<String> {
    contents.certificates.iter().filter_map(|c| Certificate::from_der(&c.der).ok()).map(|c| c.sha256).collect()
}

/// The file without the certificates that belong to no key and that the
/// system already trusts (`trusted`), and the ids of those left out. A
/// certificate that belongs to a key always stays.
fn without_trusted_chain(contents: &Pkcs12, trusted: &[Certificate]) -> (Pkcs12, Vec<String>) {
    if trusted.is_empty() {
        return (contents.clone(), Vec::new());
    }
    let identity_certificates: Vec<&[u8]> = contents
        .keys
        .iter()
        .filter_map(|k| pkcs12::certificate_for_key(&contents.certificates, k))
        .map(|c| c.der.as_slice())
        .collect();
    let mut kept = contents.clone();
    let mut left_out = Vec::new();
    kept.certificates.retain(|c| {
        let leave_out = !identity_certificates.contains(&c.der.as_slice()) && trusted.iter().any(|t| t.der == c.der);
        if leave_out {
            if let Ok(certificate) = Certificate::from_der(&c.der) {
                if !left_out.contains(&certificate.sha256) {
                    left_out.push(certificate.sha256);
                }
            }
        }
        !leave_out
    });
    (kept, left_out)
}

/// Re-encodes the whole file in the compatible profile under a random
/// password, so that the store's importer sees a file every store reads
/// (macOS 14 and older refuse AES; old Java's ISO-8859-1 passwords, PBMAC1
/// and AES variants are read by certdesk only), whatever it holds: any
/// number of keys, keys without certificates, certificates alone.
fn normalise(contents: &Pkcs12) -> Result<(Vec<u8>, Secret)> {
    let throwaway = Secret::new(hex::encode(pkcs12::random_bytes(16)));
    let file = pkcs12::write_bundle(&bundle_of(contents), &throwaway, Profile::Compatible)?;
    Ok((file, throwaway))
}

/// Every key of the file with its certificate and name, and every other certificate.
fn bundle_of(contents: &Pkcs12) -> pkcs12::Bundle<'_> {
    let identities: Vec<pkcs12::BundledKey<'_>> = contents
        .keys
        .iter()
        .map(|key| {
            let certificate = pkcs12::certificate_for_key(&contents.certificates, key);
            pkcs12::BundledKey {
                key_pkcs8: &key.pkcs8,
                certificate: certificate.map(|c| c.der.as_slice()),
                friendly_name: key
                    .friendly_name
                    .as_deref()
                    .or_else(|| certificate.and_then(|c| c.friendly_name.as_deref())),
            }
        })
        .collect();
    let certificates = contents
        .certificates
        .iter()
        .map(|c| c.der.as_slice())
        .filter(|c| !identities.iter().any(|i| i.certificate == Some(*c)))
        .collect();
    pkcs12::Bundle { identities, certificates }
}

/// Re-encodes a whole file (every key, its certificate, every other
/// certificate) in `profile` under `password`.
pub fn convert(contents: &Pkcs12, password: &Secret, profile: Profile) -> Result<Vec<u8>> {
    if contents.keys.is_empty() {
        return Err(Error::Unsupported {
            what: "converting a file without a private key".into(),
            hint: "; such a file holds only certificates, which need no password".into(),
        });
    }
    if contents.leaf().is_none() {
        return Err(Error::Unsupported {
            what: "converting a file whose key has no certificate".into(),
            hint: "; the file should hold the certificate of its key: ask whoever made it for a new one".into(),
        });
    }
    pkcs12::write_bundle(&bundle_of(contents), password, profile)
}

/// Exports `identity` with its key (and chain) from `store` as a PKCS#12
/// file in `profile`, verified by reading it back.
pub fn export_identity(
    store: &dyn Keystore,
    all: &[Identity],
    identity: &Identity,
    password: &Secret,
    profile: Profile,
    include_chain: bool,
) -> Result<Vec<u8>> {
    let key: Zeroizing<Vec<u8>> = store.export_private_key(identity)?;
    let chain: Vec<Vec<u8>> = if include_chain {
        let kept_apart = store.issuer_candidates()?;
        chain::issuers_of(&identity.certificate, &chain::pool(all, &kept_apart)).iter().map(|c| c.der.clone()).collect()
    } else {
        Vec::new()
    };
    let name = identity.friendly_name.clone().unwrap_or_else(|| identity.certificate.display_name().to_owned());
    pkcs12::write(
        &Contents { key_pkcs8: &key, leaf: &identity.certificate.der, chain: &chain, friendly_name: Some(&name) },
        password,
        profile,
    )
}

/// The plain-text list written beside a folder export: what went where, no secrets.
pub const EXPORT_LIST_NAME: &str = "certdesk-export.txt";

/// What "export all my certificates" takes: every identity with a private
/// key that the store does not mark as never exportable.
pub fn exportable_identities(all: &[Identity]) -> Vec<&Identity> {
    all.iter().filter(|i| can_export(i)).collect()
}

/// Whether `identity` can go into a PFX: it has its private key, and the
/// store does not mark that key as never exportable. The list carries the
/// answer (`ListEntry::exportable`), so the app's export dialog and
/// "export all" take what the CLI's export takes.
pub fn can_export(identity: &Identity) -> bool {
    identity.key.has_private_key() && identity.key.exportable() != Some(false)
}

/// One file of a folder export.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ExportedFile {
    pub id: String,
    pub path: PathBuf,
}

/// A file name people recognise: "<name> (<issuer>, <expiry date>).pfx", with
/// the characters Windows and macOS refuse in names replaced.
pub fn export_file_name(identity: &Identity) -> String {
    let cert = &identity.certificate;
    let issuer = cert.issuer.common_name().unwrap_or("unknown issuer");
    let date = cert.not_after.date();
    let raw = format!("{} ({issuer}, {date}).pfx", cert.display_name());
    raw.chars()
        .map(
            |c| {
                if c.is_control() || matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|') {
                    '_'
                } else {
                    c
                }
            },
        )
        .collect::<String>()
        .trim_start_matches('.')
        .to_owned()
}

/// Exports each of `targets` into `folder`, one PFX each under one password,
/// plus `EXPORT_LIST_NAME`. Nothing is written unless every target has a key
/// and no file would be replaced unasked. Every new file is written (hidden,
/// synced) before any takes its name, so an export that fails while making
/// them leaves the folder as it began. Once they take their names, each
/// rename is whole: should one fail there, the files before it are new and
/// those after it old, but no file is ever left with neither.
#[allow(clippy::too_many_arguments)] // one call site per front end; a struct would only rename them
pub fn export_to_folder(
    store: &dyn Keystore,
    all: &[Identity],
    targets: &[&Identity],
    folder: &Path,
    password: &Secret,
    profile: Profile,
    include_chain: bool,
    overwrite: bool,
    language: ListLanguage,
    mut progress: impl FnMut(usize, &Identity),
) -> Result<Vec<ExportedFile>> {
    if let Some(keyless) = targets.iter().find(|t| !t.key.has_private_key()) {
        return Err(Error::NotExportable {
            why: format!("this store holds no private key for \"{}\"", keyless.certificate.display_name()),
        });
    }
    let mut planned: Vec<ExportedFile> = Vec::new();
    for target in targets {
        let mut name = export_file_name(target);
        // Windows and macOS compare names without case: "Foo.pfx" would replace "foo.pfx".
        let taken = |name: &str| {
            planned
                .iter()
                .any(|p| p.path.file_name().is_some_and(|n| n.to_string_lossy().to_lowercase() == name.to_lowercase()))
        };
        if taken(&name) {
            name = name.replace(".pfx", &format!(" {}.pfx", &target.id[..8]));
        }
        planned.push(ExportedFile { id: target.id.clone(), path: folder.join(name) });
    }
    let list_path = folder.join(EXPORT_LIST_NAME);
    if !overwrite {
        if let Some(taken) = planned.iter().map(|p| &p.path).chain([&list_path]).find(|p| p.exists()) {
            return Err(Error::AlreadyExists { path: taken.clone() });
        }
    }
    // Folders this export creates, deepest first: a failed export removes them again.
    let created: Vec<&Path> =
        folder.ancestors().take_while(|dir| !dir.as_os_str().is_empty() && !dir.exists()).collect();
    std::fs::create_dir_all(folder)
        .map_err(|e| Error::io(format!("cannot create the folder {}", folder.display()), e))?;
    let mut named: Vec<&Path> = Vec::new();
    remove_abandoned_partials(folder);
    let result = (|| {
        let mut partials = Vec::with_capacity(planned.len() + 1);
        for (index, (target, file)) in targets.iter().zip(&planned).enumerate() {
            progress(index, target);
            let bytes = export_identity(store, all, target, password, profile, include_chain)?;
            partials.push((write_partial(&file.path, &bytes)?, file.path.as_path()));
        }
        let list = export_list(targets, &planned, profile, language);
        partials.push((write_partial(&list_path, list.as_bytes())?, list_path.as_path()));
        for (partial, path) in partials {
            give_name(partial, path, overwrite)?;
            named.push(path);
        }
        sync_folder(folder);
        Ok(())
    })();
    if result.is_err() {
        // Only files that did not exist before can have been named here
        // when nothing may be replaced; with overwrite, every one named is
        // a complete new file, which stays rather than leave a hole.
        if !overwrite {
            for path in named {
                let _ = std::fs::remove_file(path);
            }
        }
        for dir in created {
            let _ = std::fs::remove_dir(dir);
        }
    }
    result.map(|()| planned)
}

/// The language of the export list: the person moving to a new PC reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListLanguage {
    English,
    Japanese,
}

impl ListLanguage {
    /// From a locale or language code (`ja`, `ja_JP.UTF-8`, `en-US`): Japanese for `ja…`, else English.
    pub fn from_locale(locale: &str) -> ListLanguage {
        if locale.trim().to_ascii_lowercase().starts_with("ja") {
            ListLanguage::Japanese
        } else {
            ListLanguage::English
        }
    }
}

fn export_list(targets: &[&Identity], files: &[ExportedFile], profile: Profile, language: ListLanguage) -> String {
    let (count, profile) = (targets.len(), profile.name());
    let certificates = if count == 1 { "certificate" } else { "certificates" };
    let (mut text, labels) = match language {
        ListLanguage::English => (
            format!(
                "Exported by certdesk: {count} {certificates} with their private keys, format \"{profile}\".\n\
                 Each file is protected by the password chosen at export; it is not written here.\n"
            ),
            ["Subject:  ", "Issued by:", "Expires:  ", "SHA-256:  "],
        ),
        ListLanguage::Japanese => (
            format!(
                "certdesk でエクスポートした証明書: {count} 件（秘密鍵付き）、形式「{profile}」。\n\
                 各ファイルはエクスポート時に決めたパスワードで保護されています。パスワードはここには書かれていません。\n"
            ),
            ["サブジェクト:", "発行者:      ", "有効期限:    ", "SHA-256:     "],
        ),
    };
    for (target, file) in targets.iter().zip(files) {
        let cert = &target.certificate;
        let name = file.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let [subject, issuer, expires, sha256] = labels;
        text.push_str(&format!(
            "\n{name}\n  {subject} {}\n  {issuer} {}\n  {expires} {}\n  {sha256} {}\n",
            cert.subject.rfc4514,
            cert.issuer.rfc4514,
            cert.not_after.date(),
            cert.sha256
        ));
    }
    text
}

/// Saves `bytes` at `path` readable by the owner only (0600), through a
/// temporary file in the same folder and a rename, so the path holds either
/// nothing or the whole file. An existing file is replaced only when asked.
pub fn save_private_file(path: &Path, bytes: &[u8], overwrite: bool) -> Result<()> {
    if !overwrite && path.exists() {
        return Err(Error::AlreadyExists { path: path.to_path_buf() });
    }
    remove_abandoned_partials(folder_of(path));
    let partial = write_partial(path, bytes)?;
    give_name(partial, path, overwrite)?;
    sync_folder(folder_of(path));
    Ok(())
}

fn folder_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// The first half of a save: `bytes` in a hidden temporary file (0600)
/// beside `path`, written, synced to disk and read back, not yet under the
/// user's name. Callers clear the folder of abandoned ones first
/// (`remove_abandoned_partials`), once. Each step ends at a pause point
/// (`save:temp-created`, `save:written`, `save:synced`) where a test build
/// can be killed, to show that no moment of a save leaves a partial file
/// under the user's name.
fn write_partial(path: &Path, bytes: &[u8]) -> Result<tempfile::NamedTempFile> {
    let folder = folder_of(path);
    let io = |what: &str, e: std::io::Error| Error::io(format!("{what} {}", path.display()), e);
    // tempfile creates the file 0600 on Unix.
    let mut temp = tempfile::Builder::new()
        .prefix(".certdesk-")
        .suffix(".partial")
        .tempfile_in(folder)
        .map_err(|e| io("cannot create a file next to", e))?;
    fault::pause_at("save:temp-created");
    // Through the file itself: the temporary name is ours, not the user's business.
    temp.as_file_mut().write_all(&as_the_disk_takes_it(bytes)).map_err(|e| io("cannot write", e))?;
    fault::pause_at("save:written");
    temp.as_file().sync_all().map_err(|e| io("cannot write", e))?;
    fault::pause_at("save:synced");
    read_back(&temp, bytes, path)?;
    Ok(temp)
}

/// `bytes`, or with `CERTDESK_FAULT=save-disk-damages-file` in a test build
/// one bit off: a disk that does not keep what it was given.
fn as_the_disk_takes_it(bytes: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    if !fault::damages("save-disk-damages-file") || bytes.is_empty() {
        return bytes.into();
    }
    let mut damaged = bytes.to_vec();
    damaged[bytes.len() / 2] ^= 1;
    damaged.into()
}

/// Reads the synced temporary file again and compares it with what was
/// meant to be written: a short write or a damaged file never takes the
/// user's name (dropping `temp` removes it).
fn read_back(temp: &tempfile::NamedTempFile, meant: &[u8], path: &Path) -> Result<()> {
    use std::io::Read as _;
    let mut back = Vec::with_capacity(meant.len());
    temp.reopen()
        .and_then(|mut file| file.read_to_end(&mut back))
        .map_err(|e| Error::io(format!("cannot read back what was written for {}", path.display()), e))?;
    if back != meant {
        let differs = match back.iter().zip(meant).position(|(a, b)| a != b) {
            Some(at) => format!("byte {at} of {} differs", meant.len()),
            None => format!("{} bytes came back of the {} written", back.len(), meant.len()),
        };
        return Err(Error::NotVerified { what: path.display().to_string(), why: differs });
    }
    Ok(())
}

/// The second half: the written file takes `path` in one rename, so the
/// path holds the old file or the whole new one, never part of either.
fn give_name(partial: tempfile::NamedTempFile, path: &Path, overwrite: bool) -> Result<()> {
    let io = |e: std::io::Error| Error::io(format!("cannot save {}", path.display()), e);
    if overwrite {
        partial.persist(path).map_err(|e| io(e.error))?;
    } else {
        partial.persist_noclobber(path).map_err(|e| match e.error.kind() {
            std::io::ErrorKind::AlreadyExists => Error::AlreadyExists { path: path.to_path_buf() },
            _ => io(e.error),
        })?;
    }
    fault::pause_at("save:renamed");
    Ok(())
}

/// Makes the renames themselves durable: until the folder is synced, a
/// power cut may forget that the new name exists. Best effort (Windows has
/// no folder sync; the rename there is durable on its own terms).
fn sync_folder(folder: &Path) {
    #[cfg(unix)]
    if let Ok(dir) = std::fs::File::open(folder) {
        let _ = dir.sync_all();
    }
    #[cfg(not(unix))]
    let _ = folder;
    fault::pause_at("save:folder-synced");
}

/// A save cut short by SIGKILL or a power cut leaves its hidden temporary
/// file behind (never the target). The next save in that folder removes
/// those old enough to be nobody's work in progress: a save takes well under
/// a second.
fn remove_abandoned_partials(folder: &Path) {
    const ABANDONED_AFTER: std::time::Duration = std::time::Duration::from_secs(600);
    let Ok(entries) = std::fs::read_dir(folder) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if !(name.starts_with(".certdesk-") && name.ends_with(".partial")) {
            continue;
        }
        let Ok(meta) = entry.metadata() else { continue };
        let abandoned = meta.modified().ok().and_then(|t| t.elapsed().ok()).is_some_and(|age| age > ABANDONED_AFTER);
        if meta.is_file() && abandoned {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use crate::pkcs12::CertBag;

    #[test]
    fn the_export_list_speaks_the_language_asked_for_and_holds_no_secret() {
        let der = include_bytes!("../../../tests/fixtures/tls/wine-ca.der");
        let certificate = crate::model::Certificate::from_der(der).unwrap();
        let identity = Identity::new(certificate, crate::model::KeyStatus::Exportable, None, "nss:test");
        let files = [ExportedFile { id: identity.id.clone(), path: PathBuf::from("/x/certdesk Wine CA.pfx") }];
        let japanese = export_list(&[&identity], &files, Profile::Compatible, ListLanguage::from_locale("ja_JP.UTF-8"));
        assert!(japanese.starts_with("certdesk でエクスポートした証明書: 1 件"), "{japanese}");
        assert!(japanese.contains("発行者:"), "{japanese}");
        assert!(japanese.contains(&identity.id));
        let english = export_list(&[&identity], &files, Profile::Compatible, ListLanguage::from_locale("en-US"));
        assert!(english.contains("  Issued by: CN=certdesk Wine CA,O=certdesk tests"), "{english}");
        assert!(english.contains("certdesk Wine CA.pfx"));
        assert_eq!(ListLanguage::from_locale("C"), ListLanguage::English);
    }

    fn fixture(name: &str, password: &str) -> Pkcs12 {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/pkcs12").join(name);
        pkcs12::read(&std::fs::read(path).unwrap(), &Secret::from(password)).unwrap()
    }

    fn ders(p: &Pkcs12) -> Vec<Vec<u8>> {
        let mut all: Vec<Vec<u8>> = p.certificates.iter().map(|c| c.der.clone()).collect();
        all.sort();
        all.dedup();
        all
    }

    /// macOS 14 reads only the compatible profile, so the store is given a
    /// compatible copy of every file: one of certificates alone, one of a key
    /// without its certificate, one of two keys with two chains.
    #[test]
    fn every_file_is_handed_to_the_store_in_the_compatible_profile() {
        for (name, password) in [
            ("node-forge/p12certonly.p12", ""),
            ("bouncycastle-bc-java/jdk-sample-cacerts-nopw.p12", ""),
            ("node-forge/p12keyonly.p12", ""),
            ("node-forge/p12encmixed.p12", "123456"),
            ("p12-keystore/pbes2-keystore.p12", "changeit"),
        ] {
            let original = fixture(name, password);
            let (file, throwaway) = normalise(&original).unwrap();
            let back = pkcs12::read(&file, &throwaway).unwrap();
            assert!(
                matches!(back.protection.mac, Some(pkcs12::MacScheme::Hmac { hash: crate::pkcs12::Hash::Sha1, .. })),
                "{name}: {:?}",
                back.protection.mac
            );
            assert!(
                back.protection
                    .key
                    .iter()
                    .chain(&back.protection.certificates)
                    .all(|s| matches!(s, pkcs12::Scheme::Pkcs12Pbe { .. })),
                "{name}: {:?}",
                back.protection
            );
            let keys = |p: &Pkcs12| p.keys.iter().map(|k| k.pkcs8.to_vec()).collect::<Vec<_>>();
            assert_eq!(keys(&back), keys(&original), "{name}");
            assert_eq!(ders(&back), ders(&original), "{name}");
        }
    }

    /// A chain certificate the system already has stays out of the store;
    /// a certificate that belongs to a key is imported even when it is there.
    #[test]
    fn chain_certificates_the_system_trusts_are_left_out_but_never_a_keys_own() {
        let file = fixture("node-forge/p12encmixed.p12", "123456");
        let own: Vec<Vec<u8>> = file
            .keys
            .iter()
            .filter_map(|k| pkcs12::certificate_for_key(&file.certificates, k))
            .map(|c| c.der.clone())
            .collect();
        let chain: Vec<&CertBag> = file.certificates.iter().filter(|c| !own.contains(&c.der)).collect();
        assert!(own.len() == 2 && chain.len() >= 2, "the fixture has two keys and a chain");
        let trusted: Vec<Certificate> =
            [&chain[0].der, &own[0]].iter().map(|der| Certificate::from_der(der).unwrap()).collect();

        let (kept, left_out) = without_trusted_chain(&file, &trusted);
        assert_eq!(left_out, vec![trusted[0].sha256.clone()]);
        assert!(!kept.certificates.iter().any(|c| c.der == chain[0].der));
        assert!(kept.certificates.iter().any(|c| c.der == own[0]), "the key's own certificate stays");
        assert_eq!(kept.keys.len(), 2);

        let (all, none) = without_trusted_chain(&file, &[]);
        assert_eq!((all.certificates.len(), none.len()), (file.certificates.len(), 0));
    }

    #[test]
    fn saved_files_are_private_and_never_overwritten_unasked() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("山田.p12");
        save_private_file(&path, b"first", false).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(save_private_file(&path, b"second", false).unwrap_err().kind(), "already_exists");
        assert_eq!(std::fs::read(&path).unwrap(), b"first");
        save_private_file(&path, b"second", true).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"second");
        let leftovers = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(leftovers, 1, "no temporary file is left behind");
    }
}
