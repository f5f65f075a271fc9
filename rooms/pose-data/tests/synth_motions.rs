//! The synthetic motions are what their documentation says, measured on the geometry itself
//! (never with the detector): noise-free clips, on square pixels, with the human timing on.
//! Each rep motion shows exactly its `reps` cycles of its own defining quantity (an elbow
//! angle, a knee lift, a tilt) deep enough to be a rep, and the rest of the body does what the
//! motion says it does. Needs the tfjs squat recording (its frame 0 is the body), like every
//! fixture.
#![allow(clippy::unwrap_used, missing_docs)]

use breakroom_pose_data::clip::Clip;
use breakroom_pose_data::recordings;
use breakroom_pose_data::synth::{self, Body, Capture, SquatArms};

const ASPECT: f64 = 720.0 / 1280.0;

fn base() -> Body {
    Body::from_frame(&recordings::squats().frames[0])
}

/// Noise-free, human timing, 30 Hz.
fn cap(seed: u64) -> Capture {
    Capture {
        hz: 30,
        seed,
        noise: 0.0,
        steady: false,
    }
}

/// Landmark `i` of every frame on square pixels.
fn track(clip: &Clip, i: usize) -> Vec<[f64; 2]> {
    clip.frames
        .iter()
        .map(|f| [f.lms[i][0] * ASPECT, f.lms[i][1]])
        .collect()
}

fn angle(a: [f64; 2], b: [f64; 2], c: [f64; 2]) -> f64 {
    let (u, v) = ([a[0] - b[0], a[1] - b[1]], [c[0] - b[0], c[1] - b[1]]);
    let cos = (u[0] * v[0] + u[1] * v[1]) / (u[0].hypot(u[1]) * v[0].hypot(v[1]));
    cos.clamp(-1.0, 1.0).acos().to_degrees()
}

/// Cycles of `values` going past `enter` and back past `exit` (`enter < exit` counts dips,
/// `enter > exit` peaks).
fn cycles(values: &[f64], enter: f64, exit: f64) -> u32 {
    let inside = |v: f64| if enter < exit { v <= enter } else { v >= enter };
    let outside = |v: f64| if enter < exit { v >= exit } else { v <= exit };
    let (mut active, mut n) = (false, 0);
    for &v in values {
        if !active && inside(v) {
            active = true;
        } else if active && outside(v) {
            active = false;
            n += 1;
        }
    }
    n
}

fn elbow_angles(clip: &Clip, side: usize) -> Vec<f64> {
    let (s, e, w) = (
        track(clip, 11 + side),
        track(clip, 13 + side),
        track(clip, 15 + side),
    );
    (0..s.len()).map(|k| angle(s[k], e[k], w[k])).collect()
}

#[test]
fn desk_pushups_lean_on_a_desk_and_bend_the_elbows_to_about_80_degrees() {
    for (seed, reps, lean) in [(1, 6, 45.0), (2, 8, 55.0), (3, 5, 40.0)] {
        // A pure side view: the image shows the body's plane as it is.
        let clip = synth::desk_pushups(&base(), reps, 2.0, lean, 90.0, cap(seed));
        for side in [0, 1] {
            let elbow = elbow_angles(&clip, side);
            let deepest = elbow.iter().copied().fold(180.0, f64::min);
            assert!((60.0..=95.0).contains(&deepest), "{deepest}");
            assert_eq!(cycles(&elbow, 100.0, 160.0), reps, "seed {seed}");
        }
        // While leaning (the elbows below 165°), the hands stay on the desk's edge and the
        // body is a straight line from the ankles, inclined 25° to 65° from vertical.
        let elbow = elbow_angles(&clip, 0);
        let (wrist, shoulder, hip, ankle) = (
            track(&clip, 15),
            track(&clip, 11),
            track(&clip, 23),
            track(&clip, 27),
        );
        let on: Vec<usize> = (0..elbow.len()).filter(|&k| elbow[k] < 165.0).collect();
        let first = wrist[on[0]];
        for &k in &on {
            let moved = (wrist[k][0] - first[0]).hypot(wrist[k][1] - first[1]);
            assert!(moved < 0.003, "the hand slides by {moved}");
            let lean_now = (shoulder[k][0] - ankle[k][0])
                .abs()
                .atan2(ankle[k][1] - shoulder[k][1])
                .to_degrees();
            assert!((25.0..=65.0).contains(&lean_now), "{lean_now}");
            assert!(
                angle(shoulder[k], hip[k], ankle[k]) > 170.0,
                "body straight"
            );
        }
    }
}

