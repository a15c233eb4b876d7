// Call transfer through the box with real peers. A carrier caller (sipp, media from a test
// socket) reaches agent A, a baresip phone playing 440 Hz. Blind: A's `/transfer` sends REFER;
// the box rings extension B (baresip, 1000 Hz), the caller then hears B, A's leg is gone, the
// CDR names B as the callee and lists the transfer, and the recording goes on in the same
// file with A and B among its parties. A transfer to an extension that is not registered
// fails by NOTIFY and leaves the caller with A. baresip 1.0 has no attended-transfer command,
// so the consultative transfer is driven by a sipp agent (peers/sipp/agent-consult-transfer.xml):
// it holds the caller, calls B, then sends REFER with Replaces naming the consultation dialog.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startBoxProcess, type BoxProcess } from './harness/box-process.ts';
import { startBaresip, type Baresip } from './harness/baresip.ts';
import { runSipp, type SippRun } from './harness/sipp.ts';
import { RtpPeer, toneRatio, ulawRms } from './harness/rtp-peer.ts';
import { freePort } from './harness/ports.ts';
import { carrierCall, type CarrierCall } from './harness/carrier-caller.ts';
import { SipClient } from './harness/sip-client.ts';
import { encodeUlaw } from '../media/g711.ts';

let box: BoxProcess;
let phoneA: Baresip;
let phoneB: Baresip;
/** The sipp agent's SIP port on 127.0.0.4, registered as extension 1004. */
let agentPort: number;

before(async () => {
  box = await startBoxProcess({
    // One mediasoup worker: calls with the same codec set then share a router, which the
    // attended-transfer test relies on (the cross-router path has its own test).
    media: { workers: 1 },
    extensions: [
      { number: '1001', password: 'secret1001' },
      { number: '1002', password: 'secret1002' },
      { number: '1003', password: 'secret1003' },
      { number: '1004', password: 'secret1004' },
      { number: '1005', password: 'secret1005' },
    ],
    trunks: [{ name: 'carrier', kind: 'static', host: '127.0.0.2' }],
    dids: [
      { number: '5550101', trunk: 'carrier', destination: 'ext:1001' },
      { number: '5550104', trunk: 'carrier', destination: 'ext:1004' },
    ],
    calls: { noAnswerTimeoutSec: 5 },
  });
  phoneA = await startBaresip({ extension: '1001', password: 'secret1001', box: { host: '127.0.0.1', port: box.sipPort }, listenIp: '127.0.0.1', toneHz: 440 });
  phoneB = await startBaresip({ extension: '1002', password: 'secret1002', box: { host: '127.0.0.1', port: box.sipPort }, listenIp: '127.0.0.1', toneHz: 1000 });
  await phoneA.waitFor(/200 OK .*1 binding/);
  await phoneB.waitFor(/200 OK .*1 binding/);
  agentPort = await freePort('127.0.0.4');
  const reg = await runSipp({ scenario: 'transfer-agent-register.xml', localIp: '127.0.0.4', localPort: agentPort, target: `127.0.0.1:${box.sipPort}`, keys: { ext: '1004' }, extra: ['-au', '1004', '-ap', 'secret1004'] }).done;
  assert.equal(reg.code, 0, `the sipp agent registered 1004: ${reg.errors || reg.stderr}`);
});

after(async () => {
  await phoneA?.stop();
  await phoneB?.stop();
  await box?.stop();
});

/** A carrier call to `dialled` whose media is a test socket that keeps sending silence. */
async function silentCaller(dialled: string, holdMs: number, scenario = 'uac-call.xml'): Promise<CarrierCall> {
  const call = await carrierCall(box, { dialled, caller: '13800138000', pauseMs: holdMs, timeoutSec: Math.ceil(holdMs / 1000) + 20, scenario });
  call.sendSilence();
  return call;
}

