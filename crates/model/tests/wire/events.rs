//! Core dispatch fixtures decode to the exact values Discord sent.

use tether_model::Timestamp;
use tether_model::gateway::Event;
use tether_model::gateway::event::{
    AddedThreadMember, MemberChunk, ReactionChange, Resumed, ThreadListSync, ThreadMembersUpdate,
};
use tether_model::id::{
    ApplicationId, AttachmentId, ChannelId, CommandId, EmojiId, GenericId, GuildId, MessageId,
    RoleId, UserId,
};
use tether_model::interaction::{CommandOption, OptionValue};
use tether_model::message::Nonce;
use tether_model::permissions::Permissions;
use tether_model::presence::{ClientStatus, Status};

use crate::common::{dispatch, expect_event};

const GUILD: GuildId = GuildId::new(290_926_798_626_357_250);
const GENERAL: ChannelId = ChannelId::new(290_926_798_999_357_250);
const MASON: UserId = UserId::new(53_908_099_506_183_680);
const NELLY: UserId = UserId::new(80_351_110_224_678_912);
const BOT: UserId = UserId::new(1_159_985_870_458_322_944);
const MODS: RoleId = RoleId::new(41_771_983_423_143_936);

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

#[test]
fn ready() {
    let ready = expect_event!(dispatch("READY"), Event::Ready);
    assert_eq!(ready.v, 10);
    assert_eq!(ready.user.user.id, BOT);
    assert_eq!(ready.user.user.username, "tether-bot");
    assert_eq!(ready.user.user.discriminator, "4242");
    assert!(ready.user.user.bot);
    assert_eq!(ready.user.user.global_name, None);
    assert_eq!(
        ready.user.user.avatar.as_deref(),
        Some("a_6c5996770c985bcd6e5b68131ff2ba04")
    );
    assert!(ready.user.mfa_enabled && ready.user.verified);
    assert_eq!(ready.user.locale.as_deref(), Some("en-US"));
    assert_eq!(ready.user.flags, Some(524_288));
    assert_eq!(ready.session_id, "d8e29ed6a1b1ed0b3b2fc8c8e0e1b7a3");
    assert_eq!(
        ready.resume_gateway_url,
        "wss://gateway-us-east1-c.discord.gg"
    );
    assert_eq!(ready.shard, Some([0, 2]));
    assert_eq!(
        ready.application.id,
        ApplicationId::new(1_159_985_870_458_322_944)
    );
    assert_eq!(ready.application.flags, 8_953_856);
    let guilds: Vec<_> = ready
        .guilds
        .iter()
        .map(|g| (g.id.get(), g.unavailable))
        .collect();
    // The third id arrives as a JSON number.
    assert_eq!(
        guilds,
        [
            (290_926_798_626_357_250, true),
            (81_384_788_765_712_384, true),
            (41_771_983_423_143_937, true)
        ]
    );
}

#[test]
fn resumed_with_trace() {
    assert_eq!(dispatch("RESUMED"), Event::Resumed(Resumed::default()));
}

#[test]
fn rate_limited() {
    let rl = expect_event!(dispatch("RATE_LIMITED"), Event::RateLimited);
    assert_eq!(rl.opcode, 8);
    assert!((rl.retry_after - 27.5).abs() < f64::EPSILON);
    assert_eq!(rl.meta.guild_id, Some(GUILD));
    assert_eq!(rl.meta.nonce.as_deref(), Some("tether-chunk-0007"));
}

/// `GUILD_CREATE`: the guild's own fields and the event's extras.
#[test]
fn guild_create_scalars() {
    let g = expect_event!(dispatch("GUILD_CREATE"), Event::GuildCreate);
    assert_eq!(g.id, GUILD);
    assert_eq!(g.name, "Tether Test Lab");
    assert_eq!(g.owner_id, MASON);
    assert_eq!(
        g.afk_channel_id,
        Some(ChannelId::new(290_926_798_999_357_251))
    );
    assert_eq!(
        (
            g.afk_timeout,
            g.verification_level,
            g.explicit_content_filter
        ),
        (300, 1, 2)
    );
    assert_eq!(g.application_id, None);
    assert_eq!(g.premium_tier, 2);
    assert_eq!(g.premium_subscription_count, Some(9));
    assert_eq!(g.preferred_locale, "en-GB");
    assert_eq!(
        g.features,
        ["COMMUNITY", "NEWS", "ANIMATED_ICON", "THREADS_ENABLED"]
    );
    assert_eq!(g.joined_at, Some(ts("2023-11-02T18:04:33.901Z")));
    assert!(!g.large && !g.unavailable);
    assert_eq!(g.member_count, Some(3));
}

