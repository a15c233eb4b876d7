import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DTMF_DEDUP_MS, DtmfDedup } from './dtmf-dedup.ts';

test('the same key press reported by RFC 4733 and then as tones counts once', () => {
  const d = new DtmfDedup();
  assert.equal(d.accept('5', 'caller', 'rfc4733', 1000), true);
  assert.equal(d.accept('5', 'caller', 'inband', 1000 + DTMF_DEDUP_MS - 1), false);
});

test('the same digit again from the same source is a new press (a caller typing 55)', () => {
  const d = new DtmfDedup();
  assert.equal(d.accept('5', 'caller', 'rfc4733', 1000), true);
  assert.equal(d.accept('5', 'caller', 'rfc4733', 1100), true);
});

test('another source after the window, another digit, or the other side is a new press', () => {
  const d = new DtmfDedup();
  assert.equal(d.accept('5', 'caller', 'rfc4733', 1000), true);
  assert.equal(d.accept('5', 'caller', 'info', 1000 + DTMF_DEDUP_MS), true);
  assert.equal(d.accept('6', 'caller', 'rfc4733', 1400), true);
  assert.equal(d.accept('6', 'callee', 'inband', 1401), true);
});