/** The box's log lines from `mark` on that match `re` (waiting for the first). */
async function logAfter(mark: number, re: RegExp, timeoutMs = 15_000): Promise<string> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const line = box.logs.slice(mark).find((l) => re.test(l));
    if (line) return line;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the box never logged ${re}; last lines:\n${box.logs.slice(-10).join('\n')}`);
}

/** A test socket on `ip` that talks for a sipp peer: a continuous `hz` tone to the box port it names. */
async function agentVoice(hz: number, ip = '127.0.0.4'): Promise<{ peer: RtpPeer; talkTo: (port: number) => void; stop: () => void }> {
  const peer = await RtpPeer.open(ip);
  let t: NodeJS.Timeout | undefined;
  let n = 0;
  return {
    peer,
    talkTo: (port) => {
      t = setInterval(() => {
        const pcm = new Int16Array(160);
        for (let i = 0; i < 160; i++, n++) pcm[i] = Math.round(8000 * Math.sin((2 * Math.PI * hz * n) / 8000));
        peer.socket.send(peer.packet(0, encodeUlaw(pcm)), port, '127.0.0.1');
      }, 20);
    },
    stop: () => {
      clearInterval(t);
      peer.close();
    },
  };
}

/**
 * The sipp agent (extension 1004 on 127.0.0.4, registered in before()) playing `scenario`, its
 * voice a 600 Hz test socket; talk() waits for the box's port (AGENTBOXPORT) and starts it.
 */
async function sippAgent(scenario: string, keys: Record<string, string | number>, timeoutSec: number, extra?: string[]): Promise<{ run: SippRun; talk: () => Promise<void>; stop: () => void }> {
  const voice = await agentVoice(600);
  const run = runSipp({
    scenario, localIp: '127.0.0.4', localPort: agentPort, target: `127.0.0.1:${box.sipPort}`,
    keys: { agent: '1004', ...keys, agent_rtp_ip: '127.0.0.4', agent_rtp_port: voice.peer.port }, timeoutSec, extra,
  });
  return {
    run,
    talk: async () => {
      const [, agentBoxPort] = await run.waitForLog(/AGENTBOXPORT (\d+)/);
      voice.talkTo(Number(agentBoxPort));
    },
    stop: () => {
      voice.stop();
      run.kill();
    },
  };
}

/** What the caller heard from now for `ms`: the dominant tone's Goertzel ratios. */
async function listen(peer: RtpPeer, ms: number): Promise<{ packets: number; rms: number; at: (hz: number) => number }> {
  const from = peer.received.length;
  await new Promise((r) => setTimeout(r, ms));
  const heard = peer.received.slice(from).filter((p) => p.payloadType === 0).map((p) => p.payload);
  return { packets: heard.length, rms: ulawRms(heard), at: (hz) => toneRatio(heard, hz) };
}

test('blind transfer: agent A transfers the caller to extension B; the caller hears B, A is gone, the CDR and recording say so', async () => {
  const call = await silentCaller('5550101', 9000);
  const { peer, uac } = call;
  try {
    const before = await listen(peer, 1500);
    assert.ok(before.at(440) > 0.5, `the caller hears A first (440 Hz ratio ${before.at(440).toFixed(2)})`);
    const ended = (phoneA.output().match(/terminated/g) ?? []).length;
    const reply = await phoneA.command('transfer', `sip:1002@127.0.0.1:${box.sipPort}`);
    assert.match(reply, /"response":true/, reply);
    await box.waitForLog(/"msg":"call transferred"/, 10_000);
    for (let i = 0; i < 40 && (phoneA.output().match(/terminated/g) ?? []).length === ended; i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok((phoneA.output().match(/terminated/g) ?? []).length > ended, "A's call is over");
    await new Promise((r) => setTimeout(r, 300));
    const after = await listen(peer, 1500);
    assert.ok(after.at(1000) > 0.5, `the caller now hears B (1000 Hz ratio ${after.at(1000).toFixed(2)}, 440 Hz ${after.at(440).toFixed(2)}, rms ${after.rms.toFixed(0)})`);
    assert.ok(after.at(440) < 0.1, 'and no longer A');
    const r = await uac.done;
    assert.equal(r.code, 0, `the caller's call went on until it hung up: ${r.errors || r.stderr}`);
  } finally {
    call.close();
  }
  const cdr = await box.cdr('5550101', (c) => c.transfers !== undefined);
  assert.ok(cdr, 'CDR written');
  assert.equal(cdr.callee.id, '1002', 'the CDR callee is the final party');
  assert.equal(cdr.transfers.length, 1);
  assert.deepEqual({ kind: cdr.transfers[0].kind, side: cdr.transfers[0].side, from: cdr.transfers[0].from.id, to: cdr.transfers[0].to.id }, { kind: 'blind', side: 'callee', from: '1001', to: '1002' });
  assert.equal(cdr.hangup.side, 'caller');
  const row = (await box.read<any>('recordings')).find((x) => x.key === cdr.callId)?.value;
  assert.ok(row, 'the call was recorded');
  assert.deepEqual(row.parties, ['13800138000', '1001', '1002'], 'everyone who was on the recording, in order');
  assert.equal(row.callee, '1002');
  const s = await box.idle();
  assert.equal(s.calls, 0);
  assert.equal(s.media.routers, 0);
});


