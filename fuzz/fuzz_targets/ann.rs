//! Fuzz target `ann`: see `insights::fuzzing::Target::Ann`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| insights::fuzzing::Target::Ann.run(data));
