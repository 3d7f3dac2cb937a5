//! The async client: configuration, the typed calls, and the send loop
//! that goes through the rate limiter and retries.

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use serde::de::DeserializeOwned;
use tether_model::Token;
use tether_model::application::Application;
use tether_model::channel::Channel;
use tether_model::gateway::{GatewayBot, GatewayInfo};
use tether_model::guild::{Guild, Member};
use tether_model::id::{ChannelId, GuildId, MessageId, UserId};
use tether_model::message::Message;
use tether_model::user::CurrentUser;
use tokio::sync::Notify;

use crate::error::{Error, ErrorBody, ErrorKind};
use crate::ratelimit::{
    self, DEFAULT_GLOBAL_LIMIT, DEFAULT_INVALID_REQUEST_LIMIT, Decision, Permit, RateLimitHeaders,
    RateLimiter, RouteKey, Scope,
};
use crate::request::{CreateMessage, EditMessage, GetMessages, ReactionEmoji};
use crate::route::Route;

/// Discord's API base URL, version 10.
pub const DEFAULT_API_BASE: &str = "https://discord.com/api/v10";

/// The User-Agent sent with every request, in the form Discord requires:
/// `DiscordBot ($url, $version)`.
pub const USER_AGENT: &str = concat!(
    "DiscordBot (",
    env!("CARGO_PKG_REPOSITORY"),
    ", ",
    env!("CARGO_PKG_VERSION"),
    ")"
);

/// Default time allowed for one attempt, from sending to the last byte of
/// the answer.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// Default number of attempts per call, the first included.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 3;

/// Wait before the first retry of a 5xx or transport error; doubled for each
/// further retry.
const RETRY_BACKOFF: Duration = Duration::from_millis(200);

/// Longest wait between retries of a 5xx or transport error.
const MAX_RETRY_BACKOFF: Duration = Duration::from_secs(5);

/// Largest successful response body read, far above any documented object.
const MAX_BODY: usize = 16 * 1024 * 1024;

/// Largest error body read; the rest is ignored.
const MAX_ERROR_BODY: usize = 64 * 1024;

/// A Discord REST client.
///
/// Cheap to clone: clones share one connection pool and one rate limiter,
/// which is what keeps them under Discord's limits together. Every call goes
/// through the [rate limiter](crate::ratelimit), waits when a bucket or the
/// global limit is spent, retries 429s after `retry_after` and retries 5xx
/// answers and transport errors with backoff, up to
/// [`max_attempts`](ClientBuilder::max_attempts) tries.
///
/// ```no_run
/// # async fn run() -> Result<(), tether_http::Error> {
/// use tether_http::Client;
/// use tether_model::Token;
///
/// let client = Client::new(Token::new(&std::env::var("DISCORD_TOKEN").unwrap_or_default()))?;
/// let me = client.current_user().await?;
/// println!("logged in as {}", me.user.username);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    api_base: String,
    /// `Bot <token>`, marked sensitive so that `http` never prints it.
    authorization: HeaderValue,
    limiter: Mutex<RateLimiter>,
    /// Woken whenever a permit is completed or cancelled.
    released: Notify,
    max_attempts: u32,
    timeout: Duration,
}

impl Client {
    /// Creates a client with the default settings.
    ///
    /// # Errors
    ///
    /// As [`ClientBuilder::build`].
    ///
    /// # Examples
    ///
    /// ```
    /// use tether_http::Client;
    /// use tether_model::Token;
    ///
    /// let client = Client::new(Token::new("Bot abc.def.ghi"))?;
    /// assert_eq!(client.api_base(), "https://discord.com/api/v10");
    /// # Ok::<(), tether_http::Error>(())
    /// ```
    pub fn new(token: Token) -> Result<Self, Error> {
        Self::builder(token).build()
    }

