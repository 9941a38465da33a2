//! Fuzz target `jsonl`: see `insights::fuzzing::Target::Jsonl`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| insights::fuzzing::Target::Jsonl.run(data));
