//! Cue scheduling: a running program laid out in absolute server time.
//!
//! A [`Plan`] is built when the session starts (or skips to a step): a list of phase segments
//! and the sorted list of cues, each with its instant `at`. The room sends each cue `lead_us`
//! before its instant and changes phase at each segment's end.
//!
//! Time only ever moves the not-yet-happened part of the plan later, never earlier: a pause
//! shifts everything after the pause instant; a late wake-up (the host called in after a cue's
//! send time) shifts the late cue and everything after it by the delay, so a cue is never sent
//! with less than `lead_us` to spare. Shifting a suffix by the same amount keeps the cues sorted,
//! so ids (assigned in `at` order) stay increasing in `at`.

use breakroom_protocol::{Cue, CueKind, Micros, Phase, Program};

use crate::catalogue::{Catalogue, Input};
use crate::detect::reach;

/// One phase of the plan, ending at `end` (`None` for the final results phase).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Segment {
    /// Countdown, exercise, rest or results.
    pub(crate) phase: Phase,
    /// The program step it belongs to.
    pub(crate) step: u16,
    /// When it ends (server time).
    pub(crate) end: Option<Micros>,
}

/// The remaining program from some step on, in absolute time.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    segments: Vec<Segment>,
    current: usize,
    cues: Vec<Cue>,
    /// Index of the next cue to send.
    next_cue: usize,
}

fn ms(v: u32) -> u64 {
    u64::from(v) * 1000
}

fn step16(i: usize) -> u16 {
    // Programs have at most 32 steps (checked in `config::check`).
    u16::try_from(i).unwrap_or(u16::MAX)
}

/// The seed of step `step`'s game, when its exercise is one that needs a seed.
pub(crate) fn game_seed(
    session: &str,
    program: &Program,
    catalogue: &Catalogue,
    step: usize,
) -> Option<u32> {
    let exercise = catalogue.get(&program.steps.get(step)?.exercise)?;
    match exercise.input {
        Input::Reach => Some(reach::step_seed(session, step16(step))),
        Input::Pose | Input::Sound => None,
    }
}

struct Builder {
    cues: Vec<Cue>,
}

impl Builder {
    fn cue(
        &mut self,
        kind: CueKind,
        at: Micros,
        step: usize,
        exercise: Option<&str>,
        n: Option<u32>,
    ) {
        let exercise = exercise.map(str::to_owned);
        self.cues.push(Cue {
            id: 0,
            kind,
            at,
            step: step16(step),
            exercise,
            n,
            seed: None,
        });
    }

    /// 3, 2, 1 over the `countdown` before `go`, leaving out numbers before `floor`.
    fn countdown(&mut self, go: Micros, countdown: u64, floor: Micros, step: usize, ex: &str) {
        if countdown == 0 {
            return;
        }
        let third = countdown / 3;
        for n in (1..=3u32).rev() {
            let at = go.saturating_sub(third * u64::from(n));
            if at >= floor {
                self.cue(CueKind::Countdown, at, step, Some(ex), Some(n));
            }
        }
    }
}

