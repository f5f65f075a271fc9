//! The recipes (`rooms/fixtures/recipes.json`): for each fixture, the recording it starts
//! from, the transformations applied in order, and what each detector must find in it. The
//! repository keeps the recipes; the fixture files are generated from them at test time.
//!
//! A recipe starting from a 3-D recording (`tfjs_squats_3d`, `mediapipe_squats_threequarter_3d`)
//! works on bodies in metres ([`crate::space`]) until a `camera` step ([`crate::camera`]) films
//! them; the steps before it are the 3-D ones (`narrow_stance`, `shallow`, `scale_body`,
//! `lunges`), the steps after it the 2-D ones. A 2-D step on a 3-D clip, a 3-D step on a 2-D
//! clip, or a 3-D recipe without a camera fails loudly.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;

use crate::camera::Camera;
use crate::clip::Clip;
use crate::fixture::{self, Fixture};
use crate::glitch::{self, DropKneeAngle, Glitches, SwapLegs};
use crate::lunge::{self, Lunges};
use crate::recordings::{
    self, ARM_RAISE_SOURCE, MLKIT_SOURCE, PUSHUPS_SOURCE, SQUATS_3D_SOURCE, SQUATS_SOURCE,
    THREEQUARTER_3D_SOURCE, THREEQUARTER_SOURCE,
};
use crate::space::{self, Clip3};
use crate::synth::{self, Body, Capture, SquatArms};

/// The recipes file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recipes {
    /// What the file is (for people).
    #[serde(rename = "//")]
    pub about: Vec<String>,
    /// Reasons several fixtures share, by name (appended to a fixture's `why`).
    pub reasons: BTreeMap<String, String>,
    /// The clip fixtures, in file order.
    pub fixtures: Vec<Recipe>,
    /// The still pose files.
    pub stills: Vec<StillsRecipe>,
}

/// A recording a recipe starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum From {
    /// `tfjs-models/pose_squats.full.json`: BlazePose-33, 65 frames at 5 fps.
    TfjsSquats,
    /// `tfjs-models/pose_1.json`: COCO-17, 120 frames at 30 fps.
    TfjsArmRaise,
    /// `tfjs-models/pose_squats_3d.full.json`: the same squats as [`From::TfjsSquats`] in 3-D
    /// (world landmarks in metres), 65 frames at 5 fps, stood on the floor.
    #[serde(rename = "tfjs_squats_3d")]
    TfjsSquats3d,
    /// `mediapipe-docs/squats_threequarter.{full,visibility}.json`: BlazePose-33 with
    /// visibility, 91 frames at 15 fps, 560x720; 3 squats and the start of a fourth.
    MediapipeSquatsThreequarter,
    /// `mediapipe-docs/squats_threequarter_3d.full.json`: the same in 3-D, stood on the floor.
    #[serde(rename = "mediapipe_squats_threequarter_3d")]
    MediapipeSquatsThreequarter3d,
    /// `mediapipe-docs/pushups_side.{full,visibility}.json`: BlazePose-33 with visibility,
    /// 57 frames at 10 fps, 620x348; 5 floor push-ups from the side.
    MediapipePushupsSide,
}

/// One fixture's recipe.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recipe {
    /// The file's name without `.json`.
    pub name: String,
    /// The recording it starts from.
    pub from: From,
    /// The transformations, in order.
    #[serde(default)]
    pub steps: Vec<Step>,
    /// Reps each listed exercise's detector must count, exactly (in the file's order).
    #[serde(deserialize_with = "in_order")]
    pub expected: Vec<(String, u32)>,
    /// Milliseconds in the target pose, within [`fixture::ACTIVE_MS_TOLERANCE`].
    #[serde(default, deserialize_with = "in_order")]
    pub expected_active_ms: Vec<(String, u32)>,
    /// How it is made and why each count is expected.
    pub why: String,
    /// A shared reason (a key of [`Recipes::reasons`]) appended to `why`.
    #[serde(default)]
    pub reason: Option<String>,
    /// The exercise the fixture shows (the confusion matrix's diagonal), or `None` for a
    /// negative (standing still, waving arms).
    #[serde(default)]
    pub exercise: Option<String>,
    /// Why an exercise other than `exercise` is expected to count (a jumping jack raises both
    /// arms overhead): exercise id → reason. Every such exercise with a non-zero expectation
    /// needs one.
    #[serde(default)]
    pub contains: BTreeMap<String, String>,
}

