//! Local scoring: the shared exercise detector, fed from the application's landmarks, with the
//! score reported as it changes.
//!
//! ```no_run
//! # async fn run(client: &breakroom_client::Client, frames: Vec<Vec<breakroom_client::Landmark>>)
//! # -> Result<(), breakroom_client::Error> {
//! use breakroom_client::PoseModel;
//! let mut squats = client.track("squats")?;
//! for landmarks in frames {
//!     // Sends the skeleton, counts the rep locally, reports the new count when it changes.
//!     let reading = squats.pose(PoseModel::BlazePose33, &landmarks).await?;
//!     println!("{} reps ({})", reading.reps, reading.phase);
//! }
//! # Ok(()) }
//! ```
//!
//! The detector is the very one the server runs to cross-check reports
//! (`breakroom_rooms::detect`), so an honest client and the server agree.

use breakroom_protocol::{Landmark, PoseModel};
use breakroom_rooms::detect::{Detector, Reading};

use crate::client::ClientHandle;
use crate::error::Error;

/// Counts one exercise step from landmarks and reports the cumulative score.
///
/// Make a new tracker for each exercise step (on the step's `go` cue): the server counts each
/// step from zero.
#[derive(Debug)]
pub struct Tracker {
    client: ClientHandle,
    exercise: String,
    detector: Detector,
    reported: (u32, u32),
}

impl Tracker {
    pub(crate) fn new(client: ClientHandle, exercise: &str) -> Result<Tracker, Error> {
        let detector = Detector::for_exercise(exercise)
            .ok_or_else(|| Error::UnknownExercise(exercise.to_owned()))?;
        Ok(Tracker {
            client,
            exercise: exercise.to_owned(),
            detector,
            reported: (0, 0),
        })
    }

    /// The exercise tracked.
    pub fn exercise(&self) -> &str {
        &self.exercise
    }

    /// What the detector says so far.
    pub fn reading(&self) -> Reading {
        self.detector.reading()
    }

    /// Feeds one frame of the application's pose model: sends the skeleton to the room,
    /// updates the local count, and reports the score when it changed.
    pub async fn pose(
        &mut self,
        model: PoseModel,
        landmarks: &[Landmark],
    ) -> Result<Reading, Error> {
        self.client.send_pose(model, landmarks)?;
        self.count(model, landmarks).await
    }

    /// Like [`Tracker::pose`] without sending the skeleton (camera frames kept private):
    /// the score is reported, but the server cannot verify it.
    pub async fn count(
        &mut self,
        model: PoseModel,
        landmarks: &[Landmark],
    ) -> Result<Reading, Error> {
        let reading = self
            .detector
            .update(self.client.server_now(), model, landmarks);
        let now = (reading.reps, reading.active_ms / 1000 * 1000);
        if now != self.reported && (now.0 > self.reported.0 || now.1 > self.reported.1) {
            self.client
                .report_score(&self.exercise, now.0, now.1)
                .await?;
            self.reported = now;
        }
        Ok(reading)
    }
}
