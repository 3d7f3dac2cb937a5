//! Request Guild Members (op 8), answered with `GUILD_MEMBERS_CHUNK`.
//!
//! - `query: ""` with `limit: 0` asks for every member. It needs
//!   `GUILD_MEMBERS` (without it the answer is one empty chunk (emu)) and is
//!   limited to one request per guild per bot per
//!   [`member_request_interval`](crate::Config::member_request_interval); a
//!   faster one gets a `RATE_LIMITED` dispatch and no chunks.
//! - another `query` is a case-insensitive prefix of username, display
//!   name or nickname, at most `limit` (at most 100) members;
//! - `user_ids` (one id or a list, at most 100) gives those members, and
//!   the ids that are not members in `not_found`.
//!
//! Chunks hold at most 1000 members, carry `chunk_index`/`chunk_count` and
//! the request's `nonce` (dropped when longer than 32 bytes), and presences
//! when asked for and the session has `GUILD_PRESENCES`.

use std::sync::Arc;
use std::time::Instant;

use serde::Deserialize;
use tether_model::Intents;
use tether_model::gateway::event::{MemberChunk, RateLimited, RateLimitedMeta};
use tether_model::guild::Member;
use tether_model::id::{GuildId, UserId};

use super::dispatch::{presence_of, to_json};
use super::{ConnectionId, Core};
use crate::world::{GuildRecord, World};

/// Members per `GUILD_MEMBERS_CHUNK`.
pub(crate) const CHUNK: usize = 1000;
/// Members a query or a `user_ids` list returns at most.
const QUERY_LIMIT: usize = 100;
/// Longest nonce echoed back.
const MAX_NONCE: usize = 32;

/// Members whose username, display name or nickname starts with `query`
/// (ignoring case), at most `limit` (1 to 100).
fn query_members(
    world: &World,
    record: &GuildRecord,
    query: &str,
    limit: Option<u64>,
) -> Vec<UserId> {
    let query = query.to_lowercase();
    let limit = usize::try_from(limit.unwrap_or(0))
        .unwrap_or(QUERY_LIMIT)
        .clamp(1, QUERY_LIMIT);
    record
        .members
        .iter()
        .filter(|(u, m)| {
            let Some(user) = world.users.get(u) else {
                return false;
            };
            [
                Some(user.user.username.as_str()),
                user.user.global_name.as_deref(),
                m.nick.as_deref(),
            ]
            .into_iter()
            .flatten()
            .any(|n| n.to_lowercase().starts_with(&query))
        })
        .map(|(u, _)| *u)
        .take(limit)
        .collect()
}

#[derive(Deserialize)]
struct RequestIn {
    guild_id: GuildId,
    #[serde(default)]
    query: Option<String>,
    #[serde(default)]
    limit: Option<u64>,
    #[serde(default)]
    presences: Option<bool>,
    #[serde(default)]
    user_ids: Option<OneOrMany>,
    #[serde(default)]
    nonce: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(UserId),
    Many(Vec<UserId>),
}

impl Core {
    pub(super) fn request_members(&mut self, now: Instant, id: ConnectionId, d: &str) {
        let Ok(request) = serde_json::from_str::<RequestIn>(d) else {
            return self.close(now, id, 4001, "invalid request guild members payload");
        };
        if request.query.is_none() && request.user_ids.is_none() {
            return self.close(
                now,
                id,
                4001,
                "request guild members needs query or user_ids",
            );
        }
        let Some((key, user)) = self.session_key_of(id) else {
            return;
        };
        let Some(session) = self.sessions.get(&key) else {
            return;
        };
        let intents = session.intents;
        let application = session.application;
        let guild = request.guild_id;
        let nonce = request.nonce.filter(|n| n.len() <= MAX_NONCE);
        let presences =
            request.presences == Some(true) && intents.contains(Intents::GUILD_PRESENCES);
        let everyone = request.user_ids.is_none()
            && request.query.as_deref() == Some("")
            && request.limit.unwrap_or(0) == 0;
        if everyone && intents.contains(Intents::GUILD_MEMBERS) {
            let interval = self.config.member_request_interval;
            let state = self.app_state(now, application);
            if let Some(last) = state.member_requests.get(&guild).copied() {
                let waited = now.saturating_duration_since(last);
                if waited < interval {
                    let event = RateLimited {
                        opcode: 8,
                        retry_after: interval.saturating_sub(waited).as_secs_f64(),
                        meta: RateLimitedMeta {
                            guild_id: Some(guild),
                            nonce,
                        },
                    };
                    return self.deliver(now, key, "RATE_LIMITED", to_json(&event), true);
                }
            }
            state.member_requests.insert(guild, now);
        }
        let Some(record) = self
            .world
            .guilds
            .get(&guild)
            .filter(|g| g.members.contains_key(&user))
        else {
            // Not the bot's guild: answer with nothing found rather than hang the client.
            let not_found = match request.user_ids {
                Some(OneOrMany::One(u)) => vec![u],
                Some(OneOrMany::Many(list)) => list.into_iter().take(QUERY_LIMIT).collect(),
                None => Vec::new(),
            };
            return self.send_chunks(now, key, guild, &[], &not_found, nonce.as_deref(), false);
        };
        let (members, not_found): (Vec<UserId>, Vec<UserId>) = match request.user_ids {
            Some(ids) => {
                let ids = match ids {
                    OneOrMany::One(u) => vec![u],
                    OneOrMany::Many(list) => list.into_iter().take(QUERY_LIMIT).collect(),
                };
                ids.into_iter()
                    .partition(|u| record.members.contains_key(u))
            }
            None if everyone && !intents.contains(Intents::GUILD_MEMBERS) => {
                (Vec::new(), Vec::new())
            }
            None if everyone => (record.members.keys().copied().collect(), Vec::new()),
            None => {
                let query = request.query.unwrap_or_default();
                (
                    query_members(&self.world, record, &query, request.limit),
                    Vec::new(),
                )
            }
        };
        self.send_chunks(
            now,
            key,
            guild,
            &members,
            &not_found,
            nonce.as_deref(),
            presences,
        );
    }

    #[expect(clippy::too_many_arguments, reason = "one chunk answer, spelled out")]
    fn send_chunks(
        &mut self,
        now: Instant,
        key: u64,
        guild: GuildId,
        members: &[UserId],
        not_found: &[UserId],
        nonce: Option<&str>,
        presences: bool,
    ) {
        let count = members.len().div_ceil(CHUNK).max(1);
        let chunk_count = u32::try_from(count).unwrap_or(u32::MAX);
        let mut chunks = Vec::with_capacity(count);
        let mut users = members.chunks(CHUNK);
        for index in 0..chunk_count {
            let part = users.next().unwrap_or_default();
            let rendered: Vec<Member> = part
                .iter()
                .filter_map(|u| self.world.member(guild, *u))
                .collect();
            let presence_list = if presences {
                part.iter()
                    .filter_map(|u| presence_of(&self.world, *u, None))
                    .collect()
            } else {
                Vec::new()
            };
            let chunk = MemberChunk {
                guild_id: guild,
                members: rendered,
                chunk_index: index,
                chunk_count,
                not_found: if index == 0 {
                    not_found.to_vec()
                } else {
                    Vec::new()
                },
                presences: presence_list,
                nonce: nonce.map(str::to_owned),
            };
            chunks.push(to_json(&chunk));
        }
        for d in chunks {
            self.deliver(now, key, "GUILD_MEMBERS_CHUNK", Arc::clone(&d), true);
        }
    }
}
