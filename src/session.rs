//! One connection's protocol state: hello, join, resume, in-band token refresh, and dispatch of
//! every client message to its room, under per-kind rate limits. The connection's token expiry
//! ([`Session::expires_at`]) is what `ws.rs` closes it on (4005) unless a refresh moved it.

use std::ops::ControlFlow;
use std::sync::Arc;

use breakroom_protocol::{
    ClientMsg, ErrorCode, Micros, ParticipantId, RequestedRole, ServerMsg, Sharing, close,
    encode_server,
};
use breakroom_rooms::{JoinRequest, MemberId};
use bytes::Bytes;
use tokio::sync::oneshot;
use tokio::time::Instant;

use crate::auth::{Principal, Source, TokenError, TokenRole, authenticate_token};
use crate::hub::{Hub, RoomHandle, normalize_code};
use crate::outbox::{Item, Outbox};
use crate::pose_inbox::Arrived;
use crate::ratelimit::Bucket;
use crate::room_actor::RoomCmd;
use crate::round_trip::RoundTrip;

/// The room a connection has joined.
#[derive(Debug)]
struct Joined {
    code: String,
    handle: RoomHandle,
}

/// Pings a connection may send at once: the SDKs' burst of 16 at connect and resume, plus margin.
pub const PING_BURST: f64 = 20.0;
/// Pings a second a connection may keep sending: the SDKs' steady one a second, with margin.
pub const PING_RATE: f64 = 2.0;

/// Rate limits of one connection.
#[derive(Debug)]
struct Limiters {
    pose: Bucket,
    score: Bucket,
    control: Bucket,
    ping: Bucket,
    /// Violations allowed before the connection is closed.
    abuse: Bucket,
    last_told: Option<Instant>,
    /// When the client was last told that a pose's capture time was refused.
    pose_time_told: Option<Instant>,
}

/// A connection's state.
#[derive(Debug)]
pub struct Session {
    hub: Arc<Hub>,
    id: u64,
    outbox: Arc<Outbox>,
    /// Who the connection acts for, once its hello was accepted.
    principal: Option<Principal>,
    /// Who the session cookie sent with the upgrade signed in as, if anyone: `hello` with an
    /// empty token acts for them.
    cookie: Option<Principal>,
    /// The upgrade's Origin when only an embedding app lists it: hello must then bring a token
    /// of an app that lists it.
    app_origin: Option<String>,
    resume_token: Option<String>,
    joined: Option<Joined>,
    limits: Limiters,
    strikes: Bucket,
    /// The connection's round trip, told to its room (for the lead of a first cue).
    round_trip: RoundTrip,
}

impl Session {
    /// A new connection's state; `cookie` is who the upgrade's session cookie signed in as.
    pub fn new(hub: Arc<Hub>, id: u64, outbox: Arc<Outbox>, cookie: Option<Principal>) -> Session {
        let now = Instant::now();
        let c = &hub.config;
        let limits = Limiters {
            pose: Bucket::new(f64::from(c.pose_hz), f64::from(c.pose_hz) / 2.0 + 2.0, now),
            score: Bucket::new(f64::from(c.score_hz), f64::from(c.score_hz) + 2.0, now),
            control: Bucket::new(f64::from(c.control_hz), f64::from(c.control_hz) + 5.0, now),
            ping: Bucket::new(PING_RATE, PING_BURST, now),
            abuse: Bucket::new(2.0, 100.0, now),
            last_told: None,
            pose_time_told: None,
        };
        Session {
            hub,
            id,
            outbox,
            principal: None,
            cookie,
            app_origin: None,
            resume_token: None,
            joined: None,
            limits,
            strikes: Bucket::new(1.0, 20.0, now),
            round_trip: RoundTrip::default(),
        }
    }

    /// Whether a valid hello was received.
    pub fn said_hello(&self) -> bool {
        self.principal.is_some()
    }

    /// Whether the connection is in a room.
    pub fn in_room(&self) -> bool {
        self.joined.is_some()
    }

    fn member(&self) -> MemberId {
        MemberId(self.id)
    }

    /// Sends a round-trip probe (a WebSocket ping) stamped `now`.
    pub fn probe(&mut self, now: Micros) {
        let payload = self.round_trip.probe(now);
        self.outbox.push(Item::Probe(payload));
    }

