//! Starting and stopping a server: bind, serve, and shut down gracefully.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use axum::http::{HeaderValue, header};
use axum::serve::ListenerExt;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::config::Config;
use crate::hub::Hub;
use crate::store::SqliteStore;
use crate::tls::{Certificates, TlsListener, WATCH_INTERVAL};

/// The `Strict-Transport-Security` value for a max-age in seconds.
fn hsts(max_age_s: u64) -> HeaderValue {
    HeaderValue::try_from(format!("max-age={max_age_s}"))
        .expect("ASCII letters, `-`, `=` and digits make a valid header value")
}

/// The warning for serving plain HTTP where others can listen: on a non-loopback address,
/// without TLS, and with no TLS-terminating proxy declared in front.
pub fn plain_http_warning(config: &Config, addr: SocketAddr) -> Option<String> {
    if config.tls.is_some() || config.behind_proxy || addr.ip().to_canonical().is_loopback() {
        return None;
    }
    Some(format!(
        "serving PLAIN HTTP on {addr}, a non-loopback address: access tokens, names and results \
         cross the network unencrypted. Serve HTTPS with --tls-cert and --tls-key (tls_cert, \
         tls_key), or, if a TLS-terminating proxy is in front, say so with --behind-proxy \
         (behind_proxy = true)"
    ))
}

/// A running server.
#[derive(Debug)]
pub struct Server {
    addr: SocketAddr,
    scheme: &'static str,
    hub: Arc<Hub>,
    store: SqliteStore,
    serve: JoinHandle<std::io::Result<()>>,
}

impl Server {
    /// Reads the TLS certificate (if any), opens the store, binds the listener and starts
    /// serving.
    pub async fn start(config: Config) -> anyhow::Result<Server> {
        // First: a bad certificate or key is the likeliest mistake, and must stop the start.
        let certs = match &config.tls {
            Some(files) => Some(Arc::new(Certificates::load(files.clone())?)),
            None => None,
        };
        let store = SqliteStore::open(&config.database_url).await?;
        let listener = TcpListener::bind(config.listen).await?;
        let addr = listener.local_addr()?;
        let scheme = if certs.is_some() { "https" } else { "http" };
        let public_url = config
            .public_url
            .clone()
            .unwrap_or_else(|| format!("{scheme}://{addr}"));
        if let Some(warning) = plain_http_warning(&config, addr) {
            tracing::warn!("{warning}");
        }
        let hub = Arc::new(Hub::new(config, Arc::new(store.clone()), public_url));
        // A provider that cannot work as configured stops the start; one that cannot be
        // reached is tried again in the background (see `auth::providers`).
        hub.providers
            .discover_all()
            .await
            .context("sign-in provider (oidc.providers)")?;
        hub.tasks
            .spawn(hub.providers.clone().retry_until(hub.shutdown.clone()));
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
        let router = crate::http::router(hub.clone());
        let stop = hub.shutdown.clone();
        let serve = match certs {
            None => {
                let app = router.into_make_service_with_connect_info::<SocketAddr>();
                tokio::spawn(async move {
                    axum::serve(listener, app)
                        .with_graceful_shutdown(stop.cancelled_owned())
                        .await
                })
            }
            Some(certs) => {
                let tls = Certificates::server_config(certs.clone())?;
                let reload = crate::tls::watch(certs, WATCH_INTERVAL, hub.shutdown.clone())
                    .context("installing the SIGHUP handler")?;
                hub.tasks.spawn(reload);
                let app = router
                    .layer(SetResponseHeaderLayer::overriding(
                        header::STRICT_TRANSPORT_SECURITY,
                        hsts(hub.config.hsts_max_age_s),
                    ))
                    .into_make_service_with_connect_info::<SocketAddr>();
                // The outer `tap_io` does nothing to the stream: it is what lets axum give the
                // handlers the peer's `ConnectInfo<SocketAddr>` from a listener of our own.
                let listener = TlsListener::new(listener, tls).tap_io(|_| {});
                tokio::spawn(async move {
                    axum::serve(listener, app)
                        .with_graceful_shutdown(stop.cancelled_owned())
                        .await
                })
            }
        };
        tracing::info!(%addr, scheme, "breakroom listening");
        Ok(Server {
            addr,
            scheme,
            hub,
            store,
            serve,
        })
    }

    /// `https` when serving TLS, else `http`.
    pub fn scheme(&self) -> &'static str {
        self.scheme
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
