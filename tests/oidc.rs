//! Sign-in with OpenID Connect against a real OpenID Provider: `oidc-provider` 8.8.1 (OpenID
//! Certified) started from `tests/oidc-provider/provider.mjs` on 127.0.0.1, its development login
//! and consent pages driven over plain HTTP. `.ci/test` installs it (`npm ci` in that folder).
//!
//! Covered: the full code flow to an [`Identity`]; Apple-style `form_post`; an Entra-style
//! multi-tenant issuer template with two tenants and an allowlist; wrong and replayed
//! `state`; a replayed and a wrong `nonce`; a wrong PKCE verifier and a missing one; a token for
//! another client (`aud`); another issuer with the same keys (`iss`); an expired token; `alg:
//! none`; HS256 signed with the provider's public key; a tampered signature; an unknown key;
//! and key rotation (the provider restarted with new keys, breakroom not), with its rate limit.
#![allow(missing_docs, clippy::unwrap_used)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, SystemTime};

use base64::Engine as _;
use breakroom::auth::oidc::{
    Callback, Identity, KeyRefresh, Preset, ProviderConfig, SecretSource, SignIn, SignInError,
    SignInOptions,
};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

const REDIRECT: &str = "http://127.0.0.1:9/auth/callback/local";
const SECRET: &str = "test-client-secret-0123456789";

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oidc-provider")
}

/// A running oidc-provider, killed when dropped.
struct Provider {
    child: Child,
    port: u16,
}

impl Provider {
    /// Kills the provider and waits until it has exited (its port is free again).
    async fn stop(mut self) {
        self.child.kill().await.unwrap();
    }

