//! REST API v10 under `/api/v10`, with Discord's status codes, JSON error
//! bodies and rate-limit headers.
//!
//! Every request goes through the same steps: route match (unknown route:
//! 404 `{"message": "404: Not Found", "code": 0}`, wrong method: 405, bad
//! snowflake in the path: 400 50035), rate limits (429 with `retry_after`,
//! `global`, `Retry-After` and `X-RateLimit-Scope`), authentication
//! (`Authorization: Bot <token>`, else 401 `{"message": "401: Unauthorized",
//! "code": 0}`), body (400 50109 for invalid JSON, 50035 with an `errors`
//! tree for bad fields), then the endpoint. Every answer to a known route
//! carries `X-RateLimit-Limit`, `-Remaining`, `-Reset`, `-Reset-After` and
//! `-Bucket`.

pub(crate) mod limits;

use std::net::SocketAddr;
use std::sync::{Arc, PoisonError};

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, OriginalUri, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Value, json};
use tether_model::id::{ChannelId, GuildId, MessageId, UserId};
use tether_model::message::{Embed, Nonce};
use tether_model::user::CurrentUser;

use self::limits::{Headers, Limited};
use crate::core::NewMessage;
use crate::error::{Entity, Error, ErrorKind};
use crate::server::Shared;
use crate::world::{Bot, render_message};

/// Largest request body read (Discord allows 25 MiB with files; the
/// emulator takes no files).
const MAX_BODY: usize = 1 << 20;

/// A matched route: what to do, its template (the rate-limit route) and
/// its major parameter.
#[derive(Debug, PartialEq)]
enum Endpoint {
    Gateway,
    GatewayBot,
    Me,
    User(UserId),
    Application,
    MyGuilds,
    CreateDm,
    Channel(ChannelId),
    Messages(ChannelId),
    CreateMessage(ChannelId),
    Message(ChannelId, MessageId),
    EditMessage(ChannelId, MessageId),
    DeleteMessage(ChannelId, MessageId),
    React(ChannelId, MessageId, String),
    Unreact(ChannelId, MessageId, String),
    Typing(ChannelId),
    Guild(GuildId),
    GuildChannels(GuildId),
    GuildMember(GuildId, UserId),
    GuildRoles(GuildId),
}

