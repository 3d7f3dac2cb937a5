//! A small Discord stand-in on 127.0.0.1:0: the routes the client calls,
//! strict per-bucket rate limits with Discord's headers, a record of every
//! request, and injectable faults.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tether_http::Client;
use tether_model::Token;

/// The token every test client uses; it must never show up in output.
pub(crate) const TOKEN: &str = "MTA5ODc2NTQzMjEwMTIzNDU2.GxYz12.sEcReT-tOkEn_never-print-me";

/// A fault the server answers the next request with, instead of the route.
#[derive(Clone, Debug)]
pub(crate) enum Fault {
    /// An error status with a JSON body.
    Status(u16, Value),
    /// A 200 whose body is not JSON.
    Garbage,
    /// A 429 with Discord's body and headers.
    TooMany { retry_after: f64, global: bool },
    /// No answer at all.
    Hang,
}

/// One request as the server saw it.
#[derive(Clone, Debug)]
pub(crate) struct Hit {
    pub(crate) at: Instant,
    pub(crate) method: String,
    /// Path after `/api/v10`, as sent (still percent-encoded), with query.
    pub(crate) path: String,
    pub(crate) authorization: Option<String>,
    pub(crate) user_agent: Option<String>,
    pub(crate) body: Bytes,
}

pub(crate) struct Server {
    pub(crate) base: String,
    state: Arc<Shared>,
}

struct Shared {
    limit: u32,
    window: Duration,
    started: (Instant, SystemTime),
    faults: Mutex<VecDeque<Fault>>,
    windows: Mutex<HashMap<(&'static str, u64), Window>>,
    hits: Mutex<Vec<Hit>>,
    too_many: AtomicU32,
}

#[derive(Clone, Copy)]
struct Window {
    end: Instant,
    remaining: u32,
}

impl Server {
    /// Starts a server whose every bucket allows `limit` requests per
    /// `window`, counted per major parameter.
    pub(crate) async fn start(limit: u32, window: Duration) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local addr");
        let state = Arc::new(Shared {
            limit,
            window,
            started: (Instant::now(), SystemTime::now()),
            faults: Mutex::default(),
            windows: Mutex::default(),
            hits: Mutex::default(),
            too_many: AtomicU32::new(0),
        });
        let app = Router::new()
            .fallback(handle)
            .with_state(Arc::clone(&state));
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self {
            base: format!("http://{addr}/api/v10"),
            state,
        }
    }

    /// A server with limits loose enough never to matter.
    pub(crate) async fn loose() -> Self {
        Self::start(10_000, Duration::from_secs(1)).await
    }

    /// A client for this server with the test token.
    pub(crate) fn client(&self) -> Client {
        Client::builder(Token::new(TOKEN))
            .api_base(&self.base)
            .build()
            .expect("client")
    }

    /// Answers the next request (after the token check) with `fault`.
    pub(crate) fn fault(&self, fault: Fault) {
        self.state.faults.lock().unwrap().push_back(fault);
    }

    pub(crate) fn hits(&self) -> Vec<Hit> {
        self.state.hits.lock().unwrap().clone()
    }

    /// How many requests were answered 429 by the bucket limits.
    pub(crate) fn too_many(&self) -> u32 {
        self.state.too_many.load(Ordering::SeqCst)
    }
}

async fn handle(
    State(state): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let at = Instant::now();
    let full = uri.path_and_query().map_or("/", |p| p.as_str());
    let path = full.strip_prefix("/api/v10").unwrap_or(full).to_owned();
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    state.hits.lock().unwrap().push(Hit {
        at,
        method: method.to_string(),
        path: path.clone(),
        authorization: header("authorization"),
        user_agent: header("user-agent"),
        body: body.clone(),
    });

    if header("authorization").as_deref() != Some(&format!("Bot {TOKEN}")) {
        return json_response(
            StatusCode::UNAUTHORIZED,
            &json!({"message": "401: Unauthorized", "code": 0}),
        );
    }

    let fault = state.faults.lock().unwrap().pop_front();
    if let Some(fault) = fault {
        return answer_fault(fault).await;
    }

    let Some((bucket, major, status, body)) = route(&method, &path, &body) else {
        return json_response(
            StatusCode::NOT_FOUND,
            &json!({"message": "404: Not Found", "code": 0}),
        );
    };

    // Routes without a bucket have no per-route limit, like GET /gateway.
    let limit_headers = if bucket.is_empty() {
        HeaderMap::new()
    } else {
        match state.take(bucket, major, at) {
            Ok(headers) => headers,
            Err(too_many) => return *too_many,
        }
    };

    let mut response = match body {
        Some(body) => json_response(status, &body),
        None => status.into_response(),
    };
    response.headers_mut().extend(limit_headers);
    response
}

