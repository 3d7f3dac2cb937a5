//! Property tests: random users, members, messages and guilds survive
//! `from_str(to_string(x)) == x`.

use proptest::collection::vec;
use proptest::option::of;
use proptest::prelude::*;
use tether_model::Timestamp;
use tether_model::channel::{Channel, PermissionOverwrite, ThreadMember, ThreadMetadata};
use tether_model::gateway::Event;
use tether_model::guild::{Emoji, Guild, Member, Role, Sticker};
use tether_model::id::{ChannelId, GuildId, MessageId, RoleId, UserId};
use tether_model::interaction::{CommandOption, OptionValue};
use tether_model::message::{
    Attachment, Embed, EmbedAuthor, EmbedField, EmbedFooter, EmbedMedia, Mention, Message,
    MessageReference, Nonce, Reaction, StickerItem,
};
use tether_model::permissions::Permissions;
use tether_model::presence::{Activity, ClientStatus, PartialUser, Presence, Status};
use tether_model::user::User;
use tether_model::voice::VoiceState;

use crate::common::{assert_round_trips, assert_value_round_trips};

fn id<T: From<u64> + std::fmt::Debug + 'static>() -> BoxedStrategy<T> {
    prop_oneof![any::<u64>(), 0..1000u64, Just(u64::MAX)]
        .prop_map(T::from)
        .boxed()
}

/// Strings that stress JSON escaping: arbitrary Unicode, control
/// characters, quotes and backslashes, emoji and combining marks.
fn text() -> BoxedStrategy<String> {
    prop_oneof![
        3 => any::<String>(),
        2 => "[a-z0-9_.]{0,32}",
        1 => Just("\"\\/\n\r\t\u{0}\u{1f}\u{7f}\u{2028}\u{fffd}\u{feff}🎉é\u{301}".to_owned()),
        1 => "[\"\\\\\u{0}-\u{1f}]{0,8}",
        1 => Just(String::new()),
    ]
    .boxed()
}

/// Any instant from 0000-01-01 to 9999-12-31, to the microsecond.
fn timestamp() -> BoxedStrategy<Timestamp> {
    (-62_167_219_200_000_000i64..=253_402_300_799_999_999)
        .prop_map(Timestamp::from_micros)
        .boxed()
}

fn permissions() -> BoxedStrategy<Permissions> {
    any::<u64>().prop_map(Permissions::from_bits_retain).boxed()
}

fn status() -> BoxedStrategy<Status> {
    prop_oneof![
        Just(Status::Online),
        Just(Status::Dnd),
        Just(Status::Idle),
        Just(Status::Invisible),
        Just(Status::Offline),
        Just(Status::Unknown),
    ]
    .boxed()
}

fn user() -> BoxedStrategy<User> {
    user_fields().boxed()
}

prop_compose! {
    fn user_fields()(
        id in id(), username in text(), discriminator in text(), global_name in of(text()),
        avatar in of(text()), bot in any::<bool>(), system in any::<bool>(),
        public_flags in of(any::<u64>()),
    ) -> User {
        User { id, username, discriminator, global_name, avatar, bot, system, public_flags }
    }
}

prop_compose! {
    fn member_of(user: BoxedStrategy<Option<User>>)(
        user in user, nick in of(text()), avatar in of(text()), roles in vec(id::<RoleId>(), 0..4),
        joined_at in of(timestamp()), premium_since in of(timestamp()),
        (deaf, mute, flags, pending) in (any::<bool>(), any::<bool>(), any::<u64>(), of(any::<bool>())),
        permissions in of(permissions()), communication_disabled_until in of(timestamp()),
    ) -> Member {
        Member {
            user, nick, avatar, roles, joined_at, premium_since, deaf, mute, flags, pending,
            permissions, communication_disabled_until,
        }
    }
}

fn member() -> BoxedStrategy<Member> {
    member_of(of(user()).boxed()).boxed()
}

/// A message's `member`: never with a user.
fn partial_member() -> BoxedStrategy<Member> {
    member_of(Just(None).boxed()).boxed()
}

fn emoji() -> BoxedStrategy<Emoji> {
    (
        of(id()),
        of(text()),
        vec(id(), 0..2),
        of(user()),
        of(any::<bool>()),
        of(any::<bool>()),
        of(any::<bool>()),
        of(any::<bool>()),
    )
        .prop_map(
            |(id, name, roles, user, require_colons, managed, animated, available)| Emoji {
                id,
                name,
                roles,
                user,
                require_colons,
                managed,
                animated,
                available,
            },
        )
        .boxed()
}

