import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PromText } from './prom-text.ts';
import { parsePromText, promValue } from '../../hil-tests/harness/prom-text.ts';

test('families are written with HELP and TYPE, escaped labels and Go number forms, and parse back strictly', () => {
  const text = new PromText()
    .gauge('cc_a', 'A gauge.\nSecond line', 3.5)
    .counter('cc_b_total', 'A counter.', [{ labels: { trunk: 'say "hi"\\now\n' }, value: 7 }, { labels: { trunk: 'x' }, value: 0 }])
    .gauge('cc_empty', 'Left out: no samples.', [])
    .gauge('cc_odd', 'Odd values.', [{ labels: { k: 'nan' }, value: NaN }, { labels: { k: 'inf' }, value: Infinity }])
    .toString();
  assert.ok(!text.includes('cc_empty'));
  const f = parsePromText(text);
  assert.deepEqual([...f.keys()], ['cc_a', 'cc_b_total', 'cc_odd']);
  assert.equal(f.get('cc_b_total')!.type, 'counter');
  assert.equal(f.get('cc_a')!.help, 'A gauge.\nSecond line');
  assert.equal(promValue(f, 'cc_b_total', { trunk: 'say "hi"\\now\n' }), 7);
  assert.equal(promValue(f, 'cc_odd', { k: 'inf' }), Infinity);
  assert.ok(Number.isNaN(promValue(f, 'cc_odd', { k: 'nan' })));
});

test('the writer refuses bad names and a family twice', () => {
  assert.throws(() => new PromText().gauge('1bad', 'x', 1));
  assert.throws(() => new PromText().gauge('ok', 'x', [{ labels: { 'bad-label': 'v' }, value: 1 }]));
  assert.throws(() => new PromText().gauge('ok', 'x', 1).gauge('ok', 'x', 2));
});

test('the parser rejects what Prometheus would', () => {
  const bad = [
    'cc_a 1', // no final newline
    'cc_a{x="1} 1\n',
    'cc_a{x="\\q"} 1\n',
    'cc_a 1.2.3\n',
    'cc_a  1\n',
    '# TYPE cc_a gauge\n# TYPE cc_a gauge\ncc_a 1\n',
    '# TYPE cc_a gauge\ncc_a 1\ncc_b 1\ncc_a{x="y"} 2\n',
    'cc_a{x="1"} 1\ncc_a{x="1"} 2\n',
    '# TYPE cc_a wobble\n',
    '\n',
  ];
  for (const t of bad) assert.throws(() => parsePromText(t), Error, JSON.stringify(t));
  assert.doesNotThrow(() => parsePromText('# a comment\n# TYPE cc_a gauge\ncc_a{x="1",} 1 1700000000000\n'));
});
