//! Discord's REST rate limits as a pure state machine.
//!
//! This module does no I/O, reads no clock and spawns nothing: every method
//! takes `now`, so its decisions can be tested with made-up instants. The
//! async [`Client`](crate::Client) wraps one [`RateLimiter`] in a mutex,
//! asks it before every request, sleeps when told to wait, and reports every
//! response back.
//!
//! # The limits
//!
//! Discord limits a bot in three independent ways (see
//! [Discord Docs/Rate Limits]):
//!
//! 1. **Per route.** Each route has a bucket that allows `X-RateLimit-Limit`
//!    requests per window; every response says how many are left
//!    (`X-RateLimit-Remaining`) and when the window ends
//!    (`X-RateLimit-Reset-After`). Routes that share a limit share an opaque
//!    bucket id (`X-RateLimit-Bucket`), and the limit is counted separately
//!    for each *major parameter*: the channel, guild or webhook id at the
//!    top of the path. `/channels/1/messages` and `/channels/2/messages`
//!    have separate budgets.
//! 2. **Globally.** At most 50 requests per second across all routes.
//! 3. **Invalid requests.** 10,000 responses with status 401, 403 or 429 per
//!    10 minutes get the IP banned for a while. A 429 whose
//!    `X-RateLimit-Scope` is `shared` does not count: it is another user's
//!    traffic on the same resource.
//!
//! # Algorithm
//!
//! **Bucket keys.** A request is described by a [`RouteKey`]: method, path
//! template and major parameter. The first time a route is seen its bucket
//! id is unknown, so its requests are counted in a provisional bucket keyed
//! by the route itself (with the major parameter). Once a response names the
//! bucket id, the route maps to `(bucket id, major parameter)`, which every
//! route with the same id shares. Bucket ids do not include the major
//! parameter, so one id learned on channel 1 serves channel 2 as well.
//!
//! **Buckets.** A bucket either knows its current window (how many requests
//! remain and when it resets) or it does not: before the first response,
//! and again once the window has passed its reset. An unknown bucket lets
//! one request through, and only when no other request on it is still in
//! flight (an answer still on its way may describe the new window); the
//! others wait for its answer, which describes the new window. A known bucket takes one
//! from `remaining` at every permit it hands out, so however many requests
//! run at once they never outnumber what Discord said was left, and with
//! `remaining` at zero every request waits for the reset instead of being
//! sent. Answers can arrive out of order, so within a window the lower
//! `remaining` wins. Answers from an older window (an earlier
//! `X-RateLimit-Reset`) are ignored; an answer from a newer window replaces
//! the state, minus the requests still in flight.
//!
//! **Global limit.** A global permit is held from the moment it is handed
//! out until one second after its answer arrived (or the request was
//! abandoned). Holding it across the flight, rather than counting from the
//! send, makes the guarantee independent of network latency: Discord
//! receives a request somewhere between the send and the answer, so no
//! one-second window on Discord's side can hold more requests than the
//! limit. The cost is one round trip per second of throughput.
//!
//! **429 responses.** A 429 with `global` (in the body or the
//! `X-RateLimit-Global` header) or scope `global` pauses every route for
//! `retry_after`; any other 429 empties its bucket until `retry_after`.
//!
//! **Invalid requests.** Responses 401, 403 and non-shared 429 are counted in
//! one-second slots over a sliding 10-minute window. When the count reaches
//! the configured limit (9,000 by default, under Discord's 10,000),
//! [`RateLimiter::acquire`] refuses every request until enough slots have
//! left the window.
//!
//! Memory stays bounded: the route map has one entry per path template (a
//! fixed set), and buckets whose window has passed with nothing in flight
//! are forgotten once there are many of them, since an expired bucket
//! carries no information a new probe would not bring.
//!
//! # Example
//!
//! ```
//! use std::time::{Duration, Instant};
//! use tether_http::ratelimit::{Decision, RateLimitHeaders, RateLimiter, RouteKey};
//!
//! let mut limiter = RateLimiter::new(50, 9_000);
//! let route = RouteKey::new("POST", "/channels/{channel_id}/messages", Some(42));
//! let t0 = Instant::now();
//!
//! // Nothing is known yet: one request may probe the bucket ...
//! let Decision::Go(permit) = limiter.acquire(&route, t0) else { panic!() };
//! // ... and a second one waits for the probe's answer.
//! assert_eq!(limiter.acquire(&route, t0), Decision::Wait(None));
//!
//! // The answer says the bucket is spent for another 2 seconds.
//! let headers = RateLimitHeaders {
//!     bucket: Some("abcd".into()),
//!     remaining: Some(0),
//!     reset_after: Some(Duration::from_secs(2)),
//!     ..RateLimitHeaders::default()
//! };
//! limiter.complete(permit, 200, &headers, t0);
//! assert_eq!(limiter.acquire(&route, t0), Decision::Wait(Some(t0 + Duration::from_secs(2))));
//! ```
//!
//! [Discord Docs/Rate Limits]: https://discord.com/developers/docs/topics/rate-limits

use std::collections::hash_map::Entry;
use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Global requests Discord allows per [`GLOBAL_WINDOW`] by default.
pub const DEFAULT_GLOBAL_LIMIT: u32 = 50;

/// Length of the global limit's window.
pub const GLOBAL_WINDOW: Duration = Duration::from_secs(1);

/// Invalid requests (401, 403, 429) after which [`RateLimiter`] refuses to
/// send by default, leaving a margin under Discord's 10,000.
pub const DEFAULT_INVALID_REQUEST_LIMIT: u32 = 9_000;

