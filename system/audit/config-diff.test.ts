import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diffConfig } from './config-diff.ts';

test('a changed setting is one entry with its value before and after', () => {
  assert.deepEqual(diffConfig({ sip: { udpPort: 5060, userAgent: 'x' } }, { sip: { udpPort: 5070, userAgent: 'x' } }), [{ path: '/sip/udpPort', before: 5060, after: 5070 }]);
});

test('named items are compared by name, so adding one agent is one entry', () => {
  const before = { agents: [{ id: 'a1', extension: '2001' }, { id: 'a2', extension: '2002' }] };
  const after = { agents: [{ id: 'a0', extension: '2000' }, { id: 'a1', extension: '2001' }, { id: 'a2', extension: '2009' }] };
  assert.deepEqual(diffConfig(before, after), [
    { path: '/agents/a2/extension', before: '2002', after: '2009' },
    { path: '/agents/a0', before: undefined, after: { id: 'a0', extension: '2000' } },
  ]);
});

test('passwords and secrets are never written out, only that they changed', () => {
  const before = { extensions: [{ number: '1001', password: 'old-secret' }], trunks: [] };
  const after = { extensions: [{ number: '1001', password: 'new-secret' }, { number: '1002', password: 'p2p2p2' }], trunks: [] };
  const changes = diffConfig(before, after);
  assert.deepEqual(changes, [
    { path: '/extensions/1001/password', before: '[secret]', after: '[secret]' },
    { path: '/extensions/1002', before: undefined, after: { number: '1002', password: '[secret]' } },
  ]);
  assert.ok(!/old-secret|new-secret|p2p2p2/.test(JSON.stringify(changes)));
});

test('unnamed lists are compared as a whole; nothing changed is no entry', () => {
  assert.deepEqual(diffConfig({ media: { codecs: ['PCMU', 'PCMA'] } }, { media: { codecs: ['PCMA'] } }), [{ path: '/media/codecs', before: ['PCMU', 'PCMA'], after: ['PCMA'] }]);
  assert.deepEqual(diffConfig({ a: 1 }, { a: 1 }), []);
  assert.deepEqual(diffConfig(undefined, { a: 1 }), [{ path: '/a', before: undefined, after: 1 }]);
});
