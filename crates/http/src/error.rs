//! The error of every REST call.

use std::error::Error as StdError;
use std::fmt;
use std::time::Duration;

use serde::Deserialize;

use crate::ratelimit::RouteKey;

/// Flattened field errors kept from one response; the rest are counted.
const MAX_FIELD_ERRORS: usize = 32;

/// Characters of a non-JSON error body kept as its message (Cloudflare
/// answers bans with an HTML page).
const MAX_TEXT_MESSAGE: usize = 200;

/// An error from a REST call, or from building the client.
///
/// [`kind`](Self::kind) says what happened and carries the data to branch
/// on; [`route`](Self::route) says which request failed; the underlying
/// error, if any, is the [`source`](StdError::source). The `Display` text
/// names the kind and the route (method and path template, never ids nor the
/// token); its exact wording is not part of the API.
///
/// ```
/// use tether_http::{Client, ErrorKind};
/// use tether_model::Token;
///
/// let err = Client::builder(Token::new("  ")).build().unwrap_err();
/// assert!(matches!(err.kind(), ErrorKind::Validation { field: "token", .. }));
/// assert_eq!(err.to_string(), "invalid token: the token is empty");
/// ```
pub struct Error {
    // Boxed so that `Result<T, Error>` stays one pointer wide on the error
    // side, as hyper does.
    inner: Box<Inner>,
}

struct Inner {
    kind: ErrorKind,
    route: Option<RouteKey>,
    source: Option<Box<dyn StdError + Send + Sync>>,
}