#[derive(Debug, PartialEq)]
enum RouteError {
    NotFound,
    MethodNotAllowed,
    BadId(&'static str, String),
}

fn id<T: From<u64>>(field: &'static str, s: &str) -> Result<T, RouteError> {
    s.parse::<u64>()
        .map(T::from)
        .map_err(|_| RouteError::BadId(field, s.to_owned()))
}

/// Matches a path (segments after `/api/v10`) and method.
#[expect(
    clippy::too_many_lines,
    reason = "the route table reads best in one match"
)]
fn route(method: &Method, segments: &[&str]) -> Result<(Endpoint, &'static str, u64), RouteError> {
    use Endpoint as E;
    let m = |allowed: &[Method]| {
        if allowed.contains(method) {
            Ok(())
        } else {
            Err(RouteError::MethodNotAllowed)
        }
    };
    let (endpoint, template) = match segments {
        ["gateway"] => (m(&[Method::GET]).map(|()| E::Gateway)?, "GET /gateway"),
        ["gateway", "bot"] => (
            m(&[Method::GET]).map(|()| E::GatewayBot)?,
            "GET /gateway/bot",
        ),
        ["users", "@me"] => (m(&[Method::GET]).map(|()| E::Me)?, "GET /users/@me"),
        ["users", "@me", "guilds"] => (
            m(&[Method::GET]).map(|()| E::MyGuilds)?,
            "GET /users/@me/guilds",
        ),
        ["users", "@me", "channels"] => (
            m(&[Method::POST]).map(|()| E::CreateDm)?,
            "POST /users/@me/channels",
        ),
        ["users", user] => {
            m(&[Method::GET])?;
            (E::User(id("user_id", user)?), "GET /users/{user_id}")
        }
        ["oauth2", "applications", "@me"] | ["applications", "@me"] => (
            m(&[Method::GET]).map(|()| E::Application)?,
            "GET /oauth2/applications/@me",
        ),
        ["channels", c] => {
            m(&[Method::GET])?;
            (
                E::Channel(id("channel_id", c)?),
                "GET /channels/{channel_id}",
            )
        }
        ["channels", c, "messages"] => {
            let c = id("channel_id", c)?;
            match *method {
                Method::GET => (E::Messages(c), "GET /channels/{channel_id}/messages"),
                Method::POST => (E::CreateMessage(c), "POST /channels/{channel_id}/messages"),
                _ => return Err(RouteError::MethodNotAllowed),
            }
        }
        ["channels", c, "messages", msg] => {
            let (c, msg) = (id("channel_id", c)?, id("message_id", msg)?);
            match *method {
                Method::GET => (
                    E::Message(c, msg),
                    "GET /channels/{channel_id}/messages/{message_id}",
                ),
                Method::PATCH => (
                    E::EditMessage(c, msg),
                    "PATCH /channels/{channel_id}/messages/{message_id}",
                ),
                Method::DELETE => (
                    E::DeleteMessage(c, msg),
                    "DELETE /channels/{channel_id}/messages/{message_id}",
                ),
                _ => return Err(RouteError::MethodNotAllowed),
            }
        }
        ["channels", c, "messages", msg, "reactions", emoji, "@me"] => {
            let (c, msg) = (id("channel_id", c)?, id("message_id", msg)?);
            let emoji = percent_decode(emoji);
            match *method {
                Method::PUT => (
                    E::React(c, msg, emoji),
                    "PUT /channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me",
                ),
                Method::DELETE => (
                    E::Unreact(c, msg, emoji),
                    "DELETE /channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me",
                ),
                _ => return Err(RouteError::MethodNotAllowed),
            }
        }
        ["channels", c, "typing"] => {
            m(&[Method::POST])?;
            (
                E::Typing(id("channel_id", c)?),
                "POST /channels/{channel_id}/typing",
            )
        }
        ["guilds", g] => {
            m(&[Method::GET])?;
            (E::Guild(id("guild_id", g)?), "GET /guilds/{guild_id}")
        }
        ["guilds", g, "channels"] => {
            m(&[Method::GET])?;
            (
                E::GuildChannels(id("guild_id", g)?),
                "GET /guilds/{guild_id}/channels",
            )
        }
        ["guilds", g, "members", u] => {
            m(&[Method::GET])?;
            (
                E::GuildMember(id("guild_id", g)?, id("user_id", u)?),
                "GET /guilds/{guild_id}/members/{user_id}",
            )
        }
        ["guilds", g, "roles"] => {
            m(&[Method::GET])?;
            (
                E::GuildRoles(id("guild_id", g)?),
                "GET /guilds/{guild_id}/roles",
            )
        }
        _ => return Err(RouteError::NotFound),
    };
    let major = match &endpoint {
        E::Channel(c)
        | E::Messages(c)
        | E::CreateMessage(c)
        | E::Message(c, _)
        | E::EditMessage(c, _)
        | E::DeleteMessage(c, _)
        | E::React(c, _, _)
        | E::Unreact(c, _, _)
        | E::Typing(c) => c.get(),
        E::Guild(g) | E::GuildChannels(g) | E::GuildMember(g, _) | E::GuildRoles(g) => g.get(),
        _ => 0,
    };
    Ok((endpoint, template, major))
}

/// The REST entry point.
pub(crate) async fn handle(
    State(shared): State<Arc<Shared>>,
    peer: Result<ConnectInfo<SocketAddr>, axum::extract::rejection::ExtensionRejection>,
    method: Method,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let path = uri.path().strip_prefix("/api/v10").unwrap_or_default();
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let auth = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let client = auth
        .clone()
        .or_else(|| peer.ok().map(|ConnectInfo(addr)| addr.ip().to_string()))
        .unwrap_or_default();
    let (endpoint, template, major) = match route(&method, &segments) {
        Ok(matched) => matched,
        Err(error) => {
            let limited = lock_limiter(&shared).check_global(std::time::Instant::now(), &client);
            if let Some(limited) = limited {
                return too_many(None, &limited);
            }
            tracing::debug!(%method, path, "rest request to no route");
            return match error {
                RouteError::NotFound => not_found(),
                RouteError::MethodNotAllowed => {
                    error_response(StatusCode::METHOD_NOT_ALLOWED, 0, "405: Method Not Allowed")
                }
                RouteError::BadId(field, value) => form_error(&[(
                    field,
                    "NUMBER_TYPE_COERCE",
                    format!("Value \"{value}\" is not snowflake."),
                )]),
            };
        }
    };
    let (rate, limited) =
        lock_limiter(&shared).check(std::time::Instant::now(), &client, template, major);
    let mut response = if let Some(limited) = limited {
        tracing::debug!(template, "rest request rate limited");
        too_many(Some(&rate), &limited)
    } else {
        let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY).await else {
            return error_response(
                StatusCode::PAYLOAD_TOO_LARGE,
                40005,
                "Request entity too large",
            );
        };
        let response = serve(
            &shared,
            endpoint,
            auth.as_deref(),
            uri.query().unwrap_or_default(),
            &bytes,
        );
        tracing::debug!(
            template,
            status = response.status().as_u16(),
            "rest request"
        );
        response
    };
    add_rate_headers(&mut response, &rate);
    response
}

