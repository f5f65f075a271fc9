//! The parts of the OpenAPI document that no handler states by itself: its title, the
//! credentials, the WebSocket entry, the limits the server enforces on what it is sent (from
//! the very constants that enforce them), and the links from a created room to its reads and
//! guest links, and from a guest link to its revocation.

use breakroom_protocol::validate::{MAX_NAME, MAX_STEPS};
use breakroom_rooms::{Catalogue, MAX_BPM, MAX_CAPACITY, MAX_STEP_MS, MIN_EXERCISE_MS};
use serde_json::{Value, json};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};

/// The document's skeleton: what no handler says by itself.
#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "breakroom",
        description = "The REST surface of a breakroom server: rooms, session summaries, the \
            exercise catalogue, dev tokens, health and metrics. The live protocol runs over the \
            WebSocket at /v1/ws (subprotocol breakroom.v1), specified in protocol/PROTOCOL.md. \
            Every error is an RFC 9457 problem document (application/problem+json).",
        license(name = "Apache-2.0", identifier = "Apache-2.0"),
    ),
    paths(super::service::websocket_doc),
    modifiers(&SecuritySchemes),
    tags(
        (name = "rooms", description = "Live rooms and their sessions"),
        (name = "organization", description = "What the caller's organization holds"),
        (name = "guests", description = "Guest links: people outside an organization join one of its rooms"),
        (name = "catalogue", description = "The exercises a program may use"),
        (name = "dev", description = "Development mode only"),
        (name = "operations", description = "Health, readiness, metrics and this document"),
        (name = "live", description = "The WebSocket endpoint"),
    )
)]
pub(super) struct ApiDoc;

/// The two ways to present credentials.
struct SecuritySchemes;

impl utoipa::Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            super::access::BEARER,
            SecurityScheme::Http(
                utoipa::openapi::security::HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "An access token: an HS256 JWT signed with the API key's secret \
                         (`breakroom token`, your backend, or POST /v1/dev/token in dev mode).",
                    ))
                    .build(),
            ),
        );
        let mut basic = Http::new(HttpAuthScheme::Basic);
        basic.description = Some(
            "The API key itself, for backends: HTTP Basic with the key as user name and its \
             secret as password (`curl -u KEY:SECRET`)."
                .to_owned(),
        );
        components.add_security_scheme(super::access::API_KEY, SecurityScheme::Http(basic));
        components.add_security_scheme(
            super::access::COOKIE,
            SecurityScheme::ApiKey(utoipa::openapi::security::ApiKey::Cookie(
                utoipa::openapi::security::ApiKeyValue::with_description(
                    "breakroom",
                    "The web session of someone signed in with OpenID Connect (named \
                     `__Host-breakroom` over HTTPS or behind a proxy). Requests that change \
                     state must come from the server's own origin, or one it allows.",
                ),
            )),
        );
    }
}

/// The document as served: the generated one, with the limits and links added.
pub(super) fn finish(doc: utoipa::openapi::OpenApi) -> Value {
    let mut doc = serde_json::to_value(doc).unwrap_or_else(|err| {
        tracing::error!(%err, "rendering the OpenAPI document failed");
        Value::Null
    });
    let ids: Vec<&str> = Catalogue::builtin()
        .exercises
        .iter()
        .map(|e| e.id.as_str())
        .collect();
    let name = json!({ "minLength": 1, "maxLength": MAX_NAME });
    // (schema, property, what to add)
    let limits = [
        ("Program", "name", name.clone()),
        (
            "Program",
            "steps",
            json!({ "minItems": 1, "maxItems": MAX_STEPS }),
        ),
        ("Step", "exercise", json!({ "enum": ids })),
        (
            "Step",
            "duration_ms",
            json!({ "minimum": MIN_EXERCISE_MS, "maximum": MAX_STEP_MS }),
        ),
        ("Step", "rest_ms", json!({ "maximum": MAX_STEP_MS })),
        ("Step", "bpm", json!({ "minimum": 1, "maximum": MAX_BPM })),
        (
            "CreateRoom",
            "capacity",
            json!({ "minimum": 1, "maximum": MAX_CAPACITY }),
        ),
        ("DevTokenRequest", "name", name.clone()),
        ("GuestTokenRequest", "name", name),
        (
            "NewGuestLink",
            "ttl_s",
            json!({ "minimum": 60, "maximum": crate::auth::guest::MAX_LINK_TTL_S }),
        ),
    ];
    for (schema, property, add) in limits {
        let at = &mut doc["components"]["schemas"][schema]["properties"][property];
        if let (Some(at), Some(add)) = (at.as_object_mut(), add.as_object()) {
            at.extend(add.clone());
        }
    }
    // A created room leads to its reads (schemathesis follows these in its stateful phase).
    let code = json!({ "code": "$response.body#/code" });
    doc["paths"]["/v1/rooms"]["post"]["responses"]["201"]["links"] = json!({
        "GetRoom": { "operationId": "get_room", "parameters": code },
        "RoomSessions": { "operationId": "room_sessions", "parameters": code },
        "CreateGuestLink": { "operationId": "create_guest_link", "parameters": code },
        "GuestLinks": { "operationId": "list_guest_links", "parameters": code },
    });
    // ... and a guest link to its revocation.
    doc["paths"]["/v1/rooms/{code}/guest-links"]["post"]["responses"]["201"]["links"] = json!({
        "RevokeGuestLink": {
            "operationId": "revoke_guest_link",
            "parameters": { "id": "$response.body#/id" },
        },
    });
    doc
}
