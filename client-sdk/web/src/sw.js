// The service worker: caches the app shell so the pages open fast and offline. The API (/v1/),
// the WebSocket and MediaPipe's large files always go to the network.
const VERSION = '%VERSION%';
const CACHE = 'breakroom-shell-' + VERSION;
const SHELL = "%SHELL%";
const PAGES = /^\/($|host$|join(\/|$)|view(\/|$))/;

// No stale-cache trap: every build has its own VERSION (a hash of its index.html and shell),
// the page registers this worker with `updateViaCache: 'none'` (the browser always asks the
// server for sw.js), the shell is fetched past the HTTP cache (`cache: 'reload'`), a new worker
// takes over at once and deletes the caches of older builds, and pages always come from the
// network first: the cached shell is only for when the server cannot be reached.
self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((c) => c.addAll(SHELL.map((url) => new Request(url, { cache: 'reload' }))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith('breakroom-shell-') && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (req.method !== 'GET' || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/v1/') || url.pathname === '/v1') return; // never cached
  if (url.pathname.startsWith('/mediapipe/')) return;
  if (req.mode === 'navigate' && PAGES.test(url.pathname)) {
    // Pages: the network first (a new build shows at once), the cached shell offline.
    event.respondWith(fetch(req).catch(() => caches.match('/')));
    return;
  }
  if (SHELL.includes(url.pathname)) {
    event.respondWith(caches.match(url.pathname).then((hit) => hit || fetch(req)));
  }
});
