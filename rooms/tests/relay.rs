//! Skeleton relay: one frame per audience per tick, honouring sharing, carrying what changed
//! since the previous tick (`poses [...]`) beside the complete set for a member whose previous
//! frame is still unsent (`full [...]`, shown when it differs); stale poses left out; no empty
//! frames; an idle room sleeps; and no skeleton waits in the room longer than one tick
//! period, whether its senders are in phase, at random phases or bursting.

mod common;

use common::check;

#[test]
fn each_audience_sees_what_sharing_allows() {
    check(
        "
        join f facilitator
        join c facilitator            # a second host becomes a co-host
        join a participant sharing=room
        join b participant sharing=fac
        join n participant sharing=nobody
        join v viewer
        show poses
        pose a                        # first pose after a quiet spell goes out at once
        pose b                        # next tick: only b is new; a is in the full frame
        pose n
        wait 100ms                    # b is new for hosts only; nothing new for the others
        pose n
        wait 100ms                    # nobody's skeleton is never sent: no frame at all
        ",
        "
        @0.000 f: snapshot you=f lobby members=[f:facilitator] cues=0
        @0.000 c: snapshot you=c lobby members=[f:facilitator c:cohost] cues=0
        @0.000 f: presence joined c:cohost
        @0.000 a: snapshot you=a lobby members=[f:facilitator c:cohost a:participant] cues=0
        @0.000 c,f: presence joined a:participant
        @0.000 a,c,f: scoreboard a=0 total=0
        @0.000 b: snapshot you=b lobby members=[f:facilitator c:cohost a:participant b:participant] cues=0
        @0.000 a,c,f: presence joined b:participant
        @0.000 n: snapshot you=n lobby members=[f:facilitator c:cohost a:participant b:participant n:participant] cues=0
        @0.000 a,b,c,f: presence joined n:participant
        @0.000 v: snapshot you=v lobby members=[f:facilitator c:cohost a:participant b:participant n:participant v:viewer] cues=0
        @0.000 a,b,c,f,n: presence joined v:viewer
        @0.000 c,f: poses [a]
        @0.000 a,b,n,v: poses [a]
        @0.066 c,f: poses [b] full [a b]
        ",
    );
}

#[test]
fn frames_come_at_most_once_per_tick_and_stale_poses_are_left_out() {
    check(
        "
        join f facilitator
        join a participant
        join b participant
        show poses
        pose a
        pose a
        pose b
        wait 50ms
        pose a
        wait 500ms
        pose b                        # a's pose is 0.55 s old: still fresh
        wait 600ms
        pose b                        # a's pose is now over a second old
        wait 100ms
        poll                          # nothing new: the room sleeps
        ",
        "
        @0.000 f: snapshot you=f lobby members=[f:facilitator] cues=0
        @0.000 a: snapshot you=a lobby members=[f:facilitator a:participant] cues=0
        @0.000 f: presence joined a:participant
        @0.000 a,f: scoreboard a=0 total=0
        @0.000 b: snapshot you=b lobby members=[f:facilitator a:participant b:participant] cues=0
        @0.000 a,f: presence joined b:participant
        @0.000 f: poses [a]
        @0.000 a,b: poses [a]
        @0.066 f: poses [a b]
        @0.066 a,b: poses [a b]
        @0.550 f: poses [b] full [a b]
        @0.550 a,b: poses [b] full [a b]
        @1.150 f: poses [b]
        @1.150 a,b: poses [b]
        @1.250 next wake-up none
        ",
    );
}

#[test]
fn dropped_and_departed_members_skeletons_are_forgotten() {
    check(
        "
        join f facilitator
        join a participant
        join b participant
        join c participant
        show poses
        pose a
        pose b
        pose c
        wait 100ms
        drop a
        leave b
        pose c
        wait 100ms
        ",
        "
        @0.000 f: snapshot you=f lobby members=[f:facilitator] cues=0
        @0.000 a: snapshot you=a lobby members=[f:facilitator a:participant] cues=0
        @0.000 f: presence joined a:participant
        @0.000 a,f: scoreboard a=0 total=0
        @0.000 b: snapshot you=b lobby members=[f:facilitator a:participant b:participant] cues=0
        @0.000 a,f: presence joined b:participant
        @0.000 c: snapshot you=c lobby members=[f:facilitator a:participant b:participant c:participant] cues=0
        @0.000 a,b,f: presence joined c:participant
        @0.000 f: poses [a]
        @0.000 a,b,c: poses [a]
        @0.066 f: poses [b c] full [a b c]
        @0.066 a,b,c: poses [b c] full [a b c]
        @0.133 f: poses [c]
        @0.133 c: poses [c]
        ",
    );
}

