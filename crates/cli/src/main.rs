//! `certdesk`: the command line over certdesk-core. `main` parses, `run`
//! does the work, and `output` prints; exit code 2 means the user's input was
//! wrong (unknown id, bad option, bad file, wrong password), 1 anything else.

mod args;
mod notify;
mod output;
mod password;

use std::process::ExitCode;

use clap::Parser as _;

use args::{Cli, Command, PrefsCommand, RemindersCommand};
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
        Command::Reminders(command) => return reminders(command, cli.json),
        Command::Check { notify: true, .. } => return notify_reminders(cli),
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
        Command::Check { client_auth, .. } => {
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
        Command::Prefs(PrefsCommand::Repair { ids, stale }) => {
            let overview = overview()?;
            let choice = if *stale { PreferenceChoice::Stale } else { PreferenceChoice::Ids(ids) };
            let window = cli.renewal_window();
            let chosen = actions::preferences::chosen_preferences(&*store, &overview, now, window, choice)?;
            let repaired = actions::preferences::repair_preferences(&*store, &overview, now, window, chosen);
            output::preferences_repaired(&repaired, cli.json);
            if repaired.iter().any(|r| r.outcome.failed()) {
                return Ok(ExitCode::FAILURE);
            }
        }
        Command::Prefs(PrefsCommand::Use { site, identity }) => {
            let overview = overview()?;
            let site: certdesk_core::probe::Target = site.parse()?;
            let used = actions::preferences::always_use(&*store, &overview, &site, identity)?;
            output::always_used(&used, cli.json);
        }
        Command::Inspect { .. } | Command::Convert { .. } | Command::Tokens { .. } | Command::Reminders(_) => {
            unreachable!("handled above")
        }
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
/// `certdesk reminders on|off|status`.
fn reminders(command: &RemindersCommand, json: bool) -> Result<ExitCode, Error> {
    use certdesk_core::reminders::{self, schedule, Scheduler};
    let settings_path = certdesk_core::settings::settings_path().ok_or_else(|| {
        Error::InvalidInput("certdesk cannot tell where your settings go: set HOME (APPDATA on Windows)".into())
    })?;
    match command {
        RemindersCommand::On { scheduler } => {
            let scheduler = scheduler.map_or_else(Scheduler::for_this_computer, Scheduler::from);
            let cli = std::env::current_exe()
                .map_err(|e| Error::Io { what: "finding the certdesk command".into(), source: e })?;
            let (_, files) = reminders::turn_on(scheduler, &cli, &settings_path)?;
            output::reminders_on(scheduler, &files, json);
            #[cfg(target_os = "macos")]
            {
                match notify::ask_permission() {
                    Ok(notify::Permission::Granted) => {}
                    Ok(notify::Permission::Denied) => output::warn(
                        "macOS will not show certdesk's notifications: turn them on in System Settings › \
                         Notifications › certdesk",
                    ),
                    Ok(notify::Permission::Unanswered) => {
                        output::warn("macOS's question was not answered: the first daily check asks again")
                    }
                    Err(why) => output::warn(&format!("{why}; the reminders will come through osascript")),
                }
            }
        }
        RemindersCommand::Off => {
            let (_, removed) = reminders::turn_off(&settings_path)?;
            output::reminders_off(&removed, json);
        }
        RemindersCommand::Status => {
            let settings = certdesk_core::settings::Settings::load(&settings_path);
            output::reminders_status(settings.reminders, schedule::current(), json);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `certdesk check --notify`, as the daily schedule runs it: the app's
/// settings say which store, window and language; each certificate due a
/// reminder gets a notification, recorded once the desktop took it.
fn notify_reminders(cli: &Cli) -> Result<ExitCode, Error> {
    use certdesk_core::reminders::{self, Reminded};
    let settings = certdesk_core::settings::settings_path()
        .map(|path| certdesk_core::settings::Settings::load(&path))
        .unwrap_or_default();
    let spec: certdesk_core::StoreSpec = match (&cli.store, &settings.store) {
        (Some(spec), _) | (None, Some(spec)) => spec.parse()?,
        (None, None) => certdesk_core::StoreSpec::default_for_this_os(),
    };
    let password = password::database(cli.db_password_file.as_deref(), &spec)?;
    let store = spec.open_with_tokens(&settings.token_modules, password.as_ref())?;
    let window = certdesk_core::RenewalWindow::of_days(settings.renewal_days).unwrap_or_default();
    let now = time::OffsetDateTime::now_utc();
    let overview = Overview::of(&*store, now, window.duration())?;
    let check = actions::check(&overview, now, window.duration(), true);
    let record = Reminded::path();
    let _claim = match record.as_deref().map(reminders::RunClaim::take) {
        Some(None) => {
            output::warn("Another `certdesk check --notify` is running for you; this one does nothing.");
            return Ok(ExitCode::SUCCESS);
        }
        Some(Some(claim)) => Some(claim),
        None => None,
    };
    let mut reminded = record.as_deref().map(Reminded::load).unwrap_or_default();
    let due = reminders::due(&check, &reminded);
    let language = match settings.language.as_str() {
        "ja" => transfer::ListLanguage::Japanese,
        "en" => transfer::ListLanguage::English,
        _ => transfer::ListLanguage::from_locale(&locale()),
    };
    output::reminders_due(&due, cli.json);
    let posted = notify::post(&due, language).map_err(|why| Error::Io {
        what: "showing the reminders (the next run tries again)".into(),
        source: std::io::Error::other(why),
    })?;
    // Recorded before the wait for clicks: a run stopped meanwhile shows nothing twice.
    reminded.record(&due, &check);
    if let Some(path) = &record {
        reminded.save(path)?;
    }
    posted.wait_for_clicks();
    Ok(ExitCode::SUCCESS)
}

fn open_store(cli: &Cli) -> Result<Box<dyn certdesk_core::Keystore>, Error> {
    let spec = cli.store_spec()?;
    let with_tokens = cli.store.is_none() || cli.tokens;
    if !cli.login || (with_tokens && !matches!(spec, certdesk_core::StoreSpec::Token { .. })) {
        let password = password::database(cli.db_password_file.as_deref(), &spec)?;
        if cli.login {
            unlock_present_cards(cli, &spec)?;
        }
        return if with_tokens {
            spec.open_with_tokens(&[], password.as_ref())
        } else {
            spec.open_with_password(password.as_ref())
        };
    }
    let certdesk_core::StoreSpec::Token { module, token } = &spec else {
        return Err(Error::InvalidInput(
            "--login is for cards and tokens: use it with --store pkcs11:MODULE (see `certdesk tokens`), or with --tokens to log in to the cards beside the store".into(),
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

/// `--login` in the view of the store and its cards: each present card that
/// shows more once unlocked is unlocked for this run (its PIN asked, or read
/// from --pin-file when there is only one), as the app's Unlock does.
fn unlock_present_cards(cli: &Cli, spec: &certdesk_core::StoreSpec) -> Result<(), Error> {
    let language = transfer::ListLanguage::from_locale(&locale());
    let cards = actions::tokens::cards_to_unlock(&spec.token_modules(&[]), language);
    if cards.is_empty() {
        output::warn("No card or token here needs a PIN to show more; listing without a login.");
        return Ok(());
    }
    if cli.pin_file.is_some() && cards.len() > 1 {
        let labels: Vec<&str> = cards.iter().map(|c| c.token.label.as_str()).collect();
        return Err(Error::InvalidInput(format!(
            "--pin-file holds one PIN, and {} cards need one ({}); name the card with --store 'pkcs11:MODULE#token=LABEL' (see `certdesk tokens`)",
            cards.len(),
            labels.join(", ")
        )));
    }
    for card in cards {
        let card_spec: certdesk_core::StoreSpec = card.token.store.parse()?;
        for warning in actions::tokens::before_login(vec![card.token.clone()], language)? {
            output::warn(&warning);
        }
        let pin = if card.token.pin_pad {
            output::warn(&format!("Enter the PIN of \"{}\" on the reader's keypad.", card.token.label));
            None
        } else {
            Some(password::pin(cli.pin_file.as_deref(), &card.token.label)?)
        };
        actions::tokens::unlock_card(&card_spec, pin.as_ref())?;
    }
    Ok(())
}

fn locale() -> String {
    ["LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
        .unwrap_or_default()
}
