//! `GET /v1/ws`: the WebSocket endpoint. One reader task and one writer task per connection.
//!
//! The reader decodes and checks each frame, applies the per-kind rate limits and forwards
//! inputs to the room actor; the writer drains the connection's [`Outbox`] in batches (feed,
//! then one flush). Neither holds a lock across an await.

use std::future::poll_fn;
use std::net::SocketAddr;
use std::pin::pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use breakroom_protocol::{
    ClientMsg, DecodeError, ErrorCode, Limits, MAX_CLIENT_MSG_BYTES, SUBPROTOCOL, ServerMsg, close,
    decode_client, encode_server,
};
use bytes::Bytes;
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use tokio::sync::OwnedSemaphorePermit;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::hub::Hub;
use crate::outbox::{Item, Outbox};
use crate::problem::Problem;
use crate::session::Session;

/// Hard cap on a frame tungstenite will buffer; the protocol's own limit is checked after.
const TRANSPORT_MAX_MESSAGE: usize = 16 * 1024;
/// Read buffer per connection (tungstenite's default is 128 KiB).
const READ_BUFFER: usize = 4 * 1024;
/// Bytes buffered before tungstenite writes to the socket; we flush each batch anyway.
const WRITE_BUFFER: usize = 16 * 1024;
/// A batch that cannot be written within this time means the peer stopped reading: its
/// outbox stayed full past this bound, and the connection is dropped.
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);

/// Upgrades to a WebSocket after checking subprotocol, origin and capacity.
pub async fn upgrade(
    State(hub): State<Arc<Hub>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ws: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> Response {
    let ws = match ws {
        Ok(ws) => ws,
        Err(_) => {
            return Problem::new(
                StatusCode::UPGRADE_REQUIRED,
                "upgrade-required",
                "GET /v1/ws needs a WebSocket upgrade with the subprotocol breakroom.v1",
            )
            .into_response();
        }
    };
    if !ws
        .requested_protocols()
        .any(|p| p.as_bytes() == SUBPROTOCOL.as_bytes())
    {
        return Problem::bad_request(format!(
            "unsupported or missing WebSocket subprotocol: this server speaks `{SUBPROTOCOL}`"
        ))
        .into_response();
    }
    if !origin_allowed(&hub, &headers) {
        return Problem::forbidden("this Origin may not open breakroom connections")
            .into_response();
    }
    if hub.shutdown.is_cancelled() {
        return Problem::unavailable("the server is shutting down").into_response();
    }
    let Ok(permit) = hub.connection_slots.clone().try_acquire_owned() else {
        return Problem::unavailable("the server is at its connection limit").into_response();
    };
    tracing::debug!(%peer, "websocket upgrade");
    let hub2 = hub.clone();
    ws.protocols([SUBPROTOCOL])
        .max_message_size(TRANSPORT_MAX_MESSAGE)
        .max_frame_size(TRANSPORT_MAX_MESSAGE)
        .read_buffer_size(READ_BUFFER)
        .write_buffer_size(WRITE_BUFFER)
        .max_write_buffer_size(WRITE_BUFFER + 2 * breakroom_protocol::MAX_SERVER_MSG_BYTES)
        .on_upgrade(move |socket| hub2.tasks.track_future(run(hub, socket, permit)))
}

/// Same-origin is always allowed; other browser origins only if listed (`*` allows any).
/// Same-origin compares `Origin` with `Host`; under DNS rebinding an attacker controls both,
/// which is why the check is a first line only: every connection still needs a valid token.
/// Clients that send no `Origin` (not browsers) are allowed: their token is what counts.
fn origin_allowed(hub: &Hub, headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()) else {
        return true;
    };
    let allowed = &hub.config.allowed_origins;
    if allowed
        .iter()
        .any(|a| a == "*" || a.eq_ignore_ascii_case(origin))
    {
        return true;
    }
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let origin_host = origin.split_once("://").map(|(_, rest)| rest);
    matches!((host, origin_host), (Some(h), Some(o)) if h.eq_ignore_ascii_case(o))
}

async fn run(hub: Arc<Hub>, socket: WebSocket, permit: OwnedSemaphorePermit) {
    hub.metrics.connections.inc();
    let id = hub.next_id();
    let outbox = Arc::new(Outbox::new(hub.config.outbox_messages));
    let done = CancellationToken::new();
    let (sink, stream) = socket.split();
    let writer = hub
        .tasks
        .spawn(write_loop(hub.clone(), sink, outbox.clone(), done.clone()));
    let mut session = Session::new(hub.clone(), id, outbox.clone());
    read_loop(&hub, &mut session, stream, &outbox, &done).await;
    session.finish().await;
    if !outbox.is_closing() {
        outbox.close(close::NORMAL, "bye");
    }
    let _ = writer.await;
    hub.metrics.connections.dec();
    drop(permit);
    tracing::debug!(conn = id, "connection closed");
}

