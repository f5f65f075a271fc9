// Typechecked, never run (`tsc -p test/types`, part of `npm test`): every event's payload is a
// precise type with no `any` anywhere in it, an app's handler is typed by the event's name alone,
// and a wrong name or a guessed shape does not compile.
import {
  BreakroomClient,
  type ClockEvent,
  type ErrorCode,
  type EventHandler,
  type EventName,
  type Events,
  type FlagReason,
  type PhaseName,
  type PresenceChange,
  type RejoinFailedEvent,
} from '../../src/index.js';

/** `true` when T is `any`. */
type IsAny<T> = 0 extends 1 & T ? true : false;
/** `true` when T is `any` or holds an `any` at any depth (bytes and functions are leaves). */
type HasAny<T> =
  IsAny<T> extends true
    ? true
    : T extends Uint8Array | ((...args: never[]) => unknown)
      ? false
      : T extends readonly (infer E)[]
        ? HasAny<E>
        : T extends object
          ? true extends { [K in keyof T]-?: HasAny<T[K]> }[keyof T]
            ? true
            : false
          : false;
type Expect<T extends false> = T;

/** Every event at once (HasAny distributes over the union of payloads): adding an event
 * whose payload holds an `any` fails to compile. */
export type NoAny = Expect<HasAny<Events[EventName]>>;
// The check itself works: it sees an `any` deep inside.
export type Sees = Expect<HasAny<{ a: { b: unknown[] } }>>;
// @ts-expect-error: an `any` two levels down is found
export type SeesDeep = Expect<HasAny<{ a: { b: any[] } }>>;

declare const client: BreakroomClient;

client.on('flag', (f) => {
  const reason: FlagReason = f.reason;
  const claimed: number = f.claimed;
  const detected: number | undefined = f.detected;
  return [reason, claimed, detected];
});
client.on('poses', (m) => m.poses.map((p) => [p.p, p.t, p.kp.byteLength]));
client.on('presence', (m) => {
  const change: PresenceChange = m.change;
  return [change, m.participant.name];
});
client.on('phase', (m) => {
  const phase: PhaseName = m.phase.phase;
  return [phase, m.timeline.map((c) => c.at)];
});
client.on('snapshot', (s) => [s.room, s.you, s.participants.length]);
client.on('summary', (s) => s.participants.map((p) => p.results.map((r) => r.reps)));
client.on('closed', (e) => [e.code, e.reason.length]);
client.on('rejoin_failed', (e: RejoinFailedEvent) => {
  const code: ErrorCode = e.code;
  return code;
});
client.on('clock', (e: ClockEvent) => e.uncertainty.toFixed());
client.on('reconnecting', ({ attempt }) => attempt + 1);
client.on('resumed', () => undefined);
const onLock: EventHandler<'lock'> = ({ locked }) => !locked;
client.on('lock', onLock);
const uncertainty: number | undefined = client.syncUncertainty();
export { uncertainty };

// @ts-expect-error: no such event
client.on('flags', () => undefined);
// @ts-expect-error: a flag has no `message`
client.on('flag', (f) => f.message);
// @ts-expect-error: `lock` carries `{ locked }`, not a boolean
client.on('lock', (locked: boolean) => locked);
// @ts-expect-error: a presence change is one of the protocol's names
client.on('presence', (m) => m.change === 'arrived');
