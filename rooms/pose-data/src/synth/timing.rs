//! Human timing for the synthetic motions: reps that are not metronomic. Each rep's duration
//! varies by up to ±20% around the period, its amplitude by up to ±15%, its peak comes a
//! little early or late, and now and then the person pauses briefly between reps. Everything
//! is drawn from a seeded [`Rng`], so a recipe always makes the same clip.

use crate::clip::Rng;

/// Largest change of a rep's duration, as a fraction of the period.
pub const PERIOD_SPREAD: f64 = 0.2;
/// Largest change of a rep's amplitude, as a fraction.
pub const AMPLITUDE_SPREAD: f64 = 0.15;

/// One repetition.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rep {
    /// Start, seconds.
    pub start: f64,
    /// Duration, seconds.
    pub dur: f64,
    /// Amplitude factor, 1 ± [`AMPLITUDE_SPREAD`].
    pub amp: f64,
    /// Where in the rep the movement peaks (0.4 to 0.6).
    pub peak: f64,
}

/// A run of repetitions, one after the other with short irregular pauses between some.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    /// The reps, in time order.
    pub reps: Vec<Rep>,
}

impl Schedule {
    /// `count` reps of about `period` seconds from `start`, drawn from `seed`.
    pub fn new(count: u32, period: f64, start: f64, seed: u64) -> Schedule {
        let mut rng = Rng::new(seed ^ 0x5eed_71e5);
        let mut t = start;
        let mut reps = Vec::new();
        for _ in 0..count {
            let dur = period * (1.0 + PERIOD_SPREAD * (2.0 * rng.unit() - 1.0));
            let amp = 1.0 + AMPLITUDE_SPREAD * (2.0 * rng.unit() - 1.0);
            let peak = 0.4 + 0.2 * rng.unit();
            reps.push(Rep {
                start: t,
                dur,
                amp,
                peak,
            });
            // About one rep in three is followed by a short pause (up to 40% of a period).
            let pause = if rng.unit() < 0.35 {
                period * (0.1 + 0.3 * rng.unit())
            } else {
                0.0
            };
            t += dur + pause;
        }
        Schedule { reps }
    }

    /// `count` reps of exactly `period` seconds from `start`, full amplitude, peaking halfway,
    /// no pauses.
    pub fn steady(count: u32, period: f64, start: f64) -> Schedule {
        let reps = (0..count)
            .map(|k| Rep {
                start: start + f64::from(k) * period,
                dur: period,
                amp: 1.0,
                peak: 0.5,
            })
            .collect();
        Schedule { reps }
    }

    /// When the last rep ends (the start if there is none).
    pub fn end(&self, start: f64) -> f64 {
        self.reps.last().map_or(start, |r| r.start + r.dur)
    }

    /// The rep under way at `t`: its index, the fraction done and the rep.
    pub fn at(&self, t: f64) -> Option<(usize, f64, Rep)> {
        self.reps
            .iter()
            .enumerate()
            .find(|(_, r)| t >= r.start && t < r.start + r.dur)
            .map(|(k, r)| (k, (t - r.start) / r.dur, *r))
    }

    /// 0 → `amp` → 0 over the rep under way at `t` ([`bump`]), 0 between reps.
    pub fn level(&self, t: f64) -> f64 {
        self.at(t).map_or(0.0, |(_, u, r)| r.amp * bump(u, r.peak))
    }
}

/// 0 → 1 with zero speed at both ends (smootherstep), clamped outside [0, 1].
pub fn ease(x: f64) -> f64 {
    let x = x.clamp(0.0, 1.0);
    x * x * x * (x * (6.0 * x - 15.0) + 10.0)
}

/// 0 → 1 → 0 over a rep: eased out and back, reaching 1 at `peak` and staying there for a
/// tenth of the rep (a person turns around at the top, they do not bounce off it).
pub fn bump(u: f64, peak: f64) -> f64 {
    let dwell = 0.05;
    let (up_end, down_start) = (peak - dwell, peak + dwell);
    if u < up_end {
        ease(u / up_end)
    } else if u <= down_start {
        1.0
    } else {
        1.0 - ease((u - down_start) / (1.0 - down_start))
    }
}

/// A smooth wander in [-1, 1]: a sum of three slow sines with seeded phases, for sway and
/// tremor (`rate` cycles per second, roughly).
pub fn wander(t: f64, rate: f64, seed: u64) -> f64 {
    let mut rng = Rng::new(seed ^ 0x0a11_0e57);
    let tau = std::f64::consts::TAU;
    let mut sum = 0.0;
    for k in 1..=3 {
        let phase = rng.unit() * tau;
        let f = rate * (0.6 + 0.4 * k as f64) * (0.8 + 0.4 * rng.unit());
        sum += (tau * f * t + phase).sin() / k as f64;
    }
    sum / 1.834
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reps_vary_within_their_bounds_and_never_overlap() {
        let s = Schedule::new(40, 1.0, 1.0, 7);
        assert_eq!(s.reps.len(), 40);
        let mut end = 1.0;
        for r in &s.reps {
            assert!(r.start >= end - 1e-9, "{r:?} starts before {end}");
            assert!((0.8..=1.2).contains(&r.dur), "{r:?}");
            assert!((0.85..=1.15).contains(&r.amp), "{r:?}");
            end = r.start + r.dur;
        }
        // Not metronomic: the durations do vary, and some reps are followed by a pause.
        let shortest = s.reps.iter().map(|r| r.dur).fold(f64::MAX, f64::min);
        let longest = s.reps.iter().map(|r| r.dur).fold(0.0, f64::max);
        assert!(longest - shortest > 0.2);
        assert!(
            s.reps
                .windows(2)
                .any(|w| w[1].start > w[0].start + w[0].dur + 0.05)
        );
        assert_eq!(s, Schedule::new(40, 1.0, 1.0, 7), "seeded");
    }

    #[test]
    fn a_rep_rises_and_falls_smoothly() {
        for peak in [0.4, 0.5, 0.6] {
            assert_eq!(bump(0.0, peak), 0.0);
            assert_eq!(bump(peak, peak), 1.0);
            assert!(bump(0.999, peak) < 0.01);
            // Eased: slow at the start, not a sine's steepest slope.
            assert!(bump(0.02, peak) < 0.01);
        }
        for k in 0..100 {
            assert!(wander(k as f64 * 0.1, 0.5, 3).abs() <= 1.0);
        }
    }
}
