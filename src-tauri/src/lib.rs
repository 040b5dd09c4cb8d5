//! The certdesk desktop app: a window over certdesk-core.

mod commands;
#[cfg(target_os = "linux")]
mod handover;
mod ipc_error;
mod launch;
mod opened;
#[cfg(target_os = "macos")]
mod reminder_clicks;
mod state;
#[cfg(feature = "test")]
pub mod testing;
mod webview;

use tauri::{Manager as _, Runtime};

pub use state::AppState;

pub fn run() {
    launch::started();
    #[cfg(target_os = "linux")]
    if handover::to_running_instance() {
        std::process::exit(0);
    }
    if let Err(message) = webview::available() {
        webview::tell_the_user(message);
        std::process::exit(3);
    }
    // The single-instance plugin first: a second launch hands its files over
    // and exits before anything else starts.
    let builder = tauri::Builder::default().plugin(tauri_plugin_single_instance::init(opened::handed_over));
    with_commands(builder.plugin(tauri_plugin_dialog::init()))
        .setup(|app| {
            // The same file `certdesk check --notify` reads for the reminders.
            let settings_path = certdesk_core::settings::settings_path();
            app.manage(state::AppState::new(settings_path));
            // `certdesk-app FILE…`, as a file manager starts it for a double-clicked .pfx.
            let state = app.state::<state::AppState>();
            state.open_files(opened::files_in(std::env::args_os().skip(1), None));
            // `certdesk-app --show ID`, as a click on a reminder starts it.
            // (args_os: an argument that is not Unicode, a file's name, must not stop the app.)
            let args = std::env::args_os().skip(1).filter_map(|a| a.into_string().ok());
            if let Some(id) = opened::certificate_asked(args) {
                state.show_certificate(id);
            }
            #[cfg(target_os = "macos")]
            reminder_clicks::listen(app.handle());
            commands::start_first_listing(&app.state::<state::AppState>());
            Ok(())
        })
        .run(tauri::generate_context!())
        .expect("error while running certdesk");
}

/// The app's commands on `builder`, for any runtime: the real window's, or
/// the mock one tests call them through.
pub fn with_commands<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder.invoke_handler(tauri::generate_handler![
        commands::list_certificates,
        commands::unlock_store,
        commands::search_certificates,
        commands::certificate_details,
        commands::inspect_file,
        commands::import_file,
        commands::export_file_name,
        commands::export_certificates,
        commands::plan_deletion,
        commands::delete_certificates,
        commands::cleanup_candidates,
        commands::list_preferences,
        commands::delete_preferences,
        commands::repair_preferences,
        commands::always_use_for_site,
        commands::probe_site,
        commands::list_trust,
        commands::get_settings,
        commands::save_settings,
        commands::check_token_module,
        commands::cards_to_unlock,
        commands::save_calendar,
        commands::set_reminders,
        commands::certificate_to_show,
        commands::unlock_card,
        commands::lock_cards,
        commands::reveal_in_folder,
        commands::opened_files,
        commands::files_to_open,
        commands::inspect_certificate_file,
        launch::first_rows_painted,
    ])
}
