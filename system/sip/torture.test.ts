// RFC 4475 "SIP Torture Test Messages" against the codec, plus a byte-level fuzz of valid
// messages. The fixtures are the RFC's messages as wire bytes (system/sip/fixtures/rfc4475);
// manifest.json says, per message, what the RFC expects of an element: accept, reject, or
// either (the RFC lets a robust element do both; then only a sane, non-crashing answer counts).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { decode, encode, makeResponse, INTERNAL_ERROR_REASON, type DecodeResult } from './codec.ts';
import { SipErrorCodes } from './errors.ts';
import { isRequest } from './message.ts';

interface Entry {
  name: string;
  file: string;
  section: string;
  title: string;
  expect: 'accept' | 'reject' | 'either';
  note: string;
}

const DIR = new URL('./fixtures/rfc4475/', import.meta.url);
const manifest: Entry[] = JSON.parse(readFileSync(new URL('manifest.json', DIR), 'utf8'));
const load = (file: string): Buffer => readFileSync(new URL(file, DIR));

/** The top Via's host, found in the raw bytes independently of the codec (header folding undone). */
function rawTopViaHost(raw: Buffer): string | undefined {
  const text = raw.toString('latin1');
  const head = text.slice(0, text.indexOf('\r\n\r\n')).replace(/\r\n[ \t]+/g, ' ');
  return /^(?:via|v)[ \t]*:[ \t]*SIP[ \t]*\/[ \t]*\d+\.\d+[ \t]*\/[ \t]*\S+[ \t]+([^\s;,:]+)/im.exec(head)?.[1];
}

function decodeWithoutThrowing(raw: Buffer): DecodeResult {
  let result: DecodeResult | undefined;
  assert.doesNotThrow(() => {
    result = decode(raw);
  });
  return result!;
}

/** ok with a start line, or a coded error with an answerable status; never the parser's safety net. */
function assertSane(r: DecodeResult, context: string): void {
  if (r.ok) {
    assert.ok(isRequest(r.message) ? r.message.method : r.message.status, context);
    return;
  }
  assert.ok(r.code in SipErrorCodes, `${context}: unknown code ${r.code}`);
  assert.ok([400, 505, 513].includes(r.status), `${context}: status ${r.status}`);
  assert.notEqual(r.reason, INTERNAL_ERROR_REASON, `${context}: the parser threw internally`);
}

function identity(r: DecodeResult & { ok: true }) {
  const m = r.message;
  return { start: isRequest(m) ? m.method : m.status, callId: m.headers['call-id'], cseq: { ...m.headers.cseq } };
}

describe('the RFC 4475 fixtures', () => {
  test('the manifest lists every fixture file once, with a known expectation', () => {
    const files = readdirSync(DIR).filter((f) => f.endsWith('.dat')).sort();
    assert.deepEqual(manifest.map((e) => e.file).sort(), files);
    assert.equal(new Set(manifest.map((e) => e.name)).size, manifest.length);
    assert.equal(manifest.length, 49);
    for (const e of manifest) {
      assert.ok(['accept', 'reject', 'either'].includes(e.expect), e.name);
      assert.match(e.section, /^3\.[1-4]\.\d+(\.\d+)?$/, e.name);
      assert.ok(e.note.length > 0, e.name);
    }
  });

  test('the fixtures are wire bytes with CRLF line endings in the header part', () => {
    for (const e of manifest) {
      const text = load(e.file).toString('latin1');
      const head = text.slice(0, text.indexOf('\r\n\r\n'));
      assert.ok(head.length > 0, `${e.name} has an end of headers`);
      assert.doesNotMatch(head, /[^\r]\n|\r[^\n]/, `${e.name} has a bare CR or LF in its headers`);
    }
  });
});

