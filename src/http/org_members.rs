//! `/v1/org`, its members and invitations: what an organization's admins manage. Everyone
//! signed in reads their organization's settings; the rest is for admins (403 for others).
//! Changes signed in with the cookie need this site's `Origin`.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::signin::{OrgRoleSchema, signed_in};
use super::{json_body, store_failed};
use crate::auth::web_session;
use crate::auth::{OrgRole, Principal};
use crate::hub::Hub;
use crate::problem::Problem;
use crate::store::{Facilitators, Invitation};

/// Shortest invitation lifetime, in seconds.
const MIN_INVITATION_TTL_S: u64 = 60;
/// Longest invitation lifetime, in seconds: 30 days.
const MAX_INVITATION_TTL_S: u64 = 30 * 24 * 3600;
/// Invitation lifetime when none is asked for: 7 days.
const DEFAULT_INVITATION_TTL_S: u64 = 7 * 24 * 3600;

/// The caller, if they are an admin of their organization (403 otherwise).
async fn admin(hub: &Hub, headers: &HeaderMap, changes_state: bool) -> Result<Principal, Problem> {
    let p = signed_in(hub, headers, changes_state).await?;
    if p.org_role != Some(OrgRole::Admin) {
        return Err(Problem::forbidden(
            "only an admin of the organization may do this",
        ));
    }
    Ok(p)
}

/// An organization's settings.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct OrgInfo {
    /// Its id.
    id: String,
    /// Its name.
    name: String,
    /// Who may host: `all` members, or only those `listed` as facilitators or admins.
    facilitators: Facilitators,
}

/// `PATCH /v1/org` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct OrgPatch {
    /// Who may host.
    facilitators: Facilitators,
}

async fn org_info(hub: &Hub, org: &str) -> Result<OrgInfo, Problem> {
    let o = hub
        .store
        .organization(org)
        .await
        .map_err(store_failed)?
        .ok_or_else(|| Problem::not_found("no such organization"))?;
    Ok(OrgInfo {
        id: o.id,
        name: o.name,
        facilitators: o.facilitators,
    })
}

/// The caller's organization: its name and who may host.
#[utoipa::path(
    get,
    path = "/org",
    tag = "organization",
    security(("cookie" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "The organization", body = OrgInfo),
        (status = 401, description = "Not signed in",
            body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "The caller's organization is not in the store",
            body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "The store failed",
            body = Problem, content_type = "application/problem+json"),
    )
)]
pub(super) async fn get_org(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let p = signed_in(&hub, &headers, false).await?;
    Ok(Json(org_info(&hub, &p.org).await?).into_response())
}

/// Sets who may host in the organization (admins).
#[utoipa::path(
    patch,
    path = "/org",
    tag = "organization",
    request_body(content = OrgPatch, content_type = "application/json"),
    security(("cookie" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "The organization, changed", body = OrgInfo),
        (status = 400, description = "Invalid JSON",
            body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in",
            body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin, or the cookie came with another site's Origin",
            body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "The caller's organization is not in the store",
            body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over 2 MB",
            body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "The store failed",
            body = Problem, content_type = "application/problem+json"),
    )
)]
pub(super) async fn patch_org(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, Problem> {
    let p = admin(&hub, &headers, true).await?;
    let patch: OrgPatch = json_body(&body)?;
    hub.store
        .set_facilitators(&p.org, patch.facilitators)
        .await
        .map_err(store_failed)?;
    Ok(Json(org_info(&hub, &p.org).await?).into_response())
}

/// A member of an organization, as its admins see them (no email).
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct Member {
    /// The user id.
    user: String,
    /// The display name.
    name: String,
    /// The role.
    #[schema(value_type = OrgRoleSchema)]
    role: OrgRole,
}

/// `GET /v1/org/members` answer.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct MemberList {
    /// The members, by name.
    members: Vec<Member>,
}

/// `PATCH /v1/org/members/{user}` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct MemberPatch {
    /// The new role.
    #[schema(value_type = OrgRoleSchema)]
    role: OrgRole,
}

/// The organization's members (admins).
#[utoipa::path(
    get,
    path = "/org/members",
    tag = "organization",
    security(("cookie" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "The members", body = MemberList),
        (status = 401, description = "Not signed in",
            body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin",
            body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "The store failed",
            body = Problem, content_type = "application/problem+json"),
    )
)]
pub(super) async fn members(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let p = admin(&hub, &headers, false).await?;
    let members = hub
        .store
        .members(&p.org)
        .await
        .map_err(store_failed)?
        .into_iter()
        .map(|u| Member {
            user: u.id,
            name: u.name,
            role: u.role,
        })
        .collect();
    Ok(Json(MemberList { members }).into_response())
}

