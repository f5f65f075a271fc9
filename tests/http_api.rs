//! The HTTP surface over real sockets: REST under `/v1`, dev tokens, health, readiness and
//! metrics, and the checks made before a WebSocket upgrade (origin, connection caps). Every
//! error is an RFC 9457 problem document.
#![allow(missing_docs, clippy::unwrap_used)]

mod common;

use breakroom::auth::{Grants, TokenRole};
use breakroom_protocol::{
    ClientMsg, ControlAction, ErrorCode, RequestedRole, ServerMsg, Sharing, close,
};
use common::{Raw, Seen, TestServer, Ws, program, raw_connect};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// Status, `content-type` and JSON body (or `Null`) of an answer.
async fn answer(req: reqwest::RequestBuilder) -> (u16, String, Value) {
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let content_type = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let text = resp.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    (status, content_type, body)
}

/// Checks that an answer is a complete problem document with this status; returns its detail.
fn problem(status: u16, (got, content_type, body): &(u16, String, Value)) -> String {
    assert_eq!(*got, status, "{body}");
    assert_eq!(content_type, "application/problem+json", "{body}");
    assert!(
        body["type"]
            .as_str()
            .unwrap()
            .starts_with("https://breakroom.dev/problems/"),
        "{body}"
    );
    assert!(!body["title"].as_str().unwrap().is_empty(), "{body}");
    assert_eq!(body["status"], status, "{body}");
    body["detail"].as_str().unwrap().to_owned()
}

fn http() -> reqwest::Client {
    reqwest::Client::new()
}

fn squats_program() -> Value {
    serde_json::to_value(program(&[
        ("squats", 30_000, 10_000),
        ("arm_raises", 30_000, 0),
    ]))
    .unwrap()
}

#[tokio::test]
async fn creating_a_room_needs_a_control_token_and_a_valid_program() {
    let srv = TestServer::start().await;
    let url = srv.http_url("/v1/rooms");
    let host = srv.token("host", TokenRole::Facilitator);
    let no_control = srv.token_with(
        "host2",
        TokenRole::Facilitator,
        Some(Grants {
            pose: true,
            score: true,
            control: false,
            hidden: false,
        }),
    );
    let good = json!({ "program": squats_program() }).to_string();
    let with_program = |p: Value| json!({ "program": p }).to_string();
    let bad_exercise = with_program(
        serde_json::to_value(program(&[("squats", 30_000, 0), ("teleport", 30_000, 0)])).unwrap(),
    );
    let no_steps = with_program(json!({ "name": "Nothing", "steps": [] }));
    let participant = srv.token("p", TokenRole::Participant);
    let viewer = srv.token("v", TokenRole::Viewer);

    // (authorization header, body, status, words the detail must contain)
    let cases: Vec<(Option<String>, String, u16, &str)> = vec![
        (None, good.clone(), 401, "Authorization"),
        (
            Some("Bearer not-a-jwt".into()),
            good.clone(),
            401,
            "invalid",
        ),
        (Some(format!("Basic {host}")), good.clone(), 401, "Bearer"),
        (
            Some(format!("Bearer {participant}")),
            good.clone(),
            403,
            "control",
        ),
        (
            Some(format!("Bearer {viewer}")),
            good.clone(),
            403,
            "control",
        ),
        (
            Some(format!("Bearer {no_control}")),
            good.clone(),
            403,
            "control",
        ),
        (
            Some(format!("Bearer {host}")),
            "{\"program\":".into(),
            400,
            "invalid JSON",
        ),
        (Some(format!("Bearer {host}")), "{}".into(), 400, "program"),
        (
            Some(format!("Bearer {host}")),
            json!({ "program": squats_program(), "colour": "red" }).to_string(),
            400,
            "unknown field `colour`",
        ),
        (
            Some(format!("Bearer {host}")),
            bad_exercise,
            400,
            "`teleport` is not in the catalogue",
        ),
        (
            Some(format!("Bearer {host}")),
            no_steps,
            400,
            "1 to 32 steps",
        ),
        (
            Some(format!("Bearer {host}")),
            json!({ "program": squats_program(), "capacity": 0 }).to_string(),
            400,
            "capacity must be 1 to 500",
        ),
    ];
    for (authorization, body, status, why) in cases {
        let mut req = http()
            .post(&url)
            .header("content-type", "application/json")
            .body(body.clone());
        if let Some(a) = &authorization {
            req = req.header("authorization", a);
        }
        let resp = req.send().await.unwrap();
        if status == 401 {
            assert_eq!(resp.headers()["www-authenticate"], "Bearer", "{body}");
        }
        let content_type = resp.headers()["content-type"].to_str().unwrap().to_owned();
        let got = resp.status().as_u16();
        let json: Value = resp.json().await.unwrap();
        let detail = problem(status, &(got, content_type, json));
        assert!(detail.contains(why), "{authorization:?} {body}: {detail}");
    }
    assert_eq!(
        srv.server.hub().rooms.len(),
        0,
        "a refused request made a room"
    );
}

