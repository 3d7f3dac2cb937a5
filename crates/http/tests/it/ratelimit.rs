//! Rate limits against a server that enforces them strictly.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;
use tether_http::{Client, ErrorKind};
use tether_model::Token;
use tether_model::id::{ChannelId, MessageId};
use tokio::io::AsyncReadExt;
use tokio::task::JoinSet;

use crate::server::{Fault, Server, TOKEN};

/// Upper bound for any single test here, so that a bug cannot hang CI.
const DEADLINE: Duration = Duration::from_secs(15);

fn client(
    server: &Server,
    configure: impl FnOnce(tether_http::ClientBuilder) -> tether_http::ClientBuilder,
) -> Client {
    configure(Client::builder(Token::new(TOKEN)).api_base(&server.base))
        .build()
        .unwrap()
}

#[tokio::test]
async fn bucket_at_zero_delays_the_next_request_to_its_reset() {
    let window = Duration::from_millis(300);
    let server = Server::start(1, window).await;
    let client = server.client();
    let channel = ChannelId::new(1);
    tokio::time::timeout(DEADLINE, async {
        client.channel(channel).await.unwrap();
        client.channel(channel).await.unwrap();
    })
    .await
    .unwrap();
    let hits = server.hits();
    assert_eq!(hits.len(), 2);
    let gap = hits[1].at - hits[0].at;
    assert!(
        gap >= window,
        "second request after {gap:?}, before the reset"
    );
    assert_eq!(server.too_many(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_hundred_requests_from_twenty_tasks_never_meet_a_429() {
    const TASKS: u64 = 20;
    const PER_TASK: u64 = 25;
    const BUCKETS: u64 = 5;
    let server = Server::start(5, Duration::from_millis(50)).await;
    // The global limit is not under test here; keep it out of the way.
    let client = client(&server, |b| b.global_limit(100_000));
    let started = Instant::now();
    let mut tasks = JoinSet::new();
    for task in 0..TASKS {
        let client = client.clone();
        tasks.spawn(async move {
            for i in 0..PER_TASK {
                let channel = ChannelId::new(1 + (task + i) % BUCKETS);
                client
                    .create_message(channel)
                    .content(format!("{task}/{i}"))
                    .send()
                    .await
                    .unwrap();
            }
        });
    }
    tokio::time::timeout(DEADLINE, async {
        while let Some(result) = tasks.join_next().await {
            result.unwrap();
        }
    })
    .await
    .expect("500 requests within the deadline");
    let elapsed = started.elapsed();
    let hits = server.hits().len();
    println!(
        "500-request run: {hits} requests, {} answered 429, {elapsed:?}",
        server.too_many()
    );
    assert_eq!(
        hits, 500,
        "a request was sent twice: a 429 or retry happened"
    );
    assert_eq!(server.too_many(), 0);
    // 100 requests per bucket at 5 per 50 ms need at least 19 full windows.
    assert!(elapsed >= Duration::from_millis(19 * 50), "{elapsed:?}");
}

#[tokio::test]
async fn forced_429_is_retried_once_after_retry_after() {
    let server = Server::loose().await;
    server.fault(Fault::TooMany {
        retry_after: 0.3,
        global: false,
    });
    let client = server.client();
    let message = tokio::time::timeout(
        DEADLINE,
        client.message(ChannelId::new(1), MessageId::new(2)),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(message.id, MessageId::new(2));
    let hits = server.hits();
    assert_eq!(hits.len(), 2, "exactly one retry");
    let gap = hits[1].at - hits[0].at;
    assert!(gap >= Duration::from_millis(300), "retried after {gap:?}");
    assert!(gap < Duration::from_secs(2), "retried after {gap:?}");
}

#[tokio::test]
async fn global_429_pauses_every_route() {
    let server = Server::loose().await;
    server.fault(Fault::TooMany {
        retry_after: 0.3,
        global: true,
    });
    let client = client(&server, |b| b.max_attempts(1));
    let err = client.current_user().await.unwrap_err();
    let ErrorKind::RateLimited {
        retry_after,
        global,
    } = err.kind()
    else {
        panic!("{err:?}")
    };
    assert!(*global);
    assert!(retry_after.abs_diff(Duration::from_millis(300)) < Duration::from_millis(1));
    // A different route, with its own bucket, still waits out the pause.
    tokio::time::timeout(DEADLINE, client.channel(ChannelId::new(5)))
        .await
        .unwrap()
        .unwrap();
    let hits = server.hits();
    let gap = hits[1].at - hits[0].at;
    assert!(gap >= Duration::from_millis(300), "sent after {gap:?}");
}

#[tokio::test]
async fn route_429_pauses_only_its_bucket() {
    let server = Server::loose().await;
    server.fault(Fault::TooMany {
        retry_after: 5.0,
        global: false,
    });
    let client = client(&server, |b| b.max_attempts(1));
    let err = client.channel(ChannelId::new(1)).await.unwrap_err();
    assert!(matches!(
        err.kind(),
        ErrorKind::RateLimited { global: false, .. }
    ));
    // Another channel is another bucket: no wait.
    let started = Instant::now();
    tokio::time::timeout(Duration::from_secs(2), client.channel(ChannelId::new(2)))
        .await
        .expect("another bucket is not paused")
        .unwrap();
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn global_limit_holds_in_every_second() {
    const LIMIT: u32 = 10;
    let server = Server::loose().await;
    let client = client(&server, |b| b.global_limit(LIMIT));
    let mut tasks = JoinSet::new();
    for channel in 1..=25 {
        let client = client.clone();
        tasks.spawn(async move { client.channel(ChannelId::new(channel)).await });
    }
    tokio::time::timeout(DEADLINE, async {
        while let Some(result) = tasks.join_next().await {
            result.unwrap().unwrap();
        }
    })
    .await
    .unwrap();
    let mut arrivals: Vec<Instant> = server.hits().iter().map(|h| h.at).collect();
    arrivals.sort();
    assert_eq!(arrivals.len(), 25);
    // Any one-second window, wherever it starts, holds at most LIMIT.
    for (i, start) in arrivals.iter().enumerate() {
        let in_window = arrivals[i..]
            .iter()
            .take_while(|&&at| at < *start + Duration::from_secs(1))
            .count();
        assert!(
            in_window <= LIMIT as usize,
            "{in_window} requests within a second"
        );
    }
    let spread = arrivals[24] - arrivals[0];
    assert!(
        spread >= Duration::from_secs(2),
        "25 requests at 10/s took {spread:?}"
    );
}

#[tokio::test]
async fn server_errors_are_retried_with_backoff() {
    let server = Server::loose().await;
    server.fault(Fault::Status(
        502,
        json!({"message": "Bad Gateway", "code": 0}),
    ));
    server.fault(Fault::Status(
        500,
        json!({"message": "Internal", "code": 0}),
    ));
    let client = server.client();
    let user = tokio::time::timeout(DEADLINE, client.current_user())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.user.id.get(), 1);
    assert_eq!(server.hits().len(), 3);

    for _ in 0..3 {
        server.fault(Fault::Status(
            503,
            json!({"message": "Unavailable", "code": 0}),
        ));
    }
    let err = tokio::time::timeout(DEADLINE, client.current_user())
        .await
        .unwrap()
        .unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::Status { status: 503, .. }),
        "{err}"
    );
    assert_eq!(server.hits().len(), 6, "three attempts, no more");
}

/// A server that accepts connections, reads the request and hangs up.
async fn hang_up_server() -> (String, Arc<AtomicU32>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/api/v10", listener.local_addr().unwrap());
    let accepted = Arc::new(AtomicU32::new(0));
    let counter = Arc::clone(&accepted);
    tokio::spawn(async move {
        for _ in 0..10 {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            counter.fetch_add(1, Ordering::SeqCst);
            let mut buf = [0; 1024];
            let _ = stream.read(&mut buf).await;
        }
    });
    (base, accepted)
}

#[tokio::test]
async fn dropped_connections_are_retried_only_when_repeating_is_harmless() {
    let (base, accepted) = hang_up_server().await;
    let client = Client::builder(Token::new(TOKEN))
        .api_base(base)
        .build()
        .unwrap();

    let err = tokio::time::timeout(DEADLINE, client.current_user())
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Transport);
    assert_eq!(
        accepted.load(Ordering::SeqCst),
        3,
        "GET is tried three times"
    );

    let err = tokio::time::timeout(
        DEADLINE,
        client
            .create_message(ChannelId::new(1))
            .content("once")
            .send(),
    )
    .await
    .unwrap()
    .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Transport);
    assert_eq!(
        accepted.load(Ordering::SeqCst),
        4,
        "a POST that may have landed is not repeated"
    );
}

#[tokio::test]
async fn invalid_request_budget_refuses_locally() {
    let server = Server::loose().await;
    let client = client(&server, |b| b.invalid_request_limit(3));
    for _ in 0..3 {
        server.fault(Fault::Status(
            403,
            json!({"message": "Missing Access", "code": 50001}),
        ));
        let err = client.channel(ChannelId::new(1)).await.unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::Status { status: 403, .. }));
    }
    let err = client.channel(ChannelId::new(1)).await.unwrap_err();
    let ErrorKind::InvalidRequestBudget {
        count,
        limit,
        retry_after,
    } = err.kind()
    else {
        panic!("{err:?}")
    };
    assert_eq!((*count, *limit), (3, 3));
    assert!(*retry_after > Duration::from_secs(590), "{retry_after:?}");
    assert!(err.to_string().starts_with("refused locally"), "{err}");
    assert_eq!(server.hits().len(), 3, "the refused request was not sent");
}