    /// Starts configuring a client for `token`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use tether_http::Client;
    /// use tether_model::Token;
    ///
    /// let client = Client::builder(Token::new("abc.def.ghi"))
    ///     .api_base("http://127.0.0.1:8080/api/v10")
    ///     .timeout(Duration::from_secs(5))
    ///     .global_limit(50)
    ///     .build()?;
    /// assert_eq!(client.api_base(), "http://127.0.0.1:8080/api/v10");
    /// # Ok::<(), tether_http::Error>(())
    /// ```
    pub fn builder(token: Token) -> ClientBuilder {
        ClientBuilder {
            token,
            api_base: DEFAULT_API_BASE.to_owned(),
            timeout: DEFAULT_TIMEOUT,
            global_limit: DEFAULT_GLOBAL_LIMIT,
            invalid_request_limit: DEFAULT_INVALID_REQUEST_LIMIT,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
        }
    }

    /// API base URL requests go to, without a trailing slash.
    pub fn api_base(&self) -> &str {
        &self.inner.api_base
    }

    /// Fetches the bot's own user: `GET /users/@me`.
    ///
    /// This is the login check: a wrong token fails here, before any
    /// gateway connection is tried.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Unauthorized`] when Discord rejects the token, else as
    /// for any call (see the [crate documentation](crate#errors)).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # async fn run(client: tether_http::Client) -> Result<(), tether_http::Error> {
    /// use tether_http::ErrorKind;
    ///
    /// match client.current_user().await {
    ///     Ok(me) => println!("logged in as {}", me.user.username),
    ///     Err(err) if matches!(err.kind(), ErrorKind::Unauthorized) => eprintln!("wrong token"),
    ///     Err(err) => return Err(err),
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn current_user(&self) -> Result<CurrentUser, Error> {
        self.request(&Route::GetCurrentUser, None).await
    }

    /// Fetches the bot's application: `GET /oauth2/applications/@me`.
    ///
    /// # Errors
    ///
    /// As for any call (see the [crate documentation](crate#errors)).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # async fn run(client: tether_http::Client) -> Result<(), tether_http::Error> {
    /// let application = client.current_application().await?;
    /// let owner = application.owner.map(|owner| owner.id);
    /// println!("{} is owned by {owner:?}", application.name);
    /// # Ok(()) }
    /// ```
    pub async fn current_application(&self) -> Result<Application, Error> {
        self.request(&Route::GetCurrentApplication, None).await
    }

    /// Fetches the gateway URL: `GET /gateway`.
    ///
    /// # Errors
    ///
    /// As for any call (see the [crate documentation](crate#errors)).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # async fn run(client: tether_http::Client) -> Result<(), tether_http::Error> {
    /// let gateway = client.gateway().await?;
    /// println!("connect to {}/?v=10&encoding=json", gateway.url);
    /// # Ok(()) }
    /// ```
    pub async fn gateway(&self) -> Result<GatewayInfo, Error> {
        self.request(&Route::GetGateway, None).await
    }

    /// Fetches the gateway URL with the recommended shard count and the
    /// session start limit: `GET /gateway/bot`.
    ///
    /// Its values change between calls; fetch it before starting shards
    /// rather than caching it.
    ///
    /// # Errors
    ///
    /// As for any call (see the [crate documentation](crate#errors)).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # async fn run(client: tether_http::Client) -> Result<(), tether_http::Error> {
    /// let info = client.gateway_bot().await?;
    /// let limit = info.session_start_limit;
    /// println!(
    ///     "{} shards; {} of {} identifies left, {} at a time",
    ///     info.shards, limit.remaining, limit.total, limit.max_concurrency
    /// );
    /// # Ok(()) }
    /// ```
    pub async fn gateway_bot(&self) -> Result<GatewayBot, Error> {
        self.request(&Route::GetGatewayBot, None).await
    }

