//! Sign-in end to end: the real server (on 127.0.0.1, a real SQLite file) signs people in
//! through a real OpenID Provider (`oidc-provider` 8.8.1 from `tests/oidc-provider/`, started
//! as an Entra-style multi-tenant provider with two tenants), its login and consent pages
//! driven over plain HTTP by a browser without JavaScript.
//!
//! Covered: a full login, `/v1/me`, a room created and joined over the WebSocket with the
//! cookie alone; what the store keeps (the session's hash, no token, code or cookie); a fresh
//! session at each login; two tenants as two organizations that cannot see each other's rooms
//! (REST 404, WebSocket `not_found`); members, roles and the facilitators setting; Apple-style
//! `form_post` callbacks with no cookie; personal accounts refused without an invitation and
//! admitted with one; logout closing the session's sockets with 4004; key rotation at the
//! provider with no restart of breakroom; and the refusals: a wrong or replayed state, open
//! redirects in `return_to`, foreign-Origin cookie POSTs and WebSockets. Also: a Google
//! Workspace domain as an organization and the hosted-domain restriction; a provider
//! unreachable at start, tried again until it answers; idle and absolute session expiry and
//! the Origin allowlist on sessions written in the contract's format; and logs that name
//! people by user id only (no cookie, code, token, name or email, at any level).
#![allow(missing_docs, clippy::unwrap_used)]

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use breakroom::auth::oidc::{Preset, ProviderConfig, SecretSource};
use breakroom::config::OidcSettings;
use breakroom_protocol::{ClientMsg, ErrorCode, RequestedRole, ServerMsg, Sharing};
use common::{Raw, Seen, TestServer, program};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

const SECRET: &str = "test-client-secret-0123456789";
const CONTOSO: &str = "contoso";
const FABRIKAM: &str = "fabrikam";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A running oidc-provider, killed when dropped.
struct Provider {
    child: Child,
}

impl Provider {
    async fn stop(mut self) {
        self.child.kill().await.unwrap();
    }
}

/// The provider's accounts, per tenant. `pat` has no organization of their own at the
/// Apple-style provider (tokens of its preset carry none).
fn tenants() -> Value {
    json!({
        CONTOSO: {
            "ada": { "name": "Ada Lovelace", "email": "ada@contoso.example", "email_verified": true, "locale": "en-GB" },
            "bob": { "name": "Bob Builder", "email": "bob@contoso.example", "email_verified": true },
            "pat": { "name": "Pat Personal", "email": "pat@mail.example", "email_verified": true },
            "sam": { "name": "Sam Second", "email": "sam@mail.example", "email_verified": true },
            "gwen": { "name": "Gwen Workspace", "email": "gwen@example.com", "email_verified": true, "hd": "example.com" },
            "gus": { "name": "Gus Workspace", "email": "gus@example.com", "email_verified": true, "hd": "example.com" },
        },
        FABRIKAM: {
            "eve": { "name": "Eve Fabrikam", "email": "eve@fabrikam.example", "email_verified": true },
        },
    })
}

/// Starts the multi-tenant provider on `port` with the keys in `keys` (made on first use);
/// breakroom's callbacks are on `breakroom_port`.
async fn start_provider(port: u16, keys: &Path, breakroom_port: u16) -> Provider {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oidc-provider");
    assert!(
        dir.join("node_modules/oidc-provider/package.json").exists(),
        "oidc-provider is not installed in {}: run `bash .ci/test` (it runs `npm ci --prefix tests/oidc-provider`)",
        dir.display()
    );
    let client = |id: &str, provider: &str| {
        json!({
            "client_id": id, "client_secret": SECRET,
            "redirect_uris": [format!("http://127.0.0.1:{breakroom_port}/auth/callback/{provider}")],
            "grant_types": ["authorization_code"], "response_types": ["code"],
        })
    };
    let clients = json!([
        client("breakroom", "microsoft"),
        client("breakroom-apple", "apple"),
        client("breakroom-google", "google"),
        client("breakroom-google-corp", "google-corp"),
    ]);
    let mut child = Command::new("node")
        .arg("provider.mjs")
        .current_dir(&dir)
        .env("OIDC_PORT", port.to_string())
        .env("OIDC_CLIENTS", clients.to_string())
        .env("OIDC_TENANTS", tenants().to_string())
        .env("OIDC_KEYS", keys)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("node is needed for the OpenID Provider fixture (see .ci/test)");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let ready = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
        .await
        .expect("the provider did not start within 20 s")
        .unwrap();
    assert_eq!(ready, Some(format!("ready http://127.0.0.1:{port}")));
    // Keep reading: the provider writes notices later, and dies of EPIPE on a closed pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Provider { child }
}

/// The provider, and breakroom configured with two of its clients: `microsoft` (Entra preset,
/// multi-tenant `/common`) and `apple` (Apple preset, `form_post`, at the contoso tenant's
/// issuer: its accounts come with no organization).
struct World {
    provider: Option<Provider>,
    provider_port: u16,
    server: TestServer,
    keys: tempfile::TempDir,
}

async fn world() -> World {
    world_with(true).await
}

