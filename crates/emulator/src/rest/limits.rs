//! REST rate limits, sans IO: a global window per client (token, or
//! address without one) and a window per route template and major
//! parameter, both fixed windows starting at their first request.
//!
//! Every answer carries the route window's `X-RateLimit-*` headers. A
//! request over a limit is refused with 429: `scope` `global` for the
//! global limit, `user` for a route. A forced limit (fault injection)
//! refuses the next request to its route once, with the given
//! `retry_after`.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::config::{Limit, RateLimits};

/// Windows kept before expired ones are swept.
const SWEEP_AT: usize = 10_000;

#[derive(Debug)]
pub(crate) struct Limiter {
    config: RateLimits,
    routes: HashMap<(&'static str, u64), Window>,
    global: HashMap<String, Window>,
    forced: Vec<Forced>,
}

#[derive(Clone, Copy, Debug)]
struct Window {
    start: Instant,
    count: u32,
}

#[derive(Debug)]
struct Forced {
    template: String,
    retry_after: Duration,
    global: bool,
}

/// The route window's state, for the `X-RateLimit-*` headers.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Headers {
    pub(crate) limit: u32,
    pub(crate) remaining: u32,
    pub(crate) reset_after: Duration,
    pub(crate) bucket: String,
}

/// Why a request is refused.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Limited {
    pub(crate) retry_after: Duration,
    pub(crate) global: bool,
}

impl Window {
    fn current(&mut self, now: Instant, limit: Limit) {
        if now.saturating_duration_since(self.start) >= limit.window {
            *self = Self {
                start: now,
                count: 0,
            };
        }
    }

    fn reset_after(&self, now: Instant, limit: Limit) -> Duration {
        (self.start + limit.window).saturating_duration_since(now)
    }
}

impl Limiter {
    pub(crate) fn new(config: RateLimits) -> Self {
        Self {
            config,
            routes: HashMap::new(),
            global: HashMap::new(),
            forced: Vec::new(),
        }
    }

    /// Refuses the next request to `template` (`"POST
    /// /channels/{channel_id}/messages"`) with a 429.
    pub(crate) fn force(&mut self, template: String, retry_after: Duration, global: bool) {
        self.forced.push(Forced {
            template,
            retry_after,
            global,
        });
    }

    /// Counts one request from `client` to `template` (with its major
    /// parameter) and says whether it may go on.
    pub(crate) fn check(
        &mut self,
        now: Instant,
        client: &str,
        template: &'static str,
        major: u64,
    ) -> (Headers, Option<Limited>) {
        self.sweep(now);
        let route_limit = self.config.route(template);
        let global_limit = self.config.global;
        let route = self.routes.entry((template, major)).or_insert(Window {
            start: now,
            count: 0,
        });
        route.current(now, route_limit);
        let global = self.global.entry(client.to_owned()).or_insert(Window {
            start: now,
            count: 0,
        });
        global.current(now, global_limit);
        let headers = |w: &Window| Headers {
            limit: route_limit.requests,
            remaining: route_limit.requests.saturating_sub(w.count),
            reset_after: w.reset_after(now, route_limit),
            bucket: bucket_hash(template),
        };
        if let Some(i) = self.forced.iter().position(|f| f.template == template) {
            let forced = self.forced.remove(i);
            let mut h = headers(route);
            if !forced.global {
                h.remaining = 0;
                h.reset_after = forced.retry_after;
            }
            return (
                h,
                Some(Limited {
                    retry_after: forced.retry_after,
                    global: forced.global,
                }),
            );
        }
        if global.count >= global_limit.requests {
            let retry_after = global.reset_after(now, global_limit);
            return (
                headers(route),
                Some(Limited {
                    retry_after,
                    global: true,
                }),
            );
        }
        if route.count >= route_limit.requests {
            let h = headers(route);
            let retry_after = h.reset_after;
            return (
                h,
                Some(Limited {
                    retry_after,
                    global: false,
                }),
            );
        }
        route.count += 1;
        global.count += 1;
        (headers(route), None)
    }

    /// Counts a request to no known route against the global limit only.
    pub(crate) fn check_global(&mut self, now: Instant, client: &str) -> Option<Limited> {
        self.sweep(now);
        let limit = self.config.global;
        let global = self.global.entry(client.to_owned()).or_insert(Window {
            start: now,
            count: 0,
        });
        global.current(now, limit);
        if global.count >= limit.requests {
            return Some(Limited {
                retry_after: global.reset_after(now, limit),
                global: true,
            });
        }
        global.count += 1;
        None
    }

    fn sweep(&mut self, now: Instant) {
        if self.routes.len() > SWEEP_AT {
            let config = &self.config;
            self.routes.retain(|(t, _), w| {
                now.saturating_duration_since(w.start) < config.route(t).window
            });
        }
        if self.global.len() > SWEEP_AT {
            let window = self.config.global.window;
            self.global
                .retain(|_, w| now.saturating_duration_since(w.start) < window);
        }
    }
}

/// An opaque, stable bucket id for a route template (FNV-1a, hex).
fn bucket_hash(template: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in template.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const MESSAGES: &str = "POST /channels/{channel_id}/messages";

    #[test]
    fn route_windows_per_major_parameter() {
        let mut l = Limiter::new(RateLimits::default());
        let t0 = Instant::now();
        for n in 0..5 {
            let (h, limited) = l.check(t0, "a", MESSAGES, 1);
            assert_eq!((h.limit, h.remaining, limited), (5, 4 - n, None));
        }
        let (h, limited) = l.check(t0 + Duration::from_millis(200), "a", MESSAGES, 1);
        assert_eq!(h.remaining, 0);
        assert_eq!(
            limited,
            Some(Limited {
                retry_after: Duration::from_millis(800),
                global: false
            })
        );
        assert_eq!(l.check(t0, "a", MESSAGES, 2).1, None, "another channel");
        assert_eq!(
            l.check(t0 + Duration::from_secs(1), "a", MESSAGES, 1).1,
            None,
            "next window"
        );
    }

    #[test]
    fn global_limit_and_forced_limits() {
        let config = RateLimits {
            global: Limit::new(3, Duration::from_secs(1)),
            ..RateLimits::default()
        };
        let mut l = Limiter::new(config);
        let t0 = Instant::now();
        for major in 0..3 {
            assert_eq!(
                l.check(t0, "a", "GET /channels/{channel_id}", major).1,
                None
            );
        }
        let limited = l.check(t0, "a", "GET /channels/{channel_id}", 9).1.unwrap();
        assert!(limited.global);
        assert_eq!(
            l.check(t0, "b", "GET /channels/{channel_id}", 9).1,
            None,
            "per client"
        );
        l.force(MESSAGES.to_owned(), Duration::from_millis(1500), false);
        let (h, limited) = l.check(t0, "b", MESSAGES, 1);
        assert_eq!(limited.unwrap().retry_after, Duration::from_millis(1500));
        assert_eq!(h.remaining, 0);
        assert_eq!(l.check(t0, "b", MESSAGES, 1).1, None, "forced once");
        assert_eq!(bucket_hash(MESSAGES), bucket_hash(MESSAGES));
        assert_ne!(
            bucket_hash(MESSAGES),
            bucket_hash("GET /channels/{channel_id}")
        );
    }
}
