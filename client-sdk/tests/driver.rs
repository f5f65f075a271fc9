//! The client against a scripted stand-in for the server, over real sockets on 127.0.0.1:0.
//!
//! The stand-in (`support`) speaks the protocol through `breakroom_protocol`'s codec and answers
//! pings on its own; each test plays the server's side of one conversation.

#![allow(clippy::unwrap_used, clippy::result_large_err)] // Test code; the handshake callback type is tungstenite's.

mod support;

use std::time::Duration;

use breakroom_client::protocol::{ClientMsg, PoseBlock, Presence, ServerMsg, close, encode_server};
use breakroom_client::{
    Client, ErrorCode, Event, JoinOptions, Landmark, Participant, ParticipantId, PeerPose, Phase,
    PhaseState, PoseModel, PresenceChange, Reaction, Role,
};
use futures_util::SinkExt;
use tokio::time::timeout;
use tokio_tungstenite::tungstenite::Message;

use support::{MockServer, OFFSET, WAIT, joined, now, options, snapshot};

#[tokio::test]
async fn events_arrive_typed_and_the_clock_syncs() {
    let mut server = MockServer::start().await;
    let (mut client, mut conn) = joined(&mut server).await;

    // An unknown message type is skipped; unread pose frames merge into one (taking the newest
    // `t`); other events arrive in order.
    conn.ws
        .send(Message::binary(vec![
            0x81, 0xa4, b't', b'y', b'p', b'e', 0xa3, b'n', b'e', b'w',
        ]))
        .await
        .unwrap();
    conn.send(ServerMsg::Poses {
        t: 1,
        poses: vec![],
    })
    .await;
    conn.send(ServerMsg::Poses {
        t: 2,
        poses: vec![],
    })
    .await;
    conn.send(ServerMsg::Reaction {
        p: ParticipantId(3),
        reaction: Reaction::Clap,
    })
    .await;
    let reaction = client
        .wait_for(WAIT, |e| matches!(e, Event::Reaction { .. }))
        .await
        .unwrap();
    assert_eq!(
        reaction,
        Event::Reaction {
            p: ParticipantId(3),
            reaction: Reaction::Clap
        }
    );
    let poses = client
        .wait_for(WAIT, |e| matches!(e, Event::Poses { .. }))
        .await
        .unwrap();
    assert_eq!(
        poses,
        Event::Poses {
            t: 2,
            poses: vec![]
        }
    );

    // The welcome and the burst of pings (answered while the stand-in reads) set the offset.
    let deadline = tokio::time::Instant::now() + WAIT;
    while client
        .round_trip()
        .is_none_or(|rtt| rtt > Duration::from_millis(50))
    {
        assert!(tokio::time::Instant::now() < deadline, "no clock sync");
        let _ = timeout(Duration::from_millis(20), conn.recv()).await;
    }
    let error = client.clock_offset() - i64::try_from(OFFSET).unwrap();
    assert!(error.abs() < 50_000, "offset off by {error} µs");
    let in_a_second = client.server_now() + 1_000_000;
    let wait = client.local_instant(in_a_second) - tokio::time::Instant::now();
    assert!(
        wait > Duration::from_millis(900) && wait <= Duration::from_secs(1),
        "{wait:?}"
    );
}

