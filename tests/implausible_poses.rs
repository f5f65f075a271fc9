//! Over real sockets: a skeleton that is not a plausible human body is dropped, counted on
//! `/metrics`, and never relayed; a plausible one is relayed in its canonical form.
#![allow(missing_docs, clippy::unwrap_used)]

mod common;

use std::time::{SystemTime, UNIX_EPOCH};

use breakroom::auth::TokenRole;
use breakroom_protocol::{ClientMsg, Landmark, PoseBlock, PoseModel, RequestedRole, ServerMsg};
use common::{TestServer, program, raw_connect};

fn now_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_micros() as u64
}

#[tokio::test]
async fn an_implausible_skeleton_is_counted_and_not_relayed() {
    let srv = TestServer::start().await;
    let (code, _) = srv.create_room(program(&[("squats", 60_000, 0)])).await;
    let mut watcher = raw_connect(&srv.ws_url()).await;
    watcher
        .hello(&srv.token("watcher", TokenRole::Participant))
        .await;
    watcher.join(&code, RequestedRole::Participant).await;
    let mut sender = raw_connect(&srv.ws_url()).await;
    sender
        .hello(&srv.token("sender", TokenRole::Participant))
        .await;
    let sender_id = sender.join(&code, RequestedRole::Participant).await;
    let series = r#"breakroom_poses_implausible_total{reason="scale"}"#;
    assert_eq!(srv.metric(series).await, Some(0.0), "listed from the start");

    // Every landmark on one point: a dot, not a body.
    let dot = vec![
        Landmark {
            x: 0.5,
            y: 0.5,
            z: None,
            visibility: 1.0,
        };
        17
    ];
    let dot_t = now_us();
    sender
        .send(&ClientMsg::Pose {
            t: dot_t,
            kp: PoseBlock::from_landmarks(PoseModel::Coco17, &dot).unwrap(),
        })
        .await;
    srv.wait_for_metric(series, 1.0).await;

    let body = breakroom_rooms::plausible::standing(PoseModel::Coco17);
    let body = PoseBlock::from_landmarks(PoseModel::Coco17, &body).unwrap();
    let body_t = dot_t + 1;
    sender
        .send(&ClientMsg::Pose {
            t: body_t,
            kp: body.clone(),
        })
        .await;
    let frame = watcher
        .until(|m| {
            let ServerMsg::Poses { poses, .. } = m else {
                return false;
            };
            assert!(
                poses.iter().all(|p| p.t != dot_t),
                "the implausible skeleton was relayed"
            );
            poses.iter().any(|p| p.p == sender_id && p.t == body_t)
        })
        .await;
    let ServerMsg::Poses { poses, .. } = frame else {
        unreachable!("until returned a frame")
    };
    let relayed = poses.into_iter().find(|p| p.t == body_t).unwrap();
    assert_eq!(relayed.kp, body.canonical(), "relayed in canonical form");
    assert_ne!(relayed.kp, body, "the SDK quantizes finer than the promise");
}
