//! Each call sends the documented method, path, headers and body, and
//! decodes the answer.

use serde_json::Value;
use tether_http::request::ReactionEmoji;
use tether_http::{ErrorKind, USER_AGENT};
use tether_model::id::{ChannelId, EmojiId, GuildId, MessageId, UserId};
use tether_model::message::{AllowedMentions, Embed, Nonce};

use crate::server::{Server, TOKEN};

const CHANNEL: ChannelId = ChannelId::new(381_870_553_235_193_857);

#[tokio::test]
async fn login_sends_bot_token_once_and_discords_user_agent() {
    let server = Server::loose().await;
    let me = server.client().current_user().await.unwrap();
    assert_eq!(me.user.id, UserId::new(1));
    assert!(me.user.bot);

    let hits = server.hits();
    assert_eq!(hits.len(), 1);
    assert_eq!(
        (hits[0].method.as_str(), hits[0].path.as_str()),
        ("GET", "/users/@me")
    );
    assert_eq!(
        hits[0].authorization.as_deref(),
        Some(format!("Bot {TOKEN}").as_str())
    );
    assert_eq!(hits[0].user_agent.as_deref(), Some(USER_AGENT));
    assert!(USER_AGENT.starts_with("DiscordBot ("));
}

#[tokio::test]
async fn token_with_bot_prefix_and_whitespace_is_sent_once() {
    let server = Server::loose().await;
    let client =
        tether_http::Client::builder(tether_model::Token::new(&format!("  Bot {TOKEN}\n")))
            .api_base(format!("{}/", server.base))
            .build()
            .unwrap();
    client.current_user().await.unwrap();
    assert_eq!(
        server.hits()[0].authorization.as_deref(),
        Some(format!("Bot {TOKEN}").as_str())
    );
}

#[tokio::test]
async fn application_and_gateway_discovery() {
    let server = Server::loose().await;
    let client = server.client();
    let app = client.current_application().await.unwrap();
    assert_eq!(app.name, "tether-test");
    assert_eq!(app.owner.map(|o| o.id), Some(UserId::new(2)));

    let gateway = client.gateway().await.unwrap();
    assert_eq!(gateway.url, "ws://127.0.0.1:1");

    let bot = client.gateway_bot().await.unwrap();
    assert_eq!(bot.shards, 2);
    assert_eq!(bot.session_start_limit.remaining, 998);
    assert_eq!(bot.session_start_limit.max_concurrency, 1);

    let paths: Vec<_> = server.hits().into_iter().map(|h| h.path).collect();
    assert_eq!(
        paths,
        ["/oauth2/applications/@me", "/gateway", "/gateway/bot"]
    );
}

#[tokio::test]
async fn create_message_sends_every_field_set() {
    let server = Server::loose().await;
    let client = server.client();
    let sent = client
        .create_message(CHANNEL)
        .content("hi")
        .embed(Embed {
            title: Some("title".into()),
            ..Embed::default()
        })
        .allowed_mentions(AllowedMentions {
            users: vec![UserId::new(7)],
            ..AllowedMentions::default()
        })
        .reply_to(MessageId::new(99))
        .fail_if_not_exists(false)
        .nonce(Nonce::String("n-1".into()))
        .enforce_nonce(true)
        .send()
        .await
        .unwrap();
    assert_eq!(sent.content, "hi");
    assert_eq!(sent.channel_id, CHANNEL);
    assert_eq!(sent.nonce, Some(Nonce::String("n-1".into())));

    let hit = &server.hits()[0];
    assert_eq!(hit.method, "POST");
    assert_eq!(hit.path, format!("/channels/{CHANNEL}/messages"));
    let body: Value = serde_json::from_slice(&hit.body).unwrap();
    assert_eq!(body["content"], "hi");
    assert_eq!(body["embeds"][0]["title"], "title");
    assert_eq!(body["allowed_mentions"]["users"][0], "7");
    assert_eq!(body["allowed_mentions"]["parse"], serde_json::json!([]));
    assert_eq!(body["message_reference"]["message_id"], "99");
    assert_eq!(body["message_reference"]["channel_id"], CHANNEL.to_string());
    assert_eq!(body["message_reference"]["fail_if_not_exists"], false);
    assert_eq!(body["nonce"], "n-1");
    assert_eq!(body["enforce_nonce"], true);
    assert!(body.get("tts").is_none());
}

