//! PKCS#12 reading must never panic, hang or allocate without bound, whatever the bytes.
#![no_main]

use certdesk_core::{pkcs12, Secret};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The password of most fixtures, so the fuzzer reaches the decrypted layers too.
    let _ = pkcs12::read(data, &Secret::from("password"));
});