/// `GUILD_CREATE` roles, emojis and stickers.
#[test]
fn guild_create_roles() {
    let g = expect_event!(dispatch("GUILD_CREATE"), Event::GuildCreate);
    // Roles: @everyone has the guild's id; unknown permission bits survive.
    assert_eq!(g.roles.len(), 4);
    let everyone = &g.roles[0];
    assert_eq!(everyone.id.get(), g.id.get());
    assert_eq!(everyone.permissions.bits(), 2_248_473_465_835_073);
    let mods = &g.roles[1];
    assert_eq!(
        (mods.id, mods.name.as_str(), mods.color, mods.position),
        (MODS, "Mods", 3_447_003, 2)
    );
    assert!(mods.hoist && mods.mentionable && !mods.managed);
    assert_eq!(mods.unicode_emoji.as_deref(), Some("🛡️"));
    assert_eq!(mods.permissions.bits(), (1 << 40) - 1);
    assert!(g.roles[2].managed);
    assert_eq!(g.roles[2].permissions.bits(), (1 << 53) - 1);
    assert!(
        g.roles[2]
            .permissions
            .contains(Permissions::BYPASS_SLOWMODE | Permissions::ADMINISTRATOR)
    );

    assert_eq!(g.emojis.len(), 2);
    assert_eq!(g.emojis[1].id, Some(EmojiId::new(396_548_322_053_062_657)));
    assert_eq!(g.emojis[1].roles, [MODS]);
    assert_eq!(
        (g.emojis[1].animated, g.emojis[1].available),
        (Some(true), Some(false))
    );
    assert_eq!(g.stickers.len(), 1);
    assert_eq!((g.stickers[0].kind, g.stickers[0].format_type), (2, 1));
}

/// `GUILD_CREATE` channels.
#[test]
fn guild_create_channels() {
    let g = expect_event!(dispatch("GUILD_CREATE"), Event::GuildCreate);
    // Channels: guild_id absent inside GUILD_CREATE; overwrites keep their bits.
    assert_eq!(g.channels.len(), 4);
    let general = &g.channels[0];
    assert_eq!(
        (general.id, general.kind, general.guild_id),
        (GENERAL, 0, None)
    );
    assert_eq!(general.name.as_deref(), Some("general"));
    assert_eq!(general.topic, None);
    assert_eq!(general.rate_limit_per_user, Some(2));
    assert_eq!(
        general.last_message_id,
        Some(MessageId::new(334_385_199_974_967_042))
    );
    assert_eq!(general.last_pin_timestamp, Some(ts("2024-05-01T12:00:00Z")));
    let afk = &g.channels[1];
    assert_eq!(
        (afk.kind, afk.bitrate, afk.user_limit),
        (2, Some(64_000), Some(0))
    );
    assert_eq!(afk.permission_overwrites.len(), 2);
    let ow = &afk.permission_overwrites[1];
    assert_eq!((ow.id, ow.kind), (GenericId::new(MASON.get()), 1));
    assert_eq!(
        (ow.allow, ow.deny),
        (Permissions::CONNECT, Permissions::empty())
    );
    // Bit 54 is beyond every known permission and must be kept.
    assert_eq!(g.channels[2].permission_overwrites[0].allow.bits(), 1 << 54);
    assert_eq!(g.channels[3].kind, 15);
}

/// `GUILD_CREATE` threads.
#[test]
fn guild_create_threads() {
    let g = expect_event!(dispatch("GUILD_CREATE"), Event::GuildCreate);
    // Threads, with the bot's membership lacking id/user_id.
    assert_eq!(g.threads.len(), 1);
    let thread = &g.threads[0];
    assert!(thread.is_thread());
    assert_eq!(thread.guild_id, Some(GUILD));
    assert_eq!(
        (thread.message_count, thread.member_count),
        (Some(5), Some(2))
    );
    let meta = thread.thread_metadata.as_ref().unwrap();
    assert_eq!(
        (meta.archived, meta.auto_archive_duration, meta.locked),
        (false, 1440, false)
    );
    assert_eq!(meta.archive_timestamp, ts("2024-05-02T08:15:00Z"));
    let tm = thread.member.as_ref().unwrap();
    assert_eq!((tm.id, tm.user_id, tm.flags), (None, None, 1));
    assert_eq!(tm.join_timestamp, ts("2024-05-02T08:15:01.500Z"));
}

/// `GUILD_CREATE` members.
#[test]
fn guild_create_members() {
    let g = expect_event!(dispatch("GUILD_CREATE"), Event::GuildCreate);
    // Members: nick null vs value, timeouts, boosts with an offset.
    assert_eq!(g.members.len(), 3);
    let mason = &g.members[0];
    assert_eq!(mason.user.as_ref().unwrap().id, MASON);
    assert_eq!(mason.user.as_ref().unwrap().display_name(), "Mason");
    assert_eq!(mason.nick.as_deref(), Some("Mason the Mod"));
    assert_eq!(mason.roles, [MODS]);
    assert_eq!(mason.premium_since, Some(ts("2024-01-05T09:00:00Z")));
    assert_eq!(mason.communication_disabled_until, None);
    let nelly = &g.members[1];
    assert_eq!(nelly.nick, None);
    assert_eq!(nelly.user.as_ref().unwrap().display_name(), "nelly");
    assert_eq!(nelly.user.as_ref().unwrap().public_flags, Some(64));
    assert!(nelly.deaf && nelly.mute);
    assert_eq!((nelly.pending, nelly.flags), (Some(true), 10));
    assert_eq!(
        nelly.communication_disabled_until,
        Some(ts("2099-01-01T00:00:00Z"))
    );
    assert!(g.members[2].user.as_ref().unwrap().bot);
}