#[tokio::test]
async fn invalid_messages_are_refused_before_any_request() {
    let server = Server::loose().await;
    let client = server.client();

    let long = client
        .create_message(CHANNEL)
        .content("x".repeat(2001))
        .send()
        .await;
    let err = long.unwrap_err();
    assert!(
        matches!(
            err.kind(),
            ErrorKind::Validation {
                field: "content",
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "invalid content: 2001 characters, at most 2000 (POST /channels/{channel_id}/messages)"
    );

    let empty = client.create_message(CHANNEL).send().await.unwrap_err();
    assert!(matches!(
        empty.kind(),
        ErrorKind::Validation {
            field: "content",
            ..
        }
    ));

    let nonce = client
        .create_message(CHANNEL)
        .content("x")
        .nonce(Nonce::String("n".repeat(26)))
        .send()
        .await
        .unwrap_err();
    assert!(matches!(
        nonce.kind(),
        ErrorKind::Validation { field: "nonce", .. }
    ));

    let embeds = client
        .create_message(CHANNEL)
        .embeds(vec![Embed::default(); 11])
        .send()
        .await
        .unwrap_err();
    assert!(matches!(
        embeds.kind(),
        ErrorKind::Validation {
            field: "embeds",
            ..
        }
    ));

    let edit = client
        .edit_message(CHANNEL, MessageId::new(1))
        .content("y".repeat(2001))
        .send()
        .await
        .unwrap_err();
    assert!(matches!(
        edit.kind(),
        ErrorKind::Validation {
            field: "content",
            ..
        }
    ));

    let limit = client.messages(CHANNEL).limit(0).send().await.unwrap_err();
    assert!(matches!(
        limit.kind(),
        ErrorKind::Validation { field: "limit", .. }
    ));

    let emoji = client
        .add_reaction(CHANNEL, MessageId::new(1), "")
        .await
        .unwrap_err();
    assert!(matches!(
        emoji.kind(),
        ErrorKind::Validation { field: "emoji", .. }
    ));

    assert!(server.hits().is_empty(), "{:?}", server.hits());
}

#[tokio::test]
async fn message_reads_edits_and_deletes() {
    let server = Server::loose().await;
    let client = server.client();

    let message = client.message(CHANNEL, MessageId::new(42)).await.unwrap();
    assert_eq!(
        (message.id, message.content.as_str()),
        (MessageId::new(42), "hello")
    );

    let page = client
        .messages(CHANNEL)
        .limit(3)
        .before(MessageId::new(400))
        .send()
        .await
        .unwrap();
    assert_eq!(page.len(), 3);
    let all = client
        .messages(CHANNEL)
        .after(MessageId::new(5))
        .around(MessageId::new(6))
        .send()
        .await
        .unwrap();
    assert_eq!(all.len(), 50);

    let edited = client
        .edit_message(CHANNEL, MessageId::new(42))
        .content("edited")
        .send()
        .await
        .unwrap();
    assert_eq!(edited.content, "edited");
    assert!(edited.edited_timestamp.is_some());

    client
        .delete_message(CHANNEL, MessageId::new(42))
        .await
        .unwrap();

    let hits: Vec<_> = server
        .hits()
        .into_iter()
        .map(|h| (h.method, h.path))
        .collect();
    let c = CHANNEL;
    assert_eq!(
        hits,
        [
            ("GET".into(), format!("/channels/{c}/messages/42")),
            (
                "GET".into(),
                format!("/channels/{c}/messages?limit=3&before=400")
            ),
            ("GET".into(), format!("/channels/{c}/messages?around=6")),
            ("PATCH".into(), format!("/channels/{c}/messages/42")),
            ("DELETE".into(), format!("/channels/{c}/messages/42")),
        ]
    );
}

#[tokio::test]
async fn reactions_are_percent_encoded() {
    let server = Server::loose().await;
    let client = server.client();
    client
        .add_reaction(CHANNEL, MessageId::new(9), "🔥")
        .await
        .unwrap();
    let custom = ReactionEmoji::Custom {
        name: "blob_wave".into(),
        id: EmojiId::new(123),
    };
    client
        .add_reaction(CHANNEL, MessageId::new(9), custom)
        .await
        .unwrap();
    let paths: Vec<_> = server.hits().into_iter().map(|h| h.path).collect();
    assert_eq!(
        paths,
        [
            format!("/channels/{CHANNEL}/messages/9/reactions/%F0%9F%94%A5/@me"),
            format!("/channels/{CHANNEL}/messages/9/reactions/blob_wave%3A123/@me"),
        ]
    );
}

#[tokio::test]
async fn channel_guild_member_and_typing() {
    let server = Server::loose().await;
    let client = server.client();
    let channel = client.channel(CHANNEL).await.unwrap();
    assert_eq!(channel.name.as_deref(), Some("general"));
    let guild = client.guild(GuildId::new(100)).await.unwrap();
    assert_eq!(guild.name, "Test Guild");
    let member = client
        .guild_member(GuildId::new(100), UserId::new(5))
        .await
        .unwrap();
    assert_eq!(member.user.map(|u| u.id), Some(UserId::new(5)));
    client.trigger_typing(CHANNEL).await.unwrap();
    let last = server.hits().pop().unwrap();
    assert_eq!(
        (last.method.as_str(), last.path),
        ("POST", format!("/channels/{CHANNEL}/typing"))
    );
}
