//! The `breakroom` command: `serve` runs the server, `token` mints access tokens, `detect`
//! runs the exercise detectors over recordings (`--matrix DIR`: the confusion matrix), `reach`
//! prints the reach game's targets and hits.

use std::path::PathBuf;

use anyhow::Context;
use breakroom::auth::{TokenKeys, TokenRole, TokenSpec};
use breakroom::config::{Config, Settings};
use breakroom::server::Server;
use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "breakroom",
    version,
    about = "Live-session server for active breaks"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

// Parsed once at start-up: the size of the variants does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server. Settings come from flags, then BREAKROOM_* variables, then the TOML
    /// file given with --config, then defaults. With --tls-cert and --tls-key it serves HTTPS
    /// and WSS, and reloads the certificate on SIGHUP or when its files change.
    Serve {
        /// TOML file with settings (keys as the flags, with underscores)
        #[arg(long, env = "BREAKROOM_CONFIG")]
        config: Option<PathBuf>,
        /// Development mode: generates an API key if none is set, and gives guest tokens at
        /// POST /v1/dev/token to clients on loopback. Never use it in production.
        #[arg(long, env = "BREAKROOM_DEV")]
        dev: bool,
        #[command(flatten)]
        settings: Settings,
    },
    /// Run every exercise detector over a recording (fixture format, see rooms/fixtures) and
    /// print the reps each counts and its phase over time; or, with --matrix, over every
    /// fixture of a folder, and print the confusion matrix.
    Detect {
        /// The recording (JSON)
        #[arg(required_unless_present = "matrix", conflicts_with = "matrix")]
        file: Option<PathBuf>,
        /// Run every exercise on every fixture in DIR (as gen-fixtures writes them) and print
        /// the confusion matrix as markdown; exits with an error when a count differs from
        /// its fixture's expectation
        #[arg(long, value_name = "DIR", conflicts_with = "exercises")]
        matrix: Option<PathBuf>,
        /// Only these exercises (catalogue ids); all when absent
        #[arg(long = "exercise")]
        exercises: Vec<String>,
        /// Print JSON instead of a table
        #[arg(long)]
        json: bool,
    },
    /// Print the reach game's first targets for each seed, as JSON lines; with a recording
    /// (fixture format), also the frames at which a device's game hits them and the hits the
    /// server's cross-check counts.
    Reach {
        /// A seed (repeat for several)
        #[arg(long, required = true)]
        seed: Vec<u32>,
        /// How many targets to print per seed
        #[arg(long, default_value_t = 20)]
        count: usize,
        /// A recording to play the game on
        file: Option<PathBuf>,
    },
    /// Mint an access token (HS256 JWT) with BREAKROOM_API_KEY and BREAKROOM_API_SECRET, or
    /// with the key that `serve` generated in the data folder.
    Token {
        /// User id (the token's subject)
        #[arg(long)]
        user: String,
        /// Display name
        #[arg(long)]
        name: String,
        /// Role
        #[arg(long, value_enum, default_value = "participant")]
        role: TokenRole,
        /// Room code the token is for (any room when absent)
        #[arg(long)]
        room: Option<String>,
        /// Lifetime in seconds, at most the server's longest accepted lifetime
        #[arg(long, default_value_t = 3600)]
        ttl: u64,
        /// Longest token lifetime the server accepts, in seconds (the server's setting of the
        /// same name): a longer `--ttl` is refused, since the server would refuse the token
        #[arg(
            long = "max-token-lifetime-s",
            env = "BREAKROOM_MAX_TOKEN_LIFETIME_S",
            default_value_t = breakroom::auth::DEFAULT_MAX_LIFETIME_S
        )]
        max_token_lifetime_s: u64,
        /// API key [default: the one in <data-dir>/api-key.json]
        #[arg(long, env = "BREAKROOM_API_KEY", requires = "api_secret")]
        api_key: Option<String>,
        /// API secret
        #[arg(
            long,
            env = "BREAKROOM_API_SECRET",
            hide_env_values = true,
            requires = "api_key"
        )]
        api_secret: Option<String>,
        /// Data folder of the server whose generated key to use
        #[arg(long, env = "BREAKROOM_DATA_DIR", default_value = "./breakroom-data")]
        data_dir: PathBuf,
    },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve {
            config,
            dev,
            settings,
        } => {
            let file = match config {
                Some(path) => Settings::from_file(&path)?,
                None => Settings::default(),
            };
            let config = Config::resolve(settings.or(file), dev)?;
            init_logs(config.json_logs);
            // On one CPU a work-stealing scheduler has nobody to steal from: one thread does
            // the same work with fewer wake-ups and no cross-thread handoffs.
            let runtime = if config.workers == 1 {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
            } else {
                tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(config.workers)
                    .enable_all()
                    .build()
            }
            .context("starting the runtime")?;
            runtime.block_on(serve(config))
        }
        Command::Detect {
            matrix: Some(dir),
            json,
            ..
        } => {
            use breakroom::detect_cli::matrix;
            let folder = breakroom::detect_cli::read_dir(&dir)?;
            for name in &folder.skipped {
                eprintln!("skipped {name}: no frames (still poses)");
            }
            let m = matrix::matrix(&folder.recordings);
            if json {
                println!("{}", serde_json::to_string_pretty(&m)?);
            } else {
                print!("{}", matrix::render_markdown(&m));
            }
            if !m.clean() {
                for (fixture, exercise, text) in matrix::failed_cells(&m) {
                    eprintln!("{fixture} / {exercise}: {text}");
                }
                anyhow::bail!(
                    "the confusion matrix is not clean: {} of {} cells differ from their \
                     fixture's expectation, {} non-zero expectations off the diagonal have no \
                     reason, {} other problems",
                    m.mismatches(),
                    m.cells(),
                    m.unexplained(),
                    m.problems.len()
                );
            }
            Ok(())
        }
        Command::Detect {
            file,
            exercises,
            json,
            ..
        } => {
            let file = file.context("detect needs a FILE or --matrix DIR")?;
            let recording = breakroom::detect_cli::read(&file)?;
            let outcomes = breakroom::detect_cli::run(&recording, &exercises);
            if json {
                println!("{}", serde_json::to_string_pretty(&outcomes)?);
            } else {
                print!(
                    "{}",
                    breakroom::detect_cli::render(&file, &recording, &outcomes)
                );
            }
            Ok(())
        }
        Command::Reach { seed, count, file } => {
            let recording = file.map(|f| breakroom::detect_cli::read(&f)).transpose()?;
            for seed in seed {
                let outcome = breakroom::detect_cli::reach::run(seed, count, recording.as_ref());
                println!("{}", serde_json::to_string(&outcome)?);
            }
            Ok(())
        }
        Command::Token {
            user,
            name,
            role,
            room,
            ttl,
            max_token_lifetime_s,
            api_key,
            api_secret,
            data_dir,
        } => {
            if ttl > max_token_lifetime_s {
                anyhow::bail!(
                    "--ttl {ttl} is over the longest token lifetime the server accepts \
                     ({max_token_lifetime_s} s, --max-token-lifetime-s / \
                     BREAKROOM_MAX_TOKEN_LIFETIME_S): the server would refuse this token"
                );
            }
            let (key, secret) = match (api_key, api_secret) {
                (Some(k), Some(s)) => (k, s),
                _ => {
                    let kept = breakroom::auth::load_or_create_key(&data_dir)?;
                    (kept.key, kept.secret)
                }
            };
            let keys = TokenKeys::new(&key, &secret);
            let spec = TokenSpec {
                user,
                name,
                email: None,
                room,
                role,
                grants: None,
            };
            println!("{}", keys.mint(spec, std::time::Duration::from_secs(ttl))?);
            Ok(())
        }
    }
}

