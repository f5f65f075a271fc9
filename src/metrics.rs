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
            outbox_depth: Histogram::new(exponential_buckets(1.0, 2.0, 10)),
            cue_lead_seconds: Histogram::new(exponential_buckets(0.001, 2.0, 14)),
            cues_late: Counter::default(),
            slow_consumers_closed: Counter::default(),
            summaries_saved: Counter::default(),
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
        for &kind in breakroom_protocol::CLIENT_TYPES {
            let _ = m.messages_in.get_or_create(&Kind { kind });
        }
        for &kind in breakroom_protocol::SERVER_TYPES {
            let _ = m.messages_out.get_or_create(&Kind { kind });
        }
        Metrics { registry, ..m }
    }

    /// Counts `n` messages of a type sent.
    pub fn count_out(&self, kind: &'static str, n: u64) {
        self.messages_out.get_or_create(&Kind { kind }).inc_by(n);
    }

    /// Counts a message of a type received.
    pub fn count_in(&self, kind: &'static str) {
        self.messages_in.get_or_create(&Kind { kind }).inc();
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}
