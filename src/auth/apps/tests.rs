//! Verification of app tokens against a real SQLite store, and JWKS keys served over HTTP by
//! a local server.

use std::sync::atomic::{AtomicUsize, Ordering};

use base64::Engine as _;
use jsonwebtoken::{EncodingKey, Header};

use super::*;
use crate::store::{AppStore as _, SqliteStore};

const NOW: u64 = 1_800_000_000;
const SECRET: &str = "an-app-secret-an-app-secret-0123";

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

struct Fixture {
    store: SqliteStore,
    registry: AppRegistry,
    _dir: tempfile::TempDir,
}

impl Fixture {
    async fn new(refresh: KeyRefresh) -> Fixture {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("sqlite://{}", dir.path().join("db.sqlite").display());
        let store = SqliteStore::open(&url).await.expect("open");
        Fixture {
            store,
            registry: AppRegistry::new(refresh),
            _dir: dir,
        }
    }

    async fn add(&self, id: &str, org: &str, alg: AppAlg, key: AppKey) {
        let app = AppRecord {
            id: id.into(),
            org: org.into(),
            name: id.into(),
            origins: Vec::new(),
            alg,
            key,
            disabled: false,
            max_connections: None,
            max_rooms: None,
            created_at: NOW,
        };
        self.store.insert_app(&app).await.expect("insert");
    }

    async fn verdict(&self, token: &str) -> &'static str {
        match self.registry.verify(&self.store, token, NOW).await {
            Ok(_) => "ok",
            Err(TokenError::Expired) => "expired",
            Err(TokenError::Invalid) => "invalid",
            Err(TokenError::Revoked) => "revoked",
        }
    }
}

fn claims(iss: &str) -> AppClaims {
    AppClaims {
        iss: iss.into(),
        sub: "user-7".into(),
        name: "Pat".into(),
        jti: "jti-1".into(),
        iat: NOW,
        exp: NOW + 300,
        room: None,
        role: TokenRole::Participant,
        grants: Some(Grants {
            pose: false,
            score: true,
            control: false,
            hidden: false,
        }),
    }
}

fn sign(alg: Algorithm, kid: Option<&str>, key: &EncodingKey, claims: &AppClaims) -> String {
    let mut header = Header::new(alg);
    header.kid = kid.map(str::to_owned);
    jsonwebtoken::encode(&header, claims, key).expect("signed")
}

fn hs(claims: &AppClaims) -> String {
    sign(
        Algorithm::HS256,
        None,
        &EncodingKey::from_secret(SECRET.as_bytes()),
        claims,
    )
}

#[tokio::test]
async fn an_hs256_token_acts_in_its_apps_organization_with_its_grants() {
    let f = Fixture::new(KeyRefresh::default()).await;
    f.add(
        "app_h",
        "default",
        AppAlg::HS256,
        AppKey::Secret(SECRET.into()),
    )
    .await;
    let token = hs(&claims("app_h"));
    let p = f
        .registry
        .verify(&f.store, &token, NOW)
        .await
        .expect("valid");
    assert_eq!(
        (p.user.as_str(), p.org.as_str(), p.role, p.expires_at),
        (
            "app:app_h:user-7",
            "default",
            TokenRole::Participant,
            Some(NOW + 300)
        )
    );
    assert_eq!((p.grants.pose, p.grants.score), (false, true));
    assert_eq!(
        p.source,
        Source::App {
            app: "app_h".into(),
            jti: Some("jti-1".into())
        }
    );
}

