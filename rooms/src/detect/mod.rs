//! The exercise detector: counts repetitions, and times holds, from the pose keypoints a
//! participant streams.
//!
//! Participants' devices count their own reps; the server cross-checks the counts they report
//! by running this same detector on the skeletons they relay, and the TypeScript SDK runs a
//! port of it, held to the same fixture files (`rooms/fixtures/`). It is pure: no I/O, no
//! clock (each frame carries its time), and it never panics, whatever the landmarks (NaN,
//! infinite, off-screen, too few) or the times (repeated, going backwards).
//!
//! # What it detects
//!
//! One [`Detector`] per exercise, built from its catalogue entry ([`Detector::new`]):
//!
//! | exercise | signal | rep (or hold) | kept silent when |
//! |---|---|---|---|
//! | `squats` | hip–knee–ankle angle (mean of the knees seen), and the hips' drop from standing | up → down (angle ≤ `knee_angle_down_deg`, or drop ≥ `hip_drop_down_leg_ratio` with the knees bent) → up (drop ≤ `hip_drop_up_leg_ratio`; without ankles, angle ≥ `knee_angle_up_deg`) | the legs are split (a lunge: `legs_level_leg_ratio`), the torso lies (push-ups) |
//! | `lunges` | the hips' drop and the legs' split (back knee down, front foot forward) | standing → down on one leg (drop ≥ `hip_drop_enter_leg_ratio`, split ≥ `legs_split_leg_ratio`) → standing (drop ≤ `hip_drop_exit_leg_ratio`); each side is a rep | the torso lies |
//! | `jumping_jacks` | upper-arm elevation from hanging (both arms) and ankle spread over shoulder width | closed → open (arms ≥ `arm_elevation_up_deg` and feet ≥ `ankles_apart_shoulder_ratio`) → closed (arms ≤ `arm_elevation_down_deg`) | |
//! | `arm_raises` | upper-arm elevation, both arms | down → up → down | |
//! | `shoulder_rolls` | nose-to-shoulder-line gap over shoulder width, relative to its resting level | down → up (gap shrunk by `shoulder_lift_enter_ratio`) → down | hips drop, knees bend, arms rise, torso leans, head or shoulder line tilts, or the person is turned more than about 45° |
//! | `march_in_place` | height difference of the knees over torso length | each knee lift (either side) is a step | hips drop, the lifted knee's foot stays down (a lunge) |
//! | `side_bends` | tilt of the shoulder line, beyond the person's resting tilt | each bend to either side | hips drop, knees bend, the person is turned more than about 45° |
//! | `calf_raises` | heel and ankle height above the toes over torso length, relative to rest, the lower foot of two (BlazePose only: COCO-17 has no heels) | down → up → down | hips drop, knees bend, torso leans |
//! | `neck_stretch` | tilt of the ear line relative to the shoulder line, beyond the resting tilt | time held tilted, either side, for at least [`MIN_HOLD_MS`] | hips drop, knees bend, the person is turned more than about 45° |
//! | `desk_pushups` | shoulder–elbow–wrist angle | up → down → up (needs a view where the elbow bends in the image, e.g. from the side; floor push-ups too) | the torso is upright (leaning less than 15° in the image), knees bend |
//! | `wall_sit` | knee angle | time held at or below `knee_angle_max_deg`, for at least [`MIN_HOLD_MS`] | the legs are split |
//!
//! Both landmark layouts are read, BlazePose-33 and COCO-17 ([`PoseModel`]), in normalized
//! image coordinates. An exercise this module does not know gets a detector that stays
//! `unknown` with confidence 0.
//!
//! # Algorithm
//!
//! 1. **Landmarks**: a landmark is used only if finite, strictly inside the block's range
//!    (-0.25, 1.25) (the wire clamps to it) and at least 0.5 visible. A frame missing the
//!    landmarks its exercise needs changes nothing but the confidence, which falls.
//! 2. **Outliers**: single-frame tracking glitches are undone before anything is measured
//!    (`filter.rs`): legs whose labels swapped for a frame are swapped back, and a shoulder,
//!    hip, knee, ankle, heel or toe that jumps farther than a body moves between two frames
//!    is held at its previous place for up to two frames.
//! 3. **Signal**: an angle or a ratio of body lengths (torso, shoulder width, the standing
//!    legs' height), so a person walking closer or away does not change it.
//! 4. **Posture**: around the signal, the hips' drop from standing (against the legs' standing
//!    height in the image, learnt while the knees are straight), the legs' split, the torso's
//!    lean, the knees' bend, the arms' and the head's position (`signals::Posture`). The
//!    squats and lunges are measured on it; the other exercises are *excluded* by it: a frame
//!    that breaks an exercise's conditions (the last column above), or comes less than 0.5 s
//!    after one that did, cannot enter the active position and voids the current stay
//!    (`rules.rs`). So each detector stays silent on the others' movements.
//! 5. **Smoothing**: a time-based exponential moving average (time constant
//!    [`SMOOTHING_TAU_US`], [`BASELINE_SMOOTHING_TAU_US`] for signals measured against a
//!    resting level, [`HOLD_SMOOTHING_TAU_US`] for held poses), the same at 5 Hz and 30 Hz,
//!    robust to jitter and irregular or missing frames; after a gap it takes the first new
//!    value at once.
//! 6. **Hysteresis**: the active position is entered past one threshold and left past another
//!    (between them nothing changes), so noise around one line cannot count reps. A rep is a
//!    full cycle rest → active → rest, starting from rest.
//! 7. **Rate cap**: two reps are counted at least `60 s / max_per_min` apart (the catalogue's
//!    plausible maximum rate); a rep completed sooner waits (two at most, which absorbs the
//!    jitter of an honest pace near the maximum), and further ones are dropped. So,
//!    whatever the input, `reps ≤ floor(elapsed_s × max_per_min / 60) + 1`, where `elapsed_s`
//!    runs from the first frame to the latest.
//! 8. **Holds**: for exercises scored in seconds, a stay in the target pose counts once it has
//!    lasted [`MIN_HOLD_MS`] (a squat passes through a wall sit's angle for less), and then
//!    all of it: time between consecutive frames both in the pose accrues to
//!    [`Reading::active_ms`], at most [`MAX_HOLD_GAP_MS`] per gap.
//!
//! Frames whose time goes backwards are ignored. Angles are measured in normalized image
//! coordinates, which stretch with the image's aspect ratio (the wire does not carry it):
//! horizontal offsets read 16/9 larger in a portrait frame, and 9/16 smaller in a landscape
//! one, than on square pixels. Knee, elbow and arm angles keep their margins from 9:16 to 16:9
//! (the real squats count the same compressed to landscape), but tilts (side bends, neck
//! stretch) read about 1.8 times smaller in portrait and larger in landscape, and a deep squat
//! with the knees towards the camera may not reach the wall sit's angle in landscape.
//!
//! # Running it
//!
//! Feed every frame received (not only the ticks relayed to others). On the shared fixtures
//! (`rooms/fixtures/`: real recordings, the 3-D squats filmed by a virtual camera from every
//! side, synthetic movement), relaying the frames at 15 or 10 Hz misses no rep; at 5 Hz at
//! most two in a fixture (shoulder rolls, marching, floor push-ups at 1.1 s a rep, and squats
//! with single-frame tracking glitches, which the outlier filter cannot tell from a fast step
//! that far apart). At each exercise's catalogue maximum rate, captured at 30 Hz, nothing is
//! missed at 30 Hz; marching at 176 steps/min loses 5% at 15 Hz, 10% at 10 Hz and 25% at
//! 5 Hz. A count lags the person by the smoothing (0.1 to 0.3 s) and ends with the last
//! complete rep: a rep in progress is not counted.
//!
//! # Thresholds
//!
//! Each exercise's thresholds are data: the `thresholds` map of its `catalogue.json` entry,
//! next to its `max_per_min`. Names end in their unit (`_deg`, `_ratio`). A threshold missing
//! from an entry takes the built-in catalogue's value.
//!
//! # Privacy
//!
//! A detector keeps a few scalars: smoothed signal and posture values, resting levels, the
//! phase, counts and timestamps; and, for the outlier filter, the previous frame's positions
//! of the twelve landmarks it watches (shoulders and legs), replaced at every frame. It keeps
//! no other keypoint, and nothing it keeps is stored or sent.
//!
//! # Codemap
//!
//! `pose.rs` (landmarks by body part, geometry), `filter.rs` (single-frame outliers),
//! `signals.rs` (each exercise's signal, the posture), `rules.rs` (zones: the squat's and the
//! lunge's rules, every exclusion), `smooth.rs` (time-based smoothing, resting baselines),
//! `counter.rs` (hysteresis, rate cap, hold timing), `kind.rs` (exercise ids, threshold names
//! and defaults), `phase.rs` ([`DetectorPhase`], [`Reading`]).