/// Length of the invalid-request window.
pub const INVALID_REQUEST_WINDOW: Duration = Duration::from_secs(600);

/// Longest wait taken from a response; longer values are clamped so that a
/// hostile `reset_after` cannot overflow an [`Instant`].
pub const MAX_WAIT: Duration = Duration::from_secs(24 * 60 * 60);

/// Granularity of the invalid-request counter.
const INVALID_SLOT: Duration = Duration::from_secs(1);

/// Wait after a 429 that says nothing about how long to wait.
const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(1);

/// Bucket count below which expired buckets are not swept.
const PRUNE_THRESHOLD: usize = 256;

/// Longest bucket id kept; longer ids are not Discord's and are ignored.
const MAX_BUCKET_ID_LEN: usize = 128;

/// What identifies a request for rate limiting: method, path template and
/// major parameter.
///
/// The template names the route without its ids
/// (`/channels/{channel_id}/messages`); the major parameter is the channel,
/// guild or webhook id that Discord counts separately, or `None` for routes
/// without one (`/users/@me`).
///
/// ```
/// use tether_http::ratelimit::RouteKey;
/// let key = RouteKey::new("GET", "/channels/{channel_id}", Some(7));
/// assert_eq!(key.to_string(), "GET /channels/{channel_id}");
/// ```
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
pub struct RouteKey {
    method: &'static str,
    template: &'static str,
    major: Option<u64>,
}

impl RouteKey {
    /// Creates a key from an HTTP method name, a path template and the major
    /// parameter.
    pub const fn new(method: &'static str, template: &'static str, major: Option<u64>) -> Self {
        Self {
            method,
            template,
            major,
        }
    }

    /// HTTP method, such as `"GET"`.
    pub const fn method(&self) -> &'static str {
        self.method
    }

    /// Path template, such as `"/channels/{channel_id}"`.
    pub const fn template(&self) -> &'static str {
        self.template
    }

    /// Major parameter (channel, guild or webhook id), if the route has one.
    pub const fn major(&self) -> Option<u64> {
        self.major
    }
}

/// Shows the method and template, never the ids.
impl fmt::Display for RouteKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method, self.template)
    }
}

/// The rate-limit facts of one response, from its headers and, for a 429,
/// its body.
///
/// Absent headers stay `None`; [`RateLimitHeaders::parse`] builds it from a
/// header lookup.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RateLimitHeaders {
    /// `X-RateLimit-Bucket`: the opaque bucket id.
    pub bucket: Option<String>,
    /// `X-RateLimit-Remaining`: requests left in the window.
    pub remaining: Option<u32>,
    /// `X-RateLimit-Reset` in milliseconds since the Unix epoch; used only
    /// to tell windows apart, never compared with the local clock.
    pub reset: Option<u64>,
    /// `X-RateLimit-Reset-After`: time until the window resets.
    pub reset_after: Option<Duration>,
    /// Time to wait after a 429: the body's `retry_after` if present, else
    /// the `Retry-After` header.
    pub retry_after: Option<Duration>,
    /// Whether a 429 is global (`X-RateLimit-Global` or the body's `global`).
    pub global: bool,
    /// `X-RateLimit-Scope` of a 429.
    pub scope: Option<Scope>,
}

impl RateLimitHeaders {
    /// Reads the rate-limit headers through `get`, which returns a header's
    /// value by (lowercase) name.
    ///
    /// Malformed values are treated as absent; durations are clamped to
    /// [`MAX_WAIT`].
    ///
    /// ```
    /// use std::time::Duration;
    /// use tether_http::ratelimit::{RateLimitHeaders, Scope};
    ///
    /// let headers = [
    ///     ("x-ratelimit-bucket", "abcd1234"),
    ///     ("x-ratelimit-remaining", "0"),
    ///     ("x-ratelimit-reset", "1470173023.123"),
    ///     ("x-ratelimit-reset-after", "1.5"),
    ///     ("x-ratelimit-scope", "user"),
    /// ];
    /// let parsed = RateLimitHeaders::parse(|name| {
    ///     headers.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
    /// });
    /// assert_eq!(parsed.remaining, Some(0));
    /// assert_eq!(parsed.reset, Some(1_470_173_023_123));
    /// assert_eq!(parsed.reset_after, Some(Duration::from_millis(1500)));
    /// assert_eq!(parsed.scope, Some(Scope::User));
    /// ```
    pub fn parse<'a>(get: impl Fn(&str) -> Option<&'a str>) -> Self {
        Self {
            bucket: get("x-ratelimit-bucket")
                .map(str::trim)
                .filter(|id| !id.is_empty() && id.len() <= MAX_BUCKET_ID_LEN)
                .map(str::to_owned),
            remaining: get("x-ratelimit-remaining").and_then(|v| v.trim().parse().ok()),
            reset: get("x-ratelimit-reset").and_then(parse_epoch_millis),
            reset_after: get("x-ratelimit-reset-after").and_then(parse_seconds),
            retry_after: get("retry-after").and_then(parse_seconds),
            global: get("x-ratelimit-global")
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("true")),
            scope: get("x-ratelimit-scope").and_then(Scope::parse),
        }
    }

    fn has_limits(&self) -> bool {
        self.bucket.is_some() || self.remaining.is_some() || self.reset_after.is_some()
    }

    fn is_global(&self) -> bool {
        self.global || self.scope == Some(Scope::Global)
    }
}

