import { test } from 'node:test';
import assert from 'node:assert/strict';
import { networkMatcher, routeRecipient } from './address-routing.ts';

const addresses = [{ address: 'Support@Shop.example', queue: 'support' }, { address: 'sales@shop.example', queue: 'sales' }];

test('a configured address routes to its queue, in any letter case and with brackets', () => {
  assert.equal(routeRecipient('support@shop.example', addresses)?.queue, 'support');
  assert.equal(routeRecipient('<SALES@SHOP.EXAMPLE>', addresses)?.queue, 'sales');
});

test('any other address is not routed (the listener answers 550)', () => {
  assert.equal(routeRecipient('billing@shop.example', addresses), undefined);
  assert.equal(routeRecipient('support@shop.example.evil', addresses), undefined);
  assert.equal(routeRecipient('', addresses), undefined);
  assert.equal(routeRecipient('support@shop.example', []), undefined);
});

test('clients are allowed only from the configured networks, IPv4-mapped addresses included', () => {
  const allowed = networkMatcher(['127.0.0.0/8', '192.168.1.0/24', '10.1.2.3', '::1/128', 'garbage', '10.0.0.0/99']);
  assert.equal(allowed('127.0.0.1'), true);
  assert.equal(allowed('::ffff:127.0.0.1'), true);
  assert.equal(allowed('192.168.1.200'), true);
  assert.equal(allowed('192.168.2.1'), false);
  assert.equal(allowed('10.1.2.3'), true);
  assert.equal(allowed('10.1.2.4'), false);
  assert.equal(allowed('::1'), true);
  assert.equal(allowed('2001:db8::1'), false);
  assert.equal(allowed('not-an-ip'), false);
  assert.equal(networkMatcher([])('127.0.0.1'), false);
});
