//! The hub: shared state of a running server — the directory of live rooms
//! ([`RoomDirectory`]), resume tokens ([`ResumeTokens`]), connection counts per user
//! ([`UserConnections`]), the store, keys and metrics. Each of the three owns its map and its
//! rules; no lock is ever held across an await.

mod directory;
mod live;
mod per_user;
mod resume;

pub use directory::{RoomDirectory, RoomHandle, display_code, normalize_code};
pub use live::{LiveConnection, LiveConnections};
pub use per_user::UserConnections;
pub use resume::ResumeTokens;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use breakroom_protocol::Program;
use breakroom_rooms::{Room, RoomConfig, RoomError};
use tokio::sync::{Semaphore, mpsc};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::auth::TokenKeys;
use crate::auth::providers::Providers;
use crate::clock::Clock;
use crate::config::Config;
use crate::metrics::Metrics;
use crate::pose_inbox::PoseInbox;
use crate::room_actor;
use crate::store::Store;

/// Shared server state.
#[derive(Debug)]
pub struct Hub {
    /// Configuration.
    pub config: Config,
    /// The server clock.
    pub clock: Clock,
    /// Token keys.
    pub keys: TokenKeys,
    /// Persistence.
    pub store: Arc<dyn Store>,
    /// Metrics.
    pub metrics: Metrics,
    /// Live rooms by code.
    pub rooms: RoomDirectory,
    /// Resume tokens.
    pub resumes: ResumeTokens,
    /// Open connections per user, under the per-user cap.
    pub user_connections: UserConnections,
    /// Connections past their hello, with who they act for (to close them on revocation).
    pub live: LiveConnections,
    /// Embedding apps, cached, with their keys.
    pub apps: crate::auth::apps::AppRegistry,
    /// Connection slots (the total cap).
    pub connection_slots: Arc<Semaphore>,
    /// Set when the server shuts down.
    pub shutdown: CancellationToken,
    /// Every connection and room task.
    pub tasks: TaskTracker,
    /// Base URL for join links.
    pub public_url: String,
    /// The OpenID Providers people sign in with, by id, and the logins under way.
    pub providers: Arc<Providers>,
    next_id: AtomicU64,
}

impl std::fmt::Debug for dyn Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Store")
    }
}

impl Hub {
    /// A hub for a configuration and store.
    pub fn new(config: Config, store: Arc<dyn Store>, public_url: String) -> Hub {
        let providers = Arc::new(Providers::new(&config.providers, &public_url, config.oidc));
        Hub {
            keys: TokenKeys::new(&config.api_key, &config.api_secret)
                .with_max_lifetime(config.max_token_lifetime),
            user_connections: UserConnections::new(config.max_connections_per_user),
            live: LiveConnections::default(),
            apps: crate::auth::apps::AppRegistry::default(),
            connection_slots: Arc::new(Semaphore::new(config.max_connections)),
            config,
            clock: Clock::new(),
            store,
            metrics: Metrics::new(),
            rooms: RoomDirectory::default(),
            resumes: ResumeTokens::default(),
            shutdown: CancellationToken::new(),
            tasks: TaskTracker::new(),
            providers,
            public_url,
            next_id: AtomicU64::new(1),
        }
    }

    /// A process-unique id (connections, members).
    pub fn next_id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    /// Creates a live room running `program` for the user `creator` in organization `org`,
    /// and starts its actor. Returns the code and the session id.
    pub fn create_room(
        self: &Arc<Self>,
        program: Program,
        capacity: Option<u16>,
        creator: &str,
        org: &str,
    ) -> Result<(String, String), RoomError> {
        let session = crate::auth::random_token(12);
        let cfg = &self.config;
        let mut started = None;
        let code = self.rooms.insert_new(|code| {
            let defaults = RoomConfig::default();
            let room_config = RoomConfig {
                code: display_code(code),
                session: session.clone(),
                program,
                capacity: capacity.unwrap_or(defaults.capacity),
                lead_us: micros(cfg.cue_lead),
                tick_us: 1_000_000 / u64::from(cfg.tick_hz),
                // A random phase per room: rooms that start together do not tick together.
                tick_phase_us: Some(
                    std::hash::BuildHasher::hash_one(&std::hash::RandomState::new(), code)
                        % (1_000_000 / u64::from(cfg.tick_hz)),
                ),
                grace_us: micros(cfg.grace),
                idle_close_us: micros(cfg.idle_close),
                ..defaults
            };
            let room = Room::new(self.clock.now(), room_config)?;
            let (tx, rx) = mpsc::channel(1024);
            let poses = Arc::new(PoseInbox::default());
            started = Some((room, rx, poses.clone()));
            Ok(RoomHandle {
                tx,
                poses,
                session: session.clone(),
                creator: creator.to_owned(),
                org: org.to_owned(),
            })
        })?;
        if let Some((room, rx, poses)) = started {
            self.metrics.rooms.inc();
            self.tasks.spawn(room_actor::run(
                self.clone(),
                code.clone(),
                creator.to_owned(),
                org.to_owned(),
                room,
                rx,
                poses,
            ));
        }
        Ok((display_code(&code), session))
    }

    /// The live room with a code, as typed by a person.
    pub fn room(&self, typed: &str) -> Option<RoomHandle> {
        self.rooms.get(typed)
    }
}

fn micros(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}