test('a blind transfer to an extension that is not registered fails by NOTIFY; the box keeps the call (baresip 1.0 then hangs up by itself)', async () => {
  const startedAt = Date.now();
  const call = await silentCaller('5550101', 8000);
  const { peer } = call;
  const mark = box.logs.length;
  try {
    await listen(peer, 1000);
    const reply = await phoneA.command('transfer', `sip:1003@127.0.0.1:${box.sipPort}`);
    assert.match(reply, /"response":true/, reply);
    await logAfter(mark, /"msg":"transfer failed"/);
    // The NOTIFY's sipfrag reached the phone, which reports the target's answer. baresip
    // 1.0's menu frees a call whose transfer failed (menu.c: mem_deref on
    // UA_EVENT_CALL_TRANSFER_FAILED), so it is the phone, not the box, that ends the call.
    await phoneA.waitFor(/transfer failed: 480 Temporarily Unavailable/, 5000);
  } finally {
    call.close();
  }
  const cdr = await box.cdr('5550101', (c) => c.startedAt >= startedAt);
  assert.ok(cdr, 'CDR written');
  assert.equal(cdr.callee.id, '1001', 'A stayed the callee');
  assert.equal(cdr.transfers, undefined);
  assert.deepEqual({ side: cdr.hangup.side, cause: cdr.hangup.cause }, { side: 'callee', cause: 'bye' }, 'the box did not end the call: the phone did');
});

test('refused and failed REFERs: 400 without Refer-To, 491 while a transfer rings, and a target that never answers gives the caller back to the agent', async () => {
  const phoneC = await startBaresip({ extension: '1005', password: 'secret1005', box: { host: '127.0.0.1', port: box.sipPort }, listenIp: '127.0.0.1', answer: 'manual' });
  const agent = await sippAgent('transfer-agent-errors.xml', { target: '1005' }, 40);
  let call: CarrierCall | undefined;
  const mark = box.logs.length;
  try {
    await phoneC.waitFor(/200 OK .*1 binding/);
    call = await silentCaller('5550104', 12_000);
    await agent.talk();
    await new Promise((r) => setTimeout(r, 300));
    const talking = await listen(call.peer, 1000);
    assert.ok(talking.at(600) > 0.5, `the caller hears the agent (600 Hz ratio ${talking.at(600).toFixed(2)})`);
    await logAfter(mark, /"msg":"transfer requested"/);
    await phoneC.waitFor(/Incoming call/i, 5000);
    const ringing = await listen(call.peer, 1500);
    assert.ok(ringing.rms > 300 && ringing.at(600) < 0.2, `while the target rings the caller hears music, not the agent (rms ${ringing.rms.toFixed(0)}, 600 Hz ${ringing.at(600).toFixed(2)})`);
    await logAfter(mark, /"msg":"transfer failed"/, 15_000);
    await new Promise((r) => setTimeout(r, 300));
    const back = await listen(call.peer, 1500);
    assert.ok(back.at(600) > 0.5, `after the failure the caller hears the agent again (600 Hz ratio ${back.at(600).toFixed(2)})`);
    const [u, a] = await Promise.all([call.uac.done, agent.run.done]);
    assert.equal(u.code, 0, `caller: ${u.errors || u.stderr}`);
    assert.equal(a.code, 0, `agent saw 400, 202, the NOTIFYs, 491 and the BYE in order: ${a.errors || a.stderr}`);
    const notifies = [...a.logs.matchAll(/NOTIFY (\d+) state:\s*(\S+)/g)].map((m) => `${m[1]} ${m[2]}`);
    assert.deepEqual(notifies, ['100 active;expires=60', '180 active;expires=60', '480 terminated;reason=noresource']);
    assert.match(a.logs, /event:\s*refer;id=2/, 'the NOTIFYs name the REFER by its CSeq');
  } finally {
    call?.close();
    agent.stop();
    await phoneC.stop();
  }
  const refused = box.logs.slice(mark).filter((l) => /"msg":"REFER refused"/.test(l));
  assert.equal(refused.length, 1, 'the second REFER was refused by the call (491); the first, without Refer-To, by the leg (400)');
  assert.match(refused[0], /"status":491/);
  const cdr = await box.cdr('5550104', (c) => c.endedAt >= Date.now() - 30_000);
  assert.equal(cdr.callee.id, '1004');
  assert.equal(cdr.transfers, undefined);
});

