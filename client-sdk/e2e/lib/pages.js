// Opening the web app's views, each in its own browser context (own storage), with the
// recorders the tests read: traffic (requests, WebSocket frames sent), console errors and cues.
import { watchConsole, watchTraffic } from './browser.js';

/**
 * Records every cue a page shows: for each `data-cue-id`, the first `data-shown-at` seen on the
 * `[data-testid=cue]` element, with its kind. Installed before the page's own scripts run.
 */
const CUE_RECORDER = () => {
  window.__cues = [];
  const seen = new Set();
  const scan = () => {
    for (const el of document.querySelectorAll('[data-testid=cue]')) {
      const id = el.dataset.cueId;
      const at = el.dataset.shownAt;
      if (!id || !at || seen.has(id)) continue;
      seen.add(id);
      window.__cues.push({ id, kind: el.dataset.cueKind, shownAt: Number(at), seenAt: performance.timeOrigin + performance.now() });
    }
  };
  new MutationObserver(scan).observe(document, { subtree: true, childList: true, attributes: true });
};

export async function openView(browser, url, label, logs = []) {
  const context = await browser.newContext({ viewport: { width: 1024, height: 768 } });
  const page = await context.newPage();
  watchConsole(page, label, logs);
  const traffic = watchTraffic(page);
  await page.addInitScript(CUE_RECORDER);
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
