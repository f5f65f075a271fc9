//! `GET /v1/ws`: the WebSocket endpoint. One reader task and one writer task per connection.
//!
//! The reader decodes and checks each frame, applies the per-kind rate limits and forwards
//! inputs to the room actor; the writer drains the connection's [`Outbox`] in batches (feed,
//! then one flush). Neither holds a lock across an await. When the server closes a connection,
//! the socket lingers after the close frame, reading and dropping what the client still sends
//! (see `LINGER`), so that the client reads the close code instead of a reset.

use std::future::poll_fn;
use std::net::SocketAddr;
use std::pin::pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use breakroom_protocol::{
    ClientMsg, DecodeError, ErrorCode, Limits, MAX_CLIENT_MSG_BYTES, SUBPROTOCOL, ServerMsg, close,
    decode_client, encode_server,
};
use bytes::Bytes;
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::OwnedSemaphorePermit;
use tokio::time::Instant;
use tokio_tungstenite::WebSocketStream;
use tokio_util::sync::CancellationToken;
use tungstenite::Message;
use tungstenite::protocol::frame::CloseFrame;
use tungstenite::protocol::{Role, WebSocketConfig};

use crate::auth::web_session;
use crate::hub::Hub;
use crate::outbox::{Item, Outbox};
use crate::problem::Problem;
use crate::session::Session;

/// A connection's WebSocket, over the upgraded HTTP connection.
type Socket = WebSocketStream<TokioIo<hyper::upgrade::Upgraded>>;

/// Hard cap on a frame tungstenite will buffer; the protocol's own limit is checked after.
const TRANSPORT_MAX_MESSAGE: usize = 16 * 1024;
/// Read buffer per connection (tungstenite's default is 128 KiB).
const READ_BUFFER: usize = 4 * 1024;
/// Bytes buffered before tungstenite writes to the socket; we flush each batch anyway.
const WRITE_BUFFER: usize = 16 * 1024;
/// A batch that cannot be written within this time means the peer stopped reading: its
/// outbox stayed full past this bound, and the connection is dropped.
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);
/// After the server's close frame, what the client still sends is read and dropped until it
/// closes its side, for at most this long: closing a socket with unread bytes resets it, and
/// a client still sending (a large message, say) would lose the close frame and see 1006.
const LINGER: Duration = Duration::from_secs(5);
/// ... and until it has been quiet this long (a client that answered the close frame and waits
/// for the server to close the TCP connection first, as RFC 6455 has it).
const LINGER_QUIET: Duration = Duration::from_millis(500);

/// Whether a header lists `token` (comma-separated, case-insensitive).
fn lists(headers: &HeaderMap, name: header::HeaderName, token: &str) -> bool {
    headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim().eq_ignore_ascii_case(token))
}

