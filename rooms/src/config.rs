//! What a room is created with, what a join asks for, and the engine's fixed limits.

use breakroom_protocol::validate::{self, MAX_LISTED, MAX_NAME, MAX_ROOM_CODE, MAX_STEPS};
use breakroom_protocol::{Program, RequestedRole, Sharing};

use crate::catalogue::Catalogue;
use crate::error::RoomError;
use crate::timeline::Plan;

/// Most members a room may hold, excluding viewers.
pub const MAX_CAPACITY: u16 = 500;
/// Most viewers (shared screens) a room holds, on top of its capacity.
pub const MAX_VIEWERS: usize = 20;
/// How long after an exercise ends a late score report for it still counts.
pub const SCORE_GRACE_US: u64 = 2_000_000;
/// Reps a report may claim beyond the exercise's maximum rate over the elapsed time.
pub const BURST_REPS: u32 = 2;
/// Active milliseconds a report may claim beyond the exercise's elapsed wall time.
pub const ACTIVE_SLACK_MS: u32 = 1_000;
/// Most cues a program may produce (keeps every timeline message well within size limits).
pub const MAX_CUES: usize = 2048;
/// Longest exercise or rest of a step.
pub const MAX_STEP_MS: u32 = 3_600_000;
/// Shortest exercise of a step.
pub const MIN_EXERCISE_MS: u32 = 1_000;
/// The longest lead a first cue gets, however slow a member's link: a member on a link slower
/// than this must not hold everyone else's start back for longer.
pub const MAX_FIRST_CUE_LEAD_US: u64 = 2_000_000;
/// Fastest tempo for beat cues.
pub const MAX_BPM: u16 = 240;

/// How a room is set up. Built by the host; checked by [`crate::Room::new`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomConfig {
    /// Room code, as displayed (1 to 32 characters).
    pub code: String,
    /// Session id: unique per server, 1 to 64 printable ASCII characters.
    pub session: String,
    /// The program the session runs. Every step's exercise must be in the catalogue.
    pub program: Program,
    /// Most members excluding viewers (1 to [`MAX_CAPACITY`]); never exceeded.
    pub capacity: u16,
    /// How long before its instant a cue is sent, in microseconds.
    pub lead_us: u64,
    /// Added to the slowest connected member's round trip for the lead of the first cue after
    /// a start, a resume or a skip, which is then `max(lead_us, slowest + margin)` (at most
    /// [`MAX_FIRST_CUE_LEAD_US`]): that cue is sent at once, and must reach everyone before
    /// its instant even through a stall. With no round trip known, it is `lead_us`. Round
    /// trips are inputs: [`crate::Room::handle_round_trip`].
    pub first_cue_margin_us: u64,
    /// Interval of the skeleton relay, in microseconds. The default here (15 Hz) keeps the
    /// engine's transcripts readable; the server sets it from its `tick_hz` (30 Hz by default).
    pub tick_us: u64,
    /// When set, every relay tick falls on the grid `phase + k·tick_us` of server time (phase
    /// taken modulo `tick_us`): a pose goes out at the first grid point at or after its
    /// arrival. A host running many rooms gives each its own phase, so their ticks spread over
    /// the period instead of firing together when rooms start together. Cues are then sent at
    /// the last grid point before they are due, and scoreboards and planned phase changes
    /// announced at the first one after, so they leave in the same write as the tick's frame.
    /// `None`: the first pose after a quiet spell goes out at once, and every tick is one
    /// period after the previous. Either way no pose waits more than one period.
    pub tick_phase_us: Option<u64>,
    /// Skeletons received longer ago than this are left out of relayed frames.
    pub stale_pose_us: u64,
    /// How long a dropped member keeps its place (and a dropped host its session).
    pub grace_us: u64,
    /// How long a room without connected members stays open.
    pub idle_close_us: u64,
    /// Length of the 3-2-1 before each exercise.
    pub countdown_us: u64,
    /// Shortest interval between two scoreboard messages.
    pub scoreboard_interval_us: u64,
}

impl Default for RoomConfig {
    /// The defaults; `code`, `session` and `program` are empty and must be set.
    fn default() -> Self {
        RoomConfig {
            code: String::new(),
            session: String::new(),
            program: Program {
                name: String::new(),
                steps: Vec::new(),
            },
            capacity: 50,
            lead_us: 300_000,
            first_cue_margin_us: 250_000,
            tick_us: 66_667,
            tick_phase_us: None,
            stale_pose_us: 1_000_000,
            grace_us: 60_000_000,
            idle_close_us: 300_000_000,
            countdown_us: 3_000_000,
            scoreboard_interval_us: 500_000,
        }
    }
}

