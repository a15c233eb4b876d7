// The daemon as an operator meets it: the admin password is shown on the first start only,
// a broken config file is refused with a coded error naming each problem (and the box does
// not start half-configured), and a good config file is kept in LMDB for later starts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBoxProcess } from './harness/box-process.ts';

test('the admin password is printed on the first start and never again', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ccbox-first-'));
  try {
    const first = await startBoxProcess({}, { dataDir });
    const line = first.logs.find((l) => l.includes('admin password generated'));
    assert.ok(line, 'password line on first start');
    assert.match(JSON.parse(line!).password, /^[A-Za-z0-9]{16}$/);
    assert.equal(await first.stop(), 0);
    const second = await startBoxProcess({}, { dataDir });
    assert.equal(second.logs.filter((l) => l.includes('admin password generated')).length, 0);
    assert.equal(await second.stop(), 0);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('a config file with errors is refused with CC_CONFIG_INVALID naming every problem, exit code 2', async () => {
  const box = await startBoxProcess(
    { extensions: [{ number: 'abc', password: 'x' }], dids: [{ number: '1', destination: 'ext:9999' }], calls: { maxCalls: -1 } },
    { allowExit: true },
  );
  const code = await box.stop();
  assert.equal(code, 2);
  const fatal = box.logs.map((l) => { try { return JSON.parse(l); } catch { return undefined; } }).find((l) => l?.code === 'CC_CONFIG_INVALID');
  assert.ok(fatal, box.logs.slice(-5).join('\n'));
  const problems = fatal.problems.join('\n');
  assert.match(problems, /\/extensions\/0\/number/);
  assert.match(problems, /\/extensions\/0\/password/);
  assert.match(problems, /\/calls\/maxCalls/);
  assert.ok(!box.logs.some((l) => l.includes('"msg":"ready"')), 'never ready');
});

test('a config file that is not JSON is refused with a clear message', async () => {
  const box = await startBoxProcess({ __raw: '{ "extensions": [ oops' }, { allowExit: true });
  assert.equal(await box.stop(), 2);
  assert.ok(box.logs.some((l) => l.includes('CC_CONFIG_INVALID') && l.includes('not valid JSON')));
});

test('a good config file is stored in LMDB and used on the next start without the file', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ccbox-cfg-'));
  try {
    const first = await startBoxProcess({ extensions: [{ number: '2001', password: 'secret2001' }] }, { dataDir });
    await first.stop();
    const second = await startBoxProcess({}, { dataDir, noConfigFile: true });
    assert.ok(second.logs.some((l) => l.includes('"source":"lmdb"')), 'config came from LMDB');
    const events = (await second.read<any>('events')).map((e) => e.value.type);
    assert.ok(events.includes('config-applied'));
    await second.stop();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
