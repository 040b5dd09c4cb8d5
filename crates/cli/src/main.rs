//! `certdesk`: the command line over certdesk-core. `main` parses, `run`
//! does the work, and `output` prints; exit code 2 means the user's input was
//! wrong (unknown id, bad option, bad file, wrong password), 1 anything else.

mod args;
mod output;
mod password;

use std::process::ExitCode;

use clap::Parser as _;

use args::{Cli, Command, ListArgs, PrefsCommand, StatusFilter};
use certdesk_core::probe::IfUntrusted;
use certdesk_core::{inspect, prefs, transfer, Error, Overview, Secret};

fn main() -> ExitCode {
    password::take_from_environment();
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
    // Commands on files alone need no store.
    match &cli.command {
        Command::Inspect { file, password } => {
            let bytes = transfer::read_file(file)?;
            let name = file.display().to_string();
            let explicit = password.password_file.is_some()
                || password.password_stdin
                || password::in_environment("CERTDESK_PASSWORD");
            let report = match (inspect::needs_password(&bytes), explicit) {
                (false, _) => inspect::inspect(&name, &bytes, &Secret::default())?,
                (true, true) => {
                    let secret = password::existing(
                        password.password_file.as_deref(),
                        password.password_stdin,
                        "CERTDESK_PASSWORD",
                    )?;
                    inspect::inspect(&name, &bytes, &secret)?
                }
                // Many files have no password: try that before asking.
                (true, false) => match inspect::inspect(&name, &bytes, &Secret::default()) {
                    Err(Error::WrongPassword) => {
                        let secret = password::existing(None, false, "CERTDESK_PASSWORD")?;
                        inspect::inspect(&name, &bytes, &secret)?
                    }
                    other => other?,
                },
            };
            output::inspection(&report, cli.json);
            return Ok(());
        }
        Command::Convert { file, out, profile, force, password, new_password_file } => {
            let bytes = transfer::read_file(file)?;
            let old =
                password::existing(password.password_file.as_deref(), password.password_stdin, "CERTDESK_PASSWORD")?;
            let contents = certdesk_core::pkcs12::read(&bytes, &old)?;
            drop(old);
            let new =
                password::new(new_password_file.as_deref(), false, "CERTDESK_NEW_PASSWORD", "--new-password-file")?;
            let converted = transfer::convert(&contents, &new, (*profile).into())?;
            transfer::save_private_file(out, &converted, *force)?;
            output::written(out, (*profile).into(), cli.json);
            return Ok(());
        }
        _ => {}
    }
    let store = cli.store_spec()?.open()?;
    let now = time::OffsetDateTime::now_utc();
    let overview = || Overview::of(&*store, now, cli.renewal_window());
    match &cli.command {
        Command::List(filter) => {
            let overview = overview()?;
            let entries = listed(&overview, filter);
            let trust = if filter.trust { overview.trust(&*store)? } else { Default::default() };
            output::list(&entries, &overview.identities, &trust, now, cli.json);
        }
        Command::Show { id } => {
            let overview = overview()?;
            let identity = overview.resolve(&[id])?[0];
            let (_, health) = overview.entries().find(|(i, _)| i.id == identity.id).expect("resolved from overview");
            let trust = overview.trust(&*store)?;
            output::show(identity, health, trust.get(identity.id.as_str()), cli.json);
        }
        Command::Delete { ids, yes } => {
            let overview = overview()?;
            let targets = overview.resolve(ids)?;
            let steps = overview.plan_deletion(&targets);
            confirm(*yes, || output::confirm_deletion(&steps))?;
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
                confirm(*yes, || output::confirm_deletion(&steps))?;
                certdesk_core::delete(&*store, &steps, |step| output::deleting(step, cli.json))?;
                output::deleted(&steps, cli.json);
            }
        }
        Command::Import { file, not_exportable, password } => {
            let pfx = transfer::read_file(file)?;
            let secret =
                password::existing(password.password_file.as_deref(), password.password_stdin, "CERTDESK_PASSWORD")?;
            let outcome = transfer::import_file(&*store, &pfx, &secret, !not_exportable)?;
            output::imported(&outcome, cli.json);
        }
        Command::Export { id, out, profile, no_chain, force, password_file, password_stdin } => {
            // Checked again when saving; checked here so nobody types a password in vain.
            if !force && out.exists() {
                return Err(Error::AlreadyExists { path: out.clone() });
            }
            let overview = overview()?;
            let identity = overview.resolve(&[id])?[0];
            if !identity.key.has_private_key() {
                return Err(Error::NotExportable { why: "this store holds no private key for it".into() });
            }
            let secret =
                password::new(password_file.as_deref(), *password_stdin, "CERTDESK_NEW_PASSWORD", "--password-file")?;
            let file = transfer::export_identity(
                &*store,
                &overview.identities,
                identity,
                &secret,
                (*profile).into(),
                !no_chain,
            )?;
            transfer::save_private_file(out, &file, *force)?;
            output::written(out, (*profile).into(), cli.json);
        }
        Command::ExportFolder { folder, ids, profile, no_chain, force, password_file, password_stdin } => {
            let overview = overview()?;
            let targets = if ids.is_empty() {
                transfer::exportable_identities(&overview.identities)
            } else {
                overview.resolve(ids)?
            };
            if targets.is_empty() {
                return Err(Error::NotExportable { why: "no certificate in this store has an exportable key".into() });
            }
            let secret =
                password::new(password_file.as_deref(), *password_stdin, "CERTDESK_NEW_PASSWORD", "--password-file")?;
            let files = transfer::export_to_folder(
                &*store,
                &overview.identities,
                &targets,
                folder,
                &secret,
                (*profile).into(),
                !no_chain,
                *force,
                transfer::ListLanguage::from_locale(&locale()),
                |_, _| {},
            )?;
            for file in &files {
                output::written(&file.path, (*profile).into(), cli.json);
            }
        }
        Command::Probe { site, identity, insecure } => {
            let target: certdesk_core::probe::Target = site.parse()?;
            let overview = overview()?;
            let chosen = match identity {
                Some(id) => Some(overview.resolve(&[id])?[0]),
                None => None,
            };
            let if_untrusted = if *insecure { IfUntrusted::SendAnyway } else { IfUntrusted::Refuse };
            let report = certdesk_core::probe::probe(&target, &*store, &overview, chosen, if_untrusted)?;
            output::probe(&report, cli.json);
        }
        Command::Prefs(PrefsCommand::List { stale }) => {
            let overview = overview()?;
            let mut found = prefs::load(&*store, &overview)?;
            if *stale {
                found.retain(|p| p.stale.is_some());
            }
            output::preferences(&found, cli.json);
        }
        Command::Prefs(PrefsCommand::Delete { ids, stale, yes }) => {
            let overview = overview()?;
            let found = prefs::load(&*store, &overview)?;
            let chosen: Vec<&prefs::Preference> = if *stale {
                found.iter().filter(|p| p.stale.is_some()).collect()
            } else {
                ids.iter().map(|id| prefs::find(&found, id)).collect::<Result<_, _>>()?
            };
            if !chosen.is_empty() {
                confirm(*yes, || output::confirm_preference_deletion(&chosen))?;
            }
            let mut routes = Vec::new();
            for preference in &chosen {
                routes.push(((*preference).clone(), store.delete_identity_preference(&preference.service)?));
            }
            output::preferences_deleted(&routes, cli.json);
        }
        Command::Inspect { .. } | Command::Convert { .. } => unreachable!("handled above"),
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
/// `ask` puts the question at the terminal and says whether the user agreed.
fn confirm(yes: bool, ask: impl FnOnce() -> bool) -> Result<(), Error> {
    if yes {
        return Ok(());
    }
    if !output::stdin_is_terminal() {
        return Err(Error::InvalidInput(
            "deleting needs confirmation; not on a terminal, so add --yes to confirm".into(),
        ));
    }
    if ask() {
        Ok(())
    } else {
        Err(Error::Cancelled)
    }
}

/// The user's locale as the C library reads it: LC_ALL, then LC_MESSAGES, then LANG.
fn locale() -> String {
    ["LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
        .unwrap_or_default()
}
