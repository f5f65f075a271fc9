// Builds the web app into dist/: the bundled app (with the TypeScript SDK bundled from source,
// ../js/src/index.ts) under hashed names in dist/assets/, index.html pointing at them,
// MediaPipe Pose's files copied to dist/mediapipe/ (served locally, never from a CDN), the
// manifest, the icons and a service worker caching the app shell.
//
//   npm run build            # once
//   npm run build -- --watch # rebuild on change

import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';
import * as esbuild from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, 'dist');
const sdk = join(here, '..', 'js', 'src', 'index.ts');
const watch = process.argv.includes('--watch');

if (!existsSync(sdk)) {
  console.error(`The TypeScript SDK is missing: ${sdk} (client-sdk/js) must exist.`);
  process.exit(1);
}

rmSync(dist, { recursive: true, force: true });
mkdirSync(join(dist, 'assets'), { recursive: true });

// MediaPipe Pose: its loader script, WebAssembly, models and packed assets, as they are.
const mediapipe = join(here, 'node_modules', '@mediapipe', 'pose');
if (!existsSync(join(mediapipe, 'pose.js'))) {
  console.error('@mediapipe/pose is not installed: run `npm --prefix client-sdk/web ci` first.');
  process.exit(1);
}
mkdirSync(join(dist, 'mediapipe'));
for (const f of readdirSync(mediapipe)) {
  if (/\.(js|wasm|tflite|binarypb|data)$/.test(f)) cpSync(join(mediapipe, f), join(dist, 'mediapipe', f));
}

// Static files: the manifest and the SVG icon.
cpSync(join(here, 'public'), dist, { recursive: true });
writeFileSync(join(dist, 'icon-192.png'), icon(192));
writeFileSync(join(dist, 'icon-512.png'), icon(512));

const options = {
  entryPoints: { app: join(here, 'src', 'main.ts') },
  absWorkingDir: here,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['es2022'],
  outdir: join(dist, 'assets'),
  entryNames: '[name]-[hash]',
  assetNames: '[name]-[hash]',
  minify: !watch,
  sourcemap: true,
  metafile: true,
  // The SDK's own dependencies resolve from its node_modules when installed, else from ours.
  nodePaths: [join(here, 'node_modules')],
  // The SDK's Node-only WebSocket is never used in a browser.
  external: ['ws', 'node:*'],
  define: { 'process.env.NODE_ENV': '"production"' },
  logLevel: 'info',
  plugins: [
    {
      name: 'pages',
      setup: (b) =>
        b.onEnd((r) => {
          if (r.errors.length === 0) pages(r.metafile);
        }),
    },
  ],
};

if (watch) {
  const ctx = await esbuild.context(options);
  await ctx.watch();
} else {
  await esbuild.build(options);
}

/** Writes index.html and sw.js for the outputs of a build. */
function pages(metafile) {
  const outputs = Object.keys(metafile.outputs).map((f) => '/' + relative(dist, join(here, f)).split('\\').join('/'));
  const js = outputs.find((f) => f.endsWith('.js'));
  const css = outputs.find((f) => f.endsWith('.css'));
  const html = readFileSync(join(here, 'src', 'index.html'), 'utf8')
    .replace('%APP_JS%', js)
    .replace('%APP_CSS%', css ?? '');
  writeFileSync(join(dist, 'index.html'), html);
  // The shell: what the pages need to open offline. MediaPipe's files (tens of MB) and the
  // API are left to the network.
  const shell = ['/', '/manifest.webmanifest', '/icon.svg', '/icon-192.png', '/icon-512.png', js, css].filter(Boolean);
  const version = createHash('sha256').update(html).update(shell.join()).digest('hex').slice(0, 12);
  const sw = readFileSync(join(here, 'src', 'sw.js'), 'utf8')
    .replace('%VERSION%', version)
    .replace('"%SHELL%"', JSON.stringify(shell));
  writeFileSync(join(dist, 'sw.js'), sw);
  console.log(`index.html → ${js}${css ? ', ' + css : ''}; sw.js ${version}`);
}

/** A square PNG icon: the brand colour with a light ring (no image library needed). */
function icon(size) {
  const raw = Buffer.alloc((size * 4 + 1) * size);
  const c = size / 2;
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0; // filter: none
    for (let x = 0; x < size; x++) {
      const d = Math.hypot(x + 0.5 - c, y + 0.5 - c) / c;
      const ring = d > 0.42 && d < 0.62;
      const dot = d < 0.18;
      const o = y * (size * 4 + 1) + 1 + x * 4;
      const [r, g, b] = ring || dot ? [0xf5, 0xf7, 0xfa] : [0x0b, 0x5f, 0x8a];
      raw[o] = r;
      raw[o + 1] = g;
      raw[o + 2] = b;
      raw[o + 3] = 255;
    }
  }
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function crc32(buf) {
  let c = ~0;
  for (const byte of buf) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}
