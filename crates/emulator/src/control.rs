//! The control API under `/_emulator`: the handle's powers over HTTP and
//! JSON, for bots written in other languages. Documented endpoint by
//! endpoint in the crate docs. Errors use Discord's body shape
//! (`{"message", "code"}`); a wait that runs out answers 408.

use std::sync::{Arc, PoisonError};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{OriginalUri, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use tether_model::Intents;
use tether_model::id::{ChannelId, GuildId, MessageId, RoleId, UserId};
use tether_model::permissions::Permissions;
use tether_model::presence::{Activity, Status};

use crate::core::{ConnectionId, Core, Fault, NewMessage};
use crate::error::{Error, ErrorKind};
use crate::rest::{error_response, json_response, no_content, not_found, parse_body, result};
use crate::server::Shared;
use crate::world::render_message;

/// Longest wait a control call may ask for.
const MAX_WAIT: Duration = Duration::from_secs(300);
/// Messages one bulk call may send.
const MAX_BULK: usize = 100_000;

#[derive(Deserialize)]
struct NameIn {
    name: String,
}

#[derive(Deserialize)]
struct BotIn {
    name: String,
    token: String,
    #[serde(default)]
    privileged_intents: Option<u64>,
}

#[derive(Deserialize)]
struct GuildIn {
    name: String,
    #[serde(default)]
    owner_id: Option<UserId>,
    #[serde(default)]
    member_ids: Vec<UserId>,
}

#[derive(Deserialize)]
struct ChannelIn {
    name: String,
    #[serde(default, rename = "type")]
    kind: u8,
}

#[derive(Deserialize)]
struct RoleIn {
    name: String,
    #[serde(default)]
    permissions: Permissions,
}

#[derive(Deserialize)]
struct RoleUpdateIn {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    permissions: Option<Permissions>,
}

#[derive(Deserialize)]
struct ChannelUpdateIn {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    topic: Option<String>,
}

#[derive(Deserialize)]
struct ThreadIn {
    name: String,
    owner_id: UserId,
}

#[derive(Deserialize)]
struct ThreadUpdateIn {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    archived: Option<bool>,
}

#[derive(Deserialize)]
struct NickIn {
    nick: Option<String>,
}

#[derive(Deserialize)]
struct RolesIn {
    role_ids: Vec<RoleId>,
}

#[derive(Deserialize)]
struct MessageIn {
    author_id: UserId,
    content: String,
    #[serde(default)]
    reply_to: Option<MessageId>,
}

#[derive(Deserialize)]
struct BulkIn {
    author_id: UserId,
    #[serde(default)]
    contents: Vec<String>,
    #[serde(default)]
    count: usize,
    #[serde(default)]
    prefix: String,
}

#[derive(Deserialize)]
struct EditIn {
    author_id: UserId,
    content: String,
}

#[derive(Deserialize)]
struct ActorIn {
    actor_id: UserId,
}

#[derive(Deserialize)]
struct DmIn {
    user_id: UserId,
    recipient_id: UserId,
}

#[derive(Deserialize)]
struct PresenceIn {
    status: Status,
    #[serde(default)]
    activities: Vec<Activity>,
}

#[derive(Deserialize)]
struct WaitIn {
    #[serde(default)]
    channel_id: Option<ChannelId>,
    #[serde(default)]
    author_id: Option<UserId>,
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    contains: Option<String>,
    #[serde(default)]
    after: Option<MessageId>,
    #[serde(default = "default_wait")]
    timeout_ms: u64,
}

#[derive(Deserialize)]
struct RateLimitIn {
    route: String,
    retry_after: f64,
    #[serde(default)]
    global: bool,
}

fn default_wait() -> u64 {
    5000
}

fn bad_request(reason: &str) -> Response {
    error_response(StatusCode::BAD_REQUEST, 50035, reason)
}

/// An early answer (boxed: a response is large, and errors are the rare path).
type Early = Box<Response>;

fn input<T: for<'de> Deserialize<'de>>(body: &Value) -> Result<T, Early> {
    T::deserialize(body).map_err(|e| Box::new(bad_request(&format!("invalid body: {e}"))))
}

fn id<T: From<u64>>(s: &str) -> Result<T, Early> {
    s.parse::<u64>()
        .map(T::from)
        .map_err(|_| Box::new(bad_request(&format!("{s:?} is not a snowflake"))))
}

fn query_u64(query: Option<&str>, key: &str) -> Option<u64> {
    query?
        .split('&')
        .filter_map(|p| p.split_once('='))
        .find(|(k, _)| *k == key)
        .and_then(|(_, v)| v.parse().ok())
}

/// The control entry point.
pub(crate) async fn handle(
    State(shared): State<Arc<Shared>>,
    method: Method,
    OriginalUri(uri): OriginalUri,
    body: Body,
) -> Response {
    let path = uri.path().strip_prefix("/_emulator").unwrap_or_default();
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let Ok(bytes) = axum::body::to_bytes(body, 16 << 20).await else {
        return error_response(
            StatusCode::PAYLOAD_TOO_LARGE,
            40005,
            "Request entity too large",
        );
    };
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        match parse_body(&bytes) {
            Ok(body) => body,
            Err(response) => return *response,
        }
    };
    if method == Method::POST && segments == ["wait", "message"] {
        return match input::<WaitIn>(&body) {
            Ok(wait) => wait_message(&shared, wait).await,
            Err(response) => *response,
        };
    }
    match dispatch(&shared, &method, &segments, uri.query(), &body) {
        Ok(response) => response,
        Err(response) => *response,
    }
}