/// The same; with `provider_up` false, breakroom starts while nothing listens at the
/// provider's address (`provider` is `None`), and tries again every second.
async fn world_with(provider_up: bool) -> World {
    capture_logs();
    let keys = tempfile::tempdir().unwrap();
    // The client secret comes from a file, as a config file would name it.
    let secret_file = keys.path().join("client-secret");
    std::fs::write(&secret_file, format!("{SECRET}\n")).unwrap();
    let provider_port = free_port();
    let breakroom_port = free_port();
    let provider = if provider_up {
        Some(
            start_provider(
                provider_port,
                &keys.path().join("keys.json"),
                breakroom_port,
            )
            .await,
        )
    } else {
        None
    };
    let base = format!("http://127.0.0.1:{provider_port}");
    let entra = ProviderConfig {
        id: "microsoft".into(),
        issuer: format!("{base}/common"),
        client_id: "breakroom".into(),
        client_secret: SecretSource::File(secret_file),
        redirect_uri: String::new(),
        name: None,
        scopes: vec!["profile".into(), "email".into()],
        preset: Preset::Entra {
            allowed_tenants: None,
        },
    };
    let apple = ProviderConfig {
        id: "apple".into(),
        issuer: format!("{base}/{CONTOSO}"),
        client_id: "breakroom-apple".into(),
        preset: Preset::Apple,
        ..entra.clone()
    };
    let google = |id: &str, hosted_domain: Option<&str>| ProviderConfig {
        id: id.into(),
        issuer: format!("{base}/{CONTOSO}"),
        client_id: format!("breakroom-{id}"),
        preset: Preset::Google {
            hosted_domain: hosted_domain.map(Into::into),
        },
        ..entra.clone()
    };
    let providers = vec![
        entra.clone(),
        apple,
        google("google", None),
        ProviderConfig {
            name: Some("Google (example.com)".into()),
            ..google("google-corp", Some("example.com"))
        },
    ];
    let server = TestServer::start_with(|s| common::Settings {
        listen: Some(format!("127.0.0.1:{breakroom_port}").parse().unwrap()),
        oidc: Some(OidcSettings {
            providers,
            key_refetch_min_s: Some(0),
            discovery_retry_s: Some(1),
        }),
        ..s
    })
    .await;
    World {
        provider,
        provider_port,
        server,
        keys,
    }
}

/// Everything breakroom logs in this test binary, at every level.
static LOGS: std::sync::Mutex<Vec<u8>> = std::sync::Mutex::new(Vec::new());

struct Capture;

impl std::io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        LOGS.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Sends breakroom's logs, down to `trace`, to [`LOGS`] (once per test binary).
fn capture_logs() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("breakroom=trace"))
            .with_writer(|| Capture)
            .with_ansi(false)
            .try_init();
    });
}

fn logged() -> String {
    String::from_utf8_lossy(&LOGS.lock().unwrap()).into_owned()
}

/// What a login ended with at breakroom.
#[derive(Debug)]
struct Landed {
    status: u16,
    location: Option<String>,
    set_cookie: Option<String>,
    /// The problem document, for refusals.
    problem: Value,
    /// What the provider sent to the callback (to replay it).
    params: Vec<(String, String)>,
    form_post: bool,
}

impl Landed {
    /// The session cookie's value.
    fn cookie(&self) -> String {
        let set = self.set_cookie.as_deref().expect("a Set-Cookie");
        let pair = set.split(';').next().unwrap();
        let (name, value) = pair.split_once('=').unwrap();
        assert_eq!(
            name, "breakroom",
            "plain HTTP on loopback: no __Host- prefix"
        );
        value.to_owned()
    }
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The value of `attr="…"` after the first `anchor` in `html`.
fn attribute_after(html: &str, anchor: &str, attr: &str) -> Option<String> {
    let rest = &html[html.find(anchor)?..];
    let start = rest.find(&format!("{attr}=\""))? + attr.len() + 2;
    let end = rest[start..].find('"')?;
    Some(rest[start..start + end].replace("&amp;", "&"))
}

impl World {
    fn url(&self, path: &str) -> String {
        self.server.http_url(path)
    }

    fn origin(&self) -> String {
        format!("http://{}", self.server.server.addr())
    }

    /// Drives the provider's pages from `authorization_url` as `account` until the browser is
    /// sent back to breakroom; returns the callback's parameters and whether they come as a
    /// form POST.
    async fn at_provider(
        &self,
        authorization_url: &str,
        account: &str,
    ) -> (Vec<(String, String)>, bool) {
        let callback = self.url("/auth/callback/");
        let http = http();
        let mut cookies: HashMap<String, String> = HashMap::new();
        let mut url = reqwest::Url::parse(authorization_url).unwrap();
        let mut form: Option<Vec<(String, String)>> = None;
        for _ in 0..20 {
            let request = match form.take() {
                Some(fields) => http.post(url.clone()).form(&fields),
                None => http.get(url.clone()),
            };
            let cookie = cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ");
            let response = request.header("cookie", cookie).send().await.unwrap();
            for value in response.headers().get_all("set-cookie") {
                let pair = value.to_str().unwrap().split(';').next().unwrap();
                let (name, value) = pair.split_once('=').unwrap();
                cookies.insert(name.trim().into(), value.into());
            }
            let status = response.status();
            if status.is_redirection() {
                let location = response.headers()["location"].to_str().unwrap();
                let next = url.join(location).unwrap();
                if next.as_str().starts_with(&callback) {
                    return (next.query_pairs().into_owned().collect(), false);
                }
                url = next;
                continue;
            }
            let body = response.text().await.unwrap();
            assert!(status.is_success(), "{status} at {url}: {body}");
            if body.contains(&format!("action=\"{callback}")) {
                // response_mode=form_post: the page's hidden inputs.
                let params = body
                    .split("<input")
                    .skip(1)
                    .filter_map(|input| {
                        Some((
                            attribute_after(input, "", "name")?,
                            attribute_after(input, "", "value")?,
                        ))
                    })
                    .collect();
                return (params, true);
            }
            let action =
                attribute_after(&body, "<form", "action").expect("a form on the interaction page");
            let prompt =
                attribute_after(&body, "name=\"prompt\"", "value").expect("a prompt field");
            let mut fields = vec![("prompt".to_owned(), prompt.clone())];
            if prompt == "login" {
                fields.push(("login".into(), account.into()));
                fields.push(("password".into(), "any".into()));
            }
            url = url.join(&action).unwrap();
            form = Some(fields);
        }
        panic!("the login did not come back to breakroom");
    }

