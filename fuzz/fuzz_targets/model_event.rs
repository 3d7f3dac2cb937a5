//! libFuzzer entry point for [`tether_fuzz::model_event`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| tether_fuzz::model_event(data));
