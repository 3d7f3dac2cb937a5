//! The emulated Discord's state: applications, users, guilds, channels,
//! roles, members, messages, reactions and voice states.
//!
//! A [`World`] is plain data with no events: build one before starting the
//! emulator ([`World::demo`], [`World::from_toml`] or the `add_*` methods),
//! then change it at run time through the [`Core`](crate::Core) (or the
//! handle), which also tells the connected bots.

mod file;

use std::collections::BTreeMap;

use tether_model::channel::Channel;
use tether_model::guild::{Emoji, Guild, Member, Role};
use tether_model::id::{ApplicationId, ChannelId, GuildId, MessageId, RoleId, UserId};
use tether_model::message::{Message, Reaction};
use tether_model::permissions::Permissions;
use tether_model::presence::{Activity, Status};
use tether_model::user::User;
use tether_model::voice::VoiceState;
use tether_model::{Timestamp, Token};

use crate::error::{Entity, Error};
use crate::snowflake::{Snowflakes, WORLD_EPOCH_UNIX_MS};

/// Channel types messages can be sent in: text, DM, group DM,
/// announcement, threads, voice (text in voice).
const TEXT_KINDS: [u8; 8] = [0, 1, 2, 3, 5, 10, 11, 12];

/// The demo world's bot token.
pub const DEMO_TOKEN: &str = "tether-demo-token.emulator.local";

/// Permissions of the `@everyone` role of new guilds: view, send, read
/// history, react, embed, attach, connect, speak.
const EVERYONE_PERMISSIONS: Permissions = Permissions::VIEW_CHANNEL
    .union(Permissions::SEND_MESSAGES)
    .union(Permissions::READ_MESSAGE_HISTORY)
    .union(Permissions::ADD_REACTIONS)
    .union(Permissions::EMBED_LINKS)
    .union(Permissions::ATTACH_FILES)
    .union(Permissions::CONNECT)
    .union(Permissions::SPEAK);

/// A bot: its application and its user.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Bot {
    /// Application id.
    pub application_id: ApplicationId,
    /// The bot's user id.
    pub user_id: UserId,
    /// Application (and bot user) name.
    pub name: String,
    /// Bot token.
    pub token: Token,
    /// Application flags; the `GATEWAY_*` bits of
    /// [`tether_model::application::flags`] decide which privileged intents
    /// the bot may send in Identify.
    pub flags: u64,
}

/// The emulated Discord's state.
///
/// ```
/// use tether_emulator::World;
///
/// let world = World::demo();
/// let bot = &world.bots()[0];
/// assert_eq!(bot.name, "Tether Bot");
/// let guild = world.guilds_of(bot.user_id)[0];
/// assert_eq!(world.guild(guild).unwrap().name, "Tether Test Guild");
/// ```
#[derive(Clone, Debug, Default)]
pub struct World {
    pub(crate) ids: Snowflakes,
    pub(crate) bots: BTreeMap<ApplicationId, Bot>,
    pub(crate) users: BTreeMap<UserId, UserRecord>,
    pub(crate) guilds: BTreeMap<GuildId, GuildRecord>,
    pub(crate) channels: BTreeMap<ChannelId, ChannelRecord>,
}

#[derive(Clone, Debug)]
pub(crate) struct UserRecord {
    pub(crate) user: User,
    pub(crate) status: Status,
    pub(crate) activities: Vec<Activity>,
}

#[derive(Clone, Debug)]
pub(crate) struct GuildRecord {
    /// The guild's own fields (roles included, no members or channels).
    pub(crate) guild: Guild,
    /// Members, stored without `user` (it is joined in when rendered).
    pub(crate) members: BTreeMap<UserId, Member>,
    pub(crate) channels: Vec<ChannelId>,
    pub(crate) voice: BTreeMap<UserId, VoiceState>,
}

#[derive(Clone, Debug)]
pub(crate) struct ChannelRecord {
    pub(crate) channel: Channel,
    pub(crate) messages: BTreeMap<MessageId, StoredMessage>,
}

#[derive(Clone, Debug)]
pub(crate) struct StoredMessage {
    /// The gateway form (with `guild_id` and the author's `member`).
    pub(crate) message: Message,
    pub(crate) reactions: Vec<StoredReaction>,
}