/// A JSON object of counts as `(key, count)` pairs in the order they are written.
fn in_order<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<(String, u32)>, D::Error> {
    struct Pairs;
    impl<'de> serde::de::Visitor<'de> for Pairs {
        type Value = Vec<(String, u32)>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an object of counts")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut map: A,
        ) -> Result<Self::Value, A::Error> {
            let mut pairs = Vec::new();
            while let Some(pair) = map.next_entry()? {
                pairs.push(pair);
            }
            Ok(pairs)
        }
    }
    d.deserialize_map(Pairs)
}

/// A scale factor: constant, or growing linearly with time.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(untagged)]
pub enum Factor {
    /// The same at every frame.
    Constant(f64),
    /// `start + per_s × t` (t in seconds since the clip's time 0).
    Linear {
        /// The factor at t = 0.
        start: f64,
        /// Growth per second.
        per_s: f64,
    },
}

/// One transformation.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Step {
    /// Frames `[from, to)` by index, times unchanged.
    Cut([usize; 2]),
    /// Sampled at this rate, each landmark interpolated linearly.
    ResampleHz(u64),
    /// Each frame dropped with probability `fraction` (splitmix64 seeded with `seed`).
    DropRandom {
        /// Probability of dropping a frame.
        fraction: f64,
        /// The generator's seed.
        seed: u64,
    },
    /// The frames captured in `[from, to)` µs dropped.
    DropBetweenUs([u64; 2]),
    /// Gaussian-like noise of `sigma` on every x and y.
    Noise {
        /// Standard deviation, in image units.
        sigma: f64,
        /// The generator's seed.
        seed: u64,
    },
    /// x → 1 − x with left and right landmarks swapped.
    Mirror,
    /// Scaled about `about` by `factor`, then shifted by `shift`.
    Scale {
        /// The factor.
        factor: Factor,
        /// The fixed point.
        about: [f64; 2],
        /// The shift after scaling.
        #[serde(default)]
        shift: [f64; 2],
    },
    /// x scaled about `about` by `factor`, y unchanged.
    ScaleX {
        /// The factor.
        factor: f64,
        /// The fixed x.
        about: f64,
    },
    /// Each timestamp moved by up to ±`max_us`, order kept.
    JitterUs {
        /// The largest move.
        max_us: u64,
        /// The generator's seed.
        seed: u64,
    },
    /// Landmarks outside the image get visibility 0.1.
    OffScreenInvisible,
    /// Frame `frame` held for `for_us` (copies every `step_us`), later frames moved later.
    Hold {
        /// Index of the held frame.
        frame: usize,
        /// How long it is held.
        for_us: u64,
        /// Time between the copies.
        step_us: u64,
    },
    /// The clip `times` times in a row, frame k of the result at k × `step_us`.
    Loop {
        /// How many times.
        times: u64,
        /// Time between frames.
        step_us: u64,
    },
    /// The clip replaced by its first frame (a person standing) animated by a motion.
    Synth(Motion),
    /// 3-D: ankles, heels and toes moved towards the midline until the ankles are
    /// `feet_apart` shoulder widths apart, the knees by `knee_share` of that
    /// ([`space::narrow_stance`]).
    NarrowStance {
        /// Ankle gap, in shoulder widths.
        feet_apart: f64,
        /// The knees' share of the feet's move.
        knee_share: f64,
    },
    /// 3-D: the motion blended with the standing frame 0 so that the hips drop at most
    /// `hip_drop_torso` torso lengths ([`space::shallow`]).
    Shallow {
        /// The deepest hip drop, in torso lengths.
        hip_drop_torso: f64,
    },
    /// 3-D: the person scaled by this factor about the floor under them.
    ScaleBody(f64),
    /// 3-D: the clip replaced by lunges of its first frame ([`lunge::lunges`], 30 Hz).
    Lunges(Lunges),
    /// 3-D to 2-D: the clip filmed by a virtual pinhole camera ([`crate::camera`]).
    Camera(Camera),
    /// Single-frame landmark jumps ([`glitch::glitches`]).
    Glitches(Glitches),
    /// Left and right legs traded for one frame now and then ([`glitch::swap_legs`]).
    SwapLegs(SwapLegs),
    /// Frames whose 2-D knee angle lies in a range dropped ([`glitch::drop_knee_angle`]).
    DropKneeAngle(DropKneeAngle),
}