fn lock_limiter(shared: &Shared) -> std::sync::MutexGuard<'_, limits::Limiter> {
    shared
        .limiter
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
}

/// The bot a request is authenticated as.
fn authenticate(shared: &Shared, auth: Option<&str>) -> Option<Bot> {
    let token = auth?.strip_prefix("Bot ")?;
    shared.read(|core| core.world().bot_by_token(token).cloned())
}

#[expect(
    clippy::too_many_lines,
    reason = "one arm per endpoint reads best as a table"
)]
fn serve(
    shared: &Shared,
    endpoint: Endpoint,
    auth: Option<&str>,
    query: &str,
    body: &Bytes,
) -> Response {
    use Endpoint as E;
    if endpoint == E::Gateway {
        return ok(&json!({ "url": shared.gateway_url() }));
    }
    let Some(bot) = authenticate(shared, auth) else {
        return error_response(StatusCode::UNAUTHORIZED, 0, "401: Unauthorized");
    };
    let me = bot.user_id;
    match endpoint {
        E::Gateway => not_found(),
        E::GatewayBot => {
            let (shards, limit) = shared.read(|core| {
                let now = std::time::Instant::now();
                (
                    core.recommended_shards(me),
                    core.session_start_limit(now, bot.application_id),
                )
            });
            ok(
                &json!({ "url": shared.gateway_url(), "shards": shards, "session_start_limit": limit }),
            )
        }
        E::Me => {
            let user = shared
                .read(|core| core.world().user(me))
                .unwrap_or_default();
            ok(&CurrentUser {
                user,
                mfa_enabled: false,
                verified: true,
                locale: Some("en-US".to_owned()),
                flags: Some(0),
            })
        }
        E::User(id) => shared
            .read(|core| core.world().user(id))
            .map_or_else(|| unknown(Entity::User), |u| ok(&u)),
        E::Application => {
            let (user, owner, guilds) = shared.read(|core| {
                let w = core.world();
                let owner = w.users().into_iter().find(|u| !u.bot);
                (w.user(me).unwrap_or_default(), owner, w.guilds_of(me).len())
            });
            ok(&json!({
                "id": bot.application_id, "name": bot.name, "icon": null, "description": "",
                "summary": "", "type": null, "hook": true, "bot_public": true,
                "bot_require_code_grant": false, "verify_key": "0".repeat(64),
                "bot": user, "owner": owner, "team": null, "flags": bot.flags,
                "rpc_origins": [], "redirect_uris": [], "tags": [],
                "interactions_endpoint_url": null, "approximate_guild_count": guilds,
            }))
        }
        E::MyGuilds => {
            let guilds: Vec<Value> = shared.read(|core| {
                let w = core.world();
                w.guilds_of(me)
                    .into_iter()
                    .filter_map(|g| w.guild(g))
                    .map(|g| {
                        json!({
                            "id": g.id, "name": g.name, "icon": g.icon, "banner": g.banner,
                            "owner": g.owner_id == me, "permissions": "0", "features": g.features,
                        })
                    })
                    .collect()
            });
            ok(&guilds)
        }
        E::CreateDm => {
            let body = match parse_body(body) {
                Ok(body) => body,
                Err(response) => return *response,
            };
            let Some(recipient) = snowflake_field(&body, "recipient_id") else {
                return form_error(&[(
                    "recipient_id",
                    "BASE_TYPE_REQUIRED",
                    "This field is required".to_owned(),
                )]);
            };
            result(shared.run(|st, now| st.core.open_dm(now, me, UserId::new(recipient))))
        }
        E::Channel(c) => result(shared.read(|core| {
            core.world()
                .writable_channel(me, c)
                .map(|r| r.channel.clone())
        })),
        E::Messages(c) => list_messages(shared, me, c, query),
        E::Message(c, m) => result(shared.read(|core| {
            let record = core.world().writable_channel(me, c)?;
            record
                .messages
                .get(&m)
                .map(|s| render_message(s, Some(me)))
                .ok_or(Error::not_found(Entity::Message))
        })),
        E::CreateMessage(c) => {
            let body = match parse_body(body) {
                Ok(body) => body,
                Err(response) => return *response,
            };
            let message = match new_message(&body) {
                Ok(message) => message,
                Err(errors) => return form_error(&errors),
            };
            result(shared.run(|st, now| st.core.create_message(now, me, c, message)))
        }
        E::EditMessage(c, m) => {
            let body = match parse_body(body) {
                Ok(body) => body,
                Err(response) => return *response,
            };
            let (content, embeds) = match message_edit(&body) {
                Ok(edit) => edit,
                Err(errors) => return form_error(&errors),
            };
            result(shared.run(|st, now| st.core.edit_message(now, me, c, m, content, embeds)))
        }
        E::DeleteMessage(c, m) => {
            no_content(shared.run(|st, now| st.core.delete_message(now, me, c, m)))
        }
        E::React(c, m, emoji) => {
            no_content(shared.run(|st, now| st.core.add_reaction(now, me, c, m, &emoji)))
        }
        E::Unreact(c, m, emoji) => {
            no_content(shared.run(|st, now| st.core.remove_reaction(now, me, c, m, &emoji)))
        }
        E::Typing(c) => no_content(shared.run(|st, now| st.core.typing(now, me, c))),
        E::Guild(g) => result(shared.read(|core| member_guild(core, me, g))),
        E::GuildChannels(g) => result(shared.read(|core| {
            member_guild(core, me, g)?;
            Ok(core.world().channels(g))
        })),
        E::GuildMember(g, u) => result(shared.read(|core| {
            member_guild(core, me, g)?;
            core.world()
                .member(g, u)
                .ok_or(Error::not_found(Entity::Member))
        })),
        E::GuildRoles(g) => result(shared.read(|core| member_guild(core, me, g).map(|g| g.roles))),
    }
}

