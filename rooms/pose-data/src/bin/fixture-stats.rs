//! `fixture-stats [NAME-PART]`: what the leg signals of each fixture (or of those whose name
//! contains NAME-PART) look like, to set and check detector thresholds against. Per fixture:
//! frames and rate, then per dip (a run of frames whose mean 2-D knee angle, on square pixels or normalized, is below 150°):
//! the least mean knee angle, the least left and right knee angles, and the deepest hip drop
//! below the standing hips (the mean of the first three frames) in standing torso lengths
//! (shoulder midpoint to hip midpoint). Angles are on square pixels when the recipe's image
//! size is known (a camera step's aspect, or the recording's video), with the angle in the
//! normalized coordinates the detector sees after the slash.
//!
//! ```text
//! cargo run -p breakroom-pose-data --bin fixture-stats -- narrow
//! ```

use breakroom_pose_data::clip::Frame;
use breakroom_pose_data::glitch::angle_2d;
use breakroom_pose_data::recipe::{self, From, Recipe, Step};
use breakroom_protocol::PoseModel;

/// The image's `[width, height]`, when the recipe keeps it.
fn aspect(recipe: &Recipe) -> Option<[f64; 2]> {
    let mut aspect = match recipe.from {
        From::TfjsSquats => Some([720.0, 1280.0]),
        From::TfjsArmRaise => Some([576.0, 576.0]),
        From::MediapipeSquatsThreequarter => Some([560.0, 720.0]),
        From::MediapipePushupsSide => Some([620.0, 348.0]),
        From::TfjsSquats3d | From::MediapipeSquatsThreequarter3d => None,
    };
    for step in &recipe.steps {
        match step {
            Step::Camera(c) => aspect = Some(c.aspect),
            Step::ScaleX { .. } => aspect = None,
            _ => {}
        }
    }
    aspect
}

/// Hip, knee, ankle per side.
const LEGS: [[usize; 3]; 2] = [[23, 25, 27], [24, 26, 28]];

fn knee(f: &Frame, side: usize, aspect: [f64; 2]) -> f64 {
    let [h, k, a] = LEGS[side];
    angle_2d(f.lms[h], f.lms[k], f.lms[a], aspect)
}

fn mid_y(f: &Frame, a: usize, b: usize) -> f64 {
    (f.lms[a][1] + f.lms[b][1]) / 2.0
}

fn mid_x(f: &Frame, a: usize, b: usize) -> f64 {
    (f.lms[a][0] + f.lms[b][0]) / 2.0
}

fn main() {
    let filter = std::env::args().nth(1).unwrap_or_default();
    let recipes = recipe::load();
    for r in recipes.fixtures.iter().filter(|r| r.name.contains(&filter)) {
        let fixture = r.make(&recipes.reasons);
        let clip = &fixture.clip;
        if clip.model != PoseModel::BlazePose33 || clip.frames.len() < 4 {
            continue;
        }
        let square = aspect(r);
        let px = square.unwrap_or([1.0, 1.0]);
        let n = clip.frames.len();
        let span = clip.frames[n - 1].t_us - clip.frames[0].t_us;
        let hz = (n - 1) as f64 * 1e6 / span.max(1) as f64;
        let start = &clip.frames[..3];
        let hip0 = start.iter().map(|f| mid_y(f, 23, 24)).sum::<f64>() / 3.0;
        let torso = start
            .iter()
            .map(|f| {
                let dx = (mid_x(f, 11, 12) - mid_x(f, 23, 24)) * px[0];
                let dy = (mid_y(f, 11, 12) - mid_y(f, 23, 24)) * px[1];
                dx.hypot(dy)
            })
            .sum::<f64>()
            / 3.0;
        let mut dips: Vec<String> = Vec::new();
        let mut dip: Option<[f64; 5]> = None;
        for f in &clip.frames {
            let (l, r) = (knee(f, 0, px), knee(f, 1, px));
            let seen = (knee(f, 0, [1.0, 1.0]) + knee(f, 1, [1.0, 1.0])) / 2.0;
            let mean = (l + r) / 2.0;
            let drop = (mid_y(f, 23, 24) - hip0) * px[1] / torso;
            if mean.min(seen) < 150.0 {
                let d = dip.get_or_insert([f64::INFINITY, f64::INFINITY, 180.0, 180.0, 0.0]);
                *d = [
                    d[0].min(mean),
                    d[1].min(seen),
                    d[2].min(l),
                    d[3].min(r),
                    d[4].max(drop),
                ];
            } else if let Some(d) = dip.take() {
                dips.push(format_dip(d));
            }
        }
        if let Some(d) = dip {
            dips.push(format!("{} (unfinished)", format_dip(d)));
        }
        let unit = if square.is_some() {
            ""
        } else {
            " (normalized)"
        };
        println!(
            "{:44} {n:4} frames {hz:5.1} Hz{unit}: {}",
            r.name,
            if dips.is_empty() {
                "no dip below 150".to_owned()
            } else {
                dips.join("; ")
            }
        );
    }
}

fn format_dip([mean, seen, l, r, drop]: [f64; 5]) -> String {
    format!("knee {mean:.0}/{seen:.0} (L {l:.0} R {r:.0}) hip drop {drop:.2}")
}
