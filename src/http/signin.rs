//! Sign-in with OpenID Connect over HTTP: the providers' list, the login redirect, the
//! callback (a GET, or Apple's cross-site form POST), logout, and `GET /v1/me`.
//!
//! A login keeps its `return_to` and invitation on the server, keyed by `state`
//! ([`crate::auth::providers`]): the callback works from `state` alone, with no cookie, as
//! Apple's `form_post` needs. Each successful login makes a fresh web session (never reusing
//! one the browser brought: no session fixation) and answers 303 to `return_to`, which is only
//! ever a path of this site. Nothing logged holds a token, code, claim, name or email.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Json;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use openidconnect::url::form_urlencoded;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::oidc::{Callback, Identity, SignInError};
use crate::auth::providers::{Intent, Unavailable};
use crate::auth::web_session::{self, check_origin, principal_from_cookie};
use crate::auth::{OrgRole, Principal, Source};
use crate::hub::Hub;
use crate::problem::Problem;
use crate::store::{Admission, DerivedOrg, Person};

/// The OpenAPI name of the session-cookie scheme.
pub(super) const COOKIE: &str = "cookie";

/// Adds what the sign-in routes need in the OpenAPI document: the session cookie's security
/// scheme and the tags.
pub(super) fn document(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
    use utoipa::openapi::tag::TagBuilder;
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        COOKIE,
        SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
            web_session::PLAIN_COOKIE,
            "The web session cookie set by GET|POST /auth/callback/{provider}: `breakroom` \
             over plain HTTP, `__Host-breakroom` over TLS or behind a TLS-terminating proxy. \
             Requests that change state with it need this site's Origin.",
        ))),
    );
    let tags = doc.tags.get_or_insert_with(Vec::new);
    for (name, description) in [
        (
            "sign-in",
            "Sign-in with OpenID Connect, web sessions, who is signed in",
        ),
        (
            "organization",
            "The caller's organization: settings, members, invitations",
        ),
    ] {
        tags.push(
            TagBuilder::new()
                .name(name)
                .description(Some(description))
                .build(),
        );
    }
}

/// Longest `return_to` accepted.
const MAX_RETURN_TO: usize = 2048;

/// One provider people may sign in with.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct ProviderEntry {
    /// Its id, in `/auth/login/{id}` and `/auth/callback/{id}`.
    id: String,
    /// The name on its button.
    name: String,
    /// `entra`, `google`, `apple` or `generic`.
    kind: String,
}

/// `GET /auth/providers` answer.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct ProviderList {
    /// The configured providers, in order.
    providers: Vec<ProviderEntry>,
    /// Whether the one-click dev guest sign-in (`POST /v1/dev/token`, loopback only) is on.
    dev_guest: bool,
}

/// A role within an organization.
#[derive(ToSchema)]
#[schema(as = OrgRole)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)] // A schema only: `OrgRole` (in `auth`) is the type that is parsed.
pub(super) enum OrgRoleSchema {
    /// Joins rooms.
    Member,
    /// Hosts sessions.
    Facilitator,
    /// Manages the organization.
    Admin,
}

/// An organization, as its members see it.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct OrgRef {
    /// Its id.
    id: String,
    /// Its name.
    name: String,
}

/// `GET /v1/me` answer.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct Me {
    /// The user id.
    user: String,
    /// The display name.
    name: String,
    /// The verified email, for people who signed in with one.
    email: Option<String>,
    /// The language hint from the provider.
    language: Option<String>,
    /// The organization acted in.
    org: OrgRef,
    /// The role within it.
    #[schema(value_type = OrgRoleSchema)]
    role: OrgRole,
    /// Whether they may create rooms and host sessions.
    can_host: bool,
}

