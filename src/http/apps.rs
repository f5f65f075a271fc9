//! `/v1/org/apps`: an organization's embedding apps, for its admins.
//!
//! An admin registers an app (a name, its browser origins, and an HS256 shared secret or an
//! ES256/EdDSA public key or JWKS URL), lists them, disables or enables one, and revokes one
//! of its tokens by id. Disabling an app, or revoking a token, closes the sockets it opened
//! with close code 4006 `revoked`. The shared secret is never served back.
//!
//! Who is an admin here: HTTP Basic with the server's API key (the default organization's
//! first app) acts as the default organization's admin; a bearer token of someone whose role
//! in their organization is admin acts as their organization's. Everyone else gets a 403; an
//! app of another organization is answered like one that does not exist (404).

use std::net::IpAddr;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use breakroom_protocol::close;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::access::Caller;
use super::{json_body, store_failed};
use crate::auth::{DEFAULT_ORG, OrgRole, Source, random_token, unix_seconds};
use crate::hub::Hub;
use crate::problem::Problem;
use crate::store::{AppAlg, AppKey, AppRecord};

/// Most origins an app may list.
const MAX_ORIGINS: usize = 16;
/// Shortest HS256 secret accepted, in bytes (the HMAC's own output size).
const MIN_SECRET: usize = 32;
/// Longest secret, PEM key or URL accepted, in bytes.
const MAX_KEY: usize = 4096;
/// Highest per-app limit.
const MAX_LIMIT: u32 = 1_000_000;

/// `POST /v1/org/apps` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct NewApp {
    /// A name for people (1 to 64 characters).
    name: String,
    /// The browser origins the app's pages are served from, e.g. `https://app.example`.
    #[serde(default)]
    origins: Vec<String>,
    /// The algorithm its tokens are signed with.
    alg: AppAlg,
    /// HS256: the shared secret (at least 32 bytes). Kept to verify tokens, never served back.
    #[serde(default)]
    secret: Option<String>,
    /// ES256 or EdDSA: the public key (PEM, `-----BEGIN PUBLIC KEY-----`).
    #[serde(default)]
    public_key_pem: Option<String>,
    /// ES256 or EdDSA: the URL of a JSON Web Key Set (https, or http on a loopback address);
    /// a token's `kid` picks its key.
    #[serde(default)]
    jwks_url: Option<String>,
    /// Most live connections at once (absent: no limit).
    #[serde(default)]
    max_connections: Option<u32>,
    /// Most live rooms created with its tokens at once (absent: no limit).
    #[serde(default)]
    max_rooms: Option<u32>,
}

/// An app as served: never its secret.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct AppView {
    /// The app's id: its tokens' `iss`.
    id: String,
    /// Its name.
    name: String,
    /// Its browser origins.
    origins: Vec<String>,
    /// The algorithm its tokens are signed with.
    alg: AppAlg,
    /// How its tokens are verified: `secret`, `public_key` or `jwks`.
    key: String,
    /// The public key, for a `public_key` app.
    #[serde(skip_serializing_if = "Option::is_none")]
    public_key_pem: Option<String>,
    /// The JWKS URL, for a `jwks` app.
    #[serde(skip_serializing_if = "Option::is_none")]
    jwks_url: Option<String>,
    /// Whether it is disabled (its tokens refused).
    disabled: bool,
    /// Most live connections at once, if limited.
    max_connections: Option<u32>,
    /// Most live rooms at once, if limited.
    max_rooms: Option<u32>,
    /// When it was registered, Unix seconds (0 for the server's API key).
    created_at: u64,
    /// True for the server's API key: set in the configuration, not changed over REST.
    config: bool,
}

impl From<&AppRecord> for AppView {
    fn from(app: &AppRecord) -> AppView {
        let (key, public_key_pem, jwks_url) = match &app.key {
            AppKey::Secret(_) => ("secret", None, None),
            AppKey::PublicKeyPem(pem) => ("public_key", Some(pem.clone()), None),
            AppKey::JwksUrl(url) => ("jwks", None, Some(url.clone())),
        };
        AppView {
            id: app.id.clone(),
            name: app.name.clone(),
            origins: app.origins.clone(),
            alg: app.alg,
            key: key.to_owned(),
            public_key_pem,
            jwks_url,
            disabled: app.disabled,
            max_connections: app.max_connections,
            max_rooms: app.max_rooms,
            created_at: app.created_at,
            config: false,
        }
    }
}

