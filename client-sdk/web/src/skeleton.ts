// Drawing skeletons: BlazePose-33 (MediaPipe) and COCO-17 landmarks on a canvas.

export interface Landmark {
  x: number;
  y: number;
  z?: number;
  visibility?: number;
}

const BLAZE: [number, number][] = [
  [11, 12], [11, 13], [13, 15], [12, 14], [14, 16], [11, 23], [12, 24], [23, 24],
  [23, 25], [25, 27], [24, 26], [26, 28], [27, 29], [29, 31], [27, 31], [28, 30], [30, 32], [28, 32],
  [15, 17], [15, 19], [15, 21], [16, 18], [16, 20], [16, 22], [0, 2], [0, 5], [2, 7], [5, 8], [9, 10],
];
const COCO: [number, number][] = [
  [5, 6], [5, 7], [7, 9], [6, 8], [8, 10], [5, 11], [6, 12], [11, 12],
  [11, 13], [13, 15], [12, 14], [14, 16], [0, 1], [0, 2], [1, 3], [2, 4],
];

const MIN_VISIBILITY = 0.4;

/** Draws one skeleton in the box (x, y, w, h) of `ctx`, mirrored if asked (a selfie view). */
export function drawSkeleton(
  ctx: CanvasRenderingContext2D,
  landmarks: readonly Landmark[],
  box: { x: number; y: number; w: number; h: number },
  style: { color: string; width?: number; mirror?: boolean },
): void {
  const edges = landmarks.length >= 33 ? BLAZE : COCO;
  const px = (l: Landmark) => box.x + (style.mirror ? 1 - l.x : l.x) * box.w;
  const py = (l: Landmark) => box.y + l.y * box.h;
  const seen = (l: Landmark | undefined): l is Landmark => !!l && (l.visibility ?? 1) >= MIN_VISIBILITY;
  ctx.save();
  ctx.strokeStyle = style.color;
  ctx.fillStyle = style.color;
  ctx.lineWidth = style.width ?? Math.max(2, box.w / 80);
  ctx.lineCap = 'round';
  ctx.beginPath();
  for (const [a, b] of edges) {
    const la = landmarks[a];
    const lb = landmarks[b];
    if (!seen(la) || !seen(lb)) continue;
    ctx.moveTo(px(la), py(la));
    ctx.lineTo(px(lb), py(lb));
  }
  ctx.stroke();
  const r = Math.max(2, box.w / 100);
  const head = landmarks.length >= 33 ? 0 : 0;
  landmarks.forEach((l, i) => {
    if (!seen(l) || (landmarks.length >= 33 && i > 0 && i < 11)) return;
    ctx.beginPath();
    ctx.arc(px(l), py(l), i === head ? r * 3 : r, 0, Math.PI * 2);
    ctx.fill();
  });
  ctx.restore();
}

/** Sizes a canvas's backing store to its CSS size (times the pixel ratio). */
export function fitCanvas(canvas: HTMLCanvasElement): CanvasRenderingContext2D {
  const ratio = Math.min(window.devicePixelRatio || 1, 2);
  const w = Math.max(1, Math.round(canvas.clientWidth * ratio));
  const h = Math.max(1, Math.round(canvas.clientHeight * ratio));
  if (canvas.width !== w || canvas.height !== h) {
    canvas.width = w;
    canvas.height = h;
  }
  return canvas.getContext('2d')!;
}

export const PALETTE = ['#ffb703', '#8ecae6', '#f28482', '#90be6d', '#cdb4db', '#f4a261', '#a8dadc', '#e9c46a'];

export function colorOf(p: number): string {
  return PALETTE[p % PALETTE.length];
}
