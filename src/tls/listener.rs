//! A listener that hands axum TLS streams: TCP connections come in, handshakes run side by
//! side, and what comes out of a finished handshake is served.

use std::fmt::Debug;
use std::sync::Arc;
use std::time::Duration;

use axum::serve::Listener;
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

/// Handshakes in progress at once; past this, new connections wait in the kernel's backlog.
const MAX_HANDSHAKES: usize = 256;
/// A client that has not finished its handshake within this time is dropped.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// What a handshake task yields: the stream and the peer's address, or nothing if it failed.
type Handshake<L> = Option<(TlsStream<<L as Listener>::Io>, <L as Listener>::Addr)>;

/// Wraps a listener of plain connections (`L`) in TLS.
pub struct TlsListener<L: Listener> {
    inner: L,
    acceptor: TlsAcceptor,
    /// Handshakes in progress: a finished one yields its stream, a failed one nothing.
    handshakes: JoinSet<Handshake<L>>,
}

impl<L: Listener> Debug for TlsListener<L> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsListener")
            .field("handshakes", &self.handshakes.len())
            .finish_non_exhaustive()
    }
}

impl<L: Listener> TlsListener<L> {
    /// Serves TLS with `config` on the connections `inner` accepts.
    pub fn new(inner: L, config: Arc<rustls::ServerConfig>) -> TlsListener<L> {
        TlsListener {
            inner,
            acceptor: TlsAcceptor::from(config),
            handshakes: JoinSet::new(),
        }
    }
}

impl<L> Listener for TlsListener<L>
where
    L: Listener,
    L::Addr: Debug + Send + 'static,
{
    type Io = TlsStream<L::Io>;
    type Addr = L::Addr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let has_room = self.handshakes.len() < MAX_HANDSHAKES;
            // Both branches are cancel-safe: axum drops this future when it stops accepting.
            tokio::select! {
                (io, addr) = self.inner.accept(), if has_room => {
                    let handshake = self.acceptor.accept(io);
                    self.handshakes.spawn(async move {
                        match tokio::time::timeout(HANDSHAKE_TIMEOUT, handshake).await {
                            Ok(Ok(stream)) => Some((stream, addr)),
                            Ok(Err(err)) => {
                                tracing::debug!(peer = ?addr, %err, "TLS handshake failed");
                                None
                            }
                            Err(_) => {
                                tracing::debug!(peer = ?addr, "TLS handshake timed out");
                                None
                            }
                        }
                    });
                }
                Some(done) = self.handshakes.join_next() => {
                    if let Ok(Some(accepted)) = done {
                        return accepted;
                    }
                }
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.inner.local_addr()
    }
}