    /// Fetches a channel: `GET /channels/{channel_id}`.
    ///
    /// # Errors
    ///
    /// As for any call (see the [crate documentation](crate#errors)).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # async fn run(client: tether_http::Client) -> Result<(), tether_http::Error> {
    /// use tether_model::id::ChannelId;
    ///
    /// let channel = client.channel(ChannelId::new(381870553235193857)).await?;
    /// println!("#{}", channel.name.unwrap_or_default());
    /// # Ok(()) }
    /// ```
    pub async fn channel(&self, channel: ChannelId) -> Result<Channel, Error> {
        self.request(&Route::GetChannel { channel }, None).await
    }

    /// Fetches a guild: `GET /guilds/{guild_id}`.
    ///
    /// # Errors
    ///
    /// As for any call (see the [crate documentation](crate#errors)).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # async fn run(client: tether_http::Client) -> Result<(), tether_http::Error> {
    /// use tether_model::id::GuildId;
    ///
    /// let guild = client.guild(GuildId::new(197038439483310086)).await?;
    /// println!("{} has {} roles", guild.name, guild.roles.len());
    /// # Ok(()) }
    /// ```
    pub async fn guild(&self, guild: GuildId) -> Result<Guild, Error> {
        self.request(&Route::GetGuild { guild }, None).await
    }

    /// Fetches a guild member: `GET /guilds/{guild_id}/members/{user_id}`.
    ///
    /// # Errors
    ///
    /// As for any call (see the [crate documentation](crate#errors));
    /// a user who is not a member is a [`ErrorKind::Status`] 404 with code
    /// 10007.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # async fn run(client: tether_http::Client) -> Result<(), tether_http::Error> {
    /// use tether_model::id::{GuildId, UserId};
    ///
    /// let member = client
    ///     .guild_member(GuildId::new(197038439483310086), UserId::new(80351110224678912))
    ///     .await?;
    /// println!("nick: {:?}, {} roles", member.nick, member.roles.len());
    /// # Ok(()) }
    /// ```
    pub async fn guild_member(&self, guild: GuildId, user: UserId) -> Result<Member, Error> {
        self.request(&Route::GetMember { guild, user }, None).await
    }

    /// Fetches one message:
    /// `GET /channels/{channel_id}/messages/{message_id}`.
    ///
    /// # Errors
    ///
    /// As for any call (see the [crate documentation](crate#errors)).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # async fn run(client: tether_http::Client) -> Result<(), tether_http::Error> {
    /// use tether_model::id::{ChannelId, MessageId};
    ///
    /// let message = client
    ///     .message(ChannelId::new(381870553235193857), MessageId::new(334385199974967042))
    ///     .await?;
    /// println!("{}: {}", message.author.username, message.content);
    /// # Ok(()) }
    /// ```
    pub async fn message(&self, channel: ChannelId, message: MessageId) -> Result<Message, Error> {
        self.request(&Route::GetMessage { channel, message }, None)
            .await
    }