impl Shared {
    /// Counts a request in its bucket's window: the rate-limit headers, or
    /// the 429 answer when the window is spent.
    fn take(
        &self,
        bucket: &'static str,
        major: u64,
        at: Instant,
    ) -> Result<HeaderMap, Box<Response>> {
        let mut windows = self.windows.lock().unwrap();
        let window = windows.entry((bucket, major)).or_insert(Window {
            end: at,
            remaining: 0,
        });
        if at >= window.end {
            *window = Window {
                end: at + self.window,
                remaining: self.limit,
            };
        }
        let reset_after = window.end - at;
        let reset = self.started.1 + (window.end - self.started.0);
        let reset = reset.duration_since(UNIX_EPOCH).unwrap();
        let mut headers = HeaderMap::new();
        headers.insert("x-ratelimit-bucket", value(bucket));
        headers.insert("x-ratelimit-limit", value(&self.limit.to_string()));
        headers.insert(
            "x-ratelimit-reset",
            value(&format!("{}.{:03}", reset.as_secs(), reset.subsec_millis())),
        );
        headers.insert("x-ratelimit-reset-after", value(&ceil_secs(reset_after)));
        if window.remaining == 0 {
            self.too_many.fetch_add(1, Ordering::SeqCst);
            headers.insert("x-ratelimit-remaining", value("0"));
            headers.insert("x-ratelimit-scope", value("user"));
            headers.insert("retry-after", value(&reset_after.as_secs().to_string()));
            let body = json!({
                "message": "You are being rate limited.",
                "retry_after": reset_after.as_secs_f64(),
                "global": false,
            });
            let mut response = json_response(StatusCode::TOO_MANY_REQUESTS, &body);
            response.headers_mut().extend(headers);
            return Err(Box::new(response));
        }
        window.remaining -= 1;
        headers.insert(
            "x-ratelimit-remaining",
            value(&window.remaining.to_string()),
        );
        Ok(headers)
    }
}

async fn answer_fault(fault: Fault) -> Response {
    match fault {
        Fault::Status(status, body) => json_response(StatusCode::from_u16(status).unwrap(), &body),
        Fault::Garbage => (StatusCode::OK, "<html>not json</html>").into_response(),
        Fault::Hang => std::future::pending().await,
        Fault::TooMany {
            retry_after,
            global,
        } => {
            let body = json!({"message": "You are being rate limited.",
                "retry_after": retry_after, "global": global});
            let mut response = json_response(StatusCode::TOO_MANY_REQUESTS, &body);
            let headers = response.headers_mut();
            headers.insert("retry-after", value(&format!("{}", retry_after.ceil())));
            let scope = if global { "global" } else { "user" };
            headers.insert("x-ratelimit-scope", value(scope));
            if global {
                headers.insert("x-ratelimit-global", value("true"));
            }
            response
        }
    }
}

