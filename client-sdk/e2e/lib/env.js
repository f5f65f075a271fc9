// Paths and switches shared by the tests.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const E2E_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const REPO_ROOT = resolve(E2E_DIR, '..', '..');
export const ARTIFACTS = join(E2E_DIR, 'artifacts');
export const FIXTURES = join(E2E_DIR, 'fixtures');
export const FAKE_CAMERA = process.env.BREAKROOM_E2E_CAMERA || join(E2E_DIR, 'media', 'squats.y4m');
export const WEB_DIST = process.env.BREAKROOM_WEB_DIR || join(REPO_ROOT, 'client-sdk', 'web', 'dist');
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/**
 * A missing prerequisite fails the suite: a test that skips checks nothing. Only with
 * BREAKROOM_E2E_ALLOW_SKIP=1 (while developing one part) does it become a skip reason.
 */
function missing(reason) {
  if (process.env.BREAKROOM_E2E_ALLOW_SKIP === '1') return reason;
  throw new Error(`${reason} (run bash .ci/browser-setup)`);
}

/** Null when the web app is built; otherwise fails (or, if allowed, why the tests skip). */
export function webAppMissing() {
  if (!existsSync(join(WEB_DIST, 'index.html'))) {
    return missing(`web app not built: ${join(WEB_DIST, 'index.html')} is missing`);
  }
  return null;
}

/** Where the pose recordings are: $BREAKROOM_POSE_DATA, else ../shared/data/pose beside the repository. */
export const POSE_DATA = process.env.BREAKROOM_POSE_DATA || resolve(REPO_ROOT, '..', 'shared', 'data', 'pose');
/** The third-party squat clip the fake camera plays (not in the repository; README "The clip"). */
export const SQUAT_CLIP = join(POSE_DATA, 'tfjs-models', 'pose_squats.mp4');

/** Null when the fake-camera clip exists; otherwise fails (or, if allowed, why to skip). */
export function cameraMissing() {
  if (existsSync(FAKE_CAMERA)) return null;
  if (!existsSync(SQUAT_CLIP)) {
    return missing(`fake camera file ${FAKE_CAMERA} is missing, and so is the squat clip it is made from: put pose_squats.mp4 ` +
      'from tensorflow/tfjs-models (pose-detection/test_data/, Apache-2.0) at ' +
      `${SQUAT_CLIP} (../shared/data/pose/tfjs-models/ beside the checkout, or set BREAKROOM_POSE_DATA)`);
  }
  return missing(`fake camera file ${FAKE_CAMERA} is missing (it is made from ${SQUAT_CLIP})`);
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
