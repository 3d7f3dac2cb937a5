//! libFuzzer entry point for [`tether_fuzz::shard_message`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| tether_fuzz::shard_message(data));
