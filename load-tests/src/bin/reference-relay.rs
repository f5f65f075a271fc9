//! `reference-relay`: the physical-limit reference server (see `breakroom_load::relay`).
//!
//! `reference-relay --listen 127.0.0.1:9000 [--tick-hz 30]`: no logic beyond relaying
//! skeletons the way breakroom does; the floor breakroom's costs are compared with.

use clap::Parser;

/// Command-line options.
#[derive(Debug, Parser)]
#[command(
    name = "reference-relay",
    about = "Minimal breakroom.v1 skeleton relay: the reference floor"
)]
struct Cli {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:9000")]
    listen: std::net::SocketAddr,
    /// Relay ticks per second.
    #[arg(long, default_value_t = 30)]
    tick_hz: u32,
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    // The same runtime choice as breakroom's: single-threaded when the process has one CPU.
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let runtime = if cpus == 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?
    } else {
        tokio::runtime::Runtime::new()?
    };
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(cli.listen).await?;
        eprintln!("reference-relay listening on {}", listener.local_addr()?);
        breakroom_load::relay::serve(listener, cli.tick_hz).await
    })
}
