//! The first cue after a start, a resume or a skip: sent at once, with a lead of
//! `max(lead_us, slowest connected member's round trip + first_cue_margin_us)` (at most
//! `MAX_FIRST_CUE_LEAD_US`); the cues after it keep the configured lead.

mod common;

use breakroom_protocol::{ControlAction, Cue, Micros, ServerMsg, Sharing};
use breakroom_rooms::{
    JoinRequest, MAX_FIRST_CUE_LEAD_US, MemberId, Output, RequestedRole, Room, RoomConfig,
};

const MS: Micros = 1_000;
/// The host; members 2, 3, … are participants.
const HOST: MemberId = MemberId(1);

struct Scene {
    room: Room,
    now: Micros,
    config: RoomConfig,
}

impl Scene {
    /// A room of [`common::config`] with the host and `participants` joined.
    fn new(participants: u64) -> Scene {
        let config = common::config();
        let now = common::T0;
        let mut room = Room::new(now, config.clone()).expect("a valid room");
        for m in 1..=participants + 1 {
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
            room.handle_join(now, MemberId(m), req).expect("joins");
        }
        let mut scene = Scene { room, now, config };
        scene.cues();
        scene
    }

    fn round_trip(&mut self, member: u64, ms: u64) {
        self.room
            .handle_round_trip(self.now, MemberId(member), ms * MS);
    }

    fn control(&mut self, action: ControlAction) {
        self.room
            .handle_control(self.now, HOST, action, None)
            .expect("the control is accepted");
    }

    fn wait(&mut self, us: Micros) {
        self.now += us;
        self.room.handle_timeout(self.now);
    }

    /// The cues sent since the last call.
    fn cues(&mut self) -> Vec<Cue> {
        let mut cues = Vec::new();
        while let Some(out) = self.room.poll_output() {
            if let Output::Send {
                msg: ServerMsg::Cue { cue },
                ..
            } = out
            {
                cues.push(cue);
            }
        }
        cues
    }

    /// The lead of the cue sent at once by the control just made (and that it was the only
    /// one: the next cue waits for its own, configured, lead).
    fn first_lead(&mut self) -> Micros {
        let cues = self.cues();
        assert_eq!(cues.len(), 1, "one cue goes out at once: {cues:?}");
        cues[0].at - self.now
    }
}

impl Scene {
    /// Steps time 10 ms at a time until a cue is sent: the cue, and how far ahead of its
    /// instant it went out.
    fn next_cue(&mut self) -> (Cue, Micros) {
        for _ in 0..2_000 {
            if let Some(cue) = self.cues().into_iter().next() {
                let ahead = cue.at - self.now;
                return (cue, ahead);
            }
            self.wait(10 * MS);
        }
        panic!("no cue within 20 s");
    }
}

/// For each set of round trips (ms, by member), the lead of the first cue of a start.
fn check(cases: &[(&[(u64, u64)], Micros)]) {
    for (round_trips, want) in cases {
        let mut s = Scene::new(3);
        for &(member, ms) in *round_trips {
            s.round_trip(member, ms);
        }
        s.control(ControlAction::Start);
        assert_eq!(s.first_lead(), *want, "round trips {round_trips:?}");
    }
}

#[test]
fn the_slowest_round_trip_plus_the_margin_sets_the_first_lead() {
    let lead = RoomConfig::default().lead_us;
    let margin = RoomConfig::default().first_cue_margin_us;
    assert_eq!((lead, margin), (300 * MS, 250 * MS));
    check(&[
        // Nothing measured: the configured lead.
        (&[], lead),
        // Fast links: the configured lead covers them.
        (&[(2, 10), (3, 50)], lead),
        // The slowest member counts, host or participant.
        (&[(2, 10), (3, 120), (4, 80)], 370 * MS),
        (&[(1, 200), (2, 10)], 450 * MS),
        // A member's latest figure replaces its earlier one.
        (&[(2, 400), (2, 100)], 350 * MS),
        // A figure for a connection that is not a member counts for nothing.
        (&[(9, 900)], lead),
        // However slow, a member holds the others back no more than the cap.
        (&[(2, 60_000)], MAX_FIRST_CUE_LEAD_US),
    ]);
}

#[test]
fn a_member_who_left_no_longer_counts() {
    let mut s = Scene::new(2);
    s.round_trip(2, 20);
    s.round_trip(3, 500);
    s.room.handle_leave(s.now, MemberId(3));
    s.control(ControlAction::Start);
    assert_eq!(s.first_lead(), s.config.lead_us);

    let mut s = Scene::new(2);
    s.round_trip(3, 500);
    s.room.handle_disconnect(s.now, MemberId(3));
    s.control(ControlAction::Start);
    assert_eq!(s.first_lead(), s.config.lead_us);
}

#[test]
fn the_cues_after_the_first_keep_the_configured_lead() {
    let mut s = Scene::new(2);
    s.round_trip(2, 150);
    s.control(ControlAction::Start);
    assert_eq!(s.first_lead(), 400 * MS);
    // The next countdown number, a second later, is sent the configured lead (and the 20 ms
    // a host's timer may run late) ahead of its instant, not earlier.
    let next = s.next_cue();
    assert_eq!(next.1, s.config.lead_us + 20 * MS);
}

#[test]
fn the_first_cue_after_a_resume_gets_the_slowest_lead() {
    let mut s = Scene::new(2);
    s.control(ControlAction::Start);
    assert_eq!(s.first_lead(), s.config.lead_us);
    // Into the exercise (go at 3.3 s, halfway at 8.3 s), paused 100 ms before the halfway
    // cue; meanwhile a slow member's figure comes in.
    s.wait(8_200 * MS);
    s.cues();
    s.control(ControlAction::Pause);
    s.wait(2_000 * MS);
    s.round_trip(3, 600);
    s.control(ControlAction::Resume);
    let (cue, lead) = s.next_cue();
    assert!(lead >= 850 * MS, "{cue:?} sent {lead} µs ahead");
}

#[test]
fn the_first_cue_after_a_skip_gets_the_slowest_lead() {
    let mut s = Scene::new(2);
    s.control(ControlAction::Start);
    s.cues();
    // Just after the go cue (3.3 s), before the halfway one goes out.
    s.wait(3_500 * MS);
    s.cues();
    s.round_trip(2, 100);
    s.control(ControlAction::Skip);
    assert_eq!(s.first_lead(), 350 * MS);
}