fn mention() -> BoxedStrategy<Mention> {
    (
        id(),
        text(),
        text(),
        of(text()),
        of(text()),
        any::<bool>(),
        of(any::<u64>()),
        of(partial_member()),
    )
        .prop_map(
            |(id, username, discriminator, global_name, avatar, bot, public_flags, member)| {
                Mention {
                    id,
                    username,
                    discriminator,
                    global_name,
                    avatar,
                    bot,
                    public_flags,
                    member,
                }
            },
        )
        .boxed()
}

fn attachment() -> BoxedStrategy<Attachment> {
    (
        id(),
        text(),
        any::<u64>(),
        text(),
        text(),
        of(text()),
        of(any::<u32>()),
        of(any::<u32>()),
        of(text()),
    )
        .prop_map(
            |(id, filename, size, url, proxy_url, content_type, height, width, description)| {
                Attachment {
                    id,
                    filename,
                    size,
                    url,
                    proxy_url,
                    content_type,
                    height,
                    width,
                    description,
                }
            },
        )
        .boxed()
}

fn media() -> BoxedStrategy<EmbedMedia> {
    (text(), of(text()), of(any::<u32>()), of(any::<u32>()))
        .prop_map(|(url, proxy_url, height, width)| EmbedMedia {
            url,
            proxy_url,
            height,
            width,
        })
        .boxed()
}

fn embed() -> BoxedStrategy<Embed> {
    (
        (
            of(text()),
            of(text()),
            of(text()),
            of(text()),
            of(timestamp()),
            of(any::<u32>()),
        ),
        of((text(), of(text())).prop_map(|(text, icon_url)| EmbedFooter { text, icon_url })),
        (of(media()), of(media()), of(media())),
        of(
            (text(), of(text()), of(text())).prop_map(|(name, url, icon_url)| EmbedAuthor {
                name,
                url,
                icon_url,
            }),
        ),
        vec(
            (text(), text(), any::<bool>()).prop_map(|(name, value, inline)| EmbedField {
                name,
                value,
                inline,
            }),
            0..3,
        ),
    )
        .prop_map(
            |(
                (title, kind, description, url, timestamp, color),
                footer,
                (image, thumbnail, video),
                author,
                fields,
            )| Embed {
                title,
                kind,
                description,
                url,
                timestamp,
                color,
                footer,
                image,
                thumbnail,
                video,
                author,
                fields,
            },
        )
        .boxed()
}

fn nonce() -> BoxedStrategy<Nonce> {
    prop_oneof![
        any::<i64>().prop_map(Nonce::Integer),
        text().prop_map(Nonce::String)
    ]
    .boxed()
}

prop_compose! {
    fn message_with(referenced: BoxedStrategy<Option<Option<Box<Message>>>>)(
        (id, channel_id, guild_id, author, member) in (id(), id(), of(id()), user(), of(partial_member())),
        (content, timestamp, edited_timestamp, tts, mention_everyone) in (text(), timestamp(), of(timestamp()), any::<bool>(), any::<bool>()),
        mentions in vec(mention(), 0..3),
        mention_roles in vec(id(), 0..3),
        attachments in vec(attachment(), 0..2),
        embeds in vec(embed(), 0..2),
        reactions in vec((any::<u32>(), any::<bool>(), emoji()).prop_map(|(count, me, emoji)| Reaction { count, me, emoji }), 0..2),
        (nonce, pinned, webhook_id, kind, application_id, flags) in (of(nonce()), any::<bool>(), of(id()), any::<u8>(), of(id()), of(any::<u64>())),
        message_reference in of((any::<u8>(), of(id()), of(id()), of(id()), of(any::<bool>())).prop_map(
            |(kind, message_id, channel_id, guild_id, fail_if_not_exists)| MessageReference { kind, message_id, channel_id, guild_id, fail_if_not_exists })),
        referenced_message in referenced,
        sticker_items in vec((id(), text(), any::<u8>()).prop_map(|(id, name, format_type)| StickerItem { id, name, format_type }), 0..2),
        channel_type in of(any::<u8>()),
    ) -> Message {
        Message {
            id, channel_id, guild_id, author, member, content, timestamp, edited_timestamp, tts,
            mention_everyone, mentions, mention_roles, attachments, embeds, reactions, nonce, pinned,
            webhook_id, kind, application_id, flags, message_reference, referenced_message,
            sticker_items, channel_type,
        }
    }
}

/// A message whose `referenced_message` is absent, null, or a message
/// (which itself references nothing).
fn message() -> BoxedStrategy<Message> {
    let leaf = message_with(Just(None).boxed()).prop_map(Box::new);
    let referenced = prop_oneof![
        Just(None),
        Just(Some(None)),
        leaf.prop_map(|m| Some(Some(m)))
    ];
    message_with(referenced.boxed()).boxed()
}

