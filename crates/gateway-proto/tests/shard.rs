//! Conversation tests of the sans-IO shard, driven by a fake clock.
//!
//! Every test builds instants as `t0 + duration`; nothing sleeps and nothing
//! touches a socket. Server frames are written out as JSON, the way Discord
//! sends them.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)] // tests fail loudly

use std::time::{Duration, Instant};

use proptest::prelude::*;
use tether_gateway_proto::{
    Backoff, CloseFrame, CloseKind, Compression, DisconnectReason, FatalErrorKind, Message, Output,
    Session, Shard, ShardConfig, ShardEvent, ShardId, ShardStatus,
};
use tether_model::gateway::{
    CloseCode, Command, Event, EventType, EventTypeFlags, RequestGuildMembers, UpdatePresence,
};
use tether_model::id::GuildId;
use tether_model::{Intents, Token};

const INTERVAL: Duration = Duration::from_millis(41_250);
const GATEWAY: &str = "wss://gateway.example";
const RESUME: &str = "wss://resume.example";

/// The fake clock's origin; every other instant is `origin() + duration`.
#[allow(clippy::disallowed_methods)] // one real instant to build fake ones on
fn origin() -> Instant {
    Instant::now()
}

fn config() -> ShardConfig {
    ShardConfig::new(Token::new("secret-token"), Intents::GUILD_MESSAGES)
        .gateway_url(GATEWAY)
        .compression(Compression::None)
        .jitter(0.25)
        .seed(7)
}

fn drain(shard: &mut Shard) -> (Vec<Output>, Option<Instant>) {
    let mut out = Vec::new();
    for _ in 0..10_000 {
        match shard.poll_output() {
            Output::Wait(deadline) => return (out, deadline),
            other => out.push(other),
        }
    }
    panic!("shard produced outputs without end");
}

fn transmits(outputs: &[Output]) -> Vec<String> {
    outputs
        .iter()
        .filter_map(|o| match o {
            Output::Transmit(t) => Some(t.as_str().to_owned()),
            _ => None,
        })
        .collect()
}

fn op_of(json: &str) -> u64 {
    serde_json::from_str::<serde_json::Value>(json).unwrap()["op"]
        .as_u64()
        .unwrap()
}

fn connect_url(outputs: &[Output]) -> Option<String> {
    outputs.iter().find_map(|o| match o {
        Output::Connect { url } => Some(url.clone()),
        _ => None,
    })
}

fn closes(outputs: &[Output]) -> Vec<u16> {
    outputs
        .iter()
        .filter_map(|o| match o {
            Output::Close(f) => Some(f.code),
            _ => None,
        })
        .collect()
}

fn dispatches(outputs: &[Output]) -> Vec<(u64, String)> {
    outputs
        .iter()
        .filter_map(|o| match o {
            Output::Event(ShardEvent::Dispatch { sequence, event }) => {
                Some((*sequence, event.name().to_owned()))
            }
            _ => None,
        })
        .collect()
}

fn disconnect_of(outputs: &[Output]) -> Option<(&DisconnectReason, bool)> {
    outputs.iter().find_map(|o| match o {
        Output::Event(ShardEvent::Disconnected {
            reason,
            will_resume,
        }) => Some((reason, *will_resume)),
        _ => None,
    })
}

fn text(shard: &mut Shard, now: Instant, json: &str) -> Vec<Output> {
    shard.handle_message(now, Message::Text(json));
    drain(shard).0
}

fn hello() -> String {
    format!(
        r#"{{"t":null,"s":null,"op":10,"d":{{"heartbeat_interval":{},"_trace":["x"]}}}}"#,
        INTERVAL.as_millis()
    )
}

fn ready(seq: u64) -> String {
    format!(
        r#"{{"t":"READY","s":{seq},"op":0,"d":{{"v":10,"user":{{"id":"1","username":"bot","discriminator":"0000","bot":true}},
        "guilds":[{{"id":"2","unavailable":true}}],"session_id":"sess-1","resume_gateway_url":"{RESUME}",
        "shard":[0,1],"application":{{"id":"3","flags":0}},"_trace":[]}}}}"#
    )
}

fn message(seq: u64, content: &str) -> String {
    format!(
        r#"{{"t":"MESSAGE_CREATE","s":{seq},"op":0,"d":{{"id":"{seq}","channel_id":"5","guild_id":"2",
        "author":{{"id":"9","username":"alice","discriminator":"0","global_name":null,"avatar":null}},
        "content":"{content}","timestamp":"2024-01-01T00:00:00.000000+00:00","edited_timestamp":null,
        "tts":false,"mention_everyone":false,"mentions":[],"mention_roles":[],"attachments":[],
        "embeds":[],"pinned":false,"type":0}}}}"#
    )
}

