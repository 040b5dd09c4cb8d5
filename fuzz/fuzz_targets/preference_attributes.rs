//! The keychain attribute dictionaries of identity preferences: whatever
//! another app stored there, reading it must never panic.
#![no_main]

#[path = "../harness/preference_attributes.rs"]
mod harness;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| harness::run(data));
