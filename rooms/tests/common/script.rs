//! The script language of the harness (see the module docs of `common`).

use breakroom_protocol::{
    ControlAction, EndReason, ParticipantId, Reaction, RequestedRole, Sharing,
};

use super::{Harness, JoinOpts, duration};

impl Harness {
    /// Runs a script (see the module docs).
    pub(crate) fn run(&mut self, script: &str) {
        for raw in script.lines() {
            let line = raw.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let words: Vec<&str> = line.split_whitespace().collect();
            self.step(&words);
        }
    }

    fn target(&self, label: Option<&&str>) -> Option<ParticipantId> {
        let label = label?;
        self.pids
            .iter()
            .find(|(_, l)| l == label)
            .map(|(p, _)| *p)
            .or(Some(ParticipantId(999)))
    }

    fn step(&mut self, w: &[&str]) {
        match w {
            ["join", name, role, opts @ ..] => {
                let role = match *role {
                    "facilitator" => RequestedRole::Facilitator,
                    "participant" => RequestedRole::Participant,
                    "viewer" => RequestedRole::Viewer,
                    other => panic!("bad role {other}"),
                };
                let mut o = JoinOpts::default();
                for opt in opts {
                    match *opt {
                        "sharing=room" => o.sharing = Sharing::Room,
                        "sharing=fac" => o.sharing = Sharing::Facilitators,
                        "sharing=nobody" => o.sharing = Sharing::Nobody,
                        "nocontrol" => o.may_control = false,
                        "nopose" => o.may_pose = false,
                        "noscore" => o.may_score = false,
                        "hidden" => o.hidden = true,
                        t if t.starts_with("team=") => o.team = Some(t[5..].to_owned()),
                        other => panic!("bad join option {other}"),
                    }
                }
                self.join(name, role, o);
            }
            ["resume", new, "as", old] => {
                let p = self.target(Some(old)).unwrap_or(ParticipantId(999));
                self.resume(new, p);
            }
            ["leave", name] => self.leave(name),
            ["drop", name] => self.drop_conn(name),
            ["pose", name] => self.pose(name),
            // The reach game: a pose with a hand in target K (from 0) of the latest seed a cue
            // carried, or (`miss`) with the arms down.
            ["reach", name, "miss"] => self.reach(name, None),
            ["reach", name, k] => {
                let k = k.parse().unwrap_or_else(|_| panic!("bad target {k}"));
                self.reach(name, Some(k));
            }
            // A pose whose capture time is `t` ms from now (`-1000`, `+1000`), or `0` / `max`
            // for the extremes of a u64.
            ["pose", name, t] => {
                let t = match *t {
                    "0" => 0,
                    "max" => u64::MAX,
                    ms => {
                        let ms: i64 = ms.parse().unwrap_or_else(|_| panic!("bad pose time {ms}"));
                        self.now.saturating_add_signed(ms * 1000)
                    }
                };
                self.pose_at(name, t);
            }
            ["score", name, ex, reps, ms] => {
                let reps = reps.parse().unwrap_or_else(|_| panic!("bad reps"));
                let ms = ms.parse().unwrap_or_else(|_| panic!("bad ms"));
                self.score(name, ex, reps, ms);
            }
            ["react", name, r] => {
                let reaction = match *r {
                    "clap" => Reaction::Clap,
                    "cheer" => Reaction::Cheer,
                    _ => Reaction::Heart,
                };
                self.react(name, reaction);
            }
            ["control", name, action, rest @ ..] => {
                let action = match *action {
                    "start" => ControlAction::Start,
                    "pause" => ControlAction::Pause,
                    "resume" => ControlAction::Resume,
                    "skip" => ControlAction::Skip,
                    "end" => ControlAction::End,
                    "lock" => ControlAction::Lock,
                    "unlock" => ControlAction::Unlock,
                    "kick" => ControlAction::Kick,
                    "make_cohost" => ControlAction::MakeCohost,
                    other => panic!("bad action {other}"),
                };
                let target = self.target(rest.first());
                self.control(name, action, target);
            }
            ["wait", d] => self.wait(duration(d)),
            ["jump", d] => self.jump(duration(d)),
            ["timeout"] => self.timeout(),
            ["end", reason] => {
                let reason = match *reason {
                    "shutdown" => EndReason::Shutdown,
                    "room_closed" => EndReason::RoomClosed,
                    other => panic!("bad end reason {other}"),
                };
                self.end(reason);
            }
            ["show", "all"] => self.show = None,
            ["show", kinds @ ..] => {
                self.show = Some(kinds.iter().map(|k| (*k).to_owned()).collect())
            }
            ["poll"] => {
                let next = self
                    .room
                    .poll_timeout()
                    .map_or("none".to_owned(), |t| format!("@{}", self.time(t)));
                self.line(format!("next wake-up {next}"));
            }
            other => panic!("bad script line {other:?}"),
        }
    }
}
