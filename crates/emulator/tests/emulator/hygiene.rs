//! The token never reaches the logs, whatever the emulator logs about a
//! session's life (after str0m's `tests/pii.rs`).

use std::io::Write;
use std::sync::{Arc, Mutex};

use serde_json::json;

use crate::support::{ALL_INTENTS, Client, Rest, emulator, resume, token};

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn tokens_never_appear_in_logs() {
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    // The test runtime has one thread, so every emulator task logs here.
    let _guard = tracing::subscriber::set_default(subscriber);

    let handle = emulator().await;
    let token = token(&handle);
    let (mut client, _) = Client::hello(&handle, "v=10&compress=zlib-stream").await;
    let session = client.identify(&token, ALL_INTENTS).await["d"]["session_id"]
        .as_str()
        .unwrap()
        .to_owned();
    client.close(4000).await;
    let (mut again, _) = Client::hello(&handle, "v=10").await;
    again.send(&resume(&token, &session, 1)).await;
    again.dispatch("RESUMED").await;
    let (mut bad, _) = Client::hello(&handle, "v=10").await;
    bad.send(&crate::support::identify("a-wrong-token-to-leak", 1))
        .await;
    assert_eq!(bad.closed().await, Some(4004));
    Rest::new(&handle).get("/users/@me").await;
    Rest::new(&handle)
        .post(
            &format!("/channels/{}/messages", handle.channel_id()),
            &json!({"content": "x"}),
        )
        .await;

    let logs = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("gateway session identified"), "{logs}");
    assert!(logs.contains("gateway session resumed"));
    assert!(!logs.contains(&token), "the token leaked into the logs");
    assert!(
        !logs.contains("a-wrong-token-to-leak"),
        "a refused token leaked"
    );
}
