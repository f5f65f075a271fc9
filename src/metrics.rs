//! Prometheus metrics, one registry per server (no globals, so tests can run several servers).

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// A message type label.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Kind {
    /// The message's `type` tag.
    pub kind: &'static str,
}

/// Why a skeleton was refused as implausible.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Reason {
    /// One of `breakroom_rooms::plausible::Implausible::KINDS`.
    pub reason: &'static str,
}

/// The server's metrics.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    /// Open WebSocket connections.
    pub connections: Gauge,
    /// Live rooms.
    pub rooms: Gauge,
    /// Messages received, by type.
    pub messages_in: Family<Kind, Counter>,
    /// Messages sent, by type (counted once per recipient).
    pub messages_out: Family<Kind, Counter>,
    /// Skeleton frames replaced before a slow connection could send them.
    pub stale_frames_dropped: Counter,
    /// Skeletons refused as not a plausible human body (dropped, not relayed), by reason.
    pub poses_implausible: Family<Reason, Counter>,
    /// Skeletons dropped because their capture time `t` was over 1 s from the server's clock
    /// (not relayed; the sender is told at most once a second).
    pub poses_mistimed: Counter,
    /// Items a writer found waiting per batch.
    pub outbox_depth: Histogram,
    /// How far ahead of their time cues reached the socket, in seconds (negative never counted:
    /// late cues go to `cues_late`).
    pub cue_lead_seconds: Histogram,
    /// Cues handed to a socket after their time.
    pub cues_late: Counter,
    /// Connections closed because their outbox overflowed.
    pub slow_consumers_closed: Counter,
    /// Session summaries persisted.
    pub summaries_saved: Counter,
    /// `messages_in`'s counters, resolved once.
    counts_in: ByKind,
    /// `messages_out`'s counters, resolved once.
    counts_out: ByKind,
}

impl Metrics {
    /// Registers every metric.
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("breakroom");
        let m = Metrics {
            connections: Gauge::default(),
            rooms: Gauge::default(),
            messages_in: Family::default(),
            messages_out: Family::default(),
            stale_frames_dropped: Counter::default(),
            poses_implausible: Family::default(),
            poses_mistimed: Counter::default(),
            outbox_depth: Histogram::new(exponential_buckets(1.0, 2.0, 10)),
            cue_lead_seconds: Histogram::new(exponential_buckets(0.001, 2.0, 14)),
            cues_late: Counter::default(),
            slow_consumers_closed: Counter::default(),
            summaries_saved: Counter::default(),
            counts_in: ByKind::default(),
            counts_out: ByKind::default(),
            registry: Registry::default(),
        };
        registry.register(
            "connections",
            "Open WebSocket connections",
            m.connections.clone(),
        );
        registry.register("rooms", "Live rooms", m.rooms.clone());
        registry.register(
            "messages_in",
            "Messages received, by type",
            m.messages_in.clone(),
        );
        registry.register(
            "messages_out",
            "Messages sent, by type",
            m.messages_out.clone(),
        );
        registry.register(
            "stale_frames_dropped",
            "Skeleton frames replaced by newer ones before a slow connection sent them",
            m.stale_frames_dropped.clone(),
        );
        registry.register(
            "poses_implausible",
            "Skeletons refused as not a plausible human body, by reason",
            m.poses_implausible.clone(),
        );
        // Every reason is listed from the start, at zero.
        for reason in breakroom_rooms::plausible::Implausible::KINDS {
            let _ = m.poses_implausible.get_or_create(&Reason { reason });
        }
        registry.register(
            "poses_mistimed",
            "Skeletons dropped because their capture time was over 1 s from the server's clock",
            m.poses_mistimed.clone(),
        );
        registry.register(
            "outbox_depth",
            "Items found waiting per writer batch",
            m.outbox_depth.clone(),
        );
        registry.register(
            "cue_lead_seconds",
            "How far ahead of their time cues reached the socket",
            m.cue_lead_seconds.clone(),
        );
        registry.register(
            "cues_late",
            "Cues written after their time",
            m.cues_late.clone(),
        );
        registry.register(
            "slow_consumers_closed",
            "Connections closed because their outbox overflowed",
            m.slow_consumers_closed.clone(),
        );
        registry.register(
            "summaries_saved",
            "Session summaries persisted",
            m.summaries_saved.clone(),
        );
        // Every known type is listed from the start, at zero.
        let counts_in = ByKind::new(&m.messages_in, breakroom_protocol::CLIENT_TYPES);
        let counts_out = ByKind::new(&m.messages_out, breakroom_protocol::SERVER_TYPES);
        Metrics {
            registry,
            counts_in,
            counts_out,
            ..m
        }
    }

    /// Counts `n` messages of a type sent.
    pub fn count_out(&self, kind: &'static str, n: u64) {
        self.counts_out.inc_by(kind, n);
    }

    /// Counts `n` skeletons refused as implausible for `reason`.
    pub fn count_implausible(&self, reason: &'static str, n: u64) {
        self.poses_implausible
            .get_or_create(&Reason { reason })
            .inc_by(n);
    }

    /// Counts a message of a type received.
    pub fn count_in(&self, kind: &'static str) {
        self.counts_in.inc_by(kind, 1);
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

/// The counters of a family by message type, looked up without a lock: `Family::get_or_create`
/// takes a read lock and hashes the label, once per message on the hot path.
#[derive(Debug, Default)]
struct ByKind {
    /// Every known type with its counter: a clone of the family's, sharing its atomic, so the
    /// exposition is the family's as before. About ten entries: a scan beats hashing.
    known: Box<[(&'static str, Counter)]>,
    /// The family itself, for a type not known when the server started.
    family: Family<Kind, Counter>,
}

impl ByKind {
    /// Creates the series of every type in `kinds`, at zero, and keeps their counters.
    fn new(family: &Family<Kind, Counter>, kinds: &[&'static str]) -> ByKind {
        let known = kinds
            .iter()
            .map(|&kind| (kind, family.get_or_create(&Kind { kind }).clone()))
            .collect();
        ByKind {
            known,
            family: family.clone(),
        }
    }

    fn inc_by(&self, kind: &'static str, n: u64) {
        // Type tags are string literals, usually the very ones listed: the pointer comparison
        // settles most lookups, the string comparison the rest.
        let known = self
            .known
            .iter()
            .find(|(k, _)| std::ptr::eq(*k, kind) || *k == kind);
        match known {
            Some((_, counter)) => {
                counter.inc_by(n);
            }
            None => {
                self.family.get_or_create(&Kind { kind }).inc_by(n);
            }
        }
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}