/// Changes a member's role (admins). The last admin cannot step down.
#[utoipa::path(
    patch,
    path = "/org/members/{user}",
    tag = "organization",
    params(("user" = String, Path, description = "The member's user id")),
    request_body(content = MemberPatch, content_type = "application/json"),
    security(("cookie" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "The member, changed", body = Member),
        (status = 400, description = "Invalid JSON or role",
            body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in",
            body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin, or the cookie came with another site's Origin",
            body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such member in the organization",
            body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The organization would be left without an admin",
            body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over 2 MB",
            body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "The store failed",
            body = Problem, content_type = "application/problem+json"),
    )
)]
pub(super) async fn patch_member(
    State(hub): State<Arc<Hub>>,
    Path(user): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, Problem> {
    let p = admin(&hub, &headers, true).await?;
    let patch: MemberPatch = json_body(&body)?;
    let members = hub.store.members(&p.org).await.map_err(store_failed)?;
    let target = members
        .iter()
        .find(|m| m.id == user)
        .ok_or_else(|| Problem::not_found("no such member in the organization"))?;
    let admins = members.iter().filter(|m| m.role == OrgRole::Admin).count();
    if target.role == OrgRole::Admin && patch.role != OrgRole::Admin && admins <= 1 {
        return Err(Problem::new(
            StatusCode::CONFLICT,
            "last-admin",
            "the organization would be left without an admin: make someone else admin first",
        ));
    }
    if !hub
        .store
        .set_role(&p.org, &user, patch.role)
        .await
        .map_err(store_failed)?
    {
        return Err(Problem::not_found("no such member in the organization"));
    }
    tracing::info!(by = %p.user, member = %user, role = patch.role.as_str(), "role changed");
    Ok(Json(Member {
        user: target.id.clone(),
        name: target.name.clone(),
        role: patch.role,
    })
    .into_response())
}

/// `POST /v1/org/invitations` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct NewInvitation {
    /// The role the invited person gets [default: member].
    #[serde(default)]
    #[schema(value_type = Option<OrgRoleSchema>)]
    role: Option<OrgRole>,
    /// Seconds the invitation works, 60 to 2592000 [default: 604800, 7 days].
    #[serde(default)]
    #[schema(minimum = 60, maximum = 2592000)]
    ttl_s: Option<u64>,
}

/// `POST /v1/org/invitations` answer.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct InvitationCreated {
    /// The invitation's id (to list and revoke it).
    id: String,
    /// The link to send: `{public_url}/?invite=TOKEN`. Shown once: only its hash is kept.
    url: String,
    /// When it stops working (Unix seconds).
    expires_at: i64,
}

/// `GET /v1/org/invitations` answer.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct InvitationList {
    /// The invitations that still work, newest first.
    invitations: Vec<Invitation>,
}

/// Makes an invitation link into the organization (admins).
///
/// One person new to breakroom signs in through it and joins with its role; personal Google
/// and Apple accounts come in only this way.
#[utoipa::path(
    post,
    path = "/org/invitations",
    tag = "organization",
    request_body(content = NewInvitation, content_type = "application/json"),
    security(("cookie" = []), ("bearer" = [])),
    responses(
        (status = 201, description = "The invitation", body = InvitationCreated),
        (status = 400, description = "Invalid JSON, role or lifetime",
            body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in",
            body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin, or the cookie came with another site's Origin",
            body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over 2 MB",
            body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "The store failed",
            body = Problem, content_type = "application/problem+json"),
    )
)]
pub(super) async fn create_invitation(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, Problem> {
    let p = admin(&hub, &headers, true).await?;
    let req: NewInvitation = json_body(&body)?;
    let ttl = req.ttl_s.unwrap_or(DEFAULT_INVITATION_TTL_S);
    if !(MIN_INVITATION_TTL_S..=MAX_INVITATION_TTL_S).contains(&ttl) {
        return Err(Problem::bad_request(format!(
            "ttl_s must be {MIN_INVITATION_TTL_S} to {MAX_INVITATION_TTL_S} seconds"
        )));
    }
    let now = web_session::now_s();
    let token = crate::auth::random_token(32);
    let invitation = Invitation {
        id: format!("i_{}", crate::auth::random_token(9)),
        org: p.org.clone(),
        role: req.role.unwrap_or(OrgRole::Member),
        created_by: p.user.clone(),
        created_at: now,
        // At most 30 days: fits.
        expires_at: now + ttl as i64,
    };
    hub.store
        .create_invitation(&invitation, &web_session::hash(&token))
        .await
        .map_err(store_failed)?;
    let base = hub.public_url.trim_end_matches('/');
    let created = InvitationCreated {
        url: format!("{base}/?invite={token}"),
        id: invitation.id,
        expires_at: invitation.expires_at,
    };
    Ok((StatusCode::CREATED, Json(created)).into_response())
}

/// The organization's invitations that still work (admins).
#[utoipa::path(
    get,
    path = "/org/invitations",
    tag = "organization",
    security(("cookie" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "The invitations", body = InvitationList),
        (status = 401, description = "Not signed in",
            body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin",
            body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "The store failed",
            body = Problem, content_type = "application/problem+json"),
    )
)]
pub(super) async fn invitations(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let p = admin(&hub, &headers, false).await?;
    let invitations = hub
        .store
        .invitations(&p.org, web_session::now_s())
        .await
        .map_err(store_failed)?;
    Ok(Json(InvitationList { invitations }).into_response())
}

/// Revokes an invitation (admins).
#[utoipa::path(
    delete,
    path = "/org/invitations/{id}",
    tag = "organization",
    params(("id" = String, Path, description = "The invitation's id")),
    security(("cookie" = []), ("bearer" = [])),
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, description = "Not signed in",
            body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin, or the cookie came with another site's Origin",
            body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such invitation in the organization",
            body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "The store failed",
            body = Problem, content_type = "application/problem+json"),
    )
)]
pub(super) async fn revoke_invitation(
    State(hub): State<Arc<Hub>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let p = admin(&hub, &headers, true).await?;
    if !hub
        .store
        .revoke_invitation(&p.org, &id)
        .await
        .map_err(store_failed)?
    {
        return Err(Problem::not_found("no such invitation in the organization"));
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}