/// A clip in the making: in 3-D until a camera films it.
#[derive(Debug, Clone)]
pub enum Data {
    /// 2-D frames, normalized image coordinates.
    Flat(Clip),
    /// 3-D frames, metres.
    Space(Clip3),
}

/// A synthetic motion ([`crate::synth`]) and how it is captured: the motion's own fields,
/// plus optional `hz` (default 10), `seed` (default 1) and `noise` (σ on every landmark,
/// default [`synth::NOISE`]).
#[derive(Debug, Clone)]
pub struct Motion {
    /// What the body does.
    pub movement: Movement,
    /// Frame rate, seed and noise.
    pub capture: Capture,
}

impl<'de> Deserialize<'de> for Motion {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Motion, D::Error> {
        use serde::de::Error;
        let mut map = serde_json::Map::deserialize(d)?;
        let mut capture = Capture::default();
        if let Some(hz) = map.remove("hz") {
            capture.hz = hz
                .as_u64()
                .filter(|&hz| hz > 0)
                .ok_or_else(|| D::Error::custom("hz: a positive integer"))?;
        }
        if let Some(seed) = map.remove("seed") {
            capture.seed = seed
                .as_u64()
                .ok_or_else(|| D::Error::custom("seed: an integer"))?;
        }
        if let Some(noise) = map.remove("noise") {
            capture.noise = noise
                .as_f64()
                .filter(|n| *n >= 0.0)
                .ok_or_else(|| D::Error::custom("noise: a number >= 0"))?;
        }
        let movement =
            Movement::deserialize(serde_json::Value::Object(map)).map_err(D::Error::custom)?;
        Ok(Motion { movement, capture })
    }
}

fn side_view() -> f64 {
    80.0
}

fn three_quarter() -> f64 {
    30.0
}

/// What the body does in a synthetic motion; each variant's function in [`crate::synth`]
/// says how.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "motion", rename_all = "snake_case", deny_unknown_fields)]
pub enum Movement {
    /// See [`synth::jumping_jacks`].
    JumpingJacks {
        /// Repetitions.
        reps: u32,
        /// Seconds per repetition (each varied by up to ±20%).
        period_s: f64,
    },
    /// See [`synth::march`].
    March {
        /// Steps.
        steps: u32,
        /// Seconds per step (each varied by up to ±20%).
        step_s: f64,
    },
    /// See [`synth::side_bends`].
    SideBends {
        /// Repetitions.
        reps: u32,
        /// Seconds per repetition.
        period_s: f64,
        /// How far the upper body turns (each rep varied by up to ±15%).
        degrees: f64,
    },
    /// See [`synth::calf_raises`].
    CalfRaises {
        /// Repetitions.
        reps: u32,
        /// Seconds per repetition.
        period_s: f64,
        /// Rise, in image heights.
        rise: f64,
    },
    /// See [`synth::shoulder_rolls`].
    ShoulderRolls {
        /// Repetitions.
        reps: u32,
        /// Seconds per repetition.
        period_s: f64,
        /// Rise, as a fraction of the nose-to-shoulders gap.
        fraction: f64,
    },
    /// See [`synth::desk_pushups`].
    DeskPushups {
        /// Repetitions.
        reps: u32,
        /// Seconds per repetition.
        period_s: f64,
        /// The body's inclination from vertical at the top of a push-up, degrees.
        lean_deg: f64,
        /// The camera's yaw, degrees (90 a pure side view; default 80).
        #[serde(default = "side_view")]
        yaw_deg: f64,
    },
    /// See [`synth::neck_stretch`].
    NeckStretch {
        /// Seconds each tilt is held.
        hold_s: f64,
        /// Tilt, degrees.
        degrees: f64,
    },
    /// See [`synth::wall_sit`].
    WallSit {
        /// Seconds held.
        hold_s: f64,
        /// The camera's yaw, degrees (default 80).
        #[serde(default = "side_view")]
        yaw_deg: f64,
    },
    /// See [`synth::squats`].
    Squats {
        /// Repetitions.
        reps: u32,
        /// Seconds per repetition.
        period_s: f64,
        /// Where the arms are.
        arms: SquatArms,
        /// The camera's yaw, degrees (0, the default, faces the person).
        #[serde(default)]
        yaw_deg: f64,
    },
    /// See [`synth::lunges`].
    Lunges {
        /// Repetitions (each lunge, either leg).
        reps: u32,
        /// Seconds per repetition.
        period_s: f64,
        /// The camera's yaw, degrees (default 30).
        #[serde(default = "three_quarter")]
        yaw_deg: f64,
    },
    /// See [`synth::bend_pick_up`].
    BendPickUp {
        /// How many times.
        times: u32,
        /// The camera's yaw, degrees (default 30).
        #[serde(default = "three_quarter")]
        yaw_deg: f64,
    },
    /// See [`synth::talking`].
    Talking {
        /// Duration.
        seconds: f64,
    },
    /// See [`synth::weight_shift`].
    WeightShift {
        /// Duration.
        seconds: f64,
    },
    /// See [`synth::still`].
    Still {
        /// Duration.
        seconds: f64,
    },
    /// See [`synth::arm_waving`].
    ArmWaving {
        /// Duration.
        seconds: f64,
    },
    /// See [`synth::one_arm_overhead`].
    OneArmOverhead {
        /// Duration.
        seconds: f64,
        /// Seconds per swing.
        period_s: f64,
    },
}

