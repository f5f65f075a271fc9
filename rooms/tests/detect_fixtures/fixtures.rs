//! Every fixture: how it is made from the recordings, what each detector must find in it, and
//! why.

use crate::clip::Clip;
use crate::json::Fixture;
use crate::recordings::{self, ARM_RAISE_SOURCE, SQUATS_SOURCE};
use crate::synth::{self, Body};

/// Reps exercises the squat recording (and its variants) must not count.
const SQUAT_CLEAN: [(&str, u32); 3] = [("squats", 2), ("jumping_jacks", 0), ("arm_raises", 0)];

fn fixture(
    name: &str,
    source: &'static str,
    clip: Clip,
    expected: &[(&'static str, u32)],
    why: &str,
) -> Fixture {
    Fixture {
        name: name.to_owned(),
        source,
        clip: clip.rounded(),
        expected: expected.to_vec(),
        expected_active_ms: Vec::new(),
        why: why.to_owned(),
    }
}

const SQUATS_WHY: &str = "2 complete squats (frames ~3-19 and ~27-42 at 5 fps) and a third \
    whose rise is cut off by the end of the video: squats 2. Arms stay at the sides and feet \
    together: no jumping jacks, no arm raises.";

/// The real squat recording and its variants.
fn squats() -> Vec<Fixture> {
    let real = recordings::squats();
    let variant = |name: &str, clip: Clip, how: &str| {
        fixture(
            name,
            SQUATS_SOURCE,
            clip,
            &SQUAT_CLEAN,
            &format!("{how} {SQUATS_WHY}"),
        )
    };
    let mut all = vec![fixture(
        "squats_real_5hz",
        SQUATS_SOURCE,
        real.clone(),
        &[
            ("squats", 2),
            ("jumping_jacks", 0),
            ("arm_raises", 0),
            ("march_in_place", 0),
            ("side_bends", 0),
            ("calf_raises", 0),
        ],
        &format!(
            "The real recording, unchanged. {SQUATS_WHY} Knees bend together (no march), \
             the shoulder line stays within 8 degrees of level (no side bend), heels stay down \
             (no calf raise)."
        ),
    )];
    for hz in [10, 15, 30] {
        all.push(variant(
            &format!("squats_{hz}hz"),
            real.resample(hz),
            &format!("Resampled to {hz} Hz by linear interpolation."),
        ));
    }
    all.push(variant(
        "squats_10hz_dropped",
        real.resample(10)
            .drop_random(0.2, 1)
            .filter(|f| !(5_000_000..6_000_000).contains(&f.t_us)),
        "Resampled to 10 Hz, then 20% of frames dropped at random and no frame at all from \
         5.0 s to 6.0 s (standing between reps 1 and 2, start of rep 2).",
    ));
    all.push(variant(
        "squats_10hz_noise",
        real.resample(10).noise(0.005, 2),
        "Resampled to 10 Hz with gaussian noise (sigma 0.005 of the image) on every x and y.",
    ));
    all.push(variant(
        "squats_5hz_mirrored",
        real.clone().mirror(),
        "Mirrored: x -> 1 - x and left/right landmarks swapped, as a selfie view shows it.",
    ));
    all.push(variant(
        "squats_5hz_scaled_60",
        real.clone().scale_shift(|_| 0.6, (0.5, 0.5), (0.0, 0.0)),
        "The person at 60% size (farther from the camera), about the image centre.",
    ));
    all.push(variant(
        "squats_5hz_scaled_130",
        real.clone().scale_shift(|_| 1.3, (0.5, 0.45), (0.0, 0.0)),
        "The person at 130% size (closer to the camera), about (0.5, 0.45).",
    ));
    all.push(variant(
        "squats_5hz_shifted",
        real.clone().scale_shift(|_| 1.0, (0.5, 0.5), (-0.2, 0.1)),
        "Shifted in the image by (-0.2, +0.1).",
    ));
    all.push(variant(
        "squats_5hz_walking_closer",
        real.clone().scale_shift(
            |t| 0.7 + 0.5 * t as f64 / 12_800_000.0,
            (0.47, 0.8),
            (0.0, -0.05),
        ),
        "The person grows from 70% to 120% size (walking towards \
         the camera) about the feet.",
    ));
    all.push(variant(
        "squats_5hz_landscape",
        real.clone()
            .map(|_, _, [x, y, v]| [0.5 + (x - 0.5) * (9.0 / 16.0) * (9.0 / 16.0), y, v]),
        "x compressed about the centre by (9/16)^2: the same pixels normalized as a 16:9 \
         landscape camera would (knee angles read wider, tilts steeper).",
    ));
    all.push(variant(
        "squats_10hz_time_jitter",
        real.resample(10).jitter_times(30_000, 3),
        "Resampled to 10 Hz, each timestamp moved by up to +-30 ms (irregular capture).",
    ));
    all.push(variant(
        "squats_5hz_half_out_of_frame",
        real.clone()
            .scale_shift(|_| 1.0, (0.5, 0.5), (-0.42, 0.0))
            .off_screen_invisible(),
        "Shifted left so the person's right side is mostly off-screen; landmarks outside the \
         image have visibility 0.1, as a model reports them. The left leg alone shows the squats.",
    ));
    all
}

const ARM_WHY: &str = "Arms go from the sides (upper arm ~25 degrees from hanging) to overhead \
    (~175 degrees, frames ~36-72 at 30 fps) and back down to chest height: arm_raises 1. The \
    legs stay straight and together: no squats, no jumping jacks. COCO-17 has no heels: calf \
    raises are undetectable and count 0.";

/// The real COCO arm raise and its variants.
fn arm_raise() -> Vec<Fixture> {
    let real = recordings::arm_raise();
    let clean = [
        ("arm_raises", 1),
        ("squats", 0),
        ("jumping_jacks", 0),
        ("calf_raises", 0),
    ];
    let variant = |name: &str, clip: Clip, how: &str| {
        fixture(
            name,
            ARM_RAISE_SOURCE,
            clip,
            &clean,
            &format!("{how} {ARM_WHY}"),
        )
    };
    let mut all = vec![variant(
        "arm_raise_real_30hz",
        real.clone(),
        "The real recording, unchanged.",
    )];
    for hz in [15, 10, 5] {
        all.push(variant(
            &format!("arm_raise_{hz}hz"),
            real.resample(hz),
            &format!("Resampled to {hz} Hz by linear interpolation."),
        ));
    }
    all.push(variant(
        "arm_raise_30hz_noise",
        real.clone().noise(0.005, 4),
        "Gaussian noise (sigma 0.005 of the image) on every x and y.",
    ));
    all.push(variant(
        "arm_raise_30hz_dropped",
        real.clone()
            .drop_random(0.2, 5)
            .filter(|f| !(1_600_000..2_600_000).contains(&f.t_us)),
        "20% of frames dropped at random and none from 1.6 s to 2.6 s (arms overhead).",
    ));
    all.push(variant(
        "arm_raise_mirrored",
        real.clone().mirror(),
        "Mirrored: x -> 1 - x and left/right landmarks swapped.",
    ));
    all.push(variant(
        "arm_raise_scaled_shifted",
        real.clone().scale_shift(|_| 0.6, (0.5, 0.5), (0.2, -0.1)),
        "The person at 60% size and shifted by (+0.2, -0.1).",
    ));
    all
}

const SYNTH_SOURCE: &str = "synthetic: frame 0 of tensorflow/tfjs-models \
    pose-detection/test_data/pose_squats.full.json (commit \
    18a73420e555a3c1948209ebfa807c7086c7ff0c, Apache-2.0, Copyright Google LLC) animated joint \
    by joint on square pixels";

/// Exercises without a real recording, animated from the squat recording's standing frame.
fn synthetic() -> Vec<Fixture> {
    let real = recordings::squats();
    let base = Body::from_frame(&real.frames[0]);
    let mut all = vec![
        fixture(
            "jumping_jacks_synth_10hz",
            SYNTH_SOURCE,
            synth::jumping_jacks(&base, 6, 1.2),
            &[("jumping_jacks", 6), ("arm_raises", 6), ("squats", 0)],
            "6 jumping jacks at 50/min: arms from hanging to 170 degrees, feet from 0.6 to 1.6 \
             shoulder widths apart. Each is also an arm raise; legs stay straight: no squats.",
        ),
        fixture(
            "march_synth_10hz",
            SYNTH_SOURCE,
            synth::march(&base, 12, 0.5),
            &[("march_in_place", 12), ("squats", 0), ("jumping_jacks", 0)],
            "12 steps at 120/min, knees lifted alternately by half a thigh length: 12 steps. \
             One knee at a time: no squats.",
        ),
        fixture(
            "side_bends_synth_10hz",
            SYNTH_SOURCE,
            synth::side_bends(&base, 6, 1.6, 35.0),
            &[("side_bends", 6), ("squats", 0), ("arm_raises", 0)],
            "6 side bends at 37.5/min, alternately left and right, the upper body turning 35 \
             degrees about the hips (on this portrait video the shoulder line reads about 20 \
             degrees in normalized coordinates).",
        ),
        fixture(
            "calf_raises_synth_10hz",
            SYNTH_SOURCE,
            synth::calf_raises(&base, 6, 1.6, 0.025),
            &[("calf_raises", 6), ("squats", 0)],
            "6 calf raises at 37.5/min: all but the tips of the feet rise by 0.025 of the image \
             height (about 7 cm), heels included.",
        ),
        fixture(
            "shoulder_rolls_synth_10hz",
            SYNTH_SOURCE,
            synth::shoulder_rolls(&base, 6, 1.6, 0.3),
            &[("shoulder_rolls", 6), ("squats", 0), ("side_bends", 0)],
            "6 shoulder rolls at 37.5/min: shoulders and arms rise by 30% of the \
             nose-to-shoulders gap and come back down.",
        ),
        fixture(
            "desk_pushups_synth_10hz",
            SYNTH_SOURCE,
            synth::pushups(&base, 6, 2.0, 80.0),
            &[("desk_pushups", 6), ("squats", 0), ("arm_raises", 0)],
            "6 push-ups at 30/min as a side view shows them: upper arms held at 80 degrees, \
             elbows bending from 170 to 80 degrees. Arms never overhead: no arm raise.",
        ),
    ];
    let mut neck = fixture(
        "neck_stretch_synth_10hz",
        SYNTH_SOURCE,
        synth::neck_stretch(&base, 4.0, 40.0),
        &[("neck_stretch", 2), ("side_bends", 0)],
        "The head tilts 40 degrees to the left (0.5 s), holds 4 s, returns; 2 s later the same \
         to the right: 2 holds, about 8 s in the pose (the ramps add a little). Shoulders stay \
         level: no side bend.",
    );
    neck.expected_active_ms = vec![("neck_stretch", 8_000)];
    all.push(neck);
    // Down (2 s), held at the bottom for 6 s, up (2 s), from the real frames.
    let mut frames = real.cut(0..11).frames;
    let bottom = frames[10].clone();
    for k in 1..=30 {
        let mut f = bottom.clone();
        f.t_us += k * 200_000;
        frames.push(f);
    }
    for (k, f) in real.cut(11..21).frames.into_iter().enumerate() {
        frames.push(crate::clip::Frame {
            t_us: bottom.t_us + 6_000_000 + (k as u64 + 1) * 200_000,
            lms: f.lms,
        });
    }
    let held = Clip {
        model: real.model,
        frames,
    }
    .resample(10)
    .noise(0.002, 6);
    let mut wall = fixture(
        "wall_sit_real_hold_10hz",
        SQUATS_SOURCE,
        held,
        &[("wall_sit", 1), ("squats", 1)],
        "The real first squat's descent (frames 0-10), its bottom frame held for 6 s with \
         noise (sigma 0.002), then the real rise (frames 11-20), at 10 Hz: one hold of about \
         7.5 s with the knees at or below 110 degrees (6 s plus the lower parts of the descent \
         and rise), and one (slow) squat.",
    );
    wall.expected_active_ms = vec![("wall_sit", 7_500)];
    all.push(wall);
    all
}

/// Inputs that must count nothing (or no more than the rate allows).
fn negatives() -> Vec<Fixture> {
    let real = recordings::squats();
    let base = Body::from_frame(&real.frames[0]);
    let mut still = fixture(
        "still_standing_10s",
        SYNTH_SOURCE,
        synth::still(&base, 10.0, 0.003),
        &[
            ("squats", 0),
            ("jumping_jacks", 0),
            ("arm_raises", 0),
            ("shoulder_rolls", 0),
            ("march_in_place", 0),
            ("side_bends", 0),
            ("calf_raises", 0),
            ("desk_pushups", 0),
        ],
        "The standing frame repeated for 10 s at 10 Hz with noise (sigma 0.003): nothing moves, \
         nothing counts, no pose is held.",
    );
    still.expected_active_ms = vec![("neck_stretch", 0), ("wall_sit", 0)];
    // The first squat (standing, down, up), 6 times faster, 12 times in a row, at 10 Hz.
    let compressed = {
        let cycle = real.cut(0..27);
        let mut frames = Vec::new();
        for rep in 0..12u64 {
            for (k, f) in cycle.frames.iter().enumerate() {
                frames.push(crate::clip::Frame {
                    t_us: rep * 27 * 33_333 + k as u64 * 33_333,
                    lms: f.lms.clone(),
                });
            }
        }
        Clip {
            model: real.model,
            frames,
        }
        .resample(10)
    };
    vec![
        still,
        fixture(
            "arm_waving_10s",
            SYNTH_SOURCE,
            synth::arm_waving(&base, 10.0),
            &[
                ("squats", 0),
                ("jumping_jacks", 0),
                ("arm_raises", 0),
                ("march_in_place", 0),
                ("calf_raises", 0),
            ],
            "Both arms moving at random below shoulder height (0-110 degrees, elbows bending) \
             for 10 s at 10 Hz, legs still: no squats, no jumping jacks, no arm raises.",
        ),
        fixture(
            "one_arm_overhead_8s",
            SYNTH_SOURCE,
            synth::one_arm_overhead(&base, 8.0, 1.5),
            &[("arm_raises", 0), ("squats", 0), ("jumping_jacks", 0)],
            "The right arm swinging from 20 to 175 degrees every 1.5 s, the left one hanging: \
             arm raises need both arms, so none.",
        ),
        fixture(
            "squats_cut_halfway",
            SQUATS_SOURCE,
            real.cut(0..11),
            &[("squats", 0)],
            "The real recording cut at the bottom of the first squat (frames 0-10): the rep is \
             not finished, squats 0.",
        ),
        fixture(
            "arm_raise_cut_at_top",
            ARM_RAISE_SOURCE,
            recordings::arm_raise().cut(0..61),
            &[("arm_raises", 0)],
            "The real arm raise cut with the arms overhead (frames 0-60): not finished, \
             arm_raises 0.",
        ),
        fixture(
            "squats_too_fast_10hz",
            SQUATS_SOURCE,
            compressed,
            &[("squats", 8)],
            "The real first squat (frames 0-26) played 6 times faster, 12 times in a row, \
             resampled to 10 Hz: a squat every 0.9 s (67/min) over 10.8 s, faster than the \
             catalogue's 45/min. The detector counts the first, then at most one per 60/45 s: \
             8 by the end (the rate bound floor(10.7 s x 45 / 60) + 1 is 9).",
        ),
    ]
}

/// Every fixture, in file order.
pub fn all() -> Vec<Fixture> {
    let mut all = squats();
    all.extend(arm_raise());
    all.extend(synthetic());
    all.extend(negatives());
    all
}
