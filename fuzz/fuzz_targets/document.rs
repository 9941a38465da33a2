//! Fuzz target `document`: see `insights::fuzzing::Target::Document`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| insights::fuzzing::Target::Document.run(data));