/// Bucket id, major parameter, status and body of a route; `None` for an
/// unknown route. The bucket id is empty for unlimited routes.
fn route(
    method: &Method,
    path: &str,
    body: &[u8],
) -> Option<(&'static str, u64, StatusCode, Option<Value>)> {
    let (path, query) = path.split_once('?').unwrap_or((path, ""));
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let id = |s: &str| s.parse::<u64>().ok();
    let ok = |v: Value| (StatusCode::OK, Some(v));
    let (bucket, major, (status, body)) = match (method.as_str(), segments.as_slice()) {
        ("GET", ["users", "@me"]) => ("users-me", 0, ok(user(1))),
        ("GET", ["oauth2", "applications", "@me"]) => (
            "app-me",
            0,
            ok(
                json!({"id": "10", "name": "tether-test", "icon": null, "description": "",
                "bot_public": true, "bot_require_code_grant": false, "owner": user(2), "flags": 0}),
            ),
        ),
        ("GET", ["gateway"]) => ("", 0, ok(json!({"url": "ws://127.0.0.1:1"}))),
        ("GET", ["gateway", "bot"]) => (
            "gateway-bot",
            0,
            ok(
                json!({"url": "ws://127.0.0.1:1", "shards": 2, "session_start_limit":
                {"total": 1000, "remaining": 998, "reset_after": 14_400_000, "max_concurrency": 1}}),
            ),
        ),
        ("GET", ["channels", c]) => (
            "channel",
            id(c)?,
            ok(json!({"id": c, "type": 0, "guild_id": "100", "name": "general"})),
        ),
        ("POST", ["channels", c, "messages"]) => {
            let sent: Value = serde_json::from_slice(body).ok()?;
            let mut reply = message(c, 500, sent["content"].as_str().unwrap_or(""));
            reply["nonce"] = sent["nonce"].clone();
            reply["message_reference"] = sent["message_reference"].clone();
            ("create-message", id(c)?, ok(reply))
        }
        ("GET", ["channels", c, "messages"]) => {
            let limit = query
                .split('&')
                .find_map(|kv| kv.strip_prefix("limit="))
                .and_then(|n| n.parse().ok())
                .unwrap_or(50_u64);
            let list: Vec<Value> = (0..limit).map(|i| message(c, 400 - i, "old")).collect();
            ("messages", id(c)?, ok(Value::Array(list)))
        }
        ("GET", ["channels", c, "messages", m]) => {
            ("message", id(c)?, ok(message(c, id(m)?, "hello")))
        }
        ("PATCH", ["channels", c, "messages", m]) => {
            let sent: Value = serde_json::from_slice(body).ok()?;
            let mut edited = message(c, id(m)?, sent["content"].as_str().unwrap_or(""));
            edited["edited_timestamp"] = json!("2024-01-01T00:01:00.000000+00:00");
            ("edit-message", id(c)?, ok(edited))
        }
        ("DELETE", ["channels", c, "messages", _]) => {
            ("delete-message", id(c)?, (StatusCode::NO_CONTENT, None))
        }
        ("PUT", ["channels", c, "messages", _, "reactions", _, "@me"]) => {
            ("reaction", id(c)?, (StatusCode::NO_CONTENT, None))
        }
        ("POST", ["channels", c, "typing"]) => ("typing", id(c)?, (StatusCode::NO_CONTENT, None)),
        ("GET", ["guilds", g]) => (
            "guild",
            id(g)?,
            ok(
                json!({"id": g, "name": "Test Guild", "owner_id": "2", "roles": [
                {"id": g, "name": "@everyone", "permissions": "0", "position": 0,
                 "color": 0, "hoist": false, "managed": false, "mentionable": false}]}),
            ),
        ),
        ("GET", ["guilds", g, "members", u]) => (
            "member",
            id(g)?,
            ok(json!({"user": user(id(u)?), "nick": "nick", "roles": [],
                "joined_at": "2024-01-01T00:00:00.000000+00:00", "deaf": false, "mute": false})),
        ),
        _ => return None,
    };
    Some((bucket, major, status, body))
}

fn user(id: u64) -> Value {
    json!({"id": id.to_string(), "username": format!("user{id}"), "discriminator": "0",
        "global_name": null, "avatar": null, "bot": id == 1})
}

fn message(channel: &str, id: u64, content: &str) -> Value {
    json!({"id": id.to_string(), "channel_id": channel, "author": user(1), "content": content,
        "timestamp": "2024-01-01T00:00:00.000000+00:00", "edited_timestamp": null, "tts": false,
        "mention_everyone": false, "mentions": [], "mention_roles": [], "attachments": [],
        "embeds": [], "pinned": false, "type": 0})
}

fn json_response(status: StatusCode, body: &Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    response
        .headers_mut()
        .insert("content-type", value("application/json"));
    response
}

fn value(text: &str) -> HeaderValue {
    HeaderValue::from_str(text).unwrap()
}

/// Seconds with millisecond decimals, rounded up so that a client waiting
/// that long never comes back early.
fn ceil_secs(duration: Duration) -> String {
    let millis = duration.as_micros().div_ceil(1000);
    format!("{}.{:03}", millis / 1000, millis % 1000)
}