/// Opens the first connection, answers Hello, grants the identify permit
/// and delivers READY with sequence 1. Returns the instant after it all.
fn establish(shard: &mut Shard, t0: Instant) -> Instant {
    let (out, _) = drain(shard);
    assert!(connect_url(&out).is_some());
    shard.handle_open(t0);
    let out = text(shard, t0, &hello());
    assert!(out.iter().any(|o| matches!(o, Output::RequestIdentify)));
    shard.handle_identify_permit(t0);
    let (out, _) = drain(shard);
    assert_eq!(
        transmits(&out).iter().map(|t| op_of(t)).collect::<Vec<_>>(),
        [2]
    );
    text(shard, t0, &ready(1));
    assert_eq!(shard.status(), ShardStatus::Connected);
    t0
}

#[test]
fn connect_url_has_version_encoding_and_compression() {
    let mut shard = Shard::new(config().compression(Compression::ZstdStream));
    let (out, _) = drain(&mut shard);
    assert_eq!(
        connect_url(&out).unwrap(),
        "wss://gateway.example/?v=10&encoding=json&compress=zstd-stream"
    );
}

#[test]
fn identify_carries_token_intents_shard_and_properties() {
    let cfg = config()
        .shard(ShardId::new(3, 8).unwrap())
        .large_threshold(250)
        .presence(UpdatePresence::online_with(0, "tests"));
    let mut shard = Shard::new(cfg);
    let t0 = origin();
    drain(&mut shard);
    shard.handle_open(t0);
    text(&mut shard, t0, &hello());
    shard.handle_identify_permit(t0);
    let (out, _) = drain(&mut shard);
    let identify: serde_json::Value = serde_json::from_str(&transmits(&out)[0]).unwrap();
    assert_eq!(identify["op"], 2);
    assert_eq!(identify["d"]["token"], "secret-token");
    assert_eq!(identify["d"]["intents"], 512);
    assert_eq!(identify["d"]["shard"], serde_json::json!([3, 8]));
    assert_eq!(identify["d"]["large_threshold"], 250);
    assert_eq!(identify["d"]["properties"]["browser"], "tether");
    assert_eq!(identify["d"]["presence"]["activities"][0]["name"], "tests");
    // The token never shows in Debug output of what the driver handles.
    assert!(!format!("{out:?}").contains("secret-token"));
}

