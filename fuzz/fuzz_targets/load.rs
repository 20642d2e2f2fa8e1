//! The YAML front end and the Compose model on one project (`compose.yml`, and the files
//! that `#%% NAME` lines start).
#![no_main]

#[path = "../../tests/properties/checks.rs"]
mod checks;

thread_local! {
    // One project directory per process, rewritten for every input.
    static SCRATCH: checks::Scratch = checks::Scratch::new();
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    SCRATCH.with(|scratch| checks::check_load(scratch, data));
});
