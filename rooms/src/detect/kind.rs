//! Which detector an exercise gets, and its thresholds from the catalogue.

use std::collections::BTreeMap;

use super::DetectorPhase;
use super::counter::{Lean, State};

/// The detectors, one per catalogue exercise that can be seen in keypoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// An exercise this module cannot see: always `unknown`, confidence 0.
    Undetectable,
    Squats,
    JumpingJacks,
    ArmRaises,
    ShoulderRolls,
    MarchInPlace,
    SideBends,
    CalfRaises,
    NeckStretch,
    DeskPushups,
    WallSit,
    Lunges,
}

/// How a signal is compared with its two thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    /// Active at or below `enter`, at rest at or above `exit` (a knee or elbow angle).
    Below,
    /// Active at or above `enter`, at rest at or below `exit` (an arm's elevation).
    Above,
    /// Active to the left at or above `enter`, to the right at or below `-enter`, at rest
    /// within `±exit` (a tilt, a knee lifted on one side).
    EitherSide,
}

/// A detector's threshold names in the catalogue, and the values used when the catalogue
/// entry lacks them (the built-in catalogue has them all; a test checks it).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Spec {
    pub(crate) direction: Direction,
    /// Threshold to enter the active position.
    pub(crate) enter: (&'static str, f64),
    /// Threshold to return to rest.
    pub(crate) exit: (&'static str, f64),
    /// A second condition of the active position (jumping jacks: how far apart the feet).
    pub(crate) extra: Option<(&'static str, f64)>,
    /// Further thresholds of the exercise's own rule (squats: the hip-drop cue).
    pub(crate) more: &'static [(&'static str, f64)],
}

/// Thresholds read from a catalogue entry.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Thresholds {
    pub(crate) direction: Direction,
    pub(crate) enter: f64,
    pub(crate) exit: f64,
    /// The second condition's threshold, on the signal's second value.
    pub(crate) extra: Option<f64>,
    /// [`Spec::more`]'s values, in order (unused slots 0).
    pub(crate) more: [f64; MORE],
}

/// Most thresholds in [`Spec::more`].
pub(crate) const MORE: usize = 3;

/// The squats' hip-drop cue and the level legs they need, in [`Spec::more`] order.
const SQUAT_MORE: &[(&str, f64)] = &[
    ("hip_drop_down_leg_ratio", 0.25),
    ("hip_drop_up_leg_ratio", 0.1),
    ("legs_level_leg_ratio", 0.25),
];

impl Kind {
    /// The detector for a catalogue id.
    pub(crate) fn from_id(id: &str) -> Kind {
        match id {
            "squats" => Kind::Squats,
            "jumping_jacks" => Kind::JumpingJacks,
            "arm_raises" => Kind::ArmRaises,
            "shoulder_rolls" => Kind::ShoulderRolls,
            "march_in_place" => Kind::MarchInPlace,
            "side_bends" => Kind::SideBends,
            "calf_raises" => Kind::CalfRaises,
            "neck_stretch" => Kind::NeckStretch,
            "desk_pushups" => Kind::DeskPushups,
            "wall_sit" => Kind::WallSit,
            "lunges" => Kind::Lunges,
            _ => Kind::Undetectable,
        }
    }

