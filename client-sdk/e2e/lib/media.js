// Helpers of the media tests (tests/audio.test.js, tests/games.test.js): a participant page
// opened on its join form, and a fake microphone's WAV made with espeak-ng at test time.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { watchConsole, watchTraffic } from './browser.js';

/** Opens `/join/CODE` without a name, in its own context: the page waits on its join form. */
export async function openJoinForm(browser, url, label, logs = [], { viewport = { width: 1024, height: 768 } } = {}) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  watchConsole(page, label, logs);
  const traffic = watchTraffic(page);
  await page.goto(url);
  await page.waitForSelector('[data-testid=join]', { timeout: 30000 });
  return { page, context, traffic, label };
}

/**
 * Writes a 48 kHz mono WAV of espeak-ng saying "ha" `n` times (450 ms apart), with 1 s of
 * silence before and after: the fake microphone's file (made at test time, never committed).
 */
export function makeSyllablesWav(path, n, { gapMs = 450, voice = 'en-us' } = {}) {
  const raw = `${path}.espeak.wav`;
  const ssml = `<speak>${Array.from({ length: n }, () => 'ha').join(`<break time="${gapMs}ms"/>`)}</speak>`;
  run('espeak-ng', ['-v', voice, '-s', '140', '-m', '-w', raw, ssml]);
  run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-t', '1', '-i', 'anullsrc=r=48000:cl=mono', '-i', raw,
    '-filter_complex', '[1:a]aresample=48000,aformat=channel_layouts=mono[s];[0:a][s]concat=n=2:v=0:a=1,apad=pad_dur=1',
    '-c:a', 'pcm_s16le', '-ar', '48000', path]);
  rmSync(raw, { force: true });
  return path;
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error) throw new Error(`${cmd} is needed (run bash .ci/browser-setup): ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr}`);
}

/**
 * Counts onsets in a 16-bit PCM WAV with the rule the page runs (client-sdk/web/src/mic.ts):
 * 10 ms RMS envelope in dBFS, an onset when it rises through −30 dB after falling below −40 dB,
 * 120 ms apart at least. Checks the test's own file, independently of the page.
 */
export function countOnsetsInWav(path) {
  const b = readFileSync(path);
  let o = 12;
  let rate = 0;
  let data = null;
  while (o + 8 <= b.length) {
    const id = b.toString('ascii', o, o + 4);
    const size = b.readUInt32LE(o + 4);
    if (id === 'fmt ') rate = b.readUInt32LE(o + 12);
    if (id === 'data') { data = b.subarray(o + 8, o + 8 + size); break; }
    o += 8 + size;
  }
  if (!data || !rate) throw new Error(`${path}: not a PCM WAV`);
  const win = Math.round(0.01 * rate);
  let sum = 0, k = 0, armed = true, last = -Infinity, count = 0;
  for (let i = 0; i < data.length / 2; i++) {
    const x = data.readInt16LE(i * 2) / 32768;
    sum += x * x;
    if (++k < win) continue;
    const db = 10 * Math.log10(sum / k + 1e-12);
    const t = i / rate;
    sum = 0;
    k = 0;
    if (db < -40) armed = true;
    else if (armed && db >= -30 && t - last >= 0.12) { armed = false; last = t; count++; }
  }
  return count;
}

/** Keeps every stream getUserMedia hands the page on window.__streams (to check they end). */
export const KEEP_STREAMS = () => {
  window.__streams = [];
  const md = navigator.mediaDevices;
  if (!md?.getUserMedia) return;
  const original = md.getUserMedia.bind(md);
  md.getUserMedia = async (c) => {
    const s = await original(c);
    window.__streams.push(s);
    return s;
  };
};

/**
 * Opens a participant's page in its own context (`viewport`, init scripts run before the app's
 * own) and waits until it has joined (body[data-ready=1]).
 */
export async function openStage(browser, url, label, logs = [], { viewport = { width: 1024, height: 768 }, init = [] } = {}) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  watchConsole(page, label, logs);
  const traffic = watchTraffic(page);
  for (const f of init) await page.addInitScript(f);
  await page.goto(url);
  try {
    await page.waitForSelector('body[data-ready="1"]', { timeout: 30000, state: 'attached' });
  } catch {
    throw new Error(`${label}: ${url} never set body[data-ready=1]\n${logs.join('\n')}`);
  }
  return { page, context, traffic, label };
}

/**
 * The layout of a page: its widths (document and viewport, to see horizontal overflow) and the
 * box of each selector's first visible element (null when there is none), in viewport pixels.
 */
export function layoutOf(page, selectors) {
  return page.evaluate((sels) => {
    const boxes = {};
    for (const s of sels) {
      const el = [...document.querySelectorAll(s)].find((e) => e.getClientRects().length > 0);
      const r = el?.getBoundingClientRect();
      boxes[s] = r ? { top: Math.round(r.top), bottom: Math.round(r.bottom), left: Math.round(r.left), right: Math.round(r.right) } : null;
    }
    return { scrollWidth: document.documentElement.scrollWidth, width: window.innerWidth, height: window.innerHeight, scrollY: window.scrollY, boxes };
  }, selectors);
}

/** Asserts no horizontal overflow, and each selector's box inside the first screen. */
export async function assertOnScreen(assert, page, what, selectors) {
  const l = await layoutOf(page, selectors);
  assert.ok(l.scrollWidth <= l.width, `${what}: the page is ${l.scrollWidth} px wide on a ${l.width} px screen`);
  for (const s of selectors) {
    const b = l.boxes[s];
    assert.ok(b, `${what}: ${s} is shown`);
    assert.ok(b.top >= 0 && b.bottom <= l.height && b.left >= 0 && b.right <= l.width, `${what}: ${s} on the first screen (${JSON.stringify(b)} in ${l.width}x${l.height}, scrolled ${l.scrollY})`);
  }
  return l;
}
