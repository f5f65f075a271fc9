//! A reader that stops reading: the others lose nothing and are not held up, and the stalled
//! connection is dropped instead of buffering without bound.
#![allow(missing_docs, clippy::unwrap_used)]

mod common;

use breakroom::auth::TokenRole;
use breakroom_protocol::{
    ClientMsg, PoseBlock, PoseModel, PresenceChange, Reaction, RequestedRole, ServerMsg,
};
use common::{Raw, Settings, TestServer, program, raw_connect};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

const BATCH: u32 = 250;
const MAX_REACTIONS: u32 = 50_000;

/// A still, plausible body (the server refuses anything else).
fn pose() -> PoseBlock {
    let body = breakroom_rooms::plausible::standing(PoseModel::Coco17);
    PoseBlock::from_landmarks(PoseModel::Coco17, &body).unwrap()
}

#[tokio::test]
async fn a_stalled_reader_neither_slows_the_others_nor_grows_without_bound() {
    let srv = TestServer::start_with(|s| Settings {
        control_hz: Some(60_000),
        send_buffer_bytes: Some(8 * 1024),
        ..s
    })
    .await;
    let (code, _) = srv.create_room(program(&[("squats", 60_000, 0)])).await;

    let mut active = raw_connect(&srv.ws_url()).await;
    active
        .hello(&srv.token("active", TokenRole::Participant))
        .await;
    active.join(&code, RequestedRole::Participant).await;
    let mut sender = raw_connect(&srv.ws_url()).await;
    sender
        .hello(&srv.token("sender", TokenRole::Participant))
        .await;
    let sender_id = sender.join(&code, RequestedRole::Participant).await;

    // The stalled reader: a 4 KiB receive buffer, and after joining it never reads again.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let stream = socket.connect(srv.server.addr()).await.unwrap();
    let mut req = srv.ws_url().into_client_request().unwrap();
    req.headers_mut()
        .insert("Sec-WebSocket-Protocol", "breakroom.v1".parse().unwrap());
    let (ws, _) =
        tokio_tungstenite::client_async(req, tokio_tungstenite::MaybeTlsStream::Plain(stream))
            .await
            .unwrap();
    let mut stalled = Raw::from(ws);
    stalled
        .hello(&srv.token("stalled", TokenRole::Participant))
        .await;
    let stalled_id = stalled.join(&code, RequestedRole::Participant).await;

    // Flood reliable messages (reactions go to everyone) and skeletons in batches, checking
    // after each batch that the active reader got all of them, until the server has dropped
    // the stalled reader. Bounded: at most MAX_REACTIONS messages.
    let mut sent = 0u32;
    let mut reactions = 0u32;
    let mut echoed = 0u32;
    let mut saw_stalled_dropped = false;
    while !saw_stalled_dropped {
        if sent >= MAX_REACTIONS {
            let metrics = reqwest::get(srv.http_url("/metrics"))
                .await
                .unwrap()
                .text()
                .await;
            panic!(
                "the stalled reader was never dropped; metrics:\n{}",
                metrics.unwrap()
            );
        }
        for _ in 0..BATCH {
            let seq = sender.next_seq();
            sender
                .send(&ClientMsg::Reaction {
                    seq,
                    reaction: Reaction::Clap,
                })
                .await;
            sent += 1;
        }
        sender
            .send(&ClientMsg::Pose {
                t: srv.server.hub().clock.now(),
                kp: pose(),
            })
            .await;
        // The sender reads its own copies too, or it would be a stalled reader as well.
        while echoed < sent {
            if let ServerMsg::Reaction { .. } = sender.until(|_| true).await {
                echoed += 1;
            }
        }
        while reactions < sent {
            match active.until(|_| true).await {
                ServerMsg::Reaction { p, .. } if p == sender_id => reactions += 1,
                ServerMsg::Presence {
                    change: PresenceChange::Reconnecting,
                    participant,
                } => {
                    saw_stalled_dropped |= participant.id == stalled_id;
                }
                _ => {}
            }
        }
    }
    assert_eq!(reactions, sent, "the active reader lost reliable messages");

    // The active reader still gets the newest skeleton (its `t` tells it apart: a pose's `t`
    // must be within 1 s of the server's clock, so the marker is a time ahead of the others).
    let marker = srv.server.hub().clock.now() + 500_000;
    sender
        .send(&ClientMsg::Pose {
            t: marker,
            kp: pose(),
        })
        .await;
    active
        .until(|m| {
            matches!(m, ServerMsg::Poses { poses, .. }
                if poses.iter().any(|p| p.p == sender_id && p.t == marker))
        })
        .await;

    // The server let the stalled connection go instead of queueing for it.
    let metrics = reqwest::get(srv.http_url("/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let closed: f64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("breakroom_slow_consumers_closed_total "))
        .unwrap()
        .parse()
        .unwrap();
    assert!(closed >= 1.0, "{metrics}");
    drop(stalled);
}