#[test]
fn a_wall_sit_holds_the_thighs_level_and_the_back_upright() {
    let hold = 6.0;
    let clip = synth::wall_sit(&base(), hold, 90.0, cap(1));
    let (shoulder, hip, knee, ankle) = (
        track(&clip, 11),
        track(&clip, 23),
        track(&clip, 25),
        track(&clip, 27),
    );
    let angles: Vec<f64> = (0..hip.len())
        .map(|k| angle(hip[k], knee[k], ankle[k]))
        .collect();
    assert!(angles[0] > 155.0, "standing at first: {}", angles[0]);
    assert!(angles.last().unwrap() > &155.0, "standing at the end");
    let held: Vec<usize> = (0..angles.len()).filter(|&k| angles[k] < 100.0).collect();
    // Held for the hold plus part of the slides, never less than the hold.
    let secs = held.len() as f64 / 30.0;
    assert!(
        secs >= hold && secs < hold + synth::WALL_SIT_RAMP_S,
        "{secs}"
    );
    for &k in &held {
        assert!((80.0..=100.0).contains(&angles[k]), "{}", angles[k]);
        let thigh = (knee[k][1] - hip[k][1]).atan2((knee[k][0] - hip[k][0]).abs());
        assert!(
            thigh.to_degrees().abs() < 12.0,
            "thigh {}",
            thigh.to_degrees()
        );
        let back = (shoulder[k][0] - hip[k][0]).abs() / (hip[k][1] - shoulder[k][1]);
        assert!(back < 0.05, "back upright");
    }
}

#[test]
fn every_synthetic_rep_is_a_full_rep_of_its_movement() {
    let b = base();
    for seed in 1..=4 {
        let c = cap(seed);
        // Jumping jacks: both upper arms past 140° from hanging and back below 30°.
        let clip = synth::jumping_jacks(&b, 7, 1.1, c);
        let arms: Vec<f64> = track(&clip, 11)
            .iter()
            .zip(track(&clip, 13))
            .map(|(s, e)| (e[0] - s[0]).abs().atan2(e[1] - s[1]).to_degrees())
            .collect();
        assert_eq!(cycles(&arms, 140.0, 30.0), 7, "jumping jacks, seed {seed}");
        // ... and the whole body leaves the ground: the toes rise.
        let toe = track(&clip, 31);
        let lowest = toe.iter().map(|p| p[1]).fold(f64::MIN, f64::max);
        let highest = toe.iter().map(|p| p[1]).fold(f64::MAX, f64::min);
        assert!(lowest - highest > 0.015, "no jump");

        // March: each knee rises by at least a third of a thigh, alternately.
        let clip = synth::march(&b, 12, 0.5, c);
        let thigh = b.pts[25][1] - b.pts[23][1];
        let lift: Vec<f64> = track(&clip, 26)
            .iter()
            .zip(track(&clip, 25))
            .map(|(r, l)| (r[1] - l[1]) / thigh)
            .collect();
        let left = cycles(&lift, 0.33, 0.05);
        let right = cycles(&lift.iter().map(|v| -v).collect::<Vec<_>>(), 0.33, 0.05);
        assert_eq!((left, right), (6, 6), "march, seed {seed}");

        // Side bends: the shoulder line tilts past 25° each way and back (square pixels).
        let clip = synth::side_bends(&b, 6, 1.6, 35.0, c);
        let tilt: Vec<f64> = track(&clip, 11)
            .iter()
            .zip(track(&clip, 12))
            .map(|(l, r)| (l[1] - r[1]).atan2((l[0] - r[0]).abs()).to_degrees())
            .collect();
        let abs: Vec<f64> = tilt.iter().map(|t| t.abs()).collect();
        assert_eq!(cycles(&abs, 25.0, 5.0), 6, "side bends, seed {seed}");

        // Calf raises: the heels rise by at least 80% of `rise`, the toes never move.
        let clip = synth::calf_raises(&b, 6, 1.6, 0.025, c);
        let heel: Vec<f64> = track(&clip, 29)
            .iter()
            .map(|p| b.pts[29][1] - p[1])
            .collect();
        assert_eq!(cycles(&heel, 0.02, 0.005), 6, "calf raises, seed {seed}");
        assert!(
            track(&clip, 31)
                .iter()
                .all(|p| (p[1] - b.pts[31][1]).abs() < 1e-4)
        );

        // Shoulder rolls: the shoulders rise by at least 25% of the nose-to-shoulders gap;
        // the hips, knees and ankles never move.
        let gap = (b.pts[11][1] + b.pts[12][1]) / 2.0 - b.pts[0][1];
        let clip = synth::shoulder_rolls(&b, 6, 1.6, 0.3, c);
        let rise: Vec<f64> = track(&clip, 11)
            .iter()
            .map(|p| (b.pts[11][1] - p[1]) / gap)
            .collect();
        assert_eq!(cycles(&rise, 0.25, 0.05), 6, "shoulder rolls, seed {seed}");
        for i in 23..33 {
            let still = track(&clip, i)
                .iter()
                .all(|p| (p[0] - b.pts[i][0]).abs() + (p[1] - b.pts[i][1]).abs() < 1e-4);
            assert!(still, "landmark {i} moves in a shoulder roll");
        }

        // Squats: hips down by at least 35% of the leg and back up, with the arms anywhere.
        for arms in [SquatArms::Sides, SquatArms::Forward, SquatArms::Clasped] {
            let clip = synth::squats(&b, 4, 2.6, arms, 0.0, c);
            let hip = track(&clip, 23);
            let leg = b.pts[27][1] - b.pts[23][1];
            let drop: Vec<f64> = hip.iter().map(|p| (p[1] - hip[0][1]) / leg).collect();
            assert_eq!(cycles(&drop, 0.35, 0.05), 4, "squats {arms:?}, seed {seed}");
        }
    }
}