/// Whom a 429 applies to (`X-RateLimit-Scope`).
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
#[non_exhaustive]
pub enum Scope {
    /// The bot's global limit.
    Global,
    /// A limit on the resource shared by every user; not counted as an
    /// invalid request.
    Shared,
    /// The bot's per-route limit.
    User,
}

impl Scope {
    fn parse(value: &str) -> Option<Self> {
        match value.trim() {
            "global" => Some(Self::Global),
            "shared" => Some(Self::Shared),
            "user" => Some(Self::User),
            _ => None,
        }
    }
}

/// The answer of [`RateLimiter::acquire`].
#[derive(Debug, Eq, PartialEq)]
#[must_use = "a permit must be completed or cancelled, a wait must be waited"]
pub enum Decision {
    /// Send the request now; report its outcome with
    /// [`complete`](RateLimiter::complete) or
    /// [`cancel`](RateLimiter::cancel).
    Go(Permit),
    /// Too many invalid requests: do not send.
    Refuse(Refusal),
    /// Ask again at this instant, or earlier as soon as any permit is
    /// completed or cancelled. `None` means only a completion can help.
    Wait(Option<Instant>),
}

/// Leave to send one request, from [`RateLimiter::acquire`].
///
/// Hand it back exactly once, to [`RateLimiter::complete`] with the
/// response or to [`RateLimiter::cancel`] if no response came; a permit that
/// is forgotten keeps its bucket and a global slot busy.
#[derive(Debug, Eq, PartialEq)]
pub struct Permit {
    route: RouteKey,
    bucket: Option<BucketKey>,
}

impl Permit {
    /// Route the permit was given for.
    pub const fn route(&self) -> &RouteKey {
        &self.route
    }
}

/// Why [`RateLimiter::acquire`] refused: the invalid-request budget is spent.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct Refusal {
    /// Invalid responses counted in the last 10 minutes.
    pub count: u32,
    /// Configured limit.
    pub limit: u32,
    /// When the count falls below the limit again.
    pub until: Instant,
}

/// The rate-limit state of one client: buckets, global limit and
/// invalid-request count.
///
/// See the [module documentation](self) for the algorithm.
///
/// # Examples
///
/// A driver asks before each request, sleeps when told to wait, and hands
/// every permit back:
///
/// ```
/// use std::time::{Duration, Instant};
/// use tether_http::ratelimit::{Decision, RateLimitHeaders, RateLimiter, RouteKey};
///
/// let mut limiter = RateLimiter::new(2, 9_000);
/// let me = RouteKey::new("GET", "/users/@me", None);
/// let t0 = Instant::now();
///
/// let Decision::Go(first) = limiter.acquire(&me, t0) else { panic!() };
/// // The request failed before any answer: give the permit back.
/// limiter.cancel(first, t0);
///
/// let Decision::Go(second) = limiter.acquire(&me, t0) else { panic!() };
/// limiter.complete(second, 401, &RateLimitHeaders::default(), t0);
/// assert_eq!(limiter.invalid_requests(t0), 1);
///
/// // Two permits were used in this second: the global limit of 2 is spent
/// // until a second after the first was given back.
/// assert_eq!(limiter.acquire(&me, t0), Decision::Wait(Some(t0 + Duration::from_secs(1))));
/// ```
#[derive(Debug)]
pub struct RateLimiter {
    /// Bucket of each route (method and template) once a response named it.
    routes: HashMap<(&'static str, &'static str), RouteBucket>,
    buckets: HashMap<BucketKey, Bucket>,
    global: Global,
    invalid: InvalidRequests,
    /// Bucket count at which expired buckets are next swept.
    prune_at: usize,
}

impl RateLimiter {
    /// Creates a limiter allowing `global_limit` requests per second and
    /// refusing to send once `invalid_request_limit` invalid responses were
    /// counted in 10 minutes.
    ///
    /// Zero limits are raised to one, so that the limiter can always make
    /// progress.
    pub fn new(global_limit: u32, invalid_request_limit: u32) -> Self {
        Self {
            routes: HashMap::new(),
            buckets: HashMap::new(),
            global: Global::new(global_limit.max(1)),
            invalid: InvalidRequests::new(invalid_request_limit.max(1)),
            prune_at: PRUNE_THRESHOLD,
        }
    }

    /// Asks whether a request on `route` may be sent at `now`.
    ///
    /// A [`Decision::Go`] reserves a place in the route's bucket and in the
    /// global limit; nothing is reserved otherwise.
    pub fn acquire(&mut self, route: &RouteKey, now: Instant) -> Decision {
        if let Err(refusal) = self.invalid.check(now) {
            return Decision::Refuse(refusal);
        }
        let key = self.bucket_key(route);
        let global = self.global.check(now);
        let bucket = key.as_ref().map_or(Ok(()), |key| {
            self.buckets.get(key).map_or(Ok(()), |b| b.check(now))
        });
        match (global, bucket) {
            (Ok(()), Ok(())) => {}
            (Err(a), Err(b)) => return Decision::Wait(a.max(b)),
            (Err(wait), Ok(())) | (Ok(()), Err(wait)) => return Decision::Wait(wait),
        }
        self.global.take();
        if let Some(key) = &key {
            self.buckets.entry(key.clone()).or_default().take(now);
        }
        Decision::Go(Permit {
            route: *route,
            bucket: key,
        })
    }