mod counter;
mod filter;
mod kind;
mod phase;
mod pose;
pub mod reach;
mod rules;
mod signals;
mod smooth;

use breakroom_protocol::{Landmark, PoseModel};

use crate::{Catalogue, Exercise, Unit};
use counter::{Counter, State, Zone};
use filter::Filter;
use kind::{Kind, Thresholds};
use pose::Pose;
use signals::{POSTURE, Posture};
use smooth::{Baseline, Ema, Level, Sparse};

pub use phase::{DetectorPhase, Reading};

/// Time constant of the signal smoothing of exercises counted in moves, in µs.
pub const SMOOTHING_TAU_US: u64 = 100_000;
/// Time constant of the signal smoothing of held poses (neck stretch, wall sit), in µs: a
/// hold needs no quick response, and small signals (a head's tilt) need the steadier value.
pub const HOLD_SMOOTHING_TAU_US: u64 = 300_000;
/// Time constant of the signal smoothing of exercises measured against a resting level (calf
/// raises, shoulder rolls), in µs: their signals are small next to the landmarks' noise.
pub const BASELINE_SMOOTHING_TAU_US: u64 = 200_000;
/// How long an exercise measured against a resting level watches the rest before it may
/// leave it, in µs: the level is learnt first.
pub const BASELINE_WARMUP_US: u64 = 1_000_000;
/// Time constant of the confidence smoothing, in µs.
pub const CONFIDENCE_TAU_US: u64 = 300_000;
/// Longest gap between two frames in the target pose credited fully as time held, in ms.
pub const MAX_HOLD_GAP_MS: u64 = counter::MAX_HOLD_GAP_US / 1000;
/// Shortest stay in a held pose that counts (and is then timed from its start), in ms: a
/// squat passes through a wall sit's knee angle, and a side bend tilts the head, for less.
pub const MIN_HOLD_MS: u64 = 3_000;
/// How fast the standing legs' height (the hip-drop cue's reference) follows a smaller one
/// while the legs are straight (the person stepped back), µs.
const STANDING_DRIFT_TAU_US: u64 = 2_000_000;

