//! In-band token refresh: `refresh` → `refreshed`, on the application's call
//! ([`crate::Client::refresh`]) or by itself from [`crate::ClientOptions::token_source`]
//! shortly before the token expires.

use std::time::Duration;

use breakroom_protocol::{ClientMsg, ErrorCode};
use tokio::sync::oneshot;
use tokio::time::Instant;

use super::{Driver, PendingRefresh};
use crate::error::Error;
use crate::event::Event;
use crate::token::{MIN_RETRY, refresh_delay};

impl Driver {
    /// The current token expires at `expires_at` (Unix seconds; `None`: unknown): schedules the
    /// next automatic refresh, if there is a token source.
    pub(super) fn token_expires(&mut self, expires_at: Option<u64>) {
        self.expires_at = expires_at;
        self.shared.set_expires_at(expires_at);
        self.refresh_at = None;
        if self.options.token_source.is_none() {
            return;
        }
        if let Some(remaining) = self.remaining() {
            self.refresh_at = Some(Instant::now() + refresh_delay(remaining));
        }
    }

    /// The current token's life left, on the local clock (from the latest `welcome`'s server
    /// time, so not skewed by the local wall clock); `None` when its expiry is unknown.
    fn remaining(&self) -> Option<Duration> {
        let expires_at = self.expires_at?;
        let (welcomed, server_time) = self.anchor;
        let life =
            Duration::from_secs(expires_at).saturating_sub(Duration::from_micros(server_time));
        Some((welcomed + life).saturating_duration_since(Instant::now()))
    }

    /// Time to ask the token source for a new token (unless one is on its way).
    pub(super) fn refresh_due(&mut self) {
        self.refresh_at = None;
        if self.fetch.is_some() {
            return;
        }
        // Refreshes unanswered for too long are given up (a caller gone, a server silent).
        let now = Instant::now();
        let limit = self.options.request_timeout;
        let mut unanswered = false;
        self.refreshes.retain(|r| {
            let waiting = now.duration_since(r.sent) < limit;
            unanswered |= !waiting && r.reply.is_none();
            waiting && r.reply.as_ref().is_none_or(|t| !t.is_closed())
        });
        if unanswered {
            self.auto_refresh_failed("no answer to the refresh".to_owned(), true);
            return;
        }
        if let Some(oldest) = self.refreshes.iter().map(|r| r.sent).min() {
            // Its answer reschedules; look again once it is overdue.
            self.refresh_at = Some(oldest + limit);
            return;
        }
        if let Some(source) = &self.options.token_source {
            self.fetch = Some(Box::pin(source.fetch()));
        }
    }

    /// The token source answered.
    pub(super) async fn fetched(&mut self, result: Result<String, Error>) {
        match result {
            Ok(token) => self.send_refresh(token, None).await,
            Err(err) => self.auto_refresh_failed(err.to_string(), true),
        }
    }

    /// Sends `refresh` with `token`. Not connected: the token is kept for the reconnection's
    /// `hello` (a token source gives its own), and a caller learns the connection is down.
    pub(super) async fn send_refresh(
        &mut self,
        token: String,
        reply: Option<oneshot::Sender<Result<u64, Error>>>,
    ) {
        if self.ws.is_none() {
            self.target.token = token;
            if let Some(reply) = reply {
                let _ = reply.send(Err(Error::ConnectionLost));
            }
            return;
        }
        let seq = self.seq();
        let msg = ClientMsg::Refresh {
            seq,
            token: token.clone(),
        };
        if reply.is_none() {
            // Look again if no answer comes in time.
            self.refresh_at = Some(Instant::now() + self.options.request_timeout);
        }
        self.refreshes.push(PendingRefresh {
            seq,
            token,
            sent: Instant::now(),
            reply,
        });
        // On failure the connection is lost, which fails the pending refresh.
        self.send(&msg).await;
    }

    /// The server accepted the refresh `seq`.
    pub(super) fn refreshed(&mut self, seq: u32, expires_at: u64) {
        let Some(i) = self.refreshes.iter().position(|r| r.seq == seq) else {
            tracing::warn!(seq, "ignoring a `refreshed` that answers no refresh");
            return;
        };
        let done = self.refreshes.swap_remove(i);
        self.target.token = done.token;
        self.token_expires(Some(expires_at));
        self.emit(Event::Refreshed { expires_at });
        if let Some(reply) = done.reply {
            let _ = reply.send(Ok(expires_at));
        }
    }

    /// If `seq` is a pending refresh, the server refused it: tells its caller, or retries.
    /// Returns whether it was one.
    pub(super) fn refresh_refused(
        &mut self,
        code: ErrorCode,
        message: &str,
        seq: Option<u32>,
    ) -> bool {
        let Some(i) = self.refreshes.iter().position(|r| Some(r.seq) == seq) else {
            return false;
        };
        let refused = self.refreshes.swap_remove(i);
        match refused.reply {
            Some(reply) => {
                let _ = reply.send(Err(Error::Server {
                    code,
                    message: message.to_owned(),
                }));
            }
            None => {
                // A server (or a session-cookie connection) without refresh: asking again is vain.
                let retry = code != ErrorCode::Unsupported;
                self.auto_refresh_failed(
                    format!("the server refused it ({code:?}): {message}"),
                    retry,
                )
            }
        }
        true
    }

    /// An automatic refresh failed: tells the application, and (if `retry`) tries again (after
    /// half the life left, at least [`MIN_RETRY`]) while the token lives.
    fn auto_refresh_failed(&mut self, reason: String, retry: bool) {
        tracing::debug!(%reason, "token refresh failed");
        self.emit(Event::RefreshFailed { reason });
        self.refresh_at = None;
        if !retry {
            return;
        }
        if let Some(remaining) = self.remaining().filter(|r| !r.is_zero()) {
            self.refresh_at = Some(Instant::now() + refresh_delay(remaining).max(MIN_RETRY));
        }
    }

    /// The connection ended: fails every pending refresh with `err` and stops refreshing (a
    /// reconnection's `welcome` starts afresh).
    pub(super) fn drop_refreshes(&mut self, err: impl Fn() -> Error) {
        for pending in self.refreshes.drain(..) {
            if let Some(reply) = pending.reply {
                let _ = reply.send(Err(err()));
            }
        }
        self.fetch = None;
        self.refresh_at = None;
    }
}
