//! The exercise catalogue: which exercises a program may use, how each is counted and scored.
//!
//! The catalogue is data: `catalogue.json` beside this crate, compiled in and parsed once.
//! [`Catalogue::from_json`] checks it (unique, well-formed ids; names and instructions in every
//! language; positive rates; detector thresholds only on pose exercises), and a test checks the
//! built-in file, so [`Catalogue::builtin`] cannot fail at run time.
//!
//! Each exercise says what a device needs to take part ([`Input`]): a pose exercise counts
//! reps or held time from the camera's keypoints; the reach game (`reach`) shows targets to
//! touch with a hand, seeded per step ([`crate::detect::reach`]); a sound exercise (`ha`: "ha!"
//! on each beat) counts sounds with the microphone. The server checks pose and reach claims
//! against the keypoints a participant streams; sound claims it can only cap by rate, so they
//! are always unverified.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

/// The built-in catalogue's source.
const BUILTIN_JSON: &str = include_str!("../catalogue.json");

/// The exercises a room's program may use.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Catalogue {
    /// Format version of the catalogue file (currently 1).
    pub version: u32,
    /// The exercises, in display order.
    pub exercises: Vec<Exercise>,
}

/// One exercise of the catalogue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Exercise {
    /// Catalogue id, as programs and score reports name it: `a-z`, `0-9` and `_`.
    pub id: String,
    /// Display names.
    pub names: Names,
    /// What the device runs to count it: the camera's pose, the reach game, or the microphone.
    pub input: Input,
    /// A short instruction: how to do it, one or two sentences.
    pub how: Names,
    /// What earns points: repetitions or seconds held.
    pub unit: Unit,
    /// Plausible maximum rate in repetitions per minute (steps, for marching). Reps claimed
    /// faster than this (plus a small burst allowance) are capped and flagged, and the
    /// detector never counts faster. For [`Unit::Seconds`] exercises it caps the
    /// informational rep count only: their active time is capped by wall time.
    pub max_per_min: u32,
    /// Points per unit: per repetition, or per whole second held.
    pub points_per_unit: u32,
    /// Named thresholds of the exercise's keypoint detector (angles in degrees, distances as
    /// ratios of a body length; each name ends in its unit). [`crate::detect`] reads them and
    /// documents each exercise's names; a name it does not read is ignored.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub thresholds: BTreeMap<String, f64>,
}

/// A text in every supported language: an exercise's display name, or its instruction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Names {
    /// English.
    pub en: String,
    /// Swedish.
    pub sv: String,
}

/// What a device needs to take part in an exercise, and how the server checks its claims.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Input {
    /// The camera: the pose detector counts reps or held time; the server runs the same
    /// detector on the streamed keypoints.
    Pose,
    /// The camera: the reach game, targets touched with a hand (a rep is a hit). Its steps'
    /// cues carry a seed; the server counts hits from the streamed keypoints.
    Reach,
    /// The microphone: sounds counted on the device (a rep is a sound, or seconds of a held
    /// sound). Audio never leaves the device, so the server cannot check the count: it is
    /// capped by rate and always unverified.
    Sound,
}

impl Input {
    /// Whether the server can check claims from streamed keypoints.
    pub fn checked(self) -> bool {
        matches!(self, Input::Pose | Input::Reach)
    }
}

/// What an exercise counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// Repetitions: points per accepted rep.
    Reps,
    /// Seconds held in the target pose: points per accepted whole second.
    Seconds,
}

/// Why catalogue JSON was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogueError {
    /// Not JSON of the catalogue's shape.
    #[error("catalogue is not valid JSON of the expected shape: {0}")]
    Json(String),
    /// The content breaks a rule.
    #[error("exercise `{id}`: {reason}")]
    Invalid {
        /// The offending exercise.
        id: String,
        /// What is wrong.
        reason: &'static str,
    },
}

