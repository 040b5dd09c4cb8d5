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
