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
import { SipClient, digestAuthorization, parseChallenge } from './harness/sip-client.ts';
import { firstAdmin, signInPage } from './harness/web-session.ts';
import { ensureWebBuilt, launchBrowser, openPage, screenshot } from './harness/browser.ts';
import { randomBytes } from 'node:crypto';

let box: BoxProcess;
let tlsPort: number;
let rtp: { min: number; max: number };
let phone1: Baresip;
let phone2: Baresip;
const work = mkdtempSync(join(tmpdir(), 'sip-tls-'));
const dump1 = join(work, 'p1');
const dump2 = join(work, 'p2');
let adminSession: Awaited<ReturnType<typeof firstAdmin>> | undefined;
/** The first-start admin (password changed once), shared by the tests below. */
const admin = async () => (adminSession ??= await firstAdmin(box));

before(async () => {
  tlsPort = await freePort();
  rtp = await freeRange(200);
  box = await startBoxProcess({
    sip: { tls: true, tlsPort },
    media: { listenIp: '127.0.0.1', rtpMinPort: rtp.min, rtpMaxPort: rtp.max },
    extensions: [
      { number: '1001', password: 'secret1001', srtp: 'mandatory' },
      { number: '1002', password: 'secret1002', srtp: 'mandatory' },
      { number: '1003', password: 'secret1003', srtp: 'optional' },
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

/** An authenticated INVITE from extension 1001 (srtp 'mandatory') over UDP with `sdp`; the box's final answer. */
async function inviteAs1001(media: { proto: string; crypto?: string[] }): Promise<{ status: number; reason: string }> {
  const c = await SipClient.open('127.0.0.1', { host: '127.0.0.1', port: box.sipPort });
  try {
    const callId = randomBytes(8).toString('hex');
    const sdp = ['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', `m=audio 40000 ${media.proto} 0`, 'a=rtpmap:0 PCMU/8000', ...(media.crypto ?? []).map((v) => `a=crypto:${v}`), 'a=sendrecv', ''].join('\r\n');
    const uri = `sip:1002@127.0.0.1:${box.sipPort}`;
    const invite = (cseq: number, auth?: string) => [
      `INVITE ${uri} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${c.local.port};branch=z9hG4bK${randomBytes(6).toString('hex')};rport`,
      `From: <sip:1001@127.0.0.1>;tag=${callId.slice(0, 8)}`,
      `To: <${uri}>`,
      `Call-ID: ${callId}`,
      `CSeq: ${cseq} INVITE`,
      `Contact: <sip:1001@127.0.0.1:${c.local.port}>`,
      'Max-Forwards: 70',
      ...(auth ? [`Proxy-Authorization: ${auth}`] : []),
      'Content-Type: application/sdp',
      `Content-Length: ${Buffer.byteLength(sdp)}`,
      '',
      sdp,
    ].join('\r\n');
    c.sendRaw(invite(1));
    const challenge = await c.response((r) => r.status === 407 && r.text.includes(callId));
    const ch = parseChallenge(challenge.headers.get('proxy-authenticate')![0]);
    c.sendRaw(invite(2, digestAuthorization(ch, { username: '1001', password: 'secret1001', method: 'INVITE', uri })));
    const final = await c.response((r) => r.status >= 200 && r.text.includes(callId) && /CSeq: 2 INVITE/i.test(r.text), 5000);
    return { status: final.status, reason: final.reason };
  } finally {
    c.close();
  }
}

test('an extension with srtp mandatory offering plain RTP gets 488; bad crypto lines get 488; the box stays up', async () => {
  const plain = await inviteAs1001({ proto: 'RTP/AVP' });
  assert.equal(plain.status, 488, JSON.stringify(plain));
  assert.match(plain.reason, /CC_SDES_REQUIRED/);
  for (const crypto of [['1 AES_CM_128_HMAC_SHA1_80 inline:tooshort'], ['1 AES_CM_128_HMAC_SHA1_80 inline:' + randomBytes(30).toString('base64') + '|2^20|1:4'], ['x'], []]) {
    const r = await inviteAs1001({ proto: 'RTP/SAVP', crypto });
    assert.equal(r.status, 488, `${JSON.stringify(crypto)}: ${JSON.stringify(r)}`);
  }
  assert.equal((await box.idle()).calls, 0);
});

/** The certificate a new TLS connection to the SIP port is shown. */
function peerCertificate(): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port: tlsPort, rejectUnauthorized: false }, () => {
      const raw = s.getPeerX509Certificate();
      s.destroy();
      raw ? resolve(raw) : reject(new Error('no certificate'));
    });
    s.on('error', reject);
  });
}

