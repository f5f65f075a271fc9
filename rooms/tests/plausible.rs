//! The plausibility check: no real recording is refused, in any form a client could send it,
//! and what is not a human body is.

mod pose_data;

use breakroom_protocol::{Landmark, Micros, PoseBlock, PoseModel};
use breakroom_rooms::plausible::{Implausible, Track, judge_alone, standing};
use pose_data::Recording;

const SECOND: f64 = 1_000_000.0;

fn block(model: PoseModel, landmarks: &[Landmark]) -> PoseBlock {
    PoseBlock::from_landmarks(model, landmarks).unwrap_or_else(|e| panic!("{e}"))
}

/// Linear interpolation of a recording to `hz` frames a second, as a client replaying it would.
fn resample(frames: &[Vec<Landmark>], fps: f64, hz: f64) -> Vec<Vec<Landmark>> {
    let n = ((frames.len() - 1) as f64 * hz / fps).floor() as usize + 1;
    (0..n)
        .map(|k| {
            let pos = k as f64 * fps / hz;
            let i = (pos.floor() as usize).min(frames.len() - 1);
            let j = (i + 1).min(frames.len() - 1);
            let f = (pos - i as f64) as f32;
            frames[i]
                .iter()
                .zip(&frames[j])
                .map(|(a, b)| Landmark {
                    x: a.x + (b.x - a.x) * f,
                    y: a.y + (b.y - a.y) * f,
                    z: a.z.zip(b.z).map(|(a, b)| a + (b - a) * f),
                    visibility: a.visibility + (b.visibility - a.visibility) * f,
                })
                .collect()
        })
        .collect()
}

/// A transformation of every landmark, as another camera or client would show the body.
type Transform = fn(Landmark) -> Landmark;

const TRANSFORMS: [(&str, Transform); 5] = [
    ("as recorded", |l| l),
    ("mirrored", |l| Landmark { x: 1.0 - l.x, ..l }),
    ("far away", |l| Landmark {
        x: 0.3 + l.x * 0.4,
        y: 0.2 + l.y * 0.4,
        z: l.z.map(|z| z * 0.4),
        ..l
    }),
    // Close to the camera: the legs leave the picture (a detector reports what is off-screen
    // as unsure, and the block clamps it to its range).
    ("close up", |l| {
        let x = 0.5 + (l.x - 0.5) * 1.8;
        let y = (l.y - 0.1) * 1.8;
        let inside = (0.0..=1.0).contains(&x) && (0.0..=1.0).contains(&y);
        Landmark {
            x,
            y,
            z: l.z.map(|z| z * 1.8),
            visibility: if inside {
                l.visibility
            } else {
                l.visibility.min(0.3)
            },
        }
    }),
    ("half out to the left", |l| {
        let x = l.x - 0.3;
        Landmark {
            x,
            visibility: if x < 0.0 {
                l.visibility.min(0.3)
            } else {
                l.visibility
            },
            ..l
        }
    }),
];

/// Streams frames through one track at `hz` (or judges each alone); returns the refusals.
fn stream(
    model: PoseModel,
    frames: &[Vec<Landmark>],
    hz: Option<f64>,
) -> Vec<(usize, Implausible)> {
    let mut track = Track::default();
    let mut refused = Vec::new();
    for (i, f) in frames.iter().enumerate() {
        let kp = block(model, f);
        let verdict = match hz {
            Some(hz) => track.judge((i as f64 * SECOND / hz) as Micros, &kp),
            None => judge_alone(&kp),
        };
        if let Err(why) = verdict {
            refused.push((i, why));
        }
    }
    if std::env::var_os("PLAUSIBLE_DIAG").is_some() && hz.is_some() {
        eprintln!("DIAG aspects {:?}", track.aspects());
    }
    refused
}

