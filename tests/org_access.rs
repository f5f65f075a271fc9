//! Organizations and roles over real sockets: every REST read is scoped to the caller's
//! organization and, inside it, to what the issue allows (a participant their own sessions,
//! the facilitator those they hosted, an admin the organization's); guest links; the Origin
//! check on cookie changes; and joining another organization's room over the WebSocket.
//!
//! People are signed in by writing `organizations`, `users` and `web_sessions` rows into the
//! server's SQLite file, per the session cookie format of the contract (the cookie's value is
//! random; the store keeps its SHA-256), and sending the cookie. Signing in itself is tested
//! against a real OpenID provider in tests/oidc.rs.
#![allow(missing_docs, clippy::unwrap_used)]

mod common;

use breakroom::auth::TokenRole;
use breakroom_protocol::{
    ClientMsg, EndReason, ErrorCode, ExerciseResult, ParticipantId, ParticipantSummary,
    RequestedRole, ServerMsg, SessionSummary, Sharing, close,
};
use common::{Raw, Seen, TestServer, program, raw_connect};
use serde_json::{Value, json};
use sqlx::sqlite::SqlitePool;

/// The squats of everyone in a stored session: a number to look for in answers.
const REPS: u32 = 4321;

/// Someone signed in: their user id, name and cookie header.
#[derive(Debug, Clone)]
struct Person {
    user: String,
    name: String,
    cookie: String,
}

/// The server's SQLite file, opened beside the server (WAL: both may write).
async fn db(srv: &TestServer) -> SqlitePool {
    let url = format!("sqlite://{}/breakroom.db", srv.dir.path().display());
    SqlitePool::connect(&url).await.unwrap()
}

/// An organization; `facilitators` is `all` or `listed`.
async fn org(pool: &SqlitePool, id: &str, facilitators: &str) {
    sqlx::query(
        "INSERT INTO organizations (id, name, source, external_key, facilitators, created_at)
         VALUES (?, ?, 'invitation', NULL, ?, 0)",
    )
    .bind(id)
    .bind(format!("Org {id}"))
    .bind(facilitators)
    .execute(pool)
    .await
    .unwrap();
}

/// A person of `org` with a role, signed in: a user row and a web session whose id is the
/// cookie's value.
async fn person(pool: &SqlitePool, org: &str, user: &str, role: &str) -> Person {
    let now = breakroom::auth::unix_seconds() as i64;
    let name = format!("{user} of {org}");
    sqlx::query(
        "INSERT INTO users (id, provider, subject, name, email, language, org_id, role, created_at)
         VALUES (?, 'test', ?, ?, NULL, NULL, ?, ?, 0)",
    )
    .bind(user)
    .bind(user)
    .bind(&name)
    .bind(org)
    .bind(role)
    .execute(pool)
    .await
    .unwrap();
    let value = breakroom::auth::random_token(32);
    sqlx::query(
        "INSERT INTO web_sessions (id_hash, user_id, created_at, last_seen_at, expires_at)
         VALUES (?, ?, ?, ?, ?)",
    )
    .bind(breakroom::auth::web_session::hash(&value))
    .bind(user)
    .bind(now)
    .bind(now)
    .bind(now + 3600)
    .execute(pool)
    .await
    .unwrap();
    Person {
        user: user.into(),
        name,
        cookie: format!("breakroom={value}"),
    }
}

/// How a request presents itself.
#[derive(Debug, Clone)]
enum Cred {
    None,
    Cookie(Person),
    Bearer(String),
    ApiKey,
}

impl Cred {
    fn apply(&self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match self {
            Cred::None => req,
            Cred::Cookie(p) => req.header("cookie", &p.cookie),
            Cred::Bearer(t) => req.bearer_auth(t),
            Cred::ApiKey => req.basic_auth("test-key", Some(common::SECRET)),
        }
    }
}

/// Status and JSON body (or the text as a JSON string) of an answer.
async fn answer(req: reqwest::RequestBuilder) -> (u16, Value) {
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, body)
}

