//! Opening a connection: the WebSocket upgrade with the subprotocol, then `hello` → `welcome`.
//! Also the two socket primitives the driver uses: send one message, read one frame.

use std::time::Duration;

use breakroom_protocol::clock::Sample;
use breakroom_protocol::{
    ClientMsg, DecodeError, MAX_SERVER_MSG_BYTES, SUBPROTOCOL, ServerMsg, decode_server,
    encode_client,
};
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::time::timeout;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::backoff::ABNORMAL;
use crate::clock::LocalClock;
use crate::error::Error;
use crate::event::Welcome;

/// The socket type.
pub(crate) type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// How long one write may take before the connection counts as dead.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);

/// Where and as whom to connect; kept by the driver for reconnections.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    pub(crate) url: String,
    pub(crate) token: String,
    pub(crate) sdk_name: String,
    pub(crate) sdk_version: String,
}

/// An open connection that has been welcomed.
#[derive(Debug)]
pub(crate) struct Handshake {
    pub(crate) ws: Ws,
    pub(crate) welcome: Welcome,
    /// The `seq` of the `hello`, quoted by an `error` refusing its resume.
    pub(crate) hello_seq: u32,
    /// Whether the `hello` asked to resume.
    pub(crate) resuming: bool,
    /// A clock sample from the `hello` → `welcome` exchange.
    pub(crate) sample: Sample,
    /// The access token the `hello` carried.
    pub(crate) token: String,
    /// When the `welcome` arrived (the local instant of its `server_time`).
    pub(crate) received: tokio::time::Instant,
}

/// Checks that `url` is a WebSocket URL this build can open.
pub(crate) fn check_url(url: &str) -> Result<(), Error> {
    if url.starts_with("ws://") {
        return Ok(());
    }
    if url.starts_with("wss://") {
        if cfg!(feature = "rustls") {
            return Ok(());
        }
        return Err(Error::InvalidUrl(format!(
            "{url}: wss:// needs the `rustls` feature"
        )));
    }
    Err(Error::InvalidUrl(format!(
        "{url}: expected ws:// or wss://"
    )))
}

/// Connects, says `hello` (with `resume` if given) and waits for the `welcome`, all within
/// `limit`.
pub(crate) async fn handshake(
    target: &Target,
    hello_seq: u32,
    resume: Option<String>,
    clock: &LocalClock,
    limit: Duration,
) -> Result<Handshake, Error> {
    match timeout(limit, handshake_inner(target, hello_seq, resume, clock)).await {
        Ok(result) => result,
        Err(_) => Err(Error::Timeout),
    }
}

async fn handshake_inner(
    target: &Target,
    hello_seq: u32,
    resume: Option<String>,
    clock: &LocalClock,
) -> Result<Handshake, Error> {
    check_url(&target.url)?;
    #[cfg(feature = "rustls")]
    {
        // Pin rustls to the `ring` provider; `Err` means a provider is already installed.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
    let mut request = target.url.as_str().into_client_request()?;
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        HeaderValue::from_static(SUBPROTOCOL),
    );
    // An 8 KiB read buffer: tungstenite zero-fills the free part of its buffer before every
    // read, and its 128 KiB default made that the client's largest cost under load.
    let config = WebSocketConfig::default()
        .read_buffer_size(8 * 1024)
        .max_message_size(Some(MAX_SERVER_MSG_BYTES))
        .max_frame_size(Some(MAX_SERVER_MSG_BYTES));
    let (mut ws, _response) =
        match tokio_tungstenite::connect_async_with_config(request, Some(config), true).await {
            Ok(connected) => connected,
            Err(tungstenite::Error::Http(response)) => {
                return Err(Error::Rejected {
                    status: response.status().as_u16(),
                });
            }
            Err(err) => return Err(err.into()),
        };

    let resuming = resume.is_some();
    let hello = ClientMsg::Hello {
        seq: hello_seq,
        sdk: target.sdk_name.clone(),
        sdk_version: target.sdk_version.clone(),
        token: target.token.clone(),
        resume,
    };
    let t0 = clock.now();
    send(&mut ws, &hello).await?;
    loop {
        let msg = match read(&mut ws).await {
            Frame::Msg(msg) => msg,
            Frame::Skip => continue,
            Frame::Closed { code, reason } => return Err(Error::Closed { code, reason }),
        };
        let t3 = clock.now();
        match *msg {
            ServerMsg::Welcome {
                conn,
                resume,
                server_time,
                limits,
                expires_at,
            } => {
                let welcome = Welcome {
                    conn,
                    resume,
                    server_time,
                    limits,
                    expires_at,
                };
                let sample = Sample {
                    t0,
                    t1: server_time,
                    t2: server_time,
                    t3,
                };
                return Ok(Handshake {
                    ws,
                    welcome,
                    hello_seq,
                    resuming,
                    sample,
                    token: target.token.clone(),
                    received: tokio::time::Instant::now(),
                });
            }
            ServerMsg::Error { code, message, .. } => return Err(Error::Server { code, message }),
            other => {
                return Err(Error::Protocol(format!(
                    "`{}` before `welcome`",
                    other.kind()
                )));
            }
        }
    }
}

/// Sends one message as one binary frame.
pub(crate) async fn send(ws: &mut Ws, msg: &ClientMsg) -> Result<(), Error> {
    let frame = Message::binary(encode_client(msg));
    match timeout(WRITE_TIMEOUT, ws.send(frame)).await {
        Ok(result) => Ok(result?),
        Err(_) => Err(Error::Timeout),
    }
}

/// What one read from the socket gave.
#[derive(Debug)]
pub(crate) enum Frame {
    /// A server message (boxed: most frames are small, a snapshot is not).
    Msg(Box<ServerMsg>),
    /// Nothing for the client: a control frame, an unknown message type, a bad message.
    Skip,
    /// The connection ended, with the close frame's code or [`ABNORMAL`].
    Closed {
        /// Close code.
        code: u16,
        /// Close reason.
        reason: String,
    },
}

/// Reads one frame.
pub(crate) async fn read(ws: &mut Ws) -> Frame {
    match ws.next().await {
        Some(Ok(Message::Binary(bytes))) => match decode_server(&bytes) {
            Ok(msg) => Frame::Msg(Box::new(msg)),
            // Forward compatibility: newer servers may send types this version does not know.
            Err(DecodeError::UnknownType(kind)) => {
                tracing::debug!(%kind, "skipping a server message of unknown type");
                Frame::Skip
            }
            Err(err) => {
                tracing::warn!(%err, "skipping an undecodable server message");
                Frame::Skip
            }
        },
        Some(Ok(Message::Close(Some(frame)))) => Frame::Closed {
            code: frame.code.into(),
            reason: frame.reason.to_string(),
        },
        // A close frame without a status: "no status received".
        Some(Ok(Message::Close(None))) => Frame::Closed {
            code: 1005,
            reason: String::new(),
        },
        Some(Ok(_)) => Frame::Skip,
        Some(Err(err)) => Frame::Closed {
            code: ABNORMAL,
            reason: err.to_string(),
        },
        None => Frame::Closed {
            code: ABNORMAL,
            reason: "connection dropped".to_owned(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked_before_connecting() {
        assert!(check_url("ws://127.0.0.1:7878/v1/ws").is_ok());
        assert!(matches!(
            check_url("http://127.0.0.1:7878/v1/ws"),
            Err(Error::InvalidUrl(_))
        ));
        assert_eq!(
            check_url("wss://example.com/v1/ws").is_ok(),
            cfg!(feature = "rustls")
        );
    }
}