    /// Reports the response to a permitted request: its HTTP status and
    /// rate-limit headers, received at `now`.
    pub fn complete(
        &mut self,
        permit: Permit,
        status: u16,
        headers: &RateLimitHeaders,
        now: Instant,
    ) {
        let Permit { route, bucket } = permit;
        self.global.release(now);
        if let Some(bucket) = bucket.as_ref().and_then(|key| self.buckets.get_mut(key)) {
            bucket.in_flight = bucket.in_flight.saturating_sub(1);
        }

        let route_id = (route.method, route.template);
        let target = if let Some(id) = &headers.bucket {
            let id = self.intern(route_id, id);
            Some(BucketKey {
                id: BucketId::Hash(id),
                major: route.major,
            })
        } else if status == 429 && bucket.is_none() {
            // The route was thought unlimited; a 429 proves otherwise.
            self.routes.remove(&route_id);
            Some(BucketKey::provisional(&route))
        } else {
            if (200..300).contains(&status) && !headers.has_limits() {
                self.routes.insert(route_id, RouteBucket::Unlimited);
            }
            bucket
        };

        let retry_after = headers
            .retry_after
            .or(headers.reset_after)
            .unwrap_or(DEFAULT_RETRY_AFTER)
            .min(MAX_WAIT);
        if let Some(key) = target {
            let in_flight = self.in_flight_in(&key);
            let bucket = self.buckets.entry(key).or_default();
            bucket.observe(headers, now, in_flight);
            if status == 429 && !headers.is_global() {
                bucket.pause(later(now, retry_after));
            }
        }
        if status == 429 && headers.is_global() {
            self.global.pause(later(now, retry_after));
        }

        let invalid = match status {
            401 | 403 => true,
            429 => headers.scope != Some(Scope::Shared),
            _ => false,
        };
        if invalid {
            self.invalid.record(now);
        }
        self.prune(now);
    }

    /// Reports that a permitted request got no response (transport error,
    /// or the caller gave up) at `now`.
    ///
    /// The request may still have reached Discord, so the bucket keeps it
    /// counted; only its in-flight mark and global slot are released.
    pub fn cancel(&mut self, permit: Permit, now: Instant) {
        self.global.release(now);
        if let Some(bucket) = permit.bucket.and_then(|key| self.buckets.get_mut(&key)) {
            bucket.in_flight = bucket.in_flight.saturating_sub(1);
        }
        self.prune(now);
    }

    /// Invalid responses (401, 403, non-shared 429) counted in the 10 minutes
    /// before `now`.
    pub fn invalid_requests(&mut self, now: Instant) -> u32 {
        self.invalid.prune(now);
        self.invalid.count
    }

    /// Bucket a request on `route` is counted in; `None` for routes known to
    /// have no per-route limit.
    fn bucket_key(&self, route: &RouteKey) -> Option<BucketKey> {
        match self.routes.get(&(route.method, route.template)) {
            Some(RouteBucket::Hash(id)) => Some(BucketKey {
                id: BucketId::Hash(Arc::clone(id)),
                major: route.major,
            }),
            Some(RouteBucket::Unlimited) => None,
            None => Some(BucketKey::provisional(route)),
        }
    }

    /// Requests in flight that Discord counts in `key`'s bucket: its own,
    /// and those sent on provisional buckets of routes since found to share
    /// it (each such route had at most one probe out when its id was learned).
    fn in_flight_in(&self, key: &BucketKey) -> u32 {
        let own = self.buckets.get(key).map_or(0, |bucket| bucket.in_flight);
        let BucketId::Hash(id) = &key.id else {
            return own;
        };
        let provisional: u32 = self
            .routes
            .iter()
            .filter(|(_, bucket)| matches!(bucket, RouteBucket::Hash(h) if h == id))
            .filter_map(|(&(method, template), _)| {
                self.buckets.get(&BucketKey {
                    id: BucketId::Route(method, template),
                    major: key.major,
                })
            })
            .map(|bucket| bucket.in_flight)
            .sum();
        own + provisional
    }

    /// Records that `route_id` uses bucket `id` and returns the shared id.
    fn intern(&mut self, route_id: (&'static str, &'static str), id: &str) -> Arc<str> {
        match self.routes.entry(route_id) {
            Entry::Occupied(mut entry) => match entry.get() {
                RouteBucket::Hash(known) if **known == *id => Arc::clone(known),
                _ => {
                    let id: Arc<str> = id.into();
                    entry.insert(RouteBucket::Hash(Arc::clone(&id)));
                    id
                }
            },
            Entry::Vacant(entry) => {
                let id: Arc<str> = id.into();
                entry.insert(RouteBucket::Hash(Arc::clone(&id)));
                id
            }
        }
    }

    /// Forgets idle buckets whose window has passed, once there are many.
    fn prune(&mut self, now: Instant) {
        if self.buckets.len() < self.prune_at {
            return;
        }
        self.buckets
            .retain(|_, bucket| bucket.in_flight > 0 || bucket.is_current(now));
        self.prune_at = (self.buckets.len() * 2).max(PRUNE_THRESHOLD);
    }
}

/// What a route is known to be limited by.
#[derive(Debug)]
enum RouteBucket {
    /// The bucket id from `X-RateLimit-Bucket`.
    Hash(Arc<str>),
    /// A success without rate-limit headers: only the global limit applies.
    Unlimited,
}

#[derive(Clone, Debug, Eq, Hash, PartialEq)]
struct BucketKey {
    id: BucketId,
    major: Option<u64>,
}

impl BucketKey {
    /// The bucket a route is counted in before its bucket id is known.
    fn provisional(route: &RouteKey) -> Self {
        Self {
            id: BucketId::Route(route.method, route.template),
            major: route.major,
        }
    }
}

#[derive(Clone, Debug, Eq, Hash, PartialEq)]
enum BucketId {
    Hash(Arc<str>),
    Route(&'static str, &'static str),
}

