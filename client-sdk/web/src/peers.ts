// Others' skeletons, from the `poses` events: each keypoint block decoded to landmarks and drawn
// in its own tile with the person's name. Nothing but landmarks ever arrives here.

import { unpackKeypoints } from './sdk';
import { type Client, type Room, h } from './ui';
import { type Landmark, colorOf, drawSkeleton, fitCanvas } from './skeleton';

/** Decodes a keypoint block (PROTOCOL.md "Keypoint block") with the SDK's decoder. */
export function decodeBlock(kp: Uint8Array): Landmark[] | null {
  try {
    return unpackKeypoints(kp).landmarks;
  } catch {
    return null;
  }
}

interface Tile {
  el: HTMLElement;
  canvas: HTMLCanvasElement;
  label: HTMLElement;
  landmarks: Landmark[] | null;
  seen: number;
}

/** Keeps a tile per visible peer in `container`, redrawn on every animation frame. */
export function renderPeers(client: Client, room: Room, container: HTMLElement, opts: { skipSelf?: boolean } = {}): void {
  const tiles = new Map<number, Tile>();
  const tile = (p: number): Tile => {
    let t = tiles.get(p);
    if (!t) {
      const canvas = h('canvas', { class: 'peer-canvas', role: 'img', 'aria-label': room.name(p) });
      const label = h('span', { class: 'peer-name' }, room.name(p));
      const el = h('figure', { class: 'peer', 'data-testid': 'peer', 'data-p': p }, canvas, h('figcaption', {}, label));
      container.append(el);
      t = { el, canvas, label, landmarks: null, seen: 0 };
      tiles.set(p, t);
    }
    return t;
  };
  client.on('poses', (m) => {
    const now = performance.now();
    for (const pp of m.poses) {
      if (opts.skipSelf && pp.p === room.you) continue;
      const landmarks = decodeBlock(pp.kp);
      if (!landmarks) continue;
      const t = tile(pp.p);
      t.landmarks = landmarks;
      t.seen = now;
    }
  });
  room.on(() => {
    for (const [p, t] of tiles) {
      if (!room.participants.has(p)) {
        t.el.remove();
        tiles.delete(p);
      } else {
        t.label.textContent = room.name(p);
        t.canvas.setAttribute('aria-label', room.name(p));
      }
    }
  });
  const draw = () => {
    const now = performance.now();
    for (const [p, t] of tiles) {
      const ctx = fitCanvas(t.canvas);
      ctx.clearRect(0, 0, t.canvas.width, t.canvas.height);
      const stale = now - t.seen > 2000;
      t.el.classList.toggle('stale', stale);
      if (t.landmarks && !stale) {
        drawSkeleton(ctx, t.landmarks, { x: 0, y: 0, w: t.canvas.width, h: t.canvas.height }, { color: colorOf(p), mirror: true });
      }
    }
    requestAnimationFrame(draw);
  };
  requestAnimationFrame(draw);
}
