//! What the CLI's tests share: the fixtures (also used by the app's
//! end-to-end tests) and the `certdesk` binary under test.

#![allow(dead_code)] // each test binary uses part of this

mod fixtures;

use std::path::Path;
use std::process::{Command, Output, Stdio};

pub use fixtures::*;

/// The `certdesk` binary under test, pointed at `store`, with no password in the environment.
pub fn certdesk(store: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_certdesk"));
    c.arg("--store")
        .arg(format!("nss:{}", store.display()))
        .env_remove("CERTDESK_PASSWORD")
        .env_remove("CERTDESK_STORE")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null());
    c
}

pub fn json_of(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}
