//! What the app holds between commands: which store it works on.

use certdesk_core::StoreSpec;

pub struct AppState {
    /// From `CERTDESK_STORE` when set (the tests point the app at a temporary
    /// database this way), else the platform's default store.
    pub store: StoreSpec,
}

impl AppState {
    pub fn from_environment() -> Self {
        let store = std::env::var("CERTDESK_STORE")
            .ok()
            .and_then(|spec| spec.parse().ok())
            .unwrap_or_else(StoreSpec::default_for_this_os);
        AppState { store }
    }
}