    /// A WebSocket pong read at `now`: a new round-trip figure goes to the room.
    pub async fn pong(&mut self, payload: &[u8], now: Micros) {
        if self.round_trip.pong(payload, now).is_some() {
            self.tell_round_trip().await;
        }
    }

    /// Tells the room (if any) the connection's current round-trip figure.
    async fn tell_round_trip(&self) {
        if let (Some(joined), Some(round_trip_us)) = (&self.joined, self.round_trip.figure()) {
            let cmd = RoomCmd::RoundTrip {
                member: self.member(),
                round_trip_us,
            };
            let _ = joined.handle.tx.send(cmd).await;
        }
    }

    /// Counts a malformed message; true when there were too many.
    pub fn strike(&mut self) -> bool {
        !self.strikes.take(Instant::now())
    }

    /// Sends an error message to this connection.
    pub fn error(&self, code: ErrorCode, message: &str, seq: Option<u32>) {
        self.send(&ServerMsg::Error {
            code,
            message: message.to_owned(),
            seq,
        });
    }

    fn send(&self, msg: &ServerMsg) {
        self.hub.metrics.count_out(msg.kind(), 1);
        self.outbox.push(Item::Msg {
            bytes: Bytes::from(encode_server(msg)),
            cue_at: None,
        });
    }

    /// Handles one decoded message. `Break` ends the connection (the outbox is closing).
    pub async fn handle(&mut self, msg: ClientMsg, received: Micros) -> ControlFlow<()> {
        let seq = msg.seq();
        let now = Instant::now();
        let allowed = match &msg {
            ClientMsg::Hello { .. } => true,
            ClientMsg::Pose { .. } => self.limits.pose.take(now),
            ClientMsg::Score { .. } => self.limits.score.take(now),
            ClientMsg::Ping { .. } => self.limits.ping.take(now),
            ClientMsg::Join { .. }
            | ClientMsg::Leave { .. }
            | ClientMsg::Control { .. }
            | ClientMsg::Reaction { .. }
            | ClientMsg::Refresh { .. } => self.limits.control.take(now),
        };
        if !allowed {
            return self.over_limit(msg.kind(), seq, now);
        }
        match msg {
            ClientMsg::Hello {
                seq, token, resume, ..
            } => self.hello(seq, &token, resume).await,
            ClientMsg::Join {
                seq,
                room,
                role,
                sharing,
            } => {
                self.join(seq, &room, role, sharing).await;
                ControlFlow::Continue(())
            }
            ClientMsg::Leave { seq } => {
                match self.joined.take() {
                    Some(j) => {
                        let _ = j.handle.tx.send(RoomCmd::Leave(self.member())).await;
                        if let Some(t) = &self.resume_token {
                            self.hub.resumes.clear_place(t);
                        }
                    }
                    None => self.error(ErrorCode::NotInRoom, "not in a room", Some(seq)),
                }
                ControlFlow::Continue(())
            }
            ClientMsg::Ping { t0 } => {
                self.outbox.push(Item::Pong { t0, t1: received });
                ControlFlow::Continue(())
            }
            ClientMsg::Refresh { seq, token } => {
                self.refresh(seq, &token).await;
                ControlFlow::Continue(())
            }
            other => {
                let Some(joined) = &self.joined else {
                    self.error(ErrorCode::NotInRoom, "join a room first", seq);
                    return ControlFlow::Continue(());
                };
                let member = self.member();
                let cmd = match other {
                    ClientMsg::Pose { t, kp } => {
                        if !breakroom_protocol::validate::pose_time(t, received) {
                            // Dropped (the room would refuse it too) and counted; told at
                            // most once a second, for a client whose clock estimate is broken
                            // sends every pose this way.
                            self.hub.metrics.poses_mistimed.inc();
                            self.tell_pose_time(now, t, received);
                            return ControlFlow::Continue(());
                        }
                        // Skeletons go to the room's pose inbox, not its command channel.
                        let arrived = Arrived {
                            member,
                            received,
                            t,
                            kp,
                        };
                        let open = joined.handle.poses.push(arrived).is_ok();
                        return self.room_open(open, seq);
                    }
                    ClientMsg::Score {
                        seq,
                        exercise,
                        reps,
                        active_ms,
                    } => RoomCmd::Score {
                        member,
                        seq,
                        exercise,
                        reps,
                        active_ms,
                    },
                    ClientMsg::Control {
                        seq,
                        action,
                        target,
                    } => RoomCmd::Control {
                        member,
                        seq,
                        action,
                        target,
                    },
                    ClientMsg::Reaction { seq, reaction } => RoomCmd::Reaction {
                        member,
                        seq,
                        reaction,
                    },
                    ClientMsg::Hello { .. }
                    | ClientMsg::Join { .. }
                    | ClientMsg::Leave { .. }
                    | ClientMsg::Ping { .. }
                    | ClientMsg::Refresh { .. } => return ControlFlow::Continue(()),
                };
                let open = joined.handle.tx.send(cmd).await.is_ok();
                self.room_open(open, seq)
            }
        }
    }

