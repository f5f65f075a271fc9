//! The test harness: a room on a fake clock, driven by a tiny script language, recording every
//! output as one readable line, and checking the engine's invariants on everything it sees.
//!
//! Script, one step per line (`#` starts a comment):
//!
//! ```text
//! join NAME facilitator|participant|viewer [sharing=room|fac|nobody] [team=T]
//!      [nocontrol] [nopose] [noscore] [hidden]
//! resume NEW as OLD           NEW (a new connection) takes the place of OLD's participant
//! leave NAME | drop NAME
//! pose NAME | score NAME EXERCISE REPS ACTIVE_MS | react NAME REACTION
//! reach NAME K|miss           a pose with a hand in the reach game's target K (of the latest
//!                             seed a cue carried), or with the arms down
//! control NAME ACTION [TARGET]
//! wait DURATION               the clock advances; the room is woken at each deadline
//! jump DURATION               the clock advances without waking the room (a late host)
//! timeout                     wake the room now
//! end REASON                  the host ends the room
//! show KIND...                record only these message kinds (`show all` for everything)
//! poll                        record the room's next deadline
//! ```
//!
//! Transcript lines: `@SECONDS RECIPIENTS: MESSAGE`, times relative to the start.
#![allow(dead_code)]

mod render;
mod script;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use breakroom_protocol::{
    ControlAction, EndReason, Landmark, Micros, ParticipantId, PoseBlock, PoseModel, Program,
    Reaction, RequestedRole, ScoreFlag, ServerMsg, SessionSummary, Sharing, Step,
};
use breakroom_rooms::{JoinRequest, MemberId, Output, Room, RoomConfig};

/// The fake clock's start: some instant in 2023.
pub(crate) const T0: Micros = 1_700_000_000_000_000;

/// A program step.
pub(crate) fn step(exercise: &str, duration_s: u32, rest_s: u32) -> Step {
    Step {
        exercise: exercise.into(),
        duration_ms: duration_s * 1000,
        rest_ms: rest_s * 1000,
        bpm: None,
    }
}

/// The rooms of most tests: squats for 10 s, 5 s rest, jumping jacks for 10 s.
pub(crate) fn config() -> RoomConfig {
    RoomConfig {
        code: "ABC-123".into(),
        session: "s1".into(),
        program: Program {
            name: "Quick break".into(),
            steps: vec![step("squats", 10, 5), step("jumping_jacks", 10, 0)],
        },
        ..RoomConfig::default()
    }
}

/// Runs `script` on a room with [`config`] and compares the transcript with `expected`.
pub(crate) fn check(script: &str, expected: &str) -> Harness {
    check_with(config(), script, expected)
}

/// Runs `script` on a room with `config` and compares the transcript with `expected`.
pub(crate) fn check_with(config: RoomConfig, script: &str, expected: &str) -> Harness {
    let mut h = Harness::new(config);
    h.run(script);
    let actual = h.log.join("\n");
    let expected = dedent(expected);
    if actual.trim() != expected.trim() {
        panic!(
            "transcript differs.\n--- expected\n{}\n--- actual\n{}\n---",
            expected.trim(),
            actual.trim()
        );
    }
    h
}

