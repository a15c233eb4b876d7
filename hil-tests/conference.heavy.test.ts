// Conference rooms through the whole box with real SIP peers (sipp callers from the carrier
// trunk, each with its own test-owned RTP socket): three callers dial the room's DID and are
// answered by the box. The first, alone, hears music on hold. Each sends its own tone (500,
// 1100, 1900 Hz) at the same time and must hear the other two and not itself (Goertzel on what
// it received). A fourth caller is refused with 486 (maxParties 3). A party that hangs up is
// removed from the mix: the two left hear each other and no longer the third. Join and leave
// are event rows in LMDB, and the room closes (with its mixer) when the last party leaves.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startBoxProcess, type BoxProcess } from './harness/box-process.ts';
import { carrierToUpstream, CARRIER_IP } from './harness/topology.ts';
import { runSipp, type SippRun } from './harness/sipp.ts';
import { freePort } from './harness/ports.ts';
import { RtpPeer, toneRatio, ulawRms } from './harness/rtp-peer.ts';
import { encodeUlaw } from '../media/g711.ts';

const ROOM_DID = '700';
let box: BoxProcess;

before(async () => {
  box = await startBoxProcess(
    carrierToUpstream(await freePort('127.0.0.3'), {
      conferences: [{ name: 'board', maxParties: 3 }],
      dids: [
        { number: ROOM_DID, trunk: 'carrier', destination: 'conf:board' },
        { number: '*', trunk: 'carrier', destination: 'dial:' },
      ],
    }),
  );
});

after(async () => {
  await box.stop();
});

function tone(hz: number, frames: number): Buffer[] {
  const out: Buffer[] = [];
  for (let f = 0; f < frames; f++) {
    const s = new Int16Array(160);
    for (let i = 0; i < 160; i++) s[i] = Math.round(6000 * Math.sin((2 * Math.PI * hz * (f * 160 + i)) / 8000));
    out.push(encodeUlaw(s));
  }
  return out;
}

interface Party {
  name: string;
  hz: number;
  peer: RtpPeer;
  sipp: SippRun;
  boxPort: number;
}

/** A carrier caller dialling the room; hangs up `holdMs` after the answer. */
async function dialRoom(name: string, hz: number, holdMs: number): Promise<Party> {
  const peer = await RtpPeer.open(CARRIER_IP);
  const sipp = runSipp({
    scenario: 'uac-call.xml',
    localIp: CARRIER_IP,
    localPort: await freePort(CARRIER_IP),
    target: `127.0.0.1:${box.sipPort}`,
    keys: { dialled: ROOM_DID, caller: name, rtp_ip: CARRIER_IP, rtp_port: peer.port },
    pauseMs: holdMs,
    timeoutSec: 60,
  });
  try {
    const [, port] = await sipp.waitForLog(/BOXPORT (\d+)/);
    return { name, hz, peer, sipp, boxPort: Number(port) };
  } catch (err) {
    sipp.kill();
    peer.close();
    throw err;
  }
}

async function events(type: string): Promise<any[]> {
  return (await box.read<any>('events')).map((r) => r.value).filter((e) => e.type === type);
}

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** What `p` received (audio payloads) between two marks of its receive log. */
const heard = (p: Party, from: number, to = p.peer.received.length) => p.peer.received.slice(from, to).filter((r) => r.payloadType === 0).map((r) => r.payload);

