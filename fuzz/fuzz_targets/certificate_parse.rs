//! Certificate decoding (names in every string type) must never panic.
#![no_main]

use certdesk_core::Certificate;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(cert) = Certificate::from_der(data) {
        let _ = cert.display_name();
        let _ = cert.subject.to_string();
    }
});