fn dedent(s: &str) -> String {
    s.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Parses `1.5s`, `300ms`, `2m`.
pub(crate) fn duration(s: &str) -> Micros {
    let (num, mul) = if let Some(n) = s.strip_suffix("ms") {
        (n, 1_000.0)
    } else if let Some(n) = s.strip_suffix('s') {
        (n, 1_000_000.0)
    } else if let Some(n) = s.strip_suffix('m') {
        (n, 60_000_000.0)
    } else {
        panic!("bad duration {s}")
    };
    let v: f64 = num.parse().unwrap_or_else(|_| panic!("bad duration {s}"));
    (v * mul).round() as Micros
}

/// A valid skeleton: a plausible body (a degenerate one is refused as implausible).
pub(crate) fn pose_block() -> PoseBlock {
    let lms = breakroom_rooms::plausible::standing(PoseModel::Coco17);
    PoseBlock::from_landmarks(PoseModel::Coco17, &lms).unwrap_or_else(|e| panic!("{e}"))
}

/// The standing figure moved sideways so that a shoulder is right above or below `target`,
/// that arm stretched straight to it (the hand's landmarks around the wrist).
pub(crate) fn reaching(target: breakroom_rooms::detect::reach::Target) -> Vec<Landmark> {
    let mut lms = breakroom_rooms::plausible::standing(PoseModel::BlazePose33);
    // The person's left arm (shoulder 11, on the picture's right) for targets on the right.
    let (shoulder, elbow, wrist, hand) = if target.x >= 0.5 {
        (11, 13, 15, [17, 19, 21])
    } else {
        (12, 14, 16, [18, 20, 22])
    };
    let dx = target.x as f32 - lms[shoulder].x;
    for l in &mut lms {
        l.x += dx;
    }
    let (sx, sy) = (lms[shoulder].x, lms[shoulder].y);
    let (tx, ty) = (target.x as f32, target.y as f32);
    lms[elbow].x = sx;
    lms[elbow].y = (sy + ty) / 2.0;
    lms[wrist].x = tx;
    lms[wrist].y = ty;
    let beyond = if ty < sy { -0.02 } else { 0.02 };
    for (i, h) in hand.into_iter().enumerate() {
        lms[h].x = tx + 0.01 * (i as f32 - 1.0);
        lms[h].y = ty + beyond;
    }
    lms
}

/// Options of a join.
#[derive(Debug, Clone)]
pub(crate) struct JoinOpts {
    pub(crate) sharing: Sharing,
    pub(crate) team: Option<String>,
    pub(crate) may_control: bool,
    pub(crate) may_pose: bool,
    pub(crate) may_score: bool,
    pub(crate) hidden: bool,
}

impl Default for JoinOpts {
    fn default() -> Self {
        JoinOpts {
            sharing: Sharing::Room,
            team: None,
            may_control: true,
            may_pose: true,
            may_score: true,
            hidden: false,
        }
    }
}

/// A room on a fake clock, with named members and a transcript.
pub(crate) struct Harness {
    pub(crate) room: Room,
    pub(crate) now: Micros,
    pub(crate) log: Vec<String>,
    lead: u64,
    capacity: usize,
    members: BTreeMap<String, MemberId>,
    labels: BTreeMap<MemberId, String>,
    pids: BTreeMap<ParticipantId, String>,
    next_member: u64,
    /// Members the room may send to: joined or resumed, not left, dropped or closed.
    open: BTreeSet<MemberId>,
    show: Option<BTreeSet<String>>,
    /// Every summary the room asked to persist.
    pub(crate) summaries: Vec<SessionSummary>,
    /// Summary messages sent.
    pub(crate) summary_sends: usize,
    /// Highest (points, reps, active_ms) seen per participant on a scoreboard.
    best: BTreeMap<ParticipantId, (u32, u32, u32)>,
    /// Whether a start control succeeded.
    pub(crate) started: bool,
    /// The latest instant of each cue sent, by id.
    cues: BTreeMap<u32, Micros>,
    /// What each open member was told last about each flag, by (p, exercise, reason, at).
    live_flags: BTreeMap<MemberId, BTreeMap<FlagId, ScoreFlag>>,
    /// The latest seed a cue carried.
    pub(crate) seed: Option<u32>,
}

/// How clients know a flag: (participant, exercise, reason, raised at).
type FlagId = (ParticipantId, String, String, Micros);

fn flag_id(flag: &ScoreFlag) -> FlagId {
    (
        flag.p,
        flag.exercise.clone(),
        format!("{:?}", flag.reason),
        flag.at,
    )
}

impl Harness {
    pub(crate) fn new(config: RoomConfig) -> Harness {
        let lead = config.lead_us;
        let capacity = usize::from(config.capacity);
        let room = Room::new(T0, config).unwrap_or_else(|e| panic!("room config: {e}"));
        Harness {
            room,
            now: T0,
            log: Vec::new(),
            lead,
            capacity,
            members: BTreeMap::new(),
            labels: BTreeMap::new(),
            pids: BTreeMap::new(),
            next_member: 1,
            open: BTreeSet::new(),
            show: None,
            summaries: Vec::new(),
            summary_sends: 0,
            best: BTreeMap::new(),
            started: false,
            cues: BTreeMap::new(),
            live_flags: BTreeMap::new(),
            seed: None,
        }
    }

    fn time(&self, t: Micros) -> String {
        let rel = t as i128 - T0 as i128;
        format!(
            "{}{}.{:03}",
            if rel < 0 { "-" } else { "" },
            rel.abs() / 1_000_000,
            (rel.abs() % 1_000_000) / 1000
        )
    }

    fn line(&mut self, text: String) {
        let line = format!("@{} {}", self.time(self.now), text);
        self.log.push(line);
    }

    /// The member of a label, creating a new one for a new label.
    pub(crate) fn member(&mut self, label: &str) -> MemberId {
        if let Some(m) = self.members.get(label) {
            return *m;
        }
        let m = MemberId(self.next_member);
        self.next_member += 1;
        self.members.insert(label.to_owned(), m);
        self.labels.insert(m, label.to_owned());
        m
    }

    fn pid(&self, p: ParticipantId) -> String {
        self.pids
            .get(&p)
            .cloned()
            .unwrap_or_else(|| format!("p{}", p.0))
    }

    fn result<T>(&mut self, who: &str, r: Result<T, breakroom_rooms::RoomError>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.line(format!("{who} !! {:?}: {e}", e.code()));
                None
            }
        }
    }

    pub(crate) fn join(
        &mut self,
        label: &str,
        role: RequestedRole,
        opts: JoinOpts,
    ) -> Option<ParticipantId> {
        let m = self.member(label);
        let req = JoinRequest {
            user: format!("user-{label}"),
            name: label.to_owned(),
            role,
            sharing: opts.sharing,
            team: opts.team,
            may_control: opts.may_control,
            may_publish_pose: opts.may_pose,
            may_publish_score: opts.may_score,
            hidden: opts.hidden,
        };
        let r = self.room.handle_join(self.now, m, req);
        if let Ok(p) = &r {
            self.pids.insert(*p, label.to_owned());
            self.open.insert(m);
        }
        self.after_input();
        self.result(label, r)
    }

    pub(crate) fn resume(&mut self, label: &str, participant: ParticipantId) -> bool {
        let m = self.member(label);
        let r = self.room.handle_resume(self.now, m, participant);
        if r.is_ok() {
            self.open.insert(m);
        }
        self.after_input();
        self.result(label, r).is_some()
    }

    pub(crate) fn leave(&mut self, label: &str) {
        let m = self.member(label);
        self.open.remove(&m);
        self.live_flags.remove(&m);
        self.room.handle_leave(self.now, m);
        self.after_input();
    }

    pub(crate) fn drop_conn(&mut self, label: &str) {
        let m = self.member(label);
        self.open.remove(&m);
        self.live_flags.remove(&m);
        self.room.handle_disconnect(self.now, m);
        self.after_input();
    }

    pub(crate) fn pose(&mut self, label: &str) {
        self.pose_at(label, self.now);
    }

    /// A pose captured at `t` (server time), arriving now.
    pub(crate) fn pose_at(&mut self, label: &str, t: Micros) {
        let m = self.member(label);
        let r = self.room.handle_pose(self.now, m, t, pose_block());
        self.after_input();
        self.result(label, r);
    }

    /// A BlazePose body standing under target `k` of the latest seed, its nearer arm raised
    /// or lowered straight to it (`None`: the arms down).
    pub(crate) fn reach(&mut self, label: &str, k: Option<usize>) {
        let seed = self
            .seed
            .unwrap_or_else(|| panic!("no cue carried a seed yet"));
        let lms = match k {
            Some(k) => reaching(breakroom_rooms::detect::reach::targets(seed, k + 1)[k]),
            None => breakroom_rooms::plausible::standing(PoseModel::BlazePose33),
        };
        let kp = PoseBlock::from_landmarks(PoseModel::BlazePose33, &lms)
            .unwrap_or_else(|e| panic!("{e}"));
        self.pose_block(label, kp);
    }

    /// A pose of the caller's making, captured now.
    pub(crate) fn pose_block(&mut self, label: &str, kp: PoseBlock) {
        let m = self.member(label);
        let r = self.room.handle_pose(self.now, m, self.now, kp);
        self.after_input();
        self.result(label, r);
    }

    pub(crate) fn score(&mut self, label: &str, exercise: &str, reps: u32, active_ms: u32) {
        let m = self.member(label);
        let r = self
            .room
            .handle_score(self.now, m, exercise, reps, active_ms);
        self.after_input();
        self.result(label, r);
    }

    pub(crate) fn control(
        &mut self,
        label: &str,
        action: ControlAction,
        target: Option<ParticipantId>,
    ) {
        let m = self.member(label);
        let r = self.room.handle_control(self.now, m, action, target);
        if r.is_ok() && action == ControlAction::Start {
            self.started = true;
        }
        self.after_input();
        self.result(label, r);
    }

    pub(crate) fn react(&mut self, label: &str, reaction: Reaction) {
        let m = self.member(label);
        let r = self.room.handle_reaction(self.now, m, reaction);
        self.after_input();
        self.result(label, r);
    }

    /// Advances the clock to `now + d`, waking the room at each of its deadlines on the way.
    pub(crate) fn wait(&mut self, d: Micros) {
        let target = self.now + d;
        while let Some(t) = self.room.poll_timeout().filter(|t| *t <= target) {
            self.now = self.now.max(t);
            self.room.handle_timeout(self.now);
            self.after_input();
        }
        self.now = target;
    }

    /// Advances the clock without waking the room.
    pub(crate) fn jump(&mut self, d: Micros) {
        self.now += d;
    }

    pub(crate) fn timeout(&mut self) {
        self.room.handle_timeout(self.now);
        self.after_input();
    }

    pub(crate) fn end(&mut self, reason: EndReason) {
        self.room.end(self.now, reason);
        self.after_input();
    }

    /// Polls every output, checks invariants, records the shown ones.
    fn after_input(&mut self) {
        while let Some(out) = self.room.poll_output() {
            self.observe(out);
        }
        let non_viewers = {
            let i = self.room.info();
            (i.participants + i.facilitators) as usize
        };
        assert!(
            non_viewers <= self.capacity,
            "capacity exceeded: {non_viewers}"
        );
        for e in self.room.scoreboard().ranking {
            let best = self.best.entry(e.p).or_default();
            let now = (e.points, e.reps, e.active_ms);
            assert!(
                now.0 >= best.0 && now.1 >= best.1 && now.2 >= best.2,
                "score of {:?} decreased",
                e.p
            );
            *best = now;
        }
        if let Some(t) = self.room.poll_timeout() {
            assert!(
                t > self.now,
                "poll_timeout {t} is not after now {}",
                self.now
            );
        }
        assert!(self.summaries.len() <= 1, "more than one summary");
        assert!(self.summary_sends <= 1, "summary sent more than once");
    }

    fn observe(&mut self, out: Output) {
        match out {
            Output::Send { to, msg } => {
                self.check_recipients(&to, &msg);
                self.check_msg(&msg);
                let told = match &msg {
                    ServerMsg::Flag { flag } => std::slice::from_ref(flag),
                    ServerMsg::Snapshot { flags, .. } => flags.as_slice(),
                    _ => &[],
                };
                for m in &to {
                    let held = self.live_flags.entry(*m).or_default();
                    for flag in told {
                        held.insert(flag_id(flag), flag.clone());
                    }
                }
                if self.shown(msg.kind()) {
                    let text = format!("{}: {}", self.names(&to), self.render(&msg));
                    self.line(text);
                }
            }
            Output::Poses { to, fresh, full } => {
                self.check_recipients(&to, &fresh);
                self.check_msg(&fresh);
                self.check_msg(&full);
                let (
                    ServerMsg::Poses {
                        t,
                        poses: fresh_poses,
                    },
                    ServerMsg::Poses {
                        t: full_t,
                        poses: full_poses,
                    },
                ) = (&fresh, &*full)
                else {
                    panic!("a pose frame that is not `poses`: {fresh:?} {full:?}");
                };
                assert_eq!(t, full_t, "fresh and full frames of one tick");
                for p in fresh_poses {
                    assert!(
                        full_poses.contains(p),
                        "the full frame lacks a fresh skeleton: {p:?}"
                    );
                }
                if self.shown("poses") {
                    let mut text = format!("{}: {}", self.names(&to), self.render(&fresh));
                    if full_poses.len() > fresh_poses.len() {
                        let rendered = self.render(&full);
                        let _ = write!(text, " full {}", &rendered["poses ".len()..]);
                    }
                    self.line(text);
                }
            }
            Output::Close {
                member,
                code,
                reason,
            } => {
                self.open.remove(&member);
                self.live_flags.remove(&member);
                if self.shown("close") {
                    let text = format!("close {} {code} {reason}", self.labels[&member]);
                    self.line(text);
                }
            }
            Output::Summary(summary) => {
                // A flag's identity is unique, and what the facilitators present were told
                // last about it is what the summary says.
                let mut ids = BTreeSet::new();
                for flag in summary.participants.iter().flat_map(|p| &p.flags) {
                    let id = flag_id(flag);
                    assert!(ids.insert(id.clone()), "two flags named {id:?}");
                    for held in self.live_flags.values() {
                        if let Some(live) = held.get(&id) {
                            assert_eq!(live, flag, "the live flag differs from the summary's");
                        }
                    }
                }
                if self.shown("persist") {
                    let text = format!("persist {}", self.render_summary(&summary));
                    self.line(text);
                }
                self.summaries.push(summary);
            }
        }
    }

    fn check_recipients(&self, to: &[MemberId], msg: &ServerMsg) {
        assert!(!to.is_empty(), "send to nobody: {msg:?}");
        let unique: BTreeSet<_> = to.iter().collect();
        assert_eq!(unique.len(), to.len(), "duplicate recipients");
        for m in to {
            assert!(
                self.open.contains(m),
                "send to a member that is not connected: {m:?} {msg:?}"
            );
        }
    }

    fn names(&self, to: &[MemberId]) -> String {
        let mut names: Vec<String> = to.iter().map(|m| self.labels[m].clone()).collect();
        names.sort();
        names.join(",")
    }

    fn check_msg(&mut self, msg: &ServerMsg) {
        match msg {
            ServerMsg::Cue { cue } => {
                assert!(
                    cue.at >= self.now + self.lead,
                    "cue {cue:?} sent at {} with less than the lead",
                    self.now
                );
                let before = self.cues.range(..cue.id).map(|(_, at)| *at).max();
                assert!(
                    before.is_none_or(|b| b <= cue.at),
                    "cue ids out of `at` order: {cue:?}"
                );
                self.cues.insert(cue.id, cue.at);
                if cue.seed.is_some() {
                    self.seed = cue.seed;
                }
            }
            ServerMsg::Summary { .. } => self.summary_sends += 1,
            ServerMsg::Scoreboard { scoreboard } => {
                for e in &scoreboard.ranking {
                    let best = self.best.entry(e.p).or_default();
                    let now = (e.points, e.reps, e.active_ms);
                    assert!(
                        now.0 >= best.0 && now.1 >= best.1 && now.2 >= best.2,
                        "score of {:?} decreased",
                        e.p
                    );
                    *best = now;
                }
            }
            ServerMsg::Poses { poses, .. } => assert!(!poses.is_empty(), "empty pose frame"),
            _ => {}
        }
    }

    fn shown(&self, kind: &str) -> bool {
        self.show.as_ref().is_none_or(|s| s.contains(kind))
    }
}