/// `GUILD_CREATE` voice states.
#[test]
fn guild_create_voice_states() {
    let g = expect_event!(dispatch("GUILD_CREATE"), Event::GuildCreate);
    // Voice states without guild_id.
    assert_eq!(g.voice_states.len(), 1);
    let vs = &g.voice_states[0];
    assert_eq!((vs.user_id, vs.guild_id, vs.self_mute), (MASON, None, true));
    assert_eq!(vs.channel_id, Some(ChannelId::new(290_926_798_999_357_251)));
    assert_eq!(vs.request_to_speak_timestamp, None);
}

/// `GUILD_CREATE` presences.
#[test]
fn guild_create_presences() {
    let g = expect_event!(dispatch("GUILD_CREATE"), Event::GuildCreate);
    // Presences: partial users, client status per platform, activities.
    assert_eq!(g.presences.len(), 2);
    let p = &g.presences[0];
    assert_eq!(
        (p.user.id, p.guild_id, p.status),
        (MASON, None, Status::Online)
    );
    assert_eq!(p.client_status.desktop, Some(Status::Online));
    assert_eq!(p.client_status.mobile, Some(Status::Idle));
    assert_eq!(p.client_status.web, None);
    assert_eq!(p.activities.len(), 2);
    assert_eq!(
        (p.activities[0].kind, p.activities[0].name.as_str()),
        (4, "Custom Status")
    );
    assert_eq!(p.activities[0].state.as_deref(), Some("fixing the gateway"));
    assert_eq!(p.activities[0].created_at, Some(1_714_637_700_000));
    assert_eq!(
        p.activities[1].application_id,
        Some(ApplicationId::new(363_409_000_399_634_432))
    );
    assert_eq!(g.presences[1].status, Status::Dnd);
    assert_eq!(
        g.presences[1].activities[0].details.as_deref(),
        Some("Song")
    );
}

#[test]
fn guild_create_unavailable() {
    let g = expect_event!(dispatch("GUILD_CREATE.unavailable"), Event::GuildCreate);
    assert_eq!(g.id, GuildId::new(81_384_788_765_712_384));
    assert!(g.unavailable);
    assert!(g.name.is_empty() && g.members.is_empty() && g.channels.is_empty());
}

#[test]
fn guild_update() {
    let g = expect_event!(dispatch("GUILD_UPDATE"), Event::GuildUpdate);
    assert_eq!(g.name, "Tether Test Lab (renamed)");
    assert_eq!((g.owner_id, g.afk_channel_id, g.icon), (NELLY, None, None));
    assert_eq!(
        (
            g.verification_level,
            g.mfa_level,
            g.nsfw_level,
            g.premium_tier
        ),
        (4, 1, 3, 3)
    );
    assert_eq!(g.rules_channel_id, Some(GENERAL));
    assert_eq!(g.description.as_deref(), Some("A place to test bots"));
    assert_eq!(g.banner.as_deref(), Some("banner_hash_123"));
    assert_eq!(g.preferred_locale, "de");
    assert_eq!(g.roles.len(), 1);
    assert_eq!(g.joined_at, None);
    assert!(g.members.is_empty());
}

#[test]
fn guild_delete_outage_and_removal() {
    let outage = expect_event!(dispatch("GUILD_DELETE"), Event::GuildDelete);
    assert_eq!(
        (outage.id.get(), outage.unavailable),
        (81_384_788_765_712_384, true)
    );
    let removed = expect_event!(dispatch("GUILD_DELETE.removed"), Event::GuildDelete);
    assert_eq!((removed.id, removed.unavailable), (GUILD, false));
}

#[test]
fn channel_create_update_delete() {
    let c = expect_event!(dispatch("CHANNEL_CREATE"), Event::ChannelCreate);
    assert_eq!(
        (c.id.get(), c.kind, c.guild_id),
        (1_181_000_000_000_000_001, 5, Some(GUILD))
    );
    assert_eq!(c.topic.as_deref(), Some("Release notes — every Friday"));
    assert_eq!(c.last_message_id, None);
    assert_eq!(c.permission_overwrites.len(), 2);
    assert_eq!(c.permission_overwrites[0].deny, Permissions::SEND_MESSAGES);
    assert_eq!(c.parent_id, Some(ChannelId::new(290_926_798_999_357_249)));

    let u = expect_event!(dispatch("CHANNEL_UPDATE"), Event::ChannelUpdate);
    assert_eq!(
        (u.kind, u.bitrate, u.user_limit, u.nsfw),
        (2, Some(96_000), Some(10), true)
    );
    assert_eq!(u.name.as_deref(), Some("Voice ✨"));
    assert_eq!(
        u.permission_overwrites[0].allow,
        Permissions::BYPASS_SLOWMODE
    );

    let d = expect_event!(dispatch("CHANNEL_DELETE"), Event::ChannelDelete);
    assert_eq!(
        (d.kind, d.name.as_deref(), d.position),
        (4, Some("Archive"), Some(4))
    );
}

#[test]
fn channel_pins_update() {
    let p = expect_event!(dispatch("CHANNEL_PINS_UPDATE"), Event::ChannelPinsUpdate);
    assert_eq!((p.guild_id, p.channel_id), (Some(GUILD), GENERAL));
    assert_eq!(
        p.last_pin_timestamp,
        Some(Some(ts("2024-05-03T12:22:09.500Z")))
    );
    let dm = expect_event!(
        dispatch("CHANNEL_PINS_UPDATE.null"),
        Event::ChannelPinsUpdate
    );
    assert_eq!((dm.guild_id, dm.last_pin_timestamp), (None, Some(None)));
}