impl Catalogue {
    /// The catalogue compiled into this crate, parsed on first use.
    pub fn builtin() -> &'static Catalogue {
        static BUILTIN: OnceLock<Catalogue> = OnceLock::new();
        BUILTIN.get_or_init(|| {
            // `catalogue.json` is compiled in, and the test `builtin_catalogue_is_complete`
            // parses and checks it, so a broken file never gets past CI.
            Catalogue::from_json(BUILTIN_JSON).expect("the built-in catalogue is checked by tests")
        })
    }

    /// Parses and checks a catalogue.
    pub fn from_json(json: &str) -> Result<Catalogue, CatalogueError> {
        let catalogue: Catalogue =
            serde_json::from_str(json).map_err(|e| CatalogueError::Json(e.to_string()))?;
        catalogue.check()?;
        Ok(catalogue)
    }

    /// The exercise with this id.
    pub fn get(&self, id: &str) -> Option<&Exercise> {
        self.exercises.iter().find(|e| e.id == id)
    }

    /// All exercises, in display order.
    pub fn iter(&self) -> impl Iterator<Item = &Exercise> {
        self.exercises.iter()
    }

    fn check(&self) -> Result<(), CatalogueError> {
        for (i, e) in self.exercises.iter().enumerate() {
            let invalid = |reason| CatalogueError::Invalid {
                id: e.id.clone(),
                reason,
            };
            if breakroom_protocol::validate::exercise_id("id", &e.id).is_err() {
                return Err(invalid("id must be 1 to 32 of a-z, 0-9 and _"));
            }
            if self.exercises[..i].iter().any(|other| other.id == e.id) {
                return Err(invalid("id appears twice"));
            }
            if e.names.en.trim().is_empty() || e.names.sv.trim().is_empty() {
                return Err(invalid("every name must be non-empty"));
            }
            if e.how.en.trim().is_empty() || e.how.sv.trim().is_empty() {
                return Err(invalid("every instruction must be non-empty"));
            }
            if e.input != Input::Pose && !e.thresholds.is_empty() {
                return Err(invalid("only pose exercises have detector thresholds"));
            }
            if e.input == Input::Reach && e.unit != Unit::Reps {
                return Err(invalid("the reach game counts hits: its unit is reps"));
            }
            if e.max_per_min == 0 {
                return Err(invalid("max_per_min must be positive"));
            }
            if e.thresholds.values().any(|v| !v.is_finite()) {
                return Err(invalid("thresholds must be finite numbers"));
            }
        }
        Ok(())
    }
}

impl Exercise {
    /// Points earned for accepted counters.
    pub fn points(&self, reps: u32, active_ms: u32) -> u32 {
        let units = match self.unit {
            Unit::Reps => reps,
            Unit::Seconds => active_ms / 1000,
        };
        units.saturating_mul(self.points_per_unit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_duplicates_and_bad_ids() {
        let one = r#"{"id":"x","names":{"en":"X","sv":"X"},"input":"pose","how":{"en":"Do x.","sv":"Gör x."},"unit":"reps","max_per_min":1,"points_per_unit":1}"#;
        let twice = format!(r#"{{"version":1,"exercises":[{one},{one}]}}"#);
        assert!(matches!(
            Catalogue::from_json(&twice),
            Err(CatalogueError::Invalid { .. })
        ));
        let bad = one.replace(r#""x""#, r#""Bad Id""#);
        let bad = format!(r#"{{"version":1,"exercises":[{bad}]}}"#);
        assert!(matches!(
            Catalogue::from_json(&bad),
            Err(CatalogueError::Invalid { .. })
        ));
        let typo = one.replace("unit", "units");
        let typo = format!(r#"{{"version":1,"exercises":[{typo}]}}"#);
        assert!(matches!(
            Catalogue::from_json(&typo),
            Err(CatalogueError::Json(_))
        ));
        let refused = |entry: String, why: &str| {
            let json = format!(r#"{{"version":1,"exercises":[{entry}]}}"#);
            assert_eq!(
                Catalogue::from_json(&json),
                Err(CatalogueError::Invalid {
                    id: "x".into(),
                    reason: match why {
                        "how" => "every instruction must be non-empty",
                        "thresholds" => "only pose exercises have detector thresholds",
                        _ => "the reach game counts hits: its unit is reps",
                    },
                }),
                "{entry}"
            );
        };
        refused(one.replace("Gör x.", " "), "how");
        let sound = one.replace(r#""pose""#, r#""sound""#);
        let open = sound.trim_end_matches('}');
        refused(
            format!(r#"{open},"thresholds":{{"a_deg":1}}}}"#),
            "thresholds",
        );
        let held = one.replace(r#""pose""#, r#""reach""#);
        refused(held.replace(r#""reps""#, r#""seconds""#), "unit");
    }

    #[test]
    fn points_follow_the_unit() {
        let c = Catalogue::builtin();
        let squats = c.get("squats").expect("squats are built in");
        assert_eq!(squats.points(10, 99_999), 10 * squats.points_per_unit);
        let neck = c.get("neck_stretch").expect("neck_stretch is built in");
        assert_eq!(neck.points(99, 2_999), 2 * neck.points_per_unit);
    }
}