fn member_guild(
    core: &crate::Core,
    me: UserId,
    g: GuildId,
) -> Result<tether_model::guild::Guild, Error> {
    let guild = core
        .world()
        .guild(g)
        .ok_or(Error::not_found(Entity::Guild))?;
    if !core.world().is_member(g, me) {
        return Err(Error::forbidden(50001, "missing access"));
    }
    Ok(guild)
}

/// `GET /channels/{id}/messages`: newest first; `limit` 1–100 (default
/// 50), and one of `before`, `after`, `around`.
fn list_messages(shared: &Shared, me: UserId, channel: ChannelId, query: &str) -> Response {
    let mut limit = 50usize;
    let mut before = None;
    let mut after = None;
    let mut around = None;
    let mut errors = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let snowflake = |field: &'static str, errors: &mut Vec<_>| {
            value.parse::<u64>().map(MessageId::new).map_err(|_| {
                errors.push((
                    field,
                    "NUMBER_TYPE_COERCE",
                    format!("Value \"{value}\" is not snowflake."),
                ));
            })
        };
        match key {
            "limit" => match value.parse::<usize>() {
                Ok(n @ 1..=100) => limit = n,
                _ => errors.push((
                    "limit",
                    "NUMBER_TYPE_MAX",
                    "Must be between 1 and 100.".to_owned(),
                )),
            },
            "before" => before = snowflake("before", &mut errors).ok(),
            "after" => after = snowflake("after", &mut errors).ok(),
            "around" => around = snowflake("around", &mut errors).ok(),
            _ => {}
        }
    }
    if !errors.is_empty() {
        return form_error(&errors);
    }
    result(shared.read(|core| {
        let record = core.world().writable_channel(me, channel)?;
        let all = &record.messages;
        let render = |s| render_message(s, Some(me));
        let list: Vec<_> = if let Some(after) = after {
            let mut v: Vec<_> = all
                .range((std::ops::Bound::Excluded(after), std::ops::Bound::Unbounded))
                .take(limit)
                .map(|(_, s)| render(s))
                .collect();
            v.reverse();
            v
        } else if let Some(around) = around {
            let newer: Vec<_> = all
                .range(around..)
                .take(limit.div_ceil(2))
                .map(|(_, s)| render(s))
                .collect();
            let older = all
                .range(..around)
                .rev()
                .take(limit - newer.len())
                .map(|(_, s)| render(s));
            newer.into_iter().rev().chain(older).collect()
        } else {
            let upper = before.map_or(std::ops::Bound::Unbounded, std::ops::Bound::Excluded);
            all.range((std::ops::Bound::Unbounded, upper))
                .rev()
                .take(limit)
                .map(|(_, s)| render(s))
                .collect()
        };
        Ok(list)
    }))
}

