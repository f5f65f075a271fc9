//! Live sessions end to end over real sockets, through the Rust SDK.
#![allow(missing_docs, clippy::unwrap_used)]

mod common;

use std::time::Duration;

use breakroom::auth::TokenRole;
use breakroom_client::{Client, Event, JoinOptions};
use breakroom_protocol::{CueKind, ParticipantId, Phase, PresenceChange, SessionSummary};
use common::{PausedProgram, Proxy, TestServer, program};

const WAIT: Duration = Duration::from_secs(30);

/// What one participant saw of a session.
#[derive(Debug)]
struct Seen {
    me: ParticipantId,
    cues: Vec<(u32, CueKind, u64)>,
    summary: SessionSummary,
}

/// A participant that reports `reps[i]` for the i-th exercise once its halfway cue has passed.
async fn participant(mut client: Client, code: String, reps: Vec<u32>) -> Seen {
    let snapshot = client
        .join(&code, JoinOptions::participant())
        .await
        .unwrap();
    let me = snapshot.you;
    let mut cues = Vec::new();
    let mut step = 0usize;
    let mut exercise = None;
    loop {
        match client.next_event_timeout(WAIT).await.unwrap() {
            Event::Cue(cue) => {
                cues.push((cue.id, cue.kind, cue.at));
                match cue.kind {
                    CueKind::Go => exercise = cue.exercise.clone(),
                    CueKind::Halfway => {
                        client.sleep_until_server(cue.at).await;
                        let ex = exercise.clone().unwrap();
                        client.report_score(&ex, reps[step], 0).await.unwrap();
                        step += 1;
                    }
                    _ => {}
                }
            }
            Event::Summary(summary) => return Seen { me, cues, summary },
            _ => {}
        }
    }
}

#[tokio::test]
async fn a_facilitator_and_six_participants_run_a_two_exercise_program() {
    let srv = TestServer::start().await;
    let (code, session) = srv
        .create_room(program(&[
            ("squats", 4_000, 1_000),
            ("arm_raises", 4_000, 0),
        ]))
        .await;

    let mut host = Client::connect(&srv.ws_url(), &srv.token("host", TokenRole::Facilitator))
        .await
        .unwrap();
    host.join(&code, JoinOptions::facilitator()).await.unwrap();

    let mut tasks = Vec::new();
    for i in 0..6u32 {
        let token = srv.token(&format!("p{i}"), TokenRole::Participant);
        let client = Client::connect(&srv.ws_url(), &token).await.unwrap();
        let reps = vec![1 + i % 3, 1 + (i + 1) % 3];
        tasks.push((
            reps.clone(),
            tokio::spawn(participant(client, code.clone(), reps)),
        ));
    }
    // Everyone is in before the start.
    let mut present = 0;
    while present < 6 {
        if let Event::Presence {
            change: PresenceChange::Joined,
            ..
        } = host.next_event_timeout(WAIT).await.unwrap()
        {
            present += 1;
        }
    }
    // The program's 12 s (countdown, two exercises and a rest) run on paused time (see
    // `PausedProgram`).
    let mut paused = PausedProgram::pause();
    host.start().await.unwrap();

    let mut host_cues = Vec::new();
    let mut last_board = None;
    let host_summary = loop {
        let event = host.next_event_timeout(WAIT).await.unwrap();
        paused.see(&event);
        match event {
            Event::Cue(c) => host_cues.push((c.id, c.kind, c.at)),
            Event::Scoreboard(b) => last_board = Some(b),
            Event::Summary(s) => break s,
            _ => {}
        }
    };

    // Everyone got the same cues with the same server times.
    let kinds: Vec<CueKind> = host_cues.iter().map(|c| c.1).collect();
    for kind in [
        CueKind::Countdown,
        CueKind::Go,
        CueKind::Halfway,
        CueKind::Rest,
        CueKind::Done,
    ] {
        assert!(kinds.contains(&kind), "no {kind:?} cue in {kinds:?}");
    }
    let mut expected_points = std::collections::HashMap::new();
    for (reps, task) in tasks {
        let seen = task.await.unwrap();
        assert_eq!(
            seen.cues, host_cues,
            "participant {:?} saw other cues",
            seen.me
        );
        assert_eq!(seen.summary, host_summary);
        // squats: 3 points a rep; arm raises: 1.
        expected_points.insert(seen.me, reps[0] * 3 + reps[1]);
    }

    // The scoreboard reflects the reported reps.
    let board = last_board.expect("a scoreboard");
    for entry in &board.ranking {
        assert_eq!(
            Some(&entry.points),
            expected_points.get(&entry.p),
            "{board:?}"
        );
    }
    assert_eq!(board.total, expected_points.values().sum::<u32>());
    assert!(board.ranking.windows(2).all(|w| w[0].points >= w[1].points));

    // Exactly one summary is in SQLite, readable over REST, equal to what clients got.
    assert_eq!(host_summary.session, session);
    let sessions: serde_json::Value =
        common::api_get(&srv.http_url(&format!("/v1/rooms/{code}/sessions")))
            .await
            .json()
            .await
            .unwrap();
    assert_eq!(
        sessions["sessions"].as_array().unwrap().len(),
        1,
        "{sessions}"
    );
    let stored: SessionSummary = common::api_get(&srv.http_url(&format!("/v1/sessions/{session}")))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(stored, host_summary);
    assert_eq!(stored.participants.len(), 6);
    for p in &stored.participants {
        let points: u32 = p.results.iter().map(|r| r.points).sum();
        assert_eq!(Some(&points), expected_points.get(&p.p));
        assert!(p.flags.is_empty(), "{p:?}");
    }
    // The session is over: the SDK reports the server's 1000 close and ends, no reconnection.
    let closed = loop {
        match host.next_event_timeout(WAIT).await.unwrap() {
            Event::Closed { code, reason } => break (code, reason),
            Event::Phase { .. } => {}
            other => panic!("after the summary: {other:?}"),
        }
    };
    assert_eq!(
        closed,
        (
            breakroom_protocol::close::NORMAL,
            "the session is over".to_owned()
        )
    );
    drop(host);
    srv.server.shutdown().await;
}

