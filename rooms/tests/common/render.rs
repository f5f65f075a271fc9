//! How the transcript shows each message: one short line, participants by their names.

use std::fmt::Write as _;

use breakroom_protocol::{
    Participant, Phase, PhaseState, Presence, PresenceChange, Role, ServerMsg, SessionSummary,
};

use super::Harness;

impl Harness {
    pub(super) fn render(&self, msg: &ServerMsg) -> String {
        match msg {
            ServerMsg::Snapshot {
                you,
                locked,
                phase,
                timeline,
                participants,
                flags,
                ..
            } => {
                let ps: Vec<String> = participants
                    .iter()
                    .map(|p| self.render_participant(p))
                    .collect();
                let mut s = format!(
                    "snapshot you={} {} members=[{}] cues={}",
                    self.pid(*you),
                    self.render_phase(phase),
                    ps.join(" "),
                    timeline.len()
                );
                if let Some(first) = timeline.first() {
                    let _ = write!(s, " from @{}", self.time(first.at));
                }
                if *locked {
                    s.push_str(" locked");
                }
                if !flags.is_empty() {
                    let _ = write!(s, " flags={}", flags.len());
                }
                s
            }
            ServerMsg::Presence {
                change,
                participant,
            } => {
                format!(
                    "presence {} {}",
                    change_name(*change),
                    self.render_participant(participant)
                )
            }
            ServerMsg::Phase { phase, timeline } => {
                let mut s = format!("phase {}", self.render_phase(phase));
                if let Some(first) = timeline.first() {
                    let _ = write!(s, " cues={} from @{}", timeline.len(), self.time(first.at));
                }
                s
            }
            ServerMsg::Cue { cue } => {
                let mut s = format!("cue #{} {:?}", cue.id, cue.kind).to_lowercase();
                if let Some(n) = cue.n {
                    let _ = write!(s, " {n}");
                }
                let _ = write!(s, " @{} step={}", self.time(cue.at), cue.step);
                if let Some(e) = &cue.exercise {
                    let _ = write!(s, " {e}");
                }
                if let Some(seed) = cue.seed {
                    let _ = write!(s, " seed={seed}");
                }
                s
            }
            ServerMsg::Poses { poses, .. } => {
                let ps: Vec<String> = poses.iter().map(|p| self.pid(p.p)).collect();
                format!("poses [{}]", ps.join(" "))
            }
            ServerMsg::Scoreboard { scoreboard } => {
                let rs: Vec<String> = scoreboard
                    .ranking
                    .iter()
                    .map(|e| {
                        // `show verified` (never on by default) marks scores backed by keypoints.
                        let mark = self.show.as_ref().is_some_and(|s| s.contains("verified"))
                            && e.verified;
                        format!(
                            "{}={}{}",
                            self.pid(e.p),
                            e.points,
                            if mark { "✓" } else { "" }
                        )
                    })
                    .collect();
                let mut s = format!("scoreboard {} total={}", rs.join(" "), scoreboard.total);
                if !scoreboard.teams.is_empty() {
                    let ts: Vec<String> = scoreboard
                        .teams
                        .iter()
                        .map(|t| format!("{}={}", t.team, t.points))
                        .collect();
                    let _ = write!(s, " teams {}", ts.join(" "));
                }
                s
            }
            ServerMsg::Flag { flag } => {
                let mut s = format!(
                    "flag {} {} {:?} claimed={} accepted={}",
                    self.pid(flag.p),
                    flag.exercise,
                    flag.reason,
                    flag.claimed,
                    flag.accepted
                );
                // An update of a flag raised earlier keeps that flag's `at`.
                if flag.at != self.now {
                    let _ = write!(s, " raised=@{}", self.time(flag.at));
                }
                s
            }
            ServerMsg::Reaction { p, reaction } => {
                format!("reaction {} {reaction:?}", self.pid(*p))
            }
            ServerMsg::Lock { locked } => {
                format!("lock {}", if *locked { "locked" } else { "unlocked" })
            }
            ServerMsg::Summary { summary } => format!("summary {:?}", summary.end),
            other => format!("{other:?}"),
        }
    }

    fn render_participant(&self, p: &Participant) -> String {
        let role = match p.role {
            Role::Facilitator => "facilitator",
            Role::Cohost => "cohost",
            Role::Participant => "participant",
            Role::Viewer => "viewer",
        };
        let mut s = format!("{}:{role}", self.pid(p.id));
        if let Some(t) = &p.team {
            let _ = write!(s, "@{t}");
        }
        if p.presence == Presence::Reconnecting {
            s.push_str("(away)");
        }
        s
    }

    fn render_phase(&self, p: &PhaseState) -> String {
        let mut s = format!("{:?}", p.phase).to_lowercase();
        if let Some(step) = p.step {
            let _ = write!(s, " step={step}");
        }
        if p.phase != Phase::Lobby {
            let _ = write!(s, " since=@{}", self.time(p.since));
        }
        if let Some(u) = p.until {
            let _ = write!(s, " until=@{}", self.time(u));
        }
        if p.paused {
            s.push_str(" paused");
        }
        s
    }

    pub(crate) fn render_summary(&self, s: &SessionSummary) -> String {
        let mut out = format!(
            "summary {:?} @{}..@{}",
            s.end,
            self.time(s.started_at),
            self.time(s.ended_at)
        );
        for p in &s.participants {
            let rs: Vec<String> = p
                .results
                .iter()
                .map(|r| format!("{} {}r/{}ms/{}p", r.exercise, r.reps, r.active_ms, r.points))
                .collect();
            let _ = write!(out, " | {}: {}", self.pid(p.p), rs.join(", "));
            if !p.flags.is_empty() {
                let fs: Vec<String> = p
                    .flags
                    .iter()
                    .map(|f| format!("{:?}({})", f.reason, f.claimed))
                    .collect();
                let _ = write!(out, " flags {}", fs.join(" "));
            }
        }
        out
    }
}

fn change_name(c: PresenceChange) -> &'static str {
    match c {
        PresenceChange::Joined => "joined",
        PresenceChange::Left => "left",
        PresenceChange::Reconnecting => "reconnecting",
        PresenceChange::Resumed => "resumed",
        PresenceChange::RoleChanged => "role_changed",
    }
}
