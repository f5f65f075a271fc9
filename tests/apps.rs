//! Embedding apps end to end: a real server on 127.0.0.1 with a real SQLite file. Apps are
//! registered over REST with the API key (the default organization's admin); their backends'
//! join tokens are minted here. Limited grants, the hidden grant, in-band refresh, expiry,
//! revocation, disabling, limits, organizations, and forged tokens.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use base64::Engine as _;
use breakroom::auth::{TokenRole, TokenSpec, unix_seconds};
use breakroom_protocol::{ClientMsg, ErrorCode, RequestedRole, ServerMsg, close};
use common::{Raw, SECRET, Seen, TestServer, program, raw_connect};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

const APP_SECRET: &str = "the-app-backend-secret-0123456789";

/// An app as its backend sees it: its id and signing key.
struct App {
    id: String,
    alg: Algorithm,
    key: EncodingKey,
    kid: Option<String>,
}

static JTI: AtomicU32 = AtomicU32::new(0);

impl App {
    /// The claims of a 5-minute participant token for `sub`, with a fresh `jti`.
    fn claims(&self, sub: &str) -> Value {
        let now = unix_seconds();
        json!({
            "iss": self.id, "sub": sub, "name": format!("User {sub}"),
            "jti": format!("jti-{}", JTI.fetch_add(1, Ordering::Relaxed)),
            "iat": now, "exp": now + 300, "role": "participant",
        })
    }

    fn sign(&self, claims: &Value) -> String {
        let mut header = Header::new(self.alg);
        header.kid = self.kid.clone();
        jsonwebtoken::encode(&header, claims, &self.key).unwrap()
    }

    /// A token for `sub`, its claims changed by `edit`.
    fn token(&self, sub: &str, edit: impl FnOnce(&mut Value)) -> String {
        let mut claims = self.claims(sub);
        edit(&mut claims);
        self.sign(&claims)
    }
}

fn http() -> reqwest::Client {
    reqwest::Client::new()
}

