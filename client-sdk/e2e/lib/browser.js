// Headless Debian Chromium through playwright-core (no browser download).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { ARTIFACTS, CHROMIUM, FAKE_CAMERA } from './env.js';

// What works on these machines (closed network, root): see README.md.
export const BASE_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function cameraFlags(file = FAKE_CAMERA) {
  return [
    '--use-fake-ui-for-media-stream',
    '--use-fake-device-for-media-stream',
    `--use-file-for-fake-video-capture=${file}`,
  ];
}

/**
 * Launches Chromium. playwright-core gives every launch a new empty profile (user-data-dir) of
 * its own. `camera: true` adds the fake-camera flags (the squat clip loops as the camera).
 */
export async function launchBrowser({ camera = false, extraArgs = [] } = {}) {
  const args = [...BASE_FLAGS, ...(camera ? cameraFlags() : []), ...extraArgs];
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args });
}

/** Saves a screenshot to artifacts/<test>/<name>.png and returns its path. */
export async function snap(page, test, name) {
  const dir = join(ARTIFACTS, test);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Collects console errors and page errors of a page, for failure messages. */
export function watchConsole(page, label, sink = []) {
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') sink.push(`[${label}] ${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => sink.push(`[${label}] pageerror: ${e.message}`));
  return sink;
}

/**
 * Records every request the page's context makes (the page, its workers and service worker) and
 * every WebSocket frame the page sends. Use one context per page.
 * Returns { requests: [url], frames: [Buffer|string], sockets: [url] }.
 */
export function watchTraffic(page) {
  const seen = { requests: [], frames: [], sockets: [] };
  // On the context, so that requests of the page's service worker are seen too.
  page.context().on('request', (r) => seen.requests.push(r.url()));
  page.on('websocket', (ws) => {
    seen.sockets.push(ws.url());
    ws.on('framesent', (f) => seen.frames.push(f.payload));
  });
  return seen;
}
