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

/** Null when the fake-camera clip exists; otherwise fails (or, if allowed, why to skip). */
export function cameraMissing() {
  if (!existsSync(FAKE_CAMERA)) return missing(`fake camera file ${FAKE_CAMERA} is missing`);
  return null;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