/// One bucket for one major parameter.
#[derive(Debug, Default)]
struct Bucket {
    /// The current window, `None` while unknown.
    window: Option<Window>,
    /// Permits handed out and not yet completed or cancelled.
    in_flight: u32,
}

#[derive(Clone, Copy, Debug)]
struct Window {
    /// Requests that may still be sent, net of those in flight.
    remaining: u32,
    reset_at: Instant,
    /// `X-RateLimit-Reset` of the window, to tell windows apart.
    id: Option<u64>,
}

impl Bucket {
    /// `Ok` if a request may go at `now`, else when to ask again.
    fn check(&self, now: Instant) -> Result<(), Option<Instant>> {
        match self.window {
            Some(window) if now < window.reset_at => {
                if window.remaining > 0 {
                    Ok(())
                } else {
                    Err(Some(window.reset_at))
                }
            }
            // Unknown or expired: one probe at a time.
            _ if self.in_flight == 0 => Ok(()),
            _ => Err(None),
        }
    }

    fn take(&mut self, now: Instant) {
        match &mut self.window {
            Some(window) if now < window.reset_at => {
                window.remaining = window.remaining.saturating_sub(1);
            }
            _ => self.window = None,
        }
        self.in_flight += 1;
    }

    fn is_current(&self, now: Instant) -> bool {
        self.window.is_some_and(|window| now < window.reset_at)
    }

    /// Takes in a response's headers; `in_flight` is how many other
    /// requests Discord may still count in this bucket.
    fn observe(&mut self, headers: &RateLimitHeaders, now: Instant, in_flight: u32) {
        let (Some(remaining), Some(reset_after)) = (headers.remaining, headers.reset_after) else {
            return;
        };
        let fresh = Window {
            remaining: remaining.saturating_sub(in_flight),
            reset_at: later(now, reset_after.min(MAX_WAIT)),
            id: headers.reset,
        };
        let Some(window) = &mut self.window else {
            self.window = Some(fresh);
            return;
        };
        match (window.id, fresh.id) {
            (Some(current), Some(new)) if new < current => {}
            (Some(current), Some(new)) if new == current => {
                window.remaining = window.remaining.min(remaining);
                window.reset_at = window.reset_at.max(fresh.reset_at);
            }
            // Without window ids, an answer within the known window is
            // taken to belong to it.
            (None | Some(_), None) | (None, Some(_)) if now < window.reset_at => {
                window.remaining = window.remaining.min(remaining);
                window.reset_at = window.reset_at.max(fresh.reset_at);
            }
            _ => *window = fresh,
        }
    }

    /// Empties the bucket until `until`, after a 429.
    fn pause(&mut self, until: Instant) {
        let id = self.window.and_then(|window| window.id);
        let reset_at = match self.window {
            Some(window) => window.reset_at.max(until),
            None => until,
        };
        self.window = Some(Window {
            remaining: 0,
            reset_at,
            id,
        });
    }
}

/// The global limit: permits held from hand-out until one window after
/// their answer.
#[derive(Debug)]
struct Global {
    limit: u32,
    in_flight: u32,
    /// When recent permits were released, oldest first; at most `limit`.
    released: VecDeque<Instant>,
    paused_until: Option<Instant>,
}

impl Global {
    fn new(limit: u32) -> Self {
        Self {
            limit,
            in_flight: 0,
            released: VecDeque::new(),
            paused_until: None,
        }
    }

    fn check(&mut self, now: Instant) -> Result<(), Option<Instant>> {
        if let Some(until) = self.paused_until {
            if now < until {
                return Err(Some(until));
            }
            self.paused_until = None;
        }
        while self
            .released
            .front()
            .is_some_and(|&at| at + GLOBAL_WINDOW <= now)
        {
            self.released.pop_front();
        }
        let held = u64::from(self.in_flight) + self.released.len() as u64;
        if held < u64::from(self.limit) {
            Ok(())
        } else {
            Err(self.released.front().map(|&at| at + GLOBAL_WINDOW))
        }
    }

    fn take(&mut self) {
        self.in_flight += 1;
    }

    fn release(&mut self, now: Instant) {
        self.in_flight = self.in_flight.saturating_sub(1);
        self.released.push_back(now);
    }

    fn pause(&mut self, until: Instant) {
        self.paused_until = Some(self.paused_until.map_or(until, |p| p.max(until)));
    }
}

/// Invalid responses in one-second slots over a sliding 10-minute window.
#[derive(Debug)]
struct InvalidRequests {
    limit: u32,
    /// Slot start and count, oldest first; at most one slot per second.
    slots: VecDeque<(Instant, u32)>,
    count: u32,
}

impl InvalidRequests {
    fn new(limit: u32) -> Self {
        Self {
            limit,
            slots: VecDeque::new(),
            count: 0,
        }
    }

    /// When a slot leaves the window. A slot holds responses from up to one
    /// slot length after its start, so it stays that much longer: the count
    /// may run high, never low.
    fn expiry(start: Instant) -> Instant {
        start + INVALID_REQUEST_WINDOW + INVALID_SLOT
    }

    fn prune(&mut self, now: Instant) {
        while let Some(&(start, n)) = self.slots.front() {
            if Self::expiry(start) > now {
                break;
            }
            self.count -= n;
            self.slots.pop_front();
        }
    }

    fn record(&mut self, now: Instant) {
        self.prune(now);
        match self.slots.back_mut() {
            Some((start, n)) if now < *start + INVALID_SLOT => *n += 1,
            _ => self.slots.push_back((now, 1)),
        }
        self.count += 1;
    }

