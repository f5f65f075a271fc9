//! The one summary of a session: numbers and flags per person, never keypoints.
//!
//! Everyone who was in the room while the session ran appears if they joined as a participant,
//! or if they scored (a host who joined in); viewers never do. Someone who rejoined under the
//! same user id (a new place, not a resume) appears once, with the results of all their places
//! added up. `results[i]` belongs to `program.steps[i]`.

use breakroom_protocol::validate::MAX_LISTED;
use breakroom_protocol::{
    EndReason, ExerciseResult, Micros, ParticipantSummary, Program, SessionSummary,
};

use crate::config::RoomConfig;
use crate::scores::Ledger;

/// When and how the session ended.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ending {
    pub(crate) started_at: Micros,
    pub(crate) ended_at: Micros,
    pub(crate) reason: EndReason,
}

/// Builds the summary from the ledger.
pub(crate) fn build(config: &RoomConfig, ledger: &Ledger, ending: Ending) -> SessionSummary {
    let mut participants: Vec<ParticipantSummary> = Vec::new();
    for (&p, card) in ledger.cards() {
        if !card.took_part || !(card.participant || card.has_score()) {
            continue;
        }
        let results = results(
            &config.program,
            card.steps
                .iter()
                .map(|s| (s.reps, s.points, s.active_ms, s.verified())),
        );
        match participants.iter_mut().find(|s| s.user == card.user) {
            Some(same) => {
                same.name = card.name.clone();
                same.team = card.team.clone();
                for (total, add) in same.results.iter_mut().zip(results) {
                    total.reps = total.reps.saturating_add(add.reps);
                    total.points = total.points.saturating_add(add.points);
                    total.active_ms = total.active_ms.saturating_add(add.active_ms);
                    total.verified |= add.verified;
                }
                same.flags.extend(card.flags.iter().cloned());
            }
            None => participants.push(ParticipantSummary {
                p,
                user: card.user.clone(),
                name: card.name.clone(),
                team: card.team.clone(),
                results,
                flags: card.flags.clone(),
            }),
        }
    }
    participants.truncate(MAX_LISTED);
    SessionSummary {
        session: config.session.clone(),
        room: config.code.clone(),
        program: config.program.name.clone(),
        started_at: ending.started_at,
        ended_at: ending.ended_at,
        end: ending.reason,
        participants,
    }
}

fn results(
    program: &Program,
    steps: impl Iterator<Item = (u32, u32, u32, bool)>,
) -> Vec<ExerciseResult> {
    program
        .steps
        .iter()
        .zip(steps)
        .map(
            |(step, (reps, points, active_ms, verified))| ExerciseResult {
                exercise: step.exercise.clone(),
                reps,
                points,
                active_ms,
                verified,
            },
        )
        .collect()
}
