//! libFuzzer entry point for [`tether_fuzz::inflate_zlib`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| tether_fuzz::inflate_zlib(data));