#[tokio::test]
async fn no_skeleton_of_a_participant_arrives_after_it_left() {
    let mut server = MockServer::start().await;
    let (mut client, mut conn) = joined(&mut server).await;
    let kp = PoseBlock::from_landmarks(PoseModel::BlazePose33, &[Landmark::default(); 33]).unwrap();
    let pose = |p| PeerPose {
        p: ParticipantId(p),
        t: 1,
        kp: kp.clone(),
    };
    let left = Participant {
        id: ParticipantId(3),
        name: "p3".to_owned(),
        role: Role::Participant,
        presence: Presence::Present,
        team: None,
    };
    // One burst: a frame with participants 3 and 4, then 3 leaves, then a reaction. Events
    // overtake the frame slot, so the frame is still waiting when the departure is delivered.
    for msg in [
        ServerMsg::Poses {
            t: 1,
            poses: vec![pose(3), pose(4)],
        },
        ServerMsg::Presence {
            change: PresenceChange::Left,
            participant: left,
        },
        ServerMsg::Reaction {
            p: ParticipantId(4),
            reaction: Reaction::Clap,
        },
    ] {
        conn.ws
            .feed(Message::binary(encode_server(&msg)))
            .await
            .unwrap();
    }
    conn.ws.flush().await.unwrap();
    let mut events = Vec::new();
    while !matches!(events.last(), Some(Event::Reaction { .. })) {
        events.push(client.next_event_timeout(WAIT).await.unwrap());
    }
    events.extend(std::iter::from_fn(|| client.try_next_event()));
    let gone = events
        .iter()
        .position(|e| {
            matches!(
                e,
                Event::Presence {
                    change: PresenceChange::Left,
                    ..
                }
            )
        })
        .expect("the departure");
    let drawn = |e: &Event, who| matches!(e, Event::Poses { poses, .. } if poses.iter().any(|p| p.p == ParticipantId(who)));
    assert!(
        !events[gone..].iter().any(|e| drawn(e, 3)),
        "a skeleton of participant 3 after it left: {events:?}"
    );
    assert!(
        events.iter().any(|e| drawn(e, 4)),
        "participant 4's skeleton still arrives: {events:?}"
    );
}