#[test]
fn viewers_and_tokens_without_the_pose_grant_cannot_send_skeletons() {
    check(
        "
        join v viewer
        join a participant nopose
        show poses
        pose v
        pose a
        pose stranger
        ",
        "
        @0.000 v: snapshot you=v lobby members=[v:viewer] cues=0
        @0.000 a: snapshot you=a lobby members=[v:viewer a:participant] cues=0
        @0.000 v: presence joined a:participant
        @0.000 a,v: scoreboard a=0 total=0
        @0.000 v !! Forbidden: viewers only watch
        @0.000 a !! Forbidden: the token does not allow sending skeletons
        @0.000 stranger !! NotInRoom: not in this room
        ",
    );
}

/// With a tick phase (as the server runs rooms), cues leave at the last grid point before they
/// are due and scoreboards at the first after: on the grid, in the same timeout as the frame
/// of that tick, and still a full lead ahead of their instant.
#[test]
fn cues_and_scoreboards_ride_the_tick_grid() {
    use breakroom_protocol::{ControlAction, Micros, ServerMsg, Sharing};
    use breakroom_rooms::{JoinRequest, MemberId, Output, Room};

    let (tick, phase) = (33_333, 12_345);
    let mut config = common::config();
    config.tick_us = tick;
    config.tick_phase_us = Some(phase);
    config.program.steps[0].bpm = Some(60);
    let lead = config.lead_us;
    let mut now: Micros = common::T0;
    let mut room = Room::new(now, config).expect("a valid room");
    let join = |room: &mut Room, m: u64, role, now| {
        let req = JoinRequest {
            user: format!("u{m}"),
            name: format!("n{m}"),
            role,
            sharing: Sharing::Room,
            team: None,
            may_control: m == 1,
            may_publish_pose: true,
            may_publish_score: true,
            hidden: false,
        };
        room.handle_join(now, MemberId(m), req).expect("joins");
    };
    join(
        &mut room,
        1,
        breakroom_protocol::RequestedRole::Facilitator,
        now,
    );
    join(
        &mut room,
        2,
        breakroom_protocol::RequestedRole::Participant,
        now,
    );
    join(
        &mut room,
        3,
        breakroom_protocol::RequestedRole::Participant,
        now,
    );
    room.handle_control(now, MemberId(1), ControlAction::Start, None)
        .expect("starts");
    while room.poll_output().is_some() {}

    // 12 s: both participants send at 15 Hz, offset from each other; reps climb; every timeout
    // is run at the instant the room asked for.
    let end = now + 12_000_000;
    let mut next_pose = [now + 5_000, now + 40_000];
    let (mut cues, mut boards, mut with_frame, mut phases) = (0, 0, 0, 0);
    let mut reps = 0;
    while now < end {
        let timeout = room.poll_timeout().unwrap_or(end);
        let pose_at = next_pose[0].min(next_pose[1]);
        if timeout <= pose_at {
            now = timeout;
            room.handle_timeout(now);
            let (mut cue, mut board, mut frame) = (false, false, false);
            while let Some(out) = room.poll_output() {
                match out {
                    Output::Send {
                        msg: ServerMsg::Phase { phase: state, .. },
                        ..
                    } if state.phase != breakroom_protocol::Phase::Results => {
                        // Planned phase changes are announced on the grid too (the end of the
                        // program, before its summary, at once).
                        assert_eq!(
                            (now + tick - phase % tick) % tick,
                            0,
                            "a phase announced off the grid at {now}"
                        );
                        phases += 1;
                    }
                    Output::Send {
                        msg: ServerMsg::Cue { cue: c },
                        ..
                    } => {
                        assert!(c.at >= now + lead, "a cue sent less than the lead ahead");
                        cue = true;
                    }
                    Output::Send {
                        msg: ServerMsg::Scoreboard { .. },
                        ..
                    } => board = true,
                    Output::Poses { .. } => frame = true,
                    _ => {}
                }
            }
            if cue || board {
                assert_eq!(
                    (now + tick - phase % tick) % tick,
                    0,
                    "off the grid at {now}"
                );
            }
            cues += usize::from(cue);
            boards += usize::from(board);
            with_frame += usize::from(cue && frame);
        } else {
            now = pose_at;
            let i = usize::from(next_pose[1] < next_pose[0]);
            let m = MemberId(2 + i as u64);
            let _ = room.handle_pose(now, m, now, common::pose_block());
            reps += 1;
            let _ = room.handle_score(now, m, "squats", reps / 20, 0);
            next_pose[i] += 66_667;
            while let Some(out) = room.poll_output() {
                // Inputs send no scoreboard of their own: it waits for the grid.
                assert!(
                    !matches!(
                        &out,
                        Output::Send {
                            msg: ServerMsg::Scoreboard { .. },
                            ..
                        }
                    ),
                    "a scoreboard sent off the grid at {now}"
                );
            }
        }
    }
    // The 3-2-1 countdown and a beat a second through the exercise: all on the grid.
    assert!(cues >= 10, "only {cues} cues from timeouts");
    assert!(boards >= 3, "only {boards} scheduled scoreboards");
    assert!(phases >= 1, "no phase change announced");
    // Skeletons flow at every other grid point or more, so most cues share a frame's timeout.
    assert!(
        with_frame * 2 >= cues,
        "{with_frame} of {cues} cues went with a frame"
    );
}