#[expect(
    clippy::too_many_lines,
    reason = "the endpoint table reads best in one match"
)]
fn dispatch(
    shared: &Shared,
    method: &Method,
    segments: &[&str],
    query: Option<&str>,
    body: &Value,
) -> Result<Response, Early> {
    let run = |f: &mut dyn FnMut(&mut Core, std::time::Instant) -> Result<Value, Error>| {
        shared.run(|st, now| f(&mut st.core, now))
    };
    Ok(match (method.as_str(), segments) {
        ("GET", []) => json_response(StatusCode::OK, &info(shared)),
        ("GET", ["sessions"]) => json_response(StatusCode::OK, &shared.read(Core::sessions)),
        ("GET", ["connections"]) => json_response(StatusCode::OK, &shared.read(Core::connections)),
        ("GET", ["stats"]) => json_response(StatusCode::OK, &shared.read(Core::stats)),
        ("GET", ["identify-log"]) => json_response(StatusCode::OK, &shared.read(identify_log)),
        ("GET", ["world"]) => json_response(StatusCode::OK, &shared.read(world)),
        ("POST", ["users"]) => {
            let user = input::<NameIn>(body)?;
            json_response(
                StatusCode::OK,
                &shared.run(|st, now| st.core.create_user(now, &user.name)),
            )
        }
        ("POST", ["bots"]) => {
            let bot = input::<BotIn>(body)?;
            let flags = bot
                .privileged_intents
                .map_or(crate::world::all_privileged_flags(), privileged_flags);
            json_response(
                StatusCode::OK,
                &shared.run(|st, now| st.core.create_bot(now, &bot.name, &bot.token, flags)),
            )
        }
        ("PUT", ["users", user, "presence"]) => {
            let user: UserId = id(user)?;
            let presence = input::<PresenceIn>(body)?;
            no_content(shared.run(|st, now| {
                st.core
                    .set_presence(now, user, presence.status, presence.activities)
            }))
        }
        ("POST", ["guilds"]) => {
            let guild = input::<GuildIn>(body)?;
            let owner = guild.owner_id.unwrap_or(shared.primary.human);
            result(shared.run(|st, now| {
                st.core
                    .create_guild(now, &guild.name, owner, &guild.member_ids)
            }))
        }
        ("DELETE", ["guilds", g]) => {
            let g: GuildId = id(g)?;
            no_content(shared.run(|st, now| st.core.delete_guild(now, g)))
        }
        ("PATCH", ["guilds", g]) => {
            let g: GuildId = id(g)?;
            let guild = input::<NameIn>(body)?;
            result(shared.run(|st, now| st.core.update_guild(now, g, &guild.name)))
        }
        ("PATCH", ["channels", c]) => {
            let c: ChannelId = id(c)?;
            let edit = input::<ChannelUpdateIn>(body)?;
            result(shared.run(|st, now| {
                st.core
                    .update_channel(now, c, edit.name.as_deref(), edit.topic.as_deref())
            }))
        }
        ("POST", ["channels", c, "threads"]) => {
            let c: ChannelId = id(c)?;
            let thread = input::<ThreadIn>(body)?;
            result(
                shared.run(|st, now| st.core.create_thread(now, c, &thread.name, thread.owner_id)),
            )
        }
        ("PATCH", ["threads", t]) => {
            let t: ChannelId = id(t)?;
            let edit = input::<ThreadUpdateIn>(body)?;
            result(shared.run(|st, now| {
                st.core
                    .update_thread(now, t, edit.name.as_deref(), edit.archived)
            }))
        }
        ("DELETE", ["threads", t]) => {
            let t: ChannelId = id(t)?;
            no_content(shared.run(|st, now| st.core.delete_thread(now, t)))
        }
        ("PUT", ["guilds", g, "members", u, "nick"]) => {
            let (g, u): (GuildId, UserId) = (id(g)?, id(u)?);
            let nick = input::<NickIn>(body)?;
            result(shared.run(|st, now| st.core.set_nick(now, g, u, nick.nick)))
        }
        ("PATCH", ["guilds", g, "roles", r]) => {
            let (g, r): (GuildId, RoleId) = (id(g)?, id(r)?);
            let edit = input::<RoleUpdateIn>(body)?;
            result(shared.run(|st, now| {
                st.core
                    .update_role(now, g, r, edit.name.as_deref(), edit.permissions)
            }))
        }
        ("POST", ["guilds", g, "channels"]) => {
            let g: GuildId = id(g)?;
            let channel = input::<ChannelIn>(body)?;
            result(
                shared.run(|st, now| st.core.create_channel(now, g, &channel.name, channel.kind)),
            )
        }
        ("DELETE", ["channels", c]) => {
            let c: ChannelId = id(c)?;
            no_content(shared.run(|st, now| st.core.delete_channel(now, c)))
        }
        ("PUT", ["guilds", g, "members", u]) => {
            let (g, u): (GuildId, UserId) = (id(g)?, id(u)?);
            result(shared.run(|st, now| st.core.add_member(now, g, u)))
        }
        ("DELETE", ["guilds", g, "members", u]) => {
            let (g, u): (GuildId, UserId) = (id(g)?, id(u)?);
            no_content(shared.run(|st, now| st.core.remove_member(now, g, u)))
        }
        ("PUT", ["guilds", g, "members", u, "roles"]) => {
            let (g, u): (GuildId, UserId) = (id(g)?, id(u)?);
            let roles = input::<RolesIn>(body)?;
            result(shared.run(|st, now| st.core.set_member_roles(now, g, u, roles.role_ids)))
        }
        ("POST", ["guilds", g, "roles"]) => {
            let g: GuildId = id(g)?;
            let role = input::<RoleIn>(body)?;
            result(shared.run(|st, now| st.core.create_role(now, g, &role.name, role.permissions)))
        }
        ("DELETE", ["guilds", g, "roles", r]) => {
            let (g, r): (GuildId, RoleId) = (id(g)?, id(r)?);
            no_content(shared.run(|st, now| st.core.delete_role(now, g, r)))
        }
        ("POST", ["dms"]) => {
            let dm = input::<DmIn>(body)?;
            result(shared.run(|st, now| st.core.open_dm(now, dm.user_id, dm.recipient_id)))
        }
        ("GET", ["channels", c, "messages"]) => {
            let c: ChannelId = id(c)?;
            json_response(
                StatusCode::OK,
                &shared.read(|core| core.world().messages(c)),
            )
        }
        ("POST", ["channels", c, "messages"]) => {
            let c: ChannelId = id(c)?;
            let message = input::<MessageIn>(body)?;
            let mut new = NewMessage::text(message.content);
            new.reply_to = message.reply_to;
            result(shared.run(|st, now| st.core.create_message(now, message.author_id, c, new)))
        }
        ("POST", ["channels", c, "messages", "bulk"]) => {
            let c: ChannelId = id(c)?;
            let bulk = input::<BulkIn>(body)?;
            let mut contents = bulk.contents;
            contents.extend((0..bulk.count).map(|n| format!("{}{n}", bulk.prefix)));
            if contents.len() > MAX_BULK {
                return Err(Box::new(bad_request("at most 100000 messages per call")));
            }
            let mut sent = Vec::with_capacity(contents.len());
            for chunk in contents.chunks(256) {
                let outcome = run(&mut |core, now| {
                    for content in chunk {
                        let m = core.create_message(
                            now,
                            bulk.author_id,
                            c,
                            NewMessage::text(content.clone()),
                        )?;
                        sent.push(m.id);
                    }
                    Ok(Value::Null)
                });
                if let Err(error) = outcome {
                    return Err(Box::new(crate::rest::error_to_response(&error)));
                }
            }
            json_response(
                StatusCode::OK,
                &json!({ "count": sent.len(), "first_id": sent.first(), "last_id": sent.last() }),
            )
        }
        ("PATCH", ["channels", c, "messages", m]) => {
            let (c, m): (ChannelId, MessageId) = (id(c)?, id(m)?);
            let edit = input::<EditIn>(body)?;
            result(shared.run(|st, now| {
                st.core
                    .edit_message(now, edit.author_id, c, m, Some(edit.content), None)
            }))
        }
        ("DELETE", ["channels", c, "messages", m]) => {
            let (c, m): (ChannelId, MessageId) = (id(c)?, id(m)?);
            let actor = input::<ActorIn>(body)?;
            no_content(shared.run(|st, now| st.core.delete_message(now, actor.actor_id, c, m)))
        }
        ("PUT", ["channels", c, "messages", m, "reactions", emoji, u]) => {
            let (c, m, u): (ChannelId, MessageId, UserId) = (id(c)?, id(m)?, id(u)?);
            let emoji = (*emoji).to_owned();
            no_content(shared.run(|st, now| st.core.add_reaction(now, u, c, m, &emoji)))
        }
        ("DELETE", ["channels", c, "messages", m, "reactions", emoji, u]) => {
            let (c, m, u): (ChannelId, MessageId, UserId) = (id(c)?, id(m)?, id(u)?);
            let emoji = (*emoji).to_owned();
            no_content(shared.run(|st, now| st.core.remove_reaction(now, u, c, m, &emoji)))
        }
        ("POST", ["channels", c, "typing", u]) => {
            let (c, u): (ChannelId, UserId) = (id(c)?, id(u)?);
            no_content(shared.run(|st, now| st.core.typing(now, u, c)))
        }
        ("POST", ["connections", conn, "faults"]) => {
            let conn = ConnectionId(id::<u64>(conn)?);
            let fault = input::<Fault>(body)?;
            no_content(shared.run(|st, now| st.core.fault(now, conn, fault)))
        }
        ("POST", ["sessions", session, "faults"]) => {
            let fault = input::<Fault>(body)?;
            let session = (*session).to_owned();
            no_content(shared.run(|st, now| match query_u64(query, "at_seq") {
                Some(seq) => st.core.fault_at_seq(&session, seq, fault),
                None => st.core.fault_session(now, &session, fault),
            }))
        }
        ("POST", ["rate-limits"]) => {
            let limit = input::<RateLimitIn>(body)?;
            let retry = Duration::try_from_secs_f64(limit.retry_after).map_err(|_| {
                Box::new(bad_request(
                    "retry_after must be a non-negative number of seconds",
                ))
            })?;
            shared
                .limiter
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .force(limit.route, retry, limit.global);
            StatusCode::NO_CONTENT.into_response()
        }
        _ => not_found(),
    })
}

