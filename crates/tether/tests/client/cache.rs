//! The cache inside the client: updated before handlers run, with the
//! state before each event available to them.

use std::time::Duration;

use tether::cache::Update;
use tether::kinds;
use tokio::sync::mpsc;

use crate::support;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handlers_see_the_cache_and_the_state_before_the_event() {
    let emulator = support::emulator().await;
    let (tx, mut rx) = mpsc::unbounded_channel();
    let (created, edited, removed) = (tx.clone(), tx.clone(), tx);
    let builder = support::client(&emulator)
        .intents(
            tether::Intents::GUILDS
                | tether::Intents::GUILD_MEMBERS
                | tether::Intents::GUILD_MESSAGES
                | tether::Intents::MESSAGE_CONTENT,
        )
        .on_message(move |ctx, msg| {
            let created = created.clone();
            async move {
                // Already in the cache when the handler runs.
                let cached = ctx.cache().message(msg.id).map(|m| m.content().to_owned());
                let _ = created.send(format!("create {cached:?}"));
            }
        })
        .on::<kinds::MessageUpdate, _, _>(move |ctx, after| {
            let edited = edited.clone();
            async move {
                let before = match ctx.before() {
                    Update::Message(old) => old.content().to_owned(),
                    other => format!("{other:?}"),
                };
                let _ = edited.send(format!(
                    "edit {before} -> {}",
                    after.content.unwrap_or_default()
                ));
            }
        })
        .on::<kinds::GuildMemberRemove, _, _>(move |ctx, gone| {
            let removed = removed.clone();
            async move {
                let known =
                    matches!(ctx.before(), Update::Member(m) if m.user_id() == gone.user.id);
                let cached = ctx.cache().member(gone.guild_id, gone.user.id).is_some();
                let _ = removed.send(format!("remove known={known} still_cached={cached}"));
            }
        });
    let (handle, task) = support::start_ready(builder).await;
    let (guild, channel, alice) = (
        emulator.guild_id(),
        emulator.channel_id(),
        emulator.human_id(),
    );
    let said = emulator.say(alice, channel, "first").unwrap();
    assert_eq!(next(&mut rx).await, r#"create Some("first")"#);
    emulator
        .edit_message(alice, channel, said.id, "second")
        .unwrap();
    assert_eq!(next(&mut rx).await, "edit first -> second");
    emulator.remove_member(guild, alice).unwrap();
    assert_eq!(next(&mut rx).await, "remove known=true still_cached=false");
    handle.shutdown();
    task.await.unwrap().unwrap();
    emulator.shutdown().await;
}

async fn next(rx: &mut mpsc::UnboundedReceiver<String>) -> String {
    tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .unwrap()
        .unwrap()
}