#[tokio::test]
async fn poses_are_paced_and_latest_wins() {
    let mut server = MockServer::start().await;
    let (client, mut conn) = joined(&mut server).await;
    let landmarks = vec![
        Landmark {
            x: 0.5,
            y: 0.5,
            z: None,
            visibility: 1.0
        };
        33
    ];
    let bad = vec![Landmark::default(); 3];
    assert!(client.send_pose(PoseModel::BlazePose33, &bad).is_err());

    // 100 frames within ~0.5 s; the server allows 10 Hz.
    let sender = client.handle();
    let offer = tokio::spawn(async move {
        for _ in 0..100 {
            sender
                .send_pose(PoseModel::BlazePose33, &landmarks)
                .unwrap();
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    });
    let mut received = 0;
    let start = tokio::time::Instant::now();
    while start.elapsed() < Duration::from_millis(500) {
        if let Ok(Ok(ClientMsg::Pose { t, kp })) =
            timeout(Duration::from_millis(50), conn.recv()).await
        {
            assert_eq!(kp.model(), Some(PoseModel::BlazePose33));
            assert!(
                t.abs_diff(now() + OFFSET) < 2_000_000,
                "t is on the server's clock"
            );
            received += 1;
        }
    }
    offer.await.unwrap();
    assert!(
        (2..=7).contains(&received),
        "{received} poses in 0.5 s at 10 Hz"
    );
}

#[tokio::test]
async fn requests_are_answered_and_close_leaves() {
    let mut server = MockServer::start().await;
    let (mut client, mut conn) = joined(&mut server).await;

    // A refused join comes back as the join's error.
    let (result, ()) = tokio::join!(client.join("ROOM-2", JoinOptions::viewer()), async {
        let ClientMsg::Join { seq, .. } = conn.recv_request().await else {
            panic!("join")
        };
        let refusal = ServerMsg::Error {
            code: ErrorCode::AlreadyJoined,
            message: "no".into(),
            seq: Some(seq),
        };
        conn.send(refusal).await;
    });
    assert!(matches!(
        result,
        Err(breakroom_client::Error::Server {
            code: ErrorCode::AlreadyJoined,
            ..
        })
    ));

    // A refused control comes back as an event quoting the control's seq.
    let seq = client.start().await.unwrap();
    let ClientMsg::Control { seq: sent, .. } = conn.recv_request().await else {
        panic!("control")
    };
    assert_eq!(seq, sent);
    conn.send(ServerMsg::Error {
        code: ErrorCode::Forbidden,
        message: "no".into(),
        seq: Some(seq),
    })
    .await;
    let event = client.next_event_timeout(WAIT).await.unwrap();
    assert_eq!(
        event,
        Event::Error {
            code: ErrorCode::Forbidden,
            message: "no".into(),
            seq: Some(seq)
        }
    );

    // Scores: the newest unsent count per exercise wins.
    client.report_score("squats", 1, 100).await.unwrap();
    let ClientMsg::Score { reps, .. } = conn.recv_request().await else {
        panic!("score")
    };
    assert_eq!(reps, 1);

    // close: leave, then a normal close frame; the stream ends with Closed.
    let (closed, ()) = tokio::join!(client.close(), async {
        assert!(matches!(conn.recv_request().await, ClientMsg::Leave { .. }));
        assert_eq!(conn.recv().await.err(), Some(Some(close::NORMAL)));
    });
    closed.unwrap();
    let last = client
        .wait_for(WAIT, |e| matches!(e, Event::Closed { .. }))
        .await
        .unwrap();
    assert_eq!(
        last,
        Event::Closed {
            code: 1000,
            reason: "closed by the client".into()
        }
    );
    assert_eq!(client.next_event().await, None);
    assert!(matches!(
        client.start().await,
        Err(breakroom_client::Error::Disconnected)
    ));
}

#[tokio::test]
async fn a_reconnection_to_another_clock_starts_the_sync_again() {
    let mut server = MockServer::start().await;
    let (mut client, mut conn) = joined(&mut server).await;
    let synced = |client: &Client, offset: u64| {
        (client.clock_offset() - i64::try_from(offset).unwrap()).abs() < 50_000
    };
    let deadline = tokio::time::Instant::now() + WAIT;
    while !synced(&client, OFFSET) {
        assert!(tokio::time::Instant::now() < deadline, "no clock sync");
        let _ = timeout(Duration::from_millis(20), conn.recv()).await;
    }
    // The server restarts (or another node answers) with a clock 2.5 s ahead of the old one.
    // Its samples contradict the window, which is dropped: the offset follows within the
    // burst, rather than averaging two clocks for a minute.
    drop(conn);
    assert_eq!(
        client.next_event_timeout(WAIT).await.unwrap(),
        Event::Reconnecting { attempt: 1 }
    );
    let mut conn = server.accept().await;
    conn.offset = OFFSET + 2_500_000;
    conn.welcome("r2").await;
    conn.send(snapshot("ROOM-1", 7)).await;
    let deadline = tokio::time::Instant::now() + WAIT;
    while !synced(&client, conn.offset) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the offset stayed at {} µs",
            client.clock_offset()
        );
        let _ = timeout(Duration::from_millis(20), conn.recv()).await;
    }
}

