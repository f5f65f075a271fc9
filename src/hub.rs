//! The hub: shared state of a running server — the registry of live rooms, resume tokens,
//! connection counts, the store, keys and metrics. Concurrent maps only; no lock is ever held
//! across an await.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use breakroom_protocol::{ParticipantId, Program};
use breakroom_rooms::{Room, RoomConfig, RoomError};
use dashmap::DashMap;
use tokio::sync::{Semaphore, mpsc};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::auth::TokenKeys;
use crate::clock::Clock;
use crate::config::Config;
use crate::metrics::Metrics;
use crate::pose_inbox::PoseInbox;
use crate::room_actor::{self, RoomCmd};
use crate::store::Store;

/// Letters and digits that cannot be mistaken for one another when read aloud or typed
/// (no I, L, O, U, 0, 1).
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTVWXYZ23456789";
/// Characters in a room code: 30^8 ≈ 6.6e11 codes, so guessing one at the join rate limit
/// (a few a second per connection) is hopeless.
const CODE_LEN: usize = 8;

/// A live room, as the hub sees it.
#[derive(Debug, Clone)]
pub struct RoomHandle {
    /// The room actor's inbox.
    pub tx: mpsc::Sender<RoomCmd>,
    /// Where skeletons go instead (see [`PoseInbox`]).
    pub poses: Arc<PoseInbox>,
    /// The room's session id.
    pub session: String,
    /// The user id of the token that created the room (who may read it over REST).
    pub creator: String,
}

/// What a resume token stands for.
#[derive(Debug, Clone)]
pub struct ResumeEntry {
    /// The user it was issued to.
    pub user: String,
    /// The room joined, and the place held in it, once joined.
    pub place: Option<(String, ParticipantId)>,
}

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
    /// Live rooms by normalized code.
    pub rooms: DashMap<String, RoomHandle>,
    /// Resume tokens.
    pub resumes: DashMap<String, ResumeEntry>,
    /// Open connections per user.
    pub user_connections: DashMap<String, usize>,
    /// Connection slots (the total cap).
    pub connection_slots: Arc<Semaphore>,
    /// Set when the server shuts down.
    pub shutdown: CancellationToken,
    /// Every connection and room task.
    pub tasks: TaskTracker,
    /// Base URL for join links.
    pub public_url: String,
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
        Hub {
            keys: TokenKeys::new(&config.api_key, &config.api_secret),
            connection_slots: Arc::new(Semaphore::new(config.max_connections)),
            config,
            clock: Clock::new(),
            store,
            metrics: Metrics::new(),
            rooms: DashMap::new(),
            resumes: DashMap::new(),
            user_connections: DashMap::new(),
            shutdown: CancellationToken::new(),
            tasks: TaskTracker::new(),
            public_url,
            next_id: AtomicU64::new(1),
        }
    }

    /// A process-unique id (connections, members).
    pub fn next_id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    /// Creates a live room running `program` for the user `creator` and starts its actor.
    /// Returns the code and the session id.
    pub fn create_room(
        self: &Arc<Self>,
        program: Program,
        capacity: Option<u16>,
        creator: &str,
    ) -> Result<(String, String), RoomError> {
        let session = crate::auth::random_token(12);
        let cfg = &self.config;
        loop {
            let code = new_room_code();
            let entry = match self.rooms.entry(code.clone()) {
                dashmap::Entry::Occupied(_) => continue,
                dashmap::Entry::Vacant(v) => v,
            };
            let defaults = RoomConfig::default();
            let room_config = RoomConfig {
                code: display_code(&code),
                session: session.clone(),
                program,
                capacity: capacity.unwrap_or(defaults.capacity),
                lead_us: micros(cfg.cue_lead),
                tick_us: 1_000_000 / u64::from(cfg.tick_hz),
                // A random phase per room: rooms that start together do not tick together.
                tick_phase_us: Some(
                    std::hash::BuildHasher::hash_one(&std::hash::RandomState::new(), &code)
                        % (1_000_000 / u64::from(cfg.tick_hz)),
                ),
                grace_us: micros(cfg.grace),
                idle_close_us: micros(cfg.idle_close),
                ..defaults
            };
            let room = Room::new(self.clock.now(), room_config)?;
            let (tx, rx) = mpsc::channel(1024);
            let poses = Arc::new(PoseInbox::default());
            entry.insert(RoomHandle {
                tx,
                poses: poses.clone(),
                session: session.clone(),
                creator: creator.to_owned(),
            });
            self.metrics.rooms.inc();
            self.tasks
                .spawn(room_actor::run(self.clone(), code.clone(), room, rx, poses));
            return Ok((display_code(&code), session));
        }
    }

    /// The live room with a code, as typed by a person.
    pub fn room(&self, typed: &str) -> Option<RoomHandle> {
        self.rooms.get(&normalize_code(typed)).map(|r| r.clone())
    }
}

fn micros(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

/// A new random room code, normalized (no separator).
fn new_room_code() -> String {
    (0..CODE_LEN)
        .map(|_| {
            let i = rand::random_range(0..CODE_ALPHABET.len());
            char::from(CODE_ALPHABET[i])
        })
        .collect()
}

/// A code as people type it, reduced to its canonical form: upper case, separators dropped.
pub fn normalize_code(typed: &str) -> String {
    typed
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// A normalized code as shown to people: `ABCD-EFGH`.
pub fn display_code(code: &str) -> String {
    if code.len() == CODE_LEN {
        format!("{}-{}", &code[..4], &code[4..])
    } else {
        code.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_readable_and_typing_variants_normalize() {
        let code = new_room_code();
        assert_eq!(code.len(), CODE_LEN);
        assert!(code.bytes().all(|b| CODE_ALPHABET.contains(&b)));
        let shown = display_code(&code);
        assert_eq!(shown.len(), 9);
        assert_eq!(normalize_code(&shown.to_lowercase()), code);
        assert_eq!(normalize_code(" abcd efgh "), "ABCDEFGH");
    }
}