#[derive(Clone, Debug)]
pub(crate) struct StoredReaction {
    pub(crate) emoji: Emoji,
    pub(crate) users: Vec<UserId>,
}

/// The ids a handle offers as defaults: the first bot, guild, text channel
/// and human of a world.
#[derive(Clone, Debug)]
pub(crate) struct Primary {
    pub(crate) bot: Bot,
    pub(crate) guild: GuildId,
    pub(crate) channel: ChannelId,
    pub(crate) human: UserId,
}

impl World {
    /// An empty world: no bots, users or guilds.
    pub fn new() -> Self {
        Self::default()
    }

    /// The demo world: a bot "Tether Bot" (token [`DEMO_TOKEN`], every
    /// privileged intent enabled), a user "alice" (online), and a guild
    /// "Tether Test Guild" (owned by alice) with a text channel `#general`
    /// and both as members. Its ids are the same on every call.
    pub fn demo() -> Self {
        let mut world = Self::new();
        let bot = world.add_bot("Tether Bot", DEMO_TOKEN, all_privileged_flags());
        let alice = world.add_user("alice");
        let guild = world.add_guild("Tether Test Guild", alice);
        // The ids are fresh, so these cannot fail.
        let _ = world.add_member(guild, bot);
        let _ = world.add_channel(guild, "general", 0);
        world
    }

    /// A world from its TOML description; see `examples/world.toml` for
    /// the format.
    ///
    /// ```
    /// let world = tether_emulator::World::from_toml(r#"
    ///     [[bots]]
    ///     name = "Echo"
    ///     token = "echo-token"
    ///     [[users]]
    ///     name = "bob"
    ///     [[guilds]]
    ///     name = "Lab"
    ///     channels = [{ name = "general" }]
    /// "#)?;
    /// assert_eq!(world.bots()[0].name, "Echo");
    /// # Ok::<(), tether_emulator::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidWorld`](crate::ErrorKind::InvalidWorld) for TOML
    /// that does not parse or names unknown users.
    pub fn from_toml(text: &str) -> Result<Self, Error> {
        file::parse(text)
    }

