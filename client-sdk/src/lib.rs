//! The Rust client SDK for breakroom live sessions.
//!
//! A [`Client`] holds one WebSocket connection to a breakroom server (`ws://HOST:PORT/v1/ws`,
//! subprotocol [`breakroom_protocol::SUBPROTOCOL`], one MessagePack message per binary frame).
//! It joins a room, streams the participant's skeleton, reports scores, sends facilitator
//! controls, and turns everything the server says into a stream of typed [`Event`]s.
//!
//! ```no_run
//! use std::time::Duration;
//! use breakroom_client::{Client, CueSchedule, Event, JoinOptions, Landmark, PoseModel};
//! use tokio::time::{Instant, sleep_until};
//!
//! # async fn run(token: &str) -> Result<(), breakroom_client::Error> {
//! let mut client = Client::connect("ws://127.0.0.1:7878/v1/ws", token).await?;
//! let mut cues = CueSchedule::new();
//! let snapshot = client.join("ABCD-EFGH", JoinOptions::participant()).await?;
//! println!("joined {} as {:?}", snapshot.room, snapshot.you);
//!
//! loop {
//!     // Act on cues at the server's instant, not when they arrived; never drop a due one.
//!     let wake = cues.next_due().map(|at| client.local_instant(at));
//!     tokio::select! {
//!         event = client.next_event() => {
//!             let Some(event) = event else { break };
//!             cues.handle_event(client.server_now(), &event);
//!             match event {
//!                 Event::Summary(summary) => println!("done: {} participants", summary.participants.len()),
//!                 Event::Closed { code, reason } => println!("closed {code}: {reason}"),
//!                 _ => {}
//!             }
//!         }
//!         _ = sleep_until(wake.unwrap_or_else(|| Instant::now() + Duration::from_secs(3600))) => {}
//!     }
//!     for cue in cues.poll_due(client.server_now()) {
//!         println!("{:?} {:?}", cue.kind, cue.exercise);
//!     }
//!     // From the app's pose model, as often as it runs: latest-wins, paced, never blocks.
//!     let landmarks = vec![Landmark { x: 0.5, y: 0.5, z: None, visibility: 1.0 }; 33];
//!     client.send_pose(PoseModel::BlazePose33, &landmarks)?;
//! }
//! # Ok(()) }
//! ```
//!
//! # What the client does for you
//! - **Clock sync.** A burst of 16 pings (50 ms apart) at each connection and resume, then
//!   one a second for the life of the connection, feed
//!   [`breakroom_protocol::clock::ClockSync`]: the last minute of samples, each direction
//!   filtered on its own. [`Client::server_now`] stamps poses; [`Client::local_instant`] and
//!   [`Client::sleep_until_server`] place a cue's `at` on the local (monotonic, tokio) clock.
//!   [`Client::sync_uncertainty`] is how far the estimate may be off (half the best round
//!   trip of the window) on a path as fast one way as the other; a path slower one way than
//!   the other biases it by half the difference, which no ping can see.
//! - **Cues.** [`CueSchedule`] holds the cues of [`Event::Cue`], [`Event::Phase`] and
//!   [`Event::Snapshot`] and says which are due: in one order (`at`, then `id`: `rest` before
//!   `next_up`), the cues due at one moment in one batch, and never dropping a cue that is due,
//!   however late the application polls (a phase whose timeline no longer has a cue that was
//!   already due keeps it for the next poll). [`CueSchedule`] states the rule.
//! - **Pacing.** Poses go out at most at `min(max_pose_hz, limits.pose_hz)`, latest-wins;
//!   scores at `limits.score_hz`, newest count per exercise; controls, reactions, joins and
//!   leaves at `limits.control_hz`, in order. The server never sees the client exceed a limit.
//! - **Reconnection.** After an abnormal drop (no close frame, 1001, 1011, 4002) the client
//!   reconnects with exponential backoff and full jitter ([`Event::Reconnecting`]), resumes its
//!   place with the last resume token ([`Event::Resumed`]) or, if the grace period has passed,
//!   joins the room again by code ([`Event::Rejoined`]). Never after 1000, 1008, 4000, 4001,
//!   4003 or [`Client::close`], nor when the credentials ended (4004 signed out, 4005 token
//!   expired, 4006 revoked: [`Event::credentials_ended`]): those end with [`Event::Closed`].
//! - **Token refresh.** [`Client::refresh`] hands the server a new access token in-band
//!   (`refresh` → `refreshed`), without reconnecting; [`Client::token_expires_at`] says when the
//!   current one expires (from `welcome` and `refreshed`). With a [`TokenSource`] in
//!   [`ClientOptions::token_source`], the client does it by itself at 80 % of the token's
//!   remaining life or 60 s before expiry, whichever is sooner, but not before half of it
//!   ([`refresh_delay`]), retries a failure ([`Event::RefreshFailed`]) while the token lives,
//!   and asks the source again before every reconnection. A token that expires without a
//!   refresh ends the connection with 4005.
//! - **Backpressure.** Events are buffered up to [`ClientOptions::event_capacity`]; past that
//!   the client stops reading the socket (so a stuck application is eventually disconnected by
//!   the server as a slow consumer) but keeps serving commands. Pose frames never queue: each
//!   carries the skeletons that changed since the previous one, so the application keeps the
//!   latest skeleton per participant, and frames it has not read yet are merged into one
//!   ([`Event::Poses`]), so it gets the newest skeleton of every participant, never a backlog.
//!
//! # Transport
//! Plain `ws://` by default. The `rustls` cargo feature adds `wss://` (webpki roots, rustls
//! with the `ring` provider only).
//!
//! # Codemap
//! - `client`: [`Client`] and [`ClientHandle`], the API.
//! - `driver`: the background task that owns the socket, the only place that writes to it;
//!   `driver::pacing` paces what goes out, `driver::reconnect` drops, resumes and closes.
//! - `connect`: the upgrade and the `hello` → `welcome` handshake.
//! - `token`: [`TokenSource`] and [`refresh_delay`]; `driver::refresh` runs the exchange.
//! - `event`: [`Event`], [`Snapshot`], and how server messages map onto them.
//! - `cues`: [`CueSchedule`], which cues are due (sans-IO: time is an input).
//! - `clock`, `backoff`, `slot`: the monotonic clock, the reconnection schedule, the
//!   latest-wins slot (which merges incoming pose frames per participant).
//! - [`track`]: local scoring with the shared exercise detector ([`Client::track`]).
//! - [`replay`]: skeletons to replay, to simulate a participant (examples, tests, the load
//!   generator): synthesized squats by default, or a recording loaded from a file.
//!
//! Invariant: this crate never touches the wire format itself; `breakroom_protocol` encodes and
//! decodes every message.

