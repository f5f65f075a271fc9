// Server messages → events (events.ts `incoming`), on every valid golden server vector: each
// message the application hears as it is becomes the event of its name carrying its content,
// and the ones the client handles itself (welcome, pong, snapshot, error, refreshed) become none.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { SERVER_TYPES, decodeServer } from '../dist/index.js';
import { incoming } from '../dist/events.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'protocol', 'vectors', 'server');
const OWN = ['welcome', 'pong', 'snapshot', 'error', 'refreshed'];
/** Messages whose event carries one field of theirs; the others carry all but `type`. */
const WRAPPED = { cue: 'cue', scoreboard: 'scoreboard', flag: 'flag', summary: 'summary' };

test('every server message becomes its event with its content, or none when the client handles it', () => {
  const seen = new Set();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
    const v = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    if (!('message' in v)) continue; // a refused vector
    const msg = decodeServer(new Uint8Array(Buffer.from(v.hex, 'hex')));
    if (msg.type === 'unknown_type') continue;
    seen.add(msg.type);
    const event = incoming(msg);
    if (OWN.includes(msg.type)) {
      assert.equal(event, undefined, file);
      continue;
    }
    assert.equal(event?.event, msg.type, file);
    const { type: _type, ...rest } = msg;
    assert.deepEqual(event.payload, WRAPPED[msg.type] ? msg[WRAPPED[msg.type]] : rest, file);
  }
  assert.deepEqual([...seen].sort(), [...SERVER_TYPES].sort(), 'a vector of every server message type');
});