/// Upgrades to a WebSocket after checking subprotocol, origin and capacity. A session cookie
/// sent with the upgrade needs this site's Origin (or a listed one; else 403) and lets `hello`
/// send an empty token to act as the person signed in.
///
/// The upgrade is done here rather than by axum's `WebSocketUpgrade`, which hides the socket:
/// the connection keeps it, to drain what a refused client still sends (see `LINGER`).
pub async fn upgrade(
    State(hub): State<Arc<Hub>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    mut req: Request,
) -> Response {
    let headers = req.headers();
    let key = headers.get(header::SEC_WEBSOCKET_KEY).cloned();
    let is_upgrade = req.method() == axum::http::Method::GET
        && lists(headers, header::CONNECTION, "upgrade")
        && lists(headers, header::UPGRADE, "websocket")
        && headers
            .get(header::SEC_WEBSOCKET_VERSION)
            .is_some_and(|v| v == "13");
    let on_upgrade = req.extensions_mut().remove::<hyper::upgrade::OnUpgrade>();
    let (true, Some(key), Some(on_upgrade)) = (is_upgrade, key, on_upgrade) else {
        return Problem::new(
            StatusCode::UPGRADE_REQUIRED,
            "upgrade-required",
            "GET /v1/ws needs a WebSocket upgrade with the subprotocol breakroom.v1",
        )
        .into_response();
    };
    let headers = req.headers();
    if !lists(headers, header::SEC_WEBSOCKET_PROTOCOL, SUBPROTOCOL) {
        return Problem::bad_request(format!(
            "unsupported or missing WebSocket subprotocol: this server speaks `{SUBPROTOCOL}`"
        ))
        .into_response();
    }
    // An Origin the server does not allow may be an embedding app's: the connection then acts
    // only for that app's tokens (checked at hello).
    let mut app_origin = None;
    if !origin_allowed(&hub, headers) {
        let origin = headers
            .get(header::ORIGIN)
            .and_then(|o| o.to_str().ok())
            .map(str::to_owned);
        app_origin = listed_by_an_app(&hub, origin).await;
        if app_origin.is_none() {
            return Problem::forbidden("this Origin may not open breakroom connections")
                .into_response();
        }
    }
    // The session cookie acts only with this site's Origin (or a listed one): a page of
    // another site cannot open a socket as the signed-in person (`*` does not allow that).
    // An embedding app's page acts through its app's tokens only: its cookie, if the browser
    // sent one, is not used.
    let cookie = if app_origin.is_none() && web_session::cookie_value(&hub, headers).is_some() {
        if let Err(problem) = web_session::check_origin(&hub, headers) {
            return problem.into_response();
        }
        web_session::principal_from_cookie(&hub, headers).await
    } else {
        None
    };
    if hub.shutdown.is_cancelled() {
        return Problem::unavailable("the server is shutting down").into_response();
    }
    let Ok(permit) = hub.connection_slots.clone().try_acquire_owned() else {
        return Problem::unavailable("the server is at its connection limit").into_response();
    };
    tracing::debug!(%peer, "websocket upgrade");
    let hub2 = hub.clone();
    hub.tasks.spawn(async move {
        let upgraded = match on_upgrade.await {
            Ok(upgraded) => upgraded,
            Err(err) => {
                tracing::debug!(%err, "websocket upgrade failed");
                return;
            }
        };
        let config = WebSocketConfig::default()
            .max_message_size(Some(TRANSPORT_MAX_MESSAGE))
            .max_frame_size(Some(TRANSPORT_MAX_MESSAGE))
            .read_buffer_size(READ_BUFFER)
            .write_buffer_size(WRITE_BUFFER)
            .max_write_buffer_size(WRITE_BUFFER + 2 * breakroom_protocol::MAX_SERVER_MSG_BYTES);
        let socket =
            WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, Some(config))
                .await;
        run(hub2, socket, permit, cookie, app_origin).await;
    });
    let accept = tungstenite::handshake::derive_accept_key(key.as_bytes());
    let mut response = StatusCode::SWITCHING_PROTOCOLS.into_response();
    let h = response.headers_mut();
    h.insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
    h.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
    h.insert(
        header::SEC_WEBSOCKET_PROTOCOL,
        HeaderValue::from_static(SUBPROTOCOL),
    );
    if let Ok(accept) = HeaderValue::from_str(&accept) {
        h.insert(header::SEC_WEBSOCKET_ACCEPT, accept);
    }
    response
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

/// The request's Origin, if an enabled embedding app lists it.
async fn listed_by_an_app(hub: &Hub, origin: Option<String>) -> Option<String> {
    let origin = origin?;
    match hub.store.origin_listed(&origin).await {
        Ok(true) => Some(origin),
        Ok(false) => None,
        Err(err) => {
            tracing::error!(%err, "checking app origins failed");
            None
        }
    }
}