/// A still poses file's recipe.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StillsRecipe {
    /// The file's name without `.json`.
    pub name: String,
    /// The ML Kit classes kept (by prefix, e.g. `squats_`).
    pub label_prefix: String,
    /// The least share of poses the detector must classify as labelled.
    pub min_share: f64,
    /// How it is made and what a detector must do with it.
    pub why: String,
}

/// `rooms/fixtures/recipes.json`.
pub fn path() -> PathBuf {
    crate::locate::repo_root().join("rooms/fixtures/recipes.json")
}

/// The recipes. Panics if the file is not valid (a test finds out at once).
pub fn load() -> Recipes {
    let text =
        std::fs::read_to_string(path()).unwrap_or_else(|e| panic!("{}: {e}", path().display()));
    parse(&text)
}

/// Parses a recipes file and checks every fixture's [`Recipe::check`]. Panics, saying what
/// is wrong, if it is not valid.
pub fn parse(text: &str) -> Recipes {
    let recipes: Recipes =
        serde_json::from_str(text).unwrap_or_else(|e| panic!("recipes.json: {e}"));
    let problems: Vec<String> = recipes
        .fixtures
        .iter()
        .filter_map(|r| r.check().err())
        .collect();
    assert!(problems.is_empty(), "recipes.json: {problems:#?}");
    recipes
}

impl Step {
    /// The data after this step. Panics when the step does not fit the data's dimension.
    pub fn apply_to(&self, data: Data) -> Data {
        match (self, data) {
            (
                Step::NarrowStance {
                    feet_apart,
                    knee_share,
                },
                Data::Space(c),
            ) => Data::Space(space::narrow_stance(c, *feet_apart, *knee_share)),
            (Step::Shallow { hip_drop_torso }, Data::Space(c)) => {
                Data::Space(space::shallow(c, *hip_drop_torso))
            }
            (Step::ScaleBody(factor), Data::Space(c)) => Data::Space(space::scale_body(c, *factor)),
            (Step::Lunges(step), Data::Space(c)) => match c.frames.first() {
                Some(first) => Data::Space(lunge::lunges(first, step)),
                None => Data::Space(c),
            },
            (Step::Camera(camera), Data::Space(c)) => Data::Flat(camera.film(&c)),
            (
                Step::NarrowStance { .. }
                | Step::Shallow { .. }
                | Step::ScaleBody(_)
                | Step::Lunges(_)
                | Step::Camera(_),
                Data::Flat(_),
            ) => panic!("{self:?} needs a 3-D clip: start from a 3-D recording"),
            (_, Data::Space(_)) => {
                panic!("{self:?} needs a 2-D clip: put a camera step before it")
            }
            (_, Data::Flat(clip)) => Data::Flat(self.apply(clip)),
        }
    }