test('the SIP certificate: self-signed at first start, replaced by an admin (checked first), used by the next TLS connection', async () => {
  const { api } = await admin();
  const now = await api.call('GET', '/api/sip/tls');
  assert.equal(now.status, 200);
  assert.equal(now.body.port, tlsPort);
  assert.equal(now.body.certificate.selfSigned, true);
  const before = await peerCertificate();
  assert.equal(before.fingerprint256, now.body.certificate.fingerprint, 'the listener shows the certificate the API reports');
  // A new pair made by openssl (as a CA-issued one would be installed).
  const dir = join(work, 'newcert');
  execFileSync('mkdir', ['-p', dir]);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '30', '-subj', '/CN=sip.example.test', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem')], { stdio: 'ignore' });
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '30', '-subj', '/CN=other', '-keyout', join(dir, 'k2.pem'), '-out', join(dir, 'c2.pem')], { stdio: 'ignore' });
  const cert = readFileSync(join(dir, 'c.pem'), 'utf8');
  const key = readFileSync(join(dir, 'k.pem'), 'utf8');
  // Refused, nothing changes: a key of another certificate, and garbage.
  const mismatch = await api.call('PUT', '/api/sip/tls/certificate', { certificate: cert, key: readFileSync(join(dir, 'k2.pem'), 'utf8') });
  assert.equal(mismatch.status, 400);
  assert.equal(mismatch.body.code, 'CC_SIP_TLS_KEY_MISMATCH');
  const junk = await api.call('PUT', '/api/sip/tls/certificate', { certificate: '-----BEGIN CERTIFICATE-----\nAAAA' + 'A'.repeat(60) + '\n-----END CERTIFICATE-----\n', key });
  assert.equal(junk.body.code, 'CC_SIP_TLS_CERT_PARSE');
  assert.equal((await peerCertificate()).fingerprint256, before.fingerprint256);
  const ok = await api.call('PUT', '/api/sip/tls/certificate', { certificate: cert, key });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.match(ok.body.certificate.subject, /CN=sip\.example\.test/);
  const after = await peerCertificate();
  assert.equal(after.fingerprint256, new X509Certificate(cert).fingerprint256, 'a new TLS connection gets the new certificate');
  // It is on disk for the next start.
  assert.equal(new X509Certificate(readFileSync(join(box.dataDir, 'data', 'sip-tls', 'cert.pem'))).fingerprint256, after.fingerprint256);
  // A phone registers over a new TLS connection, which now carries the new certificate.
  const phone3 = await startBaresip({ extension: '1003', password: 'secret1003', box: { host: '127.0.0.1', port: tlsPort }, listenIp: '127.0.0.1', tls: {} });
  try {
    await phone3.waitFor(/200 OK .*1 binding/);
  } finally {
    await phone3.stop();
  }
});

test('the security page shows the SIP certificate and replaces it from a pasted PEM pair (zh-CN), refusing a mismatched key', async () => {
  ensureWebBuilt();
  const { password } = await admin();
  const browser = await launchBrowser();
  try {
    const { page } = await openPage(browser, { baseURL: `http://127.0.0.1:${box.httpPort}`, locale: 'zh-CN' });
    try {
      await signInPage(page, 'admin', password);
      await page.click('[data-test=nav-security]');
      await page.waitForSelector('[data-test=sip-cert-fingerprint]');
      const shown = (await page.innerText('[data-test=sip-cert-fingerprint]')).trim();
      assert.equal(shown, (await peerCertificate()).fingerprint256, 'the page shows the certificate the TLS port presents');
      assert.equal((await page.innerText('[data-test=sip-tls-port]')).trim(), String(tlsPort));
      const dir = join(work, 'uicert');
      execFileSync('mkdir', ['-p', dir]);
      for (const n of ['a', 'b']) execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '30', '-subj', `/CN=ui-${n}.example.test`, '-keyout', join(dir, `${n}.key`), '-out', join(dir, `${n}.crt`)], { stdio: 'ignore' });
      await page.fill('[data-test=sip-cert-pem]', readFileSync(join(dir, 'a.crt'), 'utf8'));
      await page.fill('[data-test=sip-key-pem]', readFileSync(join(dir, 'b.key'), 'utf8'));
      await page.click('[data-test=sip-cert-replace]');
      await page.waitForSelector('[data-test=sip-cert-error]');
      assert.match(await page.innerText('[data-test=sip-cert-error]'), /私钥与证书不匹配/);
      await page.fill('[data-test=sip-key-pem]', readFileSync(join(dir, 'a.key'), 'utf8'));
      await page.click('[data-test=sip-cert-replace]');
      await page.waitForSelector('[data-test=sip-cert-done]');
      assert.match(await page.innerText('[data-test=sip-cert-subject]'), /ui-a\.example\.test/);
      const fp = new X509Certificate(readFileSync(join(dir, 'a.crt'))).fingerprint256;
      assert.equal((await page.innerText('[data-test=sip-cert-fingerprint]')).trim(), fp);
      assert.equal((await peerCertificate()).fingerprint256, fp, 'the next TLS connection gets the certificate pasted in the page');
      await screenshot(page, 'sip-certificate-zh');
    } catch (err) {
      await screenshot(page, 'FAILED-sip-certificate').catch(() => undefined);
      throw err;
    }
  } finally {
    await browser.close();
  }
});