/// `POST /v1/org/apps` with the API key; returns the status and body.
async fn register(srv: &TestServer, body: Value) -> (u16, Value) {
    let resp = http()
        .post(srv.http_url("/v1/org/apps"))
        .basic_auth("test-key", Some(SECRET))
        .json(&body)
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

async fn hs256_app(srv: &TestServer, extra: Value) -> App {
    let mut body = json!({ "name": "Wellness portal", "origins": ["https://portal.example"],
        "alg": "HS256", "secret": APP_SECRET });
    body.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    let (status, app) = register(srv, body).await;
    assert_eq!(status, 201, "{app}");
    App {
        id: app["id"].as_str().unwrap().into(),
        alg: Algorithm::HS256,
        key: EncodingKey::from_secret(APP_SECRET.as_bytes()),
        kid: None,
    }
}

async fn es256_app(srv: &TestServer) -> (App, String) {
    let pair = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let public = pair.public_key_pem();
    let (status, app) = register(
        srv,
        json!({ "name": "Intranet", "alg": "ES256", "public_key_pem": public }),
    )
    .await;
    assert_eq!(status, 201, "{app}");
    let app = App {
        id: app["id"].as_str().unwrap().into(),
        alg: Algorithm::ES256,
        key: EncodingKey::from_ec_pem(pair.serialize_pem().as_bytes()).unwrap(),
        kid: None,
    };
    (app, public)
}

/// Sends a hello and returns what came back: a welcome, or an error then the close.
async fn hello(srv: &TestServer, token: &str) -> (Raw, ServerMsg) {
    hello_on(raw_connect(&srv.ws_url()).await, token).await
}

async fn hello_on(mut c: Raw, token: &str) -> (Raw, ServerMsg) {
    let seq = c.next_seq();
    c.send(&ClientMsg::Hello {
        seq,
        sdk: "apps-test".into(),
        sdk_version: "0".into(),
        token: token.into(),
        resume: None,
    })
    .await;
    let Seen::Msg(m) = c.next().await else {
        panic!("closed before answering hello")
    };
    (c, *m)
}

/// The hello is refused with `unauthorized` (or `forbidden`) and this message, then closed.
async fn refused(srv: &TestServer, token: &str, want: (ErrorCode, &str)) {
    let (mut c, answer) = hello(srv, token).await;
    match answer {
        ServerMsg::Error { code, message, .. } => assert_eq!((code, message.as_str()), want),
        other => panic!("expected {want:?}, got {other:?}"),
    }
    assert_eq!(c.closed().await.map(|(code, _)| code), Some(close::POLICY));
}

async fn welcomed(srv: &TestServer, token: &str) -> Raw {
    let (c, answer) = hello(srv, token).await;
    assert!(
        matches!(answer, ServerMsg::Welcome { .. }),
        "expected welcome, got {answer:?}"
    );
    c
}

/// A ping answered: the connection is alive.
async fn alive(c: &mut Raw) {
    c.send(&ClientMsg::Ping { t0: 77 }).await;
    c.until(|m| matches!(m, ServerMsg::Pong { t0: 77, .. }))
        .await;
}

/// The answer to a request with a `seq`: its error, or `None` when something else came.
async fn error_for(c: &mut Raw, seq: u32) -> (ErrorCode, String) {
    match c
        .until(|m| matches!(m, ServerMsg::Error { seq: Some(s), .. } if *s == seq))
        .await
    {
        ServerMsg::Error { code, message, .. } => (code, message),
        _ => unreachable!("until returned an error"),
    }
}

async fn join_seq(c: &mut Raw, room: &str, role: RequestedRole) -> u32 {
    let seq = c.next_seq();
    c.send(&ClientMsg::Join {
        seq,
        room: room.into(),
        role,
        sharing: breakroom_protocol::Sharing::Room,
    })
    .await;
    seq
}

fn quick() -> breakroom_protocol::Program {
    program(&[("squats", 20_000, 0)])
}

#[tokio::test]
async fn apps_are_registered_with_the_api_key_and_their_secret_never_comes_back() {
    let srv = TestServer::start().await;
    let hs = hs256_app(&srv, json!({ "max_connections": 10 })).await;
    let (es, public) = es256_app(&srv).await;

    let resp = http()
        .get(srv.http_url("/v1/org/apps"))
        .basic_auth("test-key", Some(SECRET))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let text = resp.text().await.unwrap();
    assert!(!text.contains(APP_SECRET), "the secret is never served");
    let list: Value = serde_json::from_str(&text).unwrap();
    let apps = list["apps"].as_array().unwrap();
    let summary: Vec<(&str, &str, &str, bool)> = apps
        .iter()
        .map(|a| {
            (
                a["id"].as_str().unwrap(),
                a["alg"].as_str().unwrap(),
                a["key"].as_str().unwrap(),
                a["config"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            ("test-key", "HS256", "secret", true),
            (hs.id.as_str(), "HS256", "secret", false),
            (es.id.as_str(), "ES256", "public_key", false),
        ],
        "the API key is the default organization's first app"
    );
    assert_eq!(apps[1]["max_connections"], 10);
    assert_eq!(apps[1]["origins"], json!(["https://portal.example"]));
    assert_eq!(apps[2]["public_key_pem"], public.as_str());

    // Both apps' tokens are accepted; welcome says when the token expires.
    let token = hs.token("u1", |_| {});
    let exp = serde_json::from_slice::<Value>(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(token.split('.').nth(1).unwrap())
            .unwrap(),
    )
    .unwrap()["exp"]
        .as_u64();
    let (_c, welcome) = hello(&srv, &token).await;
    assert!(
        matches!(welcome, ServerMsg::Welcome { expires_at, .. } if expires_at == exp),
        "{welcome:?}"
    );
    welcomed(&srv, &es.token("u2", |_| {})).await;

    // Refused registrations, each with a clear reason.
    let bad = [
        json!({ "name": "x", "alg": "HS256" }),
        json!({ "name": "x", "alg": "HS256", "secret": "short" }),
        json!({ "name": "x", "alg": "ES256", "secret": APP_SECRET }),
        json!({ "name": "x", "alg": "ES256", "public_key_pem": "not a key" }),
        json!({ "name": "x", "alg": "EdDSA", "jwks_url": "http://example.com/jwks.json" }),
        json!({ "name": "x", "alg": "HS256", "secret": APP_SECRET, "origins": ["https://a/path"] }),
        json!({ "name": "", "alg": "HS256", "secret": APP_SECRET }),
        json!({ "name": "x", "alg": "none", "secret": APP_SECRET }),
    ];
    for body in bad {
        let (status, problem) = register(&srv, body.clone()).await;
        assert_eq!(status, 400, "{body} -> {problem}");
    }

    // Only admins manage apps: no credentials, a wrong secret, a facilitator's token.
    let list = |auth: Option<(&'static str, &'static str)>, bearer: Option<String>| {
        let mut req = http().get(srv.http_url("/v1/org/apps"));
        if let Some((user, pass)) = auth {
            req = req.basic_auth(user, Some(pass));
        }
        if let Some(token) = bearer {
            req = req.bearer_auth(token);
        }
        async move { req.send().await.unwrap().status().as_u16() }
    };
    assert_eq!(list(None, None).await, 401);
    assert_eq!(list(Some(("test-key", "wrong")), None).await, 401);
    let host = srv.token("host", TokenRole::Facilitator);
    assert_eq!(list(None, Some(host)).await, 403);
    assert_eq!(list(None, Some(hs.token("u3", |_| {}))).await, 403);
}

#[tokio::test]
async fn limited_grants_are_enforced_on_join_and_on_publishing() {
    let srv = TestServer::start().await;
    let app = hs256_app(&srv, json!({})).await;
    let (room, _) = srv.create_room(quick()).await;
    let (other_room, _) = srv.create_room(quick()).await;

    // A viewer token joins as a viewer only.
    let mut viewer = welcomed(&srv, &app.token("v", |c| c["role"] = json!("viewer"))).await;
    let seq = join_seq(&mut viewer, &room, RequestedRole::Participant).await;
    assert_eq!(
        error_for(&mut viewer, seq).await,
        (
            ErrorCode::Forbidden,
            "the token does not allow this role".into()
        )
    );
    viewer.join(&room, RequestedRole::Viewer).await;

    // A token for one room joins that room only.
    let mut pinned = welcomed(&srv, &app.token("p", |c| c["room"] = json!(room))).await;
    let seq = join_seq(&mut pinned, &other_room, RequestedRole::Participant).await;
    assert_eq!(
        error_for(&mut pinned, seq).await,
        (
            ErrorCode::Unauthorized,
            "the token is for another room".into()
        )
    );
    pinned.join(&room, RequestedRole::Participant).await;

    // A token without the score grant joins, but its score reports are refused.
    let no_score = app.token("s", |c| {
        c["grants"] = json!({ "pose": true, "score": false, "control": false })
    });
    let mut quiet = welcomed(&srv, &no_score).await;
    quiet.join(&room, RequestedRole::Participant).await;
    let seq = quiet.next_seq();
    quiet
        .send(&ClientMsg::Score {
            seq,
            exercise: "squats".into(),
            reps: 1,
            active_ms: 0,
        })
        .await;
    assert_eq!(
        error_for(&mut quiet, seq).await,
        (
            ErrorCode::Forbidden,
            "the token does not allow sending scores".into()
        )
    );
    // ... and without the control grant it may not host.
    let no_control = app.token("h", |c| {
        c["role"] = json!("facilitator");
        c["grants"] = json!({ "pose": true, "score": true, "control": false });
    });
    let mut no_host = welcomed(&srv, &no_control).await;
    let seq = join_seq(&mut no_host, &room, RequestedRole::Facilitator).await;
    assert_eq!(
        error_for(&mut no_host, seq).await,
        (
            ErrorCode::Forbidden,
            "joining as facilitator needs the control grant".into()
        )
    );
}

#[tokio::test]
async fn a_hidden_member_is_seen_by_nobody_else() {
    let srv = TestServer::start().await;
    let app = hs256_app(&srv, json!({})).await;
    let (room, _) = srv.create_room(quick()).await;
    let mut host = welcomed(&srv, &srv.token("host", TokenRole::Facilitator)).await;
    host.join(&room, RequestedRole::Facilitator).await;

    let observer =
        app.token(
            "observer",
            |c| {
                c["grants"] =
                    json!({ "pose": false, "score": false, "control": false, "hidden": true })
            },
        );
    let mut hidden = welcomed(&srv, &observer).await;
    hidden.join(&room, RequestedRole::Participant).await;

    let mut pat = welcomed(&srv, &srv.token("pat", TokenRole::Participant)).await;
    let seq = join_seq(&mut pat, &room, RequestedRole::Participant).await;
    let snapshot = pat.until(|m| matches!(m, ServerMsg::Snapshot { .. })).await;
    let ServerMsg::Snapshot { participants, .. } = snapshot else {
        unreachable!()
    };
    let names: Vec<&str> = participants.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["Name of host", "Name of pat"], "join {seq}");

    // The host's first presence news is pat's arrival: the observer's never came.
    let news = host
        .until(|m| matches!(m, ServerMsg::Presence { .. }))
        .await;
    assert!(
        matches!(&news, ServerMsg::Presence { participant, .. } if participant.name == "Name of pat"),
        "{news:?}"
    );
    // The observer sees everyone, itself included.
    let news = hidden
        .until(|m| matches!(m, ServerMsg::Presence { .. }))
        .await;
    assert!(
        matches!(&news, ServerMsg::Presence { participant, .. } if participant.name == "Name of pat")
    );
}

#[tokio::test]
async fn an_in_band_refresh_keeps_the_connection_past_the_first_tokens_expiry() {
    let srv = TestServer::start().await;
    let app = hs256_app(&srv, json!({})).await;
    let now = unix_seconds();
    let short = app.token("ada", |c| {
        c["iat"] = json!(now);
        c["exp"] = json!(now + 1);
    });
    let mut ada = welcomed(&srv, &short).await;

    // A witness on an API-key token that expires a second later, never refreshed.
    let spec = TokenSpec {
        user: "witness".into(),
        name: "Witness".into(),
        email: None,
        room: None,
        role: TokenRole::Participant,
        grants: None,
    };
    let witness_token = srv
        .server
        .hub()
        .keys
        .mint(spec, std::time::Duration::from_secs(2))
        .unwrap();
    let mut witness = welcomed(&srv, &witness_token).await;

    // A refresh naming another subject is refused; the old token stays.
    let seq = ada.next_seq();
    let token = app.token("bob", |_| {});
    ada.send(&ClientMsg::Refresh { seq, token }).await;
    let (code, message) = error_for(&mut ada, seq).await;
    assert_eq!(code, ErrorCode::Unauthorized, "{message}");

    // The same subject, a later expiry: refreshed.
    let fresh = app.token("ada", |_| {});
    let fresh_exp = unix_seconds() + 300;
    let seq = ada.next_seq();
    ada.send(&ClientMsg::Refresh { seq, token: fresh }).await;
    let answer = ada
        .until(|m| matches!(m, ServerMsg::Refreshed { .. } | ServerMsg::Error { .. }))
        .await;
    match answer {
        ServerMsg::Refreshed { seq: s, expires_at } => {
            assert_eq!(s, seq);
            assert!(
                expires_at.abs_diff(fresh_exp) <= 2,
                "{expires_at} vs {fresh_exp}"
            );
        }
        other => panic!("expected refreshed, got {other:?}"),
    }

    // The witness's token expires after ada's first one: it is closed with 4005 ...
    assert_eq!(
        witness.closed().await,
        Some((close::TOKEN_EXPIRED, "token expired".into()))
    );
    // ... while ada, past her first token's expiry, is still connected.
    alive(&mut ada).await;
}

#[tokio::test]
async fn revoking_a_token_id_closes_its_sockets_and_refuses_it_afterwards() {
    let srv = TestServer::start().await;
    let app = hs256_app(&srv, json!({})).await;
    let doomed_claims = app.claims("ada");
    let doomed = app.sign(&doomed_claims);
    let mut a = welcomed(&srv, &doomed).await;
    let mut b = welcomed(&srv, &app.token("bob", |_| {})).await;

    let revoke = |id: &str, jti: &Value, exp: &Value| {
        http()
            .post(srv.http_url(&format!("/v1/org/apps/{id}/revocations")))
            .basic_auth("test-key", Some(SECRET))
            .json(&json!({ "jti": jti, "exp": exp }))
            .send()
    };
    let resp = revoke(&app.id, &doomed_claims["jti"], &doomed_claims["exp"])
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    assert_eq!(a.closed().await, Some((close::REVOKED, "revoked".into())));
    alive(&mut b).await;
    refused(&srv, &doomed, (ErrorCode::Unauthorized, "token revoked")).await;
    // Over REST too.
    let resp = http()
        .post(srv.http_url("/v1/rooms"))
        .bearer_auth(&doomed)
        .json(&json!({ "program": quick() }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    // An app that does not exist is answered 404.
    let resp = revoke("app_nope", &json!("x"), &json!(1)).await.unwrap();
    assert_eq!(resp.status(), 404);
}

#[tokio::test]
async fn disabling_an_app_closes_its_sockets_and_refuses_new_hellos() {
    let srv = TestServer::start().await;
    let app = hs256_app(&srv, json!({})).await;
    let (other, _) = es256_app(&srv).await;
    let mut a = welcomed(&srv, &app.token("ada", |_| {})).await;
    let mut b = welcomed(&srv, &app.token("bob", |_| {})).await;
    let mut spared = welcomed(&srv, &other.token("cy", |_| {})).await;
    let mut key_user = welcomed(&srv, &srv.token("dee", TokenRole::Participant)).await;

    let patch = |id: String, disabled: bool| {
        http()
            .patch(srv.http_url(&format!("/v1/org/apps/{id}")))
            .basic_auth("test-key", Some(SECRET))
            .json(&json!({ "disabled": disabled }))
            .send()
    };
    let resp = patch(app.id.clone(), true).await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.json::<Value>().await.unwrap()["disabled"], true);
    for c in [&mut a, &mut b] {
        assert_eq!(c.closed().await, Some((close::REVOKED, "revoked".into())));
    }
    alive(&mut spared).await;
    alive(&mut key_user).await;
    refused(
        &srv,
        &app.token("ada", |_| {}),
        (ErrorCode::Unauthorized, "token revoked"),
    )
    .await;

    let resp = patch(app.id.clone(), false).await.unwrap();
    assert_eq!(resp.status(), 200);
    welcomed(&srv, &app.token("ada", |_| {})).await;
    // The API key itself is configuration, not changed over REST; unknown apps are 404.
    assert_eq!(patch("test-key".into(), true).await.unwrap().status(), 400);
    assert_eq!(patch("app_nope".into(), true).await.unwrap().status(), 404);
}

#[tokio::test]
async fn forged_and_overlong_tokens_are_refused_at_hello() {
    let srv = TestServer::start().await;
    let hs = hs256_app(&srv, json!({})).await;
    let (es, public) = es256_app(&srv).await;
    let b64 = |v: &Value| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap())
    };
    let alg_none = format!(
        "{}.{}.",
        b64(&json!({ "alg": "none", "typ": "JWT" })),
        b64(&hs.claims("u"))
    );
    let public_as_secret = App {
        id: es.id.clone(),
        alg: Algorithm::HS256,
        key: EncodingKey::from_secret(public.as_bytes()),
        kid: None,
    }
    .token("u", |_| {});
    let good = es.token("u", |_| {});
    let mut parts: Vec<&str> = good.split('.').collect();
    let mut forged = es.claims("u");
    forged["role"] = json!("facilitator");
    let forged = b64(&forged);
    parts[1] = &forged;
    let tampered = parts.join(".");
    let overlong = hs.token("u", |c| {
        let iat = c["iat"].as_u64().unwrap();
        c["exp"] = json!(iat + 601);
    });
    let unknown_iss = hs.token("u", |c| c["iss"] = json!("app_unknown"));
    let invalid = (ErrorCode::Unauthorized, "token invalid");
    for token in [alg_none, public_as_secret, tampered, overlong, unknown_iss] {
        refused(&srv, &token, invalid).await;
    }
    welcomed(&srv, &good).await;
}

/// Adds an organization and an HS256 app of it straight to the store (signing in, which makes
/// organizations and their admins, is not needed for this).
async fn app_of_another_org(srv: &TestServer) -> App {
    let url = &srv.server.hub().config.database_url;
    let pool = sqlx::SqlitePool::connect(url).await.unwrap();
    sqlx::query(
        "INSERT INTO organizations (id, name, source, created_at) VALUES ('acme', 'Acme', 'invitation', 0)",
    )
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO apps (id, org_id, name, alg, secret, created_at)
         VALUES ('app_acme', 'acme', 'Acme portal', 'HS256', ?, 0)",
    )
    .bind(APP_SECRET)
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;
    App {
        id: "app_acme".into(),
        alg: Algorithm::HS256,
        key: EncodingKey::from_secret(APP_SECRET.as_bytes()),
        kid: None,
    }
}

