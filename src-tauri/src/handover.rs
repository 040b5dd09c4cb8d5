//! A second launch on Linux (a file double-clicked while certdesk is open)
//! hands its files to the running window before GTK starts, then exits.
//!
//! `tauri-plugin-single-instance` does the same from its setup, but by then
//! GTK and WebKit have started their threads, and its `exit` races them: the
//! second process crashed on exit in about one launch of four here (the
//! end-to-end test of a second launch caught it). This asks the running
//! instance's plugin over the same D-Bus interface, earlier; when no
//! instance runs, the plugin takes the name as before.

/// The app's identifier (`tauri.conf.json`), from which the plugin names its
/// bus name and object path; a test checks the two agree.
const IDENTIFIER: &str = certdesk_core::settings::APP_IDENTIFIER;

fn bus_name() -> String {
    format!("{IDENTIFIER}.SingleInstance")
}

fn object_path() -> String {
    format!("/{}", bus_name().replace('.', "/").replace('-', "_"))
}

/// Whether a running certdesk took this launch's arguments: then this
/// process has nothing more to do.
pub fn to_running_instance() -> bool {
    let Ok(connection) = zbus::blocking::Connection::session() else { return false };
    let name = bus_name();
    let owned = zbus::blocking::fdo::DBusProxy::new(&connection)
        .ok()
        .and_then(|bus| {
            let name = zbus::names::BusName::try_from(name.as_str()).ok()?;
            bus.name_has_owner(name).ok()
        })
        .unwrap_or(false);
    if !owned {
        return false;
    }
    let args: Vec<String> = std::env::args_os().map(|a| a.to_string_lossy().into_owned()).collect();
    let cwd = std::env::current_dir().unwrap_or_default().to_string_lossy().into_owned();
    connection
        .call_method(
            Some(name.as_str()),
            object_path().as_str(),
            Some("org.SingleInstance.DBus"),
            "ExecuteCallback",
            &(args, cwd),
        )
        .is_ok()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_identifier_is_the_one_the_plugin_names_its_bus_name_after() {
        let config: serde_json::Value =
            serde_json::from_str(include_str!("../../tauri.conf.json")).expect("tauri.conf.json is JSON");
        assert_eq!(config["identifier"], super::IDENTIFIER);
        assert_eq!(super::object_path(), "/app/certdesk/desktop/SingleInstance");
    }
}