    /// A world from a TOML file.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidWorld`](crate::ErrorKind::InvalidWorld) when the
    /// file cannot be read or is invalid.
    pub fn load(path: impl AsRef<std::path::Path>) -> Result<Self, Error> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::with_source(
                crate::ErrorKind::InvalidWorld {
                    reason: format!("cannot read {}", path.display()),
                },
                e,
            )
        })?;
        Self::from_toml(&text)
    }

    /// Adds a bot (an application and its bot user) and returns the bot's
    /// user id. `flags` are application flags (see [`Bot::flags`]).
    pub fn add_bot(&mut self, name: &str, token: &str, flags: u64) -> UserId {
        self.add_bot_at(WORLD_EPOCH_UNIX_MS, name, token, flags, None)
    }

    /// Adds a simulated human and returns their id. They start online.
    pub fn add_user(&mut self, name: &str) -> UserId {
        self.add_user_at(WORLD_EPOCH_UNIX_MS, name, None)
    }

    /// Adds a guild owned (and joined) by `owner`, with an `@everyone` role.
    pub fn add_guild(&mut self, name: &str, owner: UserId) -> GuildId {
        self.add_guild_at(WORLD_EPOCH_UNIX_MS, name, owner, None)
    }

    /// Adds a channel to a guild; `kind` is Discord's channel type (0 text,
    /// 2 voice, 4 category, 5 announcement, …).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::NotFound`](crate::ErrorKind::NotFound) for an unknown guild.
    pub fn add_channel(
        &mut self,
        guild: GuildId,
        name: &str,
        kind: u8,
    ) -> Result<ChannelId, Error> {
        self.add_channel_at(WORLD_EPOCH_UNIX_MS, guild, name, kind, None)
    }

    /// Makes a user a member of a guild (nothing happens if they are one).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::NotFound`](crate::ErrorKind::NotFound) for an unknown
    /// guild or user.
    pub fn add_member(&mut self, guild: GuildId, user: UserId) -> Result<(), Error> {
        self.add_member_at(WORLD_EPOCH_UNIX_MS, guild, user)
            .map(drop)
    }

    /// Adds a role to a guild.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::NotFound`](crate::ErrorKind::NotFound) for an unknown guild.
    pub fn add_role(
        &mut self,
        guild: GuildId,
        name: &str,
        permissions: Permissions,
    ) -> Result<RoleId, Error> {
        self.add_role_at(WORLD_EPOCH_UNIX_MS, guild, name, permissions)
            .map(|role| role.id)
    }

    /// Gives a member a role.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::NotFound`](crate::ErrorKind::NotFound) for an unknown
    /// guild, member or role.
    pub fn grant_role(&mut self, guild: GuildId, user: UserId, role: RoleId) -> Result<(), Error> {
        let record = self.guild_record_mut(guild)?;
        if !record.guild.roles.iter().any(|r| r.id == role) {
            return Err(Error::not_found(Entity::Role));
        }
        let member = record
            .members
            .get_mut(&user)
            .ok_or(Error::not_found(Entity::Member))?;
        if !member.roles.contains(&role) {
            member.roles.push(role);
        }
        Ok(())
    }

    /// Sets a user's status (as seen in presences).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::NotFound`](crate::ErrorKind::NotFound) for an unknown user.
    pub fn set_status(&mut self, user: UserId, status: Status) -> Result<(), Error> {
        let record = self
            .users
            .get_mut(&user)
            .ok_or(Error::not_found(Entity::User))?;
        record.status = status;
        Ok(())
    }

    /// Every bot, in creation order.
    pub fn bots(&self) -> Vec<Bot> {
        self.bots.values().cloned().collect()
    }

    /// The bot whose user is `user`.
    pub fn bot(&self, user: UserId) -> Option<&Bot> {
        self.bots.values().find(|b| b.user_id == user)
    }

    /// A user.
    pub fn user(&self, id: UserId) -> Option<User> {
        self.users.get(&id).map(|r| r.user.clone())
    }

    /// Every user (bots included), in creation order.
    pub fn users(&self) -> Vec<User> {
        self.users.values().map(|r| r.user.clone()).collect()
    }

    /// A user's status.
    pub fn status(&self, id: UserId) -> Option<Status> {
        self.users.get(&id).map(|r| r.status)
    }

    /// A guild as `GET /guilds/{id}` returns it (roles, no members or channels).
    pub fn guild(&self, id: GuildId) -> Option<Guild> {
        self.guilds.get(&id).map(|r| r.guild.clone())
    }

    /// Every guild id, in creation order.
    pub fn guild_ids(&self) -> Vec<GuildId> {
        self.guilds.keys().copied().collect()
    }

    /// The guilds a user is a member of.
    pub fn guilds_of(&self, user: UserId) -> Vec<GuildId> {
        self.guilds
            .iter()
            .filter(|(_, g)| g.members.contains_key(&user))
            .map(|(id, _)| *id)
            .collect()
    }

    /// A channel (with its `guild_id`).
    pub fn channel(&self, id: ChannelId) -> Option<Channel> {
        self.channels.get(&id).map(|r| r.channel.clone())
    }

    /// A guild's channels, in creation order.
    pub fn channels(&self, guild: GuildId) -> Vec<Channel> {
        self.guilds.get(&guild).map_or_else(Vec::new, |g| {
            g.channels.iter().filter_map(|c| self.channel(*c)).collect()
        })
    }

    /// A guild's threads, archived ones included, in creation order. They
    /// are not among [`channels`](Self::channels), as on Discord.
    pub fn threads(&self, guild: GuildId) -> Vec<Channel> {
        self.channels
            .values()
            .filter(|r| r.channel.guild_id == Some(guild) && r.channel.is_thread())
            .map(|r| r.channel.clone())
            .collect()
    }

    /// A guild member, with their user.
    pub fn member(&self, guild: GuildId, user: UserId) -> Option<Member> {
        let member = self.guilds.get(&guild)?.members.get(&user)?;
        Some(self.render_member(user, member))
    }

    /// A guild's members, with their users, by user id.
    pub fn members(&self, guild: GuildId) -> Vec<Member> {
        self.guilds.get(&guild).map_or_else(Vec::new, |g| {
            g.members
                .iter()
                .map(|(id, m)| self.render_member(*id, m))
                .collect()
        })
    }

    /// A guild's roles.
    pub fn roles(&self, guild: GuildId) -> Vec<Role> {
        self.guilds
            .get(&guild)
            .map_or_else(Vec::new, |g| g.guild.roles.clone())
    }

    /// A message, as REST returns it.
    pub fn message(&self, channel: ChannelId, id: MessageId) -> Option<Message> {
        let stored = self.channels.get(&channel)?.messages.get(&id)?;
        Some(render_message(stored, None))
    }

    /// A channel's messages, oldest first (at most the configured history).
    pub fn messages(&self, channel: ChannelId) -> Vec<Message> {
        self.channels.get(&channel).map_or_else(Vec::new, |c| {
            c.messages
                .values()
                .map(|m| render_message(m, None))
                .collect()
        })
    }

    pub(crate) fn primary(&self) -> Result<Primary, Error> {
        let bot = self
            .bots
            .values()
            .next()
            .cloned()
            .ok_or_else(|| Error::world("the world has no bot"))?;
        let (guild, channel) = self
            .guilds
            .iter()
            .find_map(|(id, g)| {
                let channel = g
                    .channels
                    .iter()
                    .find(|c| self.channels.get(c).is_some_and(|r| r.channel.kind == 0))?;
                Some((*id, *channel))
            })
            .ok_or_else(|| Error::world("the world has no guild with a text channel"))?;
        let human = self
            .users
            .values()
            .find(|u| !u.user.bot)
            .map(|u| u.user.id)
            .ok_or_else(|| Error::world("the world has no human user"))?;
        Ok(Primary {
            bot,
            guild,
            channel,
            human,
        })
    }

    pub(crate) fn bot_by_token(&self, token: &str) -> Option<&Bot> {
        self.bots.values().find(|b| b.token.expose() == token)
    }

    pub(crate) fn render_member(&self, user: UserId, member: &Member) -> Member {
        let mut member = member.clone();
        member.user = self.users.get(&user).map(|r| r.user.clone());
        member
    }

    pub(crate) fn is_member(&self, guild: GuildId, user: UserId) -> bool {
        self.guilds
            .get(&guild)
            .is_some_and(|g| g.members.contains_key(&user))
    }

    pub(crate) fn guild_record_mut(&mut self, guild: GuildId) -> Result<&mut GuildRecord, Error> {
        self.guilds
            .get_mut(&guild)
            .ok_or(Error::not_found(Entity::Guild))
    }

    /// Checks that `user` may see and write in `channel` (a member of its
    /// guild, or a recipient of the DM) and returns the channel.
    pub(crate) fn writable_channel(
        &self,
        user: UserId,
        channel: ChannelId,
    ) -> Result<&ChannelRecord, Error> {
        let record = self
            .channels
            .get(&channel)
            .ok_or(Error::not_found(Entity::Channel))?;
        let allowed = match record.channel.guild_id {
            Some(guild) => self.is_member(guild, user),
            None => record.channel.recipients.iter().any(|r| r.id == user),
        };
        if !allowed {
            return Err(Error::forbidden(50001, "missing access"));
        }
        Ok(record)
    }

    pub(crate) fn is_text(kind: u8) -> bool {
        TEXT_KINDS.contains(&kind)
    }

    pub(crate) fn add_bot_at(
        &mut self,
        unix_ms: u64,
        name: &str,
        token: &str,
        flags: u64,
        pinned: Option<(ApplicationId, UserId)>,
    ) -> UserId {
        let (application_id, user_id) = pinned.unwrap_or_else(|| {
            let app = ApplicationId::new(self.ids.next(unix_ms));
            (app, UserId::new(self.ids.next(unix_ms)))
        });
        self.ids.observe(application_id.get());
        self.ids.observe(user_id.get());
        let user = User {
            id: user_id,
            username: name.to_owned(),
            discriminator: format!("{:04}", user_id.get() % 10_000),
            global_name: None,
            avatar: None,
            bot: true,
            system: false,
            public_flags: Some(0),
        };
        self.users.insert(
            user_id,
            UserRecord {
                user,
                status: Status::Offline,
                activities: Vec::new(),
            },
        );
        self.bots.insert(
            application_id,
            Bot {
                application_id,
                user_id,
                name: name.to_owned(),
                token: Token::new(token),
                flags,
            },
        );
        user_id
    }

    pub(crate) fn add_user_at(
        &mut self,
        unix_ms: u64,
        name: &str,
        pinned: Option<UserId>,
    ) -> UserId {
        let id = pinned.unwrap_or_else(|| UserId::new(self.ids.next(unix_ms)));
        self.ids.observe(id.get());
        let user = User {
            id,
            username: name.to_owned(),
            discriminator: "0".to_owned(),
            global_name: Some(name.to_owned()),
            avatar: None,
            bot: false,
            system: false,
            public_flags: Some(0),
        };
        self.users.insert(
            id,
            UserRecord {
                user,
                status: Status::Online,
                activities: Vec::new(),
            },
        );
        id
    }

    pub(crate) fn add_guild_at(
        &mut self,
        unix_ms: u64,
        name: &str,
        owner: UserId,
        pinned: Option<GuildId>,
    ) -> GuildId {
        let id = pinned.unwrap_or_else(|| GuildId::new(self.ids.next(unix_ms)));
        self.ids.observe(id.get());
        let everyone = Role {
            id: RoleId::new(id.get()),
            name: "@everyone".to_owned(),
            permissions: EVERYONE_PERMISSIONS,
            ..Role::default()
        };
        let guild = Guild {
            id,
            name: name.to_owned(),
            owner_id: owner,
            roles: vec![everyone],
            preferred_locale: "en-US".to_owned(),
            ..Guild::default()
        };
        self.guilds.insert(
            id,
            GuildRecord {
                guild,
                members: BTreeMap::new(),
                channels: Vec::new(),
                voice: BTreeMap::new(),
            },
        );
        let _ = self.add_member_at(unix_ms, id, owner);
        id
    }

    pub(crate) fn add_channel_at(
        &mut self,
        unix_ms: u64,
        guild: GuildId,
        name: &str,
        kind: u8,
        pinned: Option<ChannelId>,
    ) -> Result<ChannelId, Error> {
        if !self.guilds.contains_key(&guild) {
            return Err(Error::not_found(Entity::Guild));
        }
        let id = pinned.unwrap_or_else(|| ChannelId::new(self.ids.next(unix_ms)));
        self.ids.observe(id.get());
        let record = self.guild_record_mut(guild)?;
        let position = i32::try_from(record.channels.len()).unwrap_or(i32::MAX);
        record.channels.push(id);
        if kind == 0 && record.guild.system_channel_id.is_none() {
            record.guild.system_channel_id = Some(id);
        }
        let voice = matches!(kind, 2 | 13);
        let channel = Channel {
            id,
            kind,
            guild_id: Some(guild),
            position: Some(position),
            name: Some(name.to_owned()),
            topic: if voice { None } else { Some(String::new()) },
            rate_limit_per_user: Some(0),
            bitrate: voice.then_some(64_000),
            user_limit: voice.then_some(0),
            ..Channel::default()
        };
        self.channels.insert(
            id,
            ChannelRecord {
                channel,
                messages: BTreeMap::new(),
            },
        );
        Ok(id)
    }

    /// Adds a member; returns `None` when the user was a member already.
    pub(crate) fn add_member_at(
        &mut self,
        unix_ms: u64,
        guild: GuildId,
        user: UserId,
    ) -> Result<Option<Member>, Error> {
        if !self.users.contains_key(&user) {
            return Err(Error::not_found(Entity::User));
        }
        let record = self.guild_record_mut(guild)?;
        if record.members.contains_key(&user) {
            return Ok(None);
        }
        let micros = i64::try_from(unix_ms.saturating_mul(1000)).unwrap_or(i64::MAX);
        let member = Member {
            joined_at: Some(Timestamp::from_micros(micros)),
            pending: Some(false),
            ..Member::default()
        };
        record.members.insert(user, member.clone());
        Ok(Some(member))
    }

    pub(crate) fn add_role_at(
        &mut self,
        unix_ms: u64,
        guild: GuildId,
        name: &str,
        permissions: Permissions,
    ) -> Result<Role, Error> {
        if !self.guilds.contains_key(&guild) {
            return Err(Error::not_found(Entity::Guild));
        }
        let id = RoleId::new(self.ids.next(unix_ms));
        let record = self.guild_record_mut(guild)?;
        let position = i32::try_from(record.guild.roles.len()).unwrap_or(i32::MAX);
        let role = Role {
            id,
            name: name.to_owned(),
            position,
            permissions,
            mentionable: true,
            ..Role::default()
        };
        record.guild.roles.push(role.clone());
        Ok(role)
    }

    /// Opens (or finds) the DM channel between two users.
    pub(crate) fn dm_channel_at(
        &mut self,
        unix_ms: u64,
        a: UserId,
        b: UserId,
    ) -> Result<ChannelId, Error> {
        let (Some(ua), Some(ub)) = (self.user(a), self.user(b)) else {
            return Err(Error::not_found(Entity::User));
        };
        let existing = self.channels.values().find(|c| {
            c.channel.kind == 1
                && c.channel.recipients.iter().any(|r| r.id == a)
                && c.channel.recipients.iter().any(|r| r.id == b)
        });
        if let Some(existing) = existing {
            return Ok(existing.channel.id);
        }
        let id = ChannelId::new(self.ids.next(unix_ms));
        let recipients = if a == b { vec![ua] } else { vec![ua, ub] };
        self.channels.insert(
            id,
            ChannelRecord {
                channel: Channel {
                    id,
                    kind: 1,
                    recipients,
                    ..Channel::default()
                },
                messages: BTreeMap::new(),
            },
        );
        Ok(id)
    }
}