    /// Fetches a channel's messages, newest first:
    /// `GET /channels/{channel_id}/messages`; set `limit`, `before`, `after`
    /// or `around` on the returned builder.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # async fn run(client: tether_http::Client) -> Result<(), tether_http::Error> {
    /// use tether_model::id::ChannelId;
    ///
    /// let latest = client.messages(ChannelId::new(381870553235193857)).limit(5).send().await?;
    /// for message in latest {
    ///     println!("{}", message.content);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn messages(&self, channel: ChannelId) -> GetMessages<'_> {
        GetMessages::new(self, channel)
    }

    /// Sends a message: `POST /channels/{channel_id}/messages`; set its
    /// content, embeds, reply and so on on the returned builder.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # async fn run(client: tether_http::Client, msg: tether_model::message::Message)
    /// # -> Result<(), tether_http::Error> {
    /// client.create_message(msg.channel_id).content("hi").reply_to(msg.id).send().await?;
    /// # Ok(()) }
    /// ```
    pub fn create_message(&self, channel: ChannelId) -> CreateMessage<'_> {
        CreateMessage::new(self, channel)
    }

    /// Edits a message:
    /// `PATCH /channels/{channel_id}/messages/{message_id}`; set the new
    /// fields on the returned builder.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # async fn run(client: tether_http::Client, msg: tether_model::message::Message)
    /// # -> Result<(), tether_http::Error> {
    /// client.edit_message(msg.channel_id, msg.id).content("fixed a typo").send().await?;
    /// # Ok(()) }
    /// ```
    pub fn edit_message(&self, channel: ChannelId, message: MessageId) -> EditMessage<'_> {
        EditMessage::new(self, channel, message)
    }

    /// Deletes a message:
    /// `DELETE /channels/{channel_id}/messages/{message_id}`.
    ///
    /// # Errors
    ///
    /// As for any call (see the [crate documentation](crate#errors)).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # async fn run(client: tether_http::Client, msg: tether_model::message::Message)
    /// # -> Result<(), tether_http::Error> {
    /// client.delete_message(msg.channel_id, msg.id).await?;
    /// # Ok(()) }
    /// ```
    pub async fn delete_message(
        &self,
        channel: ChannelId,
        message: MessageId,
    ) -> Result<(), Error> {
        self.request_empty(&Route::DeleteMessage { channel, message }, None)
            .await
    }

    /// Reacts to a message as the bot:
    /// `PUT /channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me`.
    ///
    /// The emoji is percent-encoded; a custom emoji goes as `name:id`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Validation`] for an empty emoji, else as for any call
    /// (see the [crate documentation](crate#errors)).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # async fn run(client: tether_http::Client, msg: tether_model::message::Message)
    /// # -> Result<(), tether_http::Error> {
    /// use tether_http::request::ReactionEmoji;
    /// use tether_model::id::EmojiId;
    ///
    /// client.add_reaction(msg.channel_id, msg.id, "🔥").await?;
    /// let custom = ReactionEmoji::Custom { name: "blob".into(), id: EmojiId::new(123) };
    /// client.add_reaction(msg.channel_id, msg.id, custom).await?;
    /// # Ok(()) }
    /// ```
    pub async fn add_reaction(
        &self,
        channel: ChannelId,
        message: MessageId,
        emoji: impl Into<ReactionEmoji>,
    ) -> Result<(), Error> {
        let emoji = emoji.into();
        let route = |emoji| Route::AddReaction {
            channel,
            message,
            emoji,
        };
        let segment = emoji
            .to_segment()
            .map_err(|err| err.with_route(route("").key()))?;
        self.request_empty(&route(&segment), None).await
    }

    /// Shows the bot as typing in a channel for about 10 seconds, or until
    /// it sends a message: `POST /channels/{channel_id}/typing`.
    ///
    /// # Errors
    ///
    /// As for any call (see the [crate documentation](crate#errors)).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # async fn run(client: tether_http::Client, msg: tether_model::message::Message)
    /// # -> Result<(), tether_http::Error> {
    /// client.trigger_typing(msg.channel_id).await?;
    /// // … work that takes a few seconds …
    /// client.create_message(msg.channel_id).content("done").send().await?;
    /// # Ok(()) }
    /// ```
    pub async fn trigger_typing(&self, channel: ChannelId) -> Result<(), Error> {
        self.request_empty(&Route::TriggerTyping { channel }, None)
            .await
    }

    /// Sends a request and decodes its JSON answer.
    pub(crate) async fn request<T: DeserializeOwned>(
        &self,
        route: &Route<'_>,
        body: Option<Vec<u8>>,
    ) -> Result<T, Error> {
        let bytes = self.execute(route, body).await?;
        serde_json::from_slice(&bytes)
            .map_err(|err| Error::new(ErrorKind::Decode, Some(route.key())).with_source(err))
    }

    /// Sends a request whose answer has no body worth reading.
    async fn request_empty(&self, route: &Route<'_>, body: Option<Vec<u8>>) -> Result<(), Error> {
        self.execute(route, body).await.map(drop)
    }

    /// The send loop: rate limiter, request, response bookkeeping, retries.
    async fn execute(&self, route: &Route<'_>, body: Option<Vec<u8>>) -> Result<Vec<u8>, Error> {
        let key = route.key();
        let verb = route.verb();
        let url = format!("{}{}", self.inner.api_base, route.path());
        let max_attempts = self.inner.max_attempts;
        let mut attempt = 1;
        loop {
            let permit = self.acquire(&key).await?;
            let mut request = self
                .inner
                .http
                .request(verb.to_method(), &url)
                .header(AUTHORIZATION, self.inner.authorization.clone());
            if let Some(body) = &body {
                request = request
                    .header(CONTENT_TYPE, "application/json")
                    .body(body.clone());
            }
            tracing::debug!(route = %key, attempt, "sending request");

            let response = match request.send().await {
                Ok(response) => response,
                Err(err) => {
                    drop(permit);
                    // A request that failed after connecting may have been
                    // carried out; only repeat it if repeating is harmless.
                    let retry =
                        attempt < max_attempts && (err.is_connect() || verb.is_idempotent());
                    tracing::debug!(route = %key, attempt, retry, error = %err, "transport error");
                    if !retry {
                        return Err(Error::new(ErrorKind::Transport, Some(key)).with_source(err));
                    }
                    tokio::time::sleep(backoff(attempt)).await;
                    attempt += 1;
                    continue;
                }
            };

            let status = response.status().as_u16();
            let mut headers = RateLimitHeaders::parse(|name| {
                response
                    .headers()
                    .get(name)
                    .and_then(|value| value.to_str().ok())
            });
            tracing::debug!(route = %key, status, remaining = ?headers.remaining, "response");

            if status == 429 {
                let body = ErrorBody::parse(
                    &read_body(response, MAX_ERROR_BODY)
                        .await
                        .unwrap_or_default(),
                );
                if let Some(retry_after) = body.retry_after.and_then(ratelimit::seconds) {
                    headers.retry_after = Some(retry_after);
                }
                headers.global |= body.global.unwrap_or(false);
                permit.complete(status, &headers);
                let global = headers.global || headers.scope == Some(Scope::Global);
                let retry_after = headers.retry_after.unwrap_or_default();
                tracing::warn!(route = %key, attempt, ?retry_after, global, "rate limited by discord");
                if attempt < max_attempts {
                    attempt += 1;
                    continue;
                }
                return Err(Error::new(
                    ErrorKind::RateLimited {
                        retry_after,
                        global,
                    },
                    Some(key),
                ));
            }
            permit.complete(status, &headers);

            match status {
                200..=299 => {
                    return read_body(response, MAX_BODY)
                        .await
                        .map_err(|err| err.with_route(key));
                }
                401 => return Err(Error::new(ErrorKind::Unauthorized, Some(key))),
                500..=599 if attempt < max_attempts => {
                    tracing::debug!(route = %key, attempt, status, "server error, retrying");
                    tokio::time::sleep(backoff(attempt)).await;
                    attempt += 1;
                }
                _ => {
                    let body = read_body(response, MAX_ERROR_BODY)
                        .await
                        .unwrap_or_default();
                    return Err(Error::new(
                        ErrorBody::parse(&body).into_status(status),
                        Some(key),
                    ));
                }
            }
        }
    }

    /// Waits until the rate limiter lets a request on `key` go.
    async fn acquire(&self, key: &RouteKey) -> Result<PermitGuard<'_>, Error> {
        loop {
            // Registered before asking, so that a release between the
            // answer and the wait is not missed.
            let mut released = std::pin::pin!(self.inner.released.notified());
            released.as_mut().enable();
            let decision = self.inner.limiter().acquire(key, now());
            match decision {
                Decision::Go(permit) => {
                    return Ok(PermitGuard {
                        inner: &self.inner,
                        permit: Some(permit),
                    });
                }
                Decision::Refuse(refusal) => {
                    tracing::warn!(route = %key, count = refusal.count, "invalid request budget spent");
                    return Err(Error::new(
                        ErrorKind::InvalidRequestBudget {
                            count: refusal.count,
                            limit: refusal.limit,
                            retry_after: refusal.until.saturating_duration_since(now()),
                        },
                        Some(*key),
                    ));
                }
                Decision::Wait(Some(until)) => {
                    tracing::trace!(route = %key, wait = ?until.saturating_duration_since(now()), "rate limit wait");
                    tokio::select! {
                        () = tokio::time::sleep_until(until.into()) => {}
                        () = released => {}
                    }
                }
                Decision::Wait(None) => {
                    tracing::trace!(route = %key, "waiting for a request in flight");
                    released.await;
                }
            }
        }
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("api_base", &self.inner.api_base)
            .field("timeout", &self.inner.timeout)
            .field("max_attempts", &self.inner.max_attempts)
            .finish_non_exhaustive()
    }
}