test('one leg SRTP, the other plain: an SRTP phone calls a plain phone whose extension is srtp optional; the best-effort key is declined and each leg runs as negotiated', async () => {
  const dump3 = join(work, 'p3');
  execFileSync('mkdir', ['-p', dump3]);
  const phone3 = await startBaresip({ extension: '1003', password: 'secret1003', box: { host: '127.0.0.1', port: box.sipPort }, listenIp: '127.0.0.1', toneHz: 700, sndfileDir: dump3 });
  try {
    await phone3.waitFor(/200 OK .*1 binding/);
    const cap = await capture(rtp);
    const reply = await phone2.command('dial', '1003');
    assert.match(reply, /"response":true/, reply);
    await phone2.waitFor(/established[\s\S]*established/i, 10_000);
    await new Promise((r) => setTimeout(r, 3000));
    const ports = (pid: number | undefined) => new Set(execFileSync('ss', ['-H', '-uanp'], { encoding: 'utf8' }).split('\n')
      .filter((l) => l.includes(`pid=${pid},`)).map((l) => Number(/:(\d+)$/.exec(l.split(/\s+/)[3] ?? '')?.[1])));
    const srtpPhone = ports(phone2.child.pid);
    const plainPhone = ports(phone3.child.pid);
    await phone2.command('hangup');
    const packets = await cap.stop();
    const cdr = await box.cdr('1003', (c) => c.answeredAt !== undefined);
    assert.equal(cdr.disposition, 'answered');
    const row = (await box.read<any>('recordings')).find((r) => r.key === cdr.callId)?.value;
    assert.ok(bandRms(row.path, 1, 1000) > 0.05 && bandRms(row.path, 2, 700) > 0.05, 'the box heard both phones');
    const audio = (p: Captured) => p.length >= 12 && (p[0] & 0xc0) === 0x80 && (p[1] & 0x7f) === 0;
    const headerLength = (p: Buffer) => 12 + 4 * (p[0] & 0x0f) + (p[0] & 0x10 ? 4 + 4 * p.readUInt16BE(12 + 4 * (p[0] & 0x0f) + 2) : 0);
    const toSrtp = packets.filter((p) => audio(p) && srtpPhone.has(p.dst));
    const toPlain = packets.filter((p) => audio(p) && plainPhone.has(p.dst));
    assert.ok(toSrtp.length > 100 && toPlain.length > 100, `${toSrtp.length} packets to the SRTP phone, ${toPlain.length} to the plain one`);
    assert.deepEqual([...new Set(toSrtp.map((p) => p.length - headerLength(p)))], [170], 'SRTP towards 1002');
    assert.deepEqual([...new Set(toPlain.map((p) => p.length - headerLength(p)))], [160], 'plain RTP towards 1003');
    const plainTone = toneRatio(toPlain.map((p) => p.subarray(headerLength(p))), 1000);
    assert.ok(plainTone > 0.5, `the plain leg carries 1002's 1000 Hz in the clear (share ${plainTone})`);
    const dec = readdirSync(dump3).find((f) => f.endsWith('-dec.wav'));
    assert.ok(dec && bandRms(join(dump3, dec), 1, 1000) > 0.05, 'the plain phone heard the SRTP phone');
  } finally {
    await phone3.stop();
  }
});
