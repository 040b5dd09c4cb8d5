//! Errors as the front end receives them: `{kind, message}`, with the same
//! stable kinds as the CLI's JSON, so `ui/src/lib/errors.ts` maps kind to a
//! translated message without reading the text.

use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct IpcError {
    pub kind: &'static str,
    pub message: String,
}

impl From<certdesk_core::Error> for IpcError {
    fn from(e: certdesk_core::Error) -> Self {
        IpcError { kind: e.kind(), message: e.to_string() }
    }
}

impl IpcError {
    /// A worker that panicked or was cancelled: a bug, reported as such.
    pub fn internal(e: impl std::fmt::Display) -> Self {
        IpcError { kind: "internal", message: e.to_string() }
    }
}

#[cfg(test)]
mod tests {
    /// Every error kind the core can send has a message in both catalogues.
    #[test]
    fn every_error_kind_has_a_translated_message() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        for catalogue in ["ui/src/lib/i18n/en.ts", "ui/src/lib/i18n/ja.ts"] {
            let text = std::fs::read_to_string(root.join(catalogue)).unwrap();
            for kind in certdesk_core::Error::KINDS.iter().chain(&["internal"]) {
                assert!(text.contains(&format!("'error.{kind}'")), "{catalogue} lacks error.{kind}");
            }
        }
        let errors_ts = std::fs::read_to_string(root.join("ui/src/lib/errors.ts")).unwrap();
        for kind in certdesk_core::Error::KINDS {
            assert!(errors_ts.contains(&format!("'{kind}'")), "errors.ts does not know {kind}");
        }
    }
}