/// `GET /v1/org/apps` answer.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct AppList {
    /// The organization's apps, oldest first; in the default organization the server's API key
    /// comes first.
    apps: Vec<AppView>,
}

/// `PATCH /v1/org/apps/{id}` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct AppChange {
    /// Disable (true) or enable (false) the app. Disabling closes its connections.
    disabled: bool,
}

/// `POST /v1/org/apps/{id}/revocations` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct Revocation {
    /// The token's id (its `jti`).
    jti: String,
    /// The token's expiry (its `exp`, Unix seconds): the revocation is kept until then.
    exp: u64,
}

/// The organization the caller administers, or a 401/403 problem. A signed-in admin's request
/// that changes something needs this site's `Origin` (403 `foreign-origin`).
async fn admin_org(hub: &Hub, headers: &HeaderMap, changes_state: bool) -> Result<String, Problem> {
    match Caller::of(hub, headers).await {
        None => Err(Problem::unauthorized(
            "send the API key (HTTP Basic), or sign in as an admin",
        )),
        Some(Caller::ApiKey) => Ok(DEFAULT_ORG.to_owned()),
        Some(Caller::Token(p)) if p.org_role == Some(OrgRole::Admin) => Ok(p.org),
        Some(Caller::Cookie(p)) if p.org_role == Some(OrgRole::Admin) => {
            if changes_state {
                crate::auth::web_session::check_origin(hub, headers)?;
            }
            Ok(p.org)
        }
        Some(Caller::Token(_) | Caller::Cookie(_)) => Err(Problem::forbidden(
            "managing apps needs an admin of the organization",
        )),
    }
}

/// The server's API key as the default organization's first app.
fn api_key_view(hub: &Hub) -> AppView {
    AppView {
        id: hub.config.api_key.clone(),
        name: "API key (server configuration)".to_owned(),
        origins: hub.config.allowed_origins.clone(),
        alg: AppAlg::HS256,
        key: "secret".to_owned(),
        public_key_pem: None,
        jwks_url: None,
        disabled: false,
        max_connections: None,
        max_rooms: None,
        created_at: 0,
        config: true,
    }
}

fn no_app() -> Problem {
    Problem::not_found("no app with that id")
}

/// The app `id` of organization `org`; a 404 for any other.
async fn app_of(hub: &Hub, org: &str, id: &str) -> Result<AppRecord, Problem> {
    match hub.store.app(id).await.map_err(store_failed)? {
        Some(app) if app.org == org => Ok(app),
        _ => Err(no_app()),
    }
}

/// Whether a string is a browser origin: `scheme://host[:port]`, nothing after.
fn is_origin(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once("://") else {
        return false;
    };
    matches!(scheme, "https" | "http")
        && !rest.is_empty()
        && rest.len() <= 253
        && rest
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
}