/// Who signed in: the bearer token if the request carries an `Authorization` header, else the
/// session cookie. A cookie on a request that changes state needs this site's `Origin` (403
/// `foreign-origin`). 401 without either, or when the session has ended.
pub(super) async fn signed_in(
    hub: &Hub,
    headers: &HeaderMap,
    changes_state: bool,
) -> Result<Principal, Problem> {
    if headers.contains_key(header::AUTHORIZATION) {
        return super::access::bearer(hub, headers).await;
    }
    if web_session::cookie_value(hub, headers).is_none() {
        return Err(Problem::unauthorized(
            "sign in first, or send `Authorization: Bearer <access token>`",
        ));
    }
    if changes_state {
        check_origin(hub, headers)?;
    }
    principal_from_cookie(hub, headers)
        .await
        .ok_or_else(|| Problem::unauthorized("the session has ended: sign in again"))
}

/// The providers people may sign in with.
///
/// One button each in the web app; `dev_guest` says whether the dev mode's one-click guest
/// sign-in is on.
#[utoipa::path(
    get,
    path = "/auth/providers",
    tag = "sign-in",
    responses((status = 200, description = "The providers", body = ProviderList))
)]
pub(super) async fn providers(
    State(hub): State<Arc<Hub>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
) -> Response {
    let providers = hub
        .providers
        .configs()
        .map(|c| ProviderEntry {
            id: c.id.clone(),
            name: c.display_name(),
            kind: c.kind().to_owned(),
        })
        .collect();
    Json(ProviderList {
        providers,
        // What POST /v1/dev/token answers: dev mode, and a client on loopback.
        dev_guest: hub.config.dev && peer.ip().is_loopback(),
    })
    .into_response()
}

/// A same-origin path to go to after the login, or `None`: it must start with one `/`, hold
/// no backslash (browsers read `/\evil` as `//evil`), no whitespace or control character
/// (browsers drop tabs and newlines: `/\t/evil` would become `//evil`), and no scheme.
fn safe_return_to(s: &str) -> Option<&str> {
    let ok = s.starts_with('/')
        && !s.starts_with("//")
        && s.len() <= MAX_RETURN_TO
        && !s.contains('\\')
        && !s.chars().any(|c| c.is_control() || c.is_whitespace());
    ok.then_some(s)
}

fn form(raw: &[u8]) -> HashMap<String, String> {
    form_urlencoded::parse(raw).into_owned().collect()
}

fn no_store(mut resp: Response) -> Response {
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

fn see_other(location: &str) -> Result<Response, Problem> {
    let location = HeaderValue::try_from(location).map_err(|_| Problem::internal())?;
    let mut resp = StatusCode::SEE_OTHER.into_response();
    resp.headers_mut().insert(header::LOCATION, location);
    Ok(no_store(resp))
}

fn unavailable(why: Unavailable) -> Problem {
    match why {
        Unavailable::Unknown => Problem::not_found("no sign-in provider with that id"),
        Unavailable::NotReached => Problem::unavailable(
            "this sign-in provider cannot be reached right now: try again in a minute",
        ),
    }
}

/// Starts a login: 303 to the provider.
///
/// `return_to` is where the browser goes once signed in: a path of this site (`/host`), never
/// another site. `invite` is an invitation token (from an invitation link): a person new here
/// joins the inviting organization with the invited role.
#[utoipa::path(
    get,
    path = "/auth/login/{provider}",
    tag = "sign-in",
    params(
        ("provider" = String, Path, description = "The provider's id (see GET /auth/providers)"),
        ("return_to" = Option<String>, Query, description = "A path of this site to go to once signed in [default: /]"),
        ("invite" = Option<String>, Query, description = "An invitation token"),
    ),
    responses(
        (status = 303, description = "To the provider's sign-in page",
            headers(("Location" = String, description = "The provider's authorization URL"))),
        (status = 400, description = "`return_to` is not a path of this site, or the invitation has expired, was used or was revoked",
            body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No provider with that id",
            body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "The store failed",
            body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The provider cannot be reached",
            body = Problem, content_type = "application/problem+json"),
    )
)]
pub(super) async fn login(
    State(hub): State<Arc<Hub>>,
    Path(provider): Path<String>,
    uri: Uri,
) -> Result<Response, Problem> {
    let query = form(uri.query().unwrap_or_default().as_bytes());
    let return_to = match query.get("return_to").map(String::as_str) {
        None | Some("") => "/",
        Some(r) => safe_return_to(r).ok_or_else(|| {
            Problem::bad_request("return_to must be a path of this site, such as /host")
        })?,
    };
    let signin = hub.providers.get(&provider).map_err(unavailable)?;
    let invite = query.get("invite").filter(|i| !i.is_empty()).cloned();
    if let Some(token) = &invite {
        let valid = hub
            .store
            .invitation(&web_session::hash(token), web_session::now_s())
            .await
            .map_err(|err| {
                tracing::error!(%err, "reading an invitation failed");
                Problem::internal()
            })?;
        if valid.is_none() {
            return Err(Problem::new(
                StatusCode::BAD_REQUEST,
                "invitation-invalid",
                "this invitation has expired, was used or was revoked: ask an admin for a new one",
            ));
        }
    }
    let auth = signin.begin().map_err(|err| {
        tracing::error!(provider = %provider, error = %err, "starting a sign-in failed");
        Problem::internal()
    })?;
    hub.providers.remember(
        auth.state,
        Intent {
            return_to: return_to.to_owned(),
            invite,
        },
    );
    see_other(&auth.url)
}

