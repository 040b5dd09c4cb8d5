//! Tauri commands: each one calls into certdesk-core off the UI thread and
//! hands back its answer or a `{kind, message}` error. No rules live here.

use serde::Serialize;
use tauri::async_runtime::spawn_blocking;
use tauri::State;

use certdesk_core::{health, ListEntry, Overview};

use crate::ipc_error::IpcError;
use crate::state::AppState;

#[derive(Serialize)]
pub struct Listing {
    pub store: String,
    pub entries: Vec<ListEntry>,
}

#[tauri::command]
pub async fn list_certificates(state: State<'_, AppState>, within_days: Option<u32>) -> Result<Listing, IpcError> {
    let spec = state.store.clone(); // owned: the worker outlives the borrow
    let window = within_days.map_or(health::DEFAULT_RENEWAL_WINDOW, |d| time::Duration::days(i64::from(d)));
    spawn_blocking(move || {
        let store = spec.open()?;
        let overview = Overview::of(&*store, time::OffsetDateTime::now_utc(), window)?;
        Ok(Listing { store: store.spec(), entries: overview.list_entries() })
    })
    .await
    .map_err(IpcError::internal)?
    .map_err(|e: certdesk_core::Error| e.into())
}