/// A room at `start` with `members` joined: member 1 the facilitator, the others participants
/// sharing with the room; its joining output is drained.
fn room_of(
    start: breakroom_protocol::Micros,
    config: breakroom_rooms::RoomConfig,
    members: u64,
) -> breakroom_rooms::Room {
    use breakroom_protocol::{RequestedRole, Sharing};
    use breakroom_rooms::{JoinRequest, MemberId, Room};

    let mut room = Room::new(start, config).expect("a valid room");
    for m in 1..=members {
        let req = JoinRequest {
            user: format!("u{m}"),
            name: format!("n{m}"),
            role: if m == 1 {
                RequestedRole::Facilitator
            } else {
                RequestedRole::Participant
            },
            sharing: Sharing::Room,
            team: None,
            may_control: m == 1,
            may_publish_pose: true,
            may_publish_score: true,
            hidden: false,
        };
        room.handle_join(start, MemberId(m), req).expect("joins");
    }
    while room.poll_output().is_some() {}
    room
}

/// A host may hold poses back while a frame is due and hand them in together at that instant:
/// the frames that go out are the same as when every pose is handed in as it arrives.
#[test]
fn poses_held_back_until_the_frame_is_due_go_out_the_same() {
    use breakroom_protocol::Micros;
    use breakroom_rooms::{MemberId, Output, Room};

    let mut config = common::config();
    config.tick_us = 33_333;
    config.tick_phase_us = Some(7_000);
    let start: Micros = common::T0;
    let new_room = || room_of(start, config.clone(), 4);
    let frames = |room: &mut Room, now: Micros, out: &mut Vec<String>| {
        while let Some(o) = room.poll_output() {
            if let Output::Poses { to, fresh, full } = o {
                out.push(format!("{now} {to:?} {fresh:?} {full:?}"));
            }
        }
    };
    // Three participants at 15 Hz, spread over the period, for 2 s.
    let mut arrivals: Vec<(Micros, u64)> = (0..30u64)
        .flat_map(|k| (2..=4u64).map(move |m| (start + 1_000 + k * 66_667 + (m - 2) * 21_000, m)))
        .collect();
    arrivals.sort_unstable();
    let end = start + 2_100_000;

    // As they arrive.
    let (mut eager, mut eager_out) = (new_room(), Vec::new());
    let mut i = 0;
    let mut now = start;
    while now < end {
        let timeout = eager.poll_timeout().unwrap_or(end);
        match arrivals.get(i) {
            Some(&(at, m)) if at < timeout => {
                now = at;
                eager
                    .handle_pose(at, MemberId(m), at, common::pose_block())
                    .expect("accepted");
                i += 1;
            }
            _ => {
                now = timeout;
                eager.handle_timeout(now);
            }
        }
        frames(&mut eager, now, &mut eager_out);
    }

    // Held back while a frame is due, handed in together at its instant.
    let (mut held, mut held_out) = (new_room(), Vec::new());
    let (mut i, mut waiting, mut now, mut most_held) = (0, Vec::new(), start, 0);
    while now < end {
        let timeout = held.poll_timeout().unwrap_or(end);
        match arrivals.get(i) {
            Some(&(at, m)) if at < timeout => {
                now = at;
                i += 1;
                if held.frame_due().is_some() {
                    waiting.push((at, m));
                    most_held = most_held.max(waiting.len());
                    continue;
                }
                held.handle_pose(at, MemberId(m), at, common::pose_block())
                    .expect("accepted");
            }
            _ => {
                now = timeout;
                for (at, m) in waiting.drain(..) {
                    held.handle_pose(at, MemberId(m), at, common::pose_block())
                        .expect("accepted");
                }
                held.handle_timeout(now);
            }
        }
        frames(&mut held, now, &mut held_out);
    }
    assert!(
        held.frame_due().is_none(),
        "nothing due once the last frame went"
    );
    assert!(most_held >= 1, "nothing was ever held back");
    assert!(eager_out.len() >= 50, "only {} frames", eager_out.len());
    assert_eq!(held_out, eager_out);
}