#[test]
fn thread_create_new_and_added() {
    let t = expect_event!(dispatch("THREAD_CREATE"), Event::ThreadCreate);
    assert_eq!(
        (t.kind, t.newly_created, t.owner_id),
        (11, Some(true), Some(MASON))
    );
    assert_eq!(t.parent_id, Some(GENERAL));
    let meta = t.thread_metadata.as_ref().unwrap();
    assert_eq!(meta.auto_archive_duration, 10_080);
    assert_eq!(
        meta.create_timestamp,
        Some(ts("2024-05-04T09:00:00.123456Z"))
    );
    let m = t.member.as_ref().unwrap();
    assert_eq!((m.id, m.user_id), (Some(t.id), Some(MASON)));

    let added = expect_event!(dispatch("THREAD_CREATE.added"), Event::ThreadCreate);
    assert_eq!((added.kind, added.newly_created), (12, None));
    let meta = added.thread_metadata.as_ref().unwrap();
    assert_eq!(
        (meta.locked, meta.invitable, meta.create_timestamp),
        (true, Some(false), None)
    );
    assert_eq!(added.member.as_ref().unwrap().user_id, Some(BOT));
    assert_eq!(added.member_count, Some(50));
}

#[test]
fn thread_update_and_delete() {
    let t = expect_event!(dispatch("THREAD_UPDATE"), Event::ThreadUpdate);
    assert!(t.thread_metadata.as_ref().unwrap().archived);
    assert_eq!((t.kind, t.flags), (10, Some(2)));
    let d = expect_event!(dispatch("THREAD_DELETE"), Event::ThreadDelete);
    assert_eq!(
        (d.id.get(), d.guild_id, d.parent_id, d.kind),
        (1_182_000_000_000_000_001, GUILD, Some(GENERAL), 11)
    );
}

#[test]
fn thread_list_sync() {
    let s: ThreadListSync = *expect_event!(dispatch("THREAD_LIST_SYNC"), Event::ThreadListSync);
    assert_eq!(s.guild_id, GUILD);
    assert_eq!(
        s.channel_ids,
        Some(vec![ChannelId::new(290_926_798_999_357_256)])
    );
    assert_eq!(s.threads.len(), 2);
    assert_eq!(
        s.threads[1].thread_metadata.as_ref().unwrap().invitable,
        Some(true)
    );
    assert_eq!(s.members.len(), 1);
    assert_eq!((s.members[0].user_id, s.members[0].flags), (Some(BOT), 2));
    assert_eq!(s.members[0].id, Some(s.threads[0].id));

    let whole = expect_event!(
        dispatch("THREAD_LIST_SYNC.whole_guild"),
        Event::ThreadListSync
    );
    assert_eq!(whole.channel_ids, None);
    assert!(whole.threads.is_empty() && whole.members.is_empty());
}

#[test]
fn thread_member_update() {
    let u = expect_event!(dispatch("THREAD_MEMBER_UPDATE"), Event::ThreadMemberUpdate);
    assert_eq!(u.guild_id, GUILD);
    assert_eq!(u.member.id, Some(ChannelId::new(1_183_000_000_000_000_001)));
    assert_eq!((u.member.user_id, u.member.flags), (Some(BOT), 1));
    assert_eq!(u.member.join_timestamp, ts("2024-05-05T12:01:00Z"));
}

#[test]
fn thread_members_update() {
    let u: ThreadMembersUpdate = *expect_event!(
        dispatch("THREAD_MEMBERS_UPDATE"),
        Event::ThreadMembersUpdate
    );
    assert_eq!((u.guild_id, u.member_count), (GUILD, 3));
    assert_eq!(u.removed_member_ids, [UserId::new(70_000_000_000_000_001)]);
    let [first, second]: [AddedThreadMember; 2] = u.added_members.try_into().unwrap();
    assert_eq!(first.member.user_id, Some(NELLY));
    assert_eq!(first.presence, None);
    let member = first.member.member.as_ref().unwrap();
    assert_eq!(member.user.as_ref().unwrap().id, NELLY);
    assert_eq!(first.member.join_timestamp, ts("2024-05-05T13:00:00.25Z"));
    let presence = second.presence.as_ref().unwrap();
    assert_eq!((presence.user.id, presence.status), (MASON, Status::Idle));
    assert_eq!(
        second.member.member.as_ref().unwrap().nick.as_deref(),
        Some("Mason the Mod")
    );
}

#[test]
fn guild_member_add() {
    let add = expect_event!(dispatch("GUILD_MEMBER_ADD"), Event::GuildMemberAdd);
    assert_eq!(add.guild_id, GUILD);
    let user = add.member.user.as_ref().unwrap();
    assert_eq!(
        (user.id.get(), user.username.as_str()),
        (1_186_000_000_000_000_001, "newcomer")
    );
    assert_eq!(user.global_name.as_deref(), Some("New Comer"));
    assert_eq!(add.member.pending, Some(true));
    assert_eq!(add.member.joined_at, Some(ts("2024-05-08T16:20:11.842Z")));
    assert!(add.member.roles.is_empty());
}

