//! `certdesk`: the command line over certdesk-core. `main` parses, `run`
//! does the work, and `output` prints; exit code 2 means the user's input was
//! wrong (unknown id, bad option, bad file, wrong password), 1 anything else.

mod args;
mod output;
mod password;

use std::process::ExitCode;

use clap::Parser as _;

use args::{Cli, Command, PrefsCommand};
use certdesk_core::actions::{self, Destination, ExportRequest, PreferenceChoice};
use certdesk_core::probe::IfUntrusted;
use certdesk_core::{inspect, prefs, transfer, Error, Overview};

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
        Ok(code) => code,
        Err(e) => {
            output::error(&e, cli.json);
            ExitCode::from(if e.is_input_error() { 2 } else { 1 })
        }
    }
}

/// Does what `cli` asks; the exit code is 1 when some of several deletions failed (each said why).
fn run(cli: &Cli) -> Result<ExitCode, Error> {
    // Commands on files alone need no store.
    match &cli.command {
        Command::Inspect { file, password } => {
            let bytes = transfer::read_file(file)?;
            let explicit = password.password_file.is_some()
                || password.password_stdin
                || password::in_environment("CERTDESK_PASSWORD");
            let given = if explicit && inspect::needs_password(&bytes) {
                Some(password::existing(
                    password.password_file.as_deref(),
                    password.password_stdin,
                    "CERTDESK_PASSWORD",
                )?)
            } else {
                None
            };
            let ask = || password::existing(None, false, "CERTDESK_PASSWORD");
            let report = actions::inspect_file(&file.display().to_string(), &bytes, given.as_ref(), ask)?;
            output::inspection(&report, cli.json);
            return Ok(ExitCode::SUCCESS);
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
            return Ok(ExitCode::SUCCESS);
        }
        Command::Tokens { module } => {
            let modules = cli.store_spec()?.token_modules(module);
            let report = actions::tokens::tokens(&modules, transfer::ListLanguage::from_locale(&locale()));
            output::tokens(&report, cli.json);
            return Ok(ExitCode::SUCCESS);
        }
        _ => {}
    }
    let store = open_store(cli)?;
    let now = time::OffsetDateTime::now_utc();
    let overview = || Overview::of(&*store, now, cli.renewal_window());
    match &cli.command {
        Command::List(args) => {
            let overview = overview()?;
            let entries = actions::list(&overview, &args.filter());
            let trust = if args.trust { overview.trust(&*store)? } else { Default::default() };
            output::list(&entries, &overview.identities, &trust, store.location().as_deref(), now, cli.json);
        }
        Command::Show { id } => {
            let overview = overview()?;
            let identity = overview.resolve(&[id])?[0];
            let (_, health) = overview.entries().find(|(i, _)| i.id == identity.id).expect("resolved from overview");
            let details = actions::details(&*store, &overview, &identity.id)?;
            let trust = overview.trust(&*store)?;
            output::show(identity, health, &details, trust.get(identity.id.as_str()), cli.json);
        }
        Command::Delete { ids, yes } => {
            let overview = overview()?;
            let plan = actions::plan_deletion(&overview, ids)?;
            confirm(*yes, || output::confirm_deletion(&plan.steps))?;
            plan.carry_out(&*store, |step| output::deleting(step, cli.json))?;
            output::deleted(&plan.steps, cli.json);
        }
        Command::Calendar { ids, out, force } => {
            let overview = overview()?;
            let language = transfer::ListLanguage::from_locale(&locale());
            let (ics, count) =
                certdesk_core::calendar::calendar_of(&overview, ids, cli.renewal_window(), now, language)?;
            transfer::save_private_file(out, ics.as_bytes(), *force)?;
            output::calendar_written(out, count, cli.json);
        }
        Command::Check { client_auth } => {
            let overview = overview()?;
            let check = actions::check(&overview, now, cli.renewal_window(), *client_auth);
            output::check(&check, &store.spec(), cli.json);
            return Ok(ExitCode::from(check.attention.exit_code()));
        }
        Command::Cleanup { apply, yes } => {
            let overview = overview()?;
            let items = actions::cleanup(&overview);
            output::cleanup(&items, *apply, cli.json);
            if *apply && !items.is_empty() {
                let targets: Vec<_> = items.iter().map(|item| item.identity).collect();
                let plan = actions::delete::plan_for(&overview, &targets);
                confirm(*yes, || output::confirm_deletion(&plan.steps))?;
                plan.carry_out(&*store, |step| output::deleting(step, cli.json))?;
                output::deleted(&plan.steps, cli.json);
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
            // Refused before the password is asked, so that nobody types one in vain.
            actions::refuse_existing(out, *force)?;
            let overview = overview()?;
            actions::export::refuse_keyless(overview.resolve(&[id])?[0])?;
            let request = export_request(
                vec![id.clone()],
                Destination::File(out.clone()),
                *profile,
                !no_chain,
                *force,
                password_file.as_deref(),
                *password_stdin,
            )?;
            actions::export(&*store, &overview, &request, |_, _, _| {})?;
            output::written(out, request.profile, cli.json);
        }
        Command::ExportFolder { folder, ids, profile, no_chain, force, password_file, password_stdin } => {
            let overview = overview()?;
            actions::export::folder_targets(&overview, ids)?;
            let request = export_request(
                ids.clone(),
                Destination::Folder(folder.clone()),
                *profile,
                !no_chain,
                *force,
                password_file.as_deref(),
                *password_stdin,
            )?;
            for file in actions::export(&*store, &overview, &request, |_, _, _| {})? {
                output::written(&file.path, request.profile, cli.json);
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
            let found = if *stale {
                actions::preferences::chosen_preferences(
                    &*store,
                    &overview,
                    now,
                    cli.renewal_window(),
                    PreferenceChoice::Stale,
                )?
            } else {
                prefs::load(&*store, &overview, now, cli.renewal_window())?
            };
            output::preferences(&found, cli.json);
        }
        Command::Prefs(PrefsCommand::Delete { ids, stale, yes }) => {
            let overview = overview()?;
            let choice = if *stale { PreferenceChoice::Stale } else { PreferenceChoice::Ids(ids) };
            let chosen =
                actions::preferences::chosen_preferences(&*store, &overview, now, cli.renewal_window(), choice)?;
            if !chosen.is_empty() {
                confirm(*yes, || output::confirm_preference_deletion(&chosen))?;
            }
            let deleted = actions::delete_preferences(&*store, chosen);
            output::preferences_deleted(&deleted, cli.json);
            if deleted.iter().any(|d| d.outcome.failed()) {
                return Ok(ExitCode::FAILURE);
            }
        }
        Command::Inspect { .. } | Command::Convert { .. } | Command::Tokens { .. } => unreachable!("handled above"),
    }
    Ok(ExitCode::SUCCESS)
}

/// The export the options ask for. The new file's password is read here:
/// callers make the refusals that need none first.
fn export_request(
    ids: Vec<String>,
    destination: Destination,
    profile: args::ProfileArg,
    include_chain: bool,
    overwrite: bool,
    password_file: Option<&std::path::Path>,
    password_stdin: bool,
) -> Result<ExportRequest, Error> {
    Ok(ExportRequest {
        ids,
        destination,
        password: password::new(password_file, password_stdin, "CERTDESK_NEW_PASSWORD", "--password-file")?,
        profile: profile.into(),
        include_chain,
        overwrite,
        language: transfer::ListLanguage::from_locale(&locale()),
    })
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
/// The store `--store` names; with `--login`, a card's tokens logged in to,
/// after what their PIN state warns of (a locked PIN is refused untried).
fn open_store(cli: &Cli) -> Result<Box<dyn certdesk_core::Keystore>, Error> {
    let spec = cli.store_spec()?;
    if !cli.login {
        let password = password::database(cli.db_password_file.as_deref(), &spec)?;
        return if cli.store.is_none() || cli.tokens {
            spec.open_with_tokens(&[], password.as_ref())
        } else {
            spec.open_with_password(password.as_ref())
        };
    }
    let certdesk_core::StoreSpec::Token { module, token } = &spec else {
        return Err(Error::InvalidInput(
            "--login is for a card or token: use it with --store pkcs11:MODULE (see `certdesk tokens`)".into(),
        ));
    };
    let tokens = certdesk_core::store::pkcs11::TokenStore::open(module, token.as_deref())?;
    let present = tokens.tokens()?;
    for warning in actions::tokens::before_login(present.clone(), transfer::ListLanguage::from_locale(&locale()))? {
        output::warn(&warning);
    }
    let label = present.first().map_or_else(|| spec.to_string(), |t| t.label.clone());
    let pin = if actions::tokens::pin_on_reader(&present) {
        output::warn(&format!("Enter the PIN of \"{label}\" on the reader's keypad."));
        certdesk_core::Secret::new(String::new())
    } else {
        password::pin(cli.pin_file.as_deref(), &label)?
    };
    Ok(Box::new(tokens.with_pin(pin)))
}

fn locale() -> String {
    ["LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
        .unwrap_or_default()
}
