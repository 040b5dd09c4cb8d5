//! Structure-aware PKCS#12 fuzzing: the bytes describe a PFX, which
//! `harness/pkcs12_structured.rs` renders with every length right and reads.
#![no_main]

#[path = "../harness/pkcs12_structured.rs"]
mod harness;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| harness::run(data));