    fn check(&mut self, now: Instant) -> Result<(), Refusal> {
        self.prune(now);
        if self.count < self.limit {
            return Ok(());
        }
        let mut left = self.count;
        let mut until = now;
        for &(start, n) in &self.slots {
            left -= n;
            until = Self::expiry(start);
            if left < self.limit {
                break;
            }
        }
        Err(Refusal {
            count: self.count,
            limit: self.limit,
            until,
        })
    }
}

/// `now + wait`, with `wait` clamped to [`MAX_WAIT`]. No real clock is
/// near enough to its end for that to overflow; if one were, the wait is
/// dropped rather than panicking.
fn later(now: Instant, wait: Duration) -> Instant {
    now.checked_add(wait.min(MAX_WAIT)).unwrap_or(now)
}

/// Parses decimal seconds such as `"1.5"` or `"64.57"`, clamped to
/// [`MAX_WAIT`].
fn parse_seconds(value: &str) -> Option<Duration> {
    seconds(value.trim().parse().ok()?)
}

/// Converts seconds from a header or body into a wait, clamped to
/// [`MAX_WAIT`]; `None` for NaN and negative values.
pub(crate) fn seconds(seconds: f64) -> Option<Duration> {
    if seconds > MAX_WAIT.as_secs_f64() {
        return Some(MAX_WAIT);
    }
    Duration::try_from_secs_f64(seconds).ok()
}

