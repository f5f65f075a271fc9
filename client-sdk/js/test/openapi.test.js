// http.ts against the server's own OpenAPI document: fetches GET /v1/openapi.json from the real
// server binary, generates TypeScript types from it with openapi-typescript, and typechecks the
// SDK's REST functions against them with tsc. Types rather than a list of fields: the compiler
// compares whole shapes, nested ones included (the catalogue, the program), in both directions
// that matter: what the server answers must be what http.ts promises its callers, and what
// http.ts sends must be what the server accepts. A second run, on a document with one field
// renamed, shows that the check fails when they disagree.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';

import { startServer } from './support/server.js';

const sdk = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = join(sdk, 'node_modules', 'typescript', 'bin', 'tsc');

// What http.ts uses of the document, stated once: each path and method it calls, the status it
// treats as success, its answer type and its body type (from dist/http.d.ts).
const CHECK = `
import type { paths, components } from './openapi.js';
import type * as http from '${join(sdk, 'dist', 'http.js')}';

type Is<T extends true> = T;
type Fits<A, B> = [A] extends [B] ? true : false;
type Answer<Op, S extends number> = Op extends { responses: { [K in S]: { content: { 'application/json': infer T } } } } ? T : never;
type Body<Op> = Op extends { requestBody: { content: { 'application/json': infer T } } } ? T : never;

type DevTokenOp = paths['/v1/dev/token']['post'];
type CreateRoomOp = paths['/v1/rooms']['post'];
type ExercisesOp = paths['/v1/exercises']['get'];

// What the server answers is what http.ts promises.
export type DevTokenAnswer = Is<Fits<Answer<DevTokenOp, 200>, Awaited<ReturnType<typeof http.devToken>>>>;
export type CreateRoomAnswer = Is<Fits<Answer<CreateRoomOp, 201>, Awaited<ReturnType<typeof http.createRoom>>>>;
export type ExercisesAnswer = Is<Fits<Answer<ExercisesOp, 200>, Awaited<ReturnType<typeof http.exercises>>>>;
// What http.ts sends is what the server accepts.
export type DevTokenBody = Is<Fits<http.DevTokenRequest, Body<DevTokenOp>>>;
export type CreateRoomBody = Is<Fits<http.CreateRoomRequest, Body<CreateRoomOp>>>;
// Its errors are problem documents, whose detail http.ts quotes.
export type ProblemDetail = Is<Fits<components['schemas']['Problem'], { detail: string; status: number }>>;
`;

/** tsc's location prefix of the line of CHECK that states `name`. */
function at(name) {
  const line = CHECK.split('\n').findIndex((l) => l.includes(`export type ${name} =`)) + 1;
  assert.ok(line > 0, name);
  return `check.ts(${line},`;
}

/** Generates the types of `doc` and typechecks CHECK against them; returns tsc's result. */
async function typecheck(doc) {
  const dir = mkdtempSync(join(tmpdir(), 'breakroom-openapi-'));
  try {
    writeFileSync(join(dir, 'openapi.ts'), astToString(await openapiTS(doc)));
    writeFileSync(join(dir, 'check.ts'), CHECK);
    const r = spawnSync(
      process.execPath,
      [tsc, '--noEmit', '--strict', '--skipLibCheck', '--target', 'ES2022', '--module', 'ES2022',
        '--moduleResolution', 'Bundler', '--lib', 'ES2022,DOM', join(dir, 'check.ts')],
      { encoding: 'utf8' },
    );
    return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

let server;
let doc;
before(async () => {
  server = await startServer();
  const res = await fetch(`${server.http}/v1/openapi.json`);
  assert.equal(res.status, 200);
  doc = await res.json();
  // The SDK takes any exercise id (the catalogue is the server's to know, GET /v1/exercises);
  // the document lists the server's. The server answers an unknown one with a 400 problem.
  delete doc.components.schemas.Step.properties.exercise.enum;
});
after(async () => {
  await server?.stop();
});

test('every path, method and field http.ts uses is in the server document, with its type', async () => {
  assert.equal(doc.openapi, '3.1.0');
  const { ok, output } = await typecheck(doc);
  assert.ok(ok, `http.ts disagrees with /v1/openapi.json:\n${output}`);
});

test('the check fails when the document and http.ts disagree', async () => {
  const renamed = structuredClone(doc);
  const devToken = renamed.components.schemas.DevToken;
  devToken.properties.expires = devToken.properties.expires_at;
  delete devToken.properties.expires_at;
  devToken.required = devToken.required.map((f) => (f === 'expires_at' ? 'expires' : f));
  const { ok, output } = await typecheck(renamed);
  assert.ok(!ok, 'a renamed answer field went unnoticed');
  assert.ok(output.includes(at('DevTokenAnswer')), output);

  const stricter = structuredClone(doc);
  stricter.components.schemas.CreateRoom.properties.capacity.type = 'string';
  const second = await typecheck(stricter);
  assert.ok(!second.ok, 'a retyped body field went unnoticed');
  assert.ok(second.output.includes(at('CreateRoomBody')), second.output);
});