impl Plan {
    /// Lays out the program from step `from` on, starting at `now`: a countdown whose first
    /// number is at `now + lead`, then each exercise and rest. Cue ids start at `first_id`.
    ///
    /// `from` must be a valid step index; a plan past the last step is just results.
    pub(crate) fn build(
        program: &Program,
        from: usize,
        now: Micros,
        lead: u64,
        countdown: u64,
        first_id: u32,
    ) -> Plan {
        let steps = &program.steps;
        let last = steps.len().saturating_sub(1);
        let mut b = Builder { cues: Vec::new() };
        let mut segments = Vec::new();
        let Some(first) = steps.get(from) else {
            let results = Segment {
                phase: Phase::Results,
                step: step16(last),
                end: None,
            };
            return Plan {
                segments: vec![results],
                current: 0,
                cues: Vec::new(),
                next_cue: 0,
            };
        };
        let mut go = now.saturating_add(lead).saturating_add(countdown);
        segments.push(Segment {
            phase: Phase::Countdown,
            step: step16(from),
            end: Some(go),
        });
        b.countdown(
            go,
            countdown,
            now.saturating_add(lead),
            from,
            &first.exercise,
        );
        for (i, step) in steps.iter().enumerate().skip(from) {
            let duration = ms(step.duration_ms);
            let end = go.saturating_add(duration);
            segments.push(Segment {
                phase: Phase::Exercise,
                step: step16(i),
                end: Some(end),
            });
            b.cue(CueKind::Go, go, i, Some(&step.exercise), None);
            if let Some(bpm) = step.bpm.filter(|b| *b > 0) {
                let period = 60_000_000 / u64::from(bpm);
                let mut n = 1u32;
                while go.saturating_add(period * u64::from(n)) < end {
                    b.cue(CueKind::Beat, go + period * u64::from(n), i, None, Some(n));
                    n += 1;
                }
            }
            b.cue(
                CueKind::Halfway,
                go.saturating_add(duration / 2),
                i,
                Some(&step.exercise),
                None,
            );
            let Some(next) = steps.get(i + 1) else {
                b.cue(CueKind::Done, end, i, None, None);
                segments.push(Segment {
                    phase: Phase::Results,
                    step: step16(i),
                    end: None,
                });
                break;
            };
            let rest = ms(step.rest_ms);
            go = end.saturating_add(rest);
            if rest > 0 {
                segments.push(Segment {
                    phase: Phase::Rest,
                    step: step16(i),
                    end: Some(go),
                });
                b.cue(CueKind::Rest, end, i, None, None);
                b.cue(CueKind::NextUp, end, i + 1, Some(&next.exercise), None);
                b.countdown(go, countdown, end, i + 1, &next.exercise);
            }
        }
        // Stable: cues at the same instant keep their logical order (rest before next-up).
        b.cues.sort_by_key(|c| c.at);
        let mut id = first_id;
        for cue in &mut b.cues {
            cue.id = id;
            id = id.saturating_add(1);
        }
        Plan {
            segments,
            current: 0,
            cues: b.cues,
            next_cue: 0,
        }
    }

    /// Puts each game step's seed on every cue of the step ([`crate::detect::reach::step_seed`]
    /// for the reach game), so every device and the server play the same game.
    pub(crate) fn seed_games(&mut self, session: &str, program: &Program, catalogue: &Catalogue) {
        for cue in &mut self.cues {
            cue.seed = game_seed(session, program, catalogue, usize::from(cue.step));
        }
    }

    /// How many cues the plan holds.
    pub(crate) fn cue_count(&self) -> usize {
        self.cues.len()
    }

    /// The id after the plan's last cue.
    pub(crate) fn next_id(&self) -> Option<u32> {
        self.cues.last().map(|c| c.id.saturating_add(1))
    }

    /// The phase the plan is in.
    pub(crate) fn current(&self) -> &Segment {
        // `build` always creates at least one segment and `advance` never moves past the last.
        &self.segments[self.current]
    }

    /// Moves to the next phase; returns it, or `None` at the last one.
    pub(crate) fn advance(&mut self) -> Option<&Segment> {
        if self.current + 1 >= self.segments.len() {
            return None;
        }
        self.current += 1;
        Some(&self.segments[self.current])
    }

    /// When the next cue must be sent: `lead` before its instant.
    pub(crate) fn next_send(&self, lead: u64) -> Option<Micros> {
        self.cues
            .get(self.next_cue)
            .map(|c| c.at.saturating_sub(lead))
    }

    /// Takes the next cue to send at `now`. If the send is late (less than `lead` before its
    /// instant), the cue and everything after it shift so that it lands at `now + lead`.
    pub(crate) fn take_cue(&mut self, now: Micros, lead: u64) -> Option<Cue> {
        let at = self.cues.get(self.next_cue)?.at;
        let earliest = now.saturating_add(lead);
        if at < earliest {
            self.shift(self.next_cue, at, earliest - at);
        }
        let cue = self.cues.get(self.next_cue).cloned();
        self.next_cue += 1;
        cue
    }

    /// Resumes after a pause that began at `paused_at`: everything after that instant moves
    /// later by the paused time, and more if needed so nothing lands before `now + lead`.
    /// Cues after `paused_at` that were already sent are sent again with their new instants.
    pub(crate) fn resume(&mut self, paused_at: Micros, now: Micros, lead: u64) {
        let first = self.cues.partition_point(|c| c.at <= paused_at);
        let paused = now.saturating_sub(paused_at);
        let needed = self
            .cues
            .get(first)
            .map_or(0, |c| now.saturating_add(lead).saturating_sub(c.at));
        self.shift(first, paused_at.saturating_add(1), paused.max(needed));
        self.next_cue = first;
    }

