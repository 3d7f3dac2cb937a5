//! Loading a [`World`] from TOML.
//!
//! Entries refer to each other by name (bots and users share one name
//! space). Ids are generated from a fixed instant, so a file gives the same
//! ids on every load; an entry may pin its id with `id = "…"`.

use std::collections::HashMap;

use serde::Deserialize;
use tether_model::application::flags;
use tether_model::id::{ApplicationId, ChannelId, GuildId, UserId};
use tether_model::permissions::Permissions;
use tether_model::presence::Status;

use super::World;
use crate::error::Error;
use crate::snowflake::WORLD_EPOCH_UNIX_MS;

/// Upper bound on generated users and guilds, so that a typo cannot eat the
/// machine's memory.
const MAX_GENERATED: u32 = 500_000;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WorldFile {
    #[serde(default)]
    bots: Vec<BotEntry>,
    #[serde(default)]
    users: Vec<UserEntry>,
    #[serde(default)]
    guilds: Vec<GuildEntry>,
    #[serde(default)]
    generate: Generate,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BotEntry {
    name: String,
    token: String,
    #[serde(default = "all_privileged")]
    privileged_intents: Vec<String>,
    #[serde(default)]
    application_id: Option<ApplicationId>,
    #[serde(default)]
    id: Option<UserId>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UserEntry {
    name: String,
    #[serde(default)]
    status: Option<Status>,
    #[serde(default)]
    id: Option<UserId>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GuildEntry {
    name: String,
    #[serde(default)]
    id: Option<GuildId>,
    #[serde(default)]
    owner: Option<String>,
    #[serde(default)]
    members: Option<Vec<String>>,
    #[serde(default)]
    channels: Vec<ChannelEntry>,
    #[serde(default)]
    roles: Vec<RoleEntry>,
    #[serde(default)]
    extra_members: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChannelEntry {
    name: String,
    #[serde(default, rename = "type")]
    kind: u8,
    #[serde(default)]
    topic: Option<String>,
    #[serde(default)]
    id: Option<ChannelId>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RoleEntry {
    name: String,
    #[serde(default)]
    permissions: Option<Permissions>,
    #[serde(default)]
    members: Vec<String>,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Generate {
    #[serde(default)]
    guilds: u32,
}

fn all_privileged() -> Vec<String> {
    ["guild_members", "guild_presences", "message_content"]
        .map(str::to_owned)
        .to_vec()
}

pub(super) fn parse(text: &str) -> Result<World, Error> {
    let file: WorldFile = toml::from_str(text).map_err(|e| {
        Error::with_source(
            crate::ErrorKind::InvalidWorld {
                reason: "the TOML does not describe a world".to_owned(),
            },
            e,
        )
    })?;
    let mut world = World::new();
    let mut names: HashMap<String, UserId> = HashMap::new();
    for bot in &file.bots {
        add_bot(&mut world, &mut names, bot)?;
    }
    for user in &file.users {
        let id = world.add_user_at(AT, &user.name, user.id);
        if let Some(status) = user.status {
            world.set_status(id, status)?;
        }
        insert_name(&mut names, &user.name, id)?;
    }
    for entry in &file.guilds {
        add_guild(&mut world, &names, entry)?;
    }
    generate_guilds(&mut world, file.generate.guilds)?;
    Ok(world)
}

/// Every entry's ids come from this instant.
const AT: u64 = WORLD_EPOCH_UNIX_MS;

fn add_bot(
    world: &mut World,
    names: &mut HashMap<String, UserId>,
    bot: &BotEntry,
) -> Result<(), Error> {
    let mut app_flags = 0;
    for intent in &bot.privileged_intents {
        app_flags |= match intent.to_ascii_lowercase().as_str() {
            "guild_members" => flags::GATEWAY_GUILD_MEMBERS,
            "guild_presences" => flags::GATEWAY_PRESENCE,
            "message_content" => flags::GATEWAY_MESSAGE_CONTENT,
            other => {
                return Err(Error::world(format!(
                    "bot {:?}: {other:?} is not a privileged intent \
                     (guild_members, guild_presences, message_content)",
                    bot.name
                )));
            }
        };
    }
    let pinned = match (bot.application_id, bot.id) {
        (Some(app), Some(user)) => Some((app, user)),
        (None, None) => None,
        _ => {
            return Err(Error::world(format!(
                "bot {:?}: pin both application_id and id, or neither",
                bot.name
            )));
        }
    };
    let id = world.add_bot_at(AT, &bot.name, &bot.token, app_flags, pinned);
    insert_name(names, &bot.name, id)
}

fn add_guild(
    world: &mut World,
    names: &HashMap<String, UserId>,
    entry: &GuildEntry,
) -> Result<(), Error> {
    let lookup = |name: &str| {
        names
            .get(name)
            .copied()
            .ok_or_else(|| Error::world(format!("guild {:?}: unknown user {name:?}", entry.name)))
    };
    let owner = match &entry.owner {
        Some(name) => lookup(name)?,
        None => world
            .users
            .values()
            .find(|u| !u.user.bot)
            .or_else(|| world.users.values().next())
            .map(|u| u.user.id)
            .ok_or_else(|| Error::world(format!("guild {:?}: no user to own it", entry.name)))?,
    };
    let guild = world.add_guild_at(AT, &entry.name, owner, entry.id);
    let members = match &entry.members {
        Some(list) => list
            .iter()
            .map(|n| lookup(n))
            .collect::<Result<Vec<_>, _>>()?,
        None => world.users.keys().copied().collect(),
    };
    for member in members {
        world.add_member_at(AT, guild, member)?;
    }
    for channel in &entry.channels {
        let id = world.add_channel_at(AT, guild, &channel.name, channel.kind, channel.id)?;
        if let (Some(topic), Some(record)) = (&channel.topic, world.channels.get_mut(&id)) {
            record.channel.topic = Some(topic.clone());
        }
    }
    for role in &entry.roles {
        let permissions = role.permissions.unwrap_or_default();
        let id = world.add_role_at(AT, guild, &role.name, permissions)?.id;
        for name in &role.members {
            let user = lookup(name)?;
            world.add_member_at(AT, guild, user)?;
            world.grant_role(guild, user, id)?;
        }
    }
    if entry.extra_members > MAX_GENERATED {
        return Err(Error::world(format!(
            "guild {:?}: extra_members is capped at {MAX_GENERATED}",
            entry.name
        )));
    }
    for n in 0..entry.extra_members {
        let user = world.add_user_at(AT, &format!("{}-member-{n}", entry.name), None);
        world.set_status(user, Status::Offline)?;
        world.add_member_at(AT, guild, user)?;
    }
    Ok(())
}

/// `[generate] guilds = n`: guilds with every bot and a `#general`.
fn generate_guilds(world: &mut World, count: u32) -> Result<(), Error> {
    if count > MAX_GENERATED {
        return Err(Error::world(format!(
            "generate.guilds is capped at {MAX_GENERATED}"
        )));
    }
    let bots: Vec<UserId> = world.bots.values().map(|b| b.user_id).collect();
    let owner = world
        .users
        .values()
        .find(|u| !u.user.bot)
        .map(|u| u.user.id);
    for n in 0..count {
        let Some(owner) = owner.or_else(|| bots.first().copied()) else {
            return Err(Error::world(
                "generate.guilds needs a user to own the guilds",
            ));
        };
        let guild = world.add_guild_at(AT, &format!("generated-{n}"), owner, None);
        for bot in &bots {
            world.add_member_at(AT, guild, *bot)?;
        }
        world.add_channel_at(AT, guild, "general", 0, None)?;
    }
    Ok(())
}

fn insert_name(names: &mut HashMap<String, UserId>, name: &str, id: UserId) -> Result<(), Error> {
    if names.insert(name.to_owned(), id).is_some() {
        return Err(Error::world(format!("the name {name:?} is used twice")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn example_file_loads() {
        let world = World::from_toml(include_str!("../../examples/world.toml")).unwrap();
        let primary = world.primary().unwrap();
        assert_eq!(primary.bot.name, "Tether Bot");
        assert!(world.guild_ids().len() >= 2);
    }

    #[test]
    fn same_file_same_ids() {
        let text = "[[bots]]\nname = \"b\"\ntoken = \"t\"\n[[users]]\nname = \"u\"\n\
                    [[guilds]]\nname = \"g\"\nchannels = [{ name = \"c\" }]\n";
        let a = World::from_toml(text).unwrap();
        let b = World::from_toml(text).unwrap();
        assert_eq!(a.guild_ids(), b.guild_ids());
        let guild = a.guild_ids()[0];
        assert_eq!(a.members(guild).len(), 2, "members default to everyone");
    }

    #[test]
    fn errors_name_the_problem() {
        for (text, needle) in [
            ("[[bots]]\nname = \"b\"\n", "does not describe"),
            (
                "[[guilds]]\nname = \"g\"\nmembers = [\"nobody\"]\n[[users]]\nname = \"u\"\n",
                "nobody",
            ),
            (
                "[[bots]]\nname = \"b\"\ntoken = \"t\"\nprivileged_intents = [\"guilds\"]\n",
                "guilds",
            ),
            (
                "[[users]]\nname = \"u\"\n[[users]]\nname = \"u\"\n",
                "twice",
            ),
            ("bogus = 1\n", "does not describe"),
        ] {
            let err = World::from_toml(text).unwrap_err();
            let ErrorKind::InvalidWorld { reason } = err.kind() else {
                panic!("{err:?}")
            };
            assert!(reason.contains(needle), "{reason} lacks {needle}");
        }
    }

    #[test]
    fn generated_guilds_hold_every_bot() {
        let world =
            World::from_toml("[[bots]]\nname = \"b\"\ntoken = \"t\"\n[generate]\nguilds = 10\n")
                .unwrap();
        let bot = world.bots()[0].user_id;
        assert_eq!(world.guilds_of(bot).len(), 10);
    }
}
