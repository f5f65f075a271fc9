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

/// Joins the room as a participant and waits for the `go` cue's instant: the participant's id.
async fn join_and_wait_for_go(client: &mut Client, code: &str) -> ParticipantId {
    let me = client
        .join(code, JoinOptions::participant())
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
    me
}

async fn participant(mut client: Client, code: String, behaviour: Behaviour) -> ParticipantId {
    let me = join_and_wait_for_go(&mut client, &code).await;
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

/// A participant of the lunges step.
#[derive(Debug, Clone, Copy)]
enum Lunger {
    /// Streams the generated front-view lunges, counts them with the SDK's tracker (the
    /// server's detector), reports what it counts.
    Honest,
    /// Streams the real squats and claims 3 lunges: the server's lunge detector must see none.
    Squatter,
}

async fn lunges_participant(
    mut client: Client,
    code: String,
    who: Lunger,
    lunges: Recording,
    expected: u32,
) -> ParticipantId {
    let me = join_and_wait_for_go(&mut client, &code).await;
    match who {
        Lunger::Honest => {
            let mut tracker = client.track("lunges").unwrap();
            let mut tick =
                tokio::time::interval(Duration::from_secs_f64(1.0 / f64::from(lunges.fps)));
            for frame in &lunges.frames {
                tick.tick().await;
                tracker.pose(lunges.model, frame).await.unwrap();
            }
            assert_eq!(
                tracker.reading().reps,
                expected,
                "the SDK's own count of the lunges"
            );
        }
        Lunger::Squatter => {
            let squats = real_squats();
            let mut tick =
                tokio::time::interval(Duration::from_secs_f64(1.0 / f64::from(squats.fps)));
            for frame in &squats.frames {
                tick.tick().await;
                client.send_pose(squats.model, frame).unwrap();
            }
            client.report_score("lunges", 3, 0).await.unwrap();
        }
    }
    client
        .wait_for(WAIT, |e| matches!(e, Event::Summary(_)))
        .await
        .unwrap();
    me
}

#[tokio::test]
async fn lunges_are_tracked_by_the_sdk_and_verified_by_the_server_and_squats_are_no_lunges() {
    let (lunges, expected) = front_view_lunges();
    let lunges_ms = (lunges.frames.len() as f32 / lunges.fps * 1000.0) as u32;
    let step_ms = lunges_ms.max(13_000) + 3_000;
    let srv = TestServer::start().await;
    // The catalogue the web app reads names from offers lunges.
    let catalogue: serde_json::Value = common::api_get(&srv.http_url("/v1/exercises"))
        .await
        .json()
        .await
        .unwrap();
    let entry = catalogue["exercises"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == "lunges")
        .unwrap_or_else(|| panic!("GET /v1/exercises has no lunges: {catalogue}"));
    assert_eq!(
        (&entry["names"]["en"], &entry["names"]["sv"], &entry["unit"]),
        (&"Lunges".into(), &"Utfallssteg".into(), &"reps".into()),
        "{entry}"
    );
    let (code, _session) = srv.create_room(program(&[("lunges", step_ms, 0)])).await;
    let mut host = Client::connect(&srv.ws_url(), &srv.token("host", TokenRole::Facilitator))
        .await
        .unwrap();
    host.join(&code, JoinOptions::facilitator()).await.unwrap();
    let mut tasks = Vec::new();
    for (user, who) in [("lunger", Lunger::Honest), ("squatter", Lunger::Squatter)] {
        let client = Client::connect(&srv.ws_url(), &srv.token(user, TokenRole::Participant))
            .await
            .unwrap();
        tasks.push(tokio::spawn(lunges_participant(
            client,
            code.clone(),
            who,
            lunges.clone(),
            expected,
        )));
    }
    let mut joined = 0;
    while joined < 2 {
        if let Event::Presence { .. } = host.next_event_timeout(WAIT).await.unwrap() {
            joined += 1;
        }
    }
    let mut paused = PausedProgram::pause();
    host.start().await.unwrap();
    let mut flags: Vec<ScoreFlag> = Vec::new();
    let summary: SessionSummary = loop {
        let event = host.next_event_timeout(WAIT).await.unwrap();
        paused.see(&event);
        match event {
            Event::Flag(f) => flags.push(f),
            Event::Summary(s) => break s,
            _ => {}
        }
    };
    let mut ids = Vec::new();
    for task in tasks {
        ids.push(task.await.unwrap());
    }
    let (lunger, squatter) = (ids[0], ids[1]);

    let by_id = |p| summary.participants.iter().find(|s| s.p == p).unwrap();
    let l = by_id(lunger);
    assert_eq!(l.results[0].exercise, "lunges");
    assert_eq!(
        (l.results[0].reps, l.results[0].verified),
        (expected, true),
        "{l:?}"
    );
    assert!(l.flags.is_empty(), "{l:?}");
    // The squatter's claim runs ahead of what the server's lunge detector saw: nothing.
    let mismatch: Vec<&ScoreFlag> = flags
        .iter()
        .filter(|f| f.reason == FlagReason::Mismatch)
        .collect();
    assert_eq!(mismatch.len(), 1, "{flags:?}");
    assert_eq!(
        (mismatch[0].p, mismatch[0].claimed, mismatch[0].detected),
        (squatter, 3, Some(0)),
        "{flags:?}"
    );
    assert!(flags.iter().all(|f| f.p == squatter), "{flags:?}");
    assert!(by_id(squatter).results[0].verified);
    srv.server.shutdown().await;
}

/// The generated front-view lunges (a recipe named `lunges_…front…`, the 15 Hz one when there
/// is one) and the lunges they must count; fails, naming the lunge recipes there are, when
/// there is none.
fn front_view_lunges() -> (Recording, u32) {
    let recipes = breakroom_pose_data::recipe::load();
    let lunges: Vec<&str> = recipes
        .fixtures
        .iter()
        .map(|r| r.name.as_str())
        .filter(|n| n.starts_with("lunges_"))
        .collect();
    let front: Vec<&str> = lunges
        .iter()
        .copied()
        .filter(|n| n.contains("front"))
        .collect();
    let name = front
        .iter()
        .find(|n| n.contains("15hz"))
        .or(front.first())
        .unwrap_or_else(|| {
            panic!(
                "no front-view lunge fixture (a recipe named lunges_*front*) in {}; lunge \
                 recipes: {lunges:?}",
                breakroom_pose_data::recipe::path().display()
            )
        });
    let fixture = breakroom_pose_data::fixture(name);
    let expected = fixture
        .expected
        .iter()
        .find(|(id, _)| id == "lunges")
        .unwrap_or_else(|| panic!("{name} expects no lunges count: {:?}", fixture.expected))
        .1;
    assert!(expected >= 2, "{name}: a stream with lunges on both sides");
    let frames = &fixture.clip.frames;
    let secs = (frames.last().unwrap().t_us - frames[0].t_us) as f32 / 1e6;
    let fps = (frames.len() - 1) as f32 / secs;
    let recording = Recording {
        model: fixture.clip.model,
        frames: frames
            .iter()
            .map(|f| {
                f.lms
                    .iter()
                    .map(|l| breakroom_protocol::Landmark {
                        x: l[0] as f32,
                        y: l[1] as f32,
                        z: None,
                        visibility: l[2] as f32,
                    })
                    .collect()
            })
            .collect(),
        fps,
        aspect: 1.0,
    };
    (recording, expected)
}
