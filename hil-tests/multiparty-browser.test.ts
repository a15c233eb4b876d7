// A 3-way call from the browser softphone: a browser agent (device 'browser', Chromium's fake
// microphone playing 700 Hz) answers a queue call from a sipp caller (test socket, 1000 Hz),
// then, signed in as that agent, adds extension 1005 (a registered sipp phone, test socket,
// 1700 Hz) over the API. The call switches to the mixer with the browser leg in it: the caller
// hears the agent and the third party and not itself, the third party hears the caller and the
// agent, and the page plays the caller and the third party (Goertzel on what it plays). The
// caller hangs up: agent and third party go on (the third party takes the caller's side) until
// the agent hangs up in the page. The CDR lists the three members.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startBoxProcess, type BoxProcess } from './harness/box-process.ts';
import { runSipp } from './harness/sipp.ts';
import { freePort } from './harness/ports.ts';
import { RtpPeer } from './harness/rtp-peer.ts';
import { signIn, type ApiClient } from './harness/api.ts';
import { startPageServer, type PageServer } from './harness/chromium-softphone.ts';
import { openBrowserAgent } from './harness/browser-agent.ts';
import { NO_LAG_GUARD } from './harness/web-box.ts';

const CARRIER = '127.0.0.2';
const AGENT = { id: 'w1', extension: '2101', password: 'softphone-pw-1' };
const MIC_HZ = 700;
const CALLER_HZ = 1000;
const THIRD_HZ = 1700;

let box: BoxProcess;
let agentApi: ApiClient;
let admin: ApiClient;
let pages: PageServer;
let browser: Browser;
let page: Page;
let tmp: string;
let thirdPort: number;

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'multiparty-browser-'));
  box = await startBoxProcess({
    extensions: [{ number: AGENT.extension, password: 'unused-sip-pw' }, { number: '1005', password: 'secret1005' }],
    trunks: [{ name: 'carrier', kind: 'static', host: CARRIER }],
    queues: [{ name: 'web', strategy: 'linear', ringTimeoutSec: 30, wrapUpSec: 0, announceEverySec: 0, overflow: 'hangup' }],
    agents: [{ id: AGENT.id, extension: AGENT.extension, device: 'browser', queues: [{ queue: 'web' }] }],
    dids: [{ number: '5550200', trunk: 'carrier', destination: 'queue:web' }],
    security: NO_LAG_GUARD,
  });
  admin = await signIn(box);
  thirdPort = await freePort('127.0.0.4');
  const reg = await runSipp({ scenario: 'transfer-agent-register.xml', localIp: '127.0.0.4', localPort: thirdPort, target: `127.0.0.1:${box.sipPort}`, keys: { ext: '1005' }, extra: ['-au', '1005', '-ap', 'secret1005'] }).done;
  assert.equal(reg.code, 0, `sipp phone registered 1005: ${reg.errors || reg.stderr}`);
  pages = await startPageServer(box.httpPort);
  const agent = await openBrowserAgent(box, admin, pages, { id: AGENT.id, password: AGENT.password, hz: MIC_HZ }, tmp, 60);
  ({ api: agentApi, browser, page } = agent);
});