describe('decoding the RFC 4475 torture messages', () => {
  for (const e of manifest) {
    const verdict = e.expect === 'either' ? 'is answered sanely either way' : e.expect === 'accept' ? 'is accepted' : 'is rejected';
    test(`${e.name} (${e.section} ${e.title}) ${verdict}`, () => {
      const raw = load(e.file);
      const r = decodeWithoutThrowing(raw);
      assertSane(r, e.name);
      if (e.expect === 'accept') assert.equal(r.ok, true, `${e.name} rejected: ${r.ok ? '' : `${r.code} ${r.reason}`}`);
      if (e.expect === 'reject') assert.equal(r.ok, false, `${e.name} accepted`);

      if (!r.ok) {
        const request = !raw.toString('latin1').startsWith('SIP/');
        const host = rawTopViaHost(raw);
        if (request && host && (r.status === 400 || r.status === 505)) {
          assert.ok(r.partial, `${e.name}: a rejected request with a top Via has a partial to answer with`);
          assert.equal(r.partial.headers.via[0].host, host);
          assert.doesNotThrow(() => encode(makeResponse(r.partial!, r.status, 'Bad Request')));
        }
        if (!request) assert.equal(r.partial, undefined, 'responses are never answered');
      }
      if (e.name === 'badvers') assert.equal(r.ok ? 0 : r.status, 505);

      if (r.ok) {
        const again = decode(encode(r.message));
        assert.equal(again.ok, true, again.ok ? '' : `${e.name} re-encoded does not decode: ${again.code} ${again.reason}`);
        assert.deepEqual(identity(again as DecodeResult & { ok: true }), identity(r));
      }
    });
  }

  test('esc02 keeps % literal in the method and in header names (two Contacts, not three)', () => {
    const r = decode(load('esc02.dat'));
    assert.ok(r.ok && isRequest(r.message));
    assert.equal(r.message.method, 'RE%47IST%45R');
    assert.equal((r.message.headers.contact as unknown[]).length, 2);
    assert.equal(r.message.headers['c%6fntact'], '<sip:alias2@host2.example.com>');
  });

  test('wsinv unfolds its headers into three Vias, a CSeq of 9 and a quoted Contact', () => {
    const r = decode(load('wsinv.dat'));
    assert.ok(r.ok);
    const h = r.message.headers;
    assert.deepEqual(h.via.map((v) => [v.protocol, v.host, v.params.branch]), [
      ['UDP', '192.0.2.2', '390skdjuw'],
      ['TCP', 'spindle.example.com', 'z9hG4bK9ikj8'],
      ['UDP', '192.168.255.111', 'z9hG4bK30239'],
    ]);
    assert.deepEqual(h.cseq, { seq: 9, method: 'INVITE' });
    assert.equal(h.subject, '');
    assert.deepEqual(h.contact, [{ name: '"Quoted string \\"\\""', uri: 'sip:jdrosen@example.com', params: { newparam: 'newvalue', secondparam: null, q: '0.33' } }]);
  });

  test('mpart01 keeps its binary body exactly, NUL and CR octets included', () => {
    const raw = load('mpart01.dat');
    const r = decode(raw);
    assert.ok(r.ok);
    assert.equal(r.message.content.length, 553);
    assert.equal(Buffer.from(r.message.content, 'latin1').compare(raw.subarray(raw.length - 553)), 0);
  });

  test('dblreq is the REGISTER alone, without the trailing INVITE octets', () => {
    const r = decode(load('dblreq.dat'));
    assert.ok(r.ok && isRequest(r.message));
    assert.equal(r.message.method, 'REGISTER');
    assert.equal(r.message.content, '');
  });

  test('longreq has all 34 Via values in order', () => {
    const r = decode(load('longreq.dat'));
    assert.ok(r.ok);
    const hosts = r.message.headers.via.map((v) => v.host);
    assert.equal(hosts.length, 34);
    assert.equal(hosts[0], 'sip33.example.com');
    assert.equal(hosts[33], 'host.example.com');
  });
});

// ---- byte fuzz ---------------------------------------------------------------------------

/** Small deterministic PRNG (mulberry32), so a failure names a reproducible seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const INSERTS = ['\r', '\n', '\0', '"', '<', '>', ';', '\r\n', ',', ' ', ':', '%', '\\', '\r\n\r\n'];

function mutate(src: Buffer, rnd: () => number): Buffer {
  const int = (n: number) => Math.floor(rnd() * n);
  let b = Buffer.from(src);
  const rounds = 1 + int(3);
  for (let k = 0; k < rounds; k++) {
    const at = int(b.length + 1);
    switch (int(4)) {
      case 0: // bit flip
        if (b.length) b[Math.min(at, b.length - 1)] ^= 1 << int(8);
        break;
      case 1: // truncation
        b = b.subarray(0, at);
        break;
      case 2: // insertion of a delimiter
        b = Buffer.concat([b.subarray(0, at), Buffer.from(INSERTS[int(INSERTS.length)], 'latin1'), b.subarray(at)]);
        break;
      default: {
        // duplicated header line
        const text = b.toString('latin1');
        const end = text.indexOf('\r\n\r\n');
        const lines = (end < 0 ? text : text.slice(0, end)).split('\r\n');
        if (lines.length < 2) break;
        const i = 1 + int(lines.length - 1);
        lines.splice(i, 0, lines[i]);
        b = Buffer.from(lines.join('\r\n') + (end < 0 ? '' : text.slice(end)), 'latin1');
      }
    }
  }
  return b;
}

function decodeOrFail(input: Buffer, context: string): DecodeResult {
  try {
    return decode(input);
  } catch (err) {
    return assert.fail(`decode threw ${(err as Error).message}; ${context}`);
  }
}

describe('fuzzing the decoder', () => {
  test('3,000 random mutations of valid messages always decode to ok or a coded error, never a throw', () => {
    const seeds = ['wsinv', 'intmeth', 'esc01', 'escnull', 'longreq', 'mpart01', 'unreason', 'inv2543'].map((n) => load(`${n}.dat`));
    const seed = 4475;
    const rnd = prng(seed);
    const outcomes = { ok: 0, rejected: 0 };
    for (let i = 0; i < 3000; i++) {
      const input = mutate(seeds[i % seeds.length], rnd);
      const context = `seed ${seed}, iteration ${i}, input (base64) ${input.toString('base64')}`;
      const r = decodeOrFail(input, context);
      assertSane(r, context);
      if (r.ok) {
        outcomes.ok++;
        const again = decode(encode(r.message));
        assert.equal(again.ok, true, `re-encoded message does not decode (${again.ok ? '' : again.reason}); ${context}`);
      } else {
        outcomes.rejected++;
        const { partial, status } = r;
        if (partial) assert.doesNotThrow(() => encode(makeResponse(partial, status, 'Bad Request')), context);
      }
    }
    // The mutations must exercise both paths, or the test proves little.
    assert.ok(outcomes.ok > 100 && outcomes.rejected > 100, JSON.stringify(outcomes));
  });
});
