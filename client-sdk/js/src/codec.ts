// The MessagePack codec of breakroom.v1: one map with a `type` field per binary frame.
//
// Encoding goes through @msgpack/msgpack, fed objects whose keys are built in the canonical
// order of PROTOCOL.md (so its insertion-order maps and smallest-integer encodings give the
// server's canonical bytes). Decoding uses a strict reader of its own: receivers must refuse
// floats where integers are expected (even 5.0), duplicate fields, invalid UTF-8, trailing
// bytes and nesting over 8 levels, which a generic decoder cannot tell apart.

import { Encoder } from '@msgpack/msgpack';

import { PoseError, checkBlock } from './pose.js';
import type { ClientMsg, ServerMsg } from './types.js';

/** Largest client → server message, in bytes. */
export const MAX_CLIENT_MSG_BYTES = 4096;
/** Largest server → client message, in bytes. */
export const MAX_SERVER_MSG_BYTES = 1024 * 1024;
/** Deepest nesting of maps and arrays, counting the message's own map as 1. */
export const MAX_DEPTH = 8;

export const CLIENT_TYPES = [
  'hello',
  'join',
  'leave',
  'pose',
  'score',
  'ping',
  'control',
  'reaction',
  'refresh',
] as const;
export const SERVER_TYPES = [
  'welcome',
  'snapshot',
  'presence',
  'pong',
  'cue',
  'poses',
  'scoreboard',
  'phase',
  'flag',
  'reaction',
  'lock',
  'summary',
  'refreshed',
  'error',
] as const;

/** The kinds of refusal the vectors name (the Rust `DecodeError`). */
export type DecodeErrorKind =
  | 'too_large'
  | 'malformed'
  | 'missing_type'
  | 'unknown_type'
  | 'trailing_bytes'
  | 'invalid'
  | 'pose';

/** Bytes from the wire (or a message to encode) that break the protocol. */
export class CodecError extends Error {
  constructor(
    readonly kind: DecodeErrorKind,
    message: string,
    /** For `invalid`: the offending field. */
    readonly field?: string,
    /** For `pose`: the pose error; for `unknown_type`: the type. */
    readonly detail?: string,
  ) {
    super(message);
    this.name = 'CodecError';
  }
}

/** A server message of a type this version does not know: skip it (forward compatibility). */
export interface UnknownType {
  type: 'unknown_type';
  /** The message's `type` (at most 32 characters). */
  name: string;
}

// ---------------------------------------------------------------------------------------------
// Strict reader: MessagePack bytes → a tree that keeps what JS values would lose.

class Float {
  constructor(readonly value: number) {}
}
class NegInt {
  constructor(readonly value: number) {}
}
class BigUint {
  constructor(readonly value: bigint) {}
}
class Ext {}
class RawMap {
  constructor(readonly entries: [Value, Value][]) {}
}
class BadString {}
type Value =
  | null
  | boolean
  | number
  | string
  | Uint8Array
  | Value[]
  | Float
  | NegInt
  | BigUint
  | Ext
  | RawMap
  | BadString;

const utf8 = new TextDecoder('utf-8', { fatal: true });