/// Whether a JWKS URL may be fetched: https, or http to a loopback address (tests, a sidecar).
fn jwks_url_ok(url: &str) -> bool {
    let Ok(parsed) = openidconnect::url::Url::parse(url) else {
        return false;
    };
    match parsed.scheme() {
        "https" => parsed.host_str().is_some(),
        "http" => match parsed.host() {
            Some(openidconnect::url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
            Some(openidconnect::url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
            Some(openidconnect::url::Host::Domain(d)) => d == "localhost",
            None => false,
        },
        _ => false,
    }
}

/// Checks a registration and makes the app's key.
fn key_of(req: &NewApp) -> Result<AppKey, Problem> {
    let bad = |s: &str| Err(Problem::bad_request(s));
    let given = [&req.secret, &req.public_key_pem, &req.jwks_url];
    if given.iter().filter(|k| k.is_some()).count() != 1 {
        return bad("give exactly one of `secret`, `public_key_pem` and `jwks_url`");
    }
    if given
        .iter()
        .flat_map(|k| k.as_ref())
        .any(|k| k.len() > MAX_KEY)
    {
        return bad("the key is over 4096 bytes");
    }
    match (req.alg, &req.secret, &req.public_key_pem, &req.jwks_url) {
        (AppAlg::HS256, Some(secret), _, _) => {
            if secret.len() < MIN_SECRET {
                return bad("an HS256 secret needs at least 32 bytes");
            }
            Ok(AppKey::Secret(secret.clone()))
        }
        (AppAlg::HS256, _, _, _) => bad("HS256 apps give a `secret`"),
        (alg, None, Some(pem), None) => match crate::auth::apps::pem_key(alg, pem) {
            Some(_) => Ok(AppKey::PublicKeyPem(pem.clone())),
            None => bad("`public_key_pem` is not a PEM public key for this `alg`"),
        },
        (_, None, None, Some(url)) if jwks_url_ok(url) => Ok(AppKey::JwksUrl(url.clone())),
        (_, None, None, Some(_)) => {
            bad("`jwks_url` must be an https URL (or http on a loopback address)")
        }
        _ => bad("ES256 and EdDSA apps give a `public_key_pem` or a `jwks_url`, not a secret"),
    }
}

/// Registers an embedding app.
///
/// Its tokens then act in the caller's organization. The shared secret of an HS256 app is
/// kept to verify tokens and never served back.
#[utoipa::path(
    post,
    path = "/org/apps",
    tag = "apps",
    request_body(content = NewApp, content_type = "application/json"),
    security(("api_key" = []), ("cookie" = []), ("bearer" = [])),
    responses(
        (status = 201, description = "Registered", body = AppView),
        (status = 400, description = "Invalid JSON, name, origins, key or limits",
            body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid credentials",
            body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin of the organization",
            body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over 2 MB",
            body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "The store failed",
            body = Problem, content_type = "application/problem+json"),
    )
)]
pub(super) async fn create_app(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, Problem> {
    let org = admin_org(&hub, &headers, true).await?;
    let req: NewApp = json_body(&body)?;
    let name = req.name.trim();
    let name_ok = !name.is_empty()
        && name.chars().count() <= breakroom_protocol::validate::MAX_NAME
        && !name.chars().any(char::is_control);
    if !name_ok {
        return Err(Problem::bad_request(
            "`name` must be 1 to 64 printable characters",
        ));
    }
    if req.origins.len() > MAX_ORIGINS || !req.origins.iter().all(|o| is_origin(o)) {
        return Err(Problem::bad_request(
            "`origins` lists at most 16 origins like `https://app.example` (no path)",
        ));
    }
    let limits_ok = [req.max_connections, req.max_rooms]
        .iter()
        .flatten()
        .all(|&n| (1..=MAX_LIMIT).contains(&n));
    if !limits_ok {
        return Err(Problem::bad_request(
            "`max_connections` and `max_rooms` are between 1 and 1000000",
        ));
    }
    let key = key_of(&req)?;
    let app = AppRecord {
        id: format!("app_{}", random_token(12)),
        org,
        name: name.to_owned(),
        origins: req.origins.clone(),
        alg: req.alg,
        key,
        disabled: false,
        max_connections: req.max_connections,
        max_rooms: req.max_rooms,
        created_at: unix_seconds(),
    };
    hub.store.insert_app(&app).await.map_err(store_failed)?;
    tracing::info!(app = %app.id, org = %app.org, "embedding app registered");
    Ok((StatusCode::CREATED, Json(AppView::from(&app))).into_response())
}

/// The organization's embedding apps.
#[utoipa::path(
    get,
    path = "/org/apps",
    tag = "apps",
    security(("api_key" = []), ("cookie" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "The apps, oldest first", body = AppList),
        (status = 401, description = "No valid credentials",
            body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin of the organization",
            body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "The store failed",
            body = Problem, content_type = "application/problem+json"),
    )
)]
pub(super) async fn list_apps(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let org = admin_org(&hub, &headers, false).await?;
    let mut apps = Vec::new();
    if org == DEFAULT_ORG {
        apps.push(api_key_view(&hub));
    }
    let stored = hub.store.apps_of_org(&org).await.map_err(store_failed)?;
    apps.extend(stored.iter().map(AppView::from));
    Ok(Json(AppList { apps }).into_response())
}

