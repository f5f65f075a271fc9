//! Bad input over real sockets: each gets its clear error or close code, and the room carries
//! on for everyone else.
#![allow(missing_docs, clippy::unwrap_used)]

mod common;

use breakroom::auth::{Claims, Grants, TokenKeys, TokenRole};
use breakroom_protocol::{
    ClientMsg, ControlAction, ErrorCode, Phase, RequestedRole, ServerMsg, close,
};
use common::{Raw, Seen, TestServer, program, raw_connect};
use futures_util::SinkExt;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// A bystander in a room, used to check that the room carries on.
async fn bystander(srv: &TestServer, code: &str, user: &str) -> Raw {
    let mut c = raw_connect(&srv.ws_url()).await;
    c.hello(&srv.token(user, TokenRole::Participant)).await;
    c.join(code, RequestedRole::Participant).await;
    c
}

/// The bystander still gets answers.
async fn still_served(c: &mut Raw) {
    c.send(&ClientMsg::Ping { t0: 42 }).await;
    c.until(|m| matches!(m, ServerMsg::Pong { t0: 42, .. }))
        .await;
}

/// Skips other messages (presence, scoreboards) until an error arrives, and checks its code.
async fn expect_error(c: &mut Raw, code: ErrorCode) -> (String, Option<u32>) {
    match c.until(|m| matches!(m, ServerMsg::Error { .. })).await {
        ServerMsg::Error {
            code: got,
            message,
            seq,
        } if got == code => (message, seq),
        other => panic!("expected error {code:?}, got {other:?}"),
    }
}

#[tokio::test]
async fn garbage_and_unknown_messages_get_errors_and_the_connection_lives_on() {
    let srv = TestServer::start().await;
    let (code, _) = srv.create_room(program(&[("squats", 10_000, 0)])).await;
    let mut other = bystander(&srv, &code, "other").await;
    let mut c = bystander(&srv, &code, "bad").await;

    c.send_bytes(vec![0xc1, 0xff, 0x00, 0x13]).await;
    let (msg, _) = expect_error(&mut c, ErrorCode::BadMessage).await;
    assert!(msg.contains("malformed"), "{msg}");

    let unknown =
        rmp_serde::to_vec_named(&serde_json::json!({"type": "teleport", "seq": 1})).unwrap();
    c.send_bytes(unknown).await;
    expect_error(&mut c, ErrorCode::Unsupported).await;

    // A keypoint block of the wrong size.
    #[derive(serde::Serialize)]
    struct BadPose {
        #[serde(rename = "type")]
        ty: &'static str,
        t: u64,
        #[serde(with = "serde_bytes")]
        kp: Vec<u8>,
    }
    let bad = BadPose {
        ty: "pose",
        t: 1,
        kp: vec![1, 0, 1, 2, 3],
    };
    c.send_bytes(rmp_serde::to_vec_named(&bad).unwrap()).await;
    let (msg, _) = expect_error(&mut c, ErrorCode::BadMessage).await;
    assert!(msg.contains("keypoint block"), "{msg}");

    still_served(&mut c).await;
    still_served(&mut other).await;
}

#[tokio::test]
async fn oversized_frames_and_text_frames_close_the_connection() {
    let srv = TestServer::start().await;
    let (code, _) = srv.create_room(program(&[("squats", 10_000, 0)])).await;
    let mut other = bystander(&srv, &code, "other").await;

    let mut c = bystander(&srv, &code, "big").await;
    c.send_bytes(vec![0x90; 5000]).await;
    let (code_, reason) = c.closed().await.unwrap();
    assert_eq!(code_, close::TOO_BIG, "{reason}");

    let mut c = bystander(&srv, &code, "texty").await;
    c.ws.send(Message::Text("{\"type\":\"ping\"}".into()))
        .await
        .unwrap();
    assert_eq!(c.closed().await.unwrap().0, close::PROTOCOL_ERROR);

    still_served(&mut other).await;
}

#[tokio::test]
async fn a_wrong_subprotocol_is_refused_with_a_problem_document() {
    let srv = TestServer::start().await;
    let mut req = srv.ws_url().into_client_request().unwrap();
    req.headers_mut()
        .insert("Sec-WebSocket-Protocol", "graphql-ws".parse().unwrap());
    let err = tokio_tungstenite::connect_async(req).await.unwrap_err();
    let tokio_tungstenite::tungstenite::Error::Http(resp) = err else {
        panic!("expected an HTTP refusal, got {err:?}");
    };
    assert_eq!(resp.status(), 400);
    assert_eq!(resp.headers()["content-type"], "application/problem+json");
    let body: serde_json::Value = serde_json::from_slice(resp.body().as_ref().unwrap()).unwrap();
    assert!(body["detail"].as_str().unwrap().contains("breakroom.v1"));

    // A plain GET without upgrade is a problem too.
    let resp = reqwest::get(srv.http_url("/v1/ws")).await.unwrap();
    assert_eq!(resp.status(), 426);
}

