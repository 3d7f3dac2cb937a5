//! libFuzzer entry point for [`tether_fuzz::inflate_zstd`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| tether_fuzz::inflate_zstd(data));