#[test]
fn no_real_recording_is_refused_in_any_form() {
    let recordings = pose_data::all();
    assert_eq!(
        recordings.len(),
        12,
        "every recording, with and without depth"
    );
    let recorded: usize = recordings.iter().map(|r| r.frames.len()).sum();
    assert_eq!(recorded, 2 * 65 + 65 + 120 + 2 * 812 + 3 * 57 + 3 * 91);
    let mut judged = 0;
    let mut failures = Vec::new();
    for Recording {
        name,
        model,
        fps,
        frames,
    } in &recordings
    {
        for (how, transform) in TRANSFORMS {
            let moved: Vec<Vec<Landmark>> = frames
                .iter()
                .map(|f| f.iter().map(|&l| transform(l)).collect())
                .collect();
            let mut runs = vec![(format!("{how}, {fps:?} fps"), moved.clone(), *fps)];
            if let Some(fps) = fps {
                runs.push((
                    format!("{how}, at 30 Hz"),
                    resample(&moved, *fps, 30.0),
                    Some(30.0),
                ));
            }
            for (run, frames, hz) in runs {
                judged += frames.len();
                for (i, why) in stream(*model, &frames, hz) {
                    failures.push(format!("{name} ({run}) frame {i}: {why}"));
                }
            }
        }
    }
    eprintln!(
        "plausibility: {} refusals of {judged} frames ({recorded} recorded frames of {} recordings)",
        failures.len(),
        recordings.len()
    );
    assert!(
        failures.is_empty(),
        "{} real frames refused, e.g.:\n{}",
        failures.len(),
        failures
            .iter()
            .step_by(failures.len() / 40 + 1)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// A deterministic byte source (xorshift).
struct Bytes(u64);

impl Bytes {
    fn next(&mut self) -> u8 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 24) as u8
    }
}

fn from_payload(model: PoseModel, depth: bool, payload: &mut impl FnMut() -> u8) -> PoseBlock {
    let mut bytes = vec![model.code(), u8::from(depth)];
    bytes.extend((0..model.block_len(depth) - 2).map(|_| payload()));
    PoseBlock::from_bytes(bytes).unwrap_or_else(|e| panic!("{e}"))
}

/// What became of blocks: how many pass judged alone, how many pass in a 30 Hz stream, and
/// how many of those in a row (right after another that passed).
fn passes(blocks: &[PoseBlock]) -> (usize, usize, usize) {
    let alone = blocks.iter().filter(|kp| judge_alone(kp).is_ok()).count();
    let mut track = Track::default();
    let streamed: Vec<bool> = blocks
        .iter()
        .enumerate()
        .map(|(i, kp)| track.judge(i as Micros * 33_334, kp).is_ok())
        .collect();
    let in_a_row = streamed.windows(2).filter(|w| w[0] && w[1]).count();
    (alone, streamed.iter().filter(|&&p| p).count(), in_a_row)
}

#[test]
fn random_bytes_are_refused() {
    // Judged alone, a random block is now and then a body (a huge, contorted one at some
    // aspect ratio: with no history, a body's scale comes from its own torso, and a huge body
    // may move far). Two in a row very rarely are.
    let mut rng = Bytes(0x9e37_79b9_7f4a_7c15);
    for model in [PoseModel::BlazePose33, PoseModel::Coco17] {
        for depth in [false, true] {
            let blocks: Vec<PoseBlock> = (0..5000)
                .map(|_| from_payload(model, depth, &mut || rng.next()))
                .collect();
            let (alone, streamed, in_a_row) = passes(&blocks);
            eprintln!(
                "random {model:?} depth {depth}: {alone} of 5000 pass alone, {streamed} streamed, {in_a_row} in a row"
            );
            let most = if model == PoseModel::Coco17 { 500 } else { 100 };
            assert!(
                alone <= most,
                "{model:?}: {alone} of 5000 random blocks pass"
            );
            assert!(
                streamed <= most,
                "{model:?}: {streamed} of 5000 pass in a stream"
            );
            assert!(
                in_a_row <= most / 20,
                "{model:?}: {in_a_row} passed in a row"
            );
        }
    }
}