impl Inner {
    fn limiter(&self) -> MutexGuard<'_, RateLimiter> {
        // The limiter's methods do not panic midway through an update, so
        // a poisoned lock still holds consistent state.
        self.limiter.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Configures a [`Client`]; made by [`Client::builder`].
#[derive(Debug)]
#[must_use = "a builder does nothing until built"]
pub struct ClientBuilder {
    token: Token,
    api_base: String,
    timeout: Duration,
    global_limit: u32,
    invalid_request_limit: u32,
    max_attempts: u32,
}

impl ClientBuilder {
    /// Sets the API base URL, for the emulator or a proxy; default
    /// [`DEFAULT_API_BASE`]. A trailing slash is ignored.
    pub fn api_base(mut self, url: impl Into<String>) -> Self {
        self.api_base = url.into();
        self
    }

    /// Sets the time allowed for one attempt, from sending the request to
    /// the last byte of the answer; default [`DEFAULT_TIMEOUT`]. Waiting for
    /// the rate limiter is not included.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets the global limit in requests per second; default
    /// [`DEFAULT_GLOBAL_LIMIT`] (50). Large bots get a higher limit from
    /// Discord on request.
    pub fn global_limit(mut self, per_second: u32) -> Self {
        self.global_limit = per_second;
        self
    }

