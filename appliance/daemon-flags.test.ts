// The daemon's heap flags are the same in every place that starts it outside TypeScript.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { DAEMON_NODE_FLAGS } from './daemon-flags.ts';

const root = new URL('../', import.meta.url);

test('npm start passes the daemon flags', () => {
  const start: string = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')).scripts.start;
  assert.match(start, new RegExp(`^node ${DAEMON_NODE_FLAGS.join(' ')} `), start);
});

test("the image's systemd unit passes the daemon flags", () => {
  const unit = readFileSync(new URL('image/overlay/etc/systemd/system/callcenter.service', root), 'utf8');
  const exec = unit.split('\n').find((l) => l.startsWith('ExecStart='));
  assert.ok(exec, 'the unit has an ExecStart line');
  assert.match(exec, new RegExp(`/node ${DAEMON_NODE_FLAGS.join(' ')} appliance/daemon\\.js$`), exec);
});