#[test]
fn a_picture_laid_into_blocks_is_refused() {
    // A 64 × 64 grey picture (a lit sphere on a gradient), byte by byte, as a sender would
    // pack it into consecutive blocks.
    let picture: Vec<u8> = (0..64 * 64)
        .map(|i| {
            let (x, y) = ((i % 64) as f64 - 32.0, (i / 64) as f64 - 32.0);
            let r = (x * x + y * y).sqrt() / 32.0;
            let v = if r < 1.0 {
                255.0 * (1.0 - r * r).sqrt()
            } else {
                2.0 * (x + y + 64.0)
            };
            v.clamp(0.0, 255.0) as u8
        })
        .collect();
    for model in [PoseModel::BlazePose33, PoseModel::Coco17] {
        for depth in [false, true] {
            let mut bytes = picture.iter().copied().cycle();
            let n = picture.len() / (model.block_len(depth) - 2) + 1;
            let blocks: Vec<PoseBlock> = (0..n)
                .map(|_| from_payload(model, depth, &mut || bytes.next().unwrap_or(0)))
                .collect();
            let (alone, streamed, in_a_row) = passes(&blocks);
            eprintln!(
                "picture {model:?} depth {depth}: {alone} of {n} pass alone, {streamed} streamed, {in_a_row} in a row"
            );
            // A few blocks pass, alone, at their promised precision and without their unsure
            // landmarks: scraps, not a picture.
            let most = n / 6;
            assert!(
                streamed <= most,
                "{model:?}: {streamed} of {n} picture blocks relayed"
            );
            assert_eq!(in_a_row, 0, "{model:?}: picture blocks passed in a row");
        }
    }
}

#[test]
fn bits_below_the_promised_precision_are_erased() {
    // A real body carries a picture in the bits below the promised precision: what would be
    // relayed is the body alone.
    let clean = block(PoseModel::BlazePose33, &standing(PoseModel::BlazePose33)).canonical();
    let mut rng = Bytes(7);
    let mut bytes = clean.as_bytes().to_vec();
    for c in bytes[2..].chunks_exact_mut(5) {
        for k in [0, 2] {
            let q = u16::from_le_bytes([c[k], c[k + 1]]) + u16::from(rng.next() % 25);
            c[k..k + 2].copy_from_slice(&q.to_le_bytes());
        }
        c[4] -= rng.next() % 42;
    }
    let loaded = PoseBlock::from_bytes(bytes).unwrap_or_else(|e| panic!("{e}"));
    assert_ne!(loaded, clean);
    assert_eq!(judge_alone(&loaded), Ok(clean));
}

/// The standing body at half size, at the top of the picture: room below for long limbs.
fn small(model: PoseModel) -> Vec<Landmark> {
    standing(model)
        .into_iter()
        .map(|l| Landmark {
            x: 0.5 + (l.x - 0.5) * 0.5,
            y: l.y * 0.5,
            ..l
        })
        .collect()
}

fn stretched(mut body: Vec<Landmark>, joints: &[usize], from: usize, factor: f32) -> Vec<Landmark> {
    let root = body[from];
    for &j in joints {
        body[j].x = root.x + (body[j].x - root.x) * factor;
        body[j].y = root.y + (body[j].y - root.y) * factor;
    }
    body
}

const BLAZEPOSE_ARM: (&[usize], usize) = (&[13, 15, 17, 19, 21], 11);
const BLAZEPOSE_LEG: (&[usize], usize) = (&[26, 28, 30, 32], 24);
const COCO_ARM: (&[usize], usize) = (&[8, 10], 6);
const COCO_LEG: (&[usize], usize) = (&[13, 15], 11);

#[test]
fn a_limb_five_or_six_times_too_long_is_refused_on_sight() {
    // Alone, a pose may come from a camera of any aspect ratio from 9:16 to 16:9, which
    // stretches one axis against the other by up to 3.2: only a limb far too long for
    // every one of them is refused on sight.
    for (model, (joints, from), factor) in [
        (PoseModel::BlazePose33, BLAZEPOSE_ARM, 6.0),
        (PoseModel::BlazePose33, BLAZEPOSE_LEG, 5.0),
        (PoseModel::Coco17, COCO_ARM, 6.0),
        (PoseModel::Coco17, COCO_LEG, 5.0),
    ] {
        let normal = block(model, &small(model));
        assert!(judge_alone(&normal).is_ok(), "{model:?}: the normal body");
        let long = block(model, &stretched(small(model), joints, from, factor));
        assert!(
            matches!(judge_alone(&long), Err(Implausible::Bone(_))),
            "{model:?} {joints:?} ×{factor}: {:?}",
            judge_alone(&long)
        );
    }
}