fn privileged_flags(intents: u64) -> u64 {
    use tether_model::application::flags;
    let intents = Intents::from_bits_truncate(intents);
    let mut app = 0;
    if intents.contains(Intents::GUILD_MEMBERS) {
        app |= flags::GATEWAY_GUILD_MEMBERS;
    }
    if intents.contains(Intents::GUILD_PRESENCES) {
        app |= flags::GATEWAY_PRESENCE;
    }
    if intents.contains(Intents::MESSAGE_CONTENT) {
        app |= flags::GATEWAY_MESSAGE_CONTENT;
    }
    app
}

fn info(shared: &Shared) -> Value {
    let p = &shared.primary;
    let bots: Vec<Value> = shared.read(|core| {
        core.world()
            .bots()
            .into_iter()
            .map(|b| {
                json!({
                    "name": b.name, "application_id": b.application_id,
                    "user_id": b.user_id, "token": b.token.expose(), "flags": b.flags,
                })
            })
            .collect()
    });
    json!({
        "api_base": format!("http://{}/api/v10", shared.addr),
        "gateway_url": shared.gateway_url(),
        "control_base": format!("http://{}/_emulator", shared.addr),
        "bot_token": p.bot.token.expose(),
        "bot_user_id": p.bot.user_id,
        "application_id": p.bot.application_id,
        "guild_id": p.guild,
        "channel_id": p.channel,
        "human_id": p.human,
        "bots": bots,
    })
}

