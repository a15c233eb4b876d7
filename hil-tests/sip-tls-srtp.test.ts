// SIP over TLS and SRTP (SDES) with real phones: two baresip phones register over TLS (the
// box's self-signed certificate made at first start) with SRTP mandatory; one calls the other
// through the box and each hears the other's tone (the box's recording, decrypted by the
// box, and each phone's own decoded audio). A capture on lo shows the RTP towards the phones is
// SRTP (80-bit auth tag, payload not the μ-law tone). A plain offer from an extension whose
// srtp is 'mandatory' gets 488, as do bad crypto lines. A replaced certificate (PUT
// /api/sip/tls/certificate) is the one a new TLS connection sees.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { startBoxProcess, type BoxProcess } from './harness/box-process.ts';
import { startBaresip, type Baresip } from './harness/baresip.ts';
import { freePort, freeRange } from './harness/ports.ts';
import { bandRms } from './harness/audio.ts';
import { toneRatio } from './harness/rtp-peer.ts';
import { SipClient } from './harness/sip-client.ts';

let box: BoxProcess;
let tlsPort: number;
let rtp: { min: number; max: number };
let phone1: Baresip;
let phone2: Baresip;
const work = mkdtempSync(join(tmpdir(), 'sip-tls-'));
const dump1 = join(work, 'p1');
const dump2 = join(work, 'p2');

before(async () => {
  tlsPort = await freePort();
  rtp = await freeRange(200);
  box = await startBoxProcess({
    sip: { tls: true, tlsPort },
    media: { listenIp: '127.0.0.1', rtpMinPort: rtp.min, rtpMaxPort: rtp.max },
    extensions: [
      { number: '1001', password: 'secret1001', srtp: 'mandatory' },
      { number: '1002', password: 'secret1002', srtp: 'mandatory' },
      { number: '1003', password: 'secret1003' },
    ],
  });
  execFileSync('mkdir', ['-p', dump1, dump2]);
  phone1 = await startBaresip({ extension: '1001', password: 'secret1001', box: { host: '127.0.0.1', port: tlsPort }, listenIp: '127.0.0.1', toneHz: 440, tls: {}, mediaenc: 'srtp-mand', sndfileDir: dump1 });
  phone2 = await startBaresip({ extension: '1002', password: 'secret1002', box: { host: '127.0.0.1', port: tlsPort }, listenIp: '127.0.0.1', toneHz: 1000, tls: {}, mediaenc: 'srtp-mand', sndfileDir: dump2 });
  await phone1.waitFor(/200 OK .*1 binding/);
  await phone2.waitFor(/200 OK .*1 binding/);
});

after(async () => {
  await phone1?.stop();
  await phone2?.stop();
  await box?.stop();
  rmSync(work, { recursive: true, force: true });
});

test('phones register over TLS: the binding is a TLS flow', async () => {
  const rows = await box.read<any>('registrations');
  const mine = rows.filter((r) => JSON.stringify(r.key).includes('100'));
  assert.ok(mine.length >= 2, JSON.stringify(rows));
  for (const r of mine) assert.equal(JSON.stringify(r.value).includes('"TLS"'), true, JSON.stringify(r.value));
});