for (const answers of [true, false]) {
  const title = answers
    ? 'a transferor that hangs up while the target rings: the transfer goes on, and the caller is connected when the target answers'
    : 'a transferor that hangs up while the target rings, and a target that never answers: the box ends the call with a clear cause';
  test(title, async () => {
    const startedAt = Date.now();
    const phoneC = await startBaresip({ extension: '1005', password: 'secret1005', box: { host: '127.0.0.1', port: box.sipPort }, listenIp: '127.0.0.1', answer: 'manual', toneHz: 1500 });
    const agent = await sippAgent('transfer-agent-leave.xml', { target: '1005' }, 30);
    let call: CarrierCall | undefined;
    const mark = box.logs.length;
    try {
      await phoneC.waitFor(/200 OK .*1 binding/);
      // Answered: the caller hangs up after a while. Not answered: the box hangs up on the caller.
      call = await silentCaller('5550104', 9000, answers ? 'uac-call.xml' : 'uac-wait-bye.xml');
      await agent.talk();
      const a = await agent.run.done;
      assert.equal(a.code, 0, `agent: ${a.errors || a.stderr}`);
      assert.match(a.logs, /NOTIFY 100[\s\S]*NOTIFY 180[\s\S]*LEFT/, 'the agent hung up once the target rang');
      const alone = await listen(call.peer, 1000);
      assert.ok(alone.rms > 300 && alone.at(600) < 0.2, `with the transferor gone the caller hears music while the target rings (rms ${alone.rms.toFixed(0)})`);
      if (answers) {
        const reply = await phoneC.command('accept');
        assert.match(reply, /"response":true/, reply);
        await logAfter(mark, /"msg":"call transferred"/);
        await new Promise((r) => setTimeout(r, 300));
        const joined = await listen(call.peer, 1500);
        assert.ok(joined.at(1500) > 0.5, `the caller hears the target (1500 Hz ratio ${joined.at(1500).toFixed(2)})`);
      } else {
        await logAfter(mark, /"msg":"transfer failed"/, 15_000);
      }
      const u = await call.uac.done;
      assert.equal(u.code, 0, `caller: ${u.errors || u.stderr}`);
    } finally {
      call?.close();
      agent.stop();
      await phoneC.stop();
    }
    const cdr = await box.cdr('5550104', (c) => c.startedAt >= startedAt);
    assert.ok(cdr, 'CDR written');
    if (answers) {
      assert.equal(cdr.callee.id, '1005');
      assert.deepEqual(cdr.transfers.map((t: any) => [t.kind, t.from.id, t.to.id]), [['blind', '1004', '1005']]);
      assert.equal(cdr.hangup.side, 'caller');
    } else {
      assert.equal(cdr.transfers, undefined);
      assert.deepEqual({ status: cdr.hangup.status, side: cdr.hangup.side, cause: cdr.hangup.cause }, { status: 480, side: 'system', cause: 'transfer-failed' });
    }
  });
}