#[test]
fn an_arm_that_grows_over_three_times_longer_in_a_stream_is_refused() {
    for (model, (joints, from)) in [
        (PoseModel::BlazePose33, BLAZEPOSE_ARM),
        (PoseModel::Coco17, COCO_ARM),
    ] {
        let mut track = Track::default();
        let normal = block(model, &standing(model));
        for i in 0..5 {
            assert!(
                track.judge(i * 33_334, &normal).is_ok(),
                "{model:?}: the normal body"
            );
        }
        let long = block(model, &stretched(standing(model), joints, from, 3.5));
        let verdict = track.judge(5 * 33_334, &long);
        assert!(
            matches!(verdict, Err(Implausible::Jump | Implausible::Bone(_))),
            "{model:?} {joints:?}: {verdict:?}"
        );
        assert!(
            track.judge(6 * 33_334, &normal).is_ok(),
            "{model:?}: the stream goes on"
        );
    }
}

#[test]
fn a_dot_or_a_body_without_torso_or_head_is_refused() {
    let dot = vec![
        Landmark {
            x: 0.5,
            y: 0.5,
            z: None,
            visibility: 1.0
        };
        17
    ];
    assert_eq!(
        judge_alone(&block(PoseModel::Coco17, &dot)),
        Err(Implausible::Scale)
    );
    let mut hands = standing(PoseModel::Coco17);
    for (i, l) in hands.iter_mut().enumerate() {
        if i != 9 && i != 10 {
            l.visibility = 0.0;
        }
    }
    assert_eq!(
        judge_alone(&block(PoseModel::Coco17, &hands)),
        Err(Implausible::NoBody)
    );
}

#[test]
fn a_stray_guess_is_dropped_and_a_stray_sighting_refuses_the_pose() {
    // A model's low-visibility guess far off (MoveNet's occluded keypoints can be anywhere):
    // the body is relayed without its unsure landmarks.
    let model = PoseModel::Coco17;
    let mut body = standing(model);
    body[9] = Landmark {
        x: 1.2,
        y: -0.2,
        z: None,
        visibility: 0.3,
    };
    body[14].visibility = 0.4;
    let relayed = judge_alone(&block(model, &body)).unwrap_or_else(|e| panic!("{e}"));
    let marks = relayed.landmarks();
    assert_eq!((marks[9].visibility, marks[14].visibility), (0.0, 0.0));
    assert!(
        marks
            .iter()
            .enumerate()
            .all(|(i, l)| i == 9 || i == 14 || l.visibility == 1.0)
    );
    assert!(
        relayed.as_bytes()[2 + 9 * 5..2 + 10 * 5]
            .iter()
            .all(|&b| b == 0)
    );
    // The same landmark seen there refuses the pose.
    body[9].visibility = 0.9;
    assert!(judge_alone(&block(model, &body)).is_err());
}

#[test]
fn nothing_in_view_passes_as_zeroes() {
    let nobody = block(PoseModel::BlazePose33, &vec![Landmark::default(); 33]);
    let relayed = judge_alone(&nobody).unwrap_or_else(|e| panic!("{e}"));
    assert!(relayed.as_bytes()[2..].iter().all(|&b| b == 0));
}

fn shifted(model: PoseModel, dx: f32) -> Vec<Landmark> {
    standing(model)
        .into_iter()
        .map(|l| Landmark { x: l.x + dx, ..l })
        .collect()
}

#[test]
fn teleporting_joints_are_refused_and_the_stream_goes_on() {
    let model = PoseModel::BlazePose33;
    let mut track = Track::default();
    let frame = 33_334;
    // Walking right at a brisk 1.5 picture widths a second.
    for i in 0..10 {
        let kp = block(model, &shifted(model, -0.3 + 0.05 * i as f32));
        assert_eq!(track.judge(i * frame, &kp), Ok(kp.canonical()), "frame {i}");
    }
    // The left hand flies up over half the picture in one frame (the arm stays a human arm).
    let mut jump = shifted(model, 0.2);
    for hand in [15, 17, 19, 21] {
        jump[hand].y -= 0.6;
    }
    assert!(
        judge_alone(&block(model, &jump)).is_ok(),
        "a body on its own"
    );
    assert!(
        track.judge(10 * frame, &block(model, &jump)).is_err(),
        "a hand that flies"
    );
    // The whole body jumps across the picture.
    let far = block(model, &shifted(model, -0.6));
    assert_eq!(track.judge(11 * frame, &far), Err(Implausible::Jump));
    let next = block(model, &shifted(model, 0.2));
    assert!(track.judge(12 * frame, &next).is_ok(), "the stream goes on");
    assert_eq!(track.refused(), 2);
    // A second later, anywhere is fine: the person may have walked off and back.
    assert!(track.judge(12 * frame + 1_100_000, &far).is_ok());
}