#[test]
fn guild_member_update() {
    let u = expect_event!(dispatch("GUILD_MEMBER_UPDATE"), Event::GuildMemberUpdate);
    assert_eq!(u.guild_id, GUILD);
    assert_eq!(u.user.username, "newcomer");
    assert_eq!(u.roles, [MODS]);
    assert_eq!(u.nick, Some(Some("Newbie".to_owned())));
    assert_eq!(
        (u.pending, u.deaf, u.mute, u.flags),
        (Some(false), Some(false), Some(false), Some(2))
    );
    assert_eq!(
        u.communication_disabled_until,
        Some(ts("2024-05-09T16:20:11Z"))
    );
    assert_eq!(u.premium_since, None);

    let null = expect_event!(
        dispatch("GUILD_MEMBER_UPDATE.nick_null"),
        Event::GuildMemberUpdate
    );
    assert_eq!((null.nick, null.joined_at), (Some(None), None));
    let absent = expect_event!(
        dispatch("GUILD_MEMBER_UPDATE.nick_absent"),
        Event::GuildMemberUpdate
    );
    assert_eq!(absent.nick, None);
    // A user with only id and username gets the defaults.
    assert_eq!(
        (
            absent.user.discriminator.as_str(),
            absent.user.avatar.as_deref()
        ),
        ("0", None)
    );
    assert_eq!((absent.deaf, absent.flags), (None, None));
}

#[test]
fn guild_member_remove() {
    let r = expect_event!(dispatch("GUILD_MEMBER_REMOVE"), Event::GuildMemberRemove);
    assert_eq!(
        (r.guild_id, r.user.id.get()),
        (GUILD, 1_186_000_000_000_000_001)
    );
}