/// Parses epoch seconds with up to millisecond decimals (`"1470173023.123"`)
/// into epoch milliseconds, exactly (no floating point, so equal headers give
/// equal ids).
fn parse_epoch_millis(value: &str) -> Option<u64> {
    let (whole, fraction) = value.trim().split_once('.').unwrap_or((value.trim(), ""));
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut millis = whole.parse::<u64>().ok()?.checked_mul(1000)?;
    let mut scale = 100;
    for digit in fraction.bytes().take(3) {
        millis = millis.checked_add(u64::from(digit - b'0') * scale)?;
        scale /= 10;
    }
    Some(millis)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    fn route(major: u64) -> RouteKey {
        RouteKey::new("POST", "/channels/{channel_id}/messages", Some(major))
    }

    fn headers(bucket: &str, remaining: u32, reset_after_ms: u64, reset: u64) -> RateLimitHeaders {
        RateLimitHeaders {
            bucket: Some(bucket.to_owned()),
            remaining: Some(remaining),
            reset: Some(reset),
            reset_after: Some(Duration::from_millis(reset_after_ms)),
            ..RateLimitHeaders::default()
        }
    }

    fn go(limiter: &mut RateLimiter, route: &RouteKey, now: Instant) -> Permit {
        match limiter.acquire(route, now) {
            Decision::Go(permit) => permit,
            other => panic!("expected a permit, got {other:?}"),
        }
    }

    #[test]
    fn unknown_bucket_lets_one_probe_through() {
        let t0 = Instant::now();
        let mut limiter = RateLimiter::new(50, 100);
        let probe = go(&mut limiter, &route(1), t0);
        assert_eq!(limiter.acquire(&route(1), t0), Decision::Wait(None));
        limiter.complete(probe, 200, &headers("b", 4, 1000, 5_000), t0 + MS);
        for _ in 0..4 {
            let _permit = go(&mut limiter, &route(1), t0 + MS);
        }
        assert_eq!(
            limiter.acquire(&route(1), t0 + MS),
            Decision::Wait(Some(t0 + MS + Duration::from_secs(1)))
        );
    }

    #[test]
    fn different_buckets_run_in_parallel() {
        let t0 = Instant::now();
        let mut limiter = RateLimiter::new(50, 100);
        let _a = go(&mut limiter, &route(1), t0);
        let _b = go(&mut limiter, &route(2), t0);
        let other = RouteKey::new("GET", "/guilds/{guild_id}", Some(1));
        let _c = go(&mut limiter, &other, t0);
    }

    #[test]
    fn bucket_at_zero_waits_for_reset_then_probes_again() {
        let t0 = Instant::now();
        let mut limiter = RateLimiter::new(50, 100);
        let probe = go(&mut limiter, &route(1), t0);
        limiter.complete(probe, 200, &headers("b", 0, 300, 5_000), t0);
        let reset = t0 + Duration::from_millis(300);
        assert_eq!(limiter.acquire(&route(1), t0), Decision::Wait(Some(reset)));
        assert_eq!(
            limiter.acquire(&route(1), t0 + Duration::from_millis(299)),
            Decision::Wait(Some(reset))
        );
        // After the reset the state is unknown again: one probe at a time.
        let probe = go(&mut limiter, &route(1), reset);
        assert_eq!(limiter.acquire(&route(1), reset), Decision::Wait(None));
        limiter.complete(probe, 200, &headers("b", 4, 300, 5_300), reset + MS);
        let _next = go(&mut limiter, &route(1), reset + MS);
    }

    #[test]
    fn learned_bucket_id_is_shared_across_majors_but_counted_per_major() {
        let t0 = Instant::now();
        let mut limiter = RateLimiter::new(50, 100);
        let probe = go(&mut limiter, &route(1), t0);
        limiter.complete(probe, 200, &headers("b", 0, 1000, 5_000), t0);
        // Channel 1 is spent; channel 2 has its own, unknown, window.
        assert!(matches!(
            limiter.acquire(&route(1), t0),
            Decision::Wait(Some(_))
        ));
        let probe2 = go(&mut limiter, &route(2), t0);
        assert_eq!(
            probe2.bucket.as_ref().map(|k| &k.id),
            Some(&BucketId::Hash("b".into()))
        );
    }

    // Found by the 500-request integration test under load: channel 2's
    // provisional probe was still out when channel 1 taught the bucket id,
    // a second probe went out on the new bucket, reached Discord first and
    // reported 4 left, which did not count the first probe.
    #[test]
    fn probes_sent_before_the_bucket_id_was_known_are_counted() {
        let t0 = Instant::now();
        let mut limiter = RateLimiter::new(50, 100);
        let p1 = go(&mut limiter, &route(1), t0);
        let _p2 = go(&mut limiter, &route(2), t0);
        limiter.complete(p1, 200, &headers("b", 4, 1000, 5_000), t0);
        let q2 = go(&mut limiter, &route(2), t0);
        limiter.complete(q2, 200, &headers("b", 4, 1000, 5_000), t0 + MS);
        for _ in 0..3 {
            let _p = go(&mut limiter, &route(2), t0 + MS);
        }
        assert!(matches!(
            limiter.acquire(&route(2), t0 + MS),
            Decision::Wait(Some(_))
        ));
    }

    #[test]
    fn out_of_order_answers_keep_the_lowest_remaining() {
        let t0 = Instant::now();
        let mut limiter = RateLimiter::new(50, 100);
        let probe = go(&mut limiter, &route(1), t0);
        limiter.complete(probe, 200, &headers("b", 3, 1000, 5_000), t0);
        let p1 = go(&mut limiter, &route(1), t0);
        let p2 = go(&mut limiter, &route(1), t0);
        // The second request's answer (remaining 1) arrives first, then the
        // first's (remaining 2): the bucket must not believe 2 are left.
        limiter.complete(p2, 200, &headers("b", 1, 1000, 5_000), t0 + MS);
        limiter.complete(p1, 200, &headers("b", 2, 1000, 5_000), t0 + MS);
        let _p3 = go(&mut limiter, &route(1), t0 + MS);
        assert!(matches!(
            limiter.acquire(&route(1), t0 + MS),
            Decision::Wait(Some(_))
        ));
    }

    #[test]
    fn window_end_with_requests_in_flight_waits_for_them() {
        let t0 = Instant::now();
        let mut limiter = RateLimiter::new(50, 100);
        let probe = go(&mut limiter, &route(1), t0);
        limiter.complete(probe, 200, &headers("b", 5, 100, 5_000), t0);
        let old = go(&mut limiter, &route(1), t0);
        // The window is over but its last request has not answered: its
        // answer may describe the new window, so nothing probes yet.
        let t1 = t0 + Duration::from_millis(100);
        assert_eq!(limiter.acquire(&route(1), t1), Decision::Wait(None));
        limiter.complete(old, 200, &headers("b", 4, 100, 5_100), t1);
        let _next = go(&mut limiter, &route(1), t1);
    }

    #[test]
    fn answers_from_an_older_window_are_ignored() {
        let t0 = Instant::now();
        let mut limiter = RateLimiter::new(50, 100);
        let probe = go(&mut limiter, &route(1), t0);
        limiter.complete(probe, 200, &headers("b", 2, 100, 5_000), t0);
        let a = go(&mut limiter, &route(1), t0);
        let b = go(&mut limiter, &route(1), t0);
        // `a` landed in the next window; `b` in the old one, which it
        // emptied. The old window's zero says nothing about the new one.
        limiter.complete(a, 200, &headers("b", 4, 100, 5_100), t0 + MS);
        limiter.complete(b, 200, &headers("b", 0, 1, 5_000), t0 + MS);
        for _ in 0..3 {
            let _p = go(&mut limiter, &route(1), t0 + MS);
        }
        assert!(matches!(
            limiter.acquire(&route(1), t0 + MS),
            Decision::Wait(Some(_))
        ));
    }

    #[test]
    fn newer_window_subtracts_requests_in_flight() {
        let t0 = Instant::now();
        let mut limiter = RateLimiter::new(50, 100);
        let probe = go(&mut limiter, &route(1), t0);
        limiter.complete(probe, 200, &headers("b", 3, 100, 5_000), t0);
        let a = go(&mut limiter, &route(1), t0);
        let _b = go(&mut limiter, &route(1), t0);
        // `a` reached Discord after its window reset: remaining 4 of a new
        // window, but `b` may land there too.
        limiter.complete(a, 200, &headers("b", 4, 100, 5_100), t0 + MS);
        for _ in 0..3 {
            let _p = go(&mut limiter, &route(1), t0 + MS);
        }
        assert!(matches!(
            limiter.acquire(&route(1), t0 + MS),
            Decision::Wait(Some(_))
        ));
    }

    #[test]
    fn global_limit_holds_permits_until_a_second_after_the_answer() {
        let t0 = Instant::now();
        let mut limiter = RateLimiter::new(2, 100);
        let a = go(&mut limiter, &route(1), t0);
        let b = go(&mut limiter, &route(2), t0);
        // Both in flight: only an answer can free a slot.
        assert_eq!(limiter.acquire(&route(3), t0), Decision::Wait(None));
        let t1 = t0 + Duration::from_millis(40);
        limiter.complete(a, 200, &RateLimitHeaders::default(), t1);
        assert_eq!(
            limiter.acquire(&route(3), t1),
            Decision::Wait(Some(t1 + GLOBAL_WINDOW))
        );
        limiter.cancel(b, t1 + MS);
        let _c = go(&mut limiter, &route(3), t1 + GLOBAL_WINDOW);
    }

    #[test]
    fn global_429_pauses_every_route() {
        let t0 = Instant::now();
        let mut limiter = RateLimiter::new(50, 100);
        let p = go(&mut limiter, &route(1), t0);
        let global = RateLimitHeaders {
            retry_after: Some(Duration::from_millis(250)),
            global: true,
            scope: Some(Scope::Global),
            ..RateLimitHeaders::default()
        };
        limiter.complete(p, 429, &global, t0);
        let until = t0 + Duration::from_millis(250);
        let other = RouteKey::new("GET", "/users/@me", None);
        assert_eq!(limiter.acquire(&other, t0), Decision::Wait(Some(until)));
        assert_eq!(limiter.acquire(&route(9), t0), Decision::Wait(Some(until)));
        let _p = go(&mut limiter, &other, until);
        assert_eq!(limiter.invalid_requests(until), 1);
    }

    #[test]
    fn route_429_pauses_only_its_bucket() {
        let t0 = Instant::now();
        let mut limiter = RateLimiter::new(50, 100);
        let p = go(&mut limiter, &route(1), t0);
        let mut too_many = headers("b", 3, 1000, 5_000);
        too_many.retry_after = Some(Duration::from_millis(500));
        too_many.scope = Some(Scope::User);
        limiter.complete(p, 429, &too_many, t0);
        assert_eq!(
            limiter.acquire(&route(1), t0),
            Decision::Wait(Some(t0 + Duration::from_secs(1)))
        );
        let _other = go(&mut limiter, &route(2), t0);
    }

    #[test]
    fn shared_429_is_not_an_invalid_request() {
        let t0 = Instant::now();
        let mut limiter = RateLimiter::new(50, 100);
        let p = go(&mut limiter, &route(1), t0);
        let shared = RateLimitHeaders {
            retry_after: Some(Duration::from_millis(100)),
            scope: Some(Scope::Shared),
            ..RateLimitHeaders::default()
        };
        limiter.complete(p, 429, &shared, t0);
        assert_eq!(limiter.invalid_requests(t0), 0);
        assert_eq!(
            limiter.acquire(&route(1), t0),
            Decision::Wait(Some(t0 + Duration::from_millis(100)))
        );
    }

    #[test]
    fn invalid_requests_refuse_at_the_limit_until_they_leave_the_window() {
        let t0 = Instant::now();
        let mut limiter = RateLimiter::new(1000, 3);
        let user = RouteKey::new("GET", "/users/@me", None);
        for i in 0..3 {
            let at = t0 + Duration::from_secs(i * 2);
            let p = go(&mut limiter, &user, at);
            limiter.complete(p, 403, &RateLimitHeaders::default(), at);
        }
        let t1 = t0 + Duration::from_secs(10);
        let Decision::Refuse(refusal) = limiter.acquire(&user, t1) else {
            panic!("expected a refusal")
        };
        assert_eq!(refusal.count, 3);
        assert_eq!(refusal.limit, 3);
        assert_eq!(refusal.until, t0 + INVALID_REQUEST_WINDOW + INVALID_SLOT);
        let _p = go(&mut limiter, &user, refusal.until);
        assert_eq!(limiter.invalid_requests(refusal.until), 2);
    }

    #[test]
    fn success_without_headers_marks_route_unlimited() {
        let t0 = Instant::now();
        let mut limiter = RateLimiter::new(50, 100);
        let gateway = RouteKey::new("GET", "/gateway", None);
        let p = go(&mut limiter, &gateway, t0);
        limiter.complete(p, 200, &RateLimitHeaders::default(), t0);
        let _a = go(&mut limiter, &gateway, t0);
        let _b = go(&mut limiter, &gateway, t0);
    }

    #[test]
    fn idle_expired_buckets_are_forgotten() {
        let t0 = Instant::now();
        let mut limiter = RateLimiter::new(10_000, 100);
        for major in 0..1000 {
            let p = go(&mut limiter, &route(major), t0);
            limiter.complete(p, 200, &headers("b", 4, 10, 5_000), t0);
        }
        // All 1000 windows are still current: nothing may be forgotten.
        assert!(limiter.buckets.len() >= 1000);
        let later = t0 + Duration::from_secs(1);
        for major in 1000..1100 {
            let p = go(&mut limiter, &route(major), later);
            limiter.complete(p, 200, &headers("b", 4, 10, 6_000), later);
        }
        assert!(limiter.buckets.len() <= 100, "{}", limiter.buckets.len());
    }

    #[test]
    fn hostile_headers_are_clamped_or_ignored() {
        let parsed = RateLimitHeaders::parse(|name| match name {
            "x-ratelimit-reset-after" => Some("1e300"),
            "retry-after" => Some("-5"),
            "x-ratelimit-remaining" => Some("lots"),
            "x-ratelimit-reset" => Some("12.34.5"),
            "x-ratelimit-bucket" => Some(""),
            _ => None,
        });
        assert_eq!(parsed.reset_after, Some(MAX_WAIT));
        assert_eq!(parsed.retry_after, None);
        assert_eq!(parsed.remaining, None);
        assert_eq!(parsed.reset, None);
        assert_eq!(parsed.bucket, None);
        assert_eq!(parse_epoch_millis("1470173023"), Some(1_470_173_023_000));
        assert_eq!(parse_epoch_millis("1470173023.1"), Some(1_470_173_023_100));
        assert_eq!(
            parse_epoch_millis("1470173023.12345"),
            Some(1_470_173_023_123)
        );
        assert_eq!(parse_epoch_millis("99999999999999999999"), None);
    }
}
