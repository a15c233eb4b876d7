import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseLine, queryLogs } from './log-query.ts';

const row = (time: number, level: number, module: string | undefined, msg: string, extra: object = {}) => JSON.stringify({ level, time, pid: 1, hostname: 'box', svc: 'callcenter', ...(module ? { module } : {}), ...extra, msg });

test('filters by lowest level, module, text and time, newest first across rotated files, up to the limit', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'logq-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'box.log.1'), [row(1000, 30, 'sip', 'listening'), row(2000, 50, 'media', 'worker died', { code: 'CC_MEDIA_WORKER_DIED' }), 'not json', ''].join('\n'));
  writeFileSync(join(dir, 'box.log'), [row(3000, 40, 'sip', 'slow trunk', { trunk: 'carrier' }), row(4000, 20, 'calls', 'detail'), row(5000, 50, 'sip', 'dispatch failed')].join('\n'));
  const files = [join(dir, 'box.log'), join(dir, 'box.log.1')];
  const msgs = (f: Parameters<typeof queryLogs>[1]) => queryLogs(files, f).entries.map((e) => e.msg);
  assert.deepEqual(msgs({}), ['dispatch failed', 'detail', 'slow trunk', 'worker died', 'listening']);
  assert.deepEqual(msgs({ level: 'warn' }), ['dispatch failed', 'slow trunk', 'worker died']);
  assert.deepEqual(msgs({ module: 'sip' }), ['dispatch failed', 'slow trunk', 'listening']);
  assert.deepEqual(msgs({ text: 'cc_media' }), ['worker died'], 'text matches the code, case-insensitively');
  assert.deepEqual(msgs({ text: 'CARRIER' }), ['slow trunk'], 'and the other fields');
  assert.deepEqual(msgs({ from: 2000, to: 4000 }), ['detail', 'slow trunk', 'worker died']);
  const limited = queryLogs(files, { limit: 2 });
  assert.deepEqual([limited.entries.map((e) => e.msg), limited.truncated], [['dispatch failed', 'detail'], true]);
});

test('a line becomes an entry with its level name, module, code and other fields', () => {
  const e = parseLine(row(7, 40, 'acd', 'agent stuck', { code: 'CC_ACD_X', agent: 'a1' }))!;
  assert.deepEqual(e, { time: 7, level: 'warn', module: 'acd', msg: 'agent stuck', code: 'CC_ACD_X', fields: { agent: 'a1' } });
  assert.equal(parseLine('{"broken'), undefined);
  assert.equal(parseLine('{"msg":"no time"}'), undefined);
});