/// A join, as the host authorized it from the member's access token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinRequest {
    /// User id from the token (goes into the summary).
    pub user: String,
    /// Display name. Control characters are dropped and it is cut to 64 characters.
    pub name: String,
    /// The role asked for.
    pub role: RequestedRole,
    /// Who may see this member's skeleton.
    pub sharing: Sharing,
    /// Team, if teams are used (cut to 32 characters; empty means none).
    pub team: Option<String>,
    /// The token grants control: needed for [`RequestedRole::Facilitator`].
    pub may_control: bool,
    /// The token allows sending skeletons.
    pub may_publish_pose: bool,
    /// The token allows sending score reports.
    pub may_publish_score: bool,
    /// Joins without appearing in what others see: the roster, presence changes, the
    /// scoreboard and the summary. A hidden member only observes (as a participant or viewer;
    /// never as a host), and publishes nothing whatever the other grants say.
    pub hidden: bool,
}

/// Checks a configuration against the catalogue and the protocol's bounds.
pub(crate) fn check(config: &RoomConfig, catalogue: &Catalogue) -> Result<(), RoomError> {
    let bad = RoomError::InvalidConfig;
    let code_len = config.code.chars().count();
    if code_len == 0 || code_len > MAX_ROOM_CODE || config.code.chars().any(char::is_control) {
        return Err(bad("the room code must be 1 to 32 printable characters"));
    }
    let session_ok = (1..=64).contains(&config.session.len())
        && config.session.bytes().all(|b| b.is_ascii_graphic());
    if !session_ok {
        return Err(bad(
            "the session id must be 1 to 64 printable ASCII characters",
        ));
    }
    if config.capacity == 0 || config.capacity > MAX_CAPACITY {
        return Err(bad("capacity must be 1 to 500"));
    }
    debug_assert!(usize::from(MAX_CAPACITY) + MAX_VIEWERS <= MAX_LISTED);
    if config.tick_us == 0 || config.scoreboard_interval_us == 0 {
        return Err(bad("tick and scoreboard intervals must be positive"));
    }
    check_program(config, catalogue)
}

fn check_program(config: &RoomConfig, catalogue: &Catalogue) -> Result<(), RoomError> {
    let bad = RoomError::InvalidConfig;
    let program = &config.program;
    let name_len = program.name.chars().count();
    if name_len == 0 || name_len > MAX_NAME || program.name.chars().any(char::is_control) {
        return Err(bad("the program name must be 1 to 64 printable characters"));
    }
    if program.steps.is_empty() || program.steps.len() > MAX_STEPS {
        return Err(bad("a program has 1 to 32 steps"));
    }
    for step in &program.steps {
        if validate::exercise_id("exercise", &step.exercise).is_err() {
            return Err(bad("exercise ids are 1 to 32 of a-z, 0-9 and _"));
        }
        if catalogue.get(&step.exercise).is_none() {
            return Err(RoomError::UnknownExercise(step.exercise.clone()));
        }
        if !(MIN_EXERCISE_MS..=MAX_STEP_MS).contains(&step.duration_ms) {
            return Err(bad("an exercise lasts 1 second to 1 hour"));
        }
        if step.rest_ms > MAX_STEP_MS {
            return Err(bad("a rest lasts at most 1 hour"));
        }
        if step.bpm.is_some_and(|b| b == 0 || b > MAX_BPM) {
            return Err(bad("bpm must be 1 to 240"));
        }
    }
    let cues = Plan::build(program, 0, 0, config.lead_us, config.countdown_us, 0).cue_count();
    if cues > MAX_CUES {
        return Err(bad(
            "the program has too many cues; shorten it or lower its bpm",
        ));
    }
    Ok(())
}

/// A display name fit for the wire: no control characters, 1 to 64 characters.
pub(crate) fn clean_name(raw: &str, fallback: impl FnOnce() -> String) -> String {
    let name = clean(raw, MAX_NAME);
    if name.is_empty() { fallback() } else { name }
}

/// A team name fit for the wire, or none.
pub(crate) fn clean_team(raw: Option<&str>) -> Option<String> {
    raw.map(|t| clean(t, validate::MAX_TEAM))
        .filter(|t| !t.is_empty())
}

fn clean(raw: &str, max: usize) -> String {
    let kept: String = raw.chars().filter(|c| !c.is_control()).take(max).collect();
    kept.trim().to_owned()
}