#[test]
fn guild_members_chunk_not_found_as_numbers_and_strings() {
    let c: MemberChunk = *expect_event!(dispatch("GUILD_MEMBERS_CHUNK"), Event::GuildMembersChunk);
    assert_eq!((c.guild_id, c.chunk_index, c.chunk_count), (GUILD, 1, 3));
    assert_eq!(
        c.not_found,
        [
            UserId::new(123_456_789),
            UserId::new(987_654_321),
            UserId::new(1_186_000_000_000_000_404)
        ]
    );
    assert_eq!(c.nonce.as_deref(), Some("tether-chunk-0007"));
    assert_eq!(c.members.len(), 2);
    assert_eq!(c.members[1].user.as_ref().unwrap().id, NELLY);
    assert_eq!(c.members[1].pending, None);
    assert_eq!(c.presences.len(), 1);
    assert_eq!(c.presences[0].client_status.desktop, Some(Status::Online));
    // Written back, ids are strings again.
    let json = serde_json::to_string(&c).unwrap();
    assert!(
        json.contains(r#""not_found":["123456789","987654321","1186000000000000404"]"#),
        "{json}"
    );
}

#[test]
fn guild_role_create_update_delete() {
    let c = expect_event!(dispatch("GUILD_ROLE_CREATE"), Event::GuildRoleCreate);
    assert_eq!(
        (c.guild_id, c.role.name.as_str(), c.role.permissions),
        (GUILD, "new role", Permissions::empty())
    );
    let u = expect_event!(dispatch("GUILD_ROLE_UPDATE"), Event::GuildRoleUpdate);
    assert_eq!(u.role.permissions.bits(), (1 << 60) | (1 << 3));
    assert!(u.role.permissions.contains(Permissions::ADMINISTRATOR));
    assert_eq!(
        u.role.permissions.bits() & !Permissions::all().bits(),
        0,
        "retained bits count as `all`"
    );
    assert_eq!(
        (u.role.color, u.role.position, u.role.flags),
        (15_158_332, 3, 1)
    );
    assert_eq!(
        u.role.icon.as_deref(),
        Some("2a1a5e9a8b3f4d2c1b0e9f8d7c6b5a49")
    );
    assert_eq!(u.role.unicode_emoji.as_deref(), Some("🔥"));
    let d = expect_event!(dispatch("GUILD_ROLE_DELETE"), Event::GuildRoleDelete);
    assert_eq!(
        (d.guild_id, d.role_id.get()),
        (GUILD, 1_187_000_000_000_000_001)
    );
}

#[test]
fn message_create_full() {
    let m = expect_event!(dispatch("MESSAGE_CREATE"), Event::MessageCreate);
    assert_eq!(m.id.get(), 1_192_000_000_000_000_001);
    assert_eq!(
        (m.channel_id, m.guild_id, m.channel_type),
        (GENERAL, Some(GUILD), Some(0))
    );
    assert_eq!(m.author.id, MASON);
    assert_eq!(m.author.display_name(), "Mason");
    assert_eq!(
        m.content,
        "<@80351110224678912> <@1159985870458322944> see <@&41771983423143936>: build is green 🎉\nline two \"quoted\""
    );
    assert_eq!(m.timestamp, ts("2024-05-10T09:41:27.123Z"));
    assert_eq!(m.edited_timestamp, None);
    assert_eq!(
        m.nonce,
        Some(Nonce::String("1238400001234567168".to_owned()))
    );
    assert!(!m.tts && !m.mention_everyone && !m.pinned);
    assert_eq!((m.kind, m.flags), (0, Some(0)));
    assert_eq!(m.referenced_message, None, "absent: not fetched");

    // The author's member has no user.
    let member = m.member.as_ref().unwrap();
    assert_eq!(member.user, None);
    assert_eq!(member.nick.as_deref(), Some("Mason the Mod"));
    assert_eq!(member.premium_since, Some(ts("2024-01-05T09:00:00Z")));

    // Mentions carry a partial member each.
    assert_eq!(m.mentions.len(), 2);
    assert_eq!(
        (m.mentions[0].id, m.mentions[0].username.as_str()),
        (NELLY, "nelly")
    );
    assert_eq!(m.mentions[0].global_name.as_deref(), Some("Nelly"));
    assert_eq!(
        m.mentions[0].member.as_ref().unwrap().nick.as_deref(),
        Some("Nelly N.")
    );
    assert!(m.mentions[1].bot);
    assert_eq!(
        m.mentions[1].member.as_ref().unwrap().roles,
        [RoleId::new(1_159_985_870_458_322_945)]
    );
    assert_eq!(m.mention_roles, [MODS]);

    assert_eq!(m.attachments.len(), 2);
    let a = &m.attachments[0];
    assert_eq!(
        (a.id, a.filename.as_str(), a.size),
        (
            AttachmentId::new(1_192_000_000_000_000_010),
            "screenshot.png",
            482_133
        )
    );
    assert_eq!((a.width, a.height), (Some(1920), Some(1080)));
    assert_eq!(a.content_type.as_deref(), Some("image/png"));
    assert_eq!(a.description.as_deref(), Some("the green build"));
    assert!(a.url.ends_with("hm=ab"));
    assert_eq!(
        (
            m.attachments[1].width,
            m.attachments[1].description.as_deref()
        ),
        (None, None)
    );

    assert_eq!(m.embeds.len(), 2);
    let e = &m.embeds[0];
    assert_eq!(
        (e.kind.as_deref(), e.title.as_deref()),
        (Some("rich"), Some("Build #42 passed ✅"))
    );
    assert_eq!(
        (e.color, e.timestamp),
        (Some(5_763_719), Some(ts("2024-05-10T09:41:00Z")))
    );
    assert_eq!(e.footer.as_ref().unwrap().text, "CI");
    assert_eq!(e.author.as_ref().unwrap().name, "ci-bot");
    assert_eq!(e.fields.len(), 2);
    assert!(e.fields[0].inline && !e.fields[1].inline);
    let thumb = m.embeds[1].thumbnail.as_ref().unwrap();
    assert_eq!((thumb.width, thumb.height), (Some(640), Some(480)));
}

#[test]
fn message_create_reply_present_and_deleted() {
    let reply = expect_event!(dispatch("MESSAGE_CREATE.reply"), Event::MessageCreate);
    assert_eq!(reply.kind, 19);
    assert_eq!(reply.nonce, Some(Nonce::Integer(1_238_400_001_234_567_169)));
    assert_eq!(reply.edited_timestamp, Some(ts("2024-05-10T09:43:00Z")));
    assert_eq!(reply.timestamp, ts("2024-05-10T09:42:00.500Z"));
    let reference = reply.message_reference.as_ref().unwrap();
    assert_eq!(
        (reference.kind, reference.message_id),
        (0, Some(MessageId::new(1_192_000_000_000_000_001)))
    );
    let referenced = reply.referenced_message.as_ref().unwrap().as_ref().unwrap();
    assert_eq!(
        (referenced.id.get(), referenced.content.as_str()),
        (1_192_000_000_000_000_001, "build is green")
    );
    assert_eq!(referenced.referenced_message, None);

    let deleted = expect_event!(
        dispatch("MESSAGE_CREATE.reply_deleted"),
        Event::MessageCreate
    );
    assert_eq!(
        deleted.referenced_message,
        Some(None),
        "null: the replied-to message is gone"
    );
    assert_eq!(deleted.member, None);
}

#[test]
fn message_create_webhook_in_dm() {
    let m = expect_event!(dispatch("MESSAGE_CREATE.webhook_dm"), Event::MessageCreate);
    assert_eq!((m.guild_id, m.member.as_ref()), (None, None));
    assert_eq!(
        m.webhook_id.map(tether_model::id::WebhookId::get),
        Some(m.author.id.get())
    );
    assert_eq!(m.author.discriminator, "0000");
    assert!(m.mention_everyone);
    assert_eq!(m.flags, Some(4));
    assert_eq!(m.sticker_items.len(), 1);
    assert_eq!(m.reactions.len(), 1);
    assert_eq!((m.reactions[0].count, m.reactions[0].me), (2, true));
    assert_eq!(m.reactions[0].emoji.name.as_deref(), Some("🔥"));
}

#[test]
fn message_update_partial_and_full() {
    let u = expect_event!(dispatch("MESSAGE_UPDATE"), Event::MessageUpdate);
    assert_eq!(
        (u.id.get(), u.channel_id, u.guild_id),
        (1_192_000_000_000_000_001, GENERAL, Some(GUILD))
    );
    assert_eq!(
        (u.content.as_ref(), u.author.as_ref(), u.edited_timestamp),
        (None, None, None)
    );
    assert_eq!((u.mentions.as_ref(), u.pinned), (None, None));
    let embeds = u.embeds.as_ref().unwrap();
    assert_eq!(embeds[0].kind.as_deref(), Some("link"));

    let e = expect_event!(dispatch("MESSAGE_UPDATE.edit"), Event::MessageUpdate);
    assert_eq!(e.content.as_deref(), Some("build is green (edited)"));
    assert_eq!(
        e.edited_timestamp,
        Some(Some(ts("2024-05-10T09:50:00.654321Z")))
    );
    assert_eq!((e.pinned, e.mention_everyone), (Some(true), Some(false)));
    assert_eq!(e.author.as_ref().unwrap().id, MASON);
    assert_eq!(e.mentions.as_deref(), Some(&[][..]));
}

#[test]
fn message_delete_and_bulk() {
    let d = expect_event!(dispatch("MESSAGE_DELETE"), Event::MessageDelete);
    assert_eq!(
        (d.id.get(), d.channel_id, d.guild_id),
        (1_192_000_000_000_000_003, GENERAL, Some(GUILD))
    );
    let b = expect_event!(dispatch("MESSAGE_DELETE_BULK"), Event::MessageDeleteBulk);
    let ids: Vec<u64> = b.ids.iter().map(|id| id.get()).collect();
    assert_eq!(
        ids,
        [
            1_192_000_000_000_000_001,
            1_192_000_000_000_000_002,
            1_192_000_000_000_000_004
        ]
    );
}

#[test]
fn reactions_unicode_and_custom() {
    let add: ReactionChange = *expect_event!(dispatch("MESSAGE_REACTION_ADD"), Event::ReactionAdd);
    assert_eq!(
        (add.user_id, add.message_author_id, add.guild_id),
        (NELLY, Some(MASON), Some(GUILD))
    );
    assert_eq!(
        (add.emoji.id, add.emoji.name.as_deref()),
        (None, Some("🔥"))
    );
    assert_eq!((add.burst, add.kind), (false, 0));
    assert_eq!(
        add.member.as_ref().unwrap().user.as_ref().unwrap().id,
        NELLY
    );

    let custom = expect_event!(dispatch("MESSAGE_REACTION_ADD.custom"), Event::ReactionAdd);
    assert_eq!(custom.emoji.id, Some(EmojiId::new(396_548_322_053_062_657)));
    assert_eq!(
        (custom.emoji.name.as_deref(), custom.emoji.animated),
        (Some("partyparrot"), Some(true))
    );
    assert_eq!((custom.burst, custom.kind), (true, 1));
    assert_eq!(custom.burst_colors, ["#FF0000", "#00ff00"]);
    assert_eq!(custom.member, None);

    let remove = expect_event!(dispatch("MESSAGE_REACTION_REMOVE"), Event::ReactionRemove);
    assert_eq!(remove.emoji.id, Some(EmojiId::new(396_548_322_053_062_656)));
    assert_eq!(
        (remove.member.as_ref(), remove.message_author_id),
        (None, None)
    );

    let all = expect_event!(
        dispatch("MESSAGE_REACTION_REMOVE_ALL"),
        Event::ReactionRemoveAll
    );
    assert_eq!((all.channel_id, all.guild_id), (GENERAL, Some(GUILD)));
    let emoji = expect_event!(
        dispatch("MESSAGE_REACTION_REMOVE_EMOJI"),
        Event::ReactionRemoveEmoji
    );
    assert_eq!(
        (emoji.guild_id, emoji.emoji.name.as_deref()),
        (None, Some("👍🏽"))
    );
}

#[test]
fn typing_start_guild_and_dm() {
    let t = expect_event!(dispatch("TYPING_START"), Event::TypingStart);
    assert_eq!(
        (t.user_id, t.channel_id, t.guild_id, t.timestamp),
        (MASON, GENERAL, Some(GUILD), 1_715_335_201)
    );
    assert_eq!(
        t.member.as_ref().unwrap().nick.as_deref(),
        Some("Mason the Mod")
    );
    let dm = expect_event!(dispatch("TYPING_START.dm"), Event::TypingStart);
    assert_eq!(
        (dm.guild_id, dm.member.as_ref(), dm.timestamp),
        (None, None, 1_715_335_299)
    );
}

#[test]
fn presence_update_partial_user_and_unknown_status() {
    let p = expect_event!(dispatch("PRESENCE_UPDATE"), Event::PresenceUpdate);
    assert_eq!((p.user.id, p.guild_id), (NELLY, Some(GUILD)));
    assert_eq!(
        p.status,
        Status::Unknown,
        "a status string this library does not know"
    );
    assert_eq!(
        (p.client_status.web, p.client_status.desktop),
        (Some(Status::Idle), None)
    );
    assert_eq!(p.activities.len(), 2);
    assert_eq!(
        p.activities[0].url.as_deref(),
        Some("https://twitch.tv/example")
    );
    assert_eq!((p.activities[0].kind, p.activities[1].kind), (1, 3));
    assert_eq!(p.activities[1].created_at, Some(1_715_335_200_001));

    let offline = expect_event!(dispatch("PRESENCE_UPDATE.full_user"), Event::PresenceUpdate);
    assert_eq!((offline.user.id, offline.status), (MASON, Status::Offline));
    assert_eq!(offline.client_status, ClientStatus::default());
}

#[test]
fn voice_state_update_join_and_leave() {
    let v = expect_event!(dispatch("VOICE_STATE_UPDATE"), Event::VoiceStateUpdate);
    assert_eq!((v.guild_id, v.user_id), (Some(GUILD), MASON));
    assert_eq!(v.channel_id, Some(ChannelId::new(290_926_798_999_357_257)));
    assert_eq!(v.session_id, "90326bd25d71d39b9ef95b299e3872ff");
    assert_eq!(
        (v.deaf, v.mute, v.self_deaf, v.self_mute),
        (false, true, true, false)
    );
    assert_eq!(
        (v.self_stream, v.self_video, v.suppress),
        (Some(true), true, true)
    );
    assert_eq!(
        v.request_to_speak_timestamp,
        Some(ts("2024-05-10T10:00:00Z"))
    );
    assert_eq!(v.member.as_ref().unwrap().user.as_ref().unwrap().id, MASON);
    let leave = expect_event!(
        dispatch("VOICE_STATE_UPDATE.leave"),
        Event::VoiceStateUpdate
    );
    assert_eq!(
        (leave.channel_id, leave.member.as_ref(), leave.self_stream),
        (None, None, None)
    );
}

#[test]
fn voice_server_update_with_and_without_endpoint() {
    let v = expect_event!(dispatch("VOICE_SERVER_UPDATE"), Event::VoiceServerUpdate);
    assert_eq!((v.token.as_str(), v.guild_id), ("a1b2c3d4e5f6", GUILD));
    assert_eq!(
        v.endpoint.as_deref(),
        Some("c-ams10-1234.discord.media:443")
    );
    let null = expect_event!(
        dispatch("VOICE_SERVER_UPDATE.null_endpoint"),
        Event::VoiceServerUpdate
    );
    assert_eq!(
        null.endpoint, None,
        "null endpoint: server being reallocated"
    );
}

#[test]
fn interaction_create_slash_command_with_every_option_type() {
    let i = expect_event!(dispatch("INTERACTION_CREATE"), Event::InteractionCreate);
    assert_eq!(i.id.get(), 1_191_000_000_000_000_001);
    assert_eq!((i.kind, i.version), (2, 1));
    assert_eq!(
        i.application_id,
        ApplicationId::new(1_159_985_870_458_322_944)
    );
    assert_eq!((i.guild_id, i.channel_id), (Some(GUILD), Some(GENERAL)));
    assert_eq!(
        i.token,
        "aW50ZXJhY3Rpb246MTE5MTAwMDAwMDAwMDAwMDAwMTpmYWtlLXRva2Vu"
    );
    assert_eq!(
        (i.locale.as_deref(), i.guild_locale.as_deref()),
        (Some("en-GB"), Some("en-US"))
    );
    assert_eq!(
        i.app_permissions.map(|p| p.bits()),
        Some(2_248_473_465_835_073)
    );
    assert_eq!(i.user, None);
    let member = i.member.as_ref().unwrap();
    assert_eq!(member.user.as_ref().unwrap().id, MASON);
    assert_eq!(member.permissions.map(|p| p.bits()), Some((1 << 51) - 1));

    let data = i.data.as_ref().unwrap();
    assert_eq!(
        (data.id, data.name.as_deref(), data.kind),
        (
            Some(CommandId::new(1_191_000_000_000_000_100)),
            Some("config"),
            Some(1)
        )
    );
    let [group]: &[CommandOption; 1] = data.options.as_slice().try_into().unwrap();
    assert_eq!(
        (group.name.as_str(), group.kind, group.value.as_ref()),
        ("set", 2, None)
    );
    let [sub]: &[CommandOption; 1] = group.options.as_slice().try_into().unwrap();
    assert_eq!((sub.name.as_str(), sub.kind), ("everything", 1));
    let values: Vec<(u8, &str, OptionValue)> = sub
        .options
        .iter()
        .map(|o| (o.kind, o.name.as_str(), o.value.clone().unwrap()))
        .collect();
    assert_eq!(
        values,
        [
            (
                3,
                "label",
                OptionValue::String("héllo \"world\" \\ \n 🎉".to_owned())
            ),
            (4, "count", OptionValue::Integer(-9_007_199_254_740_991)),
            (5, "enabled", OptionValue::Boolean(true)),
            (
                6,
                "user",
                OptionValue::String("80351110224678912".to_owned())
            ),
            (
                7,
                "channel",
                OptionValue::String("290926798999357250".to_owned())
            ),
            (
                8,
                "role",
                OptionValue::String("41771983423143936".to_owned())
            ),
            (
                9,
                "target",
                OptionValue::String("53908099506183680".to_owned())
            ),
            (10, "ratio", OptionValue::Number(0.125)),
            (
                11,
                "file",
                OptionValue::String("1191000000000000200".to_owned())
            ),
        ]
    );
}

#[test]
fn user_update() {
    let u = expect_event!(dispatch("USER_UPDATE"), Event::UserUpdate);
    assert_eq!(
        (u.user.id, u.user.global_name.as_deref()),
        (BOT, Some("Tether"))
    );
    assert_eq!(u.user.avatar.as_deref(), Some("b_new_avatar_hash"));
    assert_eq!(
        (u.user.public_flags, u.flags),
        (Some(524_288), Some(524_288))
    );
    assert!(u.user.bot && u.verified && !u.mfa_enabled);
    assert_eq!(u.locale.as_deref(), Some("en-US"));
}
