//! The user's settings, kept as JSON in the app's configuration folder and
//! saved atomically (a temp file and a rename), so a crash mid-save leaves
//! the previous settings.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

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
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            renewal_days: certdesk_core::RenewalWindow::DEFAULT_DAYS,
            language: "auto".into(),
            store: None,
            token_modules: Vec::new(),
        }
    }
}

impl Settings {
    /// Reads the settings; a missing or unreadable file means the defaults
    /// (settings are a convenience, never a reason not to start).
    pub fn load(path: &Path) -> Settings {
        std::fs::read(path).ok().and_then(|bytes| serde_json::from_slice(&bytes).ok()).unwrap_or_default()
    }

    /// Saved through the core's atomic write (temp file, fsync, rename).
    pub fn save(&self, path: &Path) -> certdesk_core::Result<()> {
        if let Some(folder) = path.parent() {
            std::fs::create_dir_all(folder)
                .map_err(|e| certdesk_core::Error::Io { what: format!("creating {}", folder.display()), source: e })?;
        }
        let json = serde_json::to_vec_pretty(self).expect("settings always serialise");
        certdesk_core::transfer::save_private_file(path, &json, true)
    }

    /// Refuses values the front end should never send.
    pub fn validate(&self) -> Result<(), String> {
        certdesk_core::RenewalWindow::of_days(self.renewal_days).map_err(|e| e.to_string())?;
        if !["auto", "ja", "en"].contains(&self.language.as_str()) {
            return Err(format!("\"{}\" is not a language certdesk speaks", self.language));
        }
        let most = certdesk_core::store::pkcs11::MAX_LISTED_MODULES;
        if self.token_modules.len() > most {
            return Err(format!("at most {most} card modules can be added; remove one first"));
        }
        Ok(())
    }
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
        };
        chosen.save(&path).unwrap();
        assert_eq!(Settings::load(&path), chosen);
        std::fs::write(&path, b"{ not json").unwrap();
        assert_eq!(Settings::load(&path), Settings::default());
        std::fs::write(&path, br#"{"renewal_days": 60, "language": "en", "store": null}"#).unwrap();
        assert_eq!(Settings::load(&path).token_modules, Vec::<PathBuf>::new(), "an older file has no modules");
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
