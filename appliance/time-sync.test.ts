import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyTimeSync, timesyncdDropIn } from './time-sync.ts';
import { parseConfig } from '../system/config/load.ts';

test('the NTP servers become a timesyncd drop-in on the data partition, rewritten only when they change', async () => {
  assert.equal(timesyncdDropIn(['ntp.aliyun.com', '10.0.0.1']), '# Written by the call-center box from its configuration (time.ntpServers); do not edit.\n[Time]\nNTP=ntp.aliyun.com 10.0.0.1\n');
  const dir = mkdtempSync(join(tmpdir(), 'cc-time-'));
  try {
    const logs: string[] = [];
    const opts = { underSystemd: false, log: (m: string) => void logs.push(m) };
    assert.equal(await applyTimeSync(parseConfig({ time: { ntpServers: ['ntp.aliyun.com'] } }), dir, opts), true);
    assert.match(readFileSync(join(dir, 'system/timesyncd.conf.d/callcenter.conf'), 'utf8'), /^NTP=ntp.aliyun.com$/m);
    assert.equal(await applyTimeSync(parseConfig({ time: { ntpServers: ['ntp.aliyun.com'] } }), dir, opts), false, 'unchanged');
    assert.equal(await applyTimeSync(parseConfig({}), dir, opts), true);
    assert.match(readFileSync(join(dir, 'system/timesyncd.conf.d/callcenter.conf'), 'utf8'), /^NTP=$/m);
    assert.throws(() => parseConfig({ time: { ntpServers: ['bad host!'] } }), /ntpServers/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