    /// Sets how many invalid responses (401, 403, 429) in 10 minutes make
    /// the client refuse to send; default [`DEFAULT_INVALID_REQUEST_LIMIT`]
    /// (9,000, under the 10,000 that gets an IP banned). Lower it when
    /// several processes share an IP.
    pub fn invalid_request_limit(mut self, limit: u32) -> Self {
        self.invalid_request_limit = limit;
        self
    }

    /// Sets how many times a call is tried, the first included, when it
    /// meets a 429, a 5xx or a transport error; default
    /// [`DEFAULT_MAX_ATTEMPTS`] (3).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts;
        self
    }

    /// Builds the client.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Validation`] for an empty token or one that cannot go in
    /// an HTTP header, an API base that is not an `http` or `https` URL, or a
    /// zero timeout, limit or attempt count; [`ErrorKind::Transport`] if the
    /// TLS backend cannot be set up.
    ///
    /// # Examples
    ///
    /// ```
    /// use tether_http::{Client, ErrorKind};
    /// use tether_model::Token;
    ///
    /// let err = Client::builder(Token::new("abc")).api_base("discord.com").build().unwrap_err();
    /// assert!(matches!(err.kind(), ErrorKind::Validation { field: "api_base", .. }));
    /// ```
    pub fn build(self) -> Result<Client, Error> {
        if self.token.is_empty() {
            return Err(Error::validation("token", "the token is empty"));
        }
        let mut authorization = HeaderValue::try_from(format!("Bot {}", self.token.expose()))
            .map_err(|_| {
                Error::validation(
                    "token",
                    "the token holds characters an http header cannot carry",
                )
            })?;
        authorization.set_sensitive(true);

        let api_base = self.api_base.trim_end_matches('/').to_owned();
        let url = reqwest::Url::parse(&api_base)
            .map_err(|err| Error::validation("api_base", format!("not a url ({err})")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(Error::validation(
                "api_base",
                "the scheme must be http or https",
            ));
        }
        for (field, value) in [
            ("global_limit", self.global_limit),
            ("invalid_request_limit", self.invalid_request_limit),
            ("max_attempts", self.max_attempts),
        ] {
            if value == 0 {
                return Err(Error::validation(field, "must be at least 1"));
            }
        }
        if self.timeout.is_zero() {
            return Err(Error::validation("timeout", "must be longer than zero"));
        }

        let http = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .timeout(self.timeout)
            .build()
            .map_err(|err| Error::new(ErrorKind::Transport, None).with_source(err))?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                api_base,
                authorization,
                limiter: Mutex::new(RateLimiter::new(
                    self.global_limit,
                    self.invalid_request_limit,
                )),
                released: Notify::new(),
                max_attempts: self.max_attempts,
                timeout: self.timeout,
            }),
        })
    }
}