#[test]
fn a_body_that_doubles_in_size_at_once_is_refused() {
    let model = PoseModel::Coco17;
    let mut track = Track::default();
    let body = standing(model);
    let big: Vec<Landmark> = body
        .iter()
        .map(|l| Landmark {
            x: 0.5 + (l.x - 0.5) * 2.0,
            y: 0.5 + (l.y - 0.5) * 2.0,
            ..*l
        })
        .collect();
    assert!(track.judge(0, &block(model, &body)).is_ok());
    assert_eq!(
        track.judge(33_334, &block(model, &big)),
        Err(Implausible::Resized)
    );
    assert!(
        track.judge(2_000_000, &block(model, &big)).is_ok(),
        "after a pause"
    );
}

mod room {
    //! The room relays only plausible skeletons, in canonical form, and counts the others.

    use breakroom_protocol::{
        Landmark, Micros, PoseBlock, PoseModel, Program, RequestedRole, ServerMsg, Sharing, Step,
    };
    use breakroom_rooms::plausible::standing;
    use breakroom_rooms::{JoinRequest, MemberId, Output, Room, RoomConfig, RoomError};

    const T0: Micros = 1_700_000_000_000_000;

    fn join(room: &mut Room, m: u64, role: RequestedRole) -> breakroom_protocol::ParticipantId {
        let req = JoinRequest {
            user: format!("user-{m}"),
            name: format!("member {m}"),
            role,
            sharing: Sharing::Room,
            team: None,
            may_control: role == RequestedRole::Facilitator,
            may_publish_pose: true,
            may_publish_score: true,
            hidden: false,
        };
        room.handle_join(T0, MemberId(m), req)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// Runs the room until `until` and returns the skeletons relayed.
    fn relayed(room: &mut Room, until: Micros) -> Vec<PoseBlock> {
        let mut out = Vec::new();
        loop {
            while let Some(o) = room.poll_output() {
                if let Output::Poses { fresh, .. } = o
                    && let ServerMsg::Poses { poses, .. } = fresh
                {
                    out.extend(poses.into_iter().map(|p| p.kp));
                }
            }
            match room.poll_timeout() {
                Some(t) if t <= until => room.handle_timeout(t),
                _ => return out,
            }
        }
    }

    #[test]
    fn only_plausible_skeletons_are_relayed_and_refusals_are_counted() {
        let config = RoomConfig {
            code: "ABC-123".into(),
            session: "s1".into(),
            program: Program {
                name: "Quick break".into(),
                steps: vec![Step {
                    exercise: "squats".into(),
                    duration_ms: 10_000,
                    rest_ms: 0,
                    bpm: None,
                }],
            },
            ..RoomConfig::default()
        };
        let mut room = Room::new(T0, config).unwrap_or_else(|e| panic!("{e}"));
        join(&mut room, 1, RequestedRole::Facilitator);
        let p = join(&mut room, 2, RequestedRole::Participant);
        relayed(&mut room, T0);

        let body = PoseBlock::from_landmarks(PoseModel::Coco17, &standing(PoseModel::Coco17))
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(
            !body.is_canonical(),
            "the SDK's quantization is finer than promised"
        );
        let now = T0 + 10_000;
        room.handle_pose(now, MemberId(2), now, body.clone())
            .unwrap_or_else(|e| panic!("{e}"));
        // One frame per audience (facilitators, participants), each with the canonical form.
        let frames = relayed(&mut room, now + 200_000);
        assert!(!frames.is_empty());
        assert!(
            frames.iter().all(|kp| *kp == body.canonical()),
            "{frames:?}"
        );

        let dot = vec![
            Landmark {
                x: 0.5,
                y: 0.5,
                z: None,
                visibility: 1.0
            };
            17
        ];
        let dot =
            PoseBlock::from_landmarks(PoseModel::Coco17, &dot).unwrap_or_else(|e| panic!("{e}"));
        let now = now + 300_000;
        let refused = room.handle_pose(now, MemberId(2), now, dot);
        assert!(
            matches!(refused, Err(RoomError::ImplausiblePose(_))),
            "{refused:?}"
        );
        assert_eq!(relayed(&mut room, now + 200_000), Vec::<PoseBlock>::new());
        assert_eq!(room.implausible_poses(p), 1);
        assert_eq!(room.poll_implausible(), Some(("scale", 1)));
        assert_eq!(room.poll_implausible(), None);
    }
}

mod covert {
    //! How much a sender can still hide: a simple covert encoder jitters every coordinate of a
    //! real recording, replayed at 30 Hz, by `b` bits of data (steps of the promised
    //! precision) and picks each visibility from two levels (one more bit); the largest `b`
    //! whose every frame passes gives the capacity it achieves.