    /// The clip after this 2-D step.
    fn apply(&self, clip: Clip) -> Clip {
        match *self {
            Step::Cut([from, to]) => clip.cut(from..to),
            Step::ResampleHz(hz) => clip.resample(hz),
            Step::DropRandom { fraction, seed } => clip.drop_random(fraction, seed),
            Step::DropBetweenUs([from, to]) => clip.drop_between(from, to),
            Step::Noise { sigma, seed } => clip.noise(sigma, seed),
            Step::Mirror => clip.mirror(),
            Step::Scale {
                factor,
                about,
                shift,
            } => clip.scale_shift(
                |t| match factor {
                    Factor::Constant(f) => f,
                    Factor::Linear { start, per_s } => start + per_s * t as f64 / 1e6,
                },
                (about[0], about[1]),
                (shift[0], shift[1]),
            ),
            Step::ScaleX { factor, about } => clip.scale_x(factor, about),
            Step::JitterUs { max_us, seed } => clip.jitter_times(max_us, seed),
            Step::OffScreenInvisible => clip.off_screen_invisible(),
            Step::Hold {
                frame,
                for_us,
                step_us,
            } => clip.hold(frame, for_us, step_us),
            Step::Loop { times, step_us } => clip.looped(times, step_us),
            Step::Synth(ref motion) => match clip.frames.first() {
                Some(first) => motion.animate(&Body::from_frame(first)),
                None => clip,
            },
            Step::Glitches(ref step) => glitch::glitches(clip, step),
            Step::SwapLegs(ref step) => glitch::swap_legs(clip, step),
            Step::DropKneeAngle(ref step) => glitch::drop_knee_angle(clip, step),
            Step::NarrowStance { .. }
            | Step::Shallow { .. }
            | Step::ScaleBody(_)
            | Step::Lunges(_)
            | Step::Camera(_) => panic!("{self:?} needs a 3-D clip"),
        }
    }
}

impl Motion {
    /// The motion, animated from `base`.
    pub fn animate(&self, base: &Body) -> Clip {
        let cap = self.capture;
        match self.movement {
            Movement::JumpingJacks { reps, period_s } => {
                synth::jumping_jacks(base, reps, period_s, cap)
            }
            Movement::March { steps, step_s } => synth::march(base, steps, step_s, cap),
            Movement::SideBends {
                reps,
                period_s,
                degrees,
            } => synth::side_bends(base, reps, period_s, degrees, cap),
            Movement::CalfRaises {
                reps,
                period_s,
                rise,
            } => synth::calf_raises(base, reps, period_s, rise, cap),
            Movement::ShoulderRolls {
                reps,
                period_s,
                fraction,
            } => synth::shoulder_rolls(base, reps, period_s, fraction, cap),
            Movement::DeskPushups {
                reps,
                period_s,
                lean_deg,
                yaw_deg,
            } => synth::desk_pushups(base, reps, period_s, lean_deg, yaw_deg, cap),
            Movement::NeckStretch { hold_s, degrees } => {
                synth::neck_stretch(base, hold_s, degrees, cap)
            }
            Movement::WallSit { hold_s, yaw_deg } => synth::wall_sit(base, hold_s, yaw_deg, cap),
            Movement::Squats {
                reps,
                period_s,
                arms,
                yaw_deg,
            } => synth::squats(base, reps, period_s, arms, yaw_deg, cap),
            Movement::Lunges {
                reps,
                period_s,
                yaw_deg,
            } => synth::lunges(base, reps, period_s, yaw_deg, cap),
            Movement::BendPickUp { times, yaw_deg } => {
                synth::bend_pick_up(base, times, yaw_deg, cap)
            }
            Movement::Talking { seconds } => synth::talking(base, seconds, cap),
            Movement::WeightShift { seconds } => synth::weight_shift(base, seconds, cap),
            Movement::Still { seconds } => synth::still(base, seconds, cap),
            Movement::ArmWaving { seconds } => synth::arm_waving(base, seconds, cap),
            Movement::OneArmOverhead { seconds, period_s } => {
                synth::one_arm_overhead(base, seconds, period_s, cap)
            }
        }
    }
}

/// The `source` of synthetic fixtures.
pub const SYNTH_SOURCE: &str = "synthetic: frame 0 of tensorflow/tfjs-models \
    pose-detection/test_data/pose_squats.full.json (commit \
    18a73420e555a3c1948209ebfa807c7086c7ff0c, Apache-2.0, Copyright Google LLC) animated joint \
    by joint on square pixels, or a 3-D stick body with its segment lengths";