async fn get(srv: &TestServer, path: &str, cred: &Cred) -> (u16, Value) {
    answer(cred.apply(reqwest::Client::new().get(srv.http_url(path)))).await
}

/// A state-changing request with the server's own `Origin` (as a browser on its page sends).
async fn change(
    srv: &TestServer,
    method: reqwest::Method,
    path: &str,
    cred: &Cred,
    body: Option<Value>,
) -> (u16, Value) {
    let origin = srv.http_url("");
    let mut req = reqwest::Client::new()
        .request(method, srv.http_url(path))
        .header("origin", origin);
    if let Some(body) = body {
        req = req.json(&body);
    }
    answer(cred.apply(req)).await
}

/// Creates a room with the cookie of `host`; returns its code.
async fn create_room(srv: &TestServer, host: &Person) -> String {
    let body = json!({ "program": program(&[("squats", 60_000, 0)]) });
    let (status, created) = change(
        srv,
        reqwest::Method::POST,
        "/v1/rooms",
        &Cred::Cookie(host.clone()),
        Some(body),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    created["code"].as_str().unwrap().to_owned()
}

/// Stores an ended session `id` of `org`, started at `started_at` in room `room`, hosted by
/// `host`, in which `people` took part (with [`REPS`] squats each).
async fn ended(
    srv: &TestServer,
    (org, id, started_at): (&str, &str, u64),
    room: &str,
    host: &str,
    people: &[&Person],
) {
    let summary = SessionSummary {
        session: id.into(),
        room: room.into(),
        program: "Test program".into(),
        started_at,
        ended_at: started_at + 1_000_000,
        end: EndReason::Completed,
        participants: people
            .iter()
            .enumerate()
            .map(|(i, p)| ParticipantSummary {
                p: ParticipantId(i as u32 + 1),
                user: p.user.clone(),
                name: p.name.clone(),
                team: None,
                results: vec![ExerciseResult {
                    exercise: "squats".into(),
                    reps: REPS,
                    points: 3 * REPS,
                    active_ms: 30_000,
                    verified: true,
                }],
                flags: vec![],
            })
            .collect(),
    };
    srv.server
        .hub()
        .store
        .save_summary(&summary, host, org)
        .await
        .unwrap();
}

/// The session ids of a list answer.
fn ids(body: &Value) -> Vec<String> {
    body["sessions"]
        .as_array()
        .unwrap_or_else(|| panic!("no sessions in {body}"))
        .iter()
        .map(|s| s["session"].as_str().unwrap().to_owned())
        .collect()
}

/// Two organizations and their people:
/// - `a` (every member hosts): hana (facilitator, hosts the room and session s-a1), ada and
///   bo (members who took part in s-a1), carl (member, took part in nothing), fay (facilitator
///   who hosted nothing), alma (admin);
/// - `b` (only listed facilitators host): zed (member), bea (admin).
///
/// s-a2 is a later session of `a`, hosted by hana in another room, with ada alone. s-b1 is a
/// session of `b` held under the same code as `a`'s live room (codes are unique among live
/// rooms only).
struct World {
    srv: TestServer,
    hana: Person,
    ada: Person,
    bo: Person,
    carl: Person,
    fay: Person,
    alma: Person,
    zed: Person,
    bea: Person,
    /// The live room of `a`, created by hana.
    code: String,
}

async fn world() -> World {
    let srv = TestServer::start().await;
    let pool = db(&srv).await;
    org(&pool, "a", "all").await;
    org(&pool, "b", "listed").await;
    let hana = person(&pool, "a", "u-hana", "facilitator").await;
    let ada = person(&pool, "a", "u-ada", "member").await;
    let bo = person(&pool, "a", "u-bo", "member").await;
    let carl = person(&pool, "a", "u-carl", "member").await;
    let fay = person(&pool, "a", "u-fay", "facilitator").await;
    let alma = person(&pool, "a", "u-alma", "admin").await;
    let zed = person(&pool, "b", "u-zed", "member").await;
    let bea = person(&pool, "b", "u-bea", "admin").await;
    pool.close().await;
    let code = create_room(&srv, &hana).await;
    ended(
        &srv,
        ("a", "s-a1", 1_000_000),
        &code,
        "u-hana",
        &[&ada, &bo],
    )
    .await;
    ended(
        &srv,
        ("a", "s-a2", 5_000_000),
        "QQQQ-QQQQ",
        "u-hana",
        &[&ada],
    )
    .await;
    ended(&srv, ("b", "s-b1", 3_000_000), &code, "u-bea", &[&zed]).await;
    World {
        srv,
        hana,
        ada,
        bo,
        carl,
        fay,
        alma,
        zed,
        bea,
        code,
    }
}

/// Checks that a read is refused exactly like one of something that does not exist, asked
/// with the same credentials: 404, and the same body.
async fn refused_like_missing(srv: &TestServer, path: &str, missing: &str, cred: &Cred) {
    let got = get(srv, path, cred).await;
    let nothing = get(srv, missing, cred).await;
    assert_eq!(nothing.0, 404, "{missing} {cred:?}: {nothing:?}");
    assert_eq!(got, nothing, "{path} {cred:?}");
}

#[tokio::test]
async fn another_organizations_rooms_and_sessions_do_not_exist_over_rest() {
    let w = world().await;
    let code = &w.code;
    let outsiders = [
        Cred::Cookie(w.zed.clone()),
        Cred::Cookie(w.bea.clone()),
        // The API key and its tokens act in the default organization.
        Cred::ApiKey,
        Cred::Bearer(w.srv.token("f-any", TokenRole::Facilitator)),
        Cred::None,
    ];
    for cred in &outsiders {
        let cases = [
            (format!("/v1/rooms/{code}"), "/v1/rooms/ZZZZ-ZZZZ"),
            (
                format!("/v1/rooms/{code}/sessions"),
                "/v1/rooms/ZZZZ-ZZZZ/sessions",
            ),
            ("/v1/sessions/s-a1".to_owned(), "/v1/sessions/s-nope"),
            ("/v1/sessions/s-a2".to_owned(), "/v1/sessions/s-nope"),
        ];
        for (path, missing) in cases {
            // b's admin reads b's sessions under the same code: checked below.
            if matches!(cred, Cred::Cookie(p) if p.user == "u-bea") && path.ends_with("/sessions") {
                continue;
            }
            refused_like_missing(&w.srv, &path, missing, cred).await;
        }
    }
    // Under the same code, b's admin sees b's session only, never a's.
    let (status, list) = get(
        &w.srv,
        &format!("/v1/rooms/{code}/sessions"),
        &Cred::Cookie(w.bea.clone()),
    )
    .await;
    assert_eq!((status, ids(&list)), (200, vec!["s-b1".to_owned()]));
    let (status, list) = get(&w.srv, "/v1/org/sessions", &Cred::Cookie(w.bea.clone())).await;
    assert_eq!((status, ids(&list)), (200, vec!["s-b1".to_owned()]));
    // And a's admin reads that code's sessions of a only.
    let (status, list) = get(
        &w.srv,
        &format!("/v1/rooms/{code}/sessions"),
        &Cred::Cookie(w.alma.clone()),
    )
    .await;
    assert_eq!((status, ids(&list)), (200, vec!["s-a1".to_owned()]));
}

#[tokio::test]
async fn inside_an_organization_each_role_reads_what_the_issue_allows() {
    let w = world().await;
    let code = &w.code;
    let c = |p: &Person| Cred::Cookie(p.clone());
    let room = format!("/v1/rooms/{code}");
    let list = format!("/v1/rooms/{code}/sessions");
    // (who, path, may read)
    let cases = [
        // A participant reads their own sessions, and nobody else's.
        (c(&w.ada), "/v1/sessions/s-a1", true),
        (c(&w.bo), "/v1/sessions/s-a1", true),
        (c(&w.bo), "/v1/sessions/s-a2", false),
        (c(&w.carl), "/v1/sessions/s-a1", false),
        // The facilitator reads the sessions they hosted; another facilitator does not.
        (c(&w.hana), "/v1/sessions/s-a1", true),
        (c(&w.hana), "/v1/sessions/s-a2", true),
        (c(&w.fay), "/v1/sessions/s-a1", false),
        // An admin reads the organization's.
        (c(&w.alma), "/v1/sessions/s-a1", true),
        (c(&w.alma), "/v1/sessions/s-a2", true),
        // The live room: its creator and the admin; not its participants nor other members.
        (c(&w.hana), &room, true),
        (c(&w.alma), &room, true),
        (c(&w.ada), &room, false),
        (c(&w.fay), &room, false),
        (c(&w.hana), &list, true),
        (c(&w.alma), &list, true),
        (c(&w.ada), &list, false),
        (c(&w.carl), &list, false),
    ];
    for (cred, path, allowed) in cases {
        if allowed {
            let (status, body) = get(&w.srv, path, &cred).await;
            assert_eq!(status, 200, "{path} {cred:?}: {body}");
        } else {
            let missing = if path.starts_with("/v1/sessions/") {
                "/v1/sessions/s-nope".to_owned()
            } else {
                path.replace(code.as_str(), "ZZZZ-ZZZZ")
            };
            refused_like_missing(&w.srv, path, &missing, &cred).await;
        }
    }
    let (_, summary) = get(&w.srv, "/v1/sessions/s-a1", &c(&w.ada)).await;
    let names: Vec<&str> = summary["participants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["u-ada of a", "u-bo of a"]);

    // The organization's session list: (who, sessions, newest first).
    let lists = [
        (c(&w.alma), vec!["s-a2", "s-a1"]),
        (c(&w.hana), vec!["s-a2", "s-a1"]),
        (c(&w.ada), vec!["s-a2", "s-a1"]),
        (c(&w.bo), vec!["s-a1"]),
        (c(&w.carl), vec![]),
        (c(&w.fay), vec![]),
        (c(&w.zed), vec!["s-b1"]),
    ];
    for (cred, want) in lists {
        let (status, body) = get(&w.srv, "/v1/org/sessions?limit=20", &cred).await;
        assert_eq!(
            (status, ids(&body)),
            (200, want.iter().map(|s| s.to_string()).collect()),
            "{cred:?}"
        );
    }
    let (status, body) = get(&w.srv, "/v1/org/sessions?limit=1", &c(&w.alma)).await;
    assert_eq!((status, ids(&body)), (200, vec!["s-a2".to_owned()]));
    assert_eq!(body["sessions"][0]["room"], "QQQQ-QQQQ");
    for bad in ["0", "101", "many"] {
        let (status, body) = get(
            &w.srv,
            &format!("/v1/org/sessions?limit={bad}"),
            &c(&w.alma),
        )
        .await;
        assert_eq!(status, 400, "limit={bad}: {body}");
    }
    assert_eq!(get(&w.srv, "/v1/org/sessions", &Cred::None).await.0, 401);

    // The live rooms: for those who may host (every member of a), only a's; b lists its
    // facilitators, so its members get a 403; tokens name their own room and get a 403.
    let (status, rooms) = get(&w.srv, "/v1/org/rooms", &c(&w.ada)).await;
    assert_eq!(status, 200, "{rooms}");
    assert_eq!(
        rooms["rooms"],
        json!([{ "code": code, "program": "Test program", "members": 0, "mine": false }])
    );
    let (_, rooms) = get(&w.srv, "/v1/org/rooms", &c(&w.hana)).await;
    assert_eq!(rooms["rooms"][0]["mine"], true);
    let (status, rooms) = get(&w.srv, "/v1/org/rooms", &c(&w.bea)).await;
    assert_eq!((status, rooms["rooms"].clone()), (200, json!([])));
    assert_eq!(get(&w.srv, "/v1/org/rooms", &c(&w.zed)).await.0, 403);
    let token = Cred::Bearer(w.srv.token("f-any", TokenRole::Facilitator));
    assert_eq!(get(&w.srv, "/v1/org/rooms", &token).await.0, 403);
    assert_eq!(get(&w.srv, "/v1/org/rooms", &Cred::None).await.0, 401);
}

#[tokio::test]
async fn cookie_changes_need_this_sites_origin_and_someone_who_may_host() {
    let srv = TestServer::start().await;
    let pool = db(&srv).await;
    org(&pool, "a", "all").await;
    org(&pool, "b", "listed").await;
    let hana = person(&pool, "a", "u-hana", "member").await;
    let zed = person(&pool, "b", "u-zed", "member").await;
    let bea = person(&pool, "b", "u-bea", "facilitator").await;
    pool.close().await;
    let body = json!({ "program": program(&[("squats", 60_000, 0)]) });
    let post = |origin: Option<&'static str>, p: &Person| {
        let mut req = reqwest::Client::new()
            .post(srv.http_url("/v1/rooms"))
            .header("cookie", &p.cookie)
            .json(&body);
        if let Some(o) = origin {
            req = req.header("origin", o);
        }
        answer(req)
    };
    for origin in [Some("http://evil.example"), None] {
        let (status, problem) = post(origin, &hana).await;
        assert_eq!(status, 403, "{origin:?}: {problem}");
        assert_eq!(
            problem["type"], "https://breakroom.dev/problems/foreign-origin",
            "{problem}"
        );
    }
    assert!(
        srv.server.hub().rooms.is_empty(),
        "a refused request made a room"
    );

    // From the site itself: a member of an organization where everyone hosts creates a room
    // in it; in an organization that lists its facilitators, only they do.
    let code = create_room(&srv, &hana).await;
    let room = srv.server.hub().room(&code).unwrap();
    assert_eq!((room.org.as_str(), room.creator.as_str()), ("a", "u-hana"));
    let (status, problem) = change(
        &srv,
        reqwest::Method::POST,
        "/v1/rooms",
        &Cred::Cookie(zed.clone()),
        Some(body.clone()),
    )
    .await;
    assert_eq!(status, 403, "{problem}");
    assert_eq!(
        srv.server
            .hub()
            .room(&create_room(&srv, &bea).await)
            .unwrap()
            .org,
        "b"
    );

    // Guest links too: made, and revoked, from the site only.
    let path = format!("/v1/rooms/{code}/guest-links");
    let (status, problem) = answer(
        reqwest::Client::new()
            .post(srv.http_url(&path))
            .header("cookie", &hana.cookie)
            .header("origin", "http://evil.example")
            .json(&json!({})),
    )
    .await;
    assert_eq!(status, 403, "{problem}");
    let (status, link) = change(
        &srv,
        reqwest::Method::POST,
        &path,
        &Cred::Cookie(hana.clone()),
        Some(json!({})),
    )
    .await;
    assert_eq!(status, 201, "{link}");
    let id = link["id"].as_str().unwrap();
    let (status, problem) = answer(
        reqwest::Client::new()
            .delete(srv.http_url(&format!("/v1/guest-links/{id}")))
            .header("cookie", &hana.cookie)
            .header("origin", "http://evil.example"),
    )
    .await;
    assert_eq!(status, 403, "{problem}");
    let (_, links) = get(&srv, &path, &Cred::Cookie(hana.clone())).await;
    assert_eq!(
        links["links"][0]["id"], id,
        "a refused revocation revoked: {links}"
    );
}

/// Sends `hello` and returns the answer.
async fn hello(c: &mut Raw, token: &str) -> ServerMsg {
    let seq = c.next_seq();
    c.send(&ClientMsg::Hello {
        seq,
        sdk: "raw-test".into(),
        sdk_version: "0".into(),
        token: token.into(),
        resume: None,
    })
    .await;
    match c.next().await {
        Seen::Msg(m) => *m,
        Seen::Closed(c) => panic!("closed after hello: {c:?}"),
    }
}

/// Sends `join` and returns the error it was refused with.
async fn join_refused(c: &mut Raw, code: &str, role: RequestedRole) -> (ErrorCode, String) {
    let seq = c.next_seq();
    c.send(&ClientMsg::Join {
        seq,
        room: code.into(),
        role,
        sharing: Sharing::Room,
    })
    .await;
    match c.until(|m| matches!(m, ServerMsg::Error { .. })).await {
        ServerMsg::Error { code, message, .. } => (code, message),
        _ => unreachable!("until returned an error"),
    }
}

#[tokio::test]
async fn joining_another_organizations_room_over_the_websocket_is_not_found() {
    let w = world().await;
    // A token of the default organization, for any room, facilitator included: a's room is
    // answered exactly like a code that names no room.
    let token = w.srv.token("f-any", TokenRole::Facilitator);
    let mut c = raw_connect(&w.srv.ws_url()).await;
    c.hello(&token).await;
    let missing = join_refused(&mut c, "ZZZZ-ZZZZ", RequestedRole::Participant).await;
    assert_eq!(missing.0, ErrorCode::NotFound);
    for role in [RequestedRole::Participant, RequestedRole::Facilitator] {
        assert_eq!(join_refused(&mut c, &w.code, role).await, missing);
    }
}

/// `POST /v1/guest/token` with a link's token.
async fn guest_token(srv: &TestServer, guest: &str, name: &str) -> (u16, Value) {
    answer(
        reqwest::Client::new()
            .post(srv.http_url("/v1/guest/token"))
            .json(&json!({ "guest": guest, "name": name })),
    )
    .await
}

/// The `guest` parameter of a guest link's URL.
fn guest_param(url: &str) -> String {
    url.split_once("?guest=").unwrap().1.to_owned()
}

#[tokio::test]
async fn guest_links_let_outsiders_join_one_room_until_revoked_or_expired() {
    let w = world().await;
    let code = &w.code;
    let hana = Cred::Cookie(w.hana.clone());
    let links = format!("/v1/rooms/{code}/guest-links");

    // Made by the room's creator or an admin; to anyone else the room does not exist.
    for (cred, status) in [
        (Cred::Cookie(w.ada.clone()), 404),
        (Cred::Cookie(w.fay.clone()), 404),
        (Cred::Cookie(w.zed.clone()), 404),
        (Cred::Cookie(w.bea.clone()), 404),
        (Cred::None, 401),
        (Cred::Cookie(w.alma.clone()), 201),
    ] {
        let (got, body) = change(
            &w.srv,
            reqwest::Method::POST,
            &links,
            &cred,
            Some(json!({})),
        )
        .await;
        assert_eq!(got, status, "{cred:?}: {body}");
    }
    let (status, body) = change(
        &w.srv,
        reqwest::Method::POST,
        &links,
        &hana,
        Some(json!({ "ttl_s": 700_000 })),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    let (status, link) = change(
        &w.srv,
        reqwest::Method::POST,
        &links,
        &hana,
        Some(json!({ "ttl_s": 3600 })),
    )
    .await;
    assert_eq!(status, 201, "{link}");
    let url = link["url"].as_str().unwrap();
    assert!(
        url.starts_with(&w.srv.http_url(&format!("/join/{code}?guest="))),
        "{url}"
    );
    let id = link["id"].as_str().unwrap().to_owned();
    let secret = guest_param(url);

    // Only the token's hash is stored.
    let pool = db(&w.srv).await;
    let stored: Vec<String> = sqlx::query_scalar("SELECT id_hash FROM guest_links")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert!(stored.contains(&breakroom::auth::web_session::hash(&secret)));
    assert!(!stored.contains(&secret));

    // Listed to those who may make links, not to members.
    let (status, listed) = get(&w.srv, &links, &hana).await;
    assert_eq!(status, 200, "{listed}");
    assert_eq!(listed["links"].as_array().unwrap().len(), 2);
    refused_like_missing(
        &w.srv,
        &links,
        "/v1/rooms/ZZZZ-ZZZZ/guest-links",
        &Cred::Cookie(w.ada.clone()),
    )
    .await;

    // A guest trades it and a name for a token, joins the room as a participant, reads the
    // room as its participants do, and nothing else.
    let (status, minted) = guest_token(&w.srv, &secret, "Pat").await;
    assert_eq!(status, 200, "{minted}");
    let token = minted["token"].as_str().unwrap().to_owned();
    let mut pat = raw_connect(&w.srv.ws_url()).await;
    pat.hello(&token).await;
    let seq = pat.next_seq();
    pat.send(&ClientMsg::Join {
        seq,
        room: code.clone(),
        role: RequestedRole::Participant,
        sharing: Sharing::Room,
    })
    .await;
    match pat.until(|m| matches!(m, ServerMsg::Snapshot { .. })).await {
        ServerMsg::Snapshot { participants, .. } => {
            let pat = participants.iter().find(|m| m.name == "Pat");
            assert!(pat.is_some(), "{participants:?}");
        }
        _ => unreachable!(),
    }
    let guest = Cred::Bearer(token.clone());
    assert_eq!(
        get(&w.srv, &format!("/v1/rooms/{code}"), &guest).await.0,
        200
    );
    refused_like_missing(&w.srv, "/v1/sessions/s-a1", "/v1/sessions/s-nope", &guest).await;
    assert_eq!(
        get(&w.srv, "/v1/org/sessions", &guest).await,
        (200, json!({ "sessions": [] }))
    );
    assert_eq!(get(&w.srv, "/v1/org/rooms", &guest).await.0, 403);
    // A guest may not host, nor make links.
    let (status, _) = change(
        &w.srv,
        reqwest::Method::POST,
        &links,
        &guest,
        Some(json!({})),
    )
    .await;
    assert_eq!(status, 404);

    // Revoked: the live guest is closed with 4006, its token is refused, the link is a 404.
    let (status, body) = change(
        &w.srv,
        reqwest::Method::DELETE,
        &format!("/v1/guest-links/{id}"),
        &Cred::Cookie(w.ada.clone()),
        None,
    )
    .await;
    assert_eq!(status, 404, "a member revoked a link: {body}");
    let (status, body) = change(
        &w.srv,
        reqwest::Method::DELETE,
        &format!("/v1/guest-links/{id}"),
        &hana,
        None,
    )
    .await;
    assert_eq!(status, 204, "{body}");
    let (closed_with, reason) = pat.closed().await.unwrap();
    assert_eq!((closed_with, reason.as_str()), (close::REVOKED, "revoked"));
    let mut again = raw_connect(&w.srv.ws_url()).await;
    match hello(&mut again, &token).await {
        ServerMsg::Error { code, .. } => assert_eq!(code, ErrorCode::Unauthorized),
        other => panic!("a revoked guest's token was taken: {other:?}"),
    }
    assert_eq!(
        get(&w.srv, &format!("/v1/rooms/{code}"), &guest).await.0,
        404
    );
    let (status, problem) = guest_token(&w.srv, &secret, "Pat").await;
    assert_eq!(status, 404, "{problem}");
    let unknown = guest_token(&w.srv, "not-a-link", "Pat").await;
    assert_eq!(unknown, (status, problem));

    // Expired: a 404 as well.
    let (_, link) = change(
        &w.srv,
        reqwest::Method::POST,
        &links,
        &hana,
        Some(json!({})),
    )
    .await;
    let secret = guest_param(link["url"].as_str().unwrap());
    assert_eq!(guest_token(&w.srv, &secret, "Sam").await.0, 200);
    sqlx::query("UPDATE guest_links SET expires_at = 1 WHERE id = ?")
        .bind(link["id"].as_str().unwrap())
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(guest_token(&w.srv, &secret, "Sam").await, unknown);
}

/// Every documented GET route, asked by people outside organization `a` (and by no one),
/// with `a`'s room code and session ids in its path: no name of `a`'s people, and no result,
/// comes back.
#[tokio::test]
async fn no_rest_path_leaks_a_name_or_a_result_outside_the_organization() {
    let w = world().await;
    let (_, doc) = get(&w.srv, "/v1/openapi.json", &Cred::None).await;
    let outsiders = [
        Cred::Cookie(w.zed.clone()),
        Cred::Cookie(w.bea.clone()),
        Cred::ApiKey,
        Cred::Bearer(w.srv.token("f-any", TokenRole::Facilitator)),
        Cred::None,
    ];
    let insiders = [&w.hana, &w.ada, &w.bo, &w.carl, &w.fay, &w.alma];
    let mut asked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        if item.get("get").is_none() || path == "/v1/ws" {
            continue;
        }
        for id in ["s-a1", "s-a2"] {
            let concrete = path
                .replace("{code}", &w.code)
                .replace("{id}", id)
                .replace("{user}", "u-ada");
            for cred in &outsiders {
                let (status, body) = get(&w.srv, &concrete, cred).await;
                let text = body.to_string();
                for p in insiders {
                    assert!(
                        !text.contains(&p.name),
                        "{concrete} {cred:?} ({status}): {text}"
                    );
                }
                let result = format!("\"reps\":{REPS}");
                assert!(
                    !text.contains(&result),
                    "{concrete} {cred:?} ({status}): {text}"
                );
                asked += 1;
            }
        }
    }
    assert!(asked >= 5 * 2 * 8, "only {asked} reads were made");
    // The same look finds them where they may be read: a's admin reading a's session.
    let (_, inside) = get(&w.srv, "/v1/sessions/s-a1", &Cred::Cookie(w.alma.clone())).await;
    let text = inside.to_string();
    assert!(text.contains(&w.ada.name) && text.contains(&format!("\"reps\":{REPS}")));
}

/// The `org` claim of a token signed with the API key is trusted only together with an active
/// guest link of that organization and room, for no more than a participant: an API-key
/// holder cannot mint its way into another organization.
#[tokio::test]
async fn organization_claims_hold_only_with_an_active_link_of_that_organization() {
    let w = world().await;
    let links = format!("/v1/rooms/{}/guest-links", w.code);
    let (_, link) = change(
        &w.srv,
        reqwest::Method::POST,
        &links,
        &Cred::Cookie(w.hana.clone()),
        Some(json!({})),
    )
    .await;
    let (_, minted) = guest_token(&w.srv, &guest_param(link["url"].as_str().unwrap()), "Pat").await;
    let hub = w.srv.server.hub();
    let good = hub.keys.verify(minted["token"].as_str().unwrap()).unwrap();
    assert_eq!(
        (
            good.org.as_deref(),
            good.link.as_deref(),
            good.room.as_deref()
        ),
        (Some("a"), link["id"].as_str(), Some(w.code.as_str()))
    );
    let forged = |f: &dyn Fn(&mut breakroom::auth::Claims)| {
        let mut claims = good.clone();
        f(&mut claims);
        hub.keys.sign(&claims).unwrap()
    };
    // (token, taken)
    let cases = [
        (forged(&|_| {}), true),
        (forged(&|c| c.link = None), false),
        (forged(&|c| c.org = None), false),
        (forged(&|c| c.org = Some("b".into())), false),
        (forged(&|c| c.link = Some("gl_nope".into())), false),
        (forged(&|c| c.room = Some("ZZZZ-ZZZZ".into())), false),
        (forged(&|c| c.room = None), false),
        (
            forged(&|c| {
                c.role = TokenRole::Facilitator;
                c.grants = breakroom::auth::Grants::for_role(TokenRole::Facilitator);
            }),
            false,
        ),
    ];
    for (i, (token, taken)) in cases.into_iter().enumerate() {
        let mut c = raw_connect(&w.srv.ws_url()).await;
        let got = hello(&mut c, &token).await;
        if taken {
            assert!(
                matches!(got, ServerMsg::Welcome { .. }),
                "case {i}: {got:?}"
            );
        } else {
            assert!(
                matches!(
                    got,
                    ServerMsg::Error {
                        code: ErrorCode::Unauthorized,
                        ..
                    }
                ),
                "case {i}: {got:?}"
            );
        }
    }
}
