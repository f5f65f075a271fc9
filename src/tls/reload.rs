//! Reloading the certificate without a restart: on SIGHUP, and when the files change.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio_util::sync::CancellationToken;

use super::{Certificates, TlsFiles};

/// How often the files' metadata is looked at.
pub const WATCH_INTERVAL: Duration = Duration::from_secs(2);

/// What identifies one version of a file: a change of any part means it was rewritten or
/// replaced. `None` while the file cannot be read (being replaced, say).
type Stamp = Option<(SystemTime, u64, u64)>;

fn stamp(path: &std::path::Path) -> Stamp {
    // `metadata` follows symlinks: a swapped link target (Kubernetes secrets) is a change.
    let meta = std::fs::metadata(path).ok()?;
    #[cfg(unix)]
    let inode = std::os::unix::fs::MetadataExt::ino(&meta);
    #[cfg(not(unix))]
    let inode = 0;
    Some((meta.modified().ok()?, meta.len(), inode))
}

fn stamps(files: &TlsFiles) -> (Stamp, Stamp) {
    (stamp(&files.cert), stamp(&files.key))
}

/// Reloads `certs` on SIGHUP and whenever its files change, until `stop`. The SIGHUP handler
/// is installed before this returns, so a SIGHUP sent afterwards is never lost (nor does it
/// end the process, SIGHUP's default).
pub fn watch(
    certs: Arc<Certificates>,
    interval: Duration,
    stop: CancellationToken,
) -> std::io::Result<impl Future<Output = ()> + Send + 'static> {
    #[cfg(unix)]
    let mut hangup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())?;
    // Taken now, the files having just been read: a change from here on is seen.
    let mut seen = stamps(certs.files());
    Ok(async move {
        let mut tick = tokio::time::interval(interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            #[cfg(unix)]
            let hup = hangup.recv();
            #[cfg(not(unix))]
            let hup = std::future::pending::<Option<()>>();
            let trigger = tokio::select! {
                _ = stop.cancelled() => return,
                _ = hup => "SIGHUP",
                _ = tick.tick() => {
                    let now = stamps(certs.files());
                    if now == seen {
                        continue;
                    }
                    "file change"
                }
            };
            // Before reading: a write that lands during the read is seen at the next tick.
            seen = stamps(certs.files());
            let reloading = certs.clone();
            let result = tokio::task::spawn_blocking(move || reloading.reload()).await;
            let files = certs.files();
            match result {
                Ok(Ok(())) => tracing::info!(
                    trigger,
                    cert = %files.cert.display(),
                    "TLS certificate reloaded; new connections get it"
                ),
                Ok(Err(err)) => tracing::error!(
                    trigger,
                    %err,
                    "TLS certificate reload failed; still serving the previous certificate"
                ),
                Err(err) => tracing::error!(%err, "TLS certificate reload task failed"),
            }
        }
    })
}
