//! The cross-check end to end over real sockets: the server runs the same detector on the
//! keypoints each participant streams and compares it with what they report.
#![allow(missing_docs, clippy::unwrap_used)]

mod common;

use std::time::Duration;

use breakroom::auth::TokenRole;
use breakroom_client::replay::Recording;
use breakroom_client::{Client, CueKind, Event, JoinOptions, ParticipantId};
use breakroom_protocol::{FlagReason, ScoreFlag, SessionSummary};
use common::{PausedProgram, TestServer, program};

const WAIT: Duration = Duration::from_secs(40);

/// How a simulated participant behaves once the exercise starts.
#[derive(Debug, Clone, Copy)]
enum Behaviour {
    /// Replays the real squats, counts with the shared detector, reports what it counts.
    Honest,
    /// Streams a person standing still, and claims 30 reps.
    Cheater,
    /// Sends no keypoints (camera off), and reports 2 reps.
    CameraOff,
}

async fn participant(mut client: Client, code: String, behaviour: Behaviour) -> ParticipantId {
    let me = client
        .join(&code, JoinOptions::participant())
        .await
        .unwrap()
        .you;
    let go = client
        .wait_for(
            WAIT,
            |e| matches!(e, Event::Cue(c) if c.kind == CueKind::Go),
        )
        .await
        .unwrap();
    let Event::Cue(go) = go else { unreachable!() };
    client.sleep_until_server(go.at).await;
    let squats = real_squats();
    let frame_time = Duration::from_secs_f64(1.0 / f64::from(squats.fps));
    let mut tick = tokio::time::interval(frame_time);
    match behaviour {
        Behaviour::Honest => {
            let mut tracker = client.track("squats").unwrap();
            for frame in &squats.frames {
                tick.tick().await;
                tracker.pose(squats.model, frame).await.unwrap();
            }
            assert_eq!(
                tracker.reading().reps,
                2,
                "the SDK's own count of the real squats"
            );
        }
        Behaviour::Cheater => {
            let still = &squats.frames[0];
            for i in 0..squats.frames.len() {
                tick.tick().await;
                client.send_pose(squats.model, still).unwrap();
                if i == 40 {
                    client.report_score("squats", 30, 0).await.unwrap();
                }
            }
        }
        Behaviour::CameraOff => {
            tokio::time::sleep(Duration::from_secs(8)).await;
            client.report_score("squats", 2, 0).await.unwrap();
        }
    }
    // Stay until the session is over.
    client
        .wait_for(WAIT, |e| matches!(e, Event::Summary(_)))
        .await
        .unwrap();
    me
}

#[tokio::test]
async fn honest_reports_pass_claims_beyond_the_keypoints_are_flagged_and_no_camera_is_unverified() {
    let srv = TestServer::start().await;
    let (code, session) = srv.create_room(program(&[("squats", 15_000, 0)])).await;
    let mut host = Client::connect(&srv.ws_url(), &srv.token("host", TokenRole::Facilitator))
        .await
        .unwrap();
    host.join(&code, JoinOptions::facilitator()).await.unwrap();

    let mut tasks = Vec::new();
    for (user, behaviour) in [
        ("honest", Behaviour::Honest),
        ("cheater", Behaviour::Cheater),
        ("nocam", Behaviour::CameraOff),
    ] {
        let client = Client::connect(&srv.ws_url(), &srv.token(user, TokenRole::Participant))
            .await
            .unwrap();
        tasks.push(tokio::spawn(participant(client, code.clone(), behaviour)));
    }
    let mut joined = 0;
    while joined < 3 {
        if let Event::Presence { .. } = host.next_event_timeout(WAIT).await.unwrap() {
            joined += 1;
        }
    }
    // The 15 s program, the poses paced at the recording's rate and the camera-off
    // participant's 8 s wait run on paused time (see `PausedProgram`).
    let mut paused = PausedProgram::pause();
    host.start().await.unwrap();

    let mut flags: Vec<ScoreFlag> = Vec::new();
    let mut board = None;
    let summary: SessionSummary = loop {
        let event = host.next_event_timeout(WAIT).await.unwrap();
        paused.see(&event);
        match event {
            Event::Flag(f) => flags.push(f),
            Event::Scoreboard(b) => board = Some(b),
            Event::Summary(s) => break s,
            _ => {}
        }
    };
    let mut ids = Vec::new();
    for task in tasks {
        ids.push(task.await.unwrap());
    }
    let (honest, cheater, nocam) = (ids[0], ids[1], ids[2]);

    // Facilitators were told about the cheater's claim, with what the server saw.
    let mismatch: Vec<&ScoreFlag> = flags
        .iter()
        .filter(|f| f.reason == FlagReason::Mismatch)
        .collect();
    assert_eq!(mismatch.len(), 1, "{flags:?}");
    assert_eq!(mismatch[0].p, cheater);
    assert_eq!(mismatch[0].claimed, 30);
    assert!(mismatch[0].detected.unwrap() <= 1, "{mismatch:?}");
    assert!(
        flags.iter().all(|f| f.p == cheater),
        "only the cheater is flagged: {flags:?}"
    );

    // The summary: honest verified and unflagged, cheater flagged, camera off unverified.
    let by_id = |p| summary.participants.iter().find(|s| s.p == p).unwrap();
    let h = by_id(honest);
    assert_eq!(
        (h.results[0].reps, h.results[0].verified),
        (2, true),
        "{h:?}"
    );
    assert!(h.flags.is_empty());
    let c = by_id(cheater);
    assert!(c.results[0].verified);
    assert!(
        c.flags.iter().any(|f| f.reason == FlagReason::Mismatch),
        "{c:?}"
    );
    let n = by_id(nocam);
    assert_eq!(
        (n.results[0].reps, n.results[0].verified),
        (2, false),
        "{n:?}"
    );
    assert!(n.flags.is_empty());

    // The live scoreboard marks the camera-off score unverified.
    let board = board.unwrap();
    let entry = |p| board.ranking.iter().find(|e| e.p == p).unwrap();
    assert!(entry(honest).verified && entry(cheater).verified && !entry(nocam).verified);

    // And the stored summary says the same.
    let stored: SessionSummary = common::api_get(&srv.http_url(&format!("/v1/sessions/{session}")))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(stored, summary);
    srv.server.shutdown().await;
}

/// tfjs-models' real squats (two full reps a pass), from the recordings beside the checkout;
/// fails, saying where to put them, when they are missing.
fn real_squats() -> Recording {
    use breakroom_pose_data::locate::{TFJS_SQUATS, require};
    let json = require(TFJS_SQUATS.file);
    Recording::from_pixel_json(
        &json,
        breakroom_protocol::PoseModel::BlazePose33,
        720.0,
        1280.0,
        5.0,
    )
    .unwrap()
}