/// The provider's redirect back, with `state` and `code` (or `error`) in the query.
#[utoipa::path(
    get,
    path = "/auth/callback/{provider}",
    tag = "sign-in",
    params(
        ("provider" = String, Path, description = "The provider's id"),
        ("state" = Option<String>, Query, description = "The login's state"),
        ("code" = Option<String>, Query, description = "The authorization code"),
        ("error" = Option<String>, Query, description = "The provider's error code, when it refused"),
    ),
    responses(
        (status = 303, description = "Signed in: the session cookie is set; to `return_to`",
            headers(
                ("Location" = String, description = "The login's return_to"),
                ("Set-Cookie" = String, description = "The session cookie"),
            )),
        (status = 400, description = "An unknown, used or expired state, or a code or ID token that does not verify",
            body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The account is not part of an organization here (personal accounts need an invitation), or its tenant or domain is not allowed",
            body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No provider with that id",
            body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "The store failed",
            body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The provider cannot be reached",
            body = Problem, content_type = "application/problem+json"),
    )
)]
pub(super) async fn callback_get(
    State(hub): State<Arc<Hub>>,
    Path(provider): Path<String>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, Problem> {
    let params = form(uri.query().unwrap_or_default().as_bytes());
    callback(&hub, &provider, &headers, &params).await
}

/// Apple's `form_post` callback: the same fields in a form, POSTed cross-site (so no
/// SameSite=Lax cookie comes with it: `state` alone ties it to its login), plus Apple's `user`
/// field with the name on the first authorization.
#[utoipa::path(
    post,
    path = "/auth/callback/{provider}",
    tag = "sign-in",
    params(("provider" = String, Path, description = "The provider's id")),
    request_body(content = CallbackForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 303, description = "Signed in: the session cookie is set; to `return_to`",
            headers(
                ("Location" = String, description = "The login's return_to"),
                ("Set-Cookie" = String, description = "The session cookie"),
            )),
        (status = 400, description = "An unknown, used or expired state, or a code or ID token that does not verify",
            body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The account is not part of an organization here (personal accounts need an invitation), or its tenant or domain is not allowed",
            body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No provider with that id",
            body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over 2 MB",
            body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "The store failed",
            body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The provider cannot be reached",
            body = Problem, content_type = "application/problem+json"),
    )
)]
pub(super) async fn callback_post(
    State(hub): State<Arc<Hub>>,
    Path(provider): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, Problem> {
    let params = form(&body);
    callback(&hub, &provider, &headers, &params).await
}

/// The fields of a callback.
#[derive(ToSchema)]
#[allow(dead_code)] // A schema only: the form is read field by field.
pub(super) struct CallbackForm {
    /// The login's state.
    state: Option<String>,
    /// The authorization code.
    code: Option<String>,
    /// The provider's error code, when it refused.
    error: Option<String>,
    /// Apple: the name and email, on the first authorization only (JSON).
    user: Option<String>,
}

fn sign_in_problem(err: &SignInError) -> Problem {
    match err {
        SignInError::UnknownState => Problem::new(
            StatusCode::BAD_REQUEST,
            "sign-in-expired",
            "this sign-in has expired or was already used: start again",
        ),
        SignInError::TenantNotAllowed | SignInError::HostedDomainNotAllowed => Problem::new(
            StatusCode::FORBIDDEN,
            "organization-not-allowed",
            "accounts of your organization may not sign in here",
        ),
        SignInError::ProviderRefused(_) => Problem::new(
            StatusCode::BAD_REQUEST,
            "sign-in-refused",
            format!("the provider did not sign you in ({err}): start again"),
        ),
        // The errors hold no token, claim value or secret.
        other => Problem::new(
            StatusCode::BAD_REQUEST,
            "sign-in-failed",
            format!("the sign-in could not be verified ({other}): start again"),
        ),
    }
}

/// The organization a provider places the person in, if any.
fn derived_org<'a>(identity: &'a Identity, name: &'a str) -> Option<DerivedOrg<'a>> {
    let key = identity.org_key.as_deref()?;
    let source = key.split_once(':').map_or("entra", |(source, _)| source);
    Some(DerivedOrg {
        external_key: key,
        source,
        name,
    })
}

/// The name of an organization created for a tenant or a domain: the Google domain, or the
/// domain of the first member's verified email, else the tenant id.
fn derived_org_name(identity: &Identity) -> String {
    let Some(key) = identity.org_key.as_deref() else {
        return String::new();
    };
    if let Some(domain) = key.strip_prefix("google:") {
        return domain.to_owned();
    }
    identity
        .email
        .as_deref()
        .and_then(|e| e.rsplit_once('@'))
        .map(|(_, domain)| domain.to_ascii_lowercase())
        .unwrap_or_else(|| key.to_owned())
}

async fn callback(
    hub: &Hub,
    provider: &str,
    headers: &HeaderMap,
    params: &HashMap<String, String>,
) -> Result<Response, Problem> {
    let signin = hub.providers.get(provider).map_err(unavailable)?;
    let state = params.get("state").map(String::as_str).unwrap_or_default();
    let intent = hub.providers.take(state);
    let identity = signin
        .complete(Callback {
            state,
            code: params.get("code").map(String::as_str),
            error: params.get("error").map(String::as_str),
            user: params.get("user").map(String::as_str),
        })
        .await;
    let (identity, intent) = match (identity, intent) {
        (Ok(identity), Some(intent)) => (identity, intent),
        (Ok(_), None) => return Err(sign_in_problem(&SignInError::UnknownState)),
        (Err(err), _) => {
            tracing::info!(provider, error = %err, "sign-in refused");
            return Err(sign_in_problem(&err));
        }
    };
    let store_failed = |err: crate::store::StoreError| {
        tracing::error!(%err, "storing a sign-in failed");
        Problem::internal()
    };
    let org_name = derived_org_name(&identity);
    let invitation = intent.invite.as_deref().map(web_session::hash);
    let now = web_session::now_s();
    let admission = hub
        .store
        .admit(
            &Person {
                provider: &identity.provider,
                subject: &identity.subject,
                name: identity.name.as_deref(),
                email: identity.email.as_deref(),
                language: identity.language.as_deref(),
            },
            invitation.as_deref(),
            derived_org(&identity, &org_name).as_ref(),
            now,
        )
        .await
        .map_err(store_failed)?;
    let user = match admission {
        Admission::Known(user) | Admission::New(user) => user,
        Admission::NoOrganization => {
            tracing::info!(
                provider,
                "sign-in refused: no organization and no invitation"
            );
            return Err(Problem::new(
                StatusCode::FORBIDDEN,
                "no-organization",
                "your account is not part of an organization here: ask an admin for an \
                 invitation",
            ));
        }
    };
    // A fresh session at every login; one the browser brought along ends now.
    if let Some(old) = web_session::cookie_value(hub, headers) {
        hub.store
            .revoke_web_session(&web_session::hash(old))
            .await
            .map_err(store_failed)?;
    }
    let id = web_session::new_session_id();
    let max = i64::try_from(hub.config.session_max.as_secs()).unwrap_or(i64::MAX);
    hub.store
        .create_web_session(
            &web_session::hash(&id),
            &user.id,
            now,
            now.saturating_add(max),
        )
        .await
        .map_err(store_failed)?;
    tracing::info!(provider, user = %user.id, org = %user.org, "signed in");
    let mut resp = see_other(&intent.return_to)?;
    resp.headers_mut()
        .insert(header::SET_COOKIE, web_session::issue_cookie(hub, &id));
    Ok(resp)
}

/// Signs out: ends the web session, clears the cookie, and closes that session's WebSockets
/// with close code 4004 `signed out`.
///
/// With the cookie, the request needs this site's `Origin`. Without one, there is nothing to
/// end: 204 all the same.
#[utoipa::path(
    post,
    path = "/auth/logout",
    tag = "sign-in",
    security((), ("cookie" = [])),
    responses(
        (status = 204, description = "Signed out; the cookie is cleared",
            headers(("Set-Cookie" = String, description = "The cleared session cookie"))),
        (status = 403, description = "The cookie came with another site's Origin (or none)",
            body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "The store failed",
            body = Problem, content_type = "application/problem+json"),
    )
)]
pub(super) async fn logout(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    if let Some(value) = web_session::cookie_value(&hub, &headers) {
        check_origin(&hub, &headers)?;
        let session_hash = web_session::hash(value);
        hub.store
            .revoke_web_session(&session_hash)
            .await
            .map_err(|err| {
                tracing::error!(%err, "ending a web session failed");
                Problem::internal()
            })?;
        let source = Source::Cookie { session_hash };
        let closed = hub.live.close_where(
            |p| p.source == source,
            breakroom_protocol::close::SIGNED_OUT,
            "signed out",
        );
        tracing::info!(sockets = closed, "signed out");
    }
    let mut resp = StatusCode::NO_CONTENT.into_response();
    resp.headers_mut()
        .insert(header::SET_COOKIE, web_session::clear_cookie(&hub));
    Ok(no_store(resp))
}

