//! Starting and stopping a server: bind, serve, and shut down gracefully.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::config::Config;
use crate::hub::Hub;
use crate::store::SqliteStore;

/// A running server.
#[derive(Debug)]
pub struct Server {
    addr: SocketAddr,
    hub: Arc<Hub>,
    store: SqliteStore,
    serve: JoinHandle<std::io::Result<()>>,
}

impl Server {
    /// Opens the store, binds the listener and starts serving.
    pub async fn start(config: Config) -> anyhow::Result<Server> {
        let store = SqliteStore::open(&config.database_url).await?;
        let listener = TcpListener::bind(config.listen).await?;
        let addr = listener.local_addr()?;
        let public_url = config
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{addr}"));
        let hub = Arc::new(Hub::new(config, Arc::new(store.clone()), public_url));
        let send_buffer = hub.config.send_buffer_bytes;
        let listener = axum::serve::ListenerExt::tap_io(listener, move |tcp| {
            // Small messages must not wait for Nagle; a bounded kernel buffer caps what a
            // stalled reader can pin in the kernel.
            if let Err(err) = tcp.set_nodelay(true) {
                tracing::debug!(%err, "setting TCP_NODELAY failed");
            }
            if let Some(bytes) = send_buffer
                && let Err(err) = socket2::SockRef::from(&*tcp).set_send_buffer_size(bytes)
            {
                tracing::debug!(%err, "setting the send buffer failed");
            }
        });
        let app =
            crate::http::router(hub.clone()).into_make_service_with_connect_info::<SocketAddr>();
        let stop = hub.shutdown.clone();
        let serve = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(stop.cancelled_owned())
                .await
        });
        tracing::info!(%addr, "breakroom listening");
        Ok(Server {
            addr,
            hub,
            store,
            serve,
        })
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The shared state (for tests and embedding).
    pub fn hub(&self) -> &Arc<Hub> {
        &self.hub
    }

    /// Stops accepting, ends every live session and persists its summary, closes every socket
    /// with 1001, and returns once all tasks are done or the shutdown timeout passed.
    pub async fn shutdown(self) {
        let hub = self.hub;
        tracing::info!(rooms = hub.rooms.len(), "shutting down");
        hub.shutdown.cancel();
        hub.tasks.close();
        let serve = self.serve;
        let all_done = async {
            hub.tasks.wait().await;
            let _ = serve.await;
        };
        if tokio::time::timeout(hub.config.shutdown_timeout, all_done)
            .await
            .is_err()
        {
            tracing::warn!(
                left = hub.tasks.len(),
                "shutdown timed out; dropping the rest"
            );
        }
        self.store.close().await;
        tracing::info!("stopped");
    }
}