/// What went wrong, with the data a caller may act on.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A response body could not be decoded into the expected type, or was
    /// larger than the client accepts.
    Decode,
    /// The client refused to send: so many invalid requests (401, 403, 429)
    /// were answered in the last 10 minutes that Discord could ban the IP.
    InvalidRequestBudget {
        /// Invalid responses counted in the last 10 minutes.
        count: u32,
        /// Configured limit.
        limit: u32,
        /// Time until the count is under the limit again.
        retry_after: Duration,
    },
    /// Discord kept answering 429 until the client ran out of attempts.
    RateLimited {
        /// How long Discord asked to wait.
        retry_after: Duration,
        /// Whether the global limit was hit, rather than a route's.
        global: bool,
    },
    /// Discord answered with an error status other than 401 and 429.
    Status {
        /// HTTP status code.
        status: u16,
        /// Discord's JSON error code, such as 50013 (missing permissions).
        code: Option<u32>,
        /// Discord's error message, such as `"Missing Permissions"`.
        message: String,
        /// Field errors of a 50035 "Invalid Form Body", flattened to
        /// `"field.path: message"`.
        errors: Vec<String>,
    },
    /// The request could not be sent or its answer not received: connection
    /// refused, TLS failure, timeout.
    Transport,
    /// Discord rejected the token (HTTP 401): it is wrong, revoked, or not a
    /// bot token. Retrying will not help.
    Unauthorized,
    /// A request or the client configuration was refused locally, before
    /// anything was sent.
    Validation {
        /// Field at fault, such as `"content"`.
        field: &'static str,
        /// Why it was refused.
        reason: String,
    },
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, route: Option<RouteKey>) -> Self {
        Self {
            inner: Box::new(Inner {
                kind,
                route,
                source: None,
            }),
        }
    }

    pub(crate) fn validation(field: &'static str, reason: impl Into<String>) -> Self {
        Self::new(
            ErrorKind::Validation {
                field,
                reason: reason.into(),
            },
            None,
        )
    }

    pub(crate) fn with_route(mut self, route: RouteKey) -> Self {
        self.inner.route = Some(route);
        self
    }

    pub(crate) fn with_source(mut self, source: impl StdError + Send + Sync + 'static) -> Self {
        self.inner.source = Some(Box::new(source));
        self
    }

    /// What went wrong.
    pub const fn kind(&self) -> &ErrorKind {
        &self.inner.kind
    }

    /// The request that failed, if the error came from one.
    pub const fn route(&self) -> Option<&RouteKey> {
        self.inner.route.as_ref()
    }

    /// Takes the error apart into its kind and source.
    pub fn into_parts(self) -> (ErrorKind, Option<Box<dyn StdError + Send + Sync>>) {
        let Inner { kind, source, .. } = *self.inner;
        (kind, source)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("Error");
        debug.field("kind", &self.inner.kind);
        if let Some(route) = &self.inner.route {
            debug.field("route", &format_args!("{route}"));
        }
        if let Some(source) = &self.inner.source {
            debug.field("source", source);
        }
        debug.finish()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.inner.kind {
            ErrorKind::Decode => f.write_str("could not decode the response")?,
            ErrorKind::InvalidRequestBudget {
                count,
                limit,
                retry_after,
            } => write!(
                f,
                "refused locally: {count} invalid responses (401, 403, 429) in the last 10 \
                 minutes reached the limit of {limit}; retry in {retry_after:.0?}"
            )?,
            ErrorKind::RateLimited {
                retry_after,
                global,
            } => {
                let scope = if *global { "globally " } else { "" };
                write!(f, "{scope}rate limited, retry after {retry_after:?}")?;
            }
            ErrorKind::Status {
                status,
                code,
                message,
                errors,
            } => {
                write!(f, "discord answered http {status}")?;
                if let Some(code) = code {
                    write!(f, " with code {code}")?;
                }
                if !message.is_empty() {
                    write!(f, ": {message}")?;
                }
                if !errors.is_empty() {
                    write!(f, " ({})", errors.join("; "))?;
                }
            }
            ErrorKind::Transport => f.write_str("could not reach discord")?,
            ErrorKind::Unauthorized => f.write_str(
                "unauthorized: discord rejected the token (http 401); check that it is the \
                 bot token from the developer portal and has not been reset",
            )?,
            ErrorKind::Validation { field, reason } => write!(f, "invalid {field}: {reason}")?,
        }
        if let Some(route) = &self.inner.route {
            write!(f, " ({route})")?;
        }
        Ok(())
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.inner
            .source
            .as_deref()
            .map(|source| source as &(dyn StdError + 'static))
    }
}

const _: () = {
    const fn assert_error<T: StdError + Send + Sync + 'static>() {}
    assert_error::<Error>();
};

/// Discord's JSON error body: `{"code": …, "message": …, "errors": {…}}`,
/// plus `retry_after` and `global` on a 429.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ErrorBody {
    #[serde(default)]
    pub(crate) code: Option<u32>,
    #[serde(default)]
    pub(crate) message: Option<String>,
    #[serde(default)]
    errors: Option<serde_json::Value>,
    #[serde(default)]
    pub(crate) retry_after: Option<f64>,
    #[serde(default)]
    pub(crate) global: Option<bool>,
}

impl ErrorBody {
    /// Reads an error body; anything that is not Discord's JSON becomes a
    /// body with the start of the text as its message.
    pub(crate) fn parse(bytes: &[u8]) -> Self {
        if let Ok(body) = serde_json::from_slice::<Self>(bytes) {
            return body;
        }
        let text = String::from_utf8_lossy(bytes);
        let text = text.trim();
        Self {
            message: (!text.is_empty()).then(|| text.chars().take(MAX_TEXT_MESSAGE).collect()),
            ..Self::default()
        }
    }

    /// The `Status` error kind for this body.
    pub(crate) fn into_status(self, status: u16) -> ErrorKind {
        let mut errors = Vec::new();
        if let Some(tree) = &self.errors {
            let mut omitted = 0;
            flatten(tree, &mut String::new(), &mut errors, &mut omitted);
            if omitted > 0 {
                errors.push(format!("… and {omitted} more"));
            }
        }
        ErrorKind::Status {
            status,
            code: self.code,
            message: self.message.unwrap_or_default(),
            errors,
        }
    }
}

