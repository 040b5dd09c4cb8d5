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

pub fn from_file(path: &Path) -> Result<Secret, Error> {
    let text = zeroize::Zeroizing::new(
        std::fs::read_to_string(path)
            .map_err(|e| Error::Io { what: format!("reading the password file {}", path.display()), source: e })?,
    );
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

pub fn from_env(var: &str) -> Option<Secret> {
    std::env::var(var).ok().map(Secret::new)
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
    if secret.is_empty() {
        return Err(Error::InvalidInput(
            "choose a password for the file: without one, anyone who gets the file gets the private key".into(),
        ));
    }
    Ok(secret)
}
