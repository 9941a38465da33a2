//! Fuzz target `index`: see `insights::fuzzing::Target::Index`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| insights::fuzzing::Target::Index.run(data));