/// Counts one exercise's reps (or times its holds) from a stream of pose frames.
///
/// Feed every frame to [`Detector::update`] with its capture time; read the result from the
/// returned [`Reading`] or [`Detector::reading`]. [`Detector::reset`] starts a new exercise
/// window.
#[derive(Debug, Clone, PartialEq)]
pub struct Detector {
    /// Which signal the exercise is measured by.
    kind: Kind,
    /// From the catalogue entry; `None` for an exercise this module cannot detect.
    thresholds: Option<Thresholds>,
    /// Whether the exercise is scored in seconds held (so the reading reports them).
    scored_in_seconds: bool,
    /// The smoothed signal.
    smooth: Ema<2>,
    /// The smoothed quality of the frames.
    confidence: Ema<1>,
    /// The signal's resting level, for calf raises and shoulder rolls.
    baseline: Baseline,
    /// The resting tilt, for side bends and neck stretches.
    level: Level,
    /// Single-frame outliers' correction.
    filter: Filter,
    /// The smoothed posture around the signal (see [`signals::posture`]).
    posture: Sparse<POSTURE>,
    /// The height of the legs standing, in the image: the hip drop's reference.
    standing: Baseline,
    /// Phase, reps and time held.
    counter: Counter,
    /// Time of the latest frame accepted.
    last_us: Option<u64>,
    /// Time of the first frame accepted.
    first_us: Option<u64>,
    /// Time of the latest frame that broke the exercise's exclusions.
    excluded_at: Option<u64>,
    /// Whether the latest frame broke the exclusions.
    breaking: bool,
}