/// Every rule of the module's documentation, one case each.
#[tokio::test]
async fn tokens_breaking_a_rule_are_refused() {
    let f = Fixture::new(KeyRefresh::default()).await;
    f.add(
        "app_h",
        "default",
        AppAlg::HS256,
        AppKey::Secret(SECRET.into()),
    )
    .await;
    let ec = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("key");
    f.add(
        "app_e",
        "default",
        AppAlg::ES256,
        AppKey::PublicKeyPem(ec.public_key_pem()),
    )
    .await;
    let ec_key = EncodingKey::from_ec_pem(ec.serialize_pem().as_bytes()).expect("ec");
    let good_es = sign(Algorithm::ES256, None, &ec_key, &claims("app_e"));
    assert_eq!(f.verdict(&good_es).await, "ok");

    let with = |edit: &dyn Fn(&mut AppClaims)| {
        let mut c = claims("app_h");
        edit(&mut c);
        hs(&c)
    };
    // `alg: none`: a header and claims, no signature.
    let none = format!(
        "{}.{}.",
        b64(br#"{"alg":"none","typ":"JWT"}"#),
        b64(&serde_json::to_vec(&claims("app_h")).expect("json"))
    );
    // HS256 "signed" with the ES256 app's public key as the secret.
    let public_as_secret = sign(
        Algorithm::HS256,
        None,
        &EncodingKey::from_secret(ec.public_key_pem().as_bytes()),
        &claims("app_e"),
    );
    // A valid token whose claims were changed after signing.
    let good = hs(&claims("app_h"));
    let mut parts: Vec<String> = good.split('.').map(str::to_owned).collect();
    let mut forged = claims("app_h");
    forged.role = TokenRole::Facilitator;
    parts[1] = b64(&serde_json::to_vec(&forged).expect("json"));
    let tampered = parts.join(".");
    let no_jti = {
        let mut c = serde_json::to_value(claims("app_h")).expect("json");
        c.as_object_mut().expect("map").remove("jti");
        jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &c,
            &EncodingKey::from_secret(SECRET.as_bytes()),
        )
        .expect("signed")
    };
    let cases: Vec<(&str, String, &str)> = vec![
        ("valid", good.clone(), "ok"),
        ("alg none", none, "invalid"),
        ("HS256 with the public key", public_as_secret, "invalid"),
        ("tampered claims", tampered, "invalid"),
        (
            "unknown iss",
            with(&|c| c.iss = "app_nope".into()),
            "invalid",
        ),
        ("no jti", no_jti, "invalid"),
        ("empty sub", with(&|c| c.sub = String::new()), "invalid"),
        ("lifetime 601 s", with(&|c| c.exp = c.iat + 601), "invalid"),
        ("lifetime 600 s", with(&|c| c.exp = c.iat + 600), "ok"),
        (
            "issued in the future",
            with(&|c| {
                c.iat = NOW + 60;
                c.exp = NOW + 120;
            }),
            "invalid",
        ),
        (
            "expired",
            with(&|c| {
                c.iat = NOW - 400;
                c.exp = NOW - 100;
            }),
            "expired",
        ),
        (
            "within the leeway",
            with(&|c| {
                c.iat = NOW - 400;
                c.exp = NOW - LEEWAY_S;
            }),
            "ok",
        ),
        (
            "wrong secret",
            sign(
                Algorithm::HS256,
                None,
                &EncodingKey::from_secret(b"another-secret-another-secret-00"),
                &claims("app_h"),
            ),
            "invalid",
        ),
        (
            "ES256 key, HS256 app",
            sign(Algorithm::ES256, None, &ec_key, &claims("app_h")),
            "invalid",
        ),
    ];
    for (what, token, want) in cases {
        assert_eq!(f.verdict(&token).await, want, "{what}");
    }

    // Revoked by its id; then the whole app disabled.
    f.registry
        .revoke(&f.store, "app_h", "jti-1", NOW + 300, NOW)
        .await
        .expect("revoke");
    assert_eq!(f.verdict(&good).await, "revoked");
    let other_jti = with(&|c| c.jti = "jti-2".into());
    assert_eq!(f.verdict(&other_jti).await, "ok");
    f.store
        .set_app_disabled("app_h", true)
        .await
        .expect("disable");
    assert_eq!(f.verdict(&other_jti).await, "ok", "cached until forgotten");
    f.registry.forget("app_h");
    assert_eq!(f.verdict(&other_jti).await, "revoked");
}

/// A JWKS document served by a local HTTP server, counting its fetches.
struct JwksServer {
    url: String,
    doc: Arc<Mutex<serde_json::Value>>,
    fetches: Arc<AtomicUsize>,
}