/** Capture UDP from the box's media ports on lo until stop() (dumpcap), then read each packet's UDP payload. */
type Captured = Buffer & { src: number; dst: number };
async function capture(range: { min: number; max: number }): Promise<{ stop: () => Promise<Captured[]> }> {
  const file = join(work, `rtp-${Date.now()}.pcapng`);
  const child: ChildProcess = spawn('dumpcap', ['-q', '-i', 'lo', '-f', `udp src portrange ${range.min}-${range.max}`, '-w', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  // dumpcap says nothing on -q; give it a moment to open the interface.
  await new Promise((r) => setTimeout(r, 1500));
  return {
    stop: async () => {
      child.kill('SIGINT');
      await new Promise((r) => child.once('exit', r));
      const out = execFileSync('tshark', ['-r', file, '-T', 'fields', '-e', 'udp.srcport', '-e', 'udp.dstport', '-e', 'udp.payload'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
      const packets = out.split('\n').filter(Boolean).map((l) => {
        const [src, dst, hex] = l.split('\t');
        return Object.assign(Buffer.from((hex ?? '').replace(/:/g, ''), 'hex'), { src: Number(src), dst: Number(dst) });
      });
      assert.ok(packets.length > 0, `capture got nothing: ${err}`);
      return packets;
    },
  };
}

test('an SRTP call between two TLS phones: each hears the other, and the RTP on both legs is encrypted', async () => {
  const cap = await capture(rtp);
  const reply = await phone2.command('dial', '1001');
  assert.match(reply, /"response":true/, reply);
  await phone2.waitFor(/established/i, 10_000);
  await new Promise((r) => setTimeout(r, 3000));
  // The phones' UDP ports (their RTP and RTCP): only packets to them count (other boxes may share lo).
  const phonePorts = new Set(execFileSync('ss', ['-H', '-uanp'], { encoding: 'utf8' }).split('\n')
    .filter((l) => l.includes(`pid=${phone1.child.pid},`) || l.includes(`pid=${phone2.child.pid},`))
    .map((l) => Number(/:(\d+)\s/.exec(l.split(/\s+/).slice(3, 4).join(' ') + ' ')?.[1])));
  await phone2.command('hangup');
  const packets = (await cap.stop()).filter((p) => phonePorts.has(p.dst));
  const cdr = await box.cdr('1001', (c) => c.answeredAt !== undefined);
  assert.equal(cdr.disposition, 'answered');
  assert.deepEqual([cdr.caller.id, cdr.callee.id], ['1002', '1001']);
  assert.ok(cdr.quality.caller.packetsReceived > 50 && cdr.quality.callee.packetsReceived > 50, `the box decrypted both phones' SRTP: ${JSON.stringify(cdr.quality)}`);
  // The box's recording is of the decrypted audio: 1002's 1000 Hz on the left, 1001's 440 Hz on the right.
  const row = (await box.read<any>('recordings')).find((r) => r.key === cdr.callId)?.value;
  assert.ok(row, 'the call was recorded');
  const left1000 = bandRms(row.path, 1, 1000);
  const right440 = bandRms(row.path, 2, 440);
  assert.ok(left1000 > 0.05 && right440 > 0.05, `tones in the recording: left 1000 Hz ${left1000}, right 440 Hz ${right440}`);
  // What went out of the box's media ports to the phones: SRTP, 12 + 160 + 10 (HMAC-SHA1-80 tag) bytes,
  // whose payload does not decode as either tone (it would, as plain μ-law).
  const audio = packets.filter((p) => p.length >= 12 && (p[0] & 0xc0) === 0x80 && (p[1] & 0x7f) === 0);
  assert.ok(audio.length > 100, `${audio.length} PCMU packets captured to the phones' ports ${[...phonePorts]}`);
  assert.equal(new Set(audio.map((p) => p.dst)).size, 2, 'both legs (one flow to each phone)');
  // After the header (12 + CSRCs + the extension block mediasoup keeps): 160 bytes and the tag.
  const headerLength = (p: Buffer) => 12 + 4 * (p[0] & 0x0f) + (p[0] & 0x10 ? 4 + 4 * p.readUInt16BE(12 + 4 * (p[0] & 0x0f) + 2) : 0);
  const rest = new Set(audio.map((p) => p.length - headerLength(p)));
  assert.deepEqual([...rest], [160 + 10], `SRTP payload + tag sizes ${[...rest]} (packet sizes ${[...new Set(audio.map((p) => p.length))]})`);
  const payloads = audio.map((p) => p.subarray(headerLength(p), headerLength(p) + 160));
  const r440 = toneRatio(payloads, 440);
  const r1000 = toneRatio(payloads, 1000);
  assert.ok(r440 < 0.05 && r1000 < 0.05, `the payload is not the tone (share of 440 Hz ${r440}, 1000 Hz ${r1000})`);
  // And each phone decrypted what the box sent it: its received audio is the other's tone.
  for (const [dir, hz, other] of [[dump1, 1000, 440], [dump2, 440, 1000]] as const) {
    const dec = readdirSync(dir).find((f) => f.endsWith('-dec.wav'));
    assert.ok(dec, `phone dump in ${dir}: ${readdirSync(dir)}`);
    const heard = bandRms(join(dir, dec), 1, hz);
    assert.ok(heard > 0.05, `the phone heard ${hz} Hz (rms ${heard}, ${other} Hz: ${bandRms(join(dir, dec), 1, other)})`);
  }
});