/// The `source` of the synthetic lunges.
pub const LUNGES_SOURCE: &str = "synthetic: frame 0 of tensorflow/tfjs-models \
    pose-detection/test_data/pose_squats_3d.full.json (commit \
    18a73420e555a3c1948209ebfa807c7086c7ff0c, Apache-2.0, Copyright Google LLC), world landmarks \
    stood on a floor, animated in 3-D (leg inverse kinematics from its bone lengths) and filmed \
    by a virtual pinhole camera";

impl From {
    /// The recording, read, and its `source`.
    pub fn start(self) -> (Data, &'static str) {
        match self {
            From::TfjsSquats => (Data::Flat(recordings::squats()), SQUATS_SOURCE),
            From::TfjsArmRaise => (Data::Flat(recordings::arm_raise()), ARM_RAISE_SOURCE),
            From::TfjsSquats3d => (Data::Space(recordings::squats_3d()), SQUATS_3D_SOURCE),
            From::MediapipeSquatsThreequarter => (
                Data::Flat(recordings::squats_threequarter()),
                THREEQUARTER_SOURCE,
            ),
            From::MediapipeSquatsThreequarter3d => (
                Data::Space(recordings::squats_threequarter_3d()),
                THREEQUARTER_3D_SOURCE,
            ),
            From::MediapipePushupsSide => (Data::Flat(recordings::pushups_side()), PUSHUPS_SOURCE),
        }
    }
}

impl Recipe {
    /// The confusion matrix's rule on one recipe: every non-zero expectation (reps or held
    /// milliseconds) of an exercise other than [`Recipe::exercise`] has a [`Recipe::contains`]
    /// reason, and every reason belongs to such an expectation.
    pub fn check(&self) -> Result<(), String> {
        let off_diagonal: std::collections::BTreeSet<&str> = self
            .expected
            .iter()
            .chain(&self.expected_active_ms)
            .filter(|(id, n)| *n > 0 && self.exercise.as_deref() != Some(id.as_str()))
            .map(|(id, _)| id.as_str())
            .collect();
        let mut problems = Vec::new();
        for id in &off_diagonal {
            match self.contains.get(*id) {
                Some(reason) if !reason.trim().is_empty() => {}
                _ => problems.push(format!(
                    "{id} is expected to count but the fixture shows {}: say why in `contains`",
                    self.exercise.as_deref().unwrap_or("no exercise")
                )),
            }
        }
        for id in self.contains.keys() {
            if !off_diagonal.contains(id.as_str()) {
                problems.push(format!(
                    "`contains` gives a reason for {id}, which is not a non-zero expectation \
                     off the diagonal"
                ));
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(format!("{}: {}", self.name, problems.join("; ")))
        }
    }

    /// The fixture this recipe makes. Panics with where to put the recording when it is
    /// missing.
    pub fn make(&self, reasons: &BTreeMap<String, String>) -> Fixture {
        let (start, recorded) = self.from.start();
        let synthetic = self.steps.iter().any(|s| matches!(s, Step::Synth(_)));
        let lunges = self.steps.iter().any(|s| matches!(s, Step::Lunges(_)));
        assert!(
            !lunges || self.from == From::TfjsSquats3d,
            "{}: lunges are made from tfjs_squats_3d (its source says so)",
            self.name
        );
        let clip = match self
            .steps
            .iter()
            .fold(start, |data, step| step.apply_to(data))
        {
            Data::Flat(clip) => clip.rounded(),
            Data::Space(_) => panic!("{}: a 3-D recipe needs a camera step", self.name),
        };
        let mut why = self.why.clone();
        if let Some(reason) = &self.reason {
            let text = reasons
                .get(reason)
                .unwrap_or_else(|| panic!("{}: no reason {reason:?}", self.name));
            why = format!("{why} {text}");
        }
        Fixture {
            name: self.name.clone(),
            source: if lunges {
                LUNGES_SOURCE
            } else if synthetic {
                SYNTH_SOURCE
            } else {
                recorded
            },
            clip,
            expected: self.expected.clone(),
            expected_active_ms: self.expected_active_ms.clone(),
            why,
            exercise: self.exercise.clone(),
            contains: self.contains.clone(),
        }
    }
}

impl StillsRecipe {
    /// The labelled poses this recipe keeps, in file order.
    pub fn poses(&self) -> Vec<recordings::StillPose> {
        recordings::mlkit()
            .into_iter()
            .filter(|p| p.label.starts_with(&self.label_prefix))
            .collect()
    }

