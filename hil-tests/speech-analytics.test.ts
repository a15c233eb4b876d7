// Speech analytics of a real recorded call (issue 10): a carrier call through the box where
// the caller speaks first, the callee cuts in (overtalk) and goes on alone; once the call ends
// the box analyses its recording off the main thread and the recordings API gives the
// figures, and QA sampling picks the call for its overtalk. The audio crosses the real path (RTP into mediasoup, the recording worker, the WAV
// on disk), so the tolerance is a few frames, not the one frame of the unit tests on WAVs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startBoxProcess, type BoxProcess } from './harness/box-process.ts';
import { carrierToUpstream } from './harness/topology.ts';
import { freePort } from './harness/ports.ts';
import { twoToneCall } from './harness/two-tone-call.ts';
import { tone } from './harness/audio.ts';
import { firstAdmin, signInPage } from './harness/web-session.ts';
import { ensureWebBuilt, launchBrowser, openPage, screenshot } from './harness/browser.ts';
import { signIn, type ApiClient } from './harness/api.ts';

let box: BoxProcess;
let upstreamPort: number;
let api: ApiClient;
let adminPassword: string;
let callId: string;

before(async () => {
  upstreamPort = await freePort('127.0.0.3');
  box = await startBoxProcess(carrierToUpstream(upstreamPort, {
    dids: [{ number: '*', destination: 'dial:' }],
    // QA samples calls with more than 10 % overtalk, and nothing else.
    qa: { sampling: { overtalkPct: 10, randomPerAgentPerWeek: 0, shortTalkSec: 0, longHoldSec: 0, abandoned: false, transfers: false } },
  }));
  ({ api, password: adminPassword } = await firstAdmin(box));
});

after(async () => {
  await box?.stop();
});

const silence = (frames: number) => Array.from({ length: frames }, () => Buffer.alloc(160, 0xff));

test('a recorded call\'s talk, overtalk and silence are measured from its recording and served with the recording', async () => {
  // 20 ms frames: caller talks 0-1.0 s; callee 0.6-2.0 s (0.4 s overtalk); then both quiet to 2.6 s.
  await twoToneCall(box, upstreamPort, '96001', {
    caller: [...tone(400, 50), ...silence(80)],
    callee: [...silence(30), ...tone(900, 70), ...silence(30)],
  });
  const cdr = await box.cdr('96001');
  callId = cdr.callId;
  let res = await api.call('GET', `/api/recordings/${encodeURIComponent(cdr.callId)}/analytics`);
  for (let i = 0; i < 100 && res.status === 202; i++) {
    await new Promise((r) => setTimeout(r, 100));
    res = await api.call('GET', `/api/recordings/${encodeURIComponent(cdr.callId)}/analytics`);
  }
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const f = res.body.figures;
  assert.ok(f, `figures: ${JSON.stringify(res.body)}`);
  const near = (actual: number, expected: number, what: string) => assert.ok(Math.abs(actual - expected) <= 80, `${what}: ${actual} ms, expected ${expected} ± 80 (${JSON.stringify(f)})`);
  near(f.caller.talkMs, 1000, 'caller talk');
  near(f.callee.talkMs, 1400, 'callee talk');
  near(f.overtalkMs, 400, 'overtalk');
  assert.equal(f.longestMonologue.side, 'callee', 'the callee talks alone longest (1.0-2.0 s)');
  near(f.longestMonologue.ms, 1000, 'callee monologue');
  assert.ok(f.silenceMs >= 500, `the quiet end of the call is silence: ${f.silenceMs} ms`);
  assert.ok(f.talkListenRatio > 1.2 && f.talkListenRatio < 1.6, `talk/listen ${f.talkListenRatio}`);

  // An agent may not read the figures of a call they did not take.
  const created = await api.call('POST', '/api/users', { username: 'li', role: 'agent', password: 'agent-password-1' });
  assert.ok(created.status < 300, JSON.stringify(created.body));
  const agent = await signIn(box, 'li', 'agent-password-1');
  const denied = await agent.call('GET', `/api/recordings/${encodeURIComponent(cdr.callId)}/analytics`);
  assert.equal(denied.status, 403, JSON.stringify(denied.body));
  const missing = await api.call('GET', '/api/recordings/no-such-call/analytics');
  assert.equal(missing.status, 404);

  // The speech report of today counts it, with its overtalk share.
  const report = await api.call('GET', '/api/reports/speech');
  assert.equal(report.status, 200, JSON.stringify(report.body));
  assert.equal(report.body.total.calls, 1);
  assert.equal(report.body.total.avgOvertalkPct, f.overtalkPct);

  // QA sampling picks the call for its overtalk (about 15 % of it).
  const sampled = await api.call('POST', '/api/qa/sampling/run', {});
  assert.equal(sampled.status, 200, JSON.stringify(sampled.body));
  const picked = sampled.body.selected.find((x: { callId: string }) => x.callId === cdr.callId);
  assert.deepEqual(picked?.reasons, ['overtalk'], JSON.stringify(sampled.body));
});

test('the recordings page shows the figures and the who-spoke-when timeline, in Chinese and in English', async () => {
  assert.ok(callId, 'the first test recorded a call');
  ensureWebBuilt();
  const browser = await launchBrowser();
  try {
    for (const [locale, talkLabel] of [['zh-CN', '主叫说话时长'], ['en-US', 'Caller talk']] as const) {
      const { page, errors } = await openPage(browser, { baseURL: `http://127.0.0.1:${box.httpPort}`, locale });
      await signInPage(page, 'admin', adminPassword);
      await page.goto('/#/recordings');
      await page.click(`[data-test=result-row][data-call-id="${callId}"] [data-test=listen]`);
      await page.waitForSelector('[data-test=speech-analytics] [data-test=speech-caller-talk]');
      const panel = await page.textContent('[data-test=speech-analytics]');
      assert.ok(panel?.includes(talkLabel), `${locale}: ${panel}`);
      const callerTalk = await page.textContent('[data-test=speech-caller-talk]');
      assert.match(callerTalk ?? '', /^(0\.9|1\.0|1\.1) (s|秒) /, `caller talk shown as about one second: ${callerTalk}`);
      // Two bars per side at most (the scripted call has one speech span per side).
      const bars = await page.$$eval('[data-test=speech-timeline] rect', (rs) => rs.map((r) => r.getAttribute('class')));
      assert.deepEqual([...bars].sort(), ['callee', 'caller']);
      // The transcript: asked for once (experimental, with the engine's measured accuracy), then shown.
      if (locale === 'zh-CN') {
        await page.click('[data-test=speech-analytics] [data-test=transcribe]');
      } else {
        assert.equal(await page.$('[data-test=speech-analytics] [data-test=transcribe]'), null, 'asked for already: no second button');
      }
      await page.waitForSelector('[data-test=transcript-label]');
      assert.match((await page.textContent('[data-test=transcript-label]')) ?? '', /17\.8%/);
      assert.ok(await page.isVisible('[data-test=transcript-experimental]'));
      await page.waitForFunction(() => !document.querySelector('[data-test=transcript-running]'), undefined, { timeout: 120_000 });
      await screenshot(page, `speech-analytics-${locale}`);
      await page.goto('/#/reports');
      await page.waitForSelector('[data-test=report-speech-row][data-kind=total] [data-test=calls]');
      assert.equal((await page.textContent('[data-test=report-speech-row][data-kind=total] [data-test=calls]'))?.trim(), '1');
      await screenshot(page, `speech-report-${locale}`);
      assert.deepEqual(errors, []);
      await page.context().close();
    }
  } finally {
    await browser.close();
  }
});
