//! Time-aware exponential smoothing: the weight of a new sample depends on the time since the
//! previous one, so the same time constant smooths a 5 Hz and a 30 Hz stream alike, and after a
//! gap the smoothed value catches up with the first new sample at once.

/// Weight of a new sample `dt_us` after the previous one, for a time constant `tau_us`:
/// `1 - exp(-dt / tau)`, 0 for no time and close to 1 after several time constants.
pub(crate) fn weight(dt_us: u64, tau_us: u64) -> f64 {
    if tau_us == 0 {
        return 1.0;
    }
    // Both are at most 2^64, far inside f64's range; precision loss only affects gaps of
    // centuries.
    1.0 - (-(dt_us as f64) / tau_us as f64).exp()
}

/// An exponential moving average of `N` scalars sampled together.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Ema<const N: usize> {
    /// The smoothed values and the time of the last sample; `None` before the first.
    last: Option<([f64; N], u64)>,
    /// Time constant.
    tau_us: u64,
}

impl<const N: usize> Ema<N> {
    pub(crate) const fn new(tau_us: u64) -> Self {
        Ema { last: None, tau_us }
    }

    /// Adds a sample taken at `t_us` (never earlier than the previous one) and returns the
    /// smoothed values.
    pub(crate) fn update(&mut self, t_us: u64, sample: [f64; N]) -> [f64; N] {
        let values = match self.last {
            None => sample,
            Some((mut values, at)) => {
                let w = weight(t_us.saturating_sub(at), self.tau_us);
                for (v, s) in values.iter_mut().zip(sample) {
                    *v += w * (s - *v);
                }
                values
            }
        };
        self.last = Some((values, t_us));
        values
    }

    /// The smoothed values, if any sample came.
    pub(crate) fn value(&self) -> Option<[f64; N]> {
        self.last.map(|(v, _)| v)
    }

    pub(crate) fn reset(&mut self) {
        self.last = None;
    }
}

/// An exponential moving average of `N` scalars that are not all seen in every frame: a NaN
/// sample is missing, and leaves its value as it was. Each value keeps its own time, so one
/// seen again after a gap takes the new sample at once.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Sparse<const N: usize> {
    /// The smoothed values (NaN before the first sample) and the time of each one's last.
    values: [(f64, u64); N],
    /// Time constant.
    tau_us: u64,
}

impl<const N: usize> Sparse<N> {
    pub(crate) const fn new(tau_us: u64) -> Self {
        Sparse {
            values: [(f64::NAN, 0); N],
            tau_us,
        }
    }

    /// Adds the samples taken at `t_us` (never earlier than the previous one; NaN where
    /// missing) and returns the smoothed values (NaN where never seen).
    pub(crate) fn update(&mut self, t_us: u64, sample: [f64; N]) -> [f64; N] {
        let mut out = [f64::NAN; N];
        // The values are mostly seen together, so their weights are mostly one: computed once.
        let mut cached: Option<(u64, f64)> = None;
        for ((value, at), (s, o)) in self.values.iter_mut().zip(sample.iter().zip(&mut out)) {
            if s.is_finite() {
                *value = if value.is_finite() {
                    let dt = t_us.saturating_sub(*at);
                    let w = match cached {
                        Some((cached_dt, w)) if cached_dt == dt => w,
                        _ => {
                            let w = weight(dt, self.tau_us);
                            cached = Some((dt, w));
                            w
                        }
                    };
                    *value + w * (s - *value)
                } else {
                    *s
                };
                *at = t_us;
            }
            *o = *value;
        }
        out
    }

    pub(crate) fn reset(&mut self) {
        *self = Sparse::new(self.tau_us);
    }
}

/// The resting level of a signal whose rest position differs between people and cameras (how
/// high the heels sit, how far the shoulders hang below the nose).
///
/// The baseline follows the signal quickly when it moves towards rest (past the baseline) and
/// slowly otherwise, and only while the person is at rest: movement away from rest is what the
/// detector measures against it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Baseline {
    /// The level and the time of the last sample; `None` before the first.
    last: Option<(f64, u64)>,
    /// Whether rest is the high side of the signal (`true`) or the low side.
    rest_is_high: bool,
    /// Time constant of the drift away from rest while resting.
    drift_tau_us: u64,
}

/// Time constant of a baseline moving towards rest.
const BASELINE_FAST_TAU_US: u64 = 500_000;
/// Time constant of a baseline drifting away from rest while the person rests.
const BASELINE_SLOW_TAU_US: u64 = 10_000_000;

impl Baseline {
    pub(crate) const fn new(rest_is_high: bool) -> Self {
        Baseline::drifting(rest_is_high, BASELINE_SLOW_TAU_US)
    }

    /// A baseline that drifts away from rest, while resting, with this time constant.
    pub(crate) const fn drifting(rest_is_high: bool, drift_tau_us: u64) -> Self {
        Baseline {
            last: None,
            rest_is_high,
            drift_tau_us,
        }
    }

    /// The level, if any sample came.
    pub(crate) fn value(&self) -> Option<f64> {
        self.last.map(|(base, _)| base)
    }

    /// Feeds a smoothed sample; `resting` says whether the detector is at rest (or has not
    /// seen a movement yet). Returns the baseline.
    pub(crate) fn update(&mut self, t_us: u64, sample: f64, resting: bool) -> f64 {
        let base = match self.last {
            None => sample,
            Some((base, at)) => {
                let towards_rest = if self.rest_is_high {
                    sample > base
                } else {
                    sample < base
                };
                let dt = t_us.saturating_sub(at);
                let w = if towards_rest {
                    weight(dt, BASELINE_FAST_TAU_US)
                } else if resting {
                    weight(dt, self.drift_tau_us)
                } else {
                    0.0
                };
                base + w * (sample - base)
            }
        };
        self.last = Some((base, t_us));
        base
    }

    pub(crate) fn reset(&mut self) {
        self.last = None;
    }
}

/// The resting level of a signal measured either side of it (a tilt: a person's shoulders or
/// head are rarely level at rest, and a camera may be rolled): a slow average of the signal
/// while the person rests, still while they move.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Level {
    /// The level and the time of the last sample; `None` before the first.
    last: Option<(f64, u64)>,
}

/// Time constant of the resting level of a tilt.
const LEVEL_TAU_US: u64 = 3_000_000;

impl Level {
    pub(crate) const fn new() -> Self {
        Level { last: None }
    }

    /// The level, if any sample came.
    pub(crate) fn value(&self) -> Option<f64> {
        self.last.map(|(level, _)| level)
    }

    /// Feeds a smoothed sample; `resting` says whether the detector is at rest (or has not
    /// seen a movement yet). Returns the level.
    pub(crate) fn update(&mut self, t_us: u64, sample: f64, resting: bool) -> f64 {
        let level = match self.last {
            None => sample,
            Some((level, _)) if !resting => level,
            Some((level, at)) => {
                level + weight(t_us.saturating_sub(at), LEVEL_TAU_US) * (sample - level)
            }
        };
        self.last = Some((level, t_us));
        level
    }

    pub(crate) fn reset(&mut self) {
        self.last = None;
    }
}