/// Who is signed in: name, organization, role, and whether they may host.
///
/// Answers the session cookie and bearer tokens alike.
#[utoipa::path(
    get,
    path = "/me",
    tag = "sign-in",
    security(("cookie" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "The signed-in person", body = Me),
        (status = 401, description = "Not signed in",
            body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "The store failed",
            body = Problem, content_type = "application/problem+json"),
    )
)]
pub(super) async fn me(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let p = signed_in(&hub, &headers, false).await?;
    let failed = |err: crate::store::StoreError| {
        tracing::error!(%err, "reading a user failed");
        Problem::internal()
    };
    let (email, language) = match p.source {
        Source::Cookie { .. } => hub
            .store
            .user(&p.user)
            .await
            .map_err(failed)?
            .map(|u| (u.email, u.language))
            .unwrap_or_default(),
        _ => (None, None),
    };
    let org_name = hub
        .store
        .organization(&p.org)
        .await
        .map_err(failed)?
        .map_or_else(|| p.org.clone(), |o| o.name);
    let role = p.org_role.unwrap_or(if p.may_host() {
        OrgRole::Facilitator
    } else {
        OrgRole::Member
    });
    Ok(Json(Me {
        can_host: p.may_host(),
        user: p.user,
        name: p.name,
        email,
        language,
        org: OrgRef {
            id: p.org,
            name: org_name,
        },
        role,
    })
    .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn return_to_is_only_ever_a_path_of_this_site() {
        for ok in ["/", "/host", "/join/ABCD-EFGH?guest=x", "/a/b#c"] {
            assert_eq!(safe_return_to(ok), Some(ok), "{ok}");
        }
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "evil.example",
            "javascript:alert(1)",
            "",
            " /host",
        ] {
            assert_eq!(safe_return_to(bad), None, "{bad:?}");
        }
        assert_eq!(
            safe_return_to(&format!("/{}", "a".repeat(MAX_RETURN_TO))),
            None
        );
    }
}