/// Walks Discord's `errors` tree, whose leaves are
/// `{"_errors": [{"code": …, "message": …}]}` under the offending keys and
/// array indexes, and writes one `"field.path: message"` line per leaf.
///
/// `serde_json` caps nesting at 128 levels, which bounds the recursion.
fn flatten(
    value: &serde_json::Value,
    path: &mut String,
    out: &mut Vec<String>,
    omitted: &mut usize,
) {
    let serde_json::Value::Object(map) = value else {
        return;
    };
    for (key, child) in map {
        if key == "_errors" {
            let serde_json::Value::Array(items) = child else {
                continue;
            };
            for item in items {
                let message = item
                    .get("message")
                    .and_then(serde_json::Value::as_str)
                    .or_else(|| item.get("code").and_then(serde_json::Value::as_str))
                    .unwrap_or("invalid");
                if out.len() < MAX_FIELD_ERRORS {
                    let field = if path.is_empty() {
                        "(body)"
                    } else {
                        path.as_str()
                    };
                    out.push(format!("{field}: {message}"));
                } else {
                    *omitted += 1;
                }
            }
            continue;
        }
        let len = path.len();
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(key);
        flatten(child, path, out, omitted);
        path.truncate(len);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flattens_nested_field_errors() {
        let body = br#"{"code":50035,"message":"Invalid Form Body","errors":{
            "content":{"_errors":[{"code":"BASE_TYPE_MAX_LENGTH","message":"Must be 2000 or fewer in length."}]},
            "embeds":{"0":{"fields":{"2":{"name":{"_errors":[{"code":"BASE_TYPE_REQUIRED","message":"This field is required"}]}}}}}
        }}"#;
        let kind = ErrorBody::parse(body).into_status(400);
        let ErrorKind::Status {
            status,
            code,
            message,
            errors,
        } = kind
        else {
            panic!("not a status error")
        };
        assert_eq!(
            (status, code, message.as_str()),
            (400, Some(50035), "Invalid Form Body")
        );
        assert_eq!(
            errors,
            [
                "content: Must be 2000 or fewer in length.",
                "embeds.0.fields.2.name: This field is required",
            ]
        );
    }

    #[test]
    fn non_json_body_becomes_a_short_message() {
        let page = "<html>".repeat(100);
        let kind = ErrorBody::parse(page.as_bytes()).into_status(403);
        let ErrorKind::Status { message, code, .. } = kind else {
            panic!("not a status error")
        };
        assert_eq!(code, None);
        assert_eq!(message.chars().count(), MAX_TEXT_MESSAGE);
    }

    #[test]
    fn many_field_errors_are_capped() {
        let mut tree = serde_json::Map::new();
        for i in 0..100 {
            tree.insert(
                format!("f{i}"),
                serde_json::json!({"_errors": [{"code": "X", "message": "bad"}]}),
            );
        }
        let body =
            serde_json::json!({"code": 50035, "message": "Invalid Form Body", "errors": tree});
        let kind = ErrorBody::parse(body.to_string().as_bytes()).into_status(400);
        let ErrorKind::Status { errors, .. } = kind else {
            panic!("not a status error")
        };
        assert_eq!(errors.len(), MAX_FIELD_ERRORS + 1);
        assert_eq!(errors.last().map(String::as_str), Some("… and 68 more"));
    }

    #[test]
    fn display_names_the_route_not_the_ids() {
        let route = RouteKey::new("POST", "/channels/{channel_id}/messages", Some(123_456));
        let err = Error::new(
            ErrorBody {
                code: Some(50013),
                message: Some("Missing Permissions".into()),
                ..ErrorBody::default()
            }
            .into_status(403),
            Some(route),
        );
        assert_eq!(
            err.to_string(),
            "discord answered http 403 with code 50013: Missing Permissions \
             (POST /channels/{channel_id}/messages)"
        );
    }
}