    /// Starts a login at breakroom: the 303 to the provider, with Entra's `domain_hint` for
    /// the tenant (the fixture's home-realm discovery).
    async fn begin(&self, provider: &str, query: &str, tenant: &str) -> String {
        let response = http()
            .get(self.url(&format!("/auth/login/{provider}?{query}")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 303, "{:?}", response.text().await);
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        format!("{location}&domain_hint={tenant}")
    }

    /// Sends the callback's parameters to breakroom as the provider had the browser send them:
    /// a GET with the query, or a cross-site form POST carrying NO cookie.
    async fn callback(
        &self,
        provider: &str,
        params: &[(String, String)],
        form_post: bool,
        cookie: Option<&str>,
    ) -> Landed {
        let url = self.url(&format!("/auth/callback/{provider}"));
        let mut request = if form_post {
            http().post(url).form(params)
        } else {
            http().get(url).query(params)
        };
        if let Some(cookie) = cookie {
            request = request.header("cookie", format!("breakroom={cookie}"));
        }
        let response = request.send().await.unwrap();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .map(|v| v.to_str().unwrap().to_owned())
        };
        let (location, set_cookie) = (header("location"), header("set-cookie"));
        let status = response.status().as_u16();
        let problem = response.json().await.unwrap_or(Value::Null);
        Landed {
            status,
            location,
            set_cookie,
            problem,
            params: params.to_vec(),
            form_post,
        }
    }

    /// A whole login of `account` (of `tenant`) with `provider`.
    async fn login(&self, provider: &str, query: &str, tenant: &str, account: &str) -> Landed {
        self.login_with_cookie(provider, query, tenant, account, None)
            .await
    }

    async fn login_with_cookie(
        &self,
        provider: &str,
        query: &str,
        tenant: &str,
        account: &str,
        cookie: Option<&str>,
    ) -> Landed {
        let to_provider = self.begin(provider, query, tenant).await;
        let (params, form_post) = self.at_provider(&to_provider, account).await;
        self.callback(provider, &params, form_post, cookie).await
    }

    /// Signs `account` of `tenant` in with Microsoft; returns the cookie's value.
    async fn sign_in(&self, tenant: &str, account: &str) -> String {
        let landed = self
            .login("microsoft", "return_to=/host", tenant, account)
            .await;
        assert_eq!(landed.status, 303, "{landed:?}");
        assert_eq!(landed.location.as_deref(), Some("/host"));
        landed.cookie()
    }

    async fn me(&self, cookie: &str) -> Value {
        let (status, me) = self.get("/v1/me", cookie).await;
        assert_eq!(status, 200, "{me}");
        me
    }

