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
}

impl Default for Settings {
    fn default() -> Self {
        Settings { renewal_days: 90, language: "auto".into(), store: None }
    }
}

impl Settings {
    /// Reads the settings; a missing or unreadable file means the defaults
    /// (settings are a convenience, never a reason not to start).
    pub fn load(path: &Path) -> Settings {
        std::fs::read(path).ok().and_then(|bytes| serde_json::from_slice(&bytes).ok()).unwrap_or_default()
    }

    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        let folder = path.parent().map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("."));
        std::fs::create_dir_all(&folder)?;
        let mut temp = tempfile::NamedTempFile::new_in(&folder)?;
        serde_json::to_writer_pretty(&mut temp, self)?;
        temp.as_file().sync_all()?;
        temp.persist(path).map_err(|e| e.error)?;
        Ok(())
    }

    /// Refuses values the front end should never send.
    pub fn validate(&self) -> Result<(), String> {
        if !(1..=730).contains(&self.renewal_days) {
            return Err("the renewal window must be between 1 and 730 days".into());
        }
        if !["auto", "ja", "en"].contains(&self.language.as_str()) {
            return Err(format!("\"{}\" is not a language certdesk speaks", self.language));
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
        let chosen = Settings { renewal_days: 30, language: "ja".into(), store: Some("nss:/tmp/x".into()) };
        chosen.save(&path).unwrap();
        assert_eq!(Settings::load(&path), chosen);
        std::fs::write(&path, b"{ not json").unwrap();
        assert_eq!(Settings::load(&path), Settings::default());
    }

    #[test]
    fn out_of_range_values_are_refused() {
        assert!(Settings { renewal_days: 0, ..Settings::default() }.validate().is_err());
        assert!(Settings { language: "fr".into(), ..Settings::default() }.validate().is_err());
        assert!(Settings::default().validate().is_ok());
    }
}