test('three callers in a room each hear the other two and not themselves; a fourth is refused; one who hangs up leaves the mix', async () => {
  const parties: Party[] = [];
  const others: SippRun[] = [];
  try {
    // Alone in the room: music on hold.
    const a = await dialRoom('5001', 500, 18_000);
    parties.push(a);
    await until('a joins', async () => (await events('conference-join')).length >= 1);
    const mark = a.peer.received.length;
    await new Promise((r) => setTimeout(r, 800));
    const alone = heard(a, mark);
    assert.ok(alone.length >= 25, `a lone party receives audio (${alone.length} packets in 0.8 s)`);
    assert.ok(ulawRms(alone) > 300, `a lone party hears music on hold (RMS ${ulawRms(alone).toFixed(0)})`);

    const b = await dialRoom('5002', 1100, 16_000);
    parties.push(b);
    const c = await dialRoom('5003', 1900, 10_000);
    parties.push(c);
    await until('three joins', async () => (await events('conference-join')).length >= 3);

    // The room is full: a fourth caller gets 486.
    const d = runSipp({ scenario: 'uac-rejected.xml', localIp: CARRIER_IP, localPort: await freePort(CARRIER_IP), target: `127.0.0.1:${box.sipPort}`, keys: { dialled: ROOM_DID, caller: '5004', rtp_ip: CARRIER_IP, rtp_port: 4000 } });
    others.push(d);
    const refused = await d.done;
    assert.equal(refused.code, 0, refused.errors || refused.stderr);
    assert.match(refused.logs, /FINAL 486/);

    // All three talk at once for 2.4 s; judge the last 1.8 s each one heard.
    const three = [a, b, c];
    const start = three.map((p) => p.peer.received.length);
    const talking = Promise.all(three.map((p) => p.peer.sendStream(tone(p.hz, 120), '127.0.0.1', p.boxPort)));
    await new Promise((r) => setTimeout(r, 600));
    const from = three.map((p) => p.peer.received.length);
    await talking;
    assert.ok(start.every((s, i) => from[i] > s), 'the mix flows to everyone');
    for (const [i, p] of three.entries()) {
      const audio = heard(p, from[i]);
      assert.ok(audio.length >= 60, `${p.name} received ${audio.length} packets while everyone talked`);
      for (const o of three) {
        const share = toneRatio(audio, o.hz);
        if (o === p) assert.ok(share < 0.02, `${p.name} hears its own ${o.hz} Hz (share ${share.toFixed(3)})`);
        else assert.ok(share > 0.15, `${p.name} does not hear ${o.name}'s ${o.hz} Hz (share ${share.toFixed(3)})`);
      }
    }

    // c hangs up (its BYE 10 s after its answer): it is removed, the room goes on with two.
    const cDone = await c.sipp.done;
    assert.equal(cDone.code, 0, cDone.errors);
    const leave = await until('c leaves', async () => (await events('conference-leave')).find((e) => e.caller === '5003'));
    assert.equal(leave.room, 'board');
    assert.equal(leave.parties, 2);
    const two = [a, b];
    const from2 = two.map((p) => p.peer.received.length);
    const talking2 = Promise.all(two.map((p) => p.peer.sendStream(tone(p.hz, 75), '127.0.0.1', p.boxPort)));
    await new Promise((r) => setTimeout(r, 400));
    const mid2 = two.map((p, i) => Math.max(from2[i], p.peer.received.length));
    await talking2;
    const aHeard = heard(a, mid2[0]);
    const bHeard = heard(b, mid2[1]);
    assert.ok(toneRatio(aHeard, 1100) > 0.3, `a still hears b (share ${toneRatio(aHeard, 1100).toFixed(3)})`);
    assert.ok(toneRatio(bHeard, 500) > 0.3, `b still hears a (share ${toneRatio(bHeard, 500).toFixed(3)})`);
    assert.ok(toneRatio(aHeard, 500) < 0.02 && toneRatio(bHeard, 1100) < 0.02, 'and neither hears itself');

    // The others hang up: the room closes.
    const [aDone, bDone] = await Promise.all([a.sipp.done, b.sipp.done]);
    assert.equal(aDone.code, 0, aDone.errors);
    assert.equal(bDone.code, 0, bDone.errors);
    const leaves = await until('everyone left', async () => {
      const l = await events('conference-leave');
      return l.length >= 3 && l;
    });
    assert.deepEqual(leaves.map((e) => e.parties).sort(), [0, 1, 2]);
    const joins = await events('conference-join');
    assert.deepEqual(joins.map((e) => e.caller).sort(), ['5001', '5002', '5003']);
    // The room closed with the last party (its mixer, with its transports and socket, closed);
    // its counters show the mix both received and sent.
    const closed = JSON.parse(await box.waitForLog(/conference room closed/));
    assert.equal(closed.room, 'board');
    assert.ok(closed.received > 200 && closed.sent > 400, `mixer counters ${JSON.stringify(closed)}`);
    const cdr = await box.cdr(ROOM_DID, (r) => r.caller.number === '5001');
    assert.equal(cdr.disposition, 'answered');
  } finally {
    for (const p of parties) {
      p.sipp.kill();
      p.peer.close();
    }
    for (const s of others) s.kill();
  }
});