async fn read_loop(
    hub: &Hub,
    session: &mut Session,
    mut stream: SplitStream<WebSocket>,
    outbox: &Outbox,
    done: &CancellationToken,
) {
    // Made once, not per message: each `cancelled()` registers a waiter under the token's lock.
    // None is polled after it completes: `done` and the deadline return, and the shutdown
    // branch closes the outbox, which stays closing, so its precondition stays false.
    let mut done = pin!(done.cancelled());
    let mut shutdown = pin!(hub.shutdown.cancelled());
    let mut hello_deadline = pin!(tokio::time::sleep_until(
        Instant::now() + hub.config.hello_timeout
    ));
    loop {
        // Biased: the socket first, so the other branches (and their locks) are only polled
        // when it has nothing; the runtime's cooperative budget still lets them run.
        let frame = tokio::select! {
            biased;
            frame = stream.next() => frame,
            () = &mut done => return,
            () = &mut hello_deadline, if !session.said_hello() => {
                let secs = hub.config.hello_timeout.as_secs_f32();
                outbox.close(close::POLICY, format!("no valid hello within {secs} s"));
                return;
            }
            () = &mut shutdown, if !session.in_room() && !outbox.is_closing() => {
                outbox.close(close::GOING_AWAY, "server shutting down");
                continue;
            }
        };
        let received = hub.clock.now();
        let bytes = match frame {
            None | Some(Err(_)) => {
                if let Some(Err(err)) = frame {
                    // The transport's own size cap; ours is smaller and answered below.
                    let inner = err.into_inner();
                    if matches!(
                        inner.downcast_ref::<tungstenite::Error>(),
                        Some(tungstenite::Error::Capacity(_))
                    ) {
                        outbox.close(close::TOO_BIG, "message too big");
                    }
                }
                return;
            }
            Some(Ok(Message::Binary(bytes))) => bytes,
            Some(Ok(Message::Text(_))) => {
                outbox.close(
                    close::PROTOCOL_ERROR,
                    "text frames are not part of breakroom.v1",
                );
                return;
            }
            Some(Ok(Message::Close(_))) => return,
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
        };
        if bytes.len() > MAX_CLIENT_MSG_BYTES {
            outbox.close(
                close::TOO_BIG,
                format!(
                    "message of {} bytes; the limit is {MAX_CLIENT_MSG_BYTES}",
                    bytes.len()
                ),
            );
            return;
        }
        match decode_client(&bytes) {
            Ok(msg) => {
                hub.metrics.count_in(msg.kind());
                if !session.said_hello() && !matches!(msg, ClientMsg::Hello { .. }) {
                    session.error(
                        ErrorCode::Unauthorized,
                        "the first message must be hello",
                        msg.seq(),
                    );
                    outbox.close(close::POLICY, "the first message must be hello");
                    return;
                }
                if session.handle(msg, received).await.is_break() {
                    return;
                }
            }
            Err(err) => {
                let code = match err {
                    DecodeError::UnknownType(_) => ErrorCode::Unsupported,
                    _ => ErrorCode::BadMessage,
                };
                session.error(code, &truncate(&err.to_string()), None);
                if !session.said_hello() {
                    outbox.close(close::POLICY, "the first message must be a valid hello");
                    return;
                }
                if session.strike() {
                    outbox.close(close::PROTOCOL_ERROR, "too many malformed messages");
                    return;
                }
            }
        }
    }
}

/// Error messages are bounded on the wire.
fn truncate(s: &str) -> String {
    s.chars()
        .take(breakroom_protocol::validate::MAX_ERROR_MESSAGE)
        .collect()
}

async fn write_loop(
    hub: Arc<Hub>,
    mut sink: SplitSink<WebSocket, Message>,
    outbox: Arc<Outbox>,
    done: CancellationToken,
) {
    let mut batch = Vec::new();
    // Made once, not per batch: each `cancelled()` registers a waiter under the token's lock.
    let mut cancelled = pin!(done.cancelled());
    loop {
        let close = tokio::select! {
            biased;
            close = outbox.next_batch(&mut batch) => close,
            () = &mut cancelled => break,
        };
        hub.metrics.outbox_depth.observe(batch.len() as f64);
        // A block, so the write's borrow of `sink` ends before the close frame below.
        let written = {
            let write = async {
                for item in batch.drain(..) {
                    let bytes = match item {
                        Item::Msg { bytes, cue_at } => {
                            if let Some(at) = cue_at {
                                let now = hub.clock.now();
                                if at >= now {
                                    hub.metrics
                                        .cue_lead_seconds
                                        .observe((at - now) as f64 / 1e6);
                                } else {
                                    hub.metrics.cues_late.inc();
                                }
                            }
                            bytes
                        }
                        Item::Pong { t0, t1 } => {
                            hub.metrics.count_out("pong", 1);
                            let pong = ServerMsg::Pong {
                                t0,
                                t1,
                                t2: hub.clock.now(),
                            };
                            Bytes::from(encode_server(&pong))
                        }
                    };
                    sink.feed(Message::Binary(bytes)).await?;
                }
                sink.flush().await
            };
            let mut write = pin!(write);
            // Most batches go straight into the socket: try once before arming the timer and
            // waiting on the overflow signal, which only a batch that cannot be written needs.
            match poll_fn(|cx| Poll::Ready(write.as_mut().poll(cx))).await {
                Poll::Ready(written) => written,
                Poll::Pending => tokio::select! {
                    written = tokio::time::timeout(WRITE_TIMEOUT, write) => match written {
                        Ok(written) => written,
                        Err(_) => {
                            // The peer stopped reading: its socket stayed full for the whole bound.
                            // Drop it (a close frame could not get through either); it may resume.
                            hub.metrics.slow_consumers_closed.inc();
                            tracing::info!("dropping a connection that stopped reading");
                            break;
                        }
                    },
                    // The outbox overflowed while this batch was stuck: give up on the peer now.
                    () = outbox.overflowed() => break,
                },
            }
        };
        if written.is_err() {
            break;
        }
        if let Some(c) = close {
            let frame = CloseFrame {
                code: c.code,
                reason: c.reason.into(),
            };
            let _ =
                tokio::time::timeout(WRITE_TIMEOUT, sink.send(Message::Close(Some(frame)))).await;
            break;
        }
    }
    done.cancel();
}

/// The limits announced in `welcome`.
pub fn limits(hub: &Hub) -> Limits {
    Limits {
        max_message_bytes: MAX_CLIENT_MSG_BYTES as u32,
        pose_hz: hub.config.pose_hz,
        score_hz: hub.config.score_hz,
        control_hz: hub.config.control_hz,
    }
}
