//! Dev-only support for breakroom's tests, benches and examples: the third-party pose
//! recordings and the detector fixtures made from them.
//!
//! The recordings (tfjs-models, ML Kit and MediaPipe keypoints, Apache-2.0) are not in the
//! repository. [`locate`] finds them in `../shared/data/pose/` beside the repository root, or in
//! `$BREAKROOM_POSE_DATA`, and fails loudly, saying where to put which file and where it comes
//! from, when one is missing. [`recordings`] reads them into [`clip::Clip`]s; [`recipe`] turns
//! the recipes the repository keeps (`rooms/fixtures/recipes.json`) into the fixture files
//! ([`fixture`], format in `rooms/fixtures/README.md`) that the Rust and TypeScript detectors
//! are both held to; `gen-fixtures OUTDIR` writes them for the TypeScript tests and for
//! `breakroom detect`. [`synth`] makes the synthetic movement of the exercises without a real
//! recording, and of the negatives: human timing ([`synth::timing`]), noise, and a 3-D stick
//! body ([`synth::skeleton`]) for side views. A recipe names the exercise it shows and why any
//! other one counts (`exercise`, `contains`: the confusion matrix), checked when it is loaded.
//!
//! Generalization: [`space`] holds bodies in 3-D (metres, stood on a floor) read from the
//! world-landmark recordings, with the steps that change them before filming (a narrower
//! stance, a shallow bob, another body size); [`lunge`] synthesizes lunges in 3-D (leg inverse
//! kinematics) as no recording of them exists; [`camera`] films a 3-D clip with a virtual
//! pinhole camera from any yaw, pitch and distance into a portrait or landscape image;
//! [`glitch`] adds what trackers get wrong (single-frame landmark jumps, left/right leg swaps)
//! and capture gaps at the phase changes. `fixture-stats [NAME-PART]` prints the knee-angle
//! minima and hip drops of the fixtures, the numbers detector thresholds are set against.
//!
//! Why a crate of its own: `rooms` is sans-IO and must not read files, and the protocol
//! tests, the rooms tests and bench, the server's tests and the SDK examples all need the same
//! locator and the same generator, so there is exactly one of each. Nothing ships with it.

pub mod camera;
pub mod clip;
pub mod fixture;
pub mod glitch;
pub mod locate;
pub mod lunge;
pub mod recipe;
pub mod recordings;
pub mod space;
pub mod synth;

use fixture::Fixture;

/// Every fixture of the recipes, in file order. Panics, saying where to put them, when the
/// recordings are missing.
pub fn fixtures() -> Vec<Fixture> {
    let recipes = recipe::load();
    recipes
        .fixtures
        .iter()
        .map(|r| r.make(&recipes.reasons))
        .collect()
}

/// The fixture `name`, generated. Panics if no recipe has that name, or when the recordings
/// are missing.
pub fn fixture(name: &str) -> Fixture {
    let recipes = recipe::load();
    recipes
        .fixtures
        .iter()
        .find(|r| r.name == name)
        .unwrap_or_else(|| {
            panic!(
                "no fixture recipe named {name} in {}",
                recipe::path().display()
            )
        })
        .make(&recipes.reasons)
}

/// Every generated file, as `(file name, content)`: one per clip fixture and one per still
/// poses recipe.
pub fn files() -> Vec<(String, String)> {
    let recipes = recipe::load();
    let mut files: Vec<(String, String)> = recipes
        .fixtures
        .iter()
        .map(|r| {
            let f = r.make(&recipes.reasons);
            (format!("{}.json", f.name), fixture::write_fixture(&f))
        })
        .collect();
    for stills in &recipes.stills {
        files.push((
            format!("{}.json", stills.name),
            stills.write(&stills.poses()),
        ));
    }
    files
}
