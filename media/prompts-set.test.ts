import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The prompt set that scripts/prompts.sh builds at setup time, built here into a temp folder.

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '..', 'scripts', 'prompts.sh');

interface Prompt {
  id: string;
  lang: string;
  file: string;
  text: string;
  durationMs: number;
  source: string;
  license: string;
}
interface Manifest {
  format: { sampleRate: number; channels: number; bitsPerSample: number };
  prompts: Prompt[];
}

let work: string;
let out: string;
let manifest: Manifest;

function run(cmd: string, args: string[], env?: NodeJS.ProcessEnv) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: env ?? process.env, timeout: 120_000 });
  if (r.error) throw r.error;
  return r;
}

function build(): ReturnType<typeof run> {
  const r = run('bash', [SCRIPT, out]);
  assert.equal(r.status, 0, `prompts.sh failed:\n${r.stderr}`);
  return r;
}

function soxInfo(file: string): { rate: number; channels: number; bits: number; seconds: number } {
  const r = run('sox', ['--i', file]);
  assert.equal(r.status, 0, r.stderr);
  const field = (name: string) => new RegExp(`^${name}\\s*:\\s*(.+)$`, 'm').exec(r.stdout)?.[1] ?? '';
  const samples = /=\s*(\d+) samples/.exec(field('Duration'))?.[1];
  return {
    rate: Number(field('Sample Rate')),
    channels: Number(field('Channels')),
    bits: parseInt(field('Precision'), 10),
    seconds: Number(samples) / Number(field('Sample Rate')),
  };
}

function rmsDb(file: string): number {
  const r = run('sox', [file, '-n', 'stats']);
  assert.equal(r.status, 0, r.stderr);
  const m = /^RMS lev dB\s+(-?[\d.]+|-inf)/m.exec(r.stderr);
  assert.ok(m, `no RMS in sox stats for ${file}`);
  return m[1] === '-inf' ? -Infinity : Number(m[1]);
}

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'prompts-test-'));
  out = join(work, 'prompts');
  build();
  manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as Manifest;
});

after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

test('the manifest lists the same prompt ids in English and Chinese, plus music on hold', () => {
  assert.deepEqual(manifest.format, { ...manifest.format, sampleRate: 8000, channels: 1, bitsPerSample: 16 });
  const ids = (lang: string) => manifest.prompts.filter((p) => p.lang === lang).map((p) => p.id).sort();
  assert.ok(ids('en').length >= 30, `a call-center set, got ${ids('en').length} English prompts`);
  assert.deepEqual(ids('zh'), ids('en'));
  assert.deepEqual(ids('zxx'), ['moh-default']);
  assert.equal(manifest.prompts.length, ids('en').length * 2 + 1);
  for (const p of manifest.prompts) {
    for (const k of ['id', 'lang', 'file', 'text', 'durationMs', 'source', 'license'] as const) assert.ok(k in p, `${p.id} has ${k}`);
    if (p.lang !== 'zxx') assert.ok(p.text.length > 0, `${p.lang}/${p.id} has its text`);
  }
  for (const id of ['queue-position-before', 'queue-position-after', 'one-moment-please', 'thank-you', 'goodbye', 'press', 'for', 'you-entered']) {
    assert.ok(ids('en').includes(id), `has ${id}`);
  }
});

test('English and Chinese digits 0-9 are all there with their words', () => {
  const zh = '零一二三四五六七八九';
  const en = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
  for (let d = 0; d <= 9; d++) {
    const e = manifest.prompts.find((p) => p.lang === 'en' && p.id === `digit-${d}`);
    const z = manifest.prompts.find((p) => p.lang === 'zh' && p.id === `digit-${d}`);
    assert.equal(e?.text, en[d]);
    assert.equal(z?.text, zh[d]);
    assert.ok(e && existsSync(join(out, e.file)) && z && existsSync(join(out, z.file)));
  }
});

test('every file exists and is 8 kHz mono 16-bit WAV of the duration the manifest gives', () => {
  for (const p of manifest.prompts) {
    const file = join(out, p.file);
    assert.ok(existsSync(file), `${p.file} exists`);
    const info = soxInfo(file);
    assert.equal(info.rate, 8000, `${p.file} rate`);
    assert.equal(info.channels, 1, `${p.file} channels`);
    assert.equal(info.bits, 16, `${p.file} precision`);
    assert.ok(Math.abs(info.seconds * 1000 - p.durationMs) <= 1, `${p.file}: ${info.seconds * 1000} ms vs manifest ${p.durationMs}`);
    assert.ok(p.durationMs >= 200, `${p.file} is not empty`);
  }
});

test('no file is silent', () => {
  for (const p of manifest.prompts) {
    const db = rmsDb(join(out, p.file));
    assert.ok(db > -35, `${p.file} RMS ${db} dBFS`);
  }
});

test('music on hold is 30 seconds of generated audio', () => {
  const moh = manifest.prompts.find((p) => p.id === 'moh-default')!;
  assert.equal(moh.file, 'moh/default.wav');
  assert.equal(moh.durationMs, 30_000);
  assert.match(moh.license, /generated/);
});

test('English prompts carry the Asterisk sounds licence and Chinese ones say they are generated', () => {
  for (const p of manifest.prompts.filter((q) => q.lang === 'en')) {
    assert.equal(p.license, 'CC-BY-SA-3.0');
    assert.match(p.source, /^asterisk-core-sounds-en-wav /);
  }
  for (const p of manifest.prompts.filter((q) => q.lang === 'zh')) {
    assert.equal(p.license, 'generated by espeak-ng');
    assert.match(p.source, /^espeak-ng /);
  }
});

test('Chinese texts are spoken as Mandarin, not as pinyin read in English', () => {
  const voice = /-v (\S+)/.exec(manifest.prompts.find((p) => p.lang === 'zh')!.source)![1];
  for (const p of manifest.prompts.filter((q) => q.lang === 'zh')) {
    const r = run('espeak-ng', ['-v', voice, '-q', '-x', p.text]);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(!r.stdout.includes('(en)'), `${p.id} "${p.text}" switches to English: ${r.stdout.trim()}`);
  }
});

test('a second run changes nothing, and a missing file is rebuilt', () => {
  const file = join(out, 'zh', 'digit-3.wav');
  const mtime = statSync(file).mtimeMs;
  const again = build();
  assert.match(again.stderr, /up to date/);
  assert.equal(statSync(file).mtimeMs, mtime);

  rmSync(file);
  const rebuilt = build();
  assert.doesNotMatch(rebuilt.stderr, /up to date/);
  assert.ok(existsSync(file));
});

test('a missing tool stops the script with a message naming it', () => {
  // A PATH with only what the script needs before its tool checks, and sox but no espeak-ng.
  const bin = join(work, 'bin');
  mkdirSync(bin);
  for (const tool of ['dirname', 'sox']) {
    const real = run('bash', ['-c', `command -v ${tool}`]).stdout.trim();
    symlinkSync(real, join(bin, tool));
  }
  const bash = run('bash', ['-c', 'command -v bash']).stdout.trim();
  const r = run(bash, [SCRIPT, join(work, 'never')], { ...process.env, PATH: bin });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /espeak-ng.*missing|missing.*espeak-ng/);
  assert.ok(!existsSync(join(work, 'never')), 'nothing was created');
});
