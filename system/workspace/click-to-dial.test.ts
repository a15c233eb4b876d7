// The click-to-dial REFER: addressed to the phone's binding, out of any dialog, naming the
// number at the box as the phone reaches it (host, port, transport).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clickToDialRefer } from './click-to-dial.ts';

const endpoint = {
  via: (protocol: 'UDP' | 'TCP') => ({ version: '2.0', protocol, host: '192.0.2.10', port: 5070, params: { branch: 'z9hG4bK-x' } }),
  contact: (protocol: 'UDP' | 'TCP') => ({ uri: `sip:192.0.2.10:5070${protocol === 'TCP' ? ';transport=tcp' : ''}`, params: {} }),
};

test('the REFER asks the phone at its contact to call the number through the box', () => {
  const rq = clickToDialRefer(endpoint, { binding: { contact: 'sip:2501@192.0.2.55:5062', remote: { protocol: 'UDP', address: '192.0.2.55', port: 5062 } }, extension: '2501', number: '913900139000', publicAddress: '192.0.2.10' }, { tag: 't1', callId: 'c1' });
  assert.equal(rq.method, 'REFER');
  assert.equal(rq.uri, 'sip:2501@192.0.2.55:5062');
  assert.equal(rq.headers['refer-to'], '<sip:913900139000@192.0.2.10:5070>');
  assert.equal(rq.headers['referred-by'], '<sip:2501@192.0.2.10:5070>');
  assert.deepEqual([rq.headers.from.params.tag, rq.headers.to.params.tag, rq.headers.cseq], ['t1', undefined, { seq: 1, method: 'REFER' }]);
});

test('over TCP the number is reached over TCP too', () => {
  const rq = clickToDialRefer(endpoint, { binding: { contact: 'sip:2501@192.0.2.55:5062;transport=tcp', remote: { protocol: 'TCP', address: '192.0.2.55', port: 5062 } }, extension: '2501', number: '2502', publicAddress: '192.0.2.10' });
  assert.equal(rq.headers['refer-to'], '<sip:2502@192.0.2.10:5070;transport=tcp>');
});
