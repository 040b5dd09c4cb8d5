//! Exporting identities with their keys: to one file, or to a folder.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::model::Identity;
use crate::overview::Overview;
use crate::pkcs12::Profile;
use crate::secret::Secret;
use crate::store::Keystore;
use crate::transfer::{self, ExportedFile, ListLanguage};

/// Where an export goes.
#[derive(Debug, Clone)]
pub enum Destination {
    /// One certificate, to this file.
    File(PathBuf),
    /// Each certificate to its own file in this folder, with the list beside them.
    Folder(PathBuf),
}

pub struct ExportRequest {
    /// Id prefixes; for a folder, none means every exportable identity.
    pub ids: Vec<String>,
    pub destination: Destination,
    pub password: Secret,
    pub profile: Profile,
    pub include_chain: bool,
    pub overwrite: bool,
    pub language: ListLanguage,
}

/// Refuses a file that exists when nothing may be replaced: asked before
/// the password, so that nobody types one in vain (the save checks again).
pub fn refuse_existing(path: &Path, overwrite: bool) -> Result<()> {
    if !overwrite && path.exists() {
        return Err(Error::AlreadyExists { path: path.to_path_buf() });
    }
    Ok(())
}

/// A new file's password is never empty: without one, anyone who gets the
/// file gets the private key.
pub fn refuse_empty_password(password: &Secret) -> Result<()> {
    if password.is_empty() {
        return Err(Error::InvalidInput(
            "choose a password for the file: without one, anyone who gets the file gets the private key".into(),
        ));
    }
    Ok(())
}

/// Refuses a certificate without a private key here, the same words for every front end.
pub fn refuse_keyless(identity: &Identity) -> Result<()> {
    if !identity.key.has_private_key() {
        return Err(Error::NotExportable {
            why: format!("this store holds no private key for \"{}\"", identity.certificate.display_name()),
        });
    }
    Ok(())
}

/// The identities a folder export of `ids` (prefixes) takes: those named,
/// or with none named every exportable one; refused when that is nothing.
/// The CLI asks it before the password, so that nobody types one in vain.
pub fn folder_targets<'a>(overview: &'a Overview, ids: &[String]) -> Result<Vec<&'a Identity>> {
    let targets =
        if ids.is_empty() { transfer::exportable_identities(&overview.identities) } else { overview.resolve(ids)? };
    if targets.is_empty() {
        return Err(Error::NotExportable { why: "no certificate in this store has an exportable key".into() });
    }
    Ok(targets)
}

/// Exports what `request` asks, each file read back and verified before it
/// is reported. `progress` hears of each identity as its file is made.
pub fn export(
    store: &dyn Keystore,
    overview: &Overview,
    request: &ExportRequest,
    mut progress: impl FnMut(usize, usize, &Identity),
) -> Result<Vec<ExportedFile>> {
    refuse_empty_password(&request.password)?;
    match &request.destination {
        Destination::File(path) => {
            let targets = overview.resolve(&request.ids)?;
            let [identity] = targets[..] else {
                return Err(Error::InvalidInput(format!(
                    "export to one file takes one certificate, not {}; choose a folder",
                    targets.len()
                )));
            };
            refuse_keyless(identity)?;
            refuse_existing(path, request.overwrite)?;
            progress(0, 1, identity);
            let file = transfer::export_identity(
                store,
                &overview.identities,
                identity,
                &request.password,
                request.profile,
                request.include_chain,
            )?;
            transfer::save_private_file(path, &file, request.overwrite)?;
            Ok(vec![ExportedFile { id: identity.id.clone(), path: path.clone() }])
        }
        Destination::Folder(folder) => {
            let targets = folder_targets(overview, &request.ids)?;
            let total = targets.len();
            transfer::export_to_folder(
                store,
                &overview.identities,
                &targets,
                folder,
                &request.password,
                request.profile,
                request.include_chain,
                request.overwrite,
                request.language,
                |done, identity| progress(done, total, identity),
            )
        }
    }
}
