//! The breakroom server: live group break rooms over WebSocket.
//!
//! - [`server::Server`] binds, serves and shuts down gracefully.
//! - [`hub::Hub`] is the shared state: the directory of live rooms, resume tokens and
//!   connection counts per user (each a small type that owns its map and rules), the store
//!   and metrics.
//! - [`room_actor`] runs one tokio task per room around the sans-IO `breakroom-rooms` engine.
//! - [`ws`] and [`session`] are the WebSocket endpoint and a connection's protocol state;
//!   [`round_trip`] measures each connection's round trip (WebSocket pings) for its room;
//!   [`outbox::Outbox`] is the transport-neutral handle through which rooms reach members.
//! - [`http`] is the REST surface (`/v1/...`, RFC 9457 problems), health and metrics.
//! - [`tls`] serves HTTPS and WSS (rustls, the `ring` provider) and reloads the certificate
//!   on SIGHUP or when its files change.
//! - [`auth`] checks credentials: access tokens signed with the API key, embedding apps' join
//!   tokens ([`auth::apps`]: registered keys, JWKS, revocation), all resolving to a
//!   [`auth::Principal`]; a connection's token is refreshed in band and closes it on expiry.
//! - [`web`] serves the built web app at `/` (SPA fallback, CSP).
//! - [`store`] persists session summaries (SQLite by default): numbers, and the names of the
//!   participants beside their results; nothing about anyone else, and no email.
//!
//! Invariants: this crate is the only place where tokio meets room logic; it never encodes a
//! message except through `breakroom-protocol`; no lock is held across an await (the one
//! exception, an app's JWKS fetch, is a single-flight guard with no data behind it); logs carry
//! connection ids and room codes, never tokens, emails, names or payloads.

pub mod auth;
pub mod clock;
pub mod config;
pub mod detect_cli;
pub mod http;
pub mod hub;
pub mod metrics;
pub mod outbox;
pub mod pose_inbox;
pub mod problem;
pub mod ratelimit;
pub mod room_actor;
pub mod round_trip;
pub mod server;
pub mod session;
pub mod store;
pub mod tls;
pub mod web;
pub mod ws;