fn role() -> BoxedStrategy<Role> {
    (
        id(),
        text(),
        any::<u32>(),
        any::<bool>(),
        of(text()),
        of(text()),
        any::<i32>(),
        permissions(),
        any::<bool>(),
        any::<bool>(),
        any::<u64>(),
    )
        .prop_map(
            |(
                id,
                name,
                color,
                hoist,
                icon,
                unicode_emoji,
                position,
                permissions,
                managed,
                mentionable,
                flags,
            )| Role {
                id,
                name,
                color,
                hoist,
                icon,
                unicode_emoji,
                position,
                permissions,
                managed,
                mentionable,
                flags,
            },
        )
        .boxed()
}

fn thread_member() -> BoxedStrategy<ThreadMember> {
    (of(id()), of(id()), timestamp(), any::<u64>(), of(member()))
        .prop_map(
            |(id, user_id, join_timestamp, flags, member)| ThreadMember {
                id,
                user_id,
                join_timestamp,
                flags,
                member,
            },
        )
        .boxed()
}

fn channel() -> BoxedStrategy<Channel> {
    (
        (
            id::<ChannelId>(),
            any::<u8>(),
            of(id::<GuildId>()),
            of(any::<i32>()),
        ),
        vec(
            (id(), 0..2u8, permissions(), permissions()).prop_map(|(id, kind, allow, deny)| {
                PermissionOverwrite {
                    id,
                    kind,
                    allow,
                    deny,
                }
            }),
            0..3,
        ),
        (of(text()), of(text()), any::<bool>(), of(id::<MessageId>())),
        (
            of(any::<u32>()),
            of(any::<u32>()),
            of(any::<u32>()),
            vec(user(), 0..2),
        ),
        (
            of(id::<UserId>()),
            of(id()),
            of(id::<ChannelId>()),
            of(timestamp()),
        ),
        (of(any::<u32>()), of(any::<u32>())),
        of((
            any::<bool>(),
            any::<u32>(),
            timestamp(),
            any::<bool>(),
            of(any::<bool>()),
            of(timestamp()),
        )
            .prop_map(
                |(
                    archived,
                    auto_archive_duration,
                    archive_timestamp,
                    locked,
                    invitable,
                    create_timestamp,
                )| ThreadMetadata {
                    archived,
                    auto_archive_duration,
                    archive_timestamp,
                    locked,
                    invitable,
                    create_timestamp,
                },
            )),
        (of(thread_member()), of(any::<u64>()), of(any::<bool>())),
    )
        .prop_map(
            |(
                (id, kind, guild_id, position),
                permission_overwrites,
                (name, topic, nsfw, last_message_id),
                (bitrate, user_limit, rate_limit_per_user, recipients),
                (owner_id, application_id, parent_id, last_pin_timestamp),
                (message_count, member_count),
                thread_metadata,
                (member, flags, newly_created),
            )| Channel {
                id,
                kind,
                guild_id,
                position,
                permission_overwrites,
                name,
                topic,
                nsfw,
                last_message_id,
                bitrate,
                user_limit,
                rate_limit_per_user,
                recipients,
                owner_id,
                application_id,
                parent_id,
                last_pin_timestamp,
                message_count,
                member_count,
                thread_metadata,
                member,
                flags,
                newly_created,
            },
        )
        .boxed()
}

fn presence() -> BoxedStrategy<Presence> {
    let activity = (
        text(),
        any::<u8>(),
        of(text()),
        of(any::<u64>()),
        of(id()),
        of(text()),
        of(text()),
    )
        .prop_map(
            |(name, kind, url, created_at, application_id, details, state)| Activity {
                name,
                kind,
                url,
                created_at,
                application_id,
                details,
                state,
            },
        );
    (
        id(),
        of(id()),
        status(),
        vec(activity, 0..2),
        (of(status()), of(status()), of(status())),
    )
        .prop_map(
            |(id, guild_id, status, activities, (desktop, mobile, web))| Presence {
                user: PartialUser { id },
                guild_id,
                status,
                activities,
                client_status: ClientStatus {
                    desktop,
                    mobile,
                    web,
                },
            },
        )
        .boxed()
}

fn voice_state() -> BoxedStrategy<VoiceState> {
    (
        (of(id()), of(id()), id(), of(member()), text()),
        (
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            of(any::<bool>()),
            any::<bool>(),
            any::<bool>(),
        ),
        of(timestamp()),
    )
        .prop_map(
            |(
                (guild_id, channel_id, user_id, member, session_id),
                (deaf, mute, self_deaf, self_mute, self_stream, self_video, suppress),
                request_to_speak_timestamp,
            )| VoiceState {
                guild_id,
                channel_id,
                user_id,
                member,
                session_id,
                deaf,
                mute,
                self_deaf,
                self_mute,
                self_stream,
                self_video,
                suppress,
                request_to_speak_timestamp,
            },
        )
        .boxed()
}

