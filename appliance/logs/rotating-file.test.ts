import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { RotatingFile } from './rotating-file.ts';

const line = (i: number) => `${JSON.stringify({ i, msg: 'x'.repeat(80) })}\n`;

test('the log rotates by size, keeps N older files, and loses or reorders no line of the kept ones', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rot-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const f = new RotatingFile(dir, { maxBytes: 1000, keep: 3 });
  // about 100 bytes a line: 10 lines a file
  for (let i = 0; i < 100; i++) f.writeLine(line(i));
  f.destroy();
  assert.deepEqual(readdirSync(dir).sort(), ['box.log', 'box.log.1', 'box.log.2', 'box.log.3']);
  for (const name of readdirSync(dir)) assert.ok(statSync(join(dir, name)).size <= 1000, `${name} over the limit`);
  const lines = ['box.log.3', 'box.log.2', 'box.log.1', 'box.log'].flatMap((n) => readFileSync(join(dir, n), 'utf8').split('\n').filter(Boolean)).map((l) => JSON.parse(l).i);
  assert.deepEqual(lines, Array.from({ length: 40 }, (_, k) => 60 + k), 'the newest 40 lines, in order');
  assert.equal(f.rotations, 9);
});

test('a reopened log appends to the existing file and counts its size', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rot-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const a = new RotatingFile(dir, { maxBytes: 1000, keep: 2 });
  for (let i = 0; i < 7; i++) a.writeLine(line(i));
  a.destroy();
  const b = new RotatingFile(dir, { maxBytes: 1000, keep: 2 });
  for (let i = 7; i < 12; i++) b.writeLine(line(i));
  b.destroy();
  assert.deepEqual(readFileSync(join(dir, 'box.log.1'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l).i), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.deepEqual(readFileSync(join(dir, 'box.log'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l).i), [10, 11]);
});

test('lowering keep removes the files past it at the next rotation', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rot-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const f = new RotatingFile(dir, { maxBytes: 200, keep: 5 });
  for (let i = 0; i < 12; i++) f.writeLine(line(i));
  assert.equal(readdirSync(dir).length, 6);
  f.configure({ maxBytes: 200, keep: 2 });
  f.writeLine(line(12));
  f.writeLine(line(13));
  f.destroy();
  assert.deepEqual(readdirSync(dir).sort(), ['box.log', 'box.log.1', 'box.log.2']);
});

test('pino writes through it as one of several destinations', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rot-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const f = new RotatingFile(dir, { maxBytes: 10_000, keep: 2 });
  const log = pino({ level: 'debug' }, pino.multistream([{ stream: f, level: 'debug' }]));
  log.child({ module: 'sip' }).warn({ code: 'CC_X' }, 'hello');
  log.debug('detail');
  f.destroy();
  const rows = readFileSync(join(dir, 'box.log'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  assert.deepEqual(rows.map((r) => [r.level, r.module, r.msg, r.code]), [[40, 'sip', 'hello', 'CC_X'], [20, undefined, 'detail', undefined]]);
});