impl Detector {
    /// A detector for a catalogue exercise, with its thresholds and maximum rate.
    pub fn new(exercise: &Exercise) -> Detector {
        let kind = Kind::from_id(&exercise.id);
        // `max_per_min` is positive in a checked catalogue; a zero allows one rep a minute.
        let per_min = u64::from(exercise.max_per_min.max(1));
        let min_interval_us = 60_000_000_u64.div_ceil(per_min);
        Detector {
            kind,
            thresholds: kind.thresholds(&exercise.thresholds),
            scored_in_seconds: exercise.unit == Unit::Seconds,
            smooth: Ema::new(kind.smoothing_tau_us()),
            confidence: Ema::new(CONFIDENCE_TAU_US),
            baseline: Baseline::new(kind == Kind::ShoulderRolls),
            level: Level::new(),
            filter: Filter::new(),
            posture: Sparse::new(kind.smoothing_tau_us()),
            standing: Baseline::drifting(true, STANDING_DRIFT_TAU_US),
            counter: Counter::holding(
                min_interval_us,
                if kind.is_hold() {
                    MIN_HOLD_MS * 1000
                } else {
                    0
                },
            ),
            last_us: None,
            first_us: None,
            excluded_at: None,
            breaking: false,
        }
    }

    /// A detector for an exercise of the built-in catalogue.
    pub fn for_exercise(id: &str) -> Option<Detector> {
        Catalogue::builtin().get(id).map(Detector::new)
    }

    /// Feeds one frame captured at `t_us` (µs, any epoch; a frame earlier than the latest one
    /// is ignored) and returns the reading after it.
    pub fn update(&mut self, t_us: u64, model: PoseModel, landmarks: &[Landmark]) -> Reading {
        if self.last_us.is_some_and(|last| t_us < last) {
            return self.reading();
        }
        self.last_us = Some(t_us);
        let first_us = *self.first_us.get_or_insert(t_us);
        let Some(th) = self.thresholds else {
            return self.reading();
        };
        let mut pose = Pose::new(model, landmarks);
        self.filter.apply(t_us, &mut pose);
        let signal = signals::measure(self.kind, &pose);
        self.confidence
            .update(t_us, [signal.map_or(0.0, |s| s.quality)]);
        let posture = self.posture(t_us, &pose);
        match signal {
            Some(signal) => {
                let smoothed = self.smooth.update(t_us, signal.values);
                let values = self.against_rest(t_us, smoothed, &th);
                let zone = rules::zone(self.kind, &th, values, &posture);
                let lean = match zone {
                    Zone::Active(lean) => Some(lean),
                    _ => None,
                };
                // An exclusion holds from its second frame in a row: one noisy frame (a head
                // tilt read off two ears) is not a posture.
                let breaks = rules::excluded(self.kind, &th, lean, &posture);
                if breaks && self.breaking {
                    self.excluded_at = Some(t_us);
                }
                self.breaking = breaks;
                let zone = match rules::exclude(zone, self.counter.state(), t_us, self.excluded_at)
                {
                    Zone::Active(_)
                        if self.kind.uses_baseline() && t_us - first_us < BASELINE_WARMUP_US =>
                    {
                        Zone::Between
                    }
                    zone => zone,
                };
                self.counter.observe(t_us, zone);
            }
            None => self.counter.flush(t_us),
        }
        self.reading()
    }

