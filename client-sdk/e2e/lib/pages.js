// Opening the web app's views, each in its own browser context (own storage), with the
// recorders the tests read: traffic (requests, WebSocket frames sent), console errors and cues.
import { watchConsole, watchTraffic } from './browser.js';

/**
 * Records every cue a page shows: each value the `[data-testid=cue]` element's `data-cue-id`,
 * `data-cue-kind` and `data-shown-at` ever held, in order, with the element's text, even when
 * several cues are applied within one task (MutationObserver records keep the old values).
 * Installed before the page's own scripts run; it relies only on the DOM contract, so it
 * records an old app as faithfully as the new one.
 */
const CUE_RECORDER = () => {
  window.__cues = [];
  const ATTRS = ['data-cue-id', 'data-cue-kind', 'data-shown-at'];
  const history = new WeakMap(); // element -> { attr: [values in order] }
  const rebuild = (el, h) => {
    const ids = [...h['data-cue-id'], el.getAttribute('data-cue-id')].filter((v) => v !== null);
    const kinds = [...h['data-cue-kind'], el.getAttribute('data-cue-kind')].filter((v) => v !== null);
    const at = [...h['data-shown-at'], el.getAttribute('data-shown-at')].filter((v) => v !== null);
    const seen = new Set(window.__cues.map((c) => c.id));
    ids.forEach((id, i) => {
      if (seen.has(id)) return;
      seen.add(id);
      window.__cues.push({ id, kind: kinds[i], shownAt: Number(at[i]), seenAt: performance.timeOrigin + performance.now(), text: i === ids.length - 1 ? el.textContent : undefined });
    });
  };
  new MutationObserver((records) => {
    const touched = new Set();
    for (const r of records) {
      if (r.type !== 'attributes' || r.target.dataset?.testid !== 'cue') continue;
      let h = history.get(r.target);
      if (!h) history.set(r.target, (h = Object.fromEntries(ATTRS.map((a) => [a, []]))));
      h[r.attributeName].push(r.oldValue);
      touched.add(r.target);
    }
    for (const el of touched) rebuild(el, history.get(el));
  }).observe(document, { subtree: true, attributes: true, attributeOldValue: true, attributeFilter: ATTRS });
};

/**
 * Makes every `setTimeout` of the page run `lagMs` late, as on a main thread busy with pose
 * detection: timers fire after messages that arrived in the meantime.
 */
export const LATE_TIMERS = (lagMs) => {
  const original = window.setTimeout;
  window.setTimeout = (fn, ms, ...args) => original(fn, (Number(ms) || 0) + lagMs, ...args);
};

/** Opens a view; `lateTimersMs` makes its timers run that late (see LATE_TIMERS). */
export async function openView(browser, url, label, logs = [], { lateTimersMs = 0 } = {}) {
  const context = await browser.newContext({ viewport: { width: 1024, height: 768 } });
  const page = await context.newPage();
  watchConsole(page, label, logs);
  const traffic = watchTraffic(page);
  await page.addInitScript(CUE_RECORDER);
  if (lateTimersMs > 0) await page.addInitScript(LATE_TIMERS, lateTimersMs);
  await page.goto(url);
  try {
    await page.waitForSelector('body[data-ready="1"]', { timeout: 30000, state: 'attached' });
  } catch (e) {
    throw new Error(`${label}: ${url} never set body[data-ready=1]\n${logs.join('\n')}`);
  }
  return { page, context, traffic, label };
}

export const cuesOf = (page) => page.evaluate(() => window.__cues);

/** Polls fn() until it returns a truthy value; returns it. */
export async function until(fn, { timeout = 30000, interval = 250, what = 'condition' } = {}) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    last = await fn();
    if (last) return last;
    if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, interval));
  }
}

/** The first integer in an element's text (e.g. "Reps: 3" → 3), or NaN. */
export async function intText(page, selector) {
  const text = (await page.textContent(selector)) ?? '';
  const m = text.match(/\d+/);
  return m ? Number(m[0]) : NaN;
}

/** Requests that went anywhere but the server (data: and blob: URLs never leave the page). */
export function foreignRequests(traffic, base) {
  const host = new URL(base).host;
  return traffic.requests.filter((u) => {
    if (u.startsWith('data:') || u.startsWith('blob:')) return false;
    try { return new URL(u).host !== host; } catch { return true; }
  });
}