#[tokio::test]
async fn a_cut_connection_resumes_with_its_score_intact() {
    let srv = TestServer::start().await;
    let (code, _) = srv.create_room(program(&[("squats", 60_000, 0)])).await;
    let proxy = Proxy::start(srv.server.addr()).await;

    let mut host = Client::connect(&srv.ws_url(), &srv.token("host", TokenRole::Facilitator))
        .await
        .unwrap();
    host.join(&code, JoinOptions::facilitator()).await.unwrap();
    let mut watcher = Client::connect(&srv.ws_url(), &srv.token("watcher", TokenRole::Participant))
        .await
        .unwrap();
    watcher
        .join(&code, JoinOptions::participant())
        .await
        .unwrap();
    let mut flaky = Client::connect(&proxy.ws_url(), &srv.token("flaky", TokenRole::Participant))
        .await
        .unwrap();
    let me = flaky
        .join(&code, JoinOptions::participant())
        .await
        .unwrap()
        .you;

    // The countdown, the cut and the reconnection's backoff run on paused time (see
    // `PausedProgram`); real time again before the end, which writes the summary to SQLite.
    let mut paused = PausedProgram::pause();
    host.start().await.unwrap();
    flaky
        .wait_for(
            WAIT,
            |e| matches!(e, Event::Phase { phase, .. } if phase.phase == Phase::Exercise),
        )
        .await
        .unwrap();
    flaky.report_score("squats", 1, 0).await.unwrap();
    let has = |reps: u32| move |e: &Event| matches!(e, Event::Scoreboard(b) if b.ranking.iter().any(|r| r.p == me && r.reps == reps));
    host.wait_for(WAIT, has(1)).await.unwrap();

    proxy.cut();
    flaky
        .wait_for(WAIT, |e| matches!(e, Event::Reconnecting { .. }))
        .await
        .unwrap();
    // The snapshot that comes back on resume still holds the score.
    let mut resumed_snapshot = None;
    loop {
        match flaky.next_event_timeout(WAIT).await.unwrap() {
            Event::Snapshot(s) => resumed_snapshot = Some(s),
            Event::Resumed => break,
            Event::Rejoined => panic!("rejoined instead of resuming"),
            _ => {}
        }
    }
    let snapshot = resumed_snapshot.expect("a snapshot on resume");
    assert_eq!(snapshot.you, me);
    assert!(
        snapshot
            .scoreboard
            .ranking
            .iter()
            .any(|r| r.p == me && r.reps == 1),
        "{snapshot:?}"
    );
    assert_eq!(flaky.participant_id(), Some(me));

    for change in [PresenceChange::Reconnecting, PresenceChange::Resumed] {
        watcher
            .wait_for(WAIT, |e| {
                matches!(e, Event::Presence { change: c, participant } if *c == change && participant.id == me)
            })
            .await
            .unwrap();
    }
    // Counting goes on from the kept score.
    flaky.report_score("squats", 2, 0).await.unwrap();
    host.wait_for(WAIT, has(2)).await.unwrap();
    paused.resume();
    host.end().await.unwrap();
    let summary = flaky
        .wait_for(WAIT, |e| matches!(e, Event::Summary(_)))
        .await
        .unwrap();
    let Event::Summary(summary) = summary else {
        unreachable!()
    };
    let mine: Vec<_> = summary
        .participants
        .iter()
        .filter(|p| p.user == "flaky")
        .collect();
    assert_eq!(mine.len(), 1, "{summary:?}");
    assert_eq!(mine[0].results[0].reps, 2);
    srv.server.shutdown().await;
}