    /// The reading after the latest frame.
    pub fn reading(&self) -> Reading {
        let confidence = self.confidence.value().map_or(0.0, |[c]| c);
        Reading {
            reps: self.counter.reps(),
            active_ms: if self.scored_in_seconds {
                self.counter.held_ms()
            } else {
                0
            },
            phase: self.kind.phase(self.counter.state()),
            confidence: confidence.clamp(0.0, 1.0) as f32,
        }
    }

    /// Forgets everything seen: a new exercise window, counts at zero.
    pub fn reset(&mut self) {
        self.smooth.reset();
        self.confidence.reset();
        self.baseline.reset();
        self.level.reset();
        self.filter.reset();
        self.posture.reset();
        self.standing.reset();
        self.counter.reset();
        self.last_us = None;
        self.first_us = None;
        self.excluded_at = None;
        self.breaking = false;
    }

    /// The phase of a single pose, without smoothing, hysteresis or posture: the signal compared
    /// with the midpoint of the enter and exit thresholds. `None` when the landmarks the
    /// exercise needs are not usable, and for exercises measured against a resting level (calf
    /// raises, shoulder rolls, side bends, neck stretches), which one pose cannot show.
    pub fn classify(&self, model: PoseModel, landmarks: &[Landmark]) -> Option<DetectorPhase> {
        let th = self.thresholds?;
        if self.kind.uses_baseline() {
            return None;
        }
        let signal = signals::measure(self.kind, &Pose::new(model, landmarks))?;
        let state = match signals::classify(&th, signal.values) {
            Zone::Active(lean) => State::Active(lean),
            Zone::Rest | Zone::Between | Zone::Excluded => State::Rest,
        };
        Some(self.kind.phase(state))
    }

    /// The smoothed posture after this frame, read against the standing legs' height.
    fn posture(&mut self, t_us: u64, pose: &Pose) -> Posture {
        if !self.kind.uses_posture() {
            return Posture::read([f64::NAN; POSTURE], None);
        }
        let values = self
            .posture
            .update(t_us, signals::posture(pose, self.kind.uses_upper_posture()));
        let [extent, _, knee_min, knee_dy, ankle_dy, ..] = values;
        // The legs' standing height is learnt with the feet side by side: a lunge's front foot,
        // nearer the camera, sits lower in the image and lengthens them.
        let together = !(knee_dy + ankle_dy).is_finite()
            || (knee_dy + ankle_dy).abs() <= rules::LEGS_LEVEL * extent;
        if extent.is_finite() && together {
            let straight = knee_min >= rules::KNEES_STRAIGHT_DEG;
            self.standing.update(t_us, extent, straight);
        }
        Posture::read(values, self.standing.value())
    }

    /// Expresses smoothed values against the resting level, for the exercises that need one:
    /// calf raises (how far above rest the heels are), shoulder rolls (by what fraction the
    /// nose-to-shoulders gap has shrunk), side bends and neck stretches (the tilt beyond the
    /// person's resting one).
    fn against_rest(&mut self, t_us: u64, smoothed: [f64; 2], th: &Thresholds) -> [f64; 2] {
        let [value, second] = smoothed;
        let resting = matches!(self.counter.state(), State::Unknown | State::Rest);
        match self.kind {
            Kind::CalfRaises => {
                let base = self.baseline.update(t_us, value, resting);
                [value - base, second]
            }
            Kind::ShoulderRolls => {
                let base = self.baseline.update(t_us, value, resting);
                let lift = if base > 1e-6 { 1.0 - value / base } else { 0.0 };
                [lift, second]
            }
            Kind::SideBends | Kind::NeckStretch => {
                // The level follows the person at rest, within the rest band: never a bend.
                let near = self
                    .level
                    .value()
                    .is_none_or(|level| (value - level).abs() <= th.exit);
                let level = self.level.update(t_us, value, resting && near);
                [value - level, second]
            }
            _ => smoothed,
        }
    }
}

/// Whether a squat pose is up or down: the squat detector's signal (mean knee angle) against
/// the midpoint of its two thresholds. `None` when no leg is seen.
pub fn squat_state(model: PoseModel, landmarks: &[Landmark]) -> Option<DetectorPhase> {
    Detector::for_exercise("squats")?.classify(model, landmarks)
}
