import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BPL_G711_NO_PLC,
  BPL_G711_PLC,
  R_DEFAULT,
  delayImpairment,
  estimateMos,
  lossImpairment,
  mouthToEarMs,
  rToMos,
} from './quality.ts';

function near(actual: number, expected: number, tol: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: expected ${expected} ± ${tol}, got ${actual}`);
}

test('perfect conditions give the G.107 default rating 93.2 and a MOS of about 4.4', () => {
  const q = estimateMos({ lossRate: 0, jitterMs: 0, rttMs: 0 });
  near(q.r, R_DEFAULT, 1e-9, 'R');
  near(q.mos, 4.41, 0.005, 'MOS');
  // A good LAN (a few ms of jitter and RTT) stays at the same figure: Ta is under 100 ms.
  assert.equal(estimateMos({ lossRate: 0, jitterMs: 5, rttMs: 20 }).mos, q.mos);
});

test('R maps to MOS by the G.107 Annex B cubic, matching the quoted G.109 category limits', () => {
  // Exact points of the cubic 1 + 0.035R + R(R-60)(100-R)·7e-6.
  near(rToMos(93.2), 1 + 0.035 * 93.2 + 93.2 * 33.2 * 6.8 * 7e-6, 1e-12, 'MOS at R=93.2');
  near(rToMos(60), 3.1, 1e-12, 'MOS at R=60');
  // Category limits as commonly quoted from G.109 (not checked against the ITU text): the
  // cubic lands within 0.01 of each.
  const table: Array<[number, number]> = [
    [90, 4.34],
    [80, 4.03],
    [70, 3.6],
    [60, 3.1],
    [50, 2.58],
  ];
  for (const [r, mos] of table) near(rToMos(r), mos, 0.01, `MOS at R=${r}`);
  assert.equal(rToMos(100), 4.5);
  assert.equal(rToMos(150), 4.5);
  assert.equal(rToMos(0), 1);
  assert.equal(rToMos(-20), 1);
  assert.equal(rToMos(3), 1, 'the cubic dips below 1 at low R and is clamped');
});

test('the delay impairment follows the G.107 Idd formula and is zero up to 100 ms', () => {
  for (const ta of [0, 20, 99, 100]) assert.equal(delayImpairment(ta), 0);
  // X = 1 at 200 ms: 25·(2^(1/6) − 3·(1+3^-6)^(1/6) + 2).
  near(delayImpairment(200), 25 * (2 ** (1 / 6) - 3 * (1 + 3 ** -6) ** (1 / 6) + 2), 1e-9, 'Idd(200)');
  near(delayImpairment(200), 3.04, 0.01, 'Idd(200)');
  near(delayImpairment(400), 24.07, 0.01, 'Idd(400)');
  let prev = 0;
  for (let ta = 100; ta <= 2000; ta += 25) {
    const idd = delayImpairment(ta);
    assert.ok(idd >= prev, `Idd rises with delay (${ta} ms)`);
    prev = idd;
  }
});

test('mouth-to-ear delay is half the RTT plus a 2x-jitter buffer plus 20 ms packetisation', () => {
  assert.equal(mouthToEarMs(0, 0), 20);
  assert.equal(mouthToEarMs(10, 100), 50 + 20 + 20);
  assert.equal(mouthToEarMs(10), 40, 'an unknown RTT counts as 0');
});

test('the loss impairment uses Bpl 25.1 with concealment and 4.3 without', () => {
  assert.equal(BPL_G711_PLC, 25.1);
  assert.equal(BPL_G711_NO_PLC, 4.3);
  near(lossImpairment(1), 95 / 26.1, 1e-9, 'Ie,eff at 1 % with PLC');
  near(lossImpairment(1, false), 95 / 5.3, 1e-9, 'Ie,eff at 1 % without PLC');
  assert.equal(lossImpairment(0), 0);
  assert.ok(lossImpairment(100) < 95, 'bounded by 95');
  const withPlc = estimateMos({ lossRate: 0.02, jitterMs: 0 });
  const without = estimateMos({ lossRate: 0.02, jitterMs: 0, plc: false });
  assert.ok(without.mos < withPlc.mos, 'the same loss hurts more without concealment');
});

test('MOS falls monotonically as loss rises through 1, 5 and 20 percent', () => {
  const mos = [0, 0.01, 0.05, 0.2].map((lossRate) => estimateMos({ lossRate, jitterMs: 2 }).mos);
  for (let i = 1; i < mos.length; i++) assert.ok(mos[i] < mos[i - 1], `MOS drops from ${mos[i - 1]} to ${mos[i]}`);
  near(mos[1], 4.33, 0.01, 'MOS at 1 % loss');
  near(mos[2], 3.92, 0.01, 'MOS at 5 % loss');
  near(mos[3], 2.63, 0.01, 'MOS at 20 % loss');
  let prev = Infinity;
  for (let l = 0; l <= 1; l += 0.01) {
    const m = estimateMos({ lossRate: l, jitterMs: 0 }).mos;
    assert.ok(m <= prev);
    prev = m;
  }
});

test('a large RTT lowers MOS', () => {
  const lan = estimateMos({ lossRate: 0, jitterMs: 5, rttMs: 20 });
  const far = estimateMos({ lossRate: 0, jitterMs: 5, rttMs: 600 });
  assert.ok(far.mos < lan.mos - 0.4, `600 ms RTT: ${far.mos} vs ${lan.mos}`);
  // Ta = 300 + 10 + 20 = 330 ms.
  near(far.r, R_DEFAULT - delayImpairment(330), 1e-9, 'R at 600 ms RTT');
  // Jitter lengthens the jitter buffer and so also costs delay.
  assert.ok(estimateMos({ lossRate: 0, jitterMs: 80, rttMs: 100 }).mos < estimateMos({ lossRate: 0, jitterMs: 5, rttMs: 100 }).mos);
});

test('NaN, negative and huge inputs never throw and give clamped figures', () => {
  const bad = [Number.NaN, -1, -Infinity, Infinity, 1e300, -1e300, 0];
  for (const lossRate of bad) {
    for (const jitterMs of bad) {
      for (const rttMs of [...bad, undefined]) {
        const q = estimateMos({ lossRate, jitterMs, rttMs });
        assert.ok(Number.isFinite(q.r) && q.r >= 0 && q.r <= 100, `r for ${lossRate}/${jitterMs}/${rttMs}: ${q.r}`);
        assert.ok(Number.isFinite(q.mos) && q.mos >= 1 && q.mos <= 4.5, `mos for ${lossRate}/${jitterMs}/${rttMs}: ${q.mos}`);
      }
    }
  }
  assert.deepEqual(estimateMos({ lossRate: Number.NaN, jitterMs: Number.NaN }), estimateMos({ lossRate: 0, jitterMs: 0 }), 'NaN counts as no data');
  assert.deepEqual(estimateMos({ lossRate: -0.5, jitterMs: -3, rttMs: -100 }), estimateMos({ lossRate: 0, jitterMs: 0 }));
  assert.deepEqual(estimateMos({ lossRate: 7, jitterMs: 0 }), estimateMos({ lossRate: 1, jitterMs: 0 }), 'loss above 1 counts as 1');
  const worst = estimateMos({ lossRate: 1, jitterMs: 1e9, rttMs: 1e9 });
  assert.equal(worst.mos, 1);
  assert.equal(worst.r, 0);
  assert.doesNotThrow(() => estimateMos(undefined as never));
  assert.doesNotThrow(() => estimateMos({ lossRate: '0.1', jitterMs: null } as never));
});