#[tokio::test]
async fn no_hello_in_time_closes_with_1008() {
    let srv = TestServer::start_with(|s| common::Settings {
        hello_timeout_ms: Some(200),
        ..s
    })
    .await;
    let mut c = raw_connect(&srv.ws_url()).await;
    let (code, reason) = c.closed().await.unwrap();
    assert_eq!(code, close::POLICY);
    assert!(reason.contains("hello"), "{reason}");

    // Anything but hello first is refused the same way.
    let mut c = raw_connect(&srv.ws_url()).await;
    c.send(&ClientMsg::Ping { t0: 1 }).await;
    expect_error(&mut c, ErrorCode::Unauthorized).await;
    assert_eq!(c.closed().await.unwrap().0, close::POLICY);
}

#[tokio::test]
async fn expired_and_forged_tokens_are_refused() {
    let srv = TestServer::start().await;
    let now = breakroom::auth::unix_seconds();
    let claims = Claims {
        iss: "test-key".into(),
        sub: "late".into(),
        name: "Late".into(),
        email: None,
        room: None,
        role: TokenRole::Participant,
        grants: Grants::for_role(TokenRole::Participant),
        iat: now - 7200,
        exp: now - 3600,
        org: None,
        link: None,
    };
    let expired = srv.server.hub().keys.sign(&claims).unwrap();
    let forged = TokenKeys::new("test-key", "an-attacker-secret-of-32-bytes-long!")
        .sign(&Claims {
            exp: now + 3600,
            ..claims
        })
        .unwrap();
    for (token, why) in [(expired, "token expired"), (forged, "token invalid")] {
        let mut c = raw_connect(&srv.ws_url()).await;
        c.send(&ClientMsg::Hello {
            seq: 7,
            sdk: "t".into(),
            sdk_version: "0".into(),
            token,
            resume: None,
        })
        .await;
        let (msg, seq) = expect_error(&mut c, ErrorCode::Unauthorized).await;
        assert_eq!((msg.as_str(), seq), (why, Some(7)));
        assert_eq!(c.closed().await.unwrap(), (close::POLICY, why.to_owned()));
    }
}

#[tokio::test]
async fn a_participant_cannot_control_and_scores_cannot_decrease() {
    let srv = TestServer::start().await;
    let (code, _) = srv.create_room(program(&[("squats", 60_000, 0)])).await;
    let mut host = raw_connect(&srv.ws_url()).await;
    host.hello(&srv.token("host", TokenRole::Facilitator)).await;
    host.join(&code, RequestedRole::Facilitator).await;
    let mut p = bystander(&srv, &code, "p").await;

    p.send(&ClientMsg::Control {
        seq: 5,
        action: ControlAction::Start,
        target: None,
    })
    .await;
    let (_, seq) = expect_error(&mut p, ErrorCode::Forbidden).await;
    assert_eq!(seq, Some(5));
    let url = srv.http_url(&format!("/v1/rooms/{code}"));
    let info: serde_json::Value = common::api_get(&url).await.json().await.unwrap();
    assert_eq!(info["phase"]["phase"], "lobby", "{info}");

    // The 3 s countdown runs on paused time: nothing after it waits on SQLite (see
    // `common::PausedProgram`), so time stays paused to the end.
    tokio::time::pause();
    host.send(&ClientMsg::Control {
        seq: 2,
        action: ControlAction::Start,
        target: None,
    })
    .await;
    host.until(|m| matches!(m, ServerMsg::Phase { phase, .. } if phase.phase == Phase::Exercise))
        .await;
    p.until(|m| matches!(m, ServerMsg::Phase { phase, .. } if phase.phase == Phase::Exercise))
        .await;
    p.send(&ClientMsg::Score {
        seq: 10,
        exercise: "squats".into(),
        reps: 2,
        active_ms: 0,
    })
    .await;
    p.send(&ClientMsg::Score {
        seq: 11,
        exercise: "squats".into(),
        reps: 1,
        active_ms: 0,
    })
    .await;
    let err = p.until(|m| matches!(m, ServerMsg::Error { .. })).await;
    assert!(
        matches!(
            err,
            ServerMsg::Error {
                code: ErrorCode::ScoreDecreased,
                seq: Some(11),
                ..
            }
        ),
        "{err:?}"
    );
    still_served(&mut host).await;
}

#[tokio::test]
async fn a_flood_is_told_then_closed() {
    let srv = TestServer::start().await;
    let (code, _) = srv.create_room(program(&[("squats", 60_000, 0)])).await;
    let mut other = bystander(&srv, &code, "other").await;
    let mut c = bystander(&srv, &code, "flood").await;
    for i in 0..400 {
        let seq = 100 + i;
        let msg = ClientMsg::Reaction {
            seq,
            reaction: breakroom_protocol::Reaction::Clap,
        };
        if c.ws
            .send(Message::Binary(
                breakroom_protocol::encode_client(&msg).into(),
            ))
            .await
            .is_err()
        {
            break;
        }
    }
    let mut told = false;
    let closed = loop {
        match c.next().await {
            Seen::Msg(m)
                if matches!(
                    *m,
                    ServerMsg::Error {
                        code: ErrorCode::RateLimited,
                        ..
                    }
                ) =>
            {
                told = true;
            }
            Seen::Msg(_) => {}
            Seen::Closed(c) => break c,
        }
    };
    assert!(told, "the client was not told it was over the limit");
    assert_eq!(closed.unwrap().0, close::POLICY);
    still_served(&mut other).await;
}