    async fn get(&self, path: &str, cookie: &str) -> (u16, Value) {
        let response = http()
            .get(self.url(path))
            .header("cookie", format!("breakroom={cookie}"))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// A state-changing request with the cookie, from `origin` (none when `None`).
    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        cookie: &str,
        origin: Option<&str>,
        body: Value,
    ) -> (u16, Value) {
        let mut request = http()
            .request(method, self.url(path))
            .header("cookie", format!("breakroom={cookie}"))
            .json(&body);
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn create_room(&self, cookie: &str) -> String {
        let (status, body) = self
            .send(
                reqwest::Method::POST,
                "/v1/rooms",
                cookie,
                Some(&self.origin()),
                json!({ "program": program(&[("squats", 30_000, 0)]) }),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        body["code"].as_str().unwrap().to_owned()
    }

    /// Opens a WebSocket with the cookie, from `origin`.
    async fn ws(&self, cookie: &str, origin: &str) -> Result<Raw, u16> {
        let mut req = self.server.ws_url().into_client_request().unwrap();
        let h = req.headers_mut();
        h.insert("sec-websocket-protocol", "breakroom.v1".parse().unwrap());
        h.insert("cookie", format!("breakroom={cookie}").parse().unwrap());
        h.insert("origin", origin.parse().unwrap());
        match tokio_tungstenite::connect_async(req).await {
            Ok((ws, _)) => Ok(Raw::from(ws)),
            Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => Err(resp.status().as_u16()),
            Err(other) => panic!("{other}"),
        }
    }

    /// Every byte of the server's SQLite files, as text.
    fn store_text(&self) -> String {
        let mut text = String::new();
        for entry in std::fs::read_dir(self.server.dir.path()).unwrap() {
            let path = entry.unwrap().path();
            if path.to_string_lossy().contains("breakroom.db") {
                text.push_str(&String::from_utf8_lossy(&std::fs::read(&path).unwrap()));
            }
        }
        text
    }

    fn db_url(&self) -> PathBuf {
        self.server.dir.path().join("breakroom.db")
    }
}

fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// Joins `code` over a socket that said hello; returns the first answer (snapshot or error).
async fn join(raw: &mut Raw, code: &str, role: RequestedRole) -> ServerMsg {
    let seq = raw.next_seq();
    raw.send(&ClientMsg::Join {
        seq,
        room: code.into(),
        role,
        sharing: Sharing::Room,
    })
    .await;
    raw.until(|m| matches!(m, ServerMsg::Snapshot { .. } | ServerMsg::Error { .. }))
        .await
}

#[tokio::test]
async fn a_full_login_then_me_a_room_and_its_websocket_on_the_cookie_alone() {
    let w = world().await;
    let providers: Value = http()
        .get(w.url("/auth/providers"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        providers,
        json!({ "providers": [
            { "id": "microsoft", "name": "Microsoft", "kind": "entra" },
            { "id": "apple", "name": "Apple", "kind": "apple" },
            { "id": "google", "name": "Google", "kind": "google" },
            { "id": "google-corp", "name": "Google (example.com)", "kind": "google" },
        ], "dev_guest": false })
    );

    let landed = w
        .login("microsoft", "return_to=/host%3Fx%3D1", CONTOSO, "ada")
        .await;
    assert_eq!(landed.status, 303, "{landed:?}");
    assert_eq!(landed.location.as_deref(), Some("/host?x=1"));
    let set_cookie = landed.set_cookie.clone().unwrap();
    for part in ["Path=/", "Max-Age=604800", "HttpOnly", "SameSite=Lax"] {
        assert!(set_cookie.contains(part), "{part} in {set_cookie}");
    }
    assert!(!set_cookie.contains("Secure"), "plain HTTP: {set_cookie}");
    let cookie = landed.cookie();
    assert_eq!(cookie.len(), 43, "32 random bytes, base64url");

    let (status, me) = w.get("/v1/me", &cookie).await;
    assert_eq!(status, 200, "{me}");
    assert!(me["user"].as_str().unwrap().starts_with("u_"), "{me}");
    assert_eq!(
        (
            &me["name"],
            &me["email"],
            &me["language"],
            &me["org"]["name"]
        ),
        (
            &json!("Ada Lovelace"),
            &json!("ada@contoso.example"),
            &json!("en-GB"),
            &json!("contoso.example")
        )
    );
    // The first person of a tenant is its organization's admin.
    assert_eq!(
        (&me["role"], &me["can_host"]),
        (&json!("admin"), &json!(true))
    );

    // A room, created with the cookie, joined over a socket that sends no token.
    let code = w.create_room(&cookie).await;
    let mut raw = w.ws(&cookie, &w.origin()).await.unwrap();
    raw.hello("").await;
    // A cookie connection has no token to refresh: it lasts as long as the web session.
    let seq = raw.next_seq();
    raw.send(&breakroom_protocol::ClientMsg::Refresh {
        seq,
        token: "x.y.z".into(),
    })
    .await;
    assert!(matches!(
        raw.until(|m| matches!(m, ServerMsg::Error { .. })).await,
        ServerMsg::Error { code: breakroom_protocol::ErrorCode::Unsupported, seq: Some(s), .. } if s == seq
    ));
    assert!(matches!(
        join(&mut raw, &code, RequestedRole::Facilitator).await,
        ServerMsg::Snapshot { .. }
    ));

    // The store keeps the session's hash: not the cookie, the code or any token.
    let text = w.store_text();
    assert!(!text.contains(&cookie), "the cookie value is in the store");
    let code_param = &landed.params.iter().find(|(k, _)| k == "code").unwrap().1;
    assert!(
        !text.contains(code_param.as_str()),
        "the code is in the store"
    );
    assert!(!text.contains("eyJ"), "a JWT (ID token) is in the store");
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", w.db_url().display()))
        .await
        .unwrap();
    let hashes: Vec<String> = sqlx::query_scalar("SELECT id_hash FROM web_sessions")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(hashes, [sha256_hex(&cookie)]);
    pool.close().await;

    // A fresh session id at every login; the session the browser brought along ends.
    let again = w
        .login_with_cookie("microsoft", "", CONTOSO, "ada", Some(&cookie))
        .await;
    assert_eq!((again.status, again.location.as_deref()), (303, Some("/")));
    let fresh = again.cookie();
    assert_ne!(fresh, cookie);
    assert_eq!(w.get("/v1/me", &fresh).await.1["user"], me["user"]);
    assert_eq!(w.get("/v1/me", &cookie).await.0, 401);

    // The logs say who signed in by user id only: no cookie, code, token, name or email.
    let logs = logged();
    assert!(logs.contains("signed in"), "the sign-in is logged: {logs}");
    for secret in [
        cookie.as_str(),
        fresh.as_str(),
        code_param.as_str(),
        "eyJ",
        "Ada Lovelace",
        "ada@contoso.example",
    ] {
        assert!(!logs.contains(secret), "{secret:?} is in the logs");
    }
}

#[tokio::test]
async fn two_tenants_are_two_organizations_that_cannot_see_or_join_each_others_rooms() {
    let w = world().await;
    let ada = w.sign_in(CONTOSO, "ada").await;
    let bob = w.sign_in(CONTOSO, "bob").await;
    let eve = w.sign_in(FABRIKAM, "eve").await;
    let ada_me = w.me(&ada).await;
    let bob_me = w.me(&bob).await;
    let eve_me = w.me(&eve).await;
    assert_eq!(ada_me["org"], bob_me["org"]);
    assert_ne!(ada_me["org"]["id"], eve_me["org"]["id"]);
    assert_eq!(
        (&bob_me["role"], &eve_me["role"]),
        (&json!("member"), &json!("admin"))
    );

    let code = w.create_room(&ada).await;
    // Outside the organization: the room does not exist, over REST and over the socket.
    let (status, _) = w.get(&format!("/v1/rooms/{code}"), &eve).await;
    assert_eq!(status, 404);
    let mut eve_ws = w.ws(&eve, &w.origin()).await.unwrap();
    eve_ws.hello("").await;
    match join(&mut eve_ws, &code, RequestedRole::Participant).await {
        ServerMsg::Error { code, .. } => assert_eq!(code, ErrorCode::NotFound),
        other => panic!("eve joined another organization's room: {other:?}"),
    }
    // Inside it: Bob joins.
    let mut bob_ws = w.ws(&bob, &w.origin()).await.unwrap();
    bob_ws.hello("").await;
    assert!(matches!(
        join(&mut bob_ws, &code, RequestedRole::Participant).await,
        ServerMsg::Snapshot { .. }
    ));

    // Members and roles: the admin sees both, makes Bob facilitator; Eve manages only hers.
    let (status, members) = w.get("/v1/org/members", &ada).await;
    assert_eq!(status, 200, "{members}");
    let names: Vec<&str> = members["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Ada Lovelace", "Bob Builder"]);
    assert!(
        members.to_string().find("@").is_none(),
        "no emails: {members}"
    );
    let bob_path = format!("/v1/org/members/{}", bob_me["user"].as_str().unwrap());
    let patch = reqwest::Method::PATCH;
    let origin = w.origin();
    let role = |r: &str| json!({ "role": r });
    let by_bob = w.send(patch.clone(), &bob_path, &bob, Some(&origin), role("admin"));
    assert_eq!(by_bob.await.0, 403, "members do not manage");
    let by_eve = w.send(
        patch.clone(),
        &bob_path,
        &eve,
        Some(&origin),
        role("member"),
    );
    assert_eq!(by_eve.await.0, 404, "not a member of her organization");
    let (status, changed) = w
        .send(
            patch.clone(),
            &bob_path,
            &ada,
            Some(&origin),
            role("facilitator"),
        )
        .await;
    assert_eq!((status, &changed["role"]), (200, &json!("facilitator")));
    assert_eq!(w.me(&bob).await["role"], "facilitator");
    // The last admin cannot step down.
    let ada_path = format!("/v1/org/members/{}", ada_me["user"].as_str().unwrap());
    let (status, _) = w
        .send(
            reqwest::Method::PATCH,
            &ada_path,
            &ada,
            Some(&w.origin()),
            json!({ "role": "member" }),
        )
        .await;
    assert_eq!(status, 409);

    // Hosting limited to those listed: Bob (facilitator) still hosts, a new member does not.
    let (status, org) = w
        .send(
            reqwest::Method::PATCH,
            "/v1/org",
            &ada,
            Some(&w.origin()),
            json!({ "facilitators": "listed" }),
        )
        .await;
    assert_eq!((status, &org["facilitators"]), (200, &json!("listed")));
    assert_eq!(w.me(&bob).await["can_host"], true);
    let pat_like = w.sign_in(CONTOSO, "sam").await;
    let sam_me = w.me(&pat_like).await;
    assert_eq!(
        (&sam_me["role"], &sam_me["can_host"]),
        (&json!("member"), &json!(false))
    );
    let (status, _) = w
        .send(
            reqwest::Method::POST,
            "/v1/rooms",
            &pat_like,
            Some(&w.origin()),
            json!({ "program": program(&[("squats", 30_000, 0)]) }),
        )
        .await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn personal_accounts_come_in_by_invitation_through_a_form_post_callback_with_no_cookie() {
    let w = world().await;
    // Apple's callback is a cross-site form POST: no cookie. The state alone carries it
    // through: the person is recognised, and refused for want of an organization.
    let refused = w.login("apple", "return_to=/host", CONTOSO, "pat").await;
    assert!(
        refused.form_post,
        "the apple preset uses response_mode=form_post"
    );
    assert_eq!(refused.status, 403, "{refused:?}");
    assert_eq!(
        refused.problem["type"],
        "https://breakroom.dev/problems/no-organization"
    );
    assert!(
        refused.problem["detail"]
            .as_str()
            .unwrap()
            .contains("ask an admin for an invitation"),
        "{}",
        refused.problem
    );
    assert!(refused.set_cookie.is_none());

    // An admin invites a facilitator.
    let ada = w.sign_in(CONTOSO, "ada").await;
    let (status, invitation) = w
        .send(
            reqwest::Method::POST,
            "/v1/org/invitations",
            &ada,
            Some(&w.origin()),
            json!({ "role": "facilitator", "ttl_s": 3600 }),
        )
        .await;
    assert_eq!(status, 201, "{invitation}");
    let url = invitation["url"].as_str().unwrap();
    let token = url
        .strip_prefix(&format!("{}/?invite=", w.origin()))
        .unwrap_or_else(|| panic!("{url}"));
    let (_, listed) = w.get("/v1/org/invitations", &ada).await;
    assert_eq!(listed["invitations"][0]["id"], invitation["id"]);
    assert!(
        !w.store_text().contains(token),
        "the invitation token is in the store"
    );

    let landed = w
        .login(
            "apple",
            &format!("return_to=/host&invite={token}"),
            CONTOSO,
            "pat",
        )
        .await;
    assert!(landed.form_post);
    assert_eq!(
        (landed.status, landed.location.as_deref()),
        (303, Some("/host")),
        "{landed:?}"
    );
    let pat = landed.cookie();
    let (_, pat_me) = w.get("/v1/me", &pat).await;
    let (_, ada_me) = w.get("/v1/me", &ada).await;
    assert_eq!(pat_me["org"], ada_me["org"]);
    assert_eq!(
        (&pat_me["name"], &pat_me["role"]),
        (&json!("Pat Personal"), &json!("facilitator"))
    );
    // Known now: Pat signs in again without the invitation.
    assert_eq!(w.login("apple", "", CONTOSO, "pat").await.status, 303);

    // The invitation brought one person in: used, it is refused at the start of a login.
    let (_, listed) = w.get("/v1/org/invitations", &ada).await;
    assert_eq!(listed["invitations"], json!([]));
    let used = http()
        .get(w.url(&format!("/auth/login/apple?invite={token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(used.status(), 400);

    // A revoked invitation brings nobody in.
    let (_, second) = w
        .send(
            reqwest::Method::POST,
            "/v1/org/invitations",
            &ada,
            Some(&w.origin()),
            json!({}),
        )
        .await;
    let id = second["id"].as_str().unwrap();
    let (status, _) = w
        .send(
            reqwest::Method::DELETE,
            &format!("/v1/org/invitations/{id}"),
            &ada,
            Some(&w.origin()),
            Value::Null,
        )
        .await;
    assert_eq!(status, 204);
    let second_token = second["url"].as_str().unwrap().rsplit('=').next().unwrap();
    let used = http()
        .get(w.url(&format!("/auth/login/apple?invite={second_token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(used.status(), 400);
}

#[tokio::test]
async fn logout_closes_the_sessions_sockets_with_4004_and_the_old_cookie_is_refused() {
    let w = world().await;
    let ada = w.sign_in(CONTOSO, "ada").await;
    let other_session = w.sign_in(CONTOSO, "ada").await;
    let code = w.create_room(&ada).await;
    let mut raw = w.ws(&ada, &w.origin()).await.unwrap();
    raw.hello("").await;
    join(&mut raw, &code, RequestedRole::Facilitator).await;
    let mut other = w.ws(&other_session, &w.origin()).await.unwrap();
    other.hello("").await;

    let logout = |origin: &str| {
        http()
            .post(w.url("/auth/logout"))
            .header("cookie", format!("breakroom={ada}"))
            .header("origin", origin)
            .send()
    };
    // Another site cannot sign people out.
    assert_eq!(logout("http://evil.example").await.unwrap().status(), 403);
    assert_eq!(w.get("/v1/me", &ada).await.0, 200);

    let response = logout(&w.origin()).await.unwrap();
    assert_eq!(response.status(), 204);
    let cleared = response.headers()["set-cookie"].to_str().unwrap();
    assert!(
        cleared.starts_with("breakroom=;") && cleared.contains("Max-Age=0"),
        "{cleared}"
    );
    assert_eq!(raw.closed().await, Some((4004, "signed out".into())));
    assert_eq!(w.get("/v1/me", &ada).await.0, 401);
    // The person's other session (another browser) is not this one: it stays.
    assert_eq!(w.get("/v1/me", &other_session).await.0, 200);
    other.send(&ClientMsg::Ping { t0: 1 }).await;
    assert!(matches!(other.next().await, Seen::Msg(_)));
    // The old cookie opens nothing: a token-less hello is refused.
    let mut again = w.ws(&ada, &w.origin()).await.unwrap();
    let seq = again.next_seq();
    again
        .send(&ClientMsg::Hello {
            seq,
            sdk: "raw-test".into(),
            sdk_version: "0".into(),
            token: String::new(),
            resume: None,
        })
        .await;
    match again.next().await {
        Seen::Msg(m) => assert!(
            matches!(
                *m,
                ServerMsg::Error {
                    code: ErrorCode::Unauthorized,
                    ..
                }
            ),
            "{m:?}"
        ),
        Seen::Closed(c) => panic!("closed without an error: {c:?}"),
    }
}

#[tokio::test]
async fn the_provider_rotating_its_keys_needs_no_restart_of_breakroom() {
    let mut w = world().await;
    w.sign_in(CONTOSO, "ada").await;
    w.provider.take().unwrap().stop().await;
    // The same provider, new keys (a new key file), same port; breakroom runs on.
    let keys = tempfile::tempdir().unwrap();
    let breakroom_port = w.server.server.addr().port();
    let _provider = start_provider(
        w.provider_port,
        &keys.path().join("rotated.json"),
        breakroom_port,
    )
    .await;
    let bob = w.sign_in(CONTOSO, "bob").await;
    assert_eq!(w.get("/v1/me", &bob).await.1["name"], "Bob Builder");
}

#[tokio::test]
async fn wrong_or_replayed_states_open_redirects_and_foreign_origins_are_refused() {
    let w = world().await;
    // A wrong state.
    let to_provider = w.begin("microsoft", "", CONTOSO).await;
    let (params, _) = w.at_provider(&to_provider, "ada").await;
    let forged: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| {
            let v = if k == "state" {
                "forged".to_owned()
            } else {
                v.clone()
            };
            (k.clone(), v)
        })
        .collect();
    let wrong = w.callback("microsoft", &forged, false, None).await;
    assert_eq!(wrong.status, 400);
    assert_eq!(
        wrong.problem["type"],
        "https://breakroom.dev/problems/sign-in-expired"
    );
    // The real callback, then the same again (a replayed code and nonce): refused.
    assert_eq!(
        w.callback("microsoft", &params, false, None).await.status,
        303
    );
    let replayed = w.callback("microsoft", &params, false, None).await;
    assert_eq!((replayed.status, replayed.set_cookie), (400, None));

    // Open redirects.
    for bad in [
        "//evil.example",
        "https://evil.example",
        "/\\evil.example",
        "/\t/evil.example",
    ] {
        let response = http()
            .get(w.url("/auth/login/microsoft"))
            .query(&[("return_to", bad)])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{bad}");
    }
    assert_eq!(
        http()
            .get(w.url("/auth/login/nope"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );

    // A cookie from another site's page: no room, no socket.
    let ada = w.sign_in(CONTOSO, "ada").await;
    let body = json!({ "program": program(&[("squats", 30_000, 0)]) });
    for origin in [Some("http://evil.example"), Some("null"), None] {
        let (status, problem) = w
            .send(
                reqwest::Method::POST,
                "/v1/rooms",
                &ada,
                origin,
                body.clone(),
            )
            .await;
        assert_eq!(status, 403, "{origin:?}");
        assert_eq!(
            problem["type"],
            "https://breakroom.dev/problems/foreign-origin"
        );
    }
    assert_eq!(w.ws(&ada, "http://evil.example").await.err(), Some(403));
    // Reading is no change of state: the cookie answers without an Origin.
    assert_eq!(w.get("/v1/me", &ada).await.0, 200);
}

/// A signed-in person made the way the contract lets other tests make one: rows in the store,
/// and `Cookie: breakroom=<value>` where the store holds the value's SHA-256.
async fn seed_person(
    server: &TestServer,
    role: &str,
    last_seen_ago: i64,
    expires_in: i64,
) -> String {
    let pool = sqlx::SqlitePool::connect(&format!(
        "sqlite://{}",
        server.dir.path().join("breakroom.db").display()
    ))
    .await
    .unwrap();
    let now = i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    )
    .unwrap();
    let cookie = breakroom::auth::random_token(32);
    let user = format!("u_{}", &cookie[..8]);
    sqlx::query(
        "INSERT OR IGNORE INTO organizations (id, name, source, created_at)
         VALUES ('o_seeded', 'Seeded', 'invitation', 0)",
    )
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO users (id, provider, subject, name, org_id, role, created_at)
         VALUES (?, 'seed', ?, 'Seeded Person', 'o_seeded', ?, 0)",
    )
    .bind(&user)
    .bind(&user)
    .bind(role)
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO web_sessions (id_hash, user_id, created_at, last_seen_at, expires_at)
         VALUES (?, ?, ?, ?, ?)",
    )
    .bind(sha256_hex(&cookie))
    .bind(&user)
    .bind(now - last_seen_ago)
    .bind(now - last_seen_ago)
    .bind(now + expires_in)
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;
    cookie
}

#[tokio::test]
async fn sessions_end_when_idle_or_past_their_maximum_and_only_listed_origins_count() {
    let server = TestServer::start_with(|s| common::Settings {
        allowed_origins: Some(vec!["https://app.example".into(), "*".into()]),
        session_idle_s: Some(3600),
        ..s
    })
    .await;
    let w = |path: &str| server.http_url(path);
    let me = |cookie: String| {
        http()
            .get(w("/v1/me"))
            .header("cookie", format!("breakroom={cookie}"))
            .send()
    };
    let alive = seed_person(&server, "admin", 3500, 100).await;
    let idle = seed_person(&server, "admin", 3601, 100_000).await;
    let past_max = seed_person(&server, "admin", 0, -1).await;
    assert_eq!(me(alive.clone()).await.unwrap().status(), 200);
    assert_eq!(me(idle).await.unwrap().status(), 401);
    assert_eq!(me(past_max).await.unwrap().status(), 401);
    // Used just now: its idle clock started again (last_seen_at written, at most once a minute).
    let pool = sqlx::SqlitePool::connect(&format!(
        "sqlite://{}",
        server.dir.path().join("breakroom.db").display()
    ))
    .await
    .unwrap();
    let last_seen: i64 =
        sqlx::query_scalar("SELECT last_seen_at FROM web_sessions WHERE id_hash = ?")
            .bind(sha256_hex(&alive))
            .fetch_one(&pool)
            .await
            .unwrap();
    let created: i64 = sqlx::query_scalar("SELECT created_at FROM web_sessions WHERE id_hash = ?")
        .bind(sha256_hex(&alive))
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(
        last_seen >= created + 3500,
        "last_seen_at {last_seen}, created {created}"
    );
    pool.close().await;

    // A listed origin may act with the cookie; `*` lets no other site do so.
    let invite = |origin: &'static str| {
        http()
            .post(w("/v1/org/invitations"))
            .header("cookie", format!("breakroom={alive}"))
            .header("origin", origin)
            .json(&json!({}))
            .send()
    };
    assert_eq!(invite("https://app.example").await.unwrap().status(), 201);
    assert_eq!(invite("https://other.example").await.unwrap().status(), 403);
    // A socket opened with the cookie ends with its web session (4004), as a token's ends with
    // the token: the session below has 2 s left (and the server's 5 s of leeway).
    let ending = seed_person(&server, "admin", 0, 2).await;
    let mut req = server.ws_url().into_client_request().unwrap();
    let h = req.headers_mut();
    h.insert("sec-websocket-protocol", "breakroom.v1".parse().unwrap());
    h.insert("cookie", format!("breakroom={ending}").parse().unwrap());
    h.insert("origin", "https://app.example".parse().unwrap());
    let (ws, _) = tokio_tungstenite::connect_async(req).await.unwrap();
    let mut raw = Raw::from(ws);
    match raw.hello("").await {
        ServerMsg::Welcome { expires_at, .. } => {
            assert_eq!(
                expires_at, None,
                "no token to refresh on a cookie connection"
            )
        }
        other => panic!("{other:?}"),
    }
    let (code, _) = raw.closed().await.expect("closed by the server");
    assert_eq!(code, 4004);

    // A member is no admin.
    let member = seed_person(&server, "member", 0, 100).await;
    let response = http()
        .get(w("/v1/org/members"))
        .header("cookie", format!("breakroom={member}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
}

#[tokio::test]
async fn a_google_workspace_domain_is_an_organization_and_the_hosted_domain_restriction_holds() {
    let w = world().await;
    let login = |provider: &'static str, account: &'static str| {
        w.login(provider, "return_to=/host", CONTOSO, account)
    };
    let gwen = login("google", "gwen").await.cookie();
    let gus = login("google", "gus").await.cookie();
    let (gwen_me, gus_me) = (w.me(&gwen).await, w.me(&gus).await);
    assert_eq!(gwen_me["org"]["name"], "example.com");
    assert_eq!(gwen_me["org"], gus_me["org"]);
    assert_eq!(
        (&gwen_me["role"], &gus_me["role"]),
        (&json!("admin"), &json!("member"))
    );
    // A personal Google account (no `hd`): no organization of its own.
    let pat = login("google", "pat").await;
    assert_eq!(
        (pat.status, &pat.problem["type"]),
        (
            403,
            &json!("https://breakroom.dev/problems/no-organization")
        )
    );
    // With hosted_domain set, other accounts are refused outright.
    assert_eq!(login("google-corp", "gwen").await.status, 303);
    let refused = login("google-corp", "pat").await;
    assert_eq!(
        (refused.status, &refused.problem["type"]),
        (
            403,
            &json!("https://breakroom.dev/problems/organization-not-allowed")
        )
    );
}

#[tokio::test]
async fn a_provider_unreachable_at_start_is_tried_again_and_signs_people_in_once_up() {
    let mut w = world_with(false).await;
    // Breakroom is up; the provider's sign-in answers 503 meanwhile.
    let status = http()
        .get(w.url("/auth/login/microsoft"))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 503);
    assert_eq!(
        http().get(w.url("/healthz")).send().await.unwrap().status(),
        200
    );
    let breakroom_port = w.server.server.addr().port();
    w.provider = Some(
        start_provider(
            w.provider_port,
            &w.keys.path().join("keys.json"),
            breakroom_port,
        )
        .await,
    );
    // Discovery is tried again every second: within a few, the login starts.
    let mut tries = 0;
    loop {
        let status = http()
            .get(w.url("/auth/login/microsoft"))
            .send()
            .await
            .unwrap()
            .status();
        if status == 303 {
            break;
        }
        assert_eq!(status, 503);
        tries += 1;
        assert!(tries < 100, "the provider was not tried again within 10 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let ada = w.sign_in(CONTOSO, "ada").await;
    assert_eq!(w.me(&ada).await["name"], "Ada Lovelace");
}

#[tokio::test]
async fn with_no_provider_nobody_signs_in_and_dev_mode_offers_its_guest_sign_in() {
    let dev = TestServer::start_dev().await;
    let list: Value = http()
        .get(dev.http_url("/auth/providers"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list, json!({ "providers": [], "dev_guest": true }));
    let login = http()
        .get(dev.http_url("/auth/login/microsoft"))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 404);
    // No cookie, no token: nobody.
    let me = http().get(dev.http_url("/v1/me")).send().await.unwrap();
    assert_eq!(me.status(), 401);
}

#[tokio::test]
async fn a_provider_that_cannot_work_as_configured_stops_the_start_and_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-secret");
    let settings = common::Settings {
        oidc: Some(OidcSettings {
            providers: vec![ProviderConfig {
                id: "microsoft".into(),
                issuer: "http://127.0.0.1:9/common".into(),
                client_id: "breakroom".into(),
                client_secret: SecretSource::File(missing.clone()),
                redirect_uri: String::new(),
                name: None,
                scopes: vec![],
                preset: Preset::Generic,
            }],
            ..OidcSettings::default()
        }),
        ..common::settings(dir.path())
    };
    let config = breakroom::config::Config::resolve(settings, false).unwrap();
    let err = breakroom::server::Server::start(config).await.unwrap_err();
    let message = format!("{err:#}");
    assert!(message.contains("\"microsoft\""), "{message}");
    assert!(
        message.contains(&missing.display().to_string()),
        "{message}"
    );
}