    /// Moves cues from index `first_cue` on, and phase ends at or after `from`, by `delta`.
    fn shift(&mut self, first_cue: usize, from: Micros, delta: u64) {
        for cue in self.cues.iter_mut().skip(first_cue) {
            cue.at = cue.at.saturating_add(delta);
        }
        for seg in self.segments.iter_mut().skip(self.current) {
            if let Some(end) = seg.end.as_mut().filter(|e| **e >= from) {
                *end = end.saturating_add(delta);
            }
        }
    }

    /// The cues whose instant is still ahead of `now`, in order.
    pub(crate) fn upcoming(&self, now: Micros) -> Vec<Cue> {
        let first = self.cues.partition_point(|c| c.at <= now);
        self.cues[first..].to_vec()
    }
}

#[cfg(test)]
mod tests {
    use breakroom_protocol::Step;

    use super::*;

    fn program(steps: &[(u32, u32, Option<u16>)]) -> Program {
        let steps = steps
            .iter()
            .map(|&(duration_ms, rest_ms, bpm)| Step {
                exercise: "squats".into(),
                duration_ms,
                rest_ms,
                bpm,
            })
            .collect();
        Program {
            name: "p".into(),
            steps,
        }
    }

    fn describe(plan: &Plan) -> String {
        let cues: Vec<String> = plan
            .cues
            .iter()
            .map(|c| {
                format!(
                    "{}:{:?}{}@{}",
                    c.id,
                    c.kind,
                    c.n.map_or(String::new(), |n| n.to_string()),
                    c.at / 1000
                )
            })
            .collect();
        let segs: Vec<String> = plan
            .segments
            .iter()
            .map(|s| {
                format!(
                    "{:?}{}..{}",
                    s.phase,
                    s.step,
                    s.end.map_or("".into(), |e| (e / 1000).to_string())
                )
            })
            .collect();
        format!("{}\n{}", segs.join(" "), cues.join(" "))
    }

    #[test]
    fn lays_out_countdown_exercise_rest_and_done() {
        let program = program(&[(4_000, 5_000, Some(60)), (4_000, 9_000, None)]);
        let plan = Plan::build(&program, 0, 0, 300_000, 3_000_000, 1);
        assert_eq!(
            describe(&plan),
            "Countdown0..3300 Exercise0..7300 Rest0..12300 Exercise1..16300 Results1..\n\
             1:Countdown3@300 2:Countdown2@1300 3:Countdown1@2300 4:Go@3300 5:Beat1@4300 \
             6:Beat2@5300 7:Halfway@5300 8:Beat3@6300 9:Rest@7300 10:NextUp@7300 \
             11:Countdown3@9300 12:Countdown2@10300 13:Countdown1@11300 14:Go@12300 \
             15:Halfway@14300 16:Done@16300"
        );
    }

    #[test]
    fn short_rests_keep_only_the_countdown_that_fits() {
        let plan = Plan::build(
            &program(&[(2_000, 1_500, None), (2_000, 0, None)]),
            0,
            0,
            0,
            3_000_000,
            1,
        );
        assert_eq!(
            describe(&plan),
            "Countdown0..3000 Exercise0..5000 Rest0..6500 Exercise1..8500 Results1..\n\
             1:Countdown3@0 2:Countdown2@1000 3:Countdown1@2000 4:Go@3000 5:Halfway@4000 \
             6:Rest@5000 7:NextUp@5000 8:Countdown1@5500 9:Go@6500 10:Halfway@7500 11:Done@8500"
        );
    }

    #[test]
    fn late_send_and_resume_shift_the_rest() {
        let mut plan = Plan::build(&program(&[(2_000, 0, None)]), 0, 0, 300_000, 0, 1);
        assert_eq!(plan.next_send(300_000), Some(0));
        let go = plan.take_cue(50_000, 300_000).expect("go");
        assert_eq!(go.at, 350_000);
        assert_eq!(plan.current().end, Some(350_000));
        plan.resume(400_000, 900_000, 300_000);
        assert_eq!(
            describe(&plan),
            "Countdown0..350 Exercise0..2850 Results0..\n1:Go@350 2:Halfway@1850 3:Done@2850"
        );
    }
}