    /// After handing an input to the room: if the room had closed, forgets it and says so.
    fn room_open(&mut self, open: bool, seq: Option<u32>) -> ControlFlow<()> {
        if !open {
            self.joined = None;
            self.error(ErrorCode::NotFound, "the room has closed", seq);
        }
        ControlFlow::Continue(())
    }

    fn tell_pose_time(&mut self, now: Instant, t: Micros, received: Micros) {
        let quiet = self
            .limits
            .pose_time_told
            .is_some_and(|told| now.duration_since(told).as_secs() < 1);
        if quiet {
            return;
        }
        self.limits.pose_time_told = Some(now);
        let (how, by) = if t < received {
            ("behind", received - t)
        } else {
            ("ahead of", t - received)
        };
        let message = format!(
            "pose dropped: its t is {} ms {how} the server's clock (the limit is {} ms)",
            by / 1000,
            breakroom_protocol::validate::MAX_POSE_SKEW_US / 1000
        );
        self.error(ErrorCode::BadMessage, &message, None);
    }

    fn over_limit(&mut self, kind: &str, seq: Option<u32>, now: Instant) -> ControlFlow<()> {
        if !self.limits.abuse.take(now) {
            self.outbox
                .close(close::POLICY, "rate limit exceeded persistently");
            return ControlFlow::Break(());
        }
        let quiet = self
            .limits
            .last_told
            .is_some_and(|t| now.duration_since(t).as_secs() < 1);
        if !quiet {
            self.limits.last_told = Some(now);
            self.error(
                ErrorCode::RateLimited,
                &format!("too many `{kind}` messages"),
                seq,
            );
        }
        ControlFlow::Continue(())
    }

    async fn hello(&mut self, seq: u32, token: &str, resume: Option<String>) -> ControlFlow<()> {
        if self.principal.is_some() {
            self.error(
                ErrorCode::InvalidState,
                "hello was already received",
                Some(seq),
            );
            return ControlFlow::Continue(());
        }
        let verified = if token.is_empty() {
            self.cookie.take().ok_or(TokenError::Invalid)
        } else {
            authenticate_token(&self.hub, token).await
        };
        let principal = match verified {
            Ok(p) => p,
            Err(err) => {
                let msg = match err {
                    TokenError::Expired => "token expired",
                    TokenError::Invalid => "token invalid",
                    TokenError::Revoked => "token revoked",
                };
                self.error(ErrorCode::Unauthorized, msg, Some(seq));
                self.outbox.close(close::POLICY, msg);
                return ControlFlow::Break(());
            }
        };
        if let Some(origin) = &self.app_origin
            && !self.app_lists(&principal, origin).await
        {
            let msg = "this Origin is not one of the token's app's origins";
            self.error(ErrorCode::Forbidden, msg, Some(seq));
            self.outbox.close(close::POLICY, msg);
            return ControlFlow::Break(());
        }
        if let Some(msg) = self.over_app_limit(&principal).await {
            self.error(ErrorCode::Forbidden, msg, Some(seq));
            self.outbox.close(close::POLICY, msg);
            return ControlFlow::Break(());
        }
        if !self.hub.user_connections.try_open(&principal.user) {
            let msg = "too many connections for this user";
            self.error(ErrorCode::Forbidden, msg, Some(seq));
            self.outbox.close(close::POLICY, msg);
            return ControlFlow::Break(());
        }
        let resume_token = self.hub.resumes.issue(&principal.user);
        self.resume_token = Some(resume_token.clone());
        self.hub
            .live
            .insert(self.id, principal.clone(), self.outbox.clone());
        // A cookie connection's end is its web session's, not a token's the client could
        // refresh: welcome names none (PROTOCOL.md).
        let expires_at = principal.expires_at.filter(|_| !principal.is_cookie());
        self.principal = Some(principal);
        self.send(&ServerMsg::Welcome {
            conn: self.id,
            resume: resume_token,
            server_time: self.hub.clock.now(),
            limits: crate::ws::limits(&self.hub),
            expires_at,
        });
        if let Some(old) = resume
            && let Err(why) = self.resume(&old).await
        {
            let message = format!("resume failed: {why}");
            self.error(ErrorCode::InvalidState, &message, Some(seq));
        }
        ControlFlow::Continue(())
    }