for (const te of [101, 96]) {
  const how = te === 101 ? 'the two calls share a router and the leg moves as it is' : 'the calls differ in telephone-event payload type, so the target is re-INVITEd onto new media';
  test(`consultative transfer: the agent holds the caller, consults B, and REFERs with Replaces; the caller and B are joined (${how})`, async (t) => {
    const startedAt = Date.now();
    // sipp's digest uri is remote_ip:remote_port unless forced; the box wants the Request-URI.
    const agent = await sippAgent('transfer-agent-consult.xml', { target: '1002', te_pt: te }, 40, ['-au', '1004', '-ap', 'secret1004', '-auth_uri', `1002@127.0.0.1:${box.sipPort}`]);
    let call: CarrierCall | undefined;
    const mark = box.logs.length;
    try {
      call = await silentCaller('5550104', 10_000);
      await agent.talk();
      await new Promise((r) => setTimeout(r, 300));
      const talking = await listen(call.peer, 800);
      assert.ok(talking.at(600) > 0.5, `the caller hears the agent (600 Hz ratio ${talking.at(600).toFixed(2)})`);
      await agent.run.waitForLog(/HELD/);
      await new Promise((r) => setTimeout(r, 200));
      const held = await listen(call.peer, 1000);
      assert.ok(held.rms > 300 && held.at(600) < 0.2, `on hold the caller hears music (rms ${held.rms.toFixed(0)}, 600 Hz ${held.at(600).toFixed(2)})`);
      await logAfter(mark, /"msg":"call transferred"/);
      await new Promise((r) => setTimeout(r, 300));
      const joined = await listen(call.peer, 1500);
      assert.ok(joined.at(1000) > 0.5, `the caller now hears B (1000 Hz ratio ${joined.at(1000).toFixed(2)}, rms ${joined.rms.toFixed(0)})`);
      const [u, a] = await Promise.all([call.uac.done, agent.run.done]);
      assert.equal(u.code, 0, `caller: ${u.errors || u.stderr}`);
      assert.equal(a.code, 0, `agent: ${a.errors || a.stderr}`);
      const notifies = [...a.logs.matchAll(/NOTIFY (\d+) state:\s*(\S+)/g)].map((m) => `${m[1]} ${m[2]}`);
      assert.deepEqual(notifies, ['100 active;expires=60', '200 terminated;reason=noresource']);
      const byes = [...a.logs.matchAll(/BYE to (\S+)/g)].map((m) => (m[1].startsWith('consult') ? 'consultation' : 'first'));
      assert.deepEqual(byes.sort(), ['consultation', 'first'], 'the box ended both of the agent\'s dialogs');
    } finally {
      call?.close();
      agent.stop();
    }
    const cdr = await box.cdr('5550104', (c) => c.startedAt >= startedAt && c.transfers !== undefined);
    assert.ok(cdr, 'CDR of the transferred call');
    assert.equal(cdr.callee.id, '1002');
    assert.deepEqual(cdr.transfers.map((t: any) => [t.kind, t.side, t.from.id, t.to.id]), [['consultative', 'callee', '1004', '1002']]);
    const consult = await box.cdr('1002', (c) => c.startedAt >= startedAt);
    assert.ok(consult, 'CDR of the consultation call');
    assert.equal(cdr.transfers[0].consultCallId, consult.callId);
    assert.deepEqual([consult.caller.id, consult.hangup.cause], ['1004', 'replaced']);
    const row = (await box.read<any>('recordings')).find((x) => x.key === cdr.callId)?.value;
    assert.deepEqual(row?.parties, ['13800138000', '1004', '1002']);
    const moved = box.logs.slice(mark).some((l) => /"msg":"transfer target re-INVITEd onto this call's media"/.test(l));
    assert.equal(moved, te !== 101, 'a re-INVITE moves the target only when the routers differ');
    const at = (re: RegExp) => JSON.parse(box.logs.slice(mark).find((l) => re.test(l))!).time as number;
    t.diagnostic(`REFER to joined: ${at(/"msg":"call transferred"/) - at(/"msg":"transfer requested"/)} ms`);
    const s = await box.idle(5000);
    assert.equal(s.calls, 0);
    assert.equal(s.media.routers, 0);
  });
}

