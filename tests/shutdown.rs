//! SIGTERM during a live session: the summary is persisted and clients are closed with 1001.
#![allow(missing_docs, clippy::unwrap_used)]

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use breakroom::auth::{TokenKeys, TokenRole, TokenSpec};
use breakroom::config::Config;
use breakroom::server::Server;
use breakroom_protocol::{ClientMsg, ControlAction, Phase, RequestedRole, ServerMsg, close};
use common::{SECRET, program, raw_connect};

fn token(user: &str, role: TokenRole) -> String {
    let spec = TokenSpec {
        user: user.into(),
        name: format!("{user} Secretname"),
        email: Some(format!("{user}@mail.example")),
        room: None,
        role,
        grants: None,
    };
    TokenKeys::new("test-key", SECRET)
        .mint(spec, Duration::from_secs(600))
        .unwrap()
}

// Not on paused time: the server is a child process (SIGTERM), with its own clock.
#[tokio::test]
async fn sigterm_persists_the_live_session_and_closes_clients_with_1001() {
    let dir = tempfile::tempdir().unwrap();
    let log_path = dir.path().join("server.log");
    let mut child = Command::new(env!("CARGO_BIN_EXE_breakroom"))
        .arg("serve")
        .env("BREAKROOM_LISTEN", "127.0.0.1:0")
        .env("BREAKROOM_DATA_DIR", dir.path())
        .env("BREAKROOM_API_KEY", "test-key")
        .env("BREAKROOM_API_SECRET", SECRET)
        .env("BREAKROOM_LOG", "debug")
        .stdout(Stdio::piped())
        .stderr(Stdio::from(std::fs::File::create(&log_path).unwrap()))
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line.trim().rsplit("http://").next().unwrap().to_owned();

    let resp = reqwest::Client::new()
        .post(format!("http://{addr}/v1/rooms"))
        .bearer_auth(token("host", TokenRole::Facilitator))
        .json(&serde_json::json!({ "program": program(&[("squats", 60_000, 0)]) }))
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = resp.json().await.unwrap();
    let code = body["code"].as_str().unwrap().to_owned();
    let session = body["session"].as_str().unwrap().to_owned();

    let ws = format!("ws://{addr}/v1/ws");
    let mut host = raw_connect(&ws).await;
    let host_token = token("host", TokenRole::Facilitator);
    host.hello(&host_token).await;
    host.join(&code, RequestedRole::Facilitator).await;
    let mut p = raw_connect(&ws).await;
    let pia_token = token("pia", TokenRole::Participant);
    p.hello(&pia_token).await;
    p.join(&code, RequestedRole::Participant).await;

    host.send(&ClientMsg::Control {
        seq: 2,
        action: ControlAction::Start,
        target: None,
    })
    .await;
    p.until(|m| matches!(m, ServerMsg::Phase { phase, .. } if phase.phase == Phase::Exercise))
        .await;
    p.send(&ClientMsg::Score {
        seq: 2,
        exercise: "squats".into(),
        reps: 1,
        active_ms: 0,
    })
    .await;
    host.until(|m| matches!(m, ServerMsg::Scoreboard { scoreboard } if scoreboard.total > 0))
        .await;

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());

    // Both clients get the summary, then a 1001 close.
    for c in [&mut host, &mut p] {
        let summary = c.until(|m| matches!(m, ServerMsg::Summary { .. })).await;
        let ServerMsg::Summary { summary } = summary else {
            unreachable!()
        };
        assert_eq!(summary.session, session);
        assert_eq!(c.closed().await.unwrap().0, close::GOING_AWAY);
    }
    let exit = tokio::task::spawn_blocking(move || child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(exit.success(), "{exit:?}");

    // The logs, even at debug level, carry no token, name, email or payload.
    let logs = std::fs::read_to_string(&log_path).unwrap();
    assert!(
        logs.contains("session summary persisted"),
        "the log was not captured"
    );
    for secret in [
        &host_token,
        &pia_token,
        "Secretname",
        "mail.example",
        SECRET,
    ] {
        assert!(!logs.contains(secret), "the log leaks {secret:?}");
    }
    // No keypoint or message bytes either: the logs never print a payload.
    assert!(
        !logs.contains("PoseBlock") && !logs.contains("kp:"),
        "the log prints payloads"
    );

    // The summary is in the SQLite file: read it back through a new server on the same folder.
    let settings = common::settings(dir.path());
    let server = Server::start(Config::resolve(settings, false).unwrap())
        .await
        .unwrap();
    let url = format!("http://{}/v1/sessions/{session}", server.addr());
    let summary: serde_json::Value = common::api_get(&url).await.json().await.unwrap();
    assert_eq!(summary["end"], "shutdown");
    let pia = summary["participants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["user"] == "pia")
        .unwrap();
    assert_eq!(pia["results"][0]["reps"], 1, "{summary}");
    server.shutdown().await;
}