/// Disables or enables an embedding app.
///
/// Disabling refuses its tokens from then on and closes the connections they opened, with
/// close code 4006 `revoked`.
#[utoipa::path(
    patch,
    path = "/org/apps/{id}",
    tag = "apps",
    params(("id" = String, Path, description = "The app's id")),
    request_body(content = AppChange, content_type = "application/json"),
    security(("api_key" = []), ("cookie" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "The app as it is now", body = AppView),
        (status = 400, description = "Invalid JSON, or the server's API key (set in its configuration)",
            body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid credentials",
            body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin of the organization",
            body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No app with that id in the organization",
            body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over 2 MB",
            body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "The store failed",
            body = Problem, content_type = "application/problem+json"),
    )
)]
pub(super) async fn change_app(
    State(hub): State<Arc<Hub>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, Problem> {
    let org = admin_org(&hub, &headers, true).await?;
    if org == DEFAULT_ORG && id == hub.config.api_key {
        return Err(Problem::bad_request(
            "the server's API key is set in its configuration",
        ));
    }
    let mut app = app_of(&hub, &org, &id).await?;
    let change: AppChange = json_body(&body)?;
    hub.store
        .set_app_disabled(&id, change.disabled)
        .await
        .map_err(store_failed)?;
    hub.apps.forget(&id);
    app.disabled = change.disabled;
    if change.disabled {
        let closed = hub.live.close_where(
            |p| matches!(&p.source, Source::App { app, .. } if *app == id),
            close::REVOKED,
            "revoked",
        );
        tracing::info!(app = %id, closed, "embedding app disabled");
    }
    Ok(Json(AppView::from(&app)).into_response())
}

/// Revokes one of an app's tokens by its id (`jti`).
///
/// The token is refused from then on, and the connections it opened are closed with close
/// code 4006 `revoked`. The revocation is kept until the token's `exp`.
#[utoipa::path(
    post,
    path = "/org/apps/{id}/revocations",
    tag = "apps",
    params(("id" = String, Path, description = "The app's id")),
    request_body(content = Revocation, content_type = "application/json"),
    security(("api_key" = []), ("cookie" = []), ("bearer" = [])),
    responses(
        (status = 204, description = "Revoked"),
        (status = 400, description = "Invalid JSON or token id",
            body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid credentials",
            body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin of the organization",
            body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No app with that id in the organization",
            body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over 2 MB",
            body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "The store failed",
            body = Problem, content_type = "application/problem+json"),
    )
)]
pub(super) async fn revoke_token(
    State(hub): State<Arc<Hub>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, Problem> {
    let org = admin_org(&hub, &headers, true).await?;
    app_of(&hub, &org, &id).await?;
    let rev: Revocation = json_body(&body)?;
    if rev.jti.is_empty() || rev.jti.len() > 128 || rev.jti.chars().any(char::is_control) {
        return Err(Problem::bad_request(
            "`jti` must be 1 to 128 printable bytes",
        ));
    }
    // An app's token lives 10 minutes at most: no revocation needs keeping longer.
    let now = unix_seconds();
    let until = rev
        .exp
        .min(now + crate::auth::apps::MAX_APP_TOKEN_LIFETIME_S + 60);
    hub.apps
        .revoke(&*hub.store, &id, &rev.jti, until, now)
        .await
        .map_err(store_failed)?;
    let closed = hub.live.close_where(
        |p| {
            matches!(&p.source, Source::App { app, jti: Some(jti) }
                if *app == id && *jti == rev.jti)
        },
        close::REVOKED,
        "revoked",
    );
    tracing::info!(app = %id, closed, "embedding app token revoked");
    Ok(StatusCode::NO_CONTENT.into_response())
}