async fn run(
    hub: Arc<Hub>,
    socket: Socket,
    permit: OwnedSemaphorePermit,
    cookie: Option<crate::auth::Principal>,
    app_origin: Option<String>,
) {
    hub.metrics.connections.inc();
    let id = hub.next_id();
    let outbox = Arc::new(Outbox::new(hub.config.outbox_messages));
    let done = CancellationToken::new();
    let (sink, mut stream) = socket.split();
    let writer = hub
        .tasks
        .spawn(write_loop(hub.clone(), sink, outbox.clone(), done.clone()));
    let mut session = Session::new(hub.clone(), id, outbox.clone(), cookie);
    if let Some(origin) = app_origin {
        session.only_for_app_origin(origin);
    }
    let peer_gone = read_loop(&hub, &mut session, &mut stream, &outbox, &done).await;
    session.finish().await;
    if !outbox.is_closing() {
        outbox.close(close::NORMAL, "bye");
    }
    if let Ok(Some(sink)) = writer.await
        && !peer_gone
        && let Ok(mut socket) = stream.reunite(sink)
    {
        linger(socket.get_mut()).await;
    }
    hub.metrics.connections.dec();
    drop(permit);
    tracing::debug!(conn = id, "connection closed");
}

/// After the server's close frame went out: ends the server's side of the TCP connection and
/// reads (and drops) whatever the client still sends, until it closes its side, goes quiet for
/// [`LINGER_QUIET`], or [`LINGER`] passes. Closing with unread bytes would reset the connection,
/// and a client still sending would then lose the close frame.
async fn linger(io: &mut TokioIo<hyper::upgrade::Upgraded>) {
    let drain = async {
        let _ = io.shutdown().await;
        let mut scratch = [0u8; 4096];
        loop {
            match tokio::time::timeout(LINGER_QUIET, io.read(&mut scratch)).await {
                Ok(Ok(n)) if n > 0 => continue,
                _ => return,
            }
        }
    };
    let _ = tokio::time::timeout(LINGER, drain).await;
}

/// Reads and handles frames until the connection ends. Returns true when the peer ended it
/// (its close frame, end of stream, or a broken connection), false when the server did (its
/// close frame is on its way).
async fn read_loop(
    hub: &Hub,
    session: &mut Session,
    stream: &mut SplitStream<Socket>,
    outbox: &Outbox,
    done: &CancellationToken,
) -> bool {
    // Made once, not per message: each `cancelled()` registers a waiter under the token's lock.
    // None is polled after it completes: `done` and the deadline return, and the shutdown
    // branch closes the outbox, which stays closing, so its precondition stays false.
    let mut done = pin!(done.cancelled());
    let mut shutdown = pin!(hub.shutdown.cancelled());
    let mut hello_deadline = pin!(tokio::time::sleep_until(
        Instant::now() + hub.config.hello_timeout
    ));
    // When the connection's token expires: one timer, armed at hello and moved by a refresh.
    let mut expiry = pin!(tokio::time::sleep_until(Instant::now()));
    let mut armed: Option<u64> = None;
    // Round-trip probes (`crate::round_trip`), from hello on.
    let mut probes = tokio::time::interval(crate::round_trip::PROBE_EVERY);
    probes.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        // Biased: the socket first, so the other branches (and their locks) are only polled
        // when it has nothing; the runtime's cooperative budget still lets them run.
        let frame = tokio::select! {
            biased;
            frame = stream.next() => frame,
            () = &mut done => return false,
            () = &mut expiry, if armed.is_some() => {
                if session.is_cookie() {
                    outbox.close(close::SIGNED_OUT, "the web session has ended");
                } else {
                    outbox.close(close::TOKEN_EXPIRED, "token expired");
                }
                return false;
            }
            () = &mut hello_deadline, if !session.said_hello() => {
                let secs = hub.config.hello_timeout.as_secs_f32();
                outbox.close(close::POLICY, format!("no valid hello within {secs} s"));
                return false;
            }
            () = &mut shutdown, if !session.in_room() && !outbox.is_closing() => {
                outbox.close(close::GOING_AWAY, "server shutting down");
                continue;
            }
            _ = probes.tick(), if session.said_hello() => {
                session.probe(hub.clock.now());
                continue;
            }
        };
        let received = hub.clock.now();
        let bytes = match frame {
            None => return true,
            Some(Err(err)) => {
                return match err {
                    // Over the transport's size cap, fragmented or not; the protocol's own
                    // limit is smaller and answered below.
                    tungstenite::Error::Capacity(_) => {
                        outbox.close(
                            close::TOO_BIG,
                            format!("message over {MAX_CLIENT_MSG_BYTES} bytes"),
                        );
                        false
                    }
                    tungstenite::Error::Protocol(err) => {
                        outbox.close(
                            close::PROTOCOL_ERROR,
                            truncate_reason(&format!("WebSocket protocol error: {err}")),
                        );
                        false
                    }
                    _ => true,
                };
            }
            Some(Ok(Message::Binary(bytes))) => bytes,
            Some(Ok(Message::Text(_))) => {
                outbox.close(
                    close::PROTOCOL_ERROR,
                    "text frames are not part of breakroom.v1",
                );
                return false;
            }
            Some(Ok(Message::Close(_))) => return true,
            Some(Ok(Message::Pong(payload))) => {
                session.pong(&payload, received).await;
                continue;
            }
            Some(Ok(Message::Ping(_) | Message::Frame(_))) => continue,
        };
        if bytes.len() > MAX_CLIENT_MSG_BYTES {
            outbox.close(
                close::TOO_BIG,
                format!(
                    "message of {} bytes; the limit is {MAX_CLIENT_MSG_BYTES}",
                    bytes.len()
                ),
            );
            return false;
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
                    return false;
                }
                if session.handle(msg, received).await.is_break() {
                    return false;
                }
                if session.expires_at() != armed {
                    armed = session.expires_at();
                    if let Some(exp) = armed {
                        expiry.as_mut().reset(expiry_deadline(exp));
                    }
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
                    return false;
                }
                if session.strike() {
                    outbox.close(close::PROTOCOL_ERROR, "too many malformed messages");
                    return false;
                }
            }
        }
    }
}

