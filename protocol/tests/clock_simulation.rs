//! The estimator against the one it replaced, on simulated links: per-client offset error over
//! many seeded clients, each pinging once a second, measured once the window is 30 s old.
//! Deterministic (a seeded generator), so the comparison is a specification, and the figures
//! are printed (`cargo test -p breakroom-protocol --test clock_simulation -- --nocapture`).

use breakroom_protocol::clock::{ClockSync, Sample};

/// splitmix64: a small seeded generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform over `lo..=hi`.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }
}

/// One-way delays of a link, µs.
type Link = fn(&mut Rng) -> u64;

/// 40 ± 15 ms, uniform (as netem jitters).
fn jittery(rng: &mut Rng) -> u64 {
    rng.range(25_000, 55_000)
}

/// Wi-Fi-like: 3–8 ms mostly, one exchange in ten held 20–150 ms.
fn wifi(rng: &mut Rng) -> u64 {
    let base = rng.range(3_000, 8_000);
    if rng.range(0, 9) == 0 {
        base + rng.range(20_000, 150_000)
    } else {
        base
    }
}

/// The estimator this crate had before: the offset of the best-round-trip sample among the
/// last 8.
fn best_of_last_8(samples: &[Sample]) -> i64 {
    let start = samples.len().saturating_sub(8);
    samples[start..]
        .iter()
        .min_by_key(|s| s.round_trip())
        .map_or(0, Sample::offset)
}

/// p99 of |error| (µs) over `clients` clients after `seconds` of pings, new and old.
fn simulate(link: Link, clients: u64, seconds: u64) -> (i64, i64) {
    let mut new_errors = Vec::new();
    let mut old_errors = Vec::new();
    for client in 0..clients {
        let mut rng = Rng(client * 7_919 + 1);
        let offset = 5_000_000 - i64::try_from(rng.range(0, 10_000_000)).expect("small");
        let mut sync = ClockSync::default();
        let mut samples = Vec::new();
        for s in 0..seconds {
            let t0 = 1_000_000_000 + s * 1_000_000 + rng.range(0, 1_000);
            let up = link(&mut rng);
            let serve = rng.range(50, 500);
            let down = link(&mut rng);
            let t1 = (t0 + up).saturating_add_signed(offset);
            let sample = Sample {
                t0,
                t1,
                t2: t1 + serve,
                t3: t0 + up + serve + down,
            };
            sync.add(sample);
            samples.push(sample);
            if s >= 30 {
                new_errors.push((sync.offset() - offset).abs());
                old_errors.push((best_of_last_8(&samples) - offset).abs());
            }
        }
    }
    (p99(new_errors), p99(old_errors))
}

fn p99(mut v: Vec<i64>) -> i64 {
    v.sort_unstable();
    v[(v.len() * 99).div_ceil(100) - 1]
}

#[test]
fn the_windowed_per_direction_filter_beats_the_best_of_the_last_eight() {
    for (name, link) in [
        ("40 ± 15 ms each way", jittery as Link),
        ("Wi-Fi-like", wifi as Link),
    ] {
        let (new, old) = simulate(link, 200, 90);
        println!(
            "{name}: per-client offset error p99 {:.2} ms (best of the last 8: {:.2} ms)",
            new as f64 / 1_000.0,
            old as f64 / 1_000.0
        );
        assert!(new * 2 < old, "{name}: {new} µs against {old} µs");
    }
}