/// The application flags enabling all three privileged intents.
pub(crate) const fn all_privileged_flags() -> u64 {
    use tether_model::application::flags;
    flags::GATEWAY_PRESENCE | flags::GATEWAY_GUILD_MEMBERS | flags::GATEWAY_MESSAGE_CONTENT
}

/// A stored message as REST shows it to `viewer` (reaction `me` flags);
/// without `member`, which only gateway events carry.
pub(crate) fn render_message(stored: &StoredMessage, viewer: Option<UserId>) -> Message {
    let mut message = stored.message.clone();
    message.member = None;
    message.reactions = render_reactions(&stored.reactions, viewer);
    message
}

pub(crate) fn render_reactions(
    reactions: &[StoredReaction],
    viewer: Option<UserId>,
) -> Vec<Reaction> {
    reactions
        .iter()
        .filter(|r| !r.users.is_empty())
        .map(|r| Reaction {
            count: u32::try_from(r.users.len()).unwrap_or(u32::MAX),
            me: viewer.is_some_and(|v| r.users.contains(&v)),
            emoji: r.emoji.clone(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_is_deterministic_and_complete() {
        let a = World::demo();
        let b = World::demo();
        assert_eq!(a.guild_ids(), b.guild_ids());
        let primary = a.primary().unwrap();
        assert_eq!(primary.bot.name, "Tether Bot");
        assert_eq!(primary.bot.token.expose(), DEMO_TOKEN);
        assert_eq!(a.user(primary.human).unwrap().username, "alice");
        assert_eq!(
            a.channel(primary.channel).unwrap().name.as_deref(),
            Some("general")
        );
        assert!(a.is_member(primary.guild, primary.bot.user_id));
        assert_eq!(a.guild(primary.guild).unwrap().owner_id, primary.human);
        assert_eq!(a.roles(primary.guild)[0].id.get(), primary.guild.get());
    }

    #[test]
    fn empty_world_has_no_primary() {
        assert!(World::new().primary().is_err());
    }

    #[test]
    fn dm_channels_are_reused() {
        let mut world = World::demo();
        let p = world.primary().unwrap();
        let a = world.dm_channel_at(0, p.human, p.bot.user_id).unwrap();
        let b = world.dm_channel_at(0, p.bot.user_id, p.human).unwrap();
        assert_eq!(a, b);
        assert!(world.writable_channel(p.human, a).is_ok());
    }
}
