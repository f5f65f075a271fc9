// Helpers of the media tests (tests/audio.test.js, tests/games.test.js): a participant page
// opened on its join form, and a fake microphone's WAV made with espeak-ng at test time.
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