/// When a connection whose token expires at `exp` (Unix seconds) is closed: the token is good
/// until then plus the clock skew allowed ([`crate::auth::LEEWAY_S`]), as at hello.
fn expiry_deadline(exp: u64) -> Instant {
    let now = Instant::now();
    // A year stands for "never" (and keeps the additions below from overflowing).
    let never = Duration::from_secs(365 * 24 * 3600);
    let at = std::time::UNIX_EPOCH.checked_add(Duration::from_secs(
        exp.saturating_add(crate::auth::LEEWAY_S),
    ));
    let left = match at {
        None => never,
        Some(at) => at
            .duration_since(std::time::SystemTime::now())
            .unwrap_or(Duration::ZERO)
            .min(never),
    };
    now + left
}

/// A close frame's reason is at most 123 bytes.
fn truncate_reason(s: &str) -> String {
    let mut end = s.len().min(123);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_owned()
}

/// Error messages are bounded on the wire.
fn truncate(s: &str) -> String {
    s.chars()
        .take(breakroom_protocol::validate::MAX_ERROR_MESSAGE)
        .collect()
}

/// Writes the outbox's batches until it closes. Returns the sink when the close frame went out
/// (the connection may then linger), `None` when the peer was given up on.
async fn write_loop(
    hub: Arc<Hub>,
    mut sink: SplitSink<Socket, Message>,
    outbox: Arc<Outbox>,
    done: CancellationToken,
) -> Option<SplitSink<Socket, Message>> {
    let mut closed = false;
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
                    let message = match item {
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
                            Message::Binary(bytes)
                        }
                        Item::Probe(payload) => Message::Ping(Bytes::copy_from_slice(&payload)),
                        Item::Pong { t0, t1 } => {
                            hub.metrics.count_out("pong", 1);
                            let pong = ServerMsg::Pong {
                                t0,
                                t1,
                                t2: hub.clock.now(),
                            };
                            Message::Binary(Bytes::from(encode_server(&pong)))
                        }
                    };
                    sink.feed(message).await?;
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
                code: c.code.into(),
                reason: c.reason.into(),
            };
            let sent =
                tokio::time::timeout(WRITE_TIMEOUT, sink.send(Message::Close(Some(frame)))).await;
            closed = matches!(sent, Ok(Ok(())));
            break;
        }
    }
    done.cancel();
    closed.then_some(sink)
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
