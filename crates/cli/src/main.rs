//! `certdesk`: the command line over certdesk-core. `main` parses, `run`
//! does the work, and `output` prints; exit code 2 means the user's input was
//! wrong (unknown id, bad option, bad file, wrong password), 1 anything else.

mod args;
mod output;

use std::io::BufRead as _;
use std::process::ExitCode;

use clap::Parser as _;

use args::{Cli, Command, ListArgs, PasswordArgs, StatusFilter};
use certdesk_core::{Error, Overview, Secret};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if e.use_stderr() && std::env::args().any(|a| a == "--json") => {
            output::usage_error(&e.render().to_string());
            return ExitCode::from(2);
        }
        Err(e) => e.exit(),
    };
    match run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            output::error(&e, cli.json);
            ExitCode::from(if e.is_input_error() { 2 } else { 1 })
        }
    }
}

fn run(cli: &Cli) -> Result<(), Error> {
    let store = cli.store_spec()?.open()?;
    let now = time::OffsetDateTime::now_utc();
    let overview = || Overview::of(&*store, now, cli.renewal_window());
    match &cli.command {
        Command::List(filter) => {
            let overview = overview()?;
            let entries = listed(&overview, filter);
            output::list(&entries, &overview.identities, now, cli.json);
        }
        Command::Show { id } => {
            let overview = overview()?;
            let identity = overview.resolve(&[id])?[0];
            let (_, health) = overview.entries().find(|(i, _)| i.id == identity.id).expect("resolved from overview");
            output::show(identity, health, cli.json);
        }
        Command::Delete { ids, yes } => {
            let overview = overview()?;
            let targets = overview.resolve(ids)?;
            let steps = overview.plan_deletion(&targets);
            confirm(&steps, *yes)?;
            certdesk_core::delete(&*store, &steps, |step| output::deleting(step, cli.json))?;
            output::deleted(&steps, cli.json);
        }
        Command::Cleanup { apply, yes } => {
            let overview = overview()?;
            let candidates = overview.cleanup_candidates();
            let shown: Vec<_> = candidates
                .iter()
                .map(|c| (overview.identities.iter().find(|i| i.id == c.id).expect("candidate from overview"), c))
                .collect();
            output::cleanup(&shown, *apply, cli.json);
            if *apply && !shown.is_empty() {
                let targets: Vec<_> = shown.iter().map(|(i, _)| *i).collect();
                let steps = overview.plan_deletion(&targets);
                confirm(&steps, *yes)?;
                certdesk_core::delete(&*store, &steps, |step| output::deleting(step, cli.json))?;
                output::deleted(&steps, cli.json);
            }
        }
        Command::Import { file, not_exportable, password } => {
            let pfx = std::fs::read(file)
                .map_err(|e| Error::Io { what: format!("reading {}", file.display()), source: e })?;
            let password = read_password(password, "CERTDESK_PASSWORD")?;
            let outcome = store.import_pkcs12(&pfx, &password, !not_exportable)?;
            output::imported(&outcome, cli.json);
        }
    }
    Ok(())
}

fn listed<'a>(
    overview: &'a Overview,
    filter: &ListArgs,
) -> Vec<(&'a certdesk_core::Identity, &'a certdesk_core::Assessment)> {
    let issuer_text = filter.issuer.as_deref().map(str::to_lowercase);
    let mut entries: Vec<_> = overview
        .entries()
        .filter(|(_, health)| match filter.status_filter() {
            None => true,
            Some(StatusFilter::Superseded) => health.superseded(),
            Some(StatusFilter::Status(status)) => health.status == status,
        })
        .filter(|(identity, _)| {
            issuer_text.as_deref().is_none_or(|text| identity.certificate.issuer.rfc4514.to_lowercase().contains(text))
        })
        .filter(|(identity, _)| !filter.client_auth || identity.certificate.client_auth)
        .collect();
    // Renewals of one certificate sort together, newest first.
    entries.sort_by(|(a, _), (b, _)| {
        let key = |i: &certdesk_core::Identity| {
            (
                i.certificate.display_name().to_lowercase(),
                i.certificate.subject.normalised.clone(),
                i.certificate.issuer.normalised.clone(),
                std::cmp::Reverse(i.certificate.not_after),
            )
        };
        key(a).cmp(&key(b))
    });
    entries
}

/// Deleting needs a yes: from --yes, or typed at a terminal.
fn confirm(steps: &[certdesk_core::DeletionStep], yes: bool) -> Result<(), Error> {
    if yes {
        return Ok(());
    }
    if !output::stdin_is_terminal() {
        return Err(Error::InvalidInput(
            "deleting needs confirmation; not on a terminal, so add --yes to confirm".into(),
        ));
    }
    if output::confirm_deletion(steps) {
        Ok(())
    } else {
        Err(Error::Cancelled)
    }
}

/// The password, from a file, stdin, the environment or a hidden prompt, in
/// that order; never from argv.
fn read_password(from: &PasswordArgs, env_var: &str) -> Result<Secret, Error> {
    let first_line = |text: String| Secret::new(text.lines().next().unwrap_or("").to_owned());
    if let Some(path) = &from.password_file {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::Io { what: format!("reading the password file {}", path.display()), source: e })?;
        return Ok(first_line(text));
    }
    if from.password_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| Error::Io { what: "reading the password from standard input".into(), source: e })?;
        return Ok(first_line(line));
    }
    if let Ok(value) = std::env::var(env_var) {
        return Ok(Secret::new(value));
    }
    if !output::stdin_is_terminal() {
        return Err(Error::InvalidInput(format!(
            "a password is needed; give it with --password-file, --password-stdin or the {env_var} variable"
        )));
    }
    rpassword::prompt_password(output::password_prompt())
        .map(Secret::new)
        .map_err(|e| Error::Io { what: "reading the password".into(), source: e })
}