#[tokio::test]
async fn drops_resume_or_rejoin_and_terminal_closes_end() {
    let mut server = MockServer::start().await;
    let (mut client, conn) = joined(&mut server).await;

    // 1. The connection drops without a close frame: resume with the welcome's token.
    drop(conn);
    let event = client.next_event_timeout(WAIT).await.unwrap();
    assert_eq!(event, Event::Reconnecting { attempt: 1 });
    // Sent while reconnecting: queued until the room is back.
    let reaction = client.react(Reaction::Wave).await.unwrap();
    let mut conn = server.accept().await;
    let (_, resume) = conn.welcome("r2").await;
    assert_eq!(resume.as_deref(), Some("r1"));
    conn.send(snapshot("ROOM-1", 7)).await;
    assert!(matches!(
        client.next_event_timeout(WAIT).await.unwrap(),
        Event::Snapshot(_)
    ));
    assert_eq!(
        client.next_event_timeout(WAIT).await.unwrap(),
        Event::Resumed
    );
    let ClientMsg::Reaction { seq, .. } = conn.recv_request().await else {
        panic!("reaction")
    };
    assert_eq!(seq, reaction);

    // 2. The server goes away (1001); the resume is refused: join again by code.
    conn.close(close::GOING_AWAY).await;
    assert_eq!(
        client.next_event_timeout(WAIT).await.unwrap(),
        Event::Reconnecting { attempt: 1 }
    );
    let mut conn = server.accept().await;
    let (hello_seq, resume) = conn.welcome("r3").await;
    assert_eq!(resume.as_deref(), Some("r2"));
    let refusal = ServerMsg::Error {
        code: ErrorCode::InvalidState,
        message: "resume failed: expired".into(),
        seq: Some(hello_seq),
    };
    conn.send(refusal).await;
    conn.accept_join("ROOM-1", 8).await;
    let Event::Snapshot(snapshot) = client.next_event_timeout(WAIT).await.unwrap() else {
        panic!()
    };
    assert_eq!(snapshot.you, ParticipantId(8));
    assert_eq!(
        client.next_event_timeout(WAIT).await.unwrap(),
        Event::Rejoined
    );

    // 3. Kicked (4000): no reconnection.
    conn.close(close::KICKED).await;
    let event = client.next_event_timeout(WAIT).await.unwrap();
    assert_eq!(
        event,
        Event::Closed {
            code: close::KICKED,
            reason: "bye".into()
        }
    );
    assert_eq!(client.next_event().await, None);
    assert!(
        timeout(Duration::from_millis(200), server.accept())
            .await
            .is_err()
    );
}

#[tokio::test]
async fn refused_connections_fail_connect() {
    let mut server = MockServer::start().await;
    let url = server.url.clone();
    let (client, ()) = tokio::join!(Client::connect_with(&url, "tok", options()), async {
        let mut conn = server.accept().await;
        let _ = conn.recv().await;
        conn.close(close::POLICY).await;
    });
    assert!(matches!(
        client,
        Err(breakroom_client::Error::Closed { code: 1008, .. })
    ));
    let not_ws = Client::connect("http://127.0.0.1:1/v1/ws", "tok").await;
    assert!(matches!(
        not_ws,
        Err(breakroom_client::Error::InvalidUrl(_))
    ));
}

#[tokio::test]
async fn cues_due_before_a_phase_change_survive_it() {
    use breakroom_client::{Cue, CueKind, CueSchedule};
    let mut server = MockServer::start().await;
    let (mut client, mut conn) = joined(&mut server).await;
    let cue = |id, kind, at| Cue {
        id,
        kind,
        at,
        step: 0,
        exercise: None,
        n: None,
        seed: None,
    };
    // The exercise ends at `end`: rest and next_up were announced for it; the `rest` phase
    // (since `end`) arrives with only the cues still to come, before the application got to
    // act on the two (it reads everything only now, like a busy application).
    let end = now() + OFFSET;
    let countdown = cue(11, CueKind::Countdown, end + 60_000_000);
    conn.send(ServerMsg::Cue {
        cue: cue(10, CueKind::NextUp, end),
    })
    .await;
    conn.send(ServerMsg::Cue {
        cue: cue(9, CueKind::Rest, end),
    })
    .await;
    let rest = PhaseState {
        phase: Phase::Rest,
        step: Some(0),
        since: end,
        until: Some(end + 61_000_000),
        paused: false,
    };
    conn.send(ServerMsg::Phase {
        phase: rest,
        timeline: vec![countdown.clone()],
    })
    .await;
    let mut cues = CueSchedule::new();
    loop {
        let event = client.next_event_timeout(WAIT).await.unwrap();
        cues.handle_event(client.server_now(), &event);
        if matches!(event, Event::Phase { .. }) {
            break;
        }
    }
    let due: Vec<(u32, CueKind)> = cues
        .poll_due(client.server_now())
        .into_iter()
        .map(|c| (c.id, c.kind))
        .collect();
    assert_eq!(due, [(9, CueKind::Rest), (10, CueKind::NextUp)]);
    assert_eq!(cues.pending().collect::<Vec<_>>(), [&countdown]);
    assert_eq!(cues.next_due(), Some(countdown.at));
}
