//! `breakroom reach`: the reach game's targets for some seeds, or the hits a recording scores
//! on them, as JSON lines, so another implementation (the TypeScript SDK's
//! `games/reach.ts`) can be held to [`breakroom_rooms::detect::reach`].

use serde::Serialize;

use breakroom_rooms::detect::reach::{Game, HitCounter, Target, targets};

use super::Recording;

/// What `breakroom reach` prints for one seed.
#[derive(Debug, Serialize)]
pub struct SeedOutcome {
    /// The seed.
    pub seed: u32,
    /// Its first targets.
    pub targets: Vec<Target>,
    /// With a recording: the index of each frame at which a device's game hits its target.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hits: Option<Vec<usize>>,
    /// With a recording: the hits the server's cross-check counts from the same frames.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_hits: Option<u32>,
}

/// The first `count` targets of `seed`, and with a recording, the game played on its frames.
pub fn run(seed: u32, count: usize, recording: Option<&Recording>) -> SeedOutcome {
    let mut outcome = SeedOutcome {
        seed,
        targets: targets(seed, count),
        hits: None,
        server_hits: None,
    };
    if let Some(recording) = recording {
        let mut game = Game::new(seed);
        let mut counter = HitCounter::new(seed);
        let mut hits = Vec::new();
        for (i, frame) in recording.frames.iter().enumerate() {
            let landmarks = frame.landmarks();
            if game.update(recording.model, &landmarks) {
                hits.push(i);
            }
            counter.update(frame.t_us, recording.model, &landmarks);
        }
        outcome.hits = Some(hits);
        outcome.server_hits = Some(counter.hits());
    }
    outcome
}