#[test]
fn lunges_alternate_legs_with_the_front_thigh_level() {
    for seed in 1..=3 {
        // A pure side view: knee angles as they are.
        let clip = synth::lunges(&base(), 6, 3.0, 90.0, cap(seed));
        let knee = |side: usize| -> Vec<f64> {
            let (h, k, a) = (
                track(&clip, 23 + side),
                track(&clip, 25 + side),
                track(&clip, 27 + side),
            );
            (0..h.len()).map(|i| angle(h[i], k[i], a[i])).collect()
        };
        let (left, right) = (knee(0), knee(1));
        // Each leg bends to 100° or less three times (front knee at about 90°, the back one
        // more): both knees bend in every lunge, so count the lunges by which foot is ahead.
        assert_eq!(cycles(&left, 110.0, 150.0), 6, "seed {seed}");
        assert_eq!(cycles(&right, 110.0, 150.0), 6, "seed {seed}");
        let (la, ra) = (track(&clip, 27), track(&clip, 28));
        let ahead: Vec<f64> = la.iter().zip(&ra).map(|(l, r)| l[0] - r[0]).collect();
        let step = 0.2;
        assert_eq!(
            cycles(&ahead, step, 0.02),
            3,
            "left leg forward, seed {seed}"
        );
        let behind: Vec<f64> = ahead.iter().map(|d| -d).collect();
        assert_eq!(
            cycles(&behind, step, 0.02),
            3,
            "right leg forward, seed {seed}"
        );
        // At the deepest point the front thigh is within 15° of level.
        let hip = track(&clip, 23);
        let lowest = (0..hip.len())
            .max_by(|&a, &b| hip[a][1].total_cmp(&hip[b][1]))
            .unwrap();
        let front = if ahead[lowest] > 0.0 { 0 } else { 1 };
        let (h, k) = (
            track(&clip, 23 + front)[lowest],
            track(&clip, 25 + front)[lowest],
        );
        let thigh = (k[1] - h[1]).atan2((k[0] - h[0]).abs()).to_degrees();
        assert!(thigh.abs() < 15.0, "front thigh {thigh}");
    }
}

#[test]
fn the_negatives_stay_short_of_the_movements_they_resemble() {
    let b = base();
    let gap = (b.pts[11][1] + b.pts[12][1]) / 2.0 - b.pts[0][1];
    for seed in 1..=4 {
        // Talking: the shoulders shrug by at most an eighth of the gap.
        let clip = synth::talking(&b, 12.0, cap(seed));
        let shrug = track(&clip, 11)
            .iter()
            .map(|p| (b.pts[11][1] - p[1]) / gap)
            .fold(f64::MIN, f64::max);
        assert!(shrug < 0.125, "{shrug}");
        // Shifting weight: a heel rises by at most a third of a calf raise's 0.025, a knee
        // by at most a twentieth of a thigh.
        let clip = synth::weight_shift(&b, 12.0, cap(seed));
        let thigh = b.pts[25][1] - b.pts[23][1];
        for side in [0, 1] {
            let heel = track(&clip, 29 + side)
                .iter()
                .map(|p| b.pts[29 + side][1] - p[1])
                .fold(f64::MIN, f64::max);
            assert!(heel < 0.025 / 3.0, "{heel}");
            let knee = track(&clip, 25 + side)
                .iter()
                .map(|p| b.pts[25 + side][1] - p[1])
                .fold(f64::MIN, f64::max);
            assert!(knee < thigh / 20.0, "{knee}");
        }
    }
}