fn sticker() -> BoxedStrategy<Sticker> {
    (
        id(),
        text(),
        of(text()),
        text(),
        any::<u8>(),
        any::<u8>(),
        of(any::<bool>()),
        of(id()),
    )
        .prop_map(
            |(id, name, description, tags, kind, format_type, available, guild_id)| Sticker {
                id,
                name,
                description,
                tags,
                kind,
                format_type,
                available,
                guild_id,
            },
        )
        .boxed()
}

fn guild() -> BoxedStrategy<Guild> {
    (
        (id(), text(), of(text()), id(), of(id()), any::<u32>()),
        (
            any::<u8>(),
            any::<u8>(),
            any::<u8>(),
            any::<u8>(),
            any::<u8>(),
            any::<u8>(),
        ),
        (vec(role(), 0..3), vec(emoji(), 0..2), vec(text(), 0..3)),
        (
            of(id()),
            of(id()),
            of(id()),
            of(text()),
            of(text()),
            of(any::<u32>()),
            text(),
        ),
        (
            vec(sticker(), 0..2),
            of(timestamp()),
            any::<bool>(),
            any::<bool>(),
            of(any::<u64>()),
        ),
        (
            vec(voice_state(), 0..2),
            vec(member(), 0..3),
            vec(channel(), 0..3),
            vec(channel(), 0..2),
            vec(presence(), 0..2),
        ),
    )
        .prop_map(
            |(
                (id, name, icon, owner_id, afk_channel_id, afk_timeout),
                (
                    verification_level,
                    default_message_notifications,
                    explicit_content_filter,
                    mfa_level,
                    premium_tier,
                    nsfw_level,
                ),
                (roles, emojis, features),
                (
                    application_id,
                    system_channel_id,
                    rules_channel_id,
                    description,
                    banner,
                    premium_subscription_count,
                    preferred_locale,
                ),
                (stickers, joined_at, large, unavailable, member_count),
                (voice_states, members, channels, threads, presences),
            )| Guild {
                id,
                name,
                icon,
                owner_id,
                afk_channel_id,
                afk_timeout,
                verification_level,
                default_message_notifications,
                explicit_content_filter,
                roles,
                emojis,
                features,
                mfa_level,
                application_id,
                system_channel_id,
                rules_channel_id,
                description,
                banner,
                premium_tier,
                premium_subscription_count,
                preferred_locale,
                nsfw_level,
                stickers,
                joined_at,
                large,
                unavailable,
                member_count,
                voice_states,
                members,
                channels,
                threads,
                presences,
            },
        )
        .boxed()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn users_round_trip(user in user()) {
        assert_value_round_trips(&user);
    }

    #[test]
    fn members_round_trip(member in member()) {
        assert_value_round_trips(&member);
    }

    #[test]
    fn messages_round_trip(message in message()) {
        assert_value_round_trips(&message);
        assert_round_trips(&Event::MessageCreate(Box::new(message)));
    }

    #[test]
    fn timestamps_round_trip_as_text(t in timestamp()) {
        prop_assert_eq!(t.to_string().parse::<Timestamp>(), Ok(t));
    }
}

proptest! {
    // Guilds are large; fewer cases keep the suite fast.
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn guilds_round_trip(guild in guild()) {
        assert_value_round_trips(&guild);
        assert_round_trips(&Event::GuildCreate(Box::new(guild)));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

    /// Needs `serde_json`'s `float_roundtrip` (enabled by tether-model):
    /// without it `-6.102789138431949e-246` came back one ulp off.
    #[test]
    fn floats_round_trip(retry_after in any::<f64>().prop_filter("finite", |f| f.is_finite())) {
        let json = format!(r#"{{"opcode":8,"retry_after":{}}}"#, serde_json::to_string(&retry_after).unwrap());
        let event = Event::from_dispatch("RATE_LIMITED", &json).unwrap();
        assert_round_trips(&event);
    }

    #[test]
    fn number_options_round_trip(value in any::<f64>().prop_filter("finite", |f| f.is_finite())) {
        let option = CommandOption { name: "n".into(), kind: 10, value: Some(OptionValue::Number(value)), ..CommandOption::default() };
        // An integral float is written as `3.0` and so stays a number.
        assert_value_round_trips(&option);
    }
}