/// The hold-time check: senders' arrival schedules, and a host that runs the room like the
/// server's room actor.
mod hold {
    use breakroom_protocol::{Micros, ServerMsg};
    use breakroom_rooms::{MemberId, Output, Room};

    use super::{SENDERS, SPAN, TICK};

    /// A seeded xorshift: the same "random" phases on every run.
    pub(crate) struct Rng(pub(crate) u64);

    impl Rng {
        pub(crate) fn below(&mut self, n: u64) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0 % n
        }
    }

    /// `(arrival, sender)` for `senders` (members 2..) over `span`, sorted by arrival.
    pub(crate) fn arrivals(
        start: Micros,
        span: u64,
        senders: u64,
        mut next: impl FnMut(u64, u64) -> Option<Vec<u64>>,
    ) -> Vec<(Micros, u64)> {
        let mut out = Vec::new();
        for s in 0..senders {
            // `next(sender, k)`: the offsets from `start` of the sender's k-th batch.
            for k in 0.. {
                let Some(batch) = next(s, k) else { break };
                if batch.iter().any(|&at| at >= span) {
                    break;
                }
                out.extend(batch.into_iter().map(|at| (start + at, 2 + s)));
            }
        }
        out.sort_unstable();
        out
    }

    /// However the senders' poses fall against the room's tick grid, every skeleton goes out
    /// at most one tick period after it arrived (or is replaced by a newer one of its sender
    /// that does), with a tick phase (as the server runs rooms) or without. The host behaves
    /// like the server's room actor: it holds poses back while a frame is due and hands them
    /// in, each with its arrival time, when its timer fires, which may be late by up to a
    /// millisecond (tokio rounds sleeps up): that lateness is the only slack allowed.
    pub(crate) fn check(name: &str, arrivals: &[(Micros, u64)]) {
        for phase in [Some(0), Some(12_345), Some(TICK - 1), None] {
            for late in [0, 1_000] {
                check_one(name, arrivals, phase, late);
            }
        }
    }

    fn check_one(name: &str, arrivals: &[(Micros, u64)], phase: Option<u64>, late: u64) {
        let start = crate::common::T0;
        let mut config = crate::common::config();
        config.tick_us = TICK;
        config.tick_phase_us = phase;
        let mut room = super::room_of(start, config, 1 + SENDERS);

        // The host's loop, as the room actor runs it; frames to the facilitator, by the host's
        // instant, with the (participant, t) of each fresh pose.
        let mut frames: Vec<(Micros, Vec<(u32, Micros)>)> = Vec::new();
        let mut collect = |room: &mut Room, now: Micros| {
            while let Some(out) = room.poll_output() {
                if let Output::Poses { to, fresh, .. } = out
                    && to.contains(&MemberId(1))
                {
                    let ServerMsg::Poses { poses, .. } = fresh else {
                        panic!("a poses output that is not a poses message");
                    };
                    frames.push((now, poses.iter().map(|p| (p.p.0, p.t)).collect()));
                }
            }
        };
        let pose = |room: &mut Room, at: Micros, m: u64| {
            room.handle_pose(at, MemberId(m), at, crate::common::pose_block())
                .expect("accepted");
        };
        let (mut i, mut waiting) = (0, Vec::new());
        let give_up = start + SPAN + 1_000_000;
        loop {
            let timer = room.poll_timeout().map(|t| t + late);
            match (arrivals.get(i).copied(), timer) {
                (Some((at, m)), timer) if timer.is_none_or(|t| at < t) => {
                    i += 1;
                    if room.frame_due().is_some() {
                        waiting.push((at, m));
                    } else {
                        pose(&mut room, at, m);
                        collect(&mut room, at);
                    }
                }
                (_, Some(fire)) if fire <= give_up => {
                    for (at, m) in waiting.drain(..) {
                        pose(&mut room, at, m);
                    }
                    room.handle_timeout(fire);
                    collect(&mut room, fire);
                }
                _ => break,
            }
            if i == arrivals.len() && room.frame_due().is_none() && waiting.is_empty() {
                break;
            }
        }

        // Every skeleton: the first frame carrying it or a newer one of its sender (members
        // joined in order, so member m holds participant id m).
        let mut worst = 0;
        for &(at, m) in arrivals {
            let sent = frames.iter().find(|(when, poses)| {
                *when >= at && poses.iter().any(|&(p, t)| u64::from(p) == m && t >= at)
            });
            let Some(&(when, _)) = sent else {
                panic!("{name}, phase {phase:?}: a pose of {m} at {at} never went out");
            };
            let held = when - at;
            worst = worst.max(held);
            assert!(
                held <= TICK + late,
                "{name}, phase {phase:?}, timer late {late} µs: a skeleton of {m} arriving at \
                 +{} µs waited {held} µs",
                at - start
            );
        }
        assert!(worst > 0, "{name}: no skeleton ever waited");
        // Frames never come faster than the tick (but for the host's own lateness).
        for w in frames.windows(2) {
            assert!(
                w[1].0 - w[0].0 >= TICK - 1 - late,
                "{name}, phase {phase:?}, timer late {late} µs: frames at {} and {}",
                w[0].0 - start,
                w[1].0 - start
            );
        }
    }
}

