// Local scoring of one exercise step (Rust: client-sdk/src/track.rs): the detector counts, the
// tracker reports the cumulative score whenever it grows.

import type { BreakroomClient } from './client.js';
import type { Detector, Reading } from './detect.js';
import { normalizePose, type Landmark, type PoseInput, type PoseOptions } from './pose.js';
import type { PoseModelName } from './types.js';

/** Counts one exercise step from landmarks and reports the cumulative score as it changes. */
export class Tracker {
  private reported: [number, number] = [0, 0];

  /** @internal */
  constructor(
    private readonly client: BreakroomClient,
    readonly exercise: string,
    private readonly detector: Detector,
  ) {}

  /** Sends the skeleton, counts locally, reports the score when reps or whole seconds grow. */
  update(landmarks: PoseInput, opts: PoseOptions = {}): Reading {
    const pose = normalizePose(landmarks, opts);
    this.client.sendNormalized(pose.model, pose.landmarks);
    return this.countNormalized(pose.model, pose.landmarks);
  }

  /** Like `update` without sending the skeleton: reported, but the server cannot verify it. */
  count(landmarks: PoseInput, opts: PoseOptions = {}): Reading {
    const pose = normalizePose(landmarks, opts);
    return this.countNormalized(pose.model, pose.landmarks);
  }

  /** What the detector says so far. */
  reading(): Reading {
    return this.detector.reading();
  }

  private countNormalized(model: PoseModelName, landmarks: readonly Landmark[]): Reading {
    const reading = this.detector.update(this.client.serverNow(), model, landmarks);
    const now: [number, number] = [reading.reps, Math.floor(reading.activeMs / 1000) * 1000];
    const [reps, ms] = this.reported;
    if ((now[0] !== reps || now[1] !== ms) && (now[0] > reps || now[1] > ms)) {
      this.client.reportScore(this.exercise, now[0], now[1]);
      this.reported = now;
    }
    return reading;
  }
}