    async fn resume(&mut self, old: &str) -> Result<(), String> {
        let user = self
            .principal
            .as_ref()
            .map(|p| p.user.clone())
            .unwrap_or_default();
        let place = self.hub.resumes.place_of(old, &user);
        let Some((code, participant)) = place else {
            return Err("unknown or expired resume token".into());
        };
        let Some(handle) = self.hub.room(&code) else {
            return Err("the room has closed".into());
        };
        let (reply, answer) = oneshot::channel();
        let cmd = RoomCmd::Resume {
            member: self.member(),
            outbox: self.outbox.clone(),
            participant,
            reply,
        };
        if handle.tx.send(cmd).await.is_err() {
            return Err("the room has closed".into());
        }
        match answer.await {
            Ok(Ok(())) => {
                self.hub.resumes.revoke(old);
                self.set_place(&code, participant);
                self.joined = Some(Joined { code, handle });
                self.tell_round_trip().await;
                Ok(())
            }
            Ok(Err(err)) => Err(err.to_string()),
            Err(_) => Err("the room has closed".into()),
        }
    }

    fn set_place(&self, code: &str, participant: ParticipantId) {
        if let Some(t) = &self.resume_token {
            self.hub.resumes.place(t, code, participant);
        }
    }

    async fn join(&mut self, seq: u32, room: &str, role: RequestedRole, sharing: Sharing) {
        if self.joined.is_some() {
            self.error(ErrorCode::AlreadyJoined, "already in a room", Some(seq));
            return;
        }
        let Some(principal) = self.principal.clone() else {
            return;
        };
        let code = normalize_code(room);
        if principal
            .room
            .as_deref()
            .is_some_and(|r| normalize_code(r) != code)
        {
            self.error(
                ErrorCode::Unauthorized,
                "the token is for another room",
                Some(seq),
            );
            return;
        }
        let role_ok = match principal.role {
            TokenRole::Facilitator => true,
            TokenRole::Participant => role != RequestedRole::Facilitator,
            TokenRole::Viewer => role == RequestedRole::Viewer,
        };
        if !role_ok {
            self.error(
                ErrorCode::Forbidden,
                "the token does not allow this role",
                Some(seq),
            );
            return;
        }
        // A room of another organization is answered exactly like one that does not exist.
        let Some(handle) = self.hub.room(&code).filter(|h| h.org == principal.org) else {
            self.error(
                ErrorCode::NotFound,
                "no live room with that code",
                Some(seq),
            );
            return;
        };
        let req = JoinRequest {
            user: principal.user.clone(),
            name: principal.name.clone(),
            role,
            sharing,
            team: None,
            may_control: principal.grants.control,
            // A hidden member only observes.
            may_publish_pose: principal.grants.pose && !principal.grants.hidden,
            may_publish_score: principal.grants.score && !principal.grants.hidden,
            hidden: principal.grants.hidden,
        };
        let (reply, answer) = oneshot::channel();
        let cmd = RoomCmd::Join {
            member: self.member(),
            outbox: self.outbox.clone(),
            req,
            reply,
        };
        if handle.tx.send(cmd).await.is_err() {
            self.error(
                ErrorCode::NotFound,
                "no live room with that code",
                Some(seq),
            );
            return;
        }
        match answer.await {
            Ok(Ok(participant)) => {
                self.set_place(&code, participant);
                self.joined = Some(Joined { code, handle });
                self.tell_round_trip().await;
            }
            Ok(Err(err)) => self.error(err.code(), &err.to_string(), Some(seq)),
            Err(_) => self.error(ErrorCode::NotFound, "the room has closed", Some(seq)),
        }
    }

    /// When the connection's credential expires (Unix seconds): the connection is closed then
    /// unless a `refresh` brought a new token; a cookie connection when its web session ends.
    /// `None` before hello.
    pub fn expires_at(&self) -> Option<u64> {
        self.principal.as_ref().and_then(|p| p.expires_at)
    }