/// A permit that goes back to the limiter exactly once: with the response
/// through [`complete`](Self::complete), or as cancelled when dropped (a
/// transport error, or the caller dropped the call's future).
struct PermitGuard<'a> {
    inner: &'a Inner,
    permit: Option<Permit>,
}

impl PermitGuard<'_> {
    fn complete(mut self, status: u16, headers: &RateLimitHeaders) {
        if let Some(permit) = self.permit.take() {
            self.inner
                .limiter()
                .complete(permit, status, headers, now());
            self.inner.released.notify_waiters();
        }
    }
}

impl Drop for PermitGuard<'_> {
    fn drop(&mut self) {
        if let Some(permit) = self.permit.take() {
            self.inner.limiter().cancel(permit, now());
            self.inner.released.notify_waiters();
        }
    }
}

/// The current instant from tokio's clock, so that paused-time tests move
/// the limiter too.
fn now() -> Instant {
    tokio::time::Instant::now().into_std()
}

/// Wait before retry number `attempt` (1 for the first retry).
fn backoff(attempt: u32) -> Duration {
    let factor = 1_u32 << attempt.saturating_sub(1).min(8);
    RETRY_BACKOFF.saturating_mul(factor).min(MAX_RETRY_BACKOFF)
}

/// Reads a response body, refusing more than `limit` bytes.
async fn read_body(mut response: reqwest::Response, limit: usize) -> Result<Vec<u8>, Error> {
    let too_large = || Error::new(ErrorKind::Decode, None).with_source(BodyTooLarge { limit });
    if response
        .content_length()
        .is_some_and(|length| length > limit as u64)
    {
        return Err(too_large());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|err| Error::new(ErrorKind::Transport, None).with_source(err))?
    {
        if body.len() + chunk.len() > limit {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// A response body over the size the client reads.
#[derive(Debug)]
struct BodyTooLarge {
    limit: usize,
}

impl fmt::Display for BodyTooLarge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "response body larger than {} bytes", self.limit)
    }
}

impl std::error::Error for BodyTooLarge {}

const _: () = {
    const fn assert_client<T: Clone + fmt::Debug + Send + Sync + 'static>() {}
    assert_client::<Client>();
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_bounded() {
        assert_eq!(backoff(1), Duration::from_millis(200));
        assert_eq!(backoff(2), Duration::from_millis(400));
        assert_eq!(backoff(100), MAX_RETRY_BACKOFF);
    }

    #[test]
    fn user_agent_has_discords_form() {
        assert!(USER_AGENT.starts_with("DiscordBot (http"));
        assert!(USER_AGENT.ends_with(concat!(", ", env!("CARGO_PKG_VERSION"), ")")));
    }
}
