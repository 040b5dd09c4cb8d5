//! A card as the app uses it, on a real SoftHSM2 token: a module the user
//! adds is loaded before it is kept; a card unlocked for the run keeps its
//! login (not its PIN) until it is locked again, even when its module is
//! read meanwhile by another path; an empty PIN is never sent to it.
//! The only test of this binary: it sets `SOFTHSM2_CONF` for the process.

#![cfg(target_os = "linux")]

use std::path::Path;
use std::process::Command;

use certdesk_core::actions::tokens::{cards_to_unlock, check_module, tokens, unlock_card};
use certdesk_core::store::pkcs11::lock_all;
use certdesk_core::token::PinState;
use certdesk_core::transfer::ListLanguage;
use certdesk_core::{Error, Secret, StoreSpec};

/// Debian's SoftHSM2 module (the `softhsm2` package the test setup installs).
const SOFTHSM: &str = "/usr/lib/softhsm/libsofthsm2.so";
const LABEL: &str = "社員証";
const PIN: &str = "7391-pin";

fn run(command: &mut Command) {
    let out = command.output().unwrap_or_else(|e| panic!("{command:?}: {e}"));
    assert!(
        out.status.success(),
        "{command:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A token labelled `LABEL` holding one certificate that only a login shows
/// (written by GnuTLS's `p11tool --mark-private`).
fn token_with_a_private_certificate(dir: &Path) {
    let tokens = dir.join("tokens");
    std::fs::create_dir(&tokens).unwrap();
    let conf = dir.join("softhsm2.conf");
    std::fs::write(&conf, format!("directories.tokendir = {}\n", tokens.display())).unwrap();
    std::env::set_var("SOFTHSM2_CONF", &conf);
    let tool = |args: &[&str]| {
        run(Command::new("pkcs11-tool").args(["--module", SOFTHSM]).args(args).env("SO_PIN", "1234").env("PIN", PIN))
    };
    tool(&["--init-token", "--slot-index", "0", "--label", LABEL, "--so-pin", "env:SO_PIN"]);
    tool(&[
        "--token-label",
        LABEL,
        "--login",
        "--login-type",
        "so",
        "--so-pin",
        "env:SO_PIN",
        "--init-pin",
        "--new-pin",
        "env:PIN",
    ]);
    let cert = dir.join("cert.pem");
    run(Command::new("openssl")
        .args(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "30"])
        .args(["-subj", "/CN=Kenji Hidden", "-keyout"])
        .arg(dir.join("key.pem"))
        .arg("-out")
        .arg(&cert));
    let token: String = LABEL.bytes().map(|b| format!("%{b:02X}")).collect();
    run(Command::new("p11tool")
        .args(["--provider", SOFTHSM, "--login", "--write", "--mark-private", "--load-certificate"])
        .arg(&cert)
        .args(["--label", "Kenji card", "--id", "02"])
        .arg(format!("pkcs11:token={token}"))
        .env("GNUTLS_PIN", PIN));
}

fn listed(spec: &StoreSpec) -> usize {
    spec.open().unwrap().list().unwrap().len()
}

fn pin_state() -> Option<PinState> {
    let cards = cards_to_unlock(&[SOFTHSM.into()], ListLanguage::English);
    cards.iter().find(|c| c.token.label == LABEL).map(|c| c.token.pin)
}

#[test]
fn an_unlocked_card_keeps_its_login_until_it_is_locked_and_an_empty_pin_is_never_sent() {
    let dir = tempfile::tempdir().unwrap();
    token_with_a_private_certificate(dir.path());
    let report = check_module(Path::new(SOFTHSM), ListLanguage::English).expect("SoftHSM2 loads (install softhsm2)");
    assert!(report.slots.iter().any(|s| s.token.as_ref().is_some_and(|t| t.token.label == LABEL)), "{report:?}");

    let spec: StoreSpec = format!("pkcs11:{SOFTHSM}#token={LABEL}").parse().unwrap();
    assert_eq!(listed(&spec), 0, "the private certificate hides before a login");
    assert_eq!(pin_state(), Some(PinState::Ok), "offered for unlocking");

    let empty = unlock_card(&spec, Some(&Secret::from(""))).unwrap_err();
    assert!(matches!(empty, Error::InvalidInput(_)), "{empty}");
    assert_eq!(pin_state(), Some(PinState::Ok), "nothing was sent, so nothing was counted");
    let wrong = unlock_card(&spec, Some(&Secret::from("0000"))).unwrap_err();
    assert!(matches!(wrong, Error::WrongPin { .. }), "{wrong}");
    assert_eq!(pin_state(), Some(PinState::CountLow), "SoftHSM counts it");

    unlock_card(&spec, Some(&Secret::from(PIN))).unwrap();
    assert_eq!(listed(&spec), 1, "unlocked: the private certificate shows");
    assert_eq!(pin_state(), None, "no longer offered for unlocking");

    // The same module read by another path (a link, as p11-kit's proxy and a
    // direct path are two ways to one module) must not log the card out.
    let link = dir.path().join("softhsm-link.so");
    std::os::unix::fs::symlink(SOFTHSM, &link).unwrap();
    let through_link = tokens(&[link], ListLanguage::English);
    assert!(through_link[0].error.is_none(), "{through_link:?}");
    assert_eq!(listed(&spec), 1, "still unlocked");

    lock_all();
    assert_eq!(listed(&spec), 0, "locked again: the private certificate hides");
    assert!(pin_state().is_some(), "offered for unlocking again");
}