#[tokio::test]
async fn a_created_room_is_described_by_its_code_however_it_is_typed() {
    let srv = TestServer::start().await;
    let prog = squats_program();
    // The scheme of the Authorization header is case-insensitive (RFC 9110 §11.1).
    let token = srv.token("host", TokenRole::Facilitator);
    let (status, _, created) = answer(
        http()
            .post(srv.http_url("/v1/rooms"))
            .header("authorization", format!("bearer {token}"))
            .json(&json!({ "program": prog, "capacity": 12 })),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let code = created["code"].as_str().unwrap();
    let session = created["session"].as_str().unwrap();
    let shape_ok = code.len() == 9
        && code.char_indices().all(|(i, c)| {
            if i == 4 {
                c == '-'
            } else {
                c.is_ascii_uppercase() || c.is_ascii_digit()
            }
        });
    assert!(shape_ok, "code {code} is not XXXX-XXXX");
    assert!(!session.is_empty());
    let addr = srv.server.addr();
    assert_eq!(
        created["join_url"],
        format!("http://{addr}/join/{code}"),
        "{created}"
    );
    assert_eq!(created["ws_url"], format!("ws://{addr}/v1/ws"), "{created}");

    let lower = code.to_lowercase();
    let undashed = code.replace('-', "");
    // Its creator may read it (see `room_reads_answer_…` for who else).
    for typed in [code, lower.as_str(), undashed.as_str()] {
        let (status, content_type, info) = answer(
            http()
                .get(srv.http_url(&format!("/v1/rooms/{typed}")))
                .bearer_auth(&token),
        )
        .await;
        assert_eq!(status, 200, "{typed}: {info}");
        assert_eq!(content_type, "application/json");
        assert_eq!(info["code"], code, "{info}");
        assert_eq!(info["session"], session, "{info}");
        assert_eq!(info["phase"]["phase"], "lobby", "{info}");
        assert_eq!(info["capacity"], 12, "{info}");
        for count in ["participants", "facilitators", "viewers", "connected"] {
            assert_eq!(info[count], 0, "{count}: {info}");
        }
        assert_eq!(info["locked"], false, "{info}");
        assert_eq!(info["program"], prog, "{info}");
    }

    let (status, _, sessions) = answer(
        http()
            .get(srv.http_url(&format!("/v1/rooms/{lower}/sessions")))
            .bearer_auth(&token),
    )
    .await;
    assert_eq!(status, 200, "{sessions}");
    assert_eq!(sessions, json!({ "room": code, "sessions": [] }));

    let unknown = if code == "ABCD-EFGH" {
        "ABCD-EFGK"
    } else {
        "ABCD-EFGH"
    };
    let detail = problem(
        404,
        &answer(
            http()
                .get(srv.http_url(&format!("/v1/rooms/{unknown}")))
                .bearer_auth(&token),
        )
        .await,
    );
    assert!(detail.contains("no live room"), "{detail}");
}

#[tokio::test]
async fn join_links_follow_the_public_url() {
    let srv = TestServer::start_with(|s| common::Settings {
        public_url: Some("https://breakroom.example/".into()),
        ..s
    })
    .await;
    let (status, _, created) = answer(
        http()
            .post(srv.http_url("/v1/rooms"))
            .bearer_auth(srv.token("host", TokenRole::Facilitator))
            .json(&json!({ "program": squats_program() })),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let code = created["code"].as_str().unwrap();
    assert_eq!(
        created["join_url"],
        format!("https://breakroom.example/join/{code}")
    );
    assert_eq!(created["ws_url"], "wss://breakroom.example/v1/ws");
}

#[tokio::test]
async fn the_catalogue_names_every_exercise_in_english_and_swedish() {
    let srv = TestServer::start().await;
    let (status, content_type, catalogue) = answer(http().get(srv.http_url("/v1/exercises"))).await;
    assert_eq!((status, content_type.as_str()), (200, "application/json"));
    let exercises = catalogue["exercises"].as_array().unwrap();
    assert!(exercises.len() >= 8, "{catalogue}");
    for e in exercises {
        assert!(!e["id"].as_str().unwrap().is_empty(), "{e}");
        assert!(!e["names"]["en"].as_str().unwrap().is_empty(), "{e}");
        assert!(!e["names"]["sv"].as_str().unwrap().is_empty(), "{e}");
        assert!(
            ["reps", "seconds"].contains(&e["unit"].as_str().unwrap()),
            "{e}"
        );
        assert!(e["max_per_min"].as_u64().unwrap() > 0, "{e}");
        // How to do it, in both languages, and what the device runs to count it.
        assert!(!e["how"]["en"].as_str().unwrap().is_empty(), "{e}");
        assert!(!e["how"]["sv"].as_str().unwrap().is_empty(), "{e}");
        assert!(
            ["pose", "reach", "sound"].contains(&e["input"].as_str().unwrap()),
            "{e}"
        );
    }
    let squats = exercises.iter().find(|e| e["id"] == "squats").unwrap();
    assert_eq!(squats["names"]["sv"], "Knäböj");
    let input = |id: &str| {
        let e = exercises.iter().find(|e| e["id"] == id).unwrap();
        e["input"].as_str().unwrap().to_owned()
    };
    assert_eq!(
        [input("squats"), input("reach"), input("ha")],
        ["pose", "reach", "sound"]
    );
}

#[tokio::test]
async fn unknown_sessions_paths_and_methods_are_problems() {
    let srv = TestServer::start().await;
    let detail = problem(
        404,
        &answer(http().get(srv.http_url("/v1/sessions/unknown"))).await,
    );
    assert!(detail.contains("no session"), "{detail}");
    for path in ["/nope", "/v1/nope", "/v2/rooms", "/v1/dev/token"] {
        let detail = problem(404, &answer(http().get(srv.http_url(path))).await);
        assert!(detail.contains("no such endpoint"), "{path}: {detail}");
    }
    // Framework-made errors are problem documents too.
    let resp = http().get(srv.http_url("/v1/rooms")).send().await.unwrap();
    assert_eq!(resp.headers()["allow"], "POST");
    let got = (
        resp.status().as_u16(),
        resp.headers()["content-type"].to_str().unwrap().to_owned(),
        resp.json().await.unwrap(),
    );
    problem(405, &got);
    problem(
        405,
        &answer(http().delete(srv.http_url("/v1/exercises"))).await,
    );
    // A body past axum's limit (2 MB): its plain-text refusal becomes a problem.
    let huge = answer(
        http()
            .post(srv.http_url("/v1/rooms"))
            .header("content-type", "application/json")
            .body(vec![b' '; (2 << 20) + 1]),
    )
    .await;
    let detail = problem(413, &huge);
    assert!(detail.contains("length limit"), "{detail}");
}

#[tokio::test]
async fn dev_mode_hands_out_guest_tokens_with_the_asked_name_and_role() {
    let srv = TestServer::start_dev().await;
    let url = srv.http_url("/v1/dev/token");
    let keys = &srv.server.hub().keys;

    let (status, _, body) = answer(
        http()
            .post(&url)
            .json(&json!({ "name": "Ada", "role": "facilitator", "room": "ABCD-EFGH" })),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let claims = keys.verify(body["token"].as_str().unwrap()).unwrap();
    assert_eq!(claims.name, "Ada");
    assert_eq!(claims.role, TokenRole::Facilitator);
    assert_eq!(claims.grants, Grants::for_role(TokenRole::Facilitator));
    assert_eq!(claims.room.as_deref(), Some("ABCD-EFGH"));
    assert_eq!(claims.sub, body["user"].as_str().unwrap());
    assert!(claims.sub.starts_with("guest-"), "{}", claims.sub);
    assert_eq!(claims.exp - claims.iat, 3600);
    let expires_at = body["expires_at"].as_u64().unwrap();
    assert!(expires_at.abs_diff(claims.exp) <= 1, "{body}");

    // The facilitator's guest token creates rooms.
    let (status, _, created) = answer(
        http()
            .post(srv.http_url("/v1/rooms"))
            .bearer_auth(body["token"].as_str().unwrap())
            .json(&json!({ "program": squats_program() })),
    )
    .await;
    assert_eq!(status, 201, "{created}");

    // Without a role, a guest is a participant; each guest is a new user; names are trimmed.
    let longest = "é".repeat(64);
    let mut users = vec![claims.sub];
    for (name, kept) in [("  Linus ", "Linus"), (longest.as_str(), longest.as_str())] {
        let (status, _, body) = answer(http().post(&url).json(&json!({ "name": name }))).await;
        assert_eq!(status, 200, "{body}");
        let claims = keys.verify(body["token"].as_str().unwrap()).unwrap();
        assert_eq!(claims.name, kept);
        assert_eq!(claims.role, TokenRole::Participant);
        assert!(!claims.grants.control);
        assert!(
            !users.contains(&claims.sub),
            "{} handed out twice",
            claims.sub
        );
        users.push(claims.sub);
    }

    let too_long = "a".repeat(65);
    let refused = [
        json!({ "name": "" }),
        json!({ "name": "   " }),
        json!({ "name": too_long }),
        json!({ "name": "Ad\u{7}a" }),
        json!({ "name": "Ad\u{0}a" }),
        json!({ "name": "Ada", "role": "admin" }),
        json!({ "name": "Ada", "grants": { "control": true } }),
        json!({ "role": "facilitator" }),
        json!("Ada"),
    ];
    for body in refused {
        let detail = problem(400, &answer(http().post(&url).json(&body)).await);
        assert!(!detail.is_empty(), "{body}");
    }
}

#[tokio::test]
async fn without_dev_mode_there_is_no_token_endpoint() {
    let srv = TestServer::start().await;
    let resp = answer(
        http()
            .post(srv.http_url("/v1/dev/token"))
            .json(&json!({ "name": "Ada", "role": "facilitator" })),
    )
    .await;
    problem(404, &resp);
}

#[tokio::test]
async fn health_and_readiness_answer_ok() {
    let srv = TestServer::start().await;
    for (path, text) in [("/healthz", "ok"), ("/readyz", "ready")] {
        let resp = reqwest::get(srv.http_url(path)).await.unwrap();
        assert_eq!(resp.status(), 200, "{path}");
        assert_eq!(resp.text().await.unwrap(), text, "{path}");
    }
}

/// Opens a raw client, says hello and joins `code` as `role`; returns it after the snapshot.
async fn member(srv: &TestServer, code: &str, user: &str, role: TokenRole) -> Raw {
    let mut c = raw_connect(&srv.ws_url()).await;
    c.hello(&srv.token(user, role)).await;
    let requested = match role {
        TokenRole::Facilitator => RequestedRole::Facilitator,
        TokenRole::Participant => RequestedRole::Participant,
        TokenRole::Viewer => RequestedRole::Viewer,
    };
    let seq = c.next_seq();
    c.send(&ClientMsg::Join {
        seq,
        room: code.into(),
        role: requested,
        sharing: Sharing::Room,
    })
    .await;
    c.until(|m| matches!(m, ServerMsg::Snapshot { .. })).await;
    c
}

#[tokio::test]
async fn metrics_follow_rooms_connections_and_messages() {
    let srv = TestServer::start().await;
    let text = srv.metrics().await;
    // Families of labelled series (messages in and out, by kind) appear with their first series.
    for family in [
        "# TYPE breakroom_connections gauge",
        "# TYPE breakroom_rooms gauge",
        "# TYPE breakroom_stale_frames_dropped counter",
        "# TYPE breakroom_outbox_depth histogram",
        "# TYPE breakroom_cue_lead_seconds histogram",
        "# TYPE breakroom_cues_late counter",
    ] {
        assert!(text.contains(family), "no `{family}` in:\n{text}");
    }
    let series = |name: &str| common::metric_value(&text, name);
    assert_eq!(series("breakroom_connections"), Some(0.0), "{text}");
    assert_eq!(series("breakroom_rooms"), Some(0.0), "{text}");
    assert_eq!(series("breakroom_stale_frames_dropped_total"), Some(0.0));
    assert_eq!(series("breakroom_outbox_depth_count"), Some(0.0));
    assert_eq!(series("breakroom_cue_lead_seconds_count"), Some(0.0));

    let (code, _) = srv.create_room(program(&[("squats", 60_000, 0)])).await;
    assert_eq!(srv.metric("breakroom_rooms").await, Some(1.0));

    // After its welcome, a connection is counted, and so is its hello and the welcome's batch.
    let mut host = member(&srv, &code, "host", TokenRole::Facilitator).await;
    let text = srv.metrics().await;
    let series = |name: &str| common::metric_value(&text, name);
    assert_eq!(series("breakroom_connections"), Some(1.0), "{text}");
    assert_eq!(
        series("breakroom_messages_in_total{kind=\"hello\"}"),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        series("breakroom_messages_in_total{kind=\"join\"}"),
        Some(1.0),
        "{text}"
    );
    assert!(
        series("breakroom_messages_out_total{kind=\"snapshot\"}") >= Some(1.0),
        "{text}"
    );
    assert!(
        series("breakroom_outbox_depth_count") >= Some(1.0),
        "{text}"
    );

    // A cue reaching the client was measured against its instant before it was written.
    host.send(&ClientMsg::Control {
        seq: 2,
        action: ControlAction::Start,
        target: None,
    })
    .await;
    host.until(|m| matches!(m, ServerMsg::Cue { .. })).await;
    let text = srv.metrics().await;
    let series = |name: &str| common::metric_value(&text, name).unwrap();
    assert!(
        series("breakroom_cue_lead_seconds_count") + series("breakroom_cues_late_total") >= 1.0,
        "{text}"
    );
    assert!(series("breakroom_messages_out_total{kind=\"cue\"}") >= 1.0);

    host.ws.close(None).await.unwrap();
    host.closed().await;
    srv.wait_for_metric("breakroom_connections", 0.0).await;
}

/// A browser-like upgrade: the subprotocol and, if given, an `Origin`. The refusal's status and
/// problem document on failure.
async fn upgrade(srv: &TestServer, origin: Option<&str>) -> Result<Ws, (u16, Value)> {
    let mut req = srv.ws_url().into_client_request().unwrap();
    req.headers_mut()
        .insert("Sec-WebSocket-Protocol", "breakroom.v1".parse().unwrap());
    if let Some(origin) = origin {
        req.headers_mut().insert("Origin", origin.parse().unwrap());
    }
    match tokio_tungstenite::connect_async(req).await {
        Ok((ws, _)) => Ok(ws),
        Err(tungstenite::Error::Http(resp)) => {
            assert_eq!(resp.headers()["content-type"], "application/problem+json");
            let body = serde_json::from_slice(resp.body().as_ref().unwrap()).unwrap();
            Err((resp.status().as_u16(), body))
        }
        Err(other) => panic!("upgrade failed without an HTTP answer: {other:?}"),
    }
}

#[tokio::test]
async fn browser_origins_must_be_the_same_or_listed() {
    let listed = TestServer::start_with(|s| common::Settings {
        allowed_origins: Some(vec!["https://app.example".into()]),
        ..s
    })
    .await;
    let plain = TestServer::start().await;
    let same = |srv: &TestServer| format!("http://{}", srv.server.addr());
    let lookalike = |srv: &TestServer| format!("http://{}.evil.example", srv.server.addr());

    // (server, Origin, accepted)
    let cases = [
        (&plain, None, true),
        (&plain, Some(same(&plain)), true),
        (&plain, Some("http://evil.example".to_owned()), false),
        (&plain, Some(lookalike(&plain)), false),
        (&plain, Some("null".to_owned()), false),
        (&plain, Some("https://app.example".to_owned()), false),
        (&listed, Some("https://app.example".to_owned()), true),
        (&listed, Some("https://APP.example".to_owned()), true),
        (&listed, Some(same(&listed)), true),
        (&listed, None, true),
        (&listed, Some("http://evil.example".to_owned()), false),
        (
            &listed,
            Some("https://app.example.evil.example".to_owned()),
            false,
        ),
    ];
    for (srv, origin, accepted) in cases {
        match upgrade(srv, origin.as_deref()).await {
            Ok(mut ws) => {
                assert!(accepted, "{origin:?} was let in");
                ws.close(None).await.unwrap();
            }
            Err((status, body)) => {
                assert!(!accepted, "{origin:?} was refused: {status} {body}");
                assert_eq!(status, 403, "{body}");
                assert_eq!(body["status"], 403, "{body}");
                assert!(
                    body["detail"].as_str().unwrap().contains("Origin"),
                    "{body}"
                );
            }
        }
    }
}

async fn hello_refused(c: &mut Raw, token: &str) -> (ErrorCode, String, Option<(u16, String)>) {
    let seq = c.next_seq();
    c.send(&ClientMsg::Hello {
        seq,
        sdk: "raw-test".into(),
        sdk_version: "0".into(),
        token: token.into(),
        resume: None,
    })
    .await;
    let Seen::Msg(m) = c.next().await else {
        panic!("closed without an error");
    };
    let ServerMsg::Error { code, message, .. } = *m else {
        panic!("expected an error, got {m:?}");
    };
    (code, message, c.closed().await)
}

#[tokio::test]
async fn a_user_past_the_per_user_cap_is_refused_until_one_of_theirs_closes() {
    let srv = TestServer::start_with(|s| common::Settings {
        max_connections_per_user: Some(2),
        ..s
    })
    .await;
    let ada = srv.token("ada", TokenRole::Participant);
    let mut first = raw_connect(&srv.ws_url()).await;
    first.hello(&ada).await;
    let mut second = raw_connect(&srv.ws_url()).await;
    second.hello(&ada).await;

    let mut third = raw_connect(&srv.ws_url()).await;
    let (code, message, closed) = hello_refused(&mut third, &ada).await;
    assert_eq!(code, ErrorCode::Forbidden);
    assert!(message.contains("too many connections"), "{message}");
    assert_eq!(closed.unwrap().0, close::POLICY);

    // Other users are not affected.
    let mut linus = raw_connect(&srv.ws_url()).await;
    linus
        .hello(&srv.token("linus", TokenRole::Participant))
        .await;
    srv.wait_for_metric("breakroom_connections", 3.0).await;

    // A refused connection did not take a slot: still refused while two are open.
    let mut fourth = raw_connect(&srv.ws_url()).await;
    assert_eq!(
        hello_refused(&mut fourth, &ada).await.0,
        ErrorCode::Forbidden
    );

    // Once one of Ada's connections has ended on the server, she may open another.
    first.ws.close(None).await.unwrap();
    first.closed().await;
    srv.wait_for_metric("breakroom_connections", 2.0).await;
    let mut again = raw_connect(&srv.ws_url()).await;
    again.hello(&ada).await;
    second.send(&ClientMsg::Ping { t0: 7 }).await;
    second
        .until(|m| matches!(m, ServerMsg::Pong { t0: 7, .. }))
        .await;
}

#[tokio::test]
async fn the_total_cap_refuses_upgrades_with_503_until_a_slot_frees() {
    let srv = TestServer::start_with(|s| common::Settings {
        max_connections: Some(1),
        ..s
    })
    .await;
    let mut first = raw_connect(&srv.ws_url()).await;
    first.hello(&srv.token("ada", TokenRole::Participant)).await;
    let (status, body) = upgrade(&srv, None).await.err().unwrap();
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["status"], 503, "{body}");
    assert!(body["detail"].as_str().unwrap().contains("limit"), "{body}");

    first.ws.close(None).await.unwrap();
    first.closed().await;
    srv.wait_for_metric("breakroom_connections", 0.0).await;
    let mut again = raw_connect(&srv.ws_url()).await;
    again
        .hello(&srv.token("linus", TokenRole::Participant))
        .await;
}

/// How a read was made: with nothing, a bearer token, or HTTP Basic credentials.
#[derive(Debug, Clone)]
enum Cred {
    None,
    Bearer(String),
    Basic(&'static str, &'static str),
}

async fn read(srv: &TestServer, path: &str, cred: &Cred) -> (u16, String, Value) {
    let req = http().get(srv.http_url(path));
    let req = match cred {
        Cred::None => req,
        Cred::Bearer(t) => req.bearer_auth(t),
        Cred::Basic(k, s) => req.basic_auth(k, Some(s)),
    };
    answer(req).await
}

/// A token for `user` with a role, for one room or any.
fn token_for(srv: &TestServer, user: &str, role: TokenRole, room: Option<&str>) -> String {
    let spec = breakroom::auth::TokenSpec {
        user: user.into(),
        name: format!("Name of {user}"),
        email: None,
        room: room.map(str::to_owned),
        role,
        grants: None,
    };
    srv.server
        .hub()
        .keys
        .mint(spec, std::time::Duration::from_secs(600))
        .unwrap()
}

/// Checks that a read is refused exactly like one of something that does not exist: the same
/// status, type and detail, so that the answer says nothing about existence.
fn refused_like(missing: &(u16, String, Value), got: &(u16, String, Value), why: &str) {
    problem(404, got);
    assert_eq!(got.2, missing.2, "{why}: {got:?}");
}

#[tokio::test]
async fn room_reads_answer_only_the_api_key_a_token_for_the_room_and_its_creator() {
    let srv = TestServer::start().await;
    let creator = srv.token("creator", TokenRole::Facilitator);
    let created = answer(
        http()
            .post(srv.http_url("/v1/rooms"))
            .bearer_auth(&creator)
            .json(&json!({ "program": squats_program() })),
    )
    .await;
    assert_eq!(created.0, 201, "{created:?}");
    let code = created.2["code"].as_str().unwrap().to_owned();
    let other = if code == "ABCD-EFGH" {
        "ABCD-EFGK"
    } else {
        "ABCD-EFGH"
    };
    let for_this = |role| Cred::Bearer(token_for(&srv, "p-room", role, Some(&code)));
    let lower = code.to_lowercase();

    // (credentials, may read)
    let cases = [
        (Cred::Basic("test-key", common::SECRET), true),
        (Cred::Bearer(creator.clone()), true),
        (for_this(TokenRole::Participant), true),
        (for_this(TokenRole::Viewer), true),
        (
            Cred::Bearer(token_for(
                &srv,
                "p-lower",
                TokenRole::Participant,
                Some(&lower),
            )),
            true,
        ),
        (Cred::None, false),
        (Cred::Bearer("not-a-jwt".into()), false),
        // Any-room tokens of people who did not create it, facilitators included.
        (
            Cred::Bearer(srv.token("p-any", TokenRole::Participant)),
            false,
        ),
        (
            Cred::Bearer(srv.token("f-any", TokenRole::Facilitator)),
            false,
        ),
        (
            Cred::Bearer(token_for(
                &srv,
                "p-other",
                TokenRole::Facilitator,
                Some(other),
            )),
            false,
        ),
        (
            Cred::Basic("test-key", "not-the-secret-not-the-secret-not-the"),
            false,
        ),
        (Cred::Basic("other-key", common::SECRET), false),
        (Cred::Basic("test-key", ""), false),
    ];
    for path in [
        format!("/v1/rooms/{code}"),
        format!("/v1/rooms/{code}/sessions"),
    ] {
        // What a room that does not exist answers, to the API key itself.
        let nothing = path.replace(&code, other);
        let missing = read(&srv, &nothing, &Cred::Basic("test-key", common::SECRET)).await;
        for (cred, allowed) in &cases {
            let got = read(&srv, &path, cred).await;
            if *allowed {
                assert_eq!(got.0, 200, "{path} {cred:?}: {got:?}");
                assert_eq!(got.1, "application/json");
            } else if path.ends_with("/sessions") {
                // An unknown room has an empty list; a refused read is a 404 (never a list).
                problem(404, &got);
                assert!(
                    got.2["detail"].as_str().unwrap().contains("no room"),
                    "{got:?}"
                );
            } else {
                refused_like(&missing, &got, &format!("{path} {cred:?}"));
            }
        }
    }
    let (_, _, info) = read(&srv, &format!("/v1/rooms/{code}"), &cases[0].0).await;
    assert_eq!(info["code"], code.as_str());
}

#[tokio::test]
async fn a_summary_answers_those_who_took_part_and_the_facilitators_of_its_room_only() {
    let srv = TestServer::start().await;
    let creator = srv.token("creator", TokenRole::Facilitator);
    let host = srv.token("host", TokenRole::Facilitator);
    let ada = srv.token("ada", TokenRole::Participant);
    let linus = srv.token("linus", TokenRole::Participant);
    let vera = srv.token("vera", TokenRole::Viewer);
    let (ended, _people) = srv
        .run_session(
            &creator,
            &host,
            &[ada.clone(), linus.clone()],
            std::slice::from_ref(&vera),
        )
        .await;
    let path = format!("/v1/sessions/{}", ended.session);
    let missing = read(
        &srv,
        "/v1/sessions/no-such-session",
        &Cred::Bearer(ada.clone()),
    )
    .await;
    problem(404, &missing);

    // (credentials, may read)
    let cases = [
        (Cred::Basic("test-key", common::SECRET), true),
        (Cred::Bearer(ada.clone()), true),
        (Cred::Bearer(linus.clone()), true),
        // The room's creator, after the room has closed (stored with the session), and a
        // facilitator token for that room.
        (Cred::Bearer(creator.clone()), true),
        (
            Cred::Bearer(token_for(
                &srv,
                "f-room",
                TokenRole::Facilitator,
                Some(&ended.code),
            )),
            true,
        ),
        (Cred::None, false),
        // A viewer and the host did not take part; a participant token for the room is not a
        // facilitator's; nor is someone else's any-room facilitator token.
        (Cred::Bearer(vera.clone()), false),
        (Cred::Bearer(host.clone()), false),
        (
            Cred::Bearer(token_for(
                &srv,
                "p-room",
                TokenRole::Participant,
                Some(&ended.code),
            )),
            false,
        ),
        (
            Cred::Bearer(srv.token("f-any", TokenRole::Facilitator)),
            false,
        ),
        (
            Cred::Bearer(srv.token("stranger", TokenRole::Participant)),
            false,
        ),
        (Cred::Basic("test-key", "wrong"), false),
    ];
    for (cred, allowed) in &cases {
        let got = read(&srv, &path, cred).await;
        if *allowed {
            assert_eq!(got.0, 200, "{cred:?}: {got:?}");
            assert_eq!(got.2["session"], ended.session.as_str(), "{got:?}");
            let users: Vec<&str> = got.2["participants"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["user"].as_str().unwrap())
                .collect();
            assert_eq!(users, ["ada", "linus"], "{got:?}");
        } else {
            let missing = read(&srv, "/v1/sessions/no-such-session", cred).await;
            refused_like(&missing, &got, &format!("{cred:?}"));
        }
    }

    // The room is gone once the session is over, yet its creator still reads the session list,
    // from the creator stored with the session; other facilitators still get the 404.
    let room = format!("/v1/rooms/{}", ended.code);
    let api_key = Cred::Basic("test-key", common::SECRET);
    let mut polls = 0;
    while read(&srv, &room, &api_key).await.0 != 404 {
        polls += 1;
        assert!(polls < 500, "the room stayed live after its session");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let list = format!("/v1/rooms/{}/sessions", ended.code);
    let got = read(&srv, &list, &Cred::Bearer(creator.clone())).await;
    assert_eq!(got.0, 200, "{got:?}");
    assert_eq!(got.2["sessions"][0]["session"], ended.session.as_str());
    let missing = read(&srv, "/v1/rooms/NOPE-NOPE/sessions", &Cred::None).await;
    for cred in [
        Cred::Bearer(host.clone()),
        Cred::Bearer(srv.token("f-any", TokenRole::Facilitator)),
        Cred::Bearer(ada.clone()),
        Cred::None,
    ] {
        let got = read(&srv, &list, &cred).await;
        refused_like(&missing, &got, &format!("{cred:?}"));
    }
}

/// Every (method, path) of the README's HTTP surface table.
const SURFACE: &[(&str, &str)] = &[
    ("get", "/v1/ws"),
    ("post", "/v1/rooms"),
    ("get", "/v1/rooms/{code}"),
    ("get", "/v1/rooms/{code}/sessions"),
    ("get", "/v1/sessions/{id}"),
    ("get", "/v1/org/rooms"),
    ("get", "/v1/org/sessions"),
    ("post", "/v1/rooms/{code}/guest-links"),
    ("get", "/v1/rooms/{code}/guest-links"),
    ("delete", "/v1/guest-links/{id}"),
    ("post", "/v1/guest/token"),
    ("get", "/v1/exercises"),
    ("post", "/v1/org/apps"),
    ("get", "/v1/org/apps"),
    ("patch", "/v1/org/apps/{id}"),
    ("post", "/v1/org/apps/{id}/revocations"),
    ("post", "/v1/dev/token"),
    ("get", "/v1/openapi.json"),
    ("get", "/healthz"),
    ("get", "/readyz"),
    ("get", "/metrics"),
    // Sign-in, web sessions and the organization (issue 16, signin).
    ("get", "/auth/providers"),
    ("get", "/auth/login/{provider}"),
    ("get", "/auth/callback/{provider}"),
    ("post", "/auth/callback/{provider}"),
    ("post", "/auth/logout"),
    ("get", "/v1/me"),
    ("get", "/v1/org"),
    ("patch", "/v1/org"),
    ("get", "/v1/org/members"),
    ("patch", "/v1/org/members/{user}"),
    ("post", "/v1/org/invitations"),
    ("get", "/v1/org/invitations"),
    ("delete", "/v1/org/invitations/{id}"),
];

#[tokio::test]
async fn the_openapi_document_describes_every_endpoint_and_its_problems() {
    let srv = TestServer::start().await;
    let (status, content_type, doc) = answer(http().get(srv.http_url("/v1/openapi.json"))).await;
    assert_eq!((status, content_type.as_str()), (200, "application/json"));
    assert_eq!(doc["openapi"], "3.1.0");
    // The same document as the library builds.
    assert_eq!(doc, breakroom::http::openapi());

    let mut documented = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            documented.push((method.clone(), path.clone()));
            for (code, response) in op["responses"].as_object().unwrap() {
                let content = &response["content"];
                if code.starts_with('4') || code.starts_with('5') {
                    // Every error is documented as a problem document.
                    let schema = &content["application/problem+json"]["schema"]["$ref"];
                    assert_eq!(
                        schema, "#/components/schemas/Problem",
                        "{method} {path} {code}"
                    );
                }
            }
        }
    }
    let mut expected: Vec<(String, String)> = SURFACE
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    expected.sort();
    documented.sort();
    assert_eq!(documented, expected);

    // The reads name every way to present credentials; creating a room, the bearer token and
    // the web session cookie.
    let security = |path: &str, method: &str| doc["paths"][path][method]["security"].clone();
    for path in [
        "/v1/rooms/{code}",
        "/v1/rooms/{code}/sessions",
        "/v1/sessions/{id}",
    ] {
        assert_eq!(
            security(path, "get"),
            json!([{ "bearer": [] }, { "api_key": [] }, { "cookie": [] }]),
            "{path}"
        );
    }
    assert_eq!(
        security("/v1/rooms", "post"),
        json!([{ "bearer": [] }, { "cookie": [] }])
    );
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["bearer"]["scheme"], "bearer");
    assert_eq!(schemes["api_key"]["scheme"], "basic");
    assert_eq!(
        (&schemes["cookie"]["type"], &schemes["cookie"]["in"]),
        (&json!("apiKey"), &json!("cookie"))
    );

    // The problem schema is RFC 9457's members.
    let problem = &doc["components"]["schemas"]["Problem"];
    assert_eq!(
        problem["required"],
        json!(["type", "title", "status", "detail"])
    );
    // The summary's schema comes from the protocol's type, field for field.
    let summary = &doc["components"]["schemas"]["SessionSummary"]["properties"];
    for field in [
        "session",
        "room",
        "program",
        "started_at",
        "ended_at",
        "end",
        "participants",
    ] {
        assert!(summary.get(field).is_some(), "no {field} in {summary}");
    }
}
