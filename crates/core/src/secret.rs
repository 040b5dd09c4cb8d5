//! Passwords in memory: wiped on drop, never printed.

use zeroize::Zeroizing;

/// A password. `Debug` shows nothing of it, and its memory is zeroed when dropped.
#[derive(Clone, Default)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    pub fn new(password: String) -> Self {
        Secret(Zeroizing::new(password))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Secret::new(s.to_owned())
    }
}

/// The app receives passwords as command arguments; they go straight into a `Secret`.
impl<'de> serde::Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Secret::new)
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<hidden>)")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn debug_output_hides_the_password() {
        let s = super::Secret::from("hunter2");
        assert!(!format!("{s:?}").contains("hunter2"));
    }
}
