//! Failures come back as the right `ErrorKind`, naming the route.

use std::error::Error as _;
use std::time::Duration;

use serde_json::json;
use tether_http::{Client, ErrorKind};
use tether_model::Token;
use tether_model::id::{ChannelId, GuildId, MessageId};

use crate::server::{Fault, Server};

#[tokio::test]
async fn wrong_token_is_an_unauthorized_login_failure() {
    let server = Server::loose().await;
    let client = Client::builder(Token::new("not-the-right-token"))
        .api_base(&server.base)
        .build()
        .unwrap();
    let err = client.current_user().await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Unauthorized);
    assert_eq!(
        err.route().map(ToString::to_string).as_deref(),
        Some("GET /users/@me")
    );
    let text = err.to_string();
    assert!(text.contains("rejected the token"), "{text}");
    assert!(text.ends_with("(GET /users/@me)"), "{text}");
    // A wrong token is not retried: another try cannot fix it.
    assert_eq!(server.hits().len(), 1);
}

#[tokio::test]
async fn discord_errors_carry_code_message_and_field_errors() {
    let server = Server::loose().await;
    server.fault(Fault::Status(
        400,
        json!({"code": 50035, "message": "Invalid Form Body", "errors": {
            "content": {"_errors": [{"code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 2000 or fewer in length."}]},
            "message_reference": {"_errors": [{"code": "REPLIES_UNKNOWN_MESSAGE", "message": "Unknown message"}]}
        }}),
    ));
    let err = server
        .client()
        .create_message(ChannelId::new(1))
        .content("x")
        .send()
        .await
        .unwrap_err();
    let ErrorKind::Status {
        status,
        code,
        message,
        errors,
    } = err.kind()
    else {
        panic!("{err:?}")
    };
    assert_eq!(
        (*status, *code, message.as_str()),
        (400, Some(50035), "Invalid Form Body")
    );
    assert_eq!(
        errors,
        &[
            "content: Must be 2000 or fewer in length.",
            "message_reference: Unknown message"
        ]
    );
    assert_eq!(
        err.to_string(),
        "discord answered http 400 with code 50035: Invalid Form Body \
         (content: Must be 2000 or fewer in length.; message_reference: Unknown message) \
         (POST /channels/{channel_id}/messages)"
    );
}

#[tokio::test]
async fn not_found_is_a_status_error_without_retry() {
    let server = Server::loose().await;
    server.fault(Fault::Status(
        404,
        json!({"code": 10007, "message": "Unknown Member"}),
    ));
    let err = server
        .client()
        .guild_member(GuildId::new(1), 2.into())
        .await
        .unwrap_err();
    assert!(matches!(
        err.kind(),
        ErrorKind::Status {
            status: 404,
            code: Some(10007),
            ..
        }
    ));
    assert_eq!(server.hits().len(), 1);
}

#[tokio::test]
async fn body_that_is_not_json_is_a_decode_error() {
    let server = Server::loose().await;
    server.fault(Fault::Garbage);
    let err = server
        .client()
        .message(ChannelId::new(1), MessageId::new(2))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Decode);
    assert!(err.source().is_some());
    assert!(
        err.to_string()
            .ends_with("(GET /channels/{channel_id}/messages/{message_id})")
    );
}

#[tokio::test]
async fn timeout_is_a_transport_error() {
    let server = Server::loose().await;
    server.fault(Fault::Hang);
    let client = Client::builder(Token::new(crate::server::TOKEN))
        .api_base(&server.base)
        .timeout(Duration::from_millis(200))
        .max_attempts(1)
        .build()
        .unwrap();
    let err = client.current_user().await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Transport);
    assert!(err.source().is_some());
}

#[test]
fn builder_refuses_bad_configuration() {
    let field = |builder: tether_http::ClientBuilder| match builder.build().unwrap_err().kind() {
        ErrorKind::Validation { field, .. } => *field,
        other => panic!("{other:?}"),
    };
    let token = || Token::new("abc");
    assert_eq!(field(Client::builder(Token::new(""))), "token");
    assert_eq!(field(Client::builder(Token::new("a\nb"))), "token");
    assert_eq!(
        field(Client::builder(token()).api_base("not a url")),
        "api_base"
    );
    assert_eq!(
        field(Client::builder(token()).api_base("ftp://x/api")),
        "api_base"
    );
    assert_eq!(
        field(Client::builder(token()).global_limit(0)),
        "global_limit"
    );
    assert_eq!(
        field(Client::builder(token()).max_attempts(0)),
        "max_attempts"
    );
    assert_eq!(
        field(Client::builder(token()).invalid_request_limit(0)),
        "invalid_request_limit"
    );
    assert_eq!(
        field(Client::builder(token()).timeout(Duration::ZERO)),
        "timeout"
    );
}