    /// Threshold names and defaults.
    pub(crate) const fn spec(self) -> Option<Spec> {
        use Direction::*;
        let mut more: &'static [(&'static str, f64)] = &[];
        let (direction, enter, exit, extra) = match self {
            Kind::Undetectable => return None,
            Kind::Squats => {
                more = SQUAT_MORE;
                (
                    Below,
                    ("knee_angle_down_deg", 125.0),
                    ("knee_angle_up_deg", 155.0),
                    None,
                )
            }
            Kind::Lunges => (
                EitherSide,
                ("hip_drop_enter_leg_ratio", 0.2),
                ("hip_drop_exit_leg_ratio", 0.1),
                Some(("legs_split_leg_ratio", 0.35)),
            ),
            Kind::JumpingJacks => (
                Above,
                ("arm_elevation_up_deg", 110.0),
                ("arm_elevation_down_deg", 60.0),
                Some(("ankles_apart_shoulder_ratio", 1.2)),
            ),
            Kind::ArmRaises => (
                Above,
                ("arm_elevation_up_deg", 130.0),
                ("arm_elevation_down_deg", 45.0),
                None,
            ),
            Kind::ShoulderRolls => (
                Above,
                ("shoulder_lift_enter_ratio", 0.15),
                ("shoulder_lift_exit_ratio", 0.07),
                None,
            ),
            Kind::MarchInPlace => (
                EitherSide,
                ("knee_lift_enter_torso_ratio", 0.2),
                ("knee_lift_exit_torso_ratio", 0.1),
                None,
            ),
            Kind::SideBends => (
                EitherSide,
                ("shoulder_tilt_enter_deg", 15.0),
                ("shoulder_tilt_exit_deg", 7.0),
                None,
            ),
            Kind::CalfRaises => (
                Above,
                ("heel_lift_enter_torso_ratio", 0.07),
                ("heel_lift_exit_torso_ratio", 0.035),
                None,
            ),
            Kind::NeckStretch => (
                EitherSide,
                ("head_tilt_enter_deg", 20.0),
                ("head_tilt_exit_deg", 12.0),
                None,
            ),
            Kind::DeskPushups => (
                Below,
                ("elbow_angle_down_deg", 125.0),
                ("elbow_angle_up_deg", 155.0),
                None,
            ),
            Kind::WallSit => (
                Below,
                ("knee_angle_max_deg", 110.0),
                ("knee_angle_release_deg", 125.0),
                None,
            ),
        };
        Some(Spec {
            direction,
            enter,
            exit,
            extra,
            more,
        })
    }

    /// The thresholds from a catalogue entry's map, defaults filling the gaps. Non-finite
    /// values (which the catalogue refuses anyway) fall back to the defaults too.
    pub(crate) fn thresholds(self, map: &BTreeMap<String, f64>) -> Option<Thresholds> {
        let spec = self.spec()?;
        let read = |(name, default): (&str, f64)| {
            map.get(name)
                .copied()
                .filter(|v| v.is_finite())
                .unwrap_or(default)
        };
        let mut more = [0.0; MORE];
        for (slot, &threshold) in more.iter_mut().zip(spec.more) {
            *slot = read(threshold);
        }
        Some(Thresholds {
            direction: spec.direction,
            enter: read(spec.enter),
            exit: read(spec.exit),
            extra: spec.extra.map(read),
            more,
        })
    }

    /// Whether the exercise is a held pose (smoothed more steadily, and timed only once held
    /// for [`super::MIN_HOLD_MS`]).
    pub(crate) const fn is_hold(self) -> bool {
        matches!(self, Kind::NeckStretch | Kind::WallSit)
    }

    /// Whether the exercise's rules read the posture around its signal (every one but those
    /// measured on the arms alone).
    pub(crate) const fn uses_posture(self) -> bool {
        !matches!(
            self,
            Kind::Undetectable | Kind::JumpingJacks | Kind::ArmRaises
        )
    }

    /// Whether the exercise's exclusions read the upper body's posture (arms, head, turn,
    /// shoulder line).
    pub(crate) const fn uses_upper_posture(self) -> bool {
        matches!(
            self,
            Kind::ShoulderRolls | Kind::SideBends | Kind::NeckStretch
        )
    }

    /// The time constant of the signal's smoothing, µs.
    pub(crate) const fn smoothing_tau_us(self) -> u64 {
        if self.is_hold() {
            super::HOLD_SMOOTHING_TAU_US
        } else if self.uses_baseline() {
            super::BASELINE_SMOOTHING_TAU_US
        } else {
            super::SMOOTHING_TAU_US
        }
    }

    /// Whether the signal is measured against a resting baseline (calf raises, shoulder rolls)
    /// rather than absolute values; such exercises cannot classify a single pose.
    pub(crate) const fn uses_baseline(self) -> bool {
        matches!(
            self,
            Kind::CalfRaises | Kind::ShoulderRolls | Kind::SideBends | Kind::NeckStretch
        )
    }

    /// The phase a counter state shows as.
    pub(crate) const fn phase(self, state: State) -> DetectorPhase {
        use DetectorPhase as P;
        let lean = match state {
            State::Unknown => return P::Unknown,
            State::Rest => None,
            State::Active(lean) => Some(lean),
        };
        match (self, lean) {
            (Kind::Undetectable, _) => P::Unknown,
            (Kind::Squats | Kind::DeskPushups, None) => P::Up,
            (Kind::Squats | Kind::DeskPushups, Some(_)) => P::Down,
            (Kind::ArmRaises | Kind::ShoulderRolls | Kind::CalfRaises, None) => P::Down,
            (Kind::ArmRaises | Kind::ShoulderRolls | Kind::CalfRaises, Some(_)) => P::Up,
            (Kind::JumpingJacks, None) => P::Closed,
            (Kind::JumpingJacks, Some(_)) => P::Open,
            (Kind::WallSit, None) => P::OutOfPose,
            (Kind::WallSit, Some(_)) => P::InPose,
            (Kind::MarchInPlace | Kind::SideBends | Kind::NeckStretch | Kind::Lunges, None) => {
                P::Neutral
            }
            (
                Kind::MarchInPlace | Kind::SideBends | Kind::NeckStretch | Kind::Lunges,
                Some(Lean::Right),
            ) => P::Right,
            (Kind::MarchInPlace | Kind::SideBends | Kind::NeckStretch | Kind::Lunges, Some(_)) => {
                P::Left
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Catalogue, Input};

    #[test]
    fn the_builtin_catalogue_sets_every_threshold_in_order() {
        // The reach game and sound exercises have no pose detector (and no thresholds).
        for e in Catalogue::builtin()
            .iter()
            .filter(|e| e.input == Input::Pose)
        {
            let kind = Kind::from_id(&e.id);
            let spec = kind
                .spec()
                .unwrap_or_else(|| panic!("{}: no detector", e.id));
            let read: Vec<(&str, f64)> = [spec.enter, spec.exit]
                .into_iter()
                .chain(spec.extra)
                .chain(spec.more.iter().copied())
                .collect();
            // Every name read is in the file, with the default's value; nothing else is.
            for (name, default) in &read {
                assert_eq!(e.thresholds.get(*name), Some(default), "{} {name}", e.id);
            }
            assert_eq!(
                e.thresholds.len(),
                read.len(),
                "{}: unread thresholds",
                e.id
            );
            let th = kind
                .thresholds(&e.thresholds)
                .unwrap_or_else(|| panic!("{}", e.id));
            let ordered = match th.direction {
                Direction::Below => th.enter < th.exit,
                Direction::Above => th.enter > th.exit,
                Direction::EitherSide => th.enter > th.exit && th.exit >= 0.0,
            };
            assert!(ordered, "{}: enter {} vs exit {}", e.id, th.enter, th.exit);
        }
    }

    #[test]
    fn missing_or_broken_thresholds_take_the_defaults() {
        let mut map = BTreeMap::new();
        map.insert("knee_angle_down_deg".to_owned(), f64::NAN);
        let th = Kind::Squats
            .thresholds(&map)
            .unwrap_or_else(|| panic!("squats"));
        assert_eq!((th.enter, th.exit), (125.0, 155.0));
        assert_eq!(Kind::from_id("burpees").thresholds(&map), None);
    }
}
