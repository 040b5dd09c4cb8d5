//! A card as the app uses it, on a real SoftHSM2 token: a module the user
//! adds is loaded before it is kept; a card unlocked for the run keeps its
//! login (not its PIN) until it is locked again, even when its module is
//! read meanwhile by another path; an empty PIN is never sent to it.
//! The only test of this binary: it sets `SOFTHSM2_CONF` for the process.

#![cfg(target_os = "linux")]

#[path = "../../cli/tests/support/fixtures.rs"]
mod fixtures;

use std::path::Path;

use certdesk_core::actions::tokens::{cards_to_unlock, check_module, tokens, unlock_card};
use certdesk_core::store::pkcs11::lock_all;
use certdesk_core::token::PinState;
use certdesk_core::transfer::ListLanguage;
use certdesk_core::{Error, Secret, StoreSpec};
use fixtures::{issue, Ca, Leaf, SoftToken, SOFTHSM_MODULE as SOFTHSM, TOKEN_PIN as PIN};

const LABEL: &str = "社員証";

/// A token labelled `LABEL` holding one certificate that only a login shows.
fn token_with_a_private_certificate(dir: &Path) {
    let token = SoftToken::new(dir, LABEL);
    std::env::set_var("SOFTHSM2_CONF", &token.conf);
    let ca = Ca::new(dir, "Card Issuing CA");
    let cert = issue(&ca, dir, &Leaf::new("kenji", "/CN=Kenji Hidden", -1, 30), time::OffsetDateTime::now_utc());
    token.put_private_certificate(&cert, "02", "Kenji card");
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