    /// Whether the connection acts for someone signed in with the web session cookie.
    pub fn is_cookie(&self) -> bool {
        self.principal.as_ref().is_some_and(Principal::is_cookie)
    }

    /// Restricts the connection to tokens of apps that list `origin` (the upgrade's Origin,
    /// which the server itself does not allow).
    pub fn only_for_app_origin(&mut self, origin: String) {
        self.app_origin = Some(origin);
    }

    /// Whether the principal is an embedding app's user and the app lists `origin`.
    async fn app_lists(&self, principal: &Principal, origin: &str) -> bool {
        let Source::App { app, .. } = &principal.source else {
            return false;
        };
        self.hub
            .apps
            .app(&*self.hub.store, app)
            .await
            .is_some_and(|a| a.origins.iter().any(|o| o == origin))
    }

    /// Why an embedding app's connection is refused at hello: the app is at its connection
    /// limit. Checked at hello against the connections listed then.
    async fn over_app_limit(&self, principal: &Principal) -> Option<&'static str> {
        let Source::App { app, .. } = &principal.source else {
            return None;
        };
        let max = self
            .hub
            .apps
            .app(&*self.hub.store, app)
            .await?
            .max_connections?;
        let open = self
            .hub
            .live
            .count_where(|p| matches!(&p.source, Source::App { app: a, .. } if a == app));
        (open >= max as usize).then_some("the app is at its connection limit")
    }

    /// In-band refresh: a new token for the same subject and issuer, with the same organization,
    /// room, role and grants, takes the old one's place before it expires. A refused refresh
    /// leaves the connection on its old token.
    async fn refresh(&mut self, seq: u32, token: &str) {
        let Some(current) = &self.principal else {
            return;
        };
        if current.is_cookie() {
            // A session-cookie connection (PROTOCOL.md, "Refresh"): it lasts as long as the
            // web session.
            let msg = "this connection has no token to refresh";
            self.error(ErrorCode::Unsupported, msg, Some(seq));
            return;
        }
        let fresh = match authenticate_token(&self.hub, token).await {
            Ok(p) => p,
            Err(err) => {
                self.error(ErrorCode::Unauthorized, &err.to_string(), Some(seq));
                return;
            }
        };
        let same_issuer = match (&current.source, &fresh.source) {
            (Source::ApiKey, Source::ApiKey) => true,
            (Source::App { app: a, .. }, Source::App { app: b, .. }) => a == b,
            _ => false,
        };
        let same = same_issuer
            && fresh.user == current.user
            && fresh.org == current.org
            && fresh.role == current.role
            && fresh.grants == current.grants
            && fresh.room == current.room;
        if !same {
            let msg = "the new token must name the same subject, issuer, room, role and grants";
            self.error(ErrorCode::Unauthorized, msg, Some(seq));
            return;
        }
        let expires_at = fresh.expires_at.unwrap_or_default();
        self.hub.live.update(self.id, fresh.clone());
        self.principal = Some(fresh);
        self.send(&ServerMsg::Refreshed { seq, expires_at });
    }

    /// Tells the room the connection is gone and releases the user's connection slot.
    pub async fn finish(&mut self) {
        if let Some(j) = self.joined.take() {
            tracing::debug!(conn = self.id, room = %j.code, "connection dropped from room");
            let _ = j.handle.tx.send(RoomCmd::Disconnect(self.member())).await;
        } else if let Some(t) = &self.resume_token {
            self.hub.resumes.revoke(t);
        }
        if let Some(principal) = &self.principal {
            self.hub.live.remove(self.id);
            self.hub.user_connections.close(&principal.user);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn the_ping_budget_takes_a_burst_of_16_then_one_a_second_for_good() {
        let t0 = Instant::now();
        let mut ping = Bucket::new(PING_RATE, PING_BURST, t0);
        assert!((0..16).all(|_| ping.take(t0)), "the connect burst");
        for s in 1..=3_600 {
            assert!(ping.take(t0 + Duration::from_secs(s)), "the ping at {s} s");
        }
        // A resume is a new connection with a full bucket; a flood is still refused.
        let later = t0 + Duration::from_secs(3_601);
        assert!(!(0..=PING_BURST as u32).all(|_| ping.take(later)));
    }
}