after(async () => {
  await browser?.close();
  await pages?.close();
  await box?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a browser agent adds an extension to a queue call: all three hear the other two and not themselves; the caller leaves and the other two go on', async () => {
  const login = await agentApi.call('POST', `/api/acd/agents/${AGENT.id}/login`);
  assert.equal(login.status, 200, JSON.stringify(login.body));
  const callerPeer = await RtpPeer.open(CARRIER);
  const thirdPeer = await RtpPeer.open('127.0.0.4');
  const stops: (() => void)[] = [];
  const third = runSipp({ scenario: 'multiparty-phone.xml', localIp: '127.0.0.4', localPort: thirdPort, keys: { agent: '1005', agent_rtp_ip: '127.0.0.4', agent_rtp_port: thirdPeer.port }, timeoutSec: 90 });
  void third.waitForLog(/AGENTBOXPORT (\d+)/, 80_000).then(([, port]) => stops.push(thirdPeer.talk(THIRD_HZ, Number(port))), () => undefined);
  const uac = runSipp({
    scenario: 'uac-call.xml', localIp: CARRIER, localPort: await freePort(CARRIER), target: `127.0.0.1:${box.sipPort}`,
    keys: { dialled: '5550200', caller: '13900001111', rtp_ip: CARRIER, rtp_port: callerPeer.port }, pauseMs: 20_000, timeoutSec: 60,
  });
  try {
    const [, boxPort] = await uac.waitForLog(/BOXPORT (\d+)/);
    stops.push(callerPeer.talk(CALLER_HZ, Number(boxPort)));
    await page.waitForFunction(() => window.softphoneTest.events.some((e) => e.event === 'incoming'), undefined, { timeout: 20_000 });
    await page.click('#answer');
    await page.waitForFunction(() => window.softphoneTest.events.some((e) => e.event === 'connected'), undefined, { timeout: 20_000 });
    await sleep(1000);
    const calls = await admin.call('GET', '/api/calls');
    const live = calls.body.find((c: any) => c.queue === 'web' && c.state === 'answered')?.id;
    assert.ok(live, `the agent's call is listed: ${JSON.stringify(calls.body).slice(0, 300)}`);

    const added = await agentApi.call('POST', `/api/calls/${live}/parties`, { number: '1005' });
    assert.equal(added.status, 201, JSON.stringify(added.body));
    await sleep(500);
    const [c, p] = await Promise.all([callerPeer.heard(1500), thirdPeer.heard(1500)]);
    const report = `caller: ${[MIC_HZ, CALLER_HZ, THIRD_HZ].map((hz) => `${hz}=${c(hz).toFixed(3)}`).join(' ')}; third: ${[MIC_HZ, CALLER_HZ, THIRD_HZ].map((hz) => `${hz}=${p(hz).toFixed(3)}`).join(' ')}`;
    // The fake microphone is quieter than the test sockets: its share of a two-voice mix is lower.
    assert.ok(c(MIC_HZ) > 0.05 && c(THIRD_HZ) > 0.1 && c(CALLER_HZ) < 0.01, `the caller hears the browser agent and the third party, not itself (${report})`);
    assert.ok(p(MIC_HZ) > 0.05 && p(CALLER_HZ) > 0.1 && p(THIRD_HZ) < 0.01, `the third party hears the caller and the browser agent, not itself (${report})`);
    const inPage = await page.evaluate(([a, b]) => Promise.all([window.softphoneTest.measure(a, 1000), window.softphoneTest.measure(b, 1000)]), [CALLER_HZ, THIRD_HZ] as const);
    assert.ok(inPage[0].ratio > 0.1 && inPage[1].ratio > 0.1, `the page plays the caller and the third party: ${JSON.stringify(inPage)}`);
    console.log(`${report}; page: ${CALLER_HZ} Hz ${inPage[0].ratio.toFixed(2)}, ${THIRD_HZ} Hz ${inPage[1].ratio.toFixed(2)}`);

    // The caller hangs up: the agent and the third party go on (the third party takes the caller's side).
    const r = await uac.done;
    assert.equal(r.code, 0, `the caller talked until it hung up: ${r.errors || r.stderr}`);
    // The box answers the BYE first, then hands the caller's side over: wait for that.
    let after = (await admin.call('GET', '/api/calls')).body.find((c: any) => c.id === live);
    for (let i = 0; i < 50 && after?.caller.id !== '1005'; i++) {
      await sleep(100);
      after = (await admin.call('GET', '/api/calls')).body.find((c: any) => c.id === live);
    }
    assert.ok(after, 'the call goes on without the caller');
    assert.equal(after.caller.id, '1005', 'the third party is on the caller side now');
    const p2 = await thirdPeer.heard(1200);
    assert.ok(p2(MIC_HZ) > 0.05 && p2(CALLER_HZ) < 0.01, `the third party still hears the agent (700 Hz ${p2(MIC_HZ).toFixed(3)}, 1000 Hz ${p2(CALLER_HZ).toFixed(3)})`);
    await page.click('#hangup');
    const d = await third.done;
    assert.equal(d.code, 0, `the third party got a BYE at the end: ${d.errors || d.stderr}`);
  } finally {
    for (const s of stops) s();
    uac.kill();
    third.kill();
    callerPeer.close();
    thirdPeer.close();
  }
  const cdr = await box.cdr('5550200', (row) => row.conference !== undefined);
  assert.equal(cdr.caller.id, '1005', 'the CDR names the parties at the end');
  assert.deepEqual(cdr.conference.members.map((m: any) => [m.id, m.party.id]).sort(), [['callee', AGENT.extension], ['caller', 'carrier'], ['p1', '1005']]);
  const s = await box.idle();
  assert.equal(s.calls, 0);
  assert.equal(s.media.routers, 0);
});
