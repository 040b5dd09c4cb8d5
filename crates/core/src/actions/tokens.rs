//! Cards and tokens: which modules to read, what each token says of its
//! PIN, and what a login must warn of first.

use std::path::PathBuf;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::store::pkcs11::{self, ModuleSurvey, TokenSurvey};
use crate::token::{pin_advice, PinState};
use crate::transfer::ListLanguage;

/// One token as `certdesk tokens` and the app show it: its state and, when
/// its PIN needs care, what to do, in the user's language.
#[derive(Debug, Clone, Serialize)]
pub struct TokenAdvice {
    #[serde(flatten)]
    pub token: TokenSurvey,
    pub advice: Option<String>,
}

/// A module as `certdesk tokens` shows it: its slots, each token with its advice.
#[derive(Debug, Clone, Serialize)]
pub struct ModuleReport {
    pub module: PathBuf,
    pub library: Option<String>,
    pub error: Option<String>,
    pub slots: Vec<SlotReport>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SlotReport {
    pub id: u64,
    pub reader: String,
    pub token: Option<TokenAdvice>,
}

/// Every module's slots and tokens, each token with its advice in `language`.
pub fn tokens(modules: &[PathBuf], language: ListLanguage) -> Vec<ModuleReport> {
    pkcs11::survey(modules)
        .into_iter()
        .map(|ModuleSurvey { module, library, error, slots }| ModuleReport {
            module,
            library,
            error,
            slots: slots
                .into_iter()
                .map(|s| SlotReport { id: s.id, reader: s.reader, token: s.token.map(|t| advise(t, language)) })
                .collect(),
        })
        .collect()
}

/// The present cards that show more after a PIN login and are not unlocked
/// yet: what the app offers to unlock, each with what its PIN state warns of.
pub fn cards_to_unlock(modules: &[PathBuf], language: ListLanguage) -> Vec<TokenAdvice> {
    tokens(modules, language)
        .into_iter()
        .flat_map(|module| module.slots)
        .filter_map(|slot| slot.token)
        .filter(|t| t.token.initialized && t.token.login_required && !t.token.unlocked)
        .collect()
}

/// Unlocks the card `store` names (`pkcs11:MODULE#token=LABEL`) for this
/// run with `pin` (none on a PIN-pad reader): its private objects show and
/// it signs without asking again; the PIN is not kept. A locked PIN is
/// refused untried.
pub fn unlock_card(store: &crate::StoreSpec, pin: Option<&crate::Secret>) -> Result<()> {
    let crate::StoreSpec::Token { module, token: Some(label) } = store else {
        return Err(Error::InvalidInput(format!("{store} is not one card; name it as pkcs11:MODULE#token=LABEL")));
    };
    let card = pkcs11::TokenStore::open(module, Some(label))?;
    before_login(card.tokens()?, ListLanguage::English)?;
    card.unlock(pin)
}

/// A module the user adds (in the app's Settings), read once before it is
/// kept: a file that is not a PKCS#11 module certdesk can load is refused
/// with what to choose instead.
pub fn check_module(module: &std::path::Path, language: ListLanguage) -> Result<ModuleReport> {
    if !module.is_file() {
        return Err(Error::InvalidInput(format!(
            "{} is not a file; choose the PKCS#11 module your card's software installed (for example opensc-pkcs11.so, or a .dll/.dylib on Windows/macOS)",
            module.display()
        )));
    }
    let report = tokens(&[module.to_path_buf()], language).remove(0);
    match &report.error {
        Some(why) => Err(Error::InvalidInput(format!(
            "{} cannot be used as a PKCS#11 module ({why}); choose the module your card's software installed (for example opensc-pkcs11.so)",
            module.display()
        ))),
        None => Ok(report),
    }
}

fn advise(token: TokenSurvey, language: ListLanguage) -> TokenAdvice {
    TokenAdvice { advice: pin_advice(token.pin, token.card, language), token }
}

/// What must be said before a PIN is asked for the tokens of `store`: a
/// locked PIN refuses the login (trying would only fail), a PIN with wrong
/// tries behind it is a warning, in `language`.
pub fn before_login(tokens: Vec<TokenSurvey>, language: ListLanguage) -> Result<Vec<String>> {
    if let Some(locked) = tokens.iter().find(|t| t.pin == PinState::Locked) {
        return Err(Error::PinLocked { token: locked.label.clone() });
    }
    Ok(tokens.into_iter().filter(|t| t.pin.warns_before_login()).filter_map(|t| advise(t, language).advice).collect())
}

/// Whether the tokens read there take their PIN on the reader's own pad,
/// so certdesk must not ask for it.
pub fn pin_on_reader(tokens: &[TokenSurvey]) -> bool {
    !tokens.is_empty() && tokens.iter().all(|t| t.pin_pad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_module_the_user_adds_is_loaded_first_and_anything_else_is_refused_with_what_to_choose() {
        let dir = tempfile::tempdir().unwrap();
        let missing = check_module(&dir.path().join("no-such.so"), ListLanguage::English).unwrap_err();
        assert!(matches!(missing, Error::InvalidInput(ref m) if m.contains("is not a file")), "{missing}");
        let notes = dir.path().join("メモ.txt");
        std::fs::write(&notes, "not a library").unwrap();
        let refused = check_module(&notes, ListLanguage::English).unwrap_err();
        assert!(
            matches!(refused, Error::InvalidInput(ref m) if m.contains("cannot be used as a PKCS#11 module") && m.contains("opensc-pkcs11.so")),
            "{refused}"
        );
    }
}