fn identify_log(core: &Core) -> Value {
    let start = core.started();
    let records: Vec<Value> = core
        .identify_log()
        .into_iter()
        .map(|r| {
            json!({
                "application_id": r.application_id, "shard": r.shard, "bucket": r.bucket,
                "at_ms": r.at.saturating_duration_since(start).as_millis(),
            })
        })
        .collect();
    Value::Array(records)
}

fn world(core: &Core) -> Value {
    let w = core.world();
    let guilds: Vec<Value> = w
        .guild_ids()
        .into_iter()
        .map(|g| {
            json!({
                "guild": w.guild(g), "channels": w.channels(g), "members": w.members(g),
            })
        })
        .collect();
    json!({ "users": w.users(), "guilds": guilds })
}

async fn wait_message(shared: &Shared, wait: WaitIn) -> Response {
    let timeout = Duration::from_millis(wait.timeout_ms).min(MAX_WAIT);
    let matches = |m: &tether_model::message::Message| {
        wait.channel_id.is_none_or(|c| m.channel_id == c)
            && wait.author_id.is_none_or(|a| m.author.id == a)
            && wait.content.as_ref().is_none_or(|c| m.content == *c)
            && wait
                .contains
                .as_ref()
                .is_none_or(|c| m.content.contains(c.as_str()))
            && wait.after.is_none_or(|a| m.id > a)
    };
    let mut changes = shared.subscribe();
    let deadline = tokio::time::Instant::now() + timeout;
    let (mut found, mut cursor) = shared.read(|core| {
        let mut all: Vec<_> = core
            .world()
            .channels
            .values()
            .flat_map(|c| c.messages.values())
            .map(|s| render_message(s, None))
            .filter(|m| matches(m))
            .collect();
        all.sort_by_key(|m| m.id);
        (all.into_iter().next(), core.message_cursor())
    });
    loop {
        if let Some(message) = found {
            return json_response(StatusCode::OK, &message);
        }
        match tokio::time::timeout_at(deadline, changes.changed()).await {
            Ok(Ok(())) => {}
            Ok(Err(_)) => return crate::rest::error_to_response(&Error::new(ErrorKind::Closed)),
            Err(_) => {
                return error_response(
                    StatusCode::REQUEST_TIMEOUT,
                    0,
                    "timed out waiting for a message",
                );
            }
        }
        (found, cursor) = shared.read(|core| {
            let found = core.messages_since(cursor).into_iter().find(|m| matches(m));
            (found, core.message_cursor())
        });
    }
}
