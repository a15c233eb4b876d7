// Refer-To / Replaces parsing and the sipfrag NOTIFY bodies of call transfer (RFC 3515, 3891).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decode } from './codec.ts';
import { isRequest, type SipRequest } from './message.ts';
import { parseReferTo, parseReplaces, referNotifyHeaders, sipfrag, sipfragStatus } from './refer.ts';

function refer(referTo: string | null): SipRequest {
  const lines = [
    'REFER sip:box@192.0.2.1:5060 SIP/2.0',
    'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKr1',
    'From: <sip:1001@192.0.2.1>;tag=a',
    'To: <sip:5550100@192.0.2.1>;tag=b',
    'Call-ID: c1@192.0.2.10',
    'CSeq: 5 REFER',
    'Max-Forwards: 70',
    ...(referTo === null ? [] : [`Refer-To: ${referTo}`]),
    'Content-Length: 0',
  ];
  const r = decode(`${lines.join('\r\n')}\r\n\r\n`);
  assert.ok(r.ok, r.ok ? '' : r.reason);
  assert.ok(isRequest(r.message));
  return r.message;
}

describe('parseReferTo', () => {
  test('a blind transfer to an extension: the URI and its decoded user part', () => {
    const r = parseReferTo(refer('<sip:1002@192.0.2.1:5060>').headers['refer-to']);
    assert.deepEqual(r, { ok: true, target: { uri: 'sip:1002@192.0.2.1:5060', user: '1002', host: '192.0.2.1' } });
  });

  test('an addr-spec without angle brackets (as baresip sends it) and the compact form r:', () => {
    assert.deepEqual(parseReferTo(refer('sip:1002@192.0.2.1').headers['refer-to']), { ok: true, target: { uri: 'sip:1002@192.0.2.1', user: '1002', host: '192.0.2.1' } });
    const compact = decode(['REFER sip:b@h SIP/2.0', 'Via: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bKr3', 'From: <sip:a@h>;tag=a', 'To: <sip:b@h>;tag=b', 'Call-ID: x', 'CSeq: 1 REFER', 'r: <sip:1003@h>', 'Content-Length: 0', '', ''].join('\r\n'));
    assert.ok(compact.ok && isRequest(compact.message));
    assert.deepEqual(parseReferTo(compact.message.headers['refer-to']), { ok: true, target: { uri: 'sip:1003@h', user: '1003', host: 'h' } });
  });

  test('a number with %-escapes and URI parameters keeps the parameters in the URI', () => {
    const r = parseReferTo(refer('"Sales" <sip:%2B8613800138000@192.0.2.1;user=phone>').headers['refer-to']);
    assert.ok(r.ok);
    assert.equal(r.target.user, '+8613800138000');
    assert.equal(r.target.uri, 'sip:%2B8613800138000@192.0.2.1;user=phone');
  });

  test('an attended transfer: Replaces in the URI headers, %-encoded, is decoded into the dialog it names', () => {
    const r = parseReferTo(refer('<sip:1002@192.0.2.1?Replaces=abc%40192.0.2.10%3Bto-tag%3Dt9%3Bfrom-tag%3Df7&Require=replaces>').headers['refer-to']);
    assert.ok(r.ok);
    assert.equal(r.target.uri, 'sip:1002@192.0.2.1');
    assert.deepEqual(r.target.replaces, { callId: 'abc@192.0.2.10', toTag: 't9', fromTag: 'f7', earlyOnly: false });
  });

  test('missing or unusable Refer-To values are refused with a reason', () => {
    assert.equal(parseReferTo(refer(null).headers['refer-to']).ok, false);
    assert.equal(parseReferTo(undefined).ok, false);
    assert.equal(parseReferTo({ uri: 'tel:+15551234', params: {} }).ok, false, 'not a SIP URI');
    assert.equal(parseReferTo({ uri: 'sip:1002@h?Replaces=abc%3Bto-tag%3Dx', params: {} }).ok, false, 'Replaces without from-tag');
    assert.equal(parseReferTo({ uri: 'sip:1002@h?Replaces', params: {} }).ok, false, 'a header without a value');
    assert.equal(parseReferTo({ uri: 'sip:1002@h?Replaces=%E0%A4%A', params: {} }).ok, false, 'a broken %-escape');
  });

  test('a Refer-To the codec cannot parse never reaches the transfer: the REFER is answered 400 there', () => {
    const lines = ['REFER sip:b@h SIP/2.0', 'Via: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bKr2', 'From: <sip:a@h>;tag=a', 'To: <sip:b@h>;tag=b', 'Call-ID: x', 'CSeq: 1 REFER', 'Refer-To: sip:1002@h?Replaces=x', 'Content-Length: 0'];
    const r = decode(`${lines.join('\r\n')}\r\n\r\n`);
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.status, 400);
  });
});

describe('parseReplaces', () => {
  test('call-id, tags in either order, early-only flag, unknown parameters ignored', () => {
    assert.deepEqual(parseReplaces('425928@bobster.example.org;to-tag=7743;from-tag=6472'), { callId: '425928@bobster.example.org', toTag: '7743', fromTag: '6472', earlyOnly: false });
    assert.deepEqual(parseReplaces('x ; from-tag=1 ; to-tag=2 ; early-only ; foo=bar'), { callId: 'x', toTag: '2', fromTag: '1', earlyOnly: true });
  });

  test('a value without both tags, with empty tags or without a call-id is refused', () => {
    for (const v of ['abc;to-tag=1', 'abc;from-tag=1', ';to-tag=1;from-tag=2', 'abc;to-tag=;from-tag=2', 'abc;to-tag=1;from-tag=2;;', 'a b;to-tag=1;from-tag=2']) {
      assert.equal(parseReplaces(v), undefined, v);
    }
  });
});

describe('sipfrag NOTIFY bodies', () => {
  test('a status line with CRLF, read back; reasons cannot inject lines', () => {
    assert.equal(sipfrag(100, 'Trying'), 'SIP/2.0 100 Trying\r\n');
    assert.equal(sipfrag(480, 'Temporarily\r\nUnavailable'), 'SIP/2.0 480 Temporarily Unavailable\r\n');
    assert.deepEqual(sipfragStatus('SIP/2.0 200 OK\r\n'), { status: 200, reason: 'OK' });
    assert.equal(sipfragStatus('hello'), undefined);
  });

  test('interim NOTIFYs keep the subscription active, the final one terminates it; the id is the REFER CSeq', () => {
    assert.deepEqual(referNotifyHeaders(5, false), { event: 'refer;id=5', 'subscription-state': 'active;expires=60', 'content-type': 'message/sipfrag;version=2.0' });
    assert.equal(referNotifyHeaders(5, true)['subscription-state'], 'terminated;reason=noresource');
  });
});
