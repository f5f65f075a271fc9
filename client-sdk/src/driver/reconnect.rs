//! The connection's life: taking over a welcomed socket, losing it, reconnecting with backoff,
//! resuming or rejoining the room, and closing for good.

use tokio::time::{Instant, sleep, timeout};
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use breakroom_protocol::{ClientMsg, ErrorCode};

use super::{CLOSE_WAIT, Driver, Restoring, per_second};
use crate::backoff::{random_delay, reconnectable};
use crate::connect::{Frame, Handshake, handshake, read};
use crate::error::Error;
use crate::event::Event;

impl Driver {
    /// Takes over a welcomed connection.
    pub(super) fn install(&mut self, h: Handshake) {
        let now = Instant::now();
        self.ws = Some(h.ws);
        self.target.token = h.token;
        self.anchor = (h.received, h.welcome.server_time);
        self.token_expires(h.welcome.expires_at);
        self.limits = h.welcome.limits.clone();
        self.shared.set_limits(h.welcome.limits);
        self.resume_token = Some(h.welcome.resume);
        // A new connection may reach another clock (a restarted server, another node): a
        // window it contradicts is dropped, and the burst that follows fills it again.
        if !self.sync.agrees(&h.sample) {
            self.sync.clear();
        }
        self.add_sample(h.sample);
        self.attempts = 0;
        self.restoring = if h.resuming {
            Restoring::Resume {
                hello_seq: h.hello_seq,
            }
        } else {
            Restoring::No
        };
        self.restore_deadline = now + self.options.request_timeout;
        self.burst_left = self.options.ping_burst;
        self.next_ping = now;
        self.last_heard = now;
        self.next_control = now;
        self.next_score = now;
        self.next_pose = now;
        tracing::debug!(conn = h.welcome.conn, resuming = h.resuming, "connected");
    }

    /// Joins the remembered room again after a refused resume.
    pub(super) async fn rejoin(&mut self) {
        let Some(room) = self.room.clone() else {
            self.restoring = Restoring::No;
            self.emit(Event::Resumed);
            return;
        };
        let seq = self.seq();
        let now = Instant::now();
        self.restoring = Restoring::Rejoin { seq };
        self.restore_deadline = now + self.options.request_timeout;
        self.next_control = now + per_second(self.limits.control_hz.max(1));
        let join = ClientMsg::Join {
            seq,
            room: room.code,
            role: room.options.role,
            sharing: room.options.sharing,
        };
        self.send(&join).await;
    }

    /// The rejoin was refused: connected, but in no room.
    pub(super) fn rejoin_failed(&mut self, code: ErrorCode, message: String, seq: Option<u32>) {
        self.restoring = Restoring::No;
        self.room = None;
        self.shared.set_you(None);
        self.emit(Event::Error { code, message, seq });
    }

    /// The server did not answer the resume or the rejoin in time.
    pub(super) async fn restore_timed_out(&mut self) {
        match self.restoring {
            Restoring::Resume { .. } => self.rejoin().await,
            Restoring::Rejoin { seq } => {
                let message = "no answer to the rejoin".to_owned();
                self.rejoin_failed(ErrorCode::Internal, message, Some(seq));
            }
            Restoring::No => {}
        }
    }

    /// The connection ended with `code`: reconnect or stop.
    pub(super) fn lost(&mut self, code: u16, reason: String) {
        tracing::debug!(code, %reason, "connection lost");
        self.ws = None;
        self.pose_waiting = false;
        self.shared.outgoing_pose.take();
        self.restoring = Restoring::No;
        for join in self.joins.drain(..) {
            let _ = join.reply.send(Err(Error::ConnectionLost));
        }
        self.drop_refreshes(|| Error::ConnectionLost);
        if !self.options.reconnect || !reconnectable(code) {
            self.finish(code, reason);
            return;
        }
        self.attempts = 1;
        self.emit(Event::Reconnecting { attempt: 1 });
        self.start_attempt();
    }

    pub(super) fn start_attempt(&mut self) {
        let delay = random_delay(
            self.attempts,
            self.options.backoff_base,
            self.options.backoff_max,
        );
        let resume = if self.room.is_some() {
            self.resume_token.clone()
        } else {
            None
        };
        let seq = self.seq();
        let target = self.target.clone();
        let clock = *self.shared.clock.local();
        let limit = self.options.request_timeout;
        let source = self.options.token_source.clone();
        self.attempt = Some(Box::pin(async move {
            sleep(delay).await;
            let mut target = target;
            // A fresh token for the new `hello`: the one held may have expired meanwhile.
            if let Some(source) = source {
                target.token = source.fetch().await?;
            }
            handshake(&target, seq, resume, &clock, limit).await
        }));
    }

    pub(super) fn attempted(&mut self, result: Result<Handshake, Error>) {
        match result {
            Ok(h) => {
                let resuming = h.resuming;
                self.install(h);
                if !resuming {
                    self.emit(Event::Resumed);
                }
            }
            Err(err) if err.is_fatal() => {
                let (code, reason) = err.close_code();
                self.finish(code, reason);
            }
            Err(err) => {
                tracing::debug!(attempt = self.attempts, %err, "reconnection failed");
                if self
                    .options
                    .max_reconnect_attempts
                    .is_some_and(|max| self.attempts >= max)
                {
                    let reason = format!(
                        "gave up after {} reconnection attempts: {err}",
                        self.attempts
                    );
                    self.finish(crate::backoff::ABNORMAL, reason);
                    return;
                }
                self.attempts += 1;
                self.emit(Event::Reconnecting {
                    attempt: self.attempts,
                });
                self.start_attempt();
            }
        }
    }

    /// Closes for good: fails everything waiting and emits [`Event::Closed`].
    pub(super) fn finish(&mut self, code: u16, reason: String) {
        self.ws = None;
        self.attempt = None;
        self.room = None;
        self.shared.set_you(None);
        let err = || Error::Closed {
            code,
            reason: reason.clone(),
        };
        for join in self.joins.drain(..) {
            let _ = join.reply.send(Err(err()));
        }
        self.drop_refreshes(err);
        for queued in self.outbox.drain(..) {
            if let Some(join) = queued.join {
                let _ = join.reply.send(Err(err()));
            }
        }
        self.scores.clear();
        self.shared.outgoing_pose.take();
        self.shared.incoming_poses.take();
        self.emit(Event::Closed {
            code,
            reason: reason.clone(),
        });
        self.closed = Some((code, reason));
    }

    /// Closes with 1000, after a `leave` if asked and in a room.
    pub(super) async fn shutdown(&mut self, leave: bool) {
        if self.closed.is_some() {
            return;
        }
        if leave && self.room.is_some() && self.restoring == Restoring::No {
            let seq = self.seq();
            self.send(&ClientMsg::Leave { seq }).await;
        }
        if let Some(ws) = self.ws.as_mut() {
            let frame = CloseFrame {
                code: CloseCode::Normal,
                reason: "client closed".into(),
            };
            let _ = timeout(CLOSE_WAIT, ws.close(Some(frame))).await;
            // Wait for the server's close frame, so the server sees a clean close.
            let _ = timeout(CLOSE_WAIT, async {
                while !matches!(read(ws).await, Frame::Closed { .. }) {}
            })
            .await;
        }
        self.finish(
            breakroom_protocol::close::NORMAL,
            "closed by the client".to_owned(),
        );
    }
}