    fn issuer(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn clients() -> Value {
    let client = |id: &str| {
        json!({
            "client_id": id, "client_secret": SECRET, "redirect_uris": [REDIRECT],
            "grant_types": ["authorization_code"], "response_types": ["code"],
        })
    };
    json!([client("breakroom"), client("other-app")])
}

fn accounts() -> Value {
    json!({
        "alice": { "name": "Alice Martin", "email": "alice@example.org", "email_verified": true, "locale": "fr-CH",
                   "picture": "https://example.org/alice.png" },
        "bob": { "name": "Bob", "email": "bob@example.org", "email_verified": false },
    })
}

/// Starts the provider on `port` with the keys in `keys` (made on first use), and waits until it
/// listens.
async fn start_provider(port: u16, keys: &Path) -> Provider {
    start_provider_with(port, keys, None).await
}

/// The same, multi-tenant in the manner of Entra's `common` endpoint when `tenants` (tenant id
/// -> accounts) is given: see `tests/oidc-provider/provider.mjs`.
async fn start_provider_with(port: u16, keys: &Path, tenants: Option<Value>) -> Provider {
    let dir = fixture_dir();
    assert!(
        dir.join("node_modules/oidc-provider/package.json").exists(),
        "oidc-provider is not installed in {}: run `bash .ci/test` (it runs `npm ci --prefix tests/oidc-provider`)",
        dir.display()
    );
    let mut command = Command::new("node");
    if let Some(tenants) = tenants {
        command.env("OIDC_TENANTS", tenants.to_string());
    }
    let mut child = command
        .arg("provider.mjs")
        .current_dir(&dir)
        .env("OIDC_PORT", port.to_string())
        .env("OIDC_CLIENTS", clients().to_string())
        .env("OIDC_ACCOUNTS", accounts().to_string())
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
    assert_eq!(
        ready,
        Some(format!("ready http://127.0.0.1:{port}")),
        "provider start"
    );
    // Keep reading: the provider writes notices later, and dies of EPIPE on a closed pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Provider { child, port }
}

fn config(provider: &Provider, client_id: &str, preset: Preset) -> ProviderConfig {
    ProviderConfig {
        id: "local".into(),
        issuer: provider.issuer(),
        client_id: client_id.into(),
        client_secret: SecretSource::Value(SECRET.into()),
        redirect_uri: REDIRECT.into(),
        name: None,
        scopes: vec!["profile".into(), "email".into()],
        preset,
    }
}

async fn sign_in_for(provider: &Provider, client_id: &str, options: SignInOptions) -> SignIn {
    SignIn::discover(config(provider, client_id, Preset::Generic), options)
        .await
        .unwrap()
}

/// A browser without JavaScript: keeps cookies, follows redirects by hand.
struct Browser {
    http: reqwest::Client,
    cookies: HashMap<String, String>,
}

/// The callback's parameters (from the redirect's query, or the form_post page's form).
type Params = HashMap<String, String>;

impl Browser {
    fn new() -> Browser {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Browser {
            http,
            cookies: HashMap::new(),
        }
    }

    fn keep_cookies(&mut self, response: &reqwest::Response) {
        for value in response.headers().get_all("set-cookie") {
            let pair = value.to_str().unwrap().split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            self.cookies.insert(name.trim().into(), value.into());
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// Signs `account` in at the provider, consents, and returns what reaches the callback.
    async fn login(&mut self, authorization_url: &str, account: &str) -> Params {
        let mut url = reqwest::Url::parse(authorization_url).unwrap();
        let mut form: Option<Vec<(String, String)>> = None;
        for _ in 0..20 {
            let request = match form.take() {
                Some(fields) => self.http.post(url.clone()).form(&fields),
                None => self.http.get(url.clone()),
            };
            let response = request
                .header("cookie", self.cookie_header())
                .send()
                .await
                .unwrap();
            self.keep_cookies(&response);
            let status = response.status();
            if status.is_redirection() {
                let location = response.headers()["location"].to_str().unwrap();
                let next = url.join(location).unwrap();
                if next.as_str().starts_with(REDIRECT) {
                    return next.query_pairs().into_owned().collect();
                }
                url = next;
                continue;
            }
            let body = response.text().await.unwrap();
            assert!(status.is_success(), "{status} at {url}: {body}");
            if body.contains(&format!("action=\"{REDIRECT}\"")) {
                return hidden_inputs(&body); // response_mode=form_post
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
        panic!("the login did not reach the callback");
    }
}

/// The value of `attr="…"` after the first `anchor` in `html`.
fn attribute_after(html: &str, anchor: &str, attr: &str) -> Option<String> {
    let rest = &html[html.find(anchor)?..];
    let start = rest.find(&format!("{attr}=\""))? + attr.len() + 2;
    let end = rest[start..].find('"')?;
    Some(rest[start..start + end].replace("&amp;", "&"))
}

/// The hidden inputs of a form_post page.
fn hidden_inputs(html: &str) -> Params {
    html.split("<input")
        .skip(1)
        .filter_map(|input| {
            let name = attribute_after(input, "", "name")?;
            let value = attribute_after(input, "", "value")?;
            Some((name, value))
        })
        .collect()
}

fn callback(params: &Params) -> Callback<'_> {
    Callback {
        state: params.get("state").map(String::as_str).unwrap_or_default(),
        code: params.get("code").map(String::as_str),
        error: params.get("error").map(String::as_str),
        user: params.get("user").map(String::as_str),
    }
}

/// A full login of `account`, to the identity.
async fn sign_in(sign_in: &SignIn, account: &str) -> Result<Identity, SignInError> {
    let auth = sign_in.begin().unwrap();
    let params = Browser::new().login(&auth.url, account).await;
    assert_eq!(params.get("state"), Some(&auth.state));
    sign_in.complete(callback(&params)).await
}

/// A login of `account` up to the raw ID token, and the nonce it must carry.
async fn id_token(sign_in: &SignIn, account: &str) -> (String, String) {
    let auth = sign_in.begin().unwrap();
    let params = Browser::new().login(&auth.url, account).await;
    let pending = sign_in.take_pending(&auth.state).unwrap();
    let token = sign_in
        .exchange_code(&pending, &params["code"])
        .await
        .unwrap();
    (token, pending.nonce().to_owned())
}

fn keys_file(dir: &tempfile::TempDir, name: &str) -> PathBuf {
    dir.path().join(name)
}

#[tokio::test]
async fn the_code_flow_gives_an_identity_with_only_verified_emails() {
    let dir = tempfile::tempdir().unwrap();
    let provider = start_provider(free_port(), &keys_file(&dir, "keys.json")).await;
    let signin = sign_in_for(&provider, "breakroom", SignInOptions::default()).await;

    let auth = signin.begin().unwrap();
    let url = reqwest::Url::parse(&auth.url).unwrap();
    let query: Params = url.query_pairs().into_owned().collect();
    assert_eq!(query["code_challenge_method"], "S256");
    assert!(query.contains_key("code_challenge") && query.contains_key("nonce"));
    assert_eq!(query["state"], auth.state);
    assert_eq!(query["scope"], "openid profile email");

    let alice = sign_in(&signin, "alice").await.unwrap();
    assert_eq!(
        alice,
        Identity {
            provider: "local".into(),
            subject: "alice".into(),
            name: Some("Alice Martin".into()),
            email: Some("alice@example.org".into()),
            language: Some("fr-CH".into()),
            org_key: None,
        }
    );
    // Bob's email is not verified: not kept.
    let bob = sign_in(&signin, "bob").await.unwrap();
    assert_eq!((bob.subject.as_str(), bob.email), ("bob", None));
}

#[tokio::test]
async fn apple_style_form_post_callbacks_are_protected_by_the_state_alone() {
    let dir = tempfile::tempdir().unwrap();
    let provider = start_provider(free_port(), &keys_file(&dir, "keys.json")).await;
    let signin = SignIn::discover(
        config(&provider, "breakroom", Preset::Apple),
        SignInOptions::default(),
    )
    .await
    .unwrap();
    let auth = signin.begin().unwrap();
    assert!(auth.url.contains("response_mode=form_post"), "{}", auth.url);
    // The browser POSTs the form cross-site: no breakroom cookie comes with it; the state does.
    let mut params = Browser::new().login(&auth.url, "alice").await;
    assert!(params.contains_key("code"), "{params:?}");
    params.insert(
        "user".into(),
        r#"{"name":{"firstName":"Alice","lastName":"M."}}"#.into(),
    );
    let forged = Params::from([
        ("state".into(), "forged".into()),
        ("code".into(), params["code"].clone()),
    ]);
    assert!(matches!(
        signin.complete(callback(&forged)).await,
        Err(SignInError::UnknownState)
    ));
    let identity = signin.complete(callback(&params)).await.unwrap();
    // The token's own name wins over the form field; the email is verified.
    assert_eq!(
        (identity.subject.as_str(), identity.name.as_deref()),
        ("alice", Some("Alice Martin"))
    );
    assert_eq!(identity.email.as_deref(), Some("alice@example.org"));
}

#[tokio::test]
async fn a_state_is_checked_and_works_once_and_a_nonce_is_accepted_once() {
    let dir = tempfile::tempdir().unwrap();
    let provider = start_provider(free_port(), &keys_file(&dir, "keys.json")).await;
    let signin = sign_in_for(&provider, "breakroom", SignInOptions::default()).await;

    let auth = signin.begin().unwrap();
    let params = Browser::new().login(&auth.url, "alice").await;
    let mut wrong = params.clone();
    wrong.insert("state".into(), "not-the-state".into());
    assert!(matches!(
        signin.complete(callback(&wrong)).await,
        Err(SignInError::UnknownState)
    ));
    signin.complete(callback(&params)).await.unwrap();
    let replay = signin.complete(callback(&params)).await;
    assert!(
        matches!(replay, Err(SignInError::UnknownState)),
        "{replay:?}"
    );

    // The same ID token twice: its nonce is accepted once. Another login's nonce: refused.
    let (token, nonce) = id_token(&signin, "alice").await;
    let other = signin.begin().unwrap();
    let other_nonce = signin
        .take_pending(&other.state)
        .unwrap()
        .nonce()
        .to_owned();
    assert!(matches!(
        signin.verify_id_token(&token, &other_nonce, None).await,
        Err(SignInError::WrongNonce)
    ));
    signin.verify_id_token(&token, &nonce, None).await.unwrap();
    let again = signin.verify_id_token(&token, &nonce, None).await;
    assert!(
        matches!(again, Err(SignInError::NonceReplayed)),
        "{again:?}"
    );
}

#[tokio::test]
async fn a_code_needs_its_own_pkce_verifier() {
    let dir = tempfile::tempdir().unwrap();
    let provider = start_provider(free_port(), &keys_file(&dir, "keys.json")).await;
    let signin = sign_in_for(&provider, "breakroom", SignInOptions::default()).await;

    // Login B's code with login A's verifier.
    let a = signin.begin().unwrap();
    let b = signin.begin().unwrap();
    let b_params = Browser::new().login(&b.url, "alice").await;
    let a_pending = signin.take_pending(&a.state).unwrap();
    let wrong = signin.exchange_code(&a_pending, &b_params["code"]).await;
    assert!(
        matches!(&wrong, Err(SignInError::CodeExchange(e)) if e == "invalid_grant"),
        "{wrong:?}"
    );

    // Without a verifier at all, the provider refuses the code too.
    let c = signin.begin().unwrap();
    let c_params = Browser::new().login(&c.url, "alice").await;
    let response = reqwest::Client::new()
        .post(format!("{}/token", provider.issuer()))
        .basic_auth("breakroom", Some(SECRET))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &c_params["code"]),
            ("redirect_uri", REDIRECT),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "invalid_grant", "{body}");
}

#[tokio::test]
async fn tokens_for_another_client_another_issuer_or_past_their_expiry_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let keys = keys_file(&dir, "keys.json");
    let provider = start_provider(free_port(), &keys).await;
    // A second provider with the same keys: only the issuer differs.
    let twin = start_provider(free_port(), &keys).await;
    let signin = sign_in_for(&provider, "breakroom", SignInOptions::default()).await;

    let other_app = sign_in_for(&provider, "other-app", SignInOptions::default()).await;
    let (token, nonce) = id_token(&other_app, "alice").await;
    let err = signin.verify_id_token(&token, &nonce, None).await;
    assert!(matches!(err, Err(SignInError::WrongAudience)), "{err:?}");

    let twin_signin = sign_in_for(&twin, "breakroom", SignInOptions::default()).await;
    let (token, nonce) = id_token(&twin_signin, "alice").await;
    let err = signin.verify_id_token(&token, &nonce, None).await;
    assert!(matches!(err, Err(SignInError::WrongIssuer)), "{err:?}");

    let (token, nonce) = id_token(&signin, "alice").await;
    let later = SystemTime::now() + Duration::from_secs(24 * 3600);
    let err = signin.verify_id_token_at(&token, &nonce, None, later).await;
    assert!(matches!(err, Err(SignInError::TokenExpired)), "{err:?}");
    // The refusals used no nonce: the token still verifies now.
    signin.verify_id_token(&token, &nonce, None).await.unwrap();
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn json_part(part: &str) -> Value {
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(part)
            .unwrap(),
    )
    .unwrap()
}

#[tokio::test]
async fn forged_tokens_are_refused_alg_none_hs256_with_the_public_key_and_tampered_signatures() {
    let dir = tempfile::tempdir().unwrap();
    let provider = start_provider(free_port(), &keys_file(&dir, "keys.json")).await;
    let signin = sign_in_for(&provider, "breakroom", SignInOptions::default()).await;
    let (token, nonce) = id_token(&signin, "alice").await;
    let parts: Vec<&str> = token.split('.').collect();
    let header = json_part(parts[0]);
    let mut claims = json_part(parts[1]);

    // alg: none, no signature.
    let none = format!(
        "{}.{}.",
        b64(json!({"alg": "none", "typ": "JWT"}).to_string().as_bytes()),
        parts[1]
    );
    let err = signin.verify_id_token(&none, &nonce, None).await;
    assert!(
        matches!(err, Err(SignInError::DisallowedAlgorithm(_))),
        "{err:?}"
    );

    // HS256 with the provider's public key (its JWKS entry) as the shared secret.
    let jwks: Value = reqwest::get(format!("{}/jwks", provider.issuer()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let public_key = jwks["keys"][0].to_string();
    let mut hs_header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    hs_header.kid = header["kid"].as_str().map(str::to_owned);
    let hs256 = jsonwebtoken::encode(
        &hs_header,
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(public_key.as_bytes()),
    )
    .unwrap();
    let err = signin.verify_id_token(&hs256, &nonce, None).await;
    assert!(
        matches!(err, Err(SignInError::DisallowedAlgorithm(_))),
        "{err:?}"
    );

    // A changed claim under the original signature.
    claims["sub"] = json!("mallory");
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        b64(claims.to_string().as_bytes()),
        parts[2]
    );
    let err = signin.verify_id_token(&tampered, &nonce, None).await;
    assert!(matches!(err, Err(SignInError::BadSignature(_))), "{err:?}");

    // Refusals may be logged: none shows a token part or a claim value.
    for forged in [&none, &hs256, &tampered] {
        let message = signin
            .verify_id_token(forged, &nonce, None)
            .await
            .unwrap_err()
            .to_string();
        for secret in parts
            .iter()
            .chain(&[nonce.as_str(), "alice@example.org", "Alice Martin"])
        {
            assert!(!message.contains(*secret), "{message}");
        }
    }

    // The genuine token still passes (every refusal above was the forgery's).
    assert_eq!(
        signin
            .verify_id_token(&token, &nonce, None)
            .await
            .unwrap()
            .subject,
        "alice"
    );
}

#[tokio::test]
async fn a_provider_rotating_its_keys_needs_no_restart_and_unknown_kids_are_rate_limited() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let provider = start_provider(port, &keys_file(&dir, "old.json")).await;
    let eager = SignInOptions {
        keys: KeyRefresh {
            min_interval: Duration::ZERO,
            ..KeyRefresh::default()
        },
        ..SignInOptions::default()
    };
    let signin = sign_in_for(&provider, "breakroom", eager).await;
    // The default policy: no refetch within 30 s of the last fetch.
    let limited = sign_in_for(&provider, "breakroom", SignInOptions::default()).await;
    assert_eq!(sign_in(&signin, "alice").await.unwrap().subject, "alice");

    // A token signed by a key the provider never had (another provider's): unknown key, even
    // after refetching.
    let stranger = start_provider(free_port(), &keys_file(&dir, "stranger.json")).await;
    let stranger_signin = sign_in_for(&stranger, "breakroom", SignInOptions::default()).await;
    let (foreign, nonce) = id_token(&stranger_signin, "alice").await;
    let err = signin.verify_id_token(&foreign, &nonce, None).await;
    assert!(matches!(err, Err(SignInError::UnknownKey)), "{err:?}");

    // Restart the provider with new keys on the same port.
    provider.stop().await;
    let provider = start_provider(port, &keys_file(&dir, "new.json")).await;
    let identity = sign_in(&signin, "alice").await.unwrap();
    assert_eq!(identity.subject, "alice");
    let err = sign_in(&limited, "alice").await;
    assert!(matches!(err, Err(SignInError::UnknownKey)), "{err:?}");
    provider.stop().await;
}

#[tokio::test]
async fn entra_style_multi_tenant_issuers_follow_the_template_and_the_tenant_allowlist() {
    let dir = tempfile::tempdir().unwrap();
    let tenants = json!({
        "tenant-a": { "ada": { "name": "Ada", "email": "ada@a.example", "email_verified": true } },
        "tenant-b": { "ada": { "name": "Ada B", "email": "ada@b.example" } },
    });
    let provider =
        start_provider_with(free_port(), &keys_file(&dir, "keys.json"), Some(tenants)).await;
    let entra = |allowed_tenants: Option<Vec<String>>| {
        let mut config = config(&provider, "breakroom", Preset::Entra { allowed_tenants });
        config.issuer = format!("{}/common", provider.issuer());
        config
    };
    let open = SignIn::discover(entra(None), SignInOptions::default())
        .await
        .unwrap();
    let only_a = SignIn::discover(
        entra(Some(vec!["tenant-a".into()])),
        SignInOptions::default(),
    )
    .await
    .unwrap();
    // Each user signs in at their own tenant (Entra finds it from the account; here `domain_hint`).
    let sign_in_at = |signin: &SignIn, tenant: &str| {
        let auth = signin.begin().unwrap();
        let url = format!("{}&domain_hint={tenant}", auth.url);
        async move { Browser::new().login(&url, "ada").await }
    };

    // The same login name in two tenants: two users, keyed on tid:oid.
    let a = open
        .complete(callback(&sign_in_at(&open, "tenant-a").await))
        .await
        .unwrap();
    let b = open
        .complete(callback(&sign_in_at(&open, "tenant-b").await))
        .await
        .unwrap();
    assert_eq!(
        (a.subject.as_str(), a.email.as_deref()),
        ("tenant-a:oid-ada", Some("ada@a.example"))
    );
    assert_eq!(
        (b.subject.as_str(), b.email.as_deref()),
        ("tenant-b:oid-ada", None)
    );

    assert_eq!(
        only_a
            .complete(callback(&sign_in_at(&only_a, "tenant-a").await))
            .await
            .unwrap()
            .subject,
        "tenant-a:oid-ada"
    );
    let err = only_a
        .complete(callback(&sign_in_at(&only_a, "tenant-b").await))
        .await;
    assert!(matches!(err, Err(SignInError::TenantNotAllowed)), "{err:?}");

    // A generic provider with the same issuer is refused at discovery: only Entra has a template.
    let mut generic = entra(None);
    generic.preset = Preset::Generic;
    let err = SignIn::discover(generic, SignInOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(err, SignInError::IssuerMismatch { .. }), "{err:?}");
}

#[tokio::test]
async fn the_issuer_must_match_exactly_at_discovery() {
    let dir = tempfile::tempdir().unwrap();
    let provider = start_provider(free_port(), &keys_file(&dir, "keys.json")).await;
    let mut with_slash = config(&provider, "breakroom", Preset::Generic);
    with_slash.issuer.push('/');
    let err = SignIn::discover(with_slash, SignInOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(err, SignInError::IssuerMismatch { .. }), "{err:?}");
}