    use breakroom_protocol::pose::COORD_GRID;
    use breakroom_protocol::{Micros, PoseBlock, PoseModel};
    use breakroom_rooms::plausible::Track;

    use super::{Bytes, block, pose_data, resample};

    /// Hides `bits` random bits in each x and y, and one in each visibility, of `kp`.
    fn hide(kp: &PoseBlock, bits: u32, rng: &mut Bytes) -> PoseBlock {
        let mut bytes = kp.canonical().as_bytes().to_vec();
        let depth = kp.has_depth();
        let stride = if depth { 6 } else { 5 };
        let half = 1i32 << bits >> 1;
        for c in bytes[2..].chunks_exact_mut(stride) {
            for k in [0, 2] {
                let q = i32::from(u16::from_le_bytes([c[k], c[k + 1]]));
                let word = i32::from(rng.next()) << 8 | i32::from(rng.next());
                let offset = (word & ((1 << bits) - 1)) - half;
                let q = (q + offset * i32::from(COORD_GRID)).clamp(0, 65535);
                c[k..k + 2].copy_from_slice(&(q as u16).to_le_bytes());
            }
            c[4] = if rng.next() & 1 == 0 { 170 } else { 255 };
        }
        PoseBlock::from_bytes(bytes).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Whether every frame passes with `bits` hidden per coordinate.
    fn passes(model: PoseModel, frames: &[PoseBlock], bits: u32) -> bool {
        let mut rng = Bytes(0x5eed + u64::from(bits));
        let mut track = Track::default();
        frames.iter().enumerate().all(|(i, kp)| {
            let loaded = hide(kp, bits, &mut rng);
            let _ = model;
            track.judge(i as Micros * 33_334, &loaded).is_ok()
        })
    }

    #[test]
    fn a_simple_covert_encoder_hides_far_less_than_the_block_holds() {
        let mut worst = f64::INFINITY;
        let mut best: f64 = 0.0;
        for rec in pose_data::all() {
            let (Some(fps), PoseModel::BlazePose33) = (rec.fps, rec.model) else {
                continue;
            };
            let frames: Vec<PoseBlock> = resample(&rec.frames, fps, 30.0)
                .iter()
                .map(|f| block(rec.model, f))
                .collect();
            let bits = (0..=12)
                .take_while(|&b| passes(rec.model, &frames, b))
                .last();
            let Some(bits) = bits else {
                panic!("{}: the unmodified recording is refused", rec.name);
            };
            assert!(
                bits < 12,
                "{}: the check does not bound the jitter",
                rec.name
            );
            // x and y of 33 landmarks, plus a visibility bit each, 30 times a second.
            let rate = f64::from(33 * (2 * bits + 1) * 30);
            eprintln!(
                "covert: {} hides {bits} bits per coordinate: {rate} bit/s",
                rec.name
            );
            worst = worst.min(rate);
            best = best.max(rate);
        }
        let raw = f64::from(200 * 8 * 30);
        eprintln!("covert: {worst}–{best} bit/s of the {raw} bit/s a raw block carried");
        assert!(best < raw / 2.0, "{best} bit/s");
    }
}