test('an INVITE with Replaces from another extension takes the agent\'s place in the call (RFC 3891)', async () => {
  const startedAt = Date.now();
  const agent = await sippAgent('transfer-agent-answer.xml', {}, 30);
  const replacerVoice = await agentVoice(900, '127.0.0.5');
  let replacer: SippRun | undefined;
  let call: CarrierCall | undefined;
  try {
    call = await silentCaller('5550104', 9000);
    await agent.talk();
    const [, callId, boxTag, agentTag] = await agent.run.waitForLog(/DIALOG (\S+) (\S+) (\S+)/);
    await listen(call.peer, 800);
    // Replaces names the dialog as the box sees it: its own tag is the to-tag.
    replacer = runSipp({
      scenario: 'transfer-invite-replaces.xml', localIp: '127.0.0.5', target: `127.0.0.1:${box.sipPort}`,
      keys: { ext: '1005', replaces: `${callId};to-tag=${boxTag};from-tag=${agentTag}`, rtp_ip: '127.0.0.5', rtp_port: replacerVoice.peer.port },
      extra: ['-au', '1005', '-ap', 'secret1005', '-auth_uri', `1005@127.0.0.1:${box.sipPort}`], timeoutSec: 30,
    });
    const [, replacerBoxPort] = await replacer.waitForLog(/REPLACERBOXPORT (\d+)/);
    replacerVoice.talkTo(Number(replacerBoxPort));
    const a = await agent.run.done;
    assert.equal(a.code, 0, `the agent's leg got BYE: ${a.errors || a.stderr}`);
    await new Promise((r) => setTimeout(r, 300));
    const heard = await listen(call.peer, 1500);
    assert.ok(heard.at(900) > 0.5, `the caller hears the new party (900 Hz ratio ${heard.at(900).toFixed(2)}, 600 Hz ${heard.at(600).toFixed(2)})`);
    const [u, r] = await Promise.all([call.uac.done, replacer.done]);
    assert.equal(u.code, 0, `caller: ${u.errors || u.stderr}`);
    assert.equal(r.code, 0, `replacer: ${r.errors || r.stderr}`);
  } finally {
    replacerVoice.stop();
    call?.close();
    replacer?.kill();
    agent.stop();
  }
  const cdr = await box.cdr('5550104', (c) => c.startedAt >= startedAt);
  assert.equal(cdr.callee.id, '1005');
  assert.deepEqual(cdr.transfers.map((t: any) => [t.kind, t.side, t.from.id, t.to.id]), [['consultative', 'callee', '1004', '1005']]);
  assert.equal((await box.idle(5000)).calls, 0);
});

test('a REFER outside any dialog is answered 481, with or without a To tag', async () => {
  const client = await SipClient.open('127.0.0.4', { host: '127.0.0.1', port: box.sipPort });
  try {
    for (const toTag of ['', ';tag=nosuchdialog']) {
      const callId = `refer-${toTag.length}-${Date.now()}@127.0.0.4`;
      client.sendRaw([
        `REFER sip:1001@127.0.0.1:${box.sipPort} SIP/2.0`,
        `Via: SIP/2.0/UDP ${client.local.address}:${client.local.port};branch=z9hG4bK${callId.slice(0, 12).replace(/\W/g, '')}`,
        `From: <sip:1004@127.0.0.1>;tag=out1`,
        `To: <sip:1001@127.0.0.1>${toTag}`,
        `Call-ID: ${callId}`,
        'CSeq: 1 REFER',
        `Contact: <sip:1004@${client.local.address}:${client.local.port}>`,
        'Refer-To: <sip:1002@127.0.0.1>',
        'Max-Forwards: 70',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n'));
      const r = await client.response((x) => x.headers.get('call-id')?.[0] === callId);
      assert.equal(r.status, 481, `${toTag || 'no To tag'}: ${r.status} ${r.reason}`);
    }
  } finally {
    client.close();
  }
});