type FieldErrors = Vec<(&'static str, &'static str, String)>;

/// The JSON of a body, or the 50109 answer (boxed: a response is large).
pub(crate) fn parse_body(body: &Bytes) -> Result<Value, Box<Response>> {
    serde_json::from_slice::<Value>(body).map_err(|_| {
        Box::new(error_response(
            StatusCode::BAD_REQUEST,
            50109,
            "The request body contains invalid JSON.",
        ))
    })
}

fn snowflake_field(body: &Value, key: &str) -> Option<u64> {
    match body.get(key)? {
        Value::String(s) => s.parse().ok(),
        Value::Number(n) => n.as_u64(),
        _ => None,
    }
}

fn not_object() -> FieldErrors {
    vec![(
        "_root",
        "DICT_TYPE_CONVERT",
        "Only dictionaries may be used in a DictType".to_owned(),
    )]
}

/// The body of Create Message.
fn new_message(body: &Value) -> Result<NewMessage, FieldErrors> {
    let Some(map) = body.as_object() else {
        return Err(not_object());
    };
    let mut errors: FieldErrors = Vec::new();
    let mut message = NewMessage::default();
    match map.get("content") {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) => message.content.clone_from(s),
        Some(other) => errors.push((
            "content",
            "BASE_TYPE_STRING",
            format!("Could not interpret \"{other}\" as string."),
        )),
    }
    match map.get("nonce") {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) => message.nonce = Some(Nonce::String(s.clone())),
        Some(Value::Number(n)) if n.as_i64().is_some() => {
            message.nonce = n.as_i64().map(Nonce::Integer);
        }
        Some(_) => errors.push((
            "nonce",
            "NONCE_TYPE_INVALID",
            "Nonce must be an integer or a string.".to_owned(),
        )),
    }
    for (key, slot) in [
        ("tts", &mut message.tts),
        ("enforce_nonce", &mut message.enforce_nonce),
    ] {
        match map.get(key) {
            None | Some(Value::Null) => {}
            Some(Value::Bool(b)) => *slot = *b,
            Some(other) => errors.push((
                key,
                "BASE_TYPE_BOOLEAN",
                format!("Could not interpret \"{other}\" as boolean."),
            )),
        }
    }
    match map
        .get("embeds")
        .map(|v| serde_json::from_value::<Option<Vec<Embed>>>(v.clone()))
    {
        None | Some(Ok(None)) => {}
        Some(Ok(Some(embeds))) => message.embeds = embeds,
        Some(Err(_)) => errors.push((
            "embeds",
            "BASE_TYPE_ARRAY",
            "Must be a list of embed objects.".to_owned(),
        )),
    }
    match map.get("message_reference") {
        None | Some(Value::Null) => {}
        Some(reference @ Value::Object(r)) => {
            match snowflake_field(reference, "message_id") {
                Some(id) => message.reply_to = Some(MessageId::new(id)),
                None if r.get("message_id").is_some() => errors.push((
                    "message_reference",
                    "NUMBER_TYPE_COERCE",
                    "message_id is not snowflake.".to_owned(),
                )),
                None => {}
            }
            message.fail_if_not_exists = r.get("fail_if_not_exists").and_then(Value::as_bool);
        }
        Some(_) => errors.push((
            "message_reference",
            "DICT_TYPE_CONVERT",
            "Only dictionaries may be used in a DictType".to_owned(),
        )),
    }
    if errors.is_empty() {
        Ok(message)
    } else {
        Err(errors)
    }
}

