//! Fuzz target `journal`: see `insights::fuzzing::Target::Journal`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| insights::fuzzing::Target::Journal.run(data));