class Reader {
  pos = 0;
  private readonly view: DataView;
  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private need(n: number): void {
    if (this.pos + n > this.bytes.length) throw new CodecError('malformed', 'unexpected end of data');
  }
  private u8(): number {
    this.need(1);
    return this.bytes[this.pos++]!;
  }
  private u16(): number {
    this.need(2);
    const v = this.view.getUint16(this.pos);
    this.pos += 2;
    return v;
  }
  private u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos);
    this.pos += 4;
    return v;
  }
  private take(n: number): Uint8Array {
    this.need(n);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  private str(n: number): string | BadString {
    const raw = this.take(n);
    try {
      return utf8.decode(raw);
    } catch {
      return new BadString();
    }
  }
  private array(n: number, depth: number): Value[] {
    this.depth(depth);
    // Each element takes at least one byte: refuse impossible lengths before allocating.
    this.need(n);
    const out: Value[] = [];
    for (let i = 0; i < n; i++) out.push(this.value(depth + 1));
    return out;
  }
  private map(n: number, depth: number): RawMap {
    this.depth(depth);
    this.need(2 * n);
    const entries: [Value, Value][] = [];
    for (let i = 0; i < n; i++) {
      const k = this.value(depth + 1);
      entries.push([k, this.value(depth + 1)]);
    }
    return new RawMap(entries);
  }
  private depth(depth: number): void {
    if (depth > MAX_DEPTH) throw new CodecError('malformed', `nesting deeper than ${MAX_DEPTH}`);
  }

  /** Reads one value; `depth` is the nesting level a container here would have. */
  value(depth: number): Value {
    const b = this.u8();
    if (b <= 0x7f) return b;
    if (b >= 0xe0) return new NegInt(b - 0x100);
    if (b >= 0x80 && b <= 0x8f) return this.map(b & 0x0f, depth);
    if (b >= 0x90 && b <= 0x9f) return this.array(b & 0x0f, depth);
    if (b >= 0xa0 && b <= 0xbf) return this.str(b & 0x1f);
    switch (b) {
      case 0xc0:
        return null;
      case 0xc2:
        return false;
      case 0xc3:
        return true;
      case 0xc4:
        return this.take(this.u8()).slice();
      case 0xc5:
        return this.take(this.u16()).slice();
      case 0xc6:
        return this.take(this.u32()).slice();
      case 0xc7:
        this.take(this.u8() + 1);
        return new Ext();
      case 0xc8:
        this.take(this.u16() + 1);
        return new Ext();
      case 0xc9:
        this.take(this.u32() + 1);
        return new Ext();
      case 0xca: {
        this.need(4);
        const v = this.view.getFloat32(this.pos);
        this.pos += 4;
        return new Float(v);
      }
      case 0xcb: {
        this.need(8);
        const v = this.view.getFloat64(this.pos);
        this.pos += 8;
        return new Float(v);
      }
      case 0xcc:
        return this.u8();
      case 0xcd:
        return this.u16();
      case 0xce:
        return this.u32();
      case 0xcf: {
        this.need(8);
        const v = this.view.getBigUint64(this.pos);
        this.pos += 8;
        return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : new BigUint(v);
      }
      case 0xd0: {
        this.need(1);
        const v = this.view.getInt8(this.pos++);
        return v >= 0 ? v : new NegInt(v);
      }
      case 0xd1: {
        this.need(2);
        const v = this.view.getInt16(this.pos);
        this.pos += 2;
        return v >= 0 ? v : new NegInt(v);
      }
      case 0xd2: {
        this.need(4);
        const v = this.view.getInt32(this.pos);
        this.pos += 4;
        return v >= 0 ? v : new NegInt(v);
      }
      case 0xd3: {
        this.need(8);
        const v = this.view.getBigInt64(this.pos);
        this.pos += 8;
        if (v < 0n) return new NegInt(Number(v));
        return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : new BigUint(v);
      }
      case 0xd4:
        this.take(2);
        return new Ext();
      case 0xd5:
        this.take(3);
        return new Ext();
      case 0xd6:
        this.take(5);
        return new Ext();
      case 0xd7:
        this.take(9);
        return new Ext();
      case 0xd8:
        this.take(17);
        return new Ext();
      case 0xd9:
        return this.str(this.u8());
      case 0xda:
        return this.str(this.u16());
      case 0xdb:
        return this.str(this.u32());
      case 0xdc:
        return this.array(this.u16(), depth);
      case 0xdd:
        return this.array(this.u32(), depth);
      case 0xde:
        return this.map(this.u16(), depth);
      case 0xdf:
        return this.map(this.u32(), depth);
      default:
        throw new CodecError('malformed', `byte 0x${b.toString(16)} is never used in MessagePack`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Schemas: every message and nested structure, fields in canonical order.

type Kind =
  | { k: 'uint'; max: number }
  | { k: 'bool' }
  | { k: 'str' }
  | { k: 'enum'; values: readonly string[]; lenient?: string }
  | { k: 'bin' }
  | { k: 'array'; of: Kind }
  | { k: 'struct'; fields: Fields };
/** [name, kind, presence]: `req` required, `opt` optional (omitted when absent), `def` a
 * boolean that defaults to false when absent (and is always encoded). */
type Field = readonly [string, Kind, 'req' | 'opt' | 'def'];
type Fields = readonly Field[];

const U16: Kind = { k: 'uint', max: 0xffff };
const U32: Kind = { k: 'uint', max: 0xffff_ffff };
const U64: Kind = { k: 'uint', max: Number.MAX_SAFE_INTEGER };
const BOOL: Kind = { k: 'bool' };
const STR: Kind = { k: 'str' };
const BIN: Kind = { k: 'bin' };
const en = (...values: string[]): Kind => ({ k: 'enum', values });
const arr = (of: Kind): Kind => ({ k: 'array', of });
const st = (fields: Fields): Kind => ({ k: 'struct', fields });

const REACTIONS = en('clap', 'cheer', 'heart', 'laugh', 'thumbs_up', 'wave', 'fire', 'strong');
const PARTICIPANT = st([
  ['id', U32, 'req'],
  ['name', STR, 'req'],
  ['role', en('facilitator', 'cohost', 'participant', 'viewer'), 'req'],
  ['presence', en('present', 'reconnecting'), 'req'],
  ['team', STR, 'opt'],
]);
const STEP = st([
  ['exercise', STR, 'req'],
  ['duration_ms', U32, 'req'],
  ['rest_ms', U32, 'req'],
  ['bpm', U16, 'opt'],
]);
const PROGRAM = st([
  ['name', STR, 'req'],
  ['steps', arr(STEP), 'req'],
]);
const PHASE_STATE = st([
  ['phase', en('lobby', 'countdown', 'exercise', 'rest', 'results', 'closed'), 'req'],
  ['step', U16, 'opt'],
  ['since', U64, 'req'],
  ['until', U64, 'opt'],
  ['paused', BOOL, 'req'],
]);
const CUE = st([
  ['id', U32, 'req'],
  ['kind', en('countdown', 'go', 'beat', 'halfway', 'rest', 'next_up', 'done'), 'req'],
  ['at', U64, 'req'],
  ['step', U16, 'req'],
  ['exercise', STR, 'opt'],
  ['n', U32, 'opt'],
  ['seed', U32, 'opt'],
]);
const PEER_POSE = st([
  ['p', U32, 'req'],
  ['t', U64, 'req'],
  ['kp', BIN, 'req'],
]);
const SCORE_ENTRY = st([
  ['p', U32, 'req'],
  ['points', U32, 'req'],
  ['reps', U32, 'req'],
  ['active_ms', U32, 'req'],
  ['verified', BOOL, 'def'],
]);
const TEAM_SCORE = st([
  ['team', STR, 'req'],
  ['points', U32, 'req'],
]);
const SCOREBOARD = st([
  ['ranking', arr(SCORE_ENTRY), 'req'],
  ['total', U32, 'req'],
  ['teams', arr(TEAM_SCORE), 'req'],
]);
const SCORE_FLAG = st([
  ['p', U32, 'req'],
  ['exercise', STR, 'req'],
  ['reason', en('too_fast', 'wrong_exercise', 'mismatch'), 'req'],
  ['claimed', U32, 'req'],
  ['accepted', U32, 'req'],
  ['detected', U32, 'opt'],
  ['at', U64, 'req'],
]);
const EXERCISE_RESULT = st([
  ['exercise', STR, 'req'],
  ['reps', U32, 'req'],
  ['points', U32, 'req'],
  ['active_ms', U32, 'req'],
  ['verified', BOOL, 'def'],
]);
const PARTICIPANT_SUMMARY = st([
  ['p', U32, 'req'],
  ['user', STR, 'req'],
  ['name', STR, 'req'],
  ['team', STR, 'opt'],
  ['results', arr(EXERCISE_RESULT), 'req'],
  ['flags', arr(SCORE_FLAG), 'req'],
]);
const SESSION_SUMMARY = st([
  ['session', STR, 'req'],
  ['room', STR, 'req'],
  ['program', STR, 'req'],
  ['started_at', U64, 'req'],
  ['ended_at', U64, 'req'],
  ['end', en('completed', 'facilitator', 'room_closed', 'shutdown'), 'req'],
  ['participants', arr(PARTICIPANT_SUMMARY), 'req'],
]);
const LIMITS = st([
  ['max_message_bytes', U32, 'req'],
  ['pose_hz', U16, 'req'],
  ['score_hz', U16, 'req'],
  ['control_hz', U16, 'req'],
]);

const CLIENT_SCHEMAS: Record<string, Fields> = {
  hello: [
    ['seq', U32, 'req'],
    ['sdk', STR, 'req'],
    ['sdk_version', STR, 'req'],
    ['token', STR, 'req'],
    ['resume', STR, 'opt'],
  ],
  join: [
    ['seq', U32, 'req'],
    ['room', STR, 'req'],
    ['role', en('facilitator', 'participant', 'viewer'), 'req'],
    ['sharing', en('room', 'facilitators', 'nobody'), 'req'],
  ],
  leave: [['seq', U32, 'req']],
  pose: [
    ['t', U64, 'req'],
    ['kp', BIN, 'req'],
  ],
  score: [
    ['seq', U32, 'req'],
    ['exercise', STR, 'req'],
    ['reps', U32, 'req'],
    ['active_ms', U32, 'req'],
  ],
  ping: [['t0', U64, 'req']],
  control: [
    ['seq', U32, 'req'],
    [
      'action',
      en('start', 'pause', 'resume', 'skip', 'end', 'lock', 'unlock', 'kick', 'make_cohost'),
      'req',
    ],
    ['target', U32, 'opt'],
  ],
  reaction: [
    ['seq', U32, 'req'],
    ['reaction', REACTIONS, 'req'],
  ],
  refresh: [
    ['seq', U32, 'req'],
    ['token', STR, 'req'],
  ],
};

const ERROR_CODES = [
  'bad_message',
  'unsupported',
  'unauthorized',
  'forbidden',
  'not_found',
  'room_full',
  'room_locked',
  'rate_limited',
  'not_in_room',
  'already_joined',
  'invalid_state',
  'score_decreased',
  'unknown_exercise',
  'internal',
  'unknown',
];

const SERVER_SCHEMAS: Record<string, Fields> = {
  welcome: [
    ['conn', U64, 'req'],
    ['resume', STR, 'req'],
    ['server_time', U64, 'req'],
    ['limits', LIMITS, 'req'],
    ['expires_at', U64, 'opt'],
  ],
  snapshot: [
    ['room', STR, 'req'],
    ['session', STR, 'req'],
    ['you', U32, 'req'],
    ['locked', BOOL, 'req'],
    ['program', PROGRAM, 'req'],
    ['phase', PHASE_STATE, 'req'],
    ['timeline', arr(CUE), 'req'],
    ['participants', arr(PARTICIPANT), 'req'],
    ['scoreboard', SCOREBOARD, 'req'],
    ['flags', arr(SCORE_FLAG), 'req'],
  ],
  presence: [
    ['change', en('joined', 'left', 'reconnecting', 'resumed', 'role_changed'), 'req'],
    ['participant', PARTICIPANT, 'req'],
  ],
  pong: [
    ['t0', U64, 'req'],
    ['t1', U64, 'req'],
    ['t2', U64, 'req'],
  ],
  cue: [['cue', CUE, 'req']],
  poses: [
    ['t', U64, 'req'],
    ['poses', arr(PEER_POSE), 'req'],
  ],
  scoreboard: [['scoreboard', SCOREBOARD, 'req']],
  phase: [
    ['phase', PHASE_STATE, 'req'],
    ['timeline', arr(CUE), 'req'],
  ],
  flag: [['flag', SCORE_FLAG, 'req']],
  reaction: [
    ['p', U32, 'req'],
    ['reaction', REACTIONS, 'req'],
  ],
  lock: [['locked', BOOL, 'req']],
  summary: [['summary', SESSION_SUMMARY, 'req']],
  refreshed: [
    ['seq', U32, 'req'],
    ['expires_at', U64, 'req'],
  ],
  error: [
    ['code', { k: 'enum', values: ERROR_CODES, lenient: 'unknown' }, 'req'],
    ['message', STR, 'req'],
    ['seq', U32, 'opt'],
  ],
};

// ---------------------------------------------------------------------------------------------
// Reading a tree against a schema.

function malformed(message: string): CodecError {
  return new CodecError('malformed', message);
}

function describe(v: Value): string {
  if (v === null) return 'nil';
  if (v instanceof Float) return 'a float';
  if (v instanceof NegInt) return 'a negative integer';
  if (v instanceof BigUint) return 'an integer above 2^53';
  if (v instanceof RawMap) return 'a map';
  if (Array.isArray(v)) return 'an array';
  if (v instanceof Uint8Array) return 'a byte string';
  if (v instanceof BadString) return 'a string that is not UTF-8';
  if (v instanceof Ext) return 'an ext value';
  return `a ${typeof v}`;
}

function readKind(kind: Kind, v: Value, path: string): unknown {
  switch (kind.k) {
    case 'uint':
      if (typeof v !== 'number') throw malformed(`${path}: expected an integer, got ${describe(v)}`);
      if (v > kind.max) throw malformed(`${path}: ${v} is out of range`);
      return v;
    case 'bool':
      if (typeof v !== 'boolean') throw malformed(`${path}: expected a boolean, got ${describe(v)}`);
      return v;
    case 'str':
      if (typeof v !== 'string') throw malformed(`${path}: expected a string, got ${describe(v)}`);
      return v;
    case 'enum':
      if (typeof v !== 'string') throw malformed(`${path}: expected a string, got ${describe(v)}`);
      if (!kind.values.includes(v)) {
        if (kind.lenient !== undefined) return kind.lenient;
        throw malformed(`${path}: unknown variant \`${v}\``);
      }
      return v;
    case 'bin':
      if (!(v instanceof Uint8Array)) {
        throw malformed(`${path}: expected a byte string, got ${describe(v)}`);
      }
      return v;
    case 'array':
      if (!Array.isArray(v)) throw malformed(`${path}: expected an array, got ${describe(v)}`);
      return v.map((item, i) => readKind(kind.of, item, `${path}[${i}]`));
    case 'struct':
      if (!(v instanceof RawMap)) throw malformed(`${path}: expected a map, got ${describe(v)}`);
      return readFields(kind.fields, v, path, undefined);
  }
}

function readFields(
  fields: Fields,
  map: RawMap,
  path: string,
  type: string | undefined,
): Record<string, unknown> {
  const seen = new Map<string, Value>();
  for (const [k, v] of map.entries) {
    if (typeof k !== 'string') {
      throw malformed(`${path}: map keys must be strings, got ${describe(k)}`);
    }
    const known = (type !== undefined && k === 'type') || fields.some(([name]) => name === k);
    if (known) {
      if (seen.has(k)) throw malformed(`${path}: duplicate field \`${k}\``);
      seen.set(k, v);
    }
  }
  const out: Record<string, unknown> = {};
  if (type !== undefined) out['type'] = type;
  for (const [name, kind, presence] of fields) {
    const v = seen.get(name);
    const at = path ? `${path}.${name}` : name;
    if (v === undefined || (v === null && presence === 'opt')) {
      if (presence === 'req') throw malformed(`missing field \`${at}\``);
      if (presence === 'def') out[name] = false;
      continue;
    }
    out[name] = readKind(kind, v, at);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Bounds (protocol/src/validate.rs).

function invalid(field: string, reason: string): CodecError {
  return new CodecError('invalid', `field \`${field}\` ${reason}`, field);
}

function isControl(cp: number): boolean {
  return cp <= 0x1f || (cp >= 0x7f && cp <= 0x9f);
}

function text(field: string, s: string, max: number): void {
  if (s.length === 0) throw invalid(field, 'is empty');
  let count = 0;
  for (const ch of s) {
    count++;
    if (isControl(ch.codePointAt(0)!)) throw invalid(field, 'contains control characters');
  }
  if (count > max) throw invalid(field, 'is too long');
}

function token(field: string, s: string, max: number): void {
  const bytes = new TextEncoder().encode(s).length;
  if (bytes === 0 || bytes > max) throw invalid(field, 'has a bad length');
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) throw invalid(field, 'must be printable ASCII');
  }
}

function exerciseId(field: string, s: string): void {
  if (s.length === 0 || s.length > 32) throw invalid(field, 'has a bad length');
  if (!/^[a-z0-9_]+$/.test(s)) throw invalid(field, 'must be lowercase letters, digits and _');
}

function atMost(field: string, items: readonly unknown[], max: number): void {
  if (items.length > max) throw invalid(field, 'has too many items');
}

function pose(kp: Uint8Array): void {
  try {
    checkBlock(kp);
  } catch (e) {
    if (e instanceof PoseError) throw new CodecError('pose', e.message, undefined, e.kind);
    throw e;
  }
}

/* eslint-disable @typescript-eslint/no-explicit-any */
function validateClient(m: any): void {
  switch (m.type) {
    case 'hello':
      text('sdk', m.sdk, 64);
      text('sdk_version', m.sdk_version, 32);
      // Empty: the session cookie of the upgrade stands in for a token.
      if (m.token !== '') token('token', m.token, 3072);
      if (m.resume !== undefined) token('resume', m.resume, 128);
      break;
    case 'join':
      text('room', m.room, 32);
      break;
    case 'refresh':
      token('token', m.token, 3072);
      break;
    case 'pose':
      pose(m.kp);
      break;
    case 'score':
      exerciseId('exercise', m.exercise);
      if (m.reps > 100_000) throw invalid('reps', 'is above 100000');
      if (m.active_ms > 86_400_000) throw invalid('active_ms', 'is above 24 hours');
      break;
    case 'control':
      if ((m.action === 'kick' || m.action === 'make_cohost') && m.target === undefined) {
        throw invalid('target', 'is required for this action');
      }
      break;
  }
}

function participant(p: any): void {
  text('name', p.name, 64);
  if (p.team !== undefined) text('team', p.team, 32);
}

function cues(list: any[]): void {
  atMost('timeline', list, 4096);
  for (const c of list) if (c.exercise !== undefined) exerciseId('exercise', c.exercise);
}

function scoreboard(s: any): void {
  atMost('ranking', s.ranking, 1000);
  atMost('teams', s.teams, 1000);
  for (const t of s.teams) text('team', t.team, 32);
}

function validateServer(m: any): void {
  switch (m.type) {
    case 'welcome':
      token('resume', m.resume, 128);
      break;
    case 'snapshot':
      text('room', m.room, 32);
      token('session', m.session, 64);
      text('program.name', m.program.name, 64);
      if (m.program.steps.length === 0) throw invalid('program.steps', 'is empty');
      atMost('program.steps', m.program.steps, 32);
      for (const s of m.program.steps) exerciseId('exercise', s.exercise);
      cues(m.timeline);
      atMost('participants', m.participants, 1000);
      m.participants.forEach(participant);
      scoreboard(m.scoreboard);
      atMost('flags', m.flags, 4096);
      for (const f of m.flags) exerciseId('exercise', f.exercise);
      break;
    case 'presence':
      participant(m.participant);
      break;
    case 'cue':
      cues([m.cue]);
      break;
    case 'poses':
      atMost('poses', m.poses, 1000);
      for (const p of m.poses) pose(p.kp);
      break;
    case 'scoreboard':
      scoreboard(m.scoreboard);
      break;
    case 'phase':
      cues(m.timeline);
      break;
    case 'flag':
      exerciseId('exercise', m.flag.exercise);
      break;
    case 'summary': {
      const s = m.summary;
      token('session', s.session, 64);
      text('room', s.room, 32);
      text('program', s.program, 64);
      atMost('participants', s.participants, 1000);
      for (const p of s.participants) {
        text('name', p.name, 64);
        atMost('results', p.results, 32);
        for (const f of p.flags) exerciseId('exercise', f.exercise);
      }
      break;
    }
    case 'error':
      text('message', m.message, 256);
      break;
  }
}

// ---------------------------------------------------------------------------------------------
// Decoding.

function decode(
  bytes: Uint8Array,
  max: number,
  schemas: Record<string, Fields>,
  validate: (m: any) => void,
): Record<string, unknown> | UnknownType {
  if (bytes.length > max) {
    throw new CodecError('too_large', `message is ${bytes.length} bytes, the limit is ${max}`);
  }
  const first = bytes[0];
  if (first === undefined || !((first >= 0x80 && first <= 0x8f) || first === 0xde || first === 0xdf)) {
    throw malformed('a message must be a MessagePack map');
  }
  const reader = new Reader(bytes);
  const tree = reader.value(1) as RawMap;
  // Keys and `type` are checked before the type is looked up, so that an unknown type is only
  // reported for an otherwise well-formed map (as the Rust decoder does).
  let type: Value | undefined;
  let types = 0;
  for (const [k, v] of tree.entries) {
    if (typeof k !== 'string') throw malformed(`map keys must be strings, got ${describe(k)}`);
    if (k === 'type') {
      types++;
      type = v;
    }
  }
  if (types > 1) throw malformed('duplicate field `type`');
  if (typeof type !== 'string') throw new CodecError('missing_type', 'message has no `type` field');
  const fields = Object.prototype.hasOwnProperty.call(schemas, type) ? schemas[type] : undefined;
  if (fields === undefined) {
    const name = [...type].slice(0, 32).join('');
    return { type: 'unknown_type', name };
  }
  const msg = readFields(fields, tree, '', type);
  if (reader.pos < bytes.length) {
    throw new CodecError('trailing_bytes', `${bytes.length - reader.pos} bytes after the message`);
  }
  validate(msg);
  return msg;
}

function asBytes(data: Uint8Array | ArrayBuffer | ArrayBufferView): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * Decodes and validates one server message. A message of an unknown `type` gives an
 * {@link UnknownType} (skip it); anything else that breaks the protocol throws a
 * {@link CodecError}.
 */
export function decodeServer(data: Uint8Array | ArrayBuffer | ArrayBufferView): ServerMsg | UnknownType {
  return decode(asBytes(data), MAX_SERVER_MSG_BYTES, SERVER_SCHEMAS, validateServer) as
    | ServerMsg
    | UnknownType;
}

/** Decodes and validates one client message (what a server does; for tests and tools). */
export function decodeClient(data: Uint8Array | ArrayBuffer | ArrayBufferView): ClientMsg | UnknownType {
  return decode(asBytes(data), MAX_CLIENT_MSG_BYTES, CLIENT_SCHEMAS, validateClient) as
    | ClientMsg
    | UnknownType;
}

// ---------------------------------------------------------------------------------------------
// Encoding: the message rebuilt in canonical field order, checked, then packed.

const encoder = new Encoder({ ignoreUndefined: true, forceIntegerToFloat: false, sortKeys: false });

function buildKind(kind: Kind, v: unknown, path: string): unknown {
  switch (kind.k) {
    case 'uint':
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > kind.max) {
        throw malformed(`${path}: expected an integer from 0 to ${kind.max}, got ${String(v)}`);
      }
      return v;
    case 'bool':
      if (typeof v !== 'boolean') throw malformed(`${path}: expected a boolean`);
      return v;
    case 'str':
      if (typeof v !== 'string') throw malformed(`${path}: expected a string`);
      return v;
    case 'enum':
      if (typeof v !== 'string' || !kind.values.includes(v)) {
        throw malformed(`${path}: ${String(v)} is not one of ${kind.values.join(', ')}`);
      }
      return v;
    case 'bin':
      if (!(v instanceof Uint8Array)) throw malformed(`${path}: expected a Uint8Array`);
      return v;
    case 'array':
      if (!Array.isArray(v)) throw malformed(`${path}: expected an array`);
      return v.map((item, i) => buildKind(kind.of, item, `${path}[${i}]`));
    case 'struct':
      if (typeof v !== 'object' || v === null) throw malformed(`${path}: expected an object`);
      return buildFields(kind.fields, v as Record<string, unknown>, path, undefined);
  }
}

function buildFields(
  fields: Fields,
  obj: Record<string, unknown>,
  path: string,
  type: string | undefined,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (type !== undefined) out['type'] = type;
  for (const [name, kind, presence] of fields) {
    const v = obj[name];
    const at = path ? `${path}.${name}` : name;
    if (v === undefined || v === null) {
      if (presence === 'req') throw malformed(`missing field \`${at}\``);
      if (presence === 'def') out[name] = false;
      continue;
    }
    out[name] = buildKind(kind, v, at);
  }
  return out;
}

function encode(
  msg: { type: string },
  max: number,
  schemas: Record<string, Fields>,
  validate: (m: any) => void,
): Uint8Array {
  const fields = Object.prototype.hasOwnProperty.call(schemas, msg.type)
    ? schemas[msg.type]
    : undefined;
  if (fields === undefined) {
    throw new CodecError('unknown_type', `unknown message type \`${msg.type}\``, undefined, msg.type);
  }
  const canonical = buildFields(fields, msg as unknown as Record<string, unknown>, '', msg.type);
  validate(canonical);
  const bytes = encoder.encode(canonical);
  if (bytes.length > max) {
    throw new CodecError('too_large', `message is ${bytes.length} bytes, the limit is ${max}`);
  }
  // The encoder reuses its buffer: hand out a copy.
  return bytes.slice();
}

/** Encodes (and checks) a client message into the bytes of one binary frame. */
export function encodeClient(msg: ClientMsg): Uint8Array {
  return encode(msg, MAX_CLIENT_MSG_BYTES, CLIENT_SCHEMAS, validateClient);
}

/** Encodes (and checks) a server message (what a server does; for tests and tools). */
export function encodeServer(msg: ServerMsg): Uint8Array {
  return encode(msg, MAX_SERVER_MSG_BYTES, SERVER_SCHEMAS, validateServer);
}
