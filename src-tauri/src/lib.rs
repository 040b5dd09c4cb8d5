//! The certdesk desktop app: a window over certdesk-core.

mod commands;
mod ipc_error;
mod state;

pub fn run() {
    tauri::Builder::default()
        .manage(state::AppState::from_environment())
        .invoke_handler(tauri::generate_handler![commands::list_certificates])
        .run(tauri::generate_context!())
        .expect("error while running certdesk");
}
