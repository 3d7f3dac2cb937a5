//! The token never appears in `Debug` output, error text or logs.

use std::error::Error as _;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;
use tether_http::{Client, Error};
use tether_model::Token;
use tether_model::id::{ChannelId, MessageId};
use tracing_subscriber::fmt::MakeWriter;

use crate::server::{Fault, Server, TOKEN};

const WRONG_TOKEN: &str = "d3JvbmctdG9rZW4tYWxzby1zZWNyZXQ.also.secret";

/// Collects everything the subscriber writes.
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

impl MakeWriter<'_> for Capture {
    type Writer = Self;

    fn make_writer(&self) -> Self {
        self.clone()
    }
}

/// A client for a port nothing listens on any more.
async fn unreachable_client() -> Client {
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = closed.local_addr().unwrap();
    drop(closed);
    Client::builder(Token::new(TOKEN))
        .api_base(format!("http://{addr}/api/v10"))
        .max_attempts(1)
        .build()
        .unwrap()
}

/// Every way an error can be printed, source chain included.
fn renderings(err: &Error) -> Vec<String> {
    let mut out = vec![err.to_string(), format!("{err:?}"), format!("{err:#?}")];
    let mut source = err.source();
    while let Some(inner) = source {
        out.push(inner.to_string());
        out.push(format!("{inner:?}"));
        source = inner.source();
    }
    out
}

// current_thread: every task, the server's included, runs on this thread,
// so the thread-local subscriber sees every event.
#[tokio::test(flavor = "current_thread")]
async fn token_is_absent_from_debug_errors_and_logs() {
    let capture = Capture::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(capture.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = Server::loose().await;
    let builder = Client::builder(Token::new(TOKEN)).api_base(&server.base);
    let mut printed = vec![format!("{builder:?}"), format!("{:?}", Token::new(TOKEN))];
    let client = builder.build().unwrap();
    printed.push(format!("{client:?}"));
    let mut errors = Vec::new();

    client.current_user().await.unwrap();
    server.fault(Fault::Status(500, json!({"message": "oops", "code": 0})));
    server.fault(Fault::TooMany {
        retry_after: 0.05,
        global: false,
    });
    client.channel(ChannelId::new(1)).await.unwrap();
    server.fault(Fault::Status(
        400,
        json!({"code": 50035, "message": "Invalid Form Body",
        "errors": {"content": {"_errors": [{"code": "X", "message": "bad"}]}}}),
    ));
    errors.push(
        client
            .create_message(ChannelId::new(1))
            .content("x")
            .send()
            .await
            .unwrap_err(),
    );
    server.fault(Fault::Garbage);
    errors.push(
        client
            .message(ChannelId::new(1), MessageId::new(1))
            .await
            .unwrap_err(),
    );
    errors.push(
        client
            .create_message(ChannelId::new(1))
            .send()
            .await
            .unwrap_err(),
    );
    server.fault(Fault::Hang);
    let impatient = Client::builder(Token::new(TOKEN))
        .api_base(&server.base)
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    errors.push(
        impatient
            .create_message(ChannelId::new(2))
            .content("slow")
            .send()
            .await
            .unwrap_err(),
    );

    // A wrong token is a secret too.
    let wrong = Client::builder(Token::new(WRONG_TOKEN))
        .api_base(&server.base)
        .invalid_request_limit(1)
        .build()
        .unwrap();
    printed.push(format!("{wrong:?}"));
    errors.push(wrong.current_user().await.unwrap_err());
    errors.push(wrong.current_user().await.unwrap_err()); // refused locally

    let unreachable = unreachable_client().await;
    errors.push(unreachable.gateway().await.unwrap_err());

    // The requests did carry the tokens, so their absence below means
    // something.
    let sent: Vec<_> = server
        .hits()
        .into_iter()
        .filter_map(|h| h.authorization)
        .collect();
    assert!(sent.iter().any(|auth| auth.contains(TOKEN)));
    assert!(sent.iter().any(|auth| auth.contains(WRONG_TOKEN)));

    assert_eq!(errors.len(), 7);
    for err in &errors {
        printed.extend(renderings(err));
    }
    for text in &printed {
        assert!(!text.contains(TOKEN), "token in {text}");
        assert!(!text.contains(WRONG_TOKEN), "token in {text}");
    }

    let logs = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("GET /users/@me"),
        "the requests were logged:\n{logs}"
    );
    assert!(logs.contains("rate limited"), "the 429 was logged:\n{logs}");
    assert!(!logs.contains(TOKEN), "token in logs:\n{logs}");
    assert!(!logs.contains(WRONG_TOKEN), "token in logs:\n{logs}");
}
