//! What a user types as a certificate id (the CLI's `show`, `delete`,
//! `export` …): any text gets an answer or a clear error, never a panic.
#![no_main]

#[path = "../harness/id_prefix.rs"]
mod harness;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| harness::run(data));
