// The keypoint block (PROTOCOL.md "Keypoint block", protocol/src/pose.rs): header
// [model, flags], then per landmark x u16 LE, y u16 LE, visibility u8, and z i8 with the depth
// flag. Quantization follows the Rust encoder's f32 arithmetic, so both give the same bytes.

import type { PoseModelName } from './types.js';

export const COORD_MIN = -0.25;
export const COORD_MAX = 1.25;
const HEADER_LEN = 2;
const FLAG_DEPTH = 0b0000_0001;

/** One landmark in normalized image coordinates (0 = left/top edge, 1 = right/bottom). */
export interface Landmark {
  x: number;
  y: number;
  /** Depth in units of image width, negative towards the camera; absent when not measured. */
  z?: number;
  /** Confidence that the landmark is visible, 0 to 1. */
  visibility: number;
}

/** Why bytes or landmarks do not make a valid keypoint block. */
export type PoseErrorKind =
  | 'unknown_model'
  | 'reserved_flags'
  | 'wrong_length'
  | 'wrong_landmark_count'
  | 'non_finite';

export class PoseError extends Error {
  constructor(
    readonly kind: PoseErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'PoseError';
  }
}

export function landmarkCount(model: PoseModelName): number {
  return model === 'blaze_pose33' ? 33 : 17;
}

export function modelCode(model: PoseModelName): number {
  return model === 'blaze_pose33' ? 1 : 2;
}

export function modelFromCode(code: number): PoseModelName | undefined {
  return code === 1 ? 'blaze_pose33' : code === 2 ? 'coco17' : undefined;
}

/** Exact size in bytes of a block of this model. */
export function blockLength(model: PoseModelName, depth: boolean): number {
  return HEADER_LEN + landmarkCount(model) * (depth ? 6 : 5);
}

/** Checks bytes against the block layout; throws a {@link PoseError}. */
export function checkBlock(kp: Uint8Array): void {
  if (kp.length < HEADER_LEN) {
    throw new PoseError('wrong_length', `pose block is ${kp.length} bytes, expected 2`);
  }
  const model = modelFromCode(kp[0]!);
  if (model === undefined) throw new PoseError('unknown_model', `unknown pose model ${kp[0]}`);
  const flags = kp[1]!;
  if ((flags & ~FLAG_DEPTH) !== 0) {
    throw new PoseError('reserved_flags', `reserved pose flags set: ${flags}`);
  }
  const expected = blockLength(model, (flags & FLAG_DEPTH) !== 0);
  if (kp.length !== expected) {
    throw new PoseError(
      'wrong_length',
      `pose block is ${kp.length} bytes, expected ${expected} for its model`,
    );
  }
}

const f32 = Math.fround;
/** Rust's `f32::round`: halves away from zero. */
function roundAway(v: number): number {
  return v < 0 ? -Math.round(-v) : Math.round(v);
}
function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

function quantizeCoord(c: number): number {
  const unit = f32(f32(clamp(f32(c), COORD_MIN, COORD_MAX) - COORD_MIN) / f32(COORD_MAX - COORD_MIN));
  return roundAway(f32(unit * 65535));
}

function dequantizeCoord(q: number): number {
  return COORD_MIN + (q / 65535) * (COORD_MAX - COORD_MIN);
}

/** Quantizes landmarks into a block. Depth is kept only if every landmark has one. */
export function packKeypoints(model: PoseModelName, landmarks: readonly Landmark[]): Uint8Array {
  const n = landmarkCount(model);
  if (landmarks.length !== n) {
    throw new PoseError(
      'wrong_landmark_count',
      `${landmarks.length} landmarks given, the model has ${n}`,
    );
  }
  const depth = landmarks.every((l) => typeof l.z === 'number');
  const stride = depth ? 6 : 5;
  const out = new Uint8Array(blockLength(model, depth));
  out[0] = modelCode(model);
  out[1] = depth ? FLAG_DEPTH : 0;
  landmarks.forEach((l, i) => {
    const finite =
      Number.isFinite(l.x) &&
      Number.isFinite(l.y) &&
      Number.isFinite(l.visibility) &&
      (!depth || Number.isFinite(l.z));
    if (!finite) throw new PoseError('non_finite', `landmark ${i} has a non-finite value`);
    const o = HEADER_LEN + i * stride;
    const x = quantizeCoord(l.x);
    const y = quantizeCoord(l.y);
    out[o] = x & 0xff;
    out[o + 1] = x >> 8;
    out[o + 2] = y & 0xff;
    out[o + 3] = y >> 8;
    out[o + 4] = roundAway(f32(f32(clamp(f32(l.visibility), 0, 1)) * 255));
    if (depth) {
      const z = roundAway(f32(f32(clamp(f32(l.z as number), -1, 1)) * 127));
      out[o + 5] = z & 0xff;
    }
  });
  return out;
}