impl JwksServer {
    async fn start(doc: serde_json::Value) -> JwksServer {
        let doc = Arc::new(Mutex::new(doc));
        let fetches = Arc::new(AtomicUsize::new(0));
        let (d, n) = (doc.clone(), fetches.clone());
        let app = axum::Router::new().route(
            "/jwks.json",
            axum::routing::get(move || {
                let (d, n) = (d.clone(), n.clone());
                async move {
                    n.fetch_add(1, Ordering::SeqCst);
                    let doc = d.lock().expect("lock").clone();
                    axum::Json(doc)
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        JwksServer {
            url: format!("http://{addr}/jwks.json"),
            doc,
            fetches,
        }
    }

    fn fetches(&self) -> usize {
        self.fetches.load(Ordering::SeqCst)
    }
}

fn ed_jwk(key: &rcgen::KeyPair, kid: &str) -> serde_json::Value {
    serde_json::json!({
        "kty": "OKP", "crv": "Ed25519", "x": b64(key.public_key_raw()),
        "kid": kid, "use": "sig", "alg": "EdDSA"
    })
}

/// An EdDSA app with a JWKS URL: keys are fetched once, a new `kid` makes a refetch unless one
/// happened within the minimum interval.
#[tokio::test]
async fn jwks_keys_are_fetched_cached_and_refetched_on_an_unknown_kid_at_most_once_per_interval() {
    let k1 = rcgen::KeyPair::generate_for(&rcgen::PKCS_ED25519).expect("key");
    let k2 = rcgen::KeyPair::generate_for(&rcgen::PKCS_ED25519).expect("key");
    let server = JwksServer::start(serde_json::json!({ "keys": [ed_jwk(&k1, "k1")] })).await;
    let signed = |key: &rcgen::KeyPair, kid: &str| {
        let enc = EncodingKey::from_ed_pem(key.serialize_pem().as_bytes()).expect("ed");
        sign(Algorithm::EdDSA, Some(kid), &enc, &claims("app_j"))
    };

    // Rate-limited: a rotation is only seen after the interval.
    let slow = Fixture::new(KeyRefresh {
        max_age: Duration::from_secs(3600),
        min_interval: Duration::from_secs(3600),
    })
    .await;
    slow.add(
        "app_j",
        "default",
        AppAlg::EdDSA,
        AppKey::JwksUrl(server.url.clone()),
    )
    .await;
    assert_eq!(slow.verdict(&signed(&k1, "k1")).await, "ok");
    assert_eq!(slow.verdict(&signed(&k1, "k1")).await, "ok");
    assert_eq!(server.fetches(), 1, "fetched once, then cached");
    *server.doc.lock().expect("lock") = serde_json::json!({ "keys": [ed_jwk(&k2, "k2")] });
    assert_eq!(slow.verdict(&signed(&k2, "k2")).await, "invalid");
    assert_eq!(slow.verdict(&signed(&k2, "forged-kid")).await, "invalid");
    assert_eq!(server.fetches(), 1, "no refetch within the interval");
    // A key signed by k1 but naming k2's id fails the signature.
    assert_eq!(slow.verdict(&signed(&k1, "k2")).await, "invalid");

    // Without a minimum interval, the unknown kid makes one refetch and the new key works.
    let quick = Fixture::new(KeyRefresh {
        max_age: Duration::from_secs(3600),
        min_interval: Duration::ZERO,
    })
    .await;
    quick
        .add(
            "app_j",
            "default",
            AppAlg::EdDSA,
            AppKey::JwksUrl(server.url.clone()),
        )
        .await;
    assert_eq!(quick.verdict(&signed(&k2, "k2")).await, "ok");
    assert_eq!(server.fetches(), 2);
    assert_eq!(quick.verdict(&signed(&k2, "k2")).await, "ok");
    assert_eq!(server.fetches(), 2, "a known kid fetches nothing");
}

/// Revocations made before the server started (kept in the store) still hold.
#[tokio::test]
async fn revocations_in_the_store_hold_after_a_restart() {
    let f = Fixture::new(KeyRefresh::default()).await;
    f.add(
        "app_h",
        "default",
        AppAlg::HS256,
        AppKey::Secret(SECRET.into()),
    )
    .await;
    f.store
        .revoke_token("app_h", "jti-1", NOW + 300, NOW)
        .await
        .expect("revoke");
    assert_eq!(f.verdict(&hs(&claims("app_h"))).await, "revoked");
    let mut other = claims("app_h");
    other.jti = "jti-2".into();
    assert_eq!(f.verdict(&hs(&other)).await, "ok");
}