#[tokio::test]
async fn organizations_see_neither_each_others_apps_nor_rooms() {
    let srv = TestServer::start().await;
    let acme = app_of_another_org(&srv).await;
    let (room, _) = srv.create_room(quick()).await;

    // An Acme user joining a room of the default organization: exactly like no such room.
    let mut c = welcomed(&srv, &acme.token("eve", |_| {})).await;
    let seq = join_seq(&mut c, &room, RequestedRole::Participant).await;
    assert_eq!(
        error_for(&mut c, seq).await,
        (ErrorCode::NotFound, "no live room with that code".into())
    );

    // The default organization's admin (the API key) neither lists nor manages Acme's app.
    let list: Value = http()
        .get(srv.http_url("/v1/org/apps"))
        .basic_auth("test-key", Some(SECRET))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(!list.to_string().contains("app_acme"), "{list}");
    let resp = http()
        .patch(srv.http_url("/v1/org/apps/app_acme"))
        .basic_auth("test-key", Some(SECRET))
        .json(&json!({ "disabled": true }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    alive(&mut c).await;
}

#[tokio::test]
async fn an_app_is_held_to_its_connection_and_room_limits() {
    let srv = TestServer::start().await;
    let app = hs256_app(&srv, json!({ "max_connections": 2, "max_rooms": 1 })).await;
    let _a = welcomed(&srv, &app.token("a", |_| {})).await;
    let _b = welcomed(&srv, &app.token("b", |_| {})).await;
    refused(
        &srv,
        &app.token("c", |_| {}),
        (ErrorCode::Forbidden, "the app is at its connection limit"),
    )
    .await;
    // Other credentials are not counted against it.
    welcomed(&srv, &srv.token("d", TokenRole::Participant)).await;

    let host = app.token("host", |c| {
        c["role"] = json!("facilitator");
        c["grants"] = json!({ "pose": true, "score": true, "control": true });
    });
    let create = || {
        http()
            .post(srv.http_url("/v1/rooms"))
            .bearer_auth(&host)
            .json(&json!({ "program": quick() }))
            .send()
    };
    assert_eq!(create().await.unwrap().status(), 201);
    let resp = create().await.unwrap();
    assert_eq!(resp.status(), 403);
    let problem: Value = resp.json().await.unwrap();
    assert_eq!(problem["detail"], "the app is at its room limit");
    // The API key's own rooms are not limited by it.
    srv.create_room(quick()).await;
}

/// A key served as a JWKS by a local HTTP server: an EdDSA app registered with its URL.
#[tokio::test]
async fn an_eddsa_app_with_a_jwks_url_is_verified_with_the_served_key() {
    let srv = TestServer::start().await;
    let pair = rcgen::KeyPair::generate_for(&rcgen::PKCS_ED25519).unwrap();
    let jwk = json!({ "kty": "OKP", "crv": "Ed25519", "kid": "k1", "alg": "EdDSA",
        "x": base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(pair.public_key_raw()) });
    let doc = Arc::new(json!({ "keys": [jwk] }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let jwks_url = format!("http://{}/jwks.json", listener.local_addr().unwrap());
    let router = axum::Router::new().route(
        "/jwks.json",
        axum::routing::get(move || {
            let doc = doc.clone();
            async move { axum::Json((*doc).clone()) }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, router).await });
    let (status, body) = register(
        &srv,
        json!({ "name": "Edge", "alg": "EdDSA", "jwks_url": jwks_url }),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["jwks_url"], jwks_url.as_str());
    let app = App {
        id: body["id"].as_str().unwrap().into(),
        alg: Algorithm::EdDSA,
        key: EncodingKey::from_ed_pem(pair.serialize_pem().as_bytes()).unwrap(),
        kid: Some("k1".into()),
    };
    welcomed(&srv, &app.token("u", |_| {})).await;
    let stranger = App {
        kid: Some("k2".into()),
        ..app
    };
    refused(
        &srv,
        &stranger.token("u", |_| {}),
        (ErrorCode::Unauthorized, "token invalid"),
    )
    .await;
}

/// Opens a WebSocket as a browser page served from `origin` would; the upgrade's status when
/// refused.
async fn connect_from(srv: &TestServer, origin: &str) -> Result<Raw, u16> {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
    let mut req = srv.ws_url().into_client_request().unwrap();
    let headers = req.headers_mut();
    headers.insert("Sec-WebSocket-Protocol", "breakroom.v1".parse().unwrap());
    headers.insert("Origin", origin.parse().unwrap());
    match tokio_tungstenite::connect_async(req).await {
        Ok((ws, _)) => Ok(Raw::from(ws)),
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => Err(resp.status().as_u16()),
        Err(err) => panic!("{err}"),
    }
}

/// An app's origins may open connections, for that app's tokens only.
#[tokio::test]
async fn an_apps_origins_open_connections_for_its_own_tokens_only() {
    let srv = TestServer::start().await;
    let app = hs256_app(&srv, json!({})).await; // origins: https://portal.example
    let (other, _) = es256_app(&srv).await;
    assert_eq!(
        connect_from(&srv, "https://evil.example").await.err(),
        Some(403)
    );

    let c = connect_from(&srv, "https://portal.example").await.unwrap();
    let (_c, answer) = hello_on(c, &app.token("ada", |_| {})).await;
    assert!(matches!(answer, ServerMsg::Welcome { .. }), "{answer:?}");

    let forbidden = (
        ErrorCode::Forbidden,
        "this Origin is not one of the token's app's origins".to_owned(),
    );
    for token in [
        other.token("bob", |_| {}),
        srv.token("cy", TokenRole::Participant),
    ] {
        let c = connect_from(&srv, "https://portal.example").await.unwrap();
        let (mut c, answer) = hello_on(c, &token).await;
        match answer {
            ServerMsg::Error { code, message, .. } => assert_eq!((code, message), forbidden),
            other => panic!("expected {forbidden:?}, got {other:?}"),
        }
        assert_eq!(c.closed().await.map(|(code, _)| code), Some(close::POLICY));
    }

    // A disabled app's origins open nothing.
    let resp = http()
        .patch(srv.http_url(&format!("/v1/org/apps/{}", app.id)))
        .basic_auth("test-key", Some(SECRET))
        .json(&json!({ "disabled": true }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(
        connect_from(&srv, "https://portal.example").await.err(),
        Some(403)
    );
}