/** A block's model, depth flag and raw quantized landmarks `[x, y, visibility(, z)]`. */
export interface RawKeypoints {
  model: PoseModelName;
  depth: boolean;
  landmarks: number[][];
}

/** Unpacks a block to its raw quantized integers (as the vectors' `keypoints` list them). */
export function rawKeypoints(kp: Uint8Array): RawKeypoints {
  checkBlock(kp);
  const model = modelFromCode(kp[0]!) as PoseModelName;
  const depth = (kp[1]! & FLAG_DEPTH) !== 0;
  const stride = depth ? 6 : 5;
  const landmarks: number[][] = [];
  for (let o = HEADER_LEN; o < kp.length; o += stride) {
    const row = [kp[o]! | (kp[o + 1]! << 8), kp[o + 2]! | (kp[o + 3]! << 8), kp[o + 4]!];
    if (depth) row.push((kp[o + 5]! << 24) >> 24);
    landmarks.push(row);
  }
  return { model, depth, landmarks };
}

/** Dequantized landmarks of a block (e.g. a peer's skeleton from a `poses` event). */
export function unpackKeypoints(kp: Uint8Array): { model: PoseModelName; landmarks: Landmark[] } {
  const raw = rawKeypoints(kp);
  return {
    model: raw.model,
    landmarks: raw.landmarks.map(([x, y, v, z]) => {
      const l: Landmark = { x: dequantizeCoord(x!), y: dequantizeCoord(y!), visibility: v! / 255 };
      if (z !== undefined) l.z = z / 127;
      return l;
    }),
  };
}

// ---- what applications pass in ----

/**
 * A landmark as pose libraries report it: MediaPipe Pose / Pose Landmarker
 * (`{x, y, z?, visibility?}`, normalized) or TF.js pose-detection (`{x, y, z?, score?, name?}`,
 * in pixels: then pass the image's `width` and `height`).
 */
export interface LandmarkLike {
  x: number;
  y: number;
  z?: number;
  visibility?: number;
  score?: number;
  name?: string;
}

/**
 * Landmarks of one person: an array (MediaPipe `results.poseLandmarks`, TF.js `pose.keypoints`),
 * a TF.js `Pose` (`{keypoints}`) or a MediaPipe Pose Landmarker result (`{landmarks: [[...]]}`,
 * the first person is used).
 */
export type PoseInput =
  | readonly LandmarkLike[]
  | { keypoints: readonly LandmarkLike[] }
  | { landmarks: readonly LandmarkLike[] | readonly (readonly LandmarkLike[])[] };

export interface PoseOptions {
  /** The landmark layout; by default from the count: 33 → BlazePose, 17 → COCO (MoveNet). */
  model?: PoseModelName;
  /** Image width in pixels: set it (with `height`) when the landmarks are in pixels (TF.js). */
  width?: number;
  /** Image height in pixels. */
  height?: number;
}

/** Normalizes an application's landmarks: model, and landmarks in normalized coordinates. */
export function normalizePose(
  input: PoseInput,
  opts: PoseOptions = {},
): { model: PoseModelName; landmarks: Landmark[] } {
  let list: readonly LandmarkLike[];
  if (Array.isArray(input)) {
    list = input as readonly LandmarkLike[];
  } else if ('keypoints' in input && Array.isArray(input.keypoints)) {
    list = input.keypoints;
  } else if ('landmarks' in input && Array.isArray(input.landmarks)) {
    const first = input.landmarks[0];
    list = Array.isArray(first)
      ? (first as readonly LandmarkLike[])
      : (input.landmarks as readonly LandmarkLike[]);
  } else {
    throw new PoseError('wrong_landmark_count', 'no landmarks in the pose input');
  }
  const model = opts.model ?? (list.length === 17 ? 'coco17' : 'blaze_pose33');
  const pixels = opts.width !== undefined || opts.height !== undefined;
  if (pixels && !(Number(opts.width) > 0 && Number(opts.height) > 0)) {
    throw new PoseError('non_finite', 'width and height must both be positive');
  }
  const w = pixels ? (opts.width as number) : 1;
  const h = pixels ? (opts.height as number) : 1;
  const landmarks = list.map((l): Landmark => {
    const out: Landmark = { x: l.x / w, y: l.y / h, visibility: l.visibility ?? l.score ?? 1 };
    if (typeof l.z === 'number') out.z = l.z / w;
    return out;
  });
  return { model, landmarks };
}