    /// The file's text.
    pub fn write(&self, poses: &[recordings::StillPose]) -> String {
        let list: Vec<(&str, &[[f64; 3]])> = poses
            .iter()
            .map(|p| (p.label.as_str(), p.lms.as_slice()))
            .collect();
        fixture::write_poses(&self.name, MLKIT_SOURCE, &self.why, &list)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recipe(from: &str, steps: &str) -> Recipe {
        serde_json::from_str(&format!(
            r#"{{"name": "t", "from": "{from}", "steps": {steps}, "expected": {{}}, "why": "t"}}"#
        ))
        .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    #[should_panic(expected = "needs a camera step")]
    fn a_3d_recipe_without_a_camera_fails() {
        recipe("tfjs_squats_3d", "[]").make(&BTreeMap::new());
    }

    #[test]
    #[should_panic(expected = "put a camera step before it")]
    fn a_2d_step_on_a_3d_clip_fails() {
        recipe("tfjs_squats_3d", r#"[{"resample_hz": 10}]"#).make(&BTreeMap::new());
    }

    #[test]
    #[should_panic(expected = "needs a 3-D clip")]
    fn a_3d_step_on_a_2d_clip_fails() {
        recipe("tfjs_squats", r#"[{"scale_body": 1.1}]"#).make(&BTreeMap::new());
    }

    #[test]
    fn a_camera_turns_a_3d_recipe_into_frames_with_the_recordings_source() {
        let r = recipe(
            "tfjs_squats_3d",
            r#"[{"narrow_stance": {"feet_apart": 0.5, "knee_share": 0.75}},
                {"camera": {"yaw_deg": 30, "pitch_deg": 0, "distance_m": 3, "focal": 0.7, "aspect": [16, 9]}},
                {"resample_hz": 10}]"#,
        );
        let f = r.make(&BTreeMap::new());
        assert_eq!(f.clip.frames.len(), 129);
        assert_eq!(f.source, SQUATS_3D_SOURCE);
        let lunges = recipe("tfjs_squats_3d", r#"[{"lunges": {"reps": 2, "seed": 1}},
            {"camera": {"yaw_deg": 90, "pitch_deg": 0, "distance_m": 3, "focal": 0.6, "aspect": [16, 9]}}]"#)
        .make(&BTreeMap::new());
        assert_eq!(lunges.source, LUNGES_SOURCE);
    }

    fn recipe_json(json: &str) -> Recipe {
        serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn an_off_diagonal_count_needs_a_reason() {
        let base =
            r#""name": "jj", "from": "tfjs_squats", "why": "w", "exercise": "jumping_jacks""#;
        let without = recipe_json(&format!(
            r#"{{{base}, "expected": {{"jumping_jacks": 6, "arm_raises": 6}}}}"#
        ));
        let err = without.check().expect_err("arm raises without a reason");
        assert!(err.contains("arm_raises"), "{err}");

        let with = recipe_json(&format!(
            r#"{{{base}, "expected": {{"jumping_jacks": 6, "arm_raises": 6, "squats": 0}},
                "contains": {{"arm_raises": "each jack raises both arms overhead"}}}}"#
        ));
        assert_eq!(with.check(), Ok(()));

        // Held milliseconds count too, and a negative has no diagonal at all.
        let held = recipe_json(
            r#"{"name": "n", "from": "tfjs_squats", "why": "w", "expected": {},
                "expected_active_ms": {"wall_sit": 3000}}"#,
        );
        assert!(held.check().is_err());

        // A reason must belong to a non-zero expectation off the diagonal.
        let stale = recipe_json(&format!(
            r#"{{{base}, "expected": {{"jumping_jacks": 6, "arm_raises": 0}},
                "contains": {{"arm_raises": "no longer counts"}}}}"#
        ));
        assert!(stale.check().is_err());
        let blank = recipe_json(&format!(
            r#"{{{base}, "expected": {{"jumping_jacks": 6, "arm_raises": 6}},
                "contains": {{"arm_raises": " "}}}}"#
        ));
        assert!(blank.check().is_err());
    }

    #[test]
    fn the_recipes_in_the_repository_pass_the_check() {
        // parse panics on the first invalid recipe, naming it.
        let recipes = parse(&std::fs::read_to_string(path()).unwrap_or_else(|e| panic!("{e}")));
        assert!(!recipes.fixtures.is_empty());
    }
}
