//! `wait_for`: matches, timeouts, many waiters, cancelled waiters.

use std::time::Duration;

use tether::{ErrorKind, kinds};

use crate::support;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waits_match_time_out_and_run_many_at_once() {
    let emulator = support::emulator().await;
    let (handle, task) = support::start_ready(support::client(&emulator).event_types(
        tether::EventTypeFlags::from(tether::EventType::MessageCreate),
    ))
    .await;

    // Fifty waiters, each for its own message, registered before any is sent.
    let mut waits = Vec::new();
    for i in 0..50 {
        let h = handle.clone();
        let want = format!("msg {i}");
        waits.push(tokio::spawn(async move {
            h.wait_for::<kinds::MessageCreate>(move |m| m.content == want, Duration::from_secs(10))
                .await
        }));
    }
    let lonely = handle.clone();
    let timeout = tokio::spawn(async move {
        lonely
            .wait_for::<kinds::MessageCreate>(|m| m.content == "never", Duration::from_millis(300))
            .await
    });
    // Waiters register on their first poll: let the tasks run until all
    // 51 are in, before anything is said.
    tokio::time::timeout(Duration::from_secs(10), async {
        while handle.waiters() != 51 {
            tokio::task::yield_now().await;
        }
    })
    .await
    .expect("every waiter registers");
    let (user, channel) = (emulator.human_id(), emulator.channel_id());
    for i in (0..50).rev() {
        emulator.say(user, channel, format!("msg {i}")).unwrap();
    }
    for (i, wait) in waits.into_iter().enumerate() {
        let m = wait.await.unwrap().unwrap();
        assert_eq!(m.content, format!("msg {i}"));
    }
    let err = timeout.await.unwrap().unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Timeout), "{err}");

    // Asking for a type the client does not decode is an error, not a hang.
    let err = handle
        .wait_for::<kinds::TypingStart>(|_| true, Duration::from_secs(1))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err.kind(),
            ErrorKind::NotReceived {
                event: "TYPING_START"
            }
        ),
        "{err}"
    );

    handle.shutdown();
    task.await.unwrap().unwrap();
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_wait_is_removed() {
    let emulator = support::emulator().await;
    let (handle, task) = support::start_ready(support::client(&emulator).event_types(
        tether::EventTypeFlags::from(tether::EventType::MessageCreate),
    ))
    .await;
    let h = handle.clone();
    let cancelled = tokio::spawn(async move {
        h.wait_for::<kinds::MessageCreate>(|_| true, Duration::from_secs(60))
            .await
    });
    // Wait until it is registered, then cancel it.
    tokio::time::timeout(Duration::from_secs(10), async {
        while handle.waiters() != 1 {
            tokio::task::yield_now().await;
        }
    })
    .await
    .expect("the waiter registers");
    cancelled.abort();
    assert!(cancelled.await.unwrap_err().is_cancelled());
    assert_eq!(handle.waiters(), 0, "the aborted waiter removed itself");
    handle.shutdown();
    task.await.unwrap().unwrap();
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_members_gathers_every_chunk() {
    const MEMBERS: usize = 2500;
    use tether::model::gateway::RequestGuildMembers;
    use tether::model::id::UserId;

    let emulator = support::emulator().await;
    let guild = emulator.guild_id();
    for i in 0..MEMBERS {
        let user = emulator.create_user(&format!("member{i}"));
        emulator.add_member(guild, user.id).unwrap();
    }
    let (handle, task) = support::start_ready(
        support::client(&emulator)
            .intents(tether::Intents::GUILDS | tether::Intents::GUILD_MEMBERS),
    )
    .await;
    let all = handle
        .request_members(
            RequestGuildMembers::query(guild, "", 0),
            Duration::from_secs(10),
        )
        .await
        .unwrap();
    // 2500 new members, alice and the bot: three chunks of at most 1000.
    assert_eq!(all.members.len(), 2502);
    let stranger = UserId::new(42);
    let some = handle
        .request_members(
            RequestGuildMembers::user_ids(guild, vec![emulator.human_id(), stranger]),
            Duration::from_secs(10),
        )
        .await
        .unwrap();
    assert_eq!(some.members.len(), 1);
    assert_eq!(some.not_found, [stranger]);
    handle.shutdown();
    task.await.unwrap().unwrap();
    emulator.shutdown().await;
}