mod backoff;
mod client;
mod clock;
mod connect;
mod cues;
mod driver;
mod error;
mod event;
mod options;
pub mod replay;
mod slot;
mod token;
pub mod track;

pub use breakroom_protocol as protocol;
pub use breakroom_protocol::{
    ControlAction, Cue, CueKind, ErrorCode, Landmark, Limits, Micros, Participant, ParticipantId,
    PeerPose, Phase, PhaseState, PoseModel, PresenceChange, Program, Reaction, RequestedRole, Role,
    ScoreEntry, ScoreFlag, Scoreboard, SessionSummary, Sharing, Step,
};
pub use client::{Client, ClientHandle};
pub use cues::CueSchedule;
pub use error::Error;
pub use event::{Event, Snapshot};
pub use options::{ClientOptions, JoinOptions, SDK_NAME};
pub use token::{TokenResult, TokenSource, refresh_delay};
pub use track::Tracker;

/// The WebSocket URL of a server given its HTTP base URL: `http://host:7878` →
/// `ws://host:7878/v1/ws` (`https` → `wss`). A `ws://`/`wss://` URL is returned unchanged.
pub fn websocket_url(server: &str) -> Result<String, Error> {
    if server.starts_with("ws://") || server.starts_with("wss://") {
        return Ok(server.to_owned());
    }
    let (scheme, rest) = if let Some(rest) = server.strip_prefix("http://") {
        ("ws", rest)
    } else if let Some(rest) = server.strip_prefix("https://") {
        ("wss", rest)
    } else {
        return Err(Error::InvalidUrl(format!(
            "{server}: expected http(s):// or ws(s)://"
        )));
    };
    Ok(format!("{scheme}://{}/v1/ws", rest.trim_end_matches('/')))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn websocket_urls_derive_from_http_ones() {
        let check =
            |from: &str, to: &str| assert_eq!(websocket_url(from).ok().as_deref(), Some(to));
        check("http://127.0.0.1:7878", "ws://127.0.0.1:7878/v1/ws");
        check("http://127.0.0.1:7878/", "ws://127.0.0.1:7878/v1/ws");
        check("https://breakroom.example", "wss://breakroom.example/v1/ws");
        check("ws://h:1/v1/ws", "ws://h:1/v1/ws");
        assert!(websocket_url("ftp://x").is_err());
    }
}
