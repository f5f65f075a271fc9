//! The live scoreboard: what it shows and how often it is sent.
//!
//! The ranking lists everyone in the room who takes part (participants, and hosts once they
//! scored), best first with ties by participant id; the total and team totals sum the ranking.
//! The [`Pacer`] sends it at most once per interval and only when it changed: a change within
//! the interval is sent once, at the interval's end.

use std::collections::BTreeMap;

use breakroom_protocol::{Micros, Role, ScoreEntry, Scoreboard, TeamScore};

use crate::members::Roster;
use crate::scores::Ledger;

/// The scoreboard of the people now in the room.
pub(crate) fn compute(roster: &Roster, ledger: &Ledger) -> Scoreboard {
    let mut ranking = Vec::new();
    let mut teams: BTreeMap<&str, u32> = BTreeMap::new();
    for place in roster.places().filter(|p| p.role != Role::Viewer) {
        let Some(card) = ledger.card(place.id) else {
            continue;
        };
        if place.role != Role::Participant && !card.has_score() {
            continue;
        }
        let (points, reps, active_ms) = card.totals();
        if let Some(team) = &place.team {
            let t = teams.entry(team.as_str()).or_default();
            *t = t.saturating_add(points);
        }
        ranking.push(ScoreEntry {
            p: place.id,
            points,
            reps,
            active_ms,
            verified: card.verified(),
        });
    }
    ranking.sort_by(|a, b| b.points.cmp(&a.points).then(a.p.cmp(&b.p)));
    let total = ranking.iter().fold(0u32, |t, e| t.saturating_add(e.points));
    let mut teams: Vec<TeamScore> = teams
        .into_iter()
        .map(|(team, points)| TeamScore {
            team: team.to_owned(),
            points,
        })
        .collect();
    teams.sort_by(|a, b| b.points.cmp(&a.points).then_with(|| a.team.cmp(&b.team)));
    Scoreboard {
        ranking,
        total,
        teams,
    }
}

/// Rate limit and change detection for scoreboard messages.
#[derive(Debug, Clone, Default)]
pub(crate) struct Pacer {
    last: Scoreboard,
    last_sent_at: Option<Micros>,
    pending: Option<Micros>,
}

impl Pacer {
    /// Something that may change the scoreboard happened at `now`. Returns whether to offer a
    /// scoreboard right away; otherwise one is scheduled (see [`Self::pending`]). With `defer`,
    /// nothing is offered right away: what would be is scheduled at `now` instead, for the host
    /// to move to its next tick.
    pub(crate) fn touch(&mut self, now: Micros, interval: u64, defer: bool) -> bool {
        if self.pending.is_some() {
            return false;
        }
        match self.last_sent_at {
            Some(t) if now < t.saturating_add(interval) => {
                self.pending = Some(t.saturating_add(interval));
                false
            }
            _ if defer => {
                self.pending = Some(now);
                false
            }
            _ => true,
        }
    }

    /// When a scheduled scoreboard is due.
    pub(crate) fn pending(&self) -> Option<Micros> {
        self.pending
    }

    /// Offers the current scoreboard at `now`; returns it if it must be sent.
    pub(crate) fn offer(&mut self, now: Micros, board: Scoreboard) -> Option<Scoreboard> {
        self.pending = None;
        if board == self.last {
            return None;
        }
        self.last = board.clone();
        self.last_sent_at = Some(now);
        Some(board)
    }

    /// Cancels anything scheduled (the room closed).
    pub(crate) fn cancel(&mut self) {
        self.pending = None;
    }
}