fn init_logs(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("BREAKROOM_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_ansi(ansi)
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let dev = config.dev;
    let key = config.api_key.clone();
    // Where the secret is kept, when it is the generated key: the secret itself is never
    // printed (not even in dev mode), only the path of the owner-only file that holds it.
    let key_file = config.data_dir.join(breakroom::auth::KEY_FILE);
    let kept = std::fs::read_to_string(&key_file)
        .ok()
        .and_then(|text| serde_json::from_str::<breakroom::auth::ApiKey>(&text).ok())
        .is_some_and(|k| k.key == key);
    let server = Server::start(config).await?;
    let secret_is = if kept {
        format!(
            "its secret is kept in {} (readable by you only)",
            key_file.display()
        )
    } else {
        "its secret is the one you set (--api-secret / BREAKROOM_API_SECRET)".to_owned()
    };
    let scheme = server.scheme();
    if dev {
        let addr = server.addr();
        eprintln!(
            "\n  ************************************************************\n  \
             *  DEVELOPMENT MODE — not for production                   *\n  \
             ************************************************************\n  \
             API key: {key}; {secret_is}\n  \
             Guest tokens (loopback only):\n    \
             curl -s -X POST {scheme}://{addr}/v1/dev/token -H 'content-type: application/json' \
             -d '{{\"name\":\"Ada\",\"role\":\"facilitator\"}}'\n"
        );
    } else if kept {
        eprintln!("API key {key}; {secret_is} (mint tokens with `breakroom token`)");
    }
    // The handlers are in place before the line that tells a supervisor the server is up, so
    // that a SIGTERM sent right after it stops the server gracefully.
    let stop = stop_signal()?;
    println!("breakroom listening on {scheme}://{}", server.addr());
    stop.await;
    server.shutdown().await;
    Ok(())
}

/// Resolves on SIGINT or SIGTERM; the handlers are installed when this is called.
fn stop_signal() -> anyhow::Result<impl std::future::Future<Output = ()>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut int = signal(SignalKind::interrupt()).context("installing the SIGINT handler")?;
        let mut term = signal(SignalKind::terminate()).context("installing the SIGTERM handler")?;
        Ok(async move {
            tokio::select! {
                _ = int.recv() => {}
                _ = term.recv() => {}
            }
        })
    }
    #[cfg(not(unix))]
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
    })
}
