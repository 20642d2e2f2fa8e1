//! The fix engine on one project: edits stay inside the project and change only their bytes,
//! fixed YAML parses, and `--fix` settles so that a second one finds nothing to fix.
#![no_main]

#[path = "../../tests/properties/checks.rs"]
mod checks;

thread_local! {
    // One project directory per process, rewritten for every input.
    static SCRATCH: checks::Scratch = checks::Scratch::new();
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    SCRATCH.with(|scratch| checks::check_fix(scratch, data));
});
