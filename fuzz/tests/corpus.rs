//! Replays each fuzz target's checked-in corpus, so that stable CI runs the
//! target bodies on the seeds and on every crash input added to them.

use std::fs;
use std::path::Path;

/// Runs `body` on every file in `corpus/<target>/`.
fn replay(target: &str, body: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus")
        .join(target);
    let mut files: Vec<_> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.expect("readable corpus entry").path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no seeds in {}", dir.display());
    for path in files {
        let data = fs::read(&path).expect("readable corpus file");
        // Printed only when the test fails: names the input that broke it.
        eprintln!("replaying {}", path.display());
        body(&data);
    }
}

#[test]
fn inflate_zlib() {
    replay("inflate_zlib", tether_fuzz::inflate_zlib);
}

#[test]
fn inflate_zstd() {
    replay("inflate_zstd", tether_fuzz::inflate_zstd);
}

#[test]
fn model_event() {
    replay("model_event", tether_fuzz::model_event);
}

#[test]
fn shard_message() {
    replay("shard_message", tether_fuzz::shard_message);
}
