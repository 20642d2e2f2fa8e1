//! Every size grammar of `units.rs`: no panic, and formatted values read back.
#![no_main]

#[path = "../../tests/properties/checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        checks::check_units(text);
    }
});