const TICK: u64 = 33_333;
const PERIOD_15HZ: u64 = 66_667;
const SENDERS: u64 = 6;
const SPAN: u64 = 3_000_000;

/// Everyone at 15 Hz in phase (as people who start together send): a burst every period, read
/// within 1.5 ms.
#[test]
fn senders_in_phase_wait_at_most_one_tick() {
    let arrivals = hold::arrivals(common::T0, SPAN, SENDERS, |s, k| {
        Some(vec![5_000 + k * PERIOD_15HZ + s * 300])
    });
    hold::check("in phase", &arrivals);
}

/// Seeded random phases at 15 Hz, each send jittered by up to 4 ms.
#[test]
fn senders_at_random_phases_wait_at_most_one_tick() {
    let mut rng = hold::Rng(0x5eed_1234_abcd_0001);
    for _ in 0..20 {
        let phases: Vec<u64> = (0..SENDERS).map(|_| rng.below(PERIOD_15HZ)).collect();
        let arrivals = hold::arrivals(common::T0, SPAN, SENDERS, |s, k| {
            let jitter = rng.below(4_000);
            Some(vec![phases[s as usize] + k * PERIOD_15HZ + jitter])
        });
        hold::check("random phases", &arrivals);
    }
}

/// 30 Hz senders whose poses arrive in bunches of 1 to 5, 150 µs apart, after stalls of as many
/// periods (a network hiccup), each bunch at a seeded instant: the poses a newer one replaced
/// count as sent with it.
#[test]
fn bursts_wait_at_most_one_tick() {
    let mut rng = hold::Rng(0xb0b5_7a11_0000_0042);
    for _ in 0..20 {
        let mut at = vec![0u64; SENDERS as usize];
        let arrivals = hold::arrivals(common::T0, SPAN, SENDERS, |s, _| {
            let n = 1 + rng.below(5);
            let t = at[s as usize] + n * TICK + rng.below(TICK);
            at[s as usize] = t;
            Some((0..n).map(|i| t + i * 150).collect())
        });
        hold::check("bursts", &arrivals);
    }
}