/// The body of Edit Message: new content and embeds (absent or null: unchanged).
fn message_edit(body: &Value) -> Result<(Option<String>, Option<Vec<Embed>>), FieldErrors> {
    let Some(map) = body.as_object() else {
        return Err(not_object());
    };
    let mut errors: FieldErrors = Vec::new();
    let content = match map.get("content") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(other) => {
            errors.push((
                "content",
                "BASE_TYPE_STRING",
                format!("Could not interpret \"{other}\" as string."),
            ));
            None
        }
    };
    let embeds = match map
        .get("embeds")
        .map(|v| serde_json::from_value::<Option<Vec<Embed>>>(v.clone()))
    {
        None => None,
        Some(Ok(embeds)) => embeds,
        Some(Err(_)) => {
            errors.push((
                "embeds",
                "BASE_TYPE_ARRAY",
                "Must be a list of embed objects.".to_owned(),
            ));
            None
        }
    };
    if errors.is_empty() {
        Ok((content, embeds))
    } else {
        Err(errors)
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        if let (b'%', Some(decoded)) = (b, hex) {
            out.push(decoded);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn ok<T: Serialize + ?Sized>(value: &T) -> Response {
    json_response(StatusCode::OK, value)
}

pub(crate) fn json_response<T: Serialize + ?Sized>(status: StatusCode, value: &T) -> Response {
    let body = serde_json::to_vec(value).unwrap_or_default();
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

pub(crate) fn result<T: Serialize>(result: Result<T, Error>) -> Response {
    match result {
        Ok(value) => ok(&value),
        Err(error) => error_to_response(&error),
    }
}

pub(crate) fn no_content(result: Result<(), Error>) -> Response {
    match result {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(error) => error_to_response(&error),
    }
}

fn unknown(entity: Entity) -> Response {
    error_response(
        StatusCode::NOT_FOUND,
        entity.unknown_code(),
        &format!("Unknown {}", entity.name()),
    )
}

/// A library error as Discord would answer it.
pub(crate) fn error_to_response(error: &Error) -> Response {
    match error.kind() {
        ErrorKind::NotFound(entity) => unknown(*entity),
        ErrorKind::Forbidden { code, reason } => error_response(
            StatusCode::FORBIDDEN,
            *code,
            &discord_message(*code, reason),
        ),
        ErrorKind::InvalidInput {
            code: 50035,
            field,
            reason,
        } => {
            let field = field.unwrap_or("_root");
            let code = match field {
                "message_reference" => "REPLIES_UNKNOWN_MESSAGE",
                "role_id" => "BASE_TYPE_INVALID",
                _ => "BASE_TYPE_MAX_LENGTH",
            };
            form_error(&[(field, code, format!("{}.", capitalise(reason)))])
        }
        ErrorKind::InvalidInput { code, reason, .. } => error_response(
            StatusCode::BAD_REQUEST,
            *code,
            &discord_message(*code, reason),
        ),
        _ => error_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            0,
            "500: Internal Server Error",
        ),
    }
}

/// Discord's wording for the JSON codes the emulator answers with.
fn discord_message(code: u32, reason: &str) -> String {
    match code {
        30010 => "Maximum number of reactions reached (20)".to_owned(),
        50001 => "Missing Access".to_owned(),
        50005 => "Cannot edit a message authored by another user".to_owned(),
        50006 => "Cannot send an empty message".to_owned(),
        50008 => "Cannot send messages in a non-text channel".to_owned(),
        _ => capitalise(reason),
    }
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

pub(crate) fn error_response(status: StatusCode, code: u32, message: &str) -> Response {
    json_response(status, &json!({ "message": message, "code": code }))
}

/// 400 50035 with an `errors` tree: `{field: {"_errors": [{code, message}]}}`.
pub(crate) fn form_error(errors: &[(&'static str, &'static str, String)]) -> Response {
    let mut tree = serde_json::Map::new();
    for (field, code, message) in errors {
        let entry = json!({ "code": code, "message": message });
        if *field == "_root" {
            tree.entry("_errors").or_insert_with(|| json!([]));
            if let Some(Value::Array(list)) = tree.get_mut("_errors") {
                list.push(entry);
            }
            continue;
        }
        let slot = tree
            .entry(*field)
            .or_insert_with(|| json!({ "_errors": [] }));
        if let Some(Value::Array(list)) = slot.get_mut("_errors") {
            list.push(entry);
        }
    }
    json_response(
        StatusCode::BAD_REQUEST,
        &json!({ "message": "Invalid Form Body", "code": 50035, "errors": tree }),
    )
}

/// Discord's answer to an unknown route.
pub(crate) fn not_found() -> Response {
    error_response(StatusCode::NOT_FOUND, 0, "404: Not Found")
}

fn too_many(rate: Option<&Headers>, limited: &Limited) -> Response {
    let retry = limited.retry_after.as_secs_f64();
    let mut response = json_response(
        StatusCode::TOO_MANY_REQUESTS,
        &json!({ "message": "You are being rate limited.", "retry_after": round3(retry), "global": limited.global }),
    );
    let h = response.headers_mut();
    let retry_after =
        limited.retry_after.as_secs() + u64::from(limited.retry_after.subsec_nanos() > 0);
    h.insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
    h.insert(
        "x-ratelimit-scope",
        HeaderValue::from_static(if limited.global { "global" } else { "user" }),
    );
    if limited.global {
        h.insert("x-ratelimit-global", HeaderValue::from_static("true"));
    }
    if let Some(rate) = rate {
        add_rate_headers(&mut response, rate);
    }
    response
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn add_rate_headers(response: &mut Response, rate: &Headers) {
    let reset_after = round3(rate.reset_after.as_secs_f64());
    let reset = round3(Shared::unix_now() + reset_after);
    let h = response.headers_mut();
    h.insert("x-ratelimit-limit", HeaderValue::from(rate.limit));
    h.insert("x-ratelimit-remaining", HeaderValue::from(rate.remaining));
    for (name, value) in [
        ("x-ratelimit-reset", format!("{reset:.3}")),
        ("x-ratelimit-reset-after", format!("{reset_after:.3}")),
        ("x-ratelimit-bucket", rate.bucket.clone()),
    ] {
        if let Ok(value) = HeaderValue::from_str(&value) {
            h.insert(name, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_and_templates() {
        let (e, t, major) = route(&Method::POST, &["channels", "5", "messages"]).unwrap();
        assert_eq!(
            (e, t, major),
            (
                Endpoint::CreateMessage(ChannelId::new(5)),
                "POST /channels/{channel_id}/messages",
                5
            )
        );
        let (e, _, _) = route(
            &Method::PUT,
            &[
                "channels",
                "5",
                "messages",
                "6",
                "reactions",
                "%F0%9F%94%A5",
                "@me",
            ],
        )
        .unwrap();
        assert_eq!(
            e,
            Endpoint::React(ChannelId::new(5), MessageId::new(6), "🔥".to_owned())
        );
        assert_eq!(
            route(&Method::GET, &["nope"]).unwrap_err(),
            RouteError::NotFound
        );
        assert_eq!(
            route(&Method::DELETE, &["users", "@me"]).unwrap_err(),
            RouteError::MethodNotAllowed
        );
        assert_eq!(
            route(&Method::GET, &["channels", "abc"]).unwrap_err(),
            RouteError::BadId("channel_id", "abc".to_owned())
        );
        assert!(route(&Method::GET, &["applications", "@me"]).is_ok());
    }

    #[test]
    fn message_bodies() {
        let m = new_message(&json!({"content": "hi", "nonce": 5, "tts": true, "message_reference": {"message_id": "7"}})).unwrap();
        assert_eq!(
            (m.content.as_str(), m.nonce, m.tts, m.reply_to),
            ("hi", Some(Nonce::Integer(5)), true, Some(MessageId::new(7)))
        );
        let errors = new_message(&json!({"content": 5, "tts": "yes", "embeds": 3})).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.0).collect();
        assert_eq!(fields, ["content", "tts", "embeds"]);
        assert!(new_message(&json!([1])).is_err());
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("party%3A123"), "party:123");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz"), "%zz");
    }
}
