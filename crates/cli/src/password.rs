//! Where passwords come from: a file, standard input, the environment or a
//! hidden prompt. Never the command line, which every user of the machine
//! can read.

use std::io::BufRead as _;
use std::path::Path;

use certdesk_core::{Error, Secret};

use crate::output;

fn first_line(text: &str) -> Secret {
    Secret::new(text.lines().next().unwrap_or("").to_owned())
}

/// A password file longer than this is not a password file: reading stops
/// there (a device such as `/dev/zero` never ends).
const MAX_PASSWORD_FILE: u64 = 64 * 1024;

pub fn from_file(path: &Path) -> Result<Secret, Error> {
    use std::io::Read as _;
    let io = |e| Error::Io { what: format!("reading the password file {}", path.display()), source: e };
    let mut bytes = zeroize::Zeroizing::new(Vec::new());
    std::fs::File::open(path).map_err(io)?.take(MAX_PASSWORD_FILE + 1).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > MAX_PASSWORD_FILE {
        return Err(Error::InvalidInput(format!(
            "{} is not a password file (it is longer than 64 KiB); give a file holding the password on its first line",
            path.display()
        )));
    }
    let text = zeroize::Zeroizing::new(String::from_utf8_lossy(&bytes).into_owned());
    Ok(first_line(&text))
}

pub fn from_stdin() -> Result<Secret, Error> {
    let mut line = zeroize::Zeroizing::new(String::new());
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Error::Io { what: "reading the password from standard input".into(), source: e })?;
    Ok(first_line(&line))
}

/// The variables a password may be given in.
const PASSWORD_VARIABLES: [&str; 4] =
    ["CERTDESK_PASSWORD", "CERTDESK_NEW_PASSWORD", "CERTDESK_PIN", "CERTDESK_DB_PASSWORD"];

static FROM_ENVIRONMENT: std::sync::OnceLock<Vec<(&'static str, Secret)>> = std::sync::OnceLock::new();

/// Takes the password variables out of this process's environment, keeping
/// their values here: no program certdesk starts (the macOS `security` tool,
/// or any added later) may inherit a password. Called first thing in `main`,
/// before any thread or child exists. A value that is not valid Unicode is
/// removed too, and then treated as not given.
pub fn take_from_environment() {
    let taken = PASSWORD_VARIABLES
        .iter()
        .filter_map(|&var| {
            let value = std::env::var(var).ok();
            std::env::remove_var(var);
            value.map(|v| (var, Secret::new(v)))
        })
        .collect();
    let _ = FROM_ENVIRONMENT.set(taken);
}

/// The password given in `var` (taken at start, see `take_from_environment`).
pub fn from_env(var: &str) -> Option<Secret> {
    FROM_ENVIRONMENT.get()?.iter().find(|(name, _)| *name == var).map(|(_, secret)| secret.clone())
}

/// Whether a password was given in `var`.
pub fn in_environment(var: &str) -> bool {
    from_env(var).is_some()
}

fn prompt(question: &str) -> Result<Secret, Error> {
    rpassword::prompt_password(question)
        .map(Secret::new)
        .map_err(|e| Error::Io { what: "reading the password".into(), source: e })
}

/// The password of an existing file, asked once.
pub fn existing(file: Option<&Path>, stdin: bool, env_var: &str) -> Result<Secret, Error> {
    if let Some(path) = file {
        return from_file(path);
    }
    if stdin {
        return from_stdin();
    }
    if let Some(secret) = from_env(env_var) {
        return Ok(secret);
    }
    if !output::stdin_is_terminal() {
        return Err(Error::InvalidInput(format!(
            "a password is needed; give it with --password-file, --password-stdin or the {env_var} variable"
        )));
    }
    prompt(output::PROMPT_EXISTING)
}

/// A password for a new file: asked twice at a terminal; never empty.
pub fn new(file: Option<&Path>, stdin: bool, env_var: &str, file_flag: &str) -> Result<Secret, Error> {
    let secret = if let Some(path) = file {
        from_file(path)?
    } else if stdin {
        from_stdin()?
    } else if let Some(secret) = from_env(env_var) {
        secret
    } else if !output::stdin_is_terminal() {
        return Err(Error::InvalidInput(format!(
            "a password for the new file is needed; give it with {file_flag} or the {env_var} variable"
        )));
    } else {
        let first = prompt(output::PROMPT_NEW)?;
        let again = prompt(output::PROMPT_AGAIN)?;
        if first.expose() != again.expose() {
            return Err(Error::InvalidInput("the two passwords differ; nothing was written".into()));
        }
        first
    };
    certdesk_core::actions::export::refuse_empty_password(&secret)?;
    Ok(secret)
}

/// A card's PIN: from `--pin-file`, the `CERTDESK_PIN` variable, or a hidden
/// prompt. Asked once: certdesk never retries a PIN on its own.
pub fn pin(file: Option<&Path>, token: &str) -> Result<Secret, Error> {
    if let Some(path) = file {
        return from_file(path);
    }
    if let Some(secret) = from_env("CERTDESK_PIN") {
        return Ok(secret);
    }
    if !output::stdin_is_terminal() {
        return Err(Error::InvalidInput(
            "a PIN is needed for --login; give it with --pin-file or the CERTDESK_PIN variable".into(),
        ));
    }
    rpassword::prompt_password(format!("PIN of \"{token}\": "))
        .map(Secret::new)
        .map_err(|e| Error::Io { what: "reading the PIN".into(), source: e })
}

/// The Primary Password of an NSS database: from `--db-password-file`, the
/// `CERTDESK_DB_PASSWORD` variable, or a hidden prompt at a terminal when
/// the database has one. Off a terminal, none: a database that needs one
/// then says how to give it (`database_locked`).
pub fn database(file: Option<&Path>, store: &certdesk_core::StoreSpec) -> Result<Option<Secret>, Error> {
    if let Some(path) = file {
        return from_file(path).map(Some);
    }
    if let Some(secret) = from_env("CERTDESK_DB_PASSWORD") {
        return Ok(Some(secret));
    }
    if !output::stdin_is_terminal() || !store.needs_database_password()? {
        return Ok(None);
    }
    rpassword::prompt_password(format!("Primary Password of {store}: "))
        .map(|password| Some(Secret::new(password)))
        .map_err(|e| Error::Io { what: "reading the Primary Password".into(), source: e })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The only test that touches these variables, so no other test races it.
    #[test]
    fn passwords_in_the_environment_are_kept_but_not_passed_on() {
        std::env::set_var("CERTDESK_PASSWORD", "geheim-山田");
        take_from_environment();
        assert_eq!(from_env("CERTDESK_PASSWORD").map(|s| s.expose().to_owned()).as_deref(), Some("geheim-山田"));
        let child = std::process::Command::new("sh")
            .args(["-c", "printf %s \"${CERTDESK_PASSWORD-unset}\""])
            .output()
            .expect("sh runs");
        assert_eq!(String::from_utf8_lossy(&child.stdout), "unset");
    }
}
