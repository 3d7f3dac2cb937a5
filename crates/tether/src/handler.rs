//! Handlers: what runs when an event arrives.
//!
//! A handler is an async closure taking a [`Context`] and an event payload,
//! registered for one event type with [`ClientBuilder::on`] (or for every
//! event with [`ClientBuilder::on_event`]). This is the Rust form of
//! discord.py's `@client.event`: closures rather than a trait with one
//! method per event, because a closure captures the bot's own state
//! naturally, the event type is checked by the compiler through the marker
//! type ([`kinds::MessageCreate`](crate::kinds::MessageCreate)), and the
//! client knows from the registrations which event types to decode at all.
//!
//! A handler returns `()` or `Result<(), E>`; an `Err` and a panic both go
//! to the error hook ([`ClientBuilder::on_error`]) with the event's name,
//! and never stop the client.
//!
//! [`ClientBuilder::on`]: crate::ClientBuilder::on
//! [`ClientBuilder::on_event`]: crate::ClientBuilder::on_event
//! [`ClientBuilder::on_error`]: crate::ClientBuilder::on_error

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use tether_model::gateway::{Event, EventKind, EventType};

use crate::context::Context;
use crate::error::BoxError;

pub(crate) type HandlerFuture = Pin<Box<dyn Future<Output = Result<(), BoxError>> + Send>>;

type Call = dyn Fn(Context, &Event) -> Option<HandlerFuture> + Send + Sync;

/// What a handler may return: `()` or `Result<(), E>`.
pub trait HandlerResult: Send + 'static {
    /// The outcome as a result.
    ///
    /// # Errors
    ///
    /// The handler's own error.
    fn into_result(self) -> Result<(), BoxError>;
}

impl HandlerResult for () {
    fn into_result(self) -> Result<(), BoxError> {
        Ok(())
    }
}

impl<E: Into<BoxError> + Send + 'static> HandlerResult for Result<(), E> {
    fn into_result(self) -> Result<(), BoxError> {
        self.map_err(Into::into)
    }
}

/// A registered handler: the event type it is for (`None`: every event)
/// and how to call it.
#[derive(Clone)]
pub(crate) struct Handler {
    pub(crate) kind: Option<EventType>,
    call: Arc<Call>,
}

impl Handler {
    pub(crate) fn typed<K, F, Fut>(handler: F) -> Self
    where
        K: EventKind,
        F: Fn(Context, K::Payload) -> Fut + Send + Sync + 'static,
        Fut: Future + Send + 'static,
        Fut::Output: HandlerResult,
    {
        let call = move |ctx: Context, event: &Event| -> Option<HandlerFuture> {
            let payload = K::payload(event)?.clone();
            let fut = handler(ctx, payload);
            Some(Box::pin(async move { fut.await.into_result() }))
        };
        Self {
            kind: Some(K::TYPE),
            call: Arc::new(call),
        }
    }

    pub(crate) fn any<F, Fut>(handler: F) -> Self
    where
        F: Fn(Context, Event) -> Fut + Send + Sync + 'static,
        Fut: Future + Send + 'static,
        Fut::Output: HandlerResult,
    {
        let call = move |ctx: Context, event: &Event| -> Option<HandlerFuture> {
            let fut = handler(ctx, event.clone());
            Some(Box::pin(async move { fut.await.into_result() }))
        };
        Self {
            kind: None,
            call: Arc::new(call),
        }
    }

    /// The handler's future for this event, if the event is its type.
    pub(crate) fn call(&self, ctx: Context, event: &Event) -> Option<HandlerFuture> {
        if self.kind.is_some_and(|kind| event.kind() != Some(kind)) {
            return None;
        }
        (self.call)(ctx, event)
    }
}

impl fmt::Debug for Handler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handler")
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

/// A handler that failed: returned an error or panicked.
#[derive(Debug)]
pub struct HandlerError {
    /// The wire name of the event being handled.
    pub event: String,
    /// What happened.
    pub failure: HandlerFailure,
}

/// How a handler failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum HandlerFailure {
    /// It returned this error.
    Error(BoxError),
    /// It panicked with this message.
    Panic(String),
}

impl fmt::Display for HandlerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.failure {
            HandlerFailure::Error(e) => write!(f, "handler for {} failed: {e}", self.event),
            HandlerFailure::Panic(m) => write!(f, "handler for {} panicked: {m}", self.event),
        }
    }
}

impl std::error::Error for HandlerError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.failure {
            HandlerFailure::Error(e) => Some(&**e),
            HandlerFailure::Panic(_) => None,
        }
    }
}

/// The error hook's type.
pub(crate) type ErrorHook = Arc<dyn Fn(HandlerError) + Send + Sync>;

/// The default error hook: a log line with the event name.
#[expect(
    clippy::needless_pass_by_value,
    reason = "the hook's signature takes the error"
)]
pub(crate) fn log_error(error: HandlerError) {
    tracing::error!(event = %error.event, "{error}");
}

/// Turns a panic payload into its message.
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(ToString::to_string)
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "non-string panic payload".to_owned())
}
