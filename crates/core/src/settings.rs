//! The user's settings, kept as JSON in the app's configuration folder and
//! saved atomically (a temp file and a rename), so a crash mid-save leaves
//! the previous settings. The app writes them; `certdesk check --notify`,
//! run by the daily reminder schedule, reads the same file, so that the
//! reminders judge the store and window the user chose in the app.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The app's identifier (`tauri.conf.json`), the name of its folders.
pub const APP_IDENTIFIER: &str = "app.certdesk.desktop";

/// The most a settings file may hold: the app writes a few hundred bytes,
/// so a larger one is not ours and is read as the defaults.
pub const MAX_SETTINGS_BYTES: u64 = 64 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Certificates expiring within this many days show as "expiring soon".
    pub renewal_days: u32,
    /// "auto" (follow the system), "ja" or "en".
    pub language: String,
    /// A store spec (`nss:/path`); `None` is the platform's default store.
    pub store: Option<String>,
    /// PKCS#11 modules the user added (a card vendor's), read beside the
    /// usual ones; each was loaded once when it was added.
    pub token_modules: Vec<PathBuf>,
    /// "Remind me before my certificates expire": the daily schedule exists
    /// (`crate::reminders::schedule`).
    pub reminders: bool,
    /// The app offered reminders once (after a listing found a certificate
    /// to renew), whatever the answer: it never asks again.
    pub reminders_offered: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            renewal_days: crate::RenewalWindow::DEFAULT_DAYS,
            language: "auto".into(),
            store: None,
            token_modules: Vec::new(),
            reminders: false,
            reminders_offered: false,
        }
    }
}

impl Settings {
    /// Reads the settings; a missing or unreadable file means the defaults
    /// (settings are a convenience, never a reason not to start).
    pub fn load(path: &Path) -> Settings {
        crate::transfer::read_at_most(path, MAX_SETTINGS_BYTES)
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default()
    }

    /// The settings to change and save again: the defaults when there is no
    /// file, an error naming the file when there is one certdesk cannot read
    /// (replacing it with the defaults would lose the user's choices).
    pub fn load_for_update(path: &Path) -> crate::Result<Settings> {
        if !path.exists() {
            return Ok(Settings::default());
        }
        crate::transfer::read_at_most(path, MAX_SETTINGS_BYTES)
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .ok_or_else(|| {
                crate::Error::InvalidInput(format!(
                    "{} is damaged or not certdesk's; fix it, or delete it to start from the defaults",
                    path.display()
                ))
            })
    }

    /// Saved through the core's atomic write (temp file, fsync, rename).
    pub fn save(&self, path: &Path) -> crate::Result<()> {
        if let Some(folder) = path.parent() {
            std::fs::create_dir_all(folder)
                .map_err(|e| crate::Error::Io { what: format!("creating {}", folder.display()), source: e })?;
        }
        let json = serde_json::to_vec_pretty(self).expect("settings always serialise");
        crate::transfer::save_private_file(path, &json, true)
    }

    /// Refuses values the front end should never send.
    pub fn validate(&self) -> Result<(), String> {
        crate::RenewalWindow::of_days(self.renewal_days).map_err(|e| e.to_string())?;
        if !["auto", "ja", "en"].contains(&self.language.as_str()) {
            return Err(format!("\"{}\" is not a language certdesk speaks", self.language));
        }
        let most = crate::store::pkcs11::MAX_LISTED_MODULES;
        if self.token_modules.len() > most {
            return Err(format!("at most {most} card modules can be added; remove one first"));
        }
        Ok(())
    }
}

/// The app's configuration folder, as Tauri's `app_config_dir` names it:
/// `$XDG_CONFIG_HOME` (else `~/.config`) on Linux, `%APPDATA%` on Windows,
/// `~/Library/Application Support` on macOS, then [`APP_IDENTIFIER`].
/// `None` when the home folder is unknown.
pub fn app_config_dir() -> Option<PathBuf> {
    let from_env = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    let base = if cfg!(windows) {
        from_env("APPDATA")?
    } else if cfg!(target_os = "macos") {
        from_env("HOME")?.join("Library/Application Support")
    } else {
        config_home()?
    };
    Some(base.join(APP_IDENTIFIER))
}

/// The user's configuration folder on Linux (and other XDG desktops):
/// `$XDG_CONFIG_HOME` when it is absolute (the specification ignores a
/// relative one), else `~/.config`.
pub fn config_home() -> Option<PathBuf> {
    let from_env = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    from_env("XDG_CONFIG_HOME")
        .filter(|p| p.is_absolute())
        .or_else(|| from_env("HOME").map(|home| home.join(".config")))
}

/// Where the app keeps its settings (see [`app_config_dir`]).
pub fn settings_path() -> Option<PathBuf> {
    app_config_dir().map(|dir| dir.join("settings.json"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_round_trip_and_a_damaged_file_means_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("deeper/settings.json");
        assert_eq!(Settings::load(&path), Settings::default());
        let chosen = Settings {
            renewal_days: 30,
            language: "ja".into(),
            store: Some("nss:/tmp/x".into()),
            token_modules: vec![PathBuf::from("/opt/カード/lib/vendor-pkcs11.so")],
            reminders: true,
            reminders_offered: true,
        };
        chosen.save(&path).unwrap();
        assert_eq!(Settings::load(&path), chosen);
        std::fs::write(&path, b"{ not json").unwrap();
        assert_eq!(Settings::load(&path), Settings::default());
        std::fs::write(&path, br#"{"renewal_days": 60, "language": "en", "store": null}"#).unwrap();
        assert_eq!(Settings::load(&path).token_modules, Vec::<PathBuf>::new(), "an older file has no modules");
        assert!(!Settings::load(&path).reminders, "nor reminders");
        // A file far larger than the app writes is not read at all.
        let padded = format!(r#"{{"renewal_days": 60, "language": "en", "store": "{}"}}"#, "x".repeat(70_000));
        std::fs::write(&path, padded).unwrap();
        assert_eq!(Settings::load(&path), Settings::default());
    }

    #[test]
    fn a_file_certdesk_cannot_read_is_not_rewritten_over() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("settings.json");
        assert_eq!(Settings::load_for_update(&path).unwrap(), Settings::default(), "no file: the defaults");
        std::fs::write(&path, b"{ damaged").unwrap();
        let refused = Settings::load_for_update(&path).unwrap_err();
        assert!(refused.to_string().contains("delete it to start from the defaults"), "{refused}");
        let chosen = Settings { renewal_days: 30, ..Settings::default() };
        chosen.save(&path).unwrap();
        assert_eq!(Settings::load_for_update(&path).unwrap(), chosen);
    }

    #[test]
    fn out_of_range_values_are_refused() {
        assert!(Settings { renewal_days: 3651, ..Settings::default() }.validate().is_err());
        assert!(Settings { renewal_days: 0, ..Settings::default() }.validate().is_ok(), "0 days: no warning");
        assert!(Settings { language: "fr".into(), ..Settings::default() }.validate().is_err());
        assert!(Settings::default().validate().is_ok());
        let modules = |n: usize| (0..n).map(|i| PathBuf::from(format!("/opt/m{i}.so"))).collect();
        assert!(Settings { token_modules: modules(16), ..Settings::default() }.validate().is_ok());
        assert!(Settings { token_modules: modules(17), ..Settings::default() }.validate().is_err());
    }
}
