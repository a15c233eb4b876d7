import { test } from 'node:test';
import assert from 'node:assert/strict';
import { watchdogIntervalMs } from './systemd-notify.ts';

test('the watchdog is pinged at a third of the timeout, only when systemd asked this process', () => {
  assert.equal(watchdogIntervalMs({ NOTIFY_SOCKET: '/run/systemd/notify', WATCHDOG_USEC: '30000000' }, 42), 10_000);
  assert.equal(watchdogIntervalMs({ NOTIFY_SOCKET: '/run/systemd/notify', WATCHDOG_USEC: '30000000', WATCHDOG_PID: '42' }, 42), 10_000);
  assert.equal(watchdogIntervalMs({ NOTIFY_SOCKET: '/run/systemd/notify', WATCHDOG_USEC: '30000000', WATCHDOG_PID: '7' }, 42), undefined, 'another process is watched');
  assert.equal(watchdogIntervalMs({ WATCHDOG_USEC: '30000000' }, 42), undefined, 'not under systemd');
  assert.equal(watchdogIntervalMs({ NOTIFY_SOCKET: '/x' }, 42), undefined, 'no watchdog set');
  assert.equal(watchdogIntervalMs({ NOTIFY_SOCKET: '/x', WATCHDOG_USEC: '600' }, 42), 1000, 'never more often than once a second');
});