#[test]
fn first_heartbeat_after_jitter_then_every_interval() {
    let mut shard = Shard::new(config().jitter(0.25));
    let t0 = origin();
    drain(&mut shard);
    shard.handle_open(t0);
    shard.handle_message(t0, Message::Text(&hello()));
    let (out, deadline) = drain(&mut shard);
    assert!(out.iter().any(|o| matches!(
        o,
        Output::Event(ShardEvent::Hello { heartbeat_interval }) if *heartbeat_interval == INTERVAL
    )));
    let first = t0 + INTERVAL.mul_f64(0.25);
    assert_eq!(deadline, Some(first));

    // A spurious wake-up early sends nothing.
    shard.handle_timeout(first.checked_sub(Duration::from_millis(1)).unwrap());
    assert!(transmits(&drain(&mut shard).0).is_empty());

    shard.handle_timeout(first);
    let (out, deadline) = drain(&mut shard);
    assert_eq!(transmits(&out), [r#"{"op":1,"d":null}"#]);
    assert_eq!(deadline, Some(first + INTERVAL));

    text(
        &mut shard,
        first + Duration::from_millis(40),
        r#"{"op":11}"#,
    );
    assert_eq!(shard.latency(), Some(Duration::from_millis(40)));

    shard.handle_timeout(first + INTERVAL);
    let (out, deadline) = drain(&mut shard);
    assert_eq!(transmits(&out).len(), 1);
    assert_eq!(deadline, Some(first + INTERVAL * 2));
}

#[test]
fn random_jitter_is_within_one_interval_and_seeded() {
    let deadlines: Vec<_> = [1, 1, 2]
        .into_iter()
        .map(|seed| {
            let mut shard = Shard::new(
                ShardConfig::new(Token::new("t"), Intents::empty())
                    .compression(Compression::None)
                    .seed(seed),
            );
            let t0 = origin();
            drain(&mut shard);
            shard.handle_open(t0);
            shard.handle_message(t0, Message::Text(&hello()));
            let offset = drain(&mut shard).1.unwrap() - t0;
            assert!(offset < INTERVAL);
            offset
        })
        .collect();
    assert_eq!(deadlines[0], deadlines[1], "same seed, same jitter");
    assert_ne!(deadlines[0], deadlines[2], "other seed, other jitter");
}

#[test]
fn heartbeat_carries_last_sequence() {
    let mut shard = Shard::new(config());
    let t0 = establish(&mut shard, origin());
    text(&mut shard, t0, &message(2, "a"));
    text(&mut shard, t0, &message(5, "b"));
    shard.handle_timeout(t0 + INTERVAL);
    let (out, _) = drain(&mut shard);
    assert_eq!(transmits(&out), [r#"{"op":1,"d":5}"#]);
}

#[test]
fn server_heartbeat_request_beats_at_once_without_moving_the_timer() {
    let mut shard = Shard::new(config());
    let t0 = establish(&mut shard, origin());
    let (_, before) = drain(&mut shard);
    let out = text(
        &mut shard,
        t0 + Duration::from_secs(1),
        r#"{"op":1,"d":null}"#,
    );
    assert_eq!(transmits(&out), [r#"{"op":1,"d":1}"#]);
    assert_eq!(drain(&mut shard).1, before);
}

#[test]
fn resume_after_zombie_connection() {
    let mut shard = Shard::new(config().backoff(Backoff::new(Duration::ZERO, Duration::ZERO)));
    let t0 = establish(&mut shard, origin());
    let first = t0 + INTERVAL.mul_f64(0.25);
    shard.handle_timeout(first);
    drain(&mut shard);
    // Dispatches still flow, but the ACK never comes.
    text(&mut shard, first + Duration::from_secs(1), &message(2, "x"));
    shard.handle_timeout(first + INTERVAL);
    let (out, _) = drain(&mut shard);
    assert!(transmits(&out).is_empty(), "no beat on a zombie connection");
    assert_eq!(closes(&out), [4000], "closed keeping the session");
    let (reason, will_resume) = disconnect_of(&out).unwrap();
    assert!(matches!(reason, DisconnectReason::Zombie));
    assert!(will_resume);

    shard.handle_close(first + INTERVAL, None);
    let (out, _) = drain(&mut shard);
    assert!(connect_url(&out).unwrap().starts_with(RESUME));
    let now = first + INTERVAL;
    shard.handle_open(now);
    let out = text(&mut shard, now, &hello());
    let resume: serde_json::Value = serde_json::from_str(&transmits(&out)[0]).unwrap();
    assert_eq!(resume["op"], 6);
    assert_eq!(resume["d"]["session_id"], "sess-1");
    assert_eq!(resume["d"]["seq"], 2);
    assert_eq!(resume["d"]["token"], "secret-token");
}

#[test]
fn reconnect_opcode_uses_resume_url() {
    let mut shard = Shard::new(config());
    let t0 = establish(&mut shard, origin());
    let out = text(&mut shard, t0, r#"{"t":null,"s":null,"op":7,"d":null}"#);
    assert_eq!(closes(&out), [4000]);
    assert!(matches!(
        disconnect_of(&out),
        Some((DisconnectReason::Reconnect, true))
    ));
    shard.handle_close(t0, Some(CloseFrame::resume()));
    let (out, _) = drain(&mut shard);
    assert_eq!(
        connect_url(&out).unwrap(),
        "wss://resume.example/?v=10&encoding=json"
    );
}

#[test]
fn resume_after_drop_keeps_sequence_and_drops_replayed_duplicates() {
    let mut shard = Shard::new(config().backoff(Backoff::new(Duration::ZERO, Duration::ZERO)));
    let t0 = establish(&mut shard, origin());
    for seq in 2..=4 {
        text(&mut shard, t0, &message(seq, "before"));
    }
    // TCP drop: no close frame.
    shard.handle_close(t0, None);
    let (out, _) = drain(&mut shard);
    assert!(matches!(
        disconnect_of(&out),
        Some((DisconnectReason::Closed(None), true))
    ));
    assert!(connect_url(&out).unwrap().starts_with(RESUME));
    shard.handle_open(t0);
    let out = text(&mut shard, t0, &hello());
    assert!(transmits(&out)[0].contains(r#""seq":4"#));
    assert_eq!(shard.status(), ShardStatus::Resuming);

    // A server that replays one event too many: 4 is dropped.
    let mut seen = Vec::new();
    for seq in 4..=6 {
        seen.extend(dispatches(&text(&mut shard, t0, &message(seq, "replay"))));
    }
    let out = text(
        &mut shard,
        t0,
        r#"{"t":"RESUMED","s":7,"op":0,"d":{"_trace":[]}}"#,
    );
    seen.extend(dispatches(&out));
    assert_eq!(
        seen,
        [
            (5, "MESSAGE_CREATE".to_owned()),
            (6, "MESSAGE_CREATE".to_owned()),
            (7, "RESUMED".to_owned())
        ]
    );
    assert_eq!(shard.status(), ShardStatus::Connected);
    assert_eq!(shard.stats().duplicates, 1);
    assert_eq!(shard.session().unwrap().sequence, 7);
}

#[test]
fn invalid_session_resumable_resumes() {
    let mut shard = Shard::new(config());
    let t0 = establish(&mut shard, origin());
    let out = text(&mut shard, t0, r#"{"op":9,"d":true}"#);
    assert_eq!(closes(&out), [4000]);
    shard.handle_close(t0, None);
    let (out, _) = drain(&mut shard);
    assert!(connect_url(&out).unwrap().starts_with(RESUME));
    assert!(shard.session().is_some());
}

#[test]
fn invalid_session_not_resumable_reidentifies_after_one_to_five_seconds() {
    for seed in 0..20 {
        let mut shard = Shard::new(config().seed(seed));
        let t0 = establish(&mut shard, origin());
        let out = text(&mut shard, t0, r#"{"op":9,"d":false}"#);
        assert!(matches!(
            disconnect_of(&out),
            Some((DisconnectReason::InvalidSession { resumable: false }, false))
        ));
        assert_eq!(closes(&out), [1000]);
        assert!(shard.session().is_none());
        shard.handle_close(t0, None);
        let (out, deadline) = drain(&mut shard);
        assert!(connect_url(&out).is_none(), "waits before reconnecting");
        let wait = deadline.unwrap() - t0;
        assert!(
            (Duration::from_secs(1)..=Duration::from_secs(5)).contains(&wait),
            "{wait:?}"
        );
        shard.handle_timeout(deadline.unwrap());
        let (out, _) = drain(&mut shard);
        assert!(connect_url(&out).unwrap().starts_with(GATEWAY));
        shard.handle_open(deadline.unwrap());
        let out = text(&mut shard, deadline.unwrap(), &hello());
        assert!(out.iter().any(|o| matches!(o, Output::RequestIdentify)));
        assert!(transmits(&out).is_empty(), "no resume without a session");
    }
}

#[test]
fn every_close_code_has_its_outcome() {
    for code in CloseCode::ALL {
        let mut shard = Shard::new(config().intents_for_test());
        let t0 = establish(&mut shard, origin());
        shard.handle_close(
            t0,
            Some(CloseFrame {
                code: code.code(),
                reason: code.description().to_owned(),
            }),
        );
        let (out, deadline) = drain(&mut shard);
        let fatal = out.iter().find_map(|o| match o {
            Output::Event(ShardEvent::Fatal(e)) => Some(e),
            _ => None,
        });
        match code.code() {
            4004 | 4010 | 4011 | 4012 | 4013 | 4014 => {
                let fatal = fatal.unwrap_or_else(|| panic!("{code:?} must be fatal"));
                assert_eq!(fatal.close_code(), code);
                assert_eq!(shard.status(), ShardStatus::Stopped);
                assert!(connect_url(&out).is_none());
                assert_eq!(deadline, None);
                let message = fatal.to_string();
                assert!(message.contains(&code.code().to_string()), "{message}");
            }
            4007 | 4009 => {
                assert!(fatal.is_none());
                assert!(shard.session().is_none(), "{code:?} drops the session");
                assert!(
                    connect_url(&out).is_none() || connect_url(&out).unwrap().starts_with(GATEWAY)
                );
            }
            _ => {
                assert!(fatal.is_none());
                assert!(shard.session().is_some(), "{code:?} keeps the session");
            }
        }
    }
}

#[test]
fn disallowed_intents_names_the_intent_and_the_portal() {
    let mut shard = Shard::new(config().intents_for_test());
    let t0 = establish(&mut shard, origin());
    shard.handle_close(
        t0,
        Some(CloseFrame {
            code: 4014,
            reason: "Disallowed intent(s).".to_owned(),
        }),
    );
    let (out, _) = drain(&mut shard);
    let Some(Output::Event(ShardEvent::Fatal(error))) = out
        .into_iter()
        .find(|o| matches!(o, Output::Event(ShardEvent::Fatal(_))))
    else {
        panic!("no fatal error");
    };
    assert_eq!(
        error.kind(),
        FatalErrorKind::DisallowedIntents {
            privileged: Intents::MESSAGE_CONTENT
        }
    );
    let message = error.to_string();
    assert!(message.contains("MESSAGE_CONTENT"), "{message}");
    assert!(message.contains("Developer Portal"), "{message}");
}

#[test]
fn authentication_failure_is_named() {
    let mut shard = Shard::new(config());
    let t0 = establish(&mut shard, origin());
    shard.handle_close(
        t0,
        Some(CloseFrame {
            code: 4004,
            reason: String::new(),
        }),
    );
    let (out, _) = drain(&mut shard);
    assert!(out.iter().any(|o| matches!(
        o,
        Output::Event(ShardEvent::Fatal(e)) if e.kind() == FatalErrorKind::AuthenticationFailed
    )));
}

#[test]
fn saved_session_resumes_instead_of_identifying() {
    let session = Session {
        id: "old".to_owned(),
        sequence: 41,
        resume_url: RESUME.to_owned(),
    };
    let mut shard = Shard::new(config().resume(session));
    let (out, _) = drain(&mut shard);
    assert!(connect_url(&out).unwrap().starts_with(RESUME));
    let t0 = origin();
    shard.handle_open(t0);
    let out = text(&mut shard, t0, &hello());
    assert!(!out.iter().any(|o| matches!(o, Output::RequestIdentify)));
    let resume: serde_json::Value = serde_json::from_str(&transmits(&out)[0]).unwrap();
    assert_eq!(
        (resume["op"].as_u64(), resume["d"]["seq"].as_u64()),
        (Some(6), Some(41))
    );
}

#[test]
fn unreachable_resume_url_falls_back_to_gateway_keeping_session() {
    let mut shard = Shard::new(config().backoff(Backoff::new(Duration::ZERO, Duration::ZERO)));
    let t0 = establish(&mut shard, origin());
    shard.handle_close(t0, None);
    let (out, _) = drain(&mut shard);
    assert!(connect_url(&out).unwrap().starts_with(RESUME));
    // The connect fails before the socket opens.
    shard.handle_close(t0, None);
    let (out, _) = drain(&mut shard);
    assert!(connect_url(&out).unwrap().starts_with(GATEWAY));
    shard.handle_open(t0);
    let out = text(&mut shard, t0, &hello());
    assert_eq!(op_of(&transmits(&out)[0]), 6, "still resumes");
}

#[test]
fn failed_attempts_back_off() {
    let mut shard = Shard::new(config());
    let t0 = establish(&mut shard, origin());
    let mut now = t0;
    let mut waits = Vec::new();
    shard.handle_close(now, None);
    for _ in 0..8 {
        let (out, deadline) = drain(&mut shard);
        if connect_url(&out).is_none() {
            let deadline = deadline.unwrap();
            waits.push(deadline - now);
            now = deadline;
            shard.handle_timeout(now);
            assert!(connect_url(&drain(&mut shard).0).is_some());
        }
        shard.handle_close(now, None);
    }
    assert!(waits.len() >= 7, "{waits:?}");
    assert!(waits.iter().all(|w| *w <= Duration::from_secs(60)));
    assert!(waits.last().unwrap() > waits.first().unwrap(), "{waits:?}");
}

#[test]
fn rate_limiter_holds_the_121st_command_and_lets_heartbeats_out() {
    let mut shard = Shard::new(config());
    let t0 = establish(&mut shard, origin());
    let command = || Command::from(UpdatePresence::online_with(0, "x"));
    let mut sent = 0;
    for _ in 0..200 {
        shard.send(t0, command()).unwrap();
    }
    let (out, deadline) = drain(&mut shard);
    sent += transmits(&out).len();
    assert!(
        (100..120).contains(&sent),
        "only the command share goes out: {sent}"
    );
    assert!(deadline.unwrap() <= t0 + INTERVAL);

    // The heartbeat still goes out while commands are held.
    let first_beat = t0 + INTERVAL.mul_f64(0.25);
    shard.handle_timeout(first_beat);
    let out = transmits(&drain(&mut shard).0);
    assert_eq!(out.iter().map(|t| op_of(t)).collect::<Vec<_>>(), [1]);
    text(&mut shard, first_beat, r#"{"op":11}"#);

    // Nothing but the next heartbeat until the window slides.
    shard.handle_timeout(t0 + Duration::from_secs(59));
    let out = transmits(&drain(&mut shard).0);
    assert_eq!(out.iter().map(|t| op_of(t)).collect::<Vec<_>>(), [1]);
    text(&mut shard, t0 + Duration::from_secs(59), r#"{"op":11}"#);
    shard.handle_timeout(t0 + Duration::from_secs(60));
    let later = transmits(&drain(&mut shard).0);
    assert!(!later.is_empty(), "released after the window");
}

#[test]
fn oversize_command_is_refused_and_handed_back() {
    let mut shard = Shard::new(config());
    let t0 = establish(&mut shard, origin());
    let big = Command::from(RequestGuildMembers::query(
        GuildId::new(1),
        "q".repeat(5000),
        1,
    ));
    let error = shard.send(t0, big.clone()).unwrap_err();
    assert!(matches!(
        error.kind(),
        tether_gateway_proto::SendErrorKind::TooLarge { size } if size > 4096
    ));
    assert!(error.to_string().contains("4096"));
    assert_eq!(error.into_command(), big);
}

#[test]
fn commands_wait_for_the_session() {
    let mut shard = Shard::new(config());
    let t0 = origin();
    drain(&mut shard);
    shard
        .send(t0, UpdatePresence::online_with(0, "early").into())
        .unwrap();
    assert!(transmits(&drain(&mut shard).0).is_empty());
    shard.handle_open(t0);
    text(&mut shard, t0, &hello());
    shard.handle_identify_permit(t0);
    drain(&mut shard);
    let out = text(&mut shard, t0, &ready(1));
    assert_eq!(
        transmits(&out).iter().map(|t| op_of(t)).collect::<Vec<_>>(),
        [3]
    );
}

#[test]
fn filtered_events_advance_the_sequence_without_decoding() {
    let flags = EventTypeFlags::from(EventType::Ready);
    let mut shard = Shard::new(config().event_types(flags));
    let t0 = establish(&mut shard, origin());
    // Not even valid for its type: a filtered event is never decoded.
    let out = text(
        &mut shard,
        t0,
        r#"{"t":"MESSAGE_CREATE","s":2,"op":0,"d":{"bogus":true}}"#,
    );
    assert!(dispatches(&out).is_empty());
    assert!(
        !out.iter()
            .any(|o| matches!(o, Output::Event(ShardEvent::Undecodable { .. })))
    );
    assert_eq!(shard.session().unwrap().sequence, 2);
}

#[test]
fn unknown_events_and_opcodes_do_not_break_the_session() {
    let mut shard = Shard::new(config());
    let t0 = establish(&mut shard, origin());
    let out = text(
        &mut shard,
        t0,
        r#"{"t":"SOMETHING_NEW","s":2,"op":0,"d":{"x":[1]}}"#,
    );
    let Some(Output::Event(ShardEvent::Dispatch {
        event: Event::Unknown(u),
        ..
    })) = out.first()
    else {
        panic!("{out:?}");
    };
    assert_eq!(u.name, "SOMETHING_NEW");
    let out = text(&mut shard, t0, r#"{"op":99,"d":null}"#);
    assert!(out.is_empty());
    let out = text(
        &mut shard,
        t0,
        r#"{"t":"MESSAGE_CREATE","s":3,"op":0,"d":{"id":"x"}}"#,
    );
    assert!(matches!(
        out.first(),
        Some(Output::Event(ShardEvent::Undecodable { sequence: 3, .. }))
    ));
    assert_eq!(shard.status(), ShardStatus::Connected);
}

#[test]
fn malformed_frame_and_corrupt_data_close_and_resume() {
    for bad in [Message::Text("{not json"), Message::Text(r#"{"d":1}"#)] {
        let mut shard = Shard::new(config());
        let t0 = establish(&mut shard, origin());
        shard.handle_message(t0, bad);
        let (out, _) = drain(&mut shard);
        assert_eq!(closes(&out), [4000]);
        assert!(matches!(
            disconnect_of(&out),
            Some((DisconnectReason::MalformedFrame(_), true))
        ));
    }
    let mut shard = Shard::new(config().compression(Compression::ZlibStream));
    let t0 = origin();
    drain(&mut shard);
    shard.handle_open(t0);
    shard.handle_message(
        t0,
        Message::Binary(&[0x78, 0x9c, 0xff, 0xff, 0, 0, 0xff, 0xff]),
    );
    let (out, _) = drain(&mut shard);
    assert!(matches!(
        disconnect_of(&out),
        Some((DisconnectReason::Inflate(_), false))
    ));
}

#[test]
fn no_hello_times_out() {
    let mut shard = Shard::new(config());
    let t0 = origin();
    drain(&mut shard);
    shard.handle_open(t0);
    let (_, deadline) = drain(&mut shard);
    shard.handle_timeout(deadline.unwrap());
    let (out, _) = drain(&mut shard);
    assert!(matches!(
        disconnect_of(&out),
        Some((DisconnectReason::HelloTimeout, false))
    ));
}

#[test]
fn close_normal_ends_session_and_resumable_hands_it_back() {
    let mut shard = Shard::new(config());
    let t0 = establish(&mut shard, origin());
    shard.close(t0, CloseKind::Normal);
    let (out, _) = drain(&mut shard);
    assert_eq!(closes(&out), [1000]);
    shard.handle_close(t0, None);
    let (out, deadline) = drain(&mut shard);
    assert!(
        out.iter()
            .any(|o| matches!(o, Output::Event(ShardEvent::Shutdown { session: None })))
    );
    assert_eq!(deadline, None);
    assert!(shard.send(t0, UpdatePresence::default().into()).is_err());

    let mut shard = Shard::new(config());
    let t0 = establish(&mut shard, origin());
    text(&mut shard, t0, &message(2, "x"));
    shard.close(t0, CloseKind::Resumable);
    let (out, _) = drain(&mut shard);
    assert_eq!(closes(&out), [4000]);
    // The transport never confirms: the grace timer finishes the close.
    shard.handle_timeout(t0 + Duration::from_secs(5));
    let (out, _) = drain(&mut shard);
    let session = out.iter().find_map(|o| match o {
        Output::Event(ShardEvent::Shutdown { session }) => session.clone(),
        _ => None,
    });
    assert_eq!(
        session,
        Some(Session {
            id: "sess-1".to_owned(),
            sequence: 2,
            resume_url: RESUME.to_owned()
        })
    );
}

trait TestIntents {
    fn intents_for_test(self) -> Self;
}

impl TestIntents for ShardConfig {
    /// A privileged intent, so that 4014's message has one to name.
    fn intents_for_test(self) -> Self {
        let token = Token::new("secret-token");
        ShardConfig::new(token, Intents::GUILD_MESSAGES | Intents::MESSAGE_CONTENT)
            .gateway_url(GATEWAY)
            .compression(Compression::None)
            .jitter(0.25)
    }
}

/// One step of a random conversation.
#[derive(Clone, Debug)]
enum Step {
    Dispatch,
    Replay(u64),
    Ack,
    ServerBeat,
    Reconnect,
    Invalid(bool),
    Drop,
    Close(u16),
    Advance(u64),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        6 => Just(Step::Dispatch),
        1 => (0..5u64).prop_map(Step::Replay),
        3 => Just(Step::Ack),
        1 => Just(Step::ServerBeat),
        1 => Just(Step::Reconnect),
        1 => any::<bool>().prop_map(Step::Invalid),
        1 => Just(Step::Drop),
        1 => prop_oneof![Just(4000u16), Just(4001), Just(4007), Just(4009), Just(1000), Just(1006)]
            .prop_map(Step::Close),
        3 => (1..60_000u64).prop_map(Step::Advance),
    ]
}

proptest! {
    /// Over random interleavings of server frames, closes and time: a
    /// connection never carries both Identify and Resume, the sequence never
    /// goes backwards, every heartbeat carries the last sequence, and no
    /// dispatch is delivered twice.
    #[test]
    fn session_invariants_hold(steps in proptest::collection::vec(step(), 1..120)) {
        let mut shard = Shard::new(config().backoff(Backoff::new(Duration::from_millis(10), Duration::from_millis(100))));
        let mut now = origin();
        let mut server_seq = 0u64;
        let mut connected = false;
        let mut handshakes_on_connection = Vec::<u64>::new();
        let mut delivered = std::collections::HashSet::new();
        let mut last_seq = 0u64;

        for step in steps {
            // The driver: drain outputs, answering the shard as a server would.
            for _ in 0..50 {
                let (out, _) = drain(&mut shard);
                if out.is_empty() { break; }
                for o in out {
                    match o {
                        Output::Connect { .. } => {
                            shard.handle_open(now);
                            connected = true;
                            handshakes_on_connection.clear();
                            shard.handle_message(now, Message::Text(&hello()));
                        }
                        Output::RequestIdentify => shard.handle_identify_permit(now),
                        Output::Transmit(t) => {
                            let v: serde_json::Value = serde_json::from_str(t.as_str()).unwrap();
                            let op = v["op"].as_u64().unwrap();
                            match op {
                                2 => {
                                    handshakes_on_connection.push(2);
                                    server_seq = 1;
                                    last_seq = 0;
                                    delivered.clear();
                                    shard.handle_message(now, Message::Text(&ready(1)));
                                }
                                6 => {
                                    handshakes_on_connection.push(6);
                                    server_seq += 1;
                                    shard.handle_message(now, Message::Text(&format!(
                                        r#"{{"t":"RESUMED","s":{server_seq},"op":0,"d":{{}}}}"#)));
                                }
                                1 => {
                                    let beat = v["d"].as_u64();
                                    let expected = shard.session().map(|s| s.sequence);
                                    prop_assert_eq!(beat, expected);
                                }
                                _ => {}
                            }
                            prop_assert!(handshakes_on_connection.len() <= 1,
                                "identify and resume on one connection: {:?}", handshakes_on_connection);
                        }
                        Output::Close(_) => {
                            connected = false;
                            shard.handle_close(now, None);
                        }
                        Output::Event(ShardEvent::Dispatch { sequence, event }) => {
                            if matches!(event, Event::MessageCreate(_)) {
                                prop_assert!(delivered.insert(sequence), "duplicate {}", sequence);
                            }
                        }
                        Output::Event(_) | Output::Wait(_) => {}
                    }
                }
            }
            if let Some(s) = shard.session() {
                prop_assert!(s.sequence >= last_seq || s.sequence == 1, "sequence went back");
                last_seq = s.sequence;
            }
            match step {
                Step::Dispatch if connected => {
                    server_seq += 1;
                    shard.handle_message(now, Message::Text(&message(server_seq, "m")));
                }
                Step::Replay(back) if connected => {
                    let seq = server_seq.saturating_sub(back).max(1);
                    shard.handle_message(now, Message::Text(&message(seq, "m")));
                }
                Step::Ack if connected => shard.handle_message(now, Message::Text(r#"{"op":11}"#)),
                Step::ServerBeat if connected => shard.handle_message(now, Message::Text(r#"{"op":1}"#)),
                Step::Reconnect if connected => shard.handle_message(now, Message::Text(r#"{"op":7}"#)),
                Step::Invalid(r) if connected => {
                    shard.handle_message(now, Message::Text(&format!(r#"{{"op":9,"d":{r}}}"#)));
                }
                Step::Drop if connected => { connected = false; shard.handle_close(now, None); }
                Step::Close(code) if connected => {
                    connected = false;
                    shard.handle_close(now, Some(CloseFrame { code, reason: String::new() }));
                }
                Step::Advance(ms) => {
                    now += Duration::from_millis(ms);
                    shard.handle_timeout(now);
                }
                _ => {}
            }
        }
    }
}

#[test]
fn paused_reading_keeps_beating_and_defers_zombie_judgement() {
    let mut shard = Shard::new(config());
    let t0 = establish(&mut shard, origin());
    let first = t0 + INTERVAL.mul_f64(0.25);
    shard.set_backpressure(true);
    for n in 0..4 {
        let at = first + INTERVAL * n;
        shard.handle_timeout(at);
        let (out, _) = drain(&mut shard);
        assert_eq!(transmits(&out).len(), 1, "beat {n} goes out while paused");
        assert!(closes(&out).is_empty(), "no zombie verdict while paused");
    }
    // Reading resumes: the next interval is judged again.
    shard.set_backpressure(false);
    shard.handle_timeout(first + INTERVAL * 4);
    assert_eq!(transmits(&drain(&mut shard).0).len(), 1);
    shard.handle_timeout(first + INTERVAL * 5);
    let (out, _) = drain(&mut shard);
    assert_eq!(
        closes(&out),
        [4000],
        "no ACK for a whole read interval: zombie"
    );
}

#[test]
fn dispatch_keys_in_any_order_and_extra_keys_are_read() {
    let mut shard = Shard::new(config());
    let t0 = establish(&mut shard, origin());
    let body = r#"{"id":"1","channel_id":"2"}"#;
    for (seq, frame) in [
        (
            2,
            format!(r#"{{"op":0,"d":{body},"s":2,"t":"MESSAGE_DELETE"}}"#),
        ),
        (
            3,
            format!(r#"{{"t":"MESSAGE_DELETE","s":3,"op":0,"d":{body},"_trace":["x"]}}"#),
        ),
        (
            4,
            format!(r#"{{ "t" : "MESSAGE_DELETE", "s" : 4, "op" : 0, "d" : {body} }}"#),
        ),
        (
            5,
            format!("{{\"t\":\"MESSAGE_DELETE\",\"s\":5,\"op\":0,\"d\":{body}}}\n"),
        ),
    ] {
        let out = text(&mut shard, t0, &frame);
        assert_eq!(
            dispatches(&out),
            [(seq, "MESSAGE_DELETE".to_owned())],
            "{frame}"
        );
    }
}

#[test]
fn heartbeats_continue_on_a_resumed_connection() {
    let mut shard = Shard::new(config().backoff(Backoff::new(Duration::ZERO, Duration::ZERO)));
    let t0 = establish(&mut shard, origin());
    shard.handle_close(t0, None);
    drain(&mut shard);
    shard.handle_open(t0);
    text(&mut shard, t0, &hello());
    text(&mut shard, t0, r#"{"t":"RESUMED","s":2,"op":0,"d":{}}"#);
    let (_, deadline) = drain(&mut shard);
    assert_eq!(deadline, Some(t0 + INTERVAL.mul_f64(0.25)));
    shard.handle_timeout(deadline.unwrap());
    let out = transmits(&drain(&mut shard).0);
    assert_eq!(out, [r#"{"op":1,"d":2}"#]);
}
