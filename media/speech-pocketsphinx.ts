// A KeywordRecognizer over Debian's pocketsphinx (packages pocketsphinx, pocketsphinx-en-us):
// the only offline recogniser with a model on these machines. Its en-us model is trained on
// 16 kHz audio, so the 8 kHz telephone utterance is resampled to 16 kHz (nothing above 4 kHz
// comes back: that mismatch is why accuracy on telephone audio is poor, see bench:speech), padded
// with silence and decoded by `pocketsphinx_batch` against a JSGF grammar of exactly the
// phrases asked for (whole-utterance cepstral normalisation, which decodes short words better
// than pocketsphinx_continuous did in our trials). One process per utterance (~0.3 s of CPU),
// at most `maxConcurrent` at a time. The same decoder also transcribes free speech against the
// model's general English language model (`transcribe`, media/transcriber.ts): experimental,
// its word accuracy on telephone audio is measured by `npm run bench:transcribe`. Never imports
// system/.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resample } from './wav.ts';
import type { KeywordRecognizer, Recognition } from './speech-recognizer.ts';
import type { Transcriber, Transcription } from './transcriber.ts';

export interface PocketsphinxOptions {
  bin?: string;
  /** Acoustic model directory (Debian: /usr/share/pocketsphinx/model/en-us/en-us). */
  hmm?: string;
  dict?: string;
  /** Language model for free transcription (Debian: /usr/share/pocketsphinx/model/en-us/en-us.lm.bin). */
  lm?: string;
  /** Decoders running at once (each is one process). */
  maxConcurrent?: number;
  /** Silence added before and after the utterance, ms. */
  padMs?: number;
}

const DEFAULTS = {
  bin: '/usr/bin/pocketsphinx_batch',
  hmm: '/usr/share/pocketsphinx/model/en-us/en-us',
  dict: '/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict',
  lm: '/usr/share/pocketsphinx/model/en-us/en-us.lm.bin',
};

export class PocketsphinxRecognizer implements KeywordRecognizer, Transcriber {
  readonly name = 'pocketsphinx-en-us';
  readonly language = 'en';
  readonly experimental = true;
  private words?: Set<string>;
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly o: Required<PocketsphinxOptions>;

  private constructor(opts: PocketsphinxOptions) {
    this.o = { ...DEFAULTS, maxConcurrent: 2, padMs: 300, ...opts };
  }

  /** The recogniser, or undefined when pocketsphinx or its model is not installed. */
  static open(opts: PocketsphinxOptions = {}): PocketsphinxRecognizer | undefined {
    const o = { ...DEFAULTS, ...opts };
    if (![o.bin, join(o.hmm, 'mdef'), o.dict].every((p) => existsSync(p))) return undefined;
    return new PocketsphinxRecognizer(opts);
  }

  knows(word: string): boolean {
    if (!this.words) {
      this.words = new Set();
      for (const line of readFileSync(this.o.dict, 'utf8').split('\n')) {
        const w = line.slice(0, line.indexOf(' '));
        if (w && !w.includes('(')) this.words.add(w);
      }
    }
    return this.words.has(word.toLowerCase());
  }

  recognize(audio8k: Int16Array, phrases: readonly string[]): Promise<Recognition> {
    return this.decode(resample(audio8k, 8000, 16000), phrases);
  }

  /** The same on 16 kHz audio that never went through a telephone channel (the benchmark's baseline). */
  recognizeWideband(audio16k: Int16Array, phrases: readonly string[]): Promise<Recognition> {
    return this.decode(audio16k, phrases);
  }

  private async decode(audio16k: ArrayLike<number>, phrases: readonly string[]): Promise<Recognition> {
    const started = Date.now();
    const usable = [...new Set(phrases.map((p) => p.trim().toLowerCase()).filter((p) => p && p.split(/\s+/).every((w) => this.knows(w))))];
    if (!usable.length || !audio16k.length) return { raw: '', ms: 0 };
    const raw = await this.run(audio16k, ['-jsgf', 'g.jsgf'], { 'g.jsgf': `#JSGF V1.0;\ngrammar kw;\npublic <kw> = ${usable.join(' | ')};\n` });
    return { phrase: usable.includes(raw) ? raw : undefined, raw, ms: Date.now() - started };
  }

  /** Free transcription of one utterance (8 kHz) with the general language model; experimental. */
  async transcribe(audio8k: Int16Array): Promise<Transcription> {
    const started = Date.now();
    if (!audio8k.length || !existsSync(this.o.lm)) return { text: '', ms: 0 };
    const text = await this.run(resample(audio8k, 8000, 16000), ['-lm', this.o.lm], {});
    return { text, ms: Date.now() - started };
  }

  /** The same on 16 kHz audio that never went through a telephone channel (the benchmark's baseline). */
  async transcribeWideband(audio16k: Int16Array): Promise<Transcription> {
    const started = Date.now();
    if (!audio16k.length || !existsSync(this.o.lm)) return { text: '', ms: 0 };
    return { text: await this.run(audio16k, ['-lm', this.o.lm], {}), ms: Date.now() - started };
  }

  /** One pocketsphinx_batch run over the utterance with the given search (grammar or language model); the hypothesis, lower case. */
  private async run(audio16k: ArrayLike<number>, search: string[], files: Record<string, string>): Promise<string> {
    await this.slot();
    const dir = await mkdtemp(join(tmpdir(), 'ccbox-asr-'));
    try {
      await writeFile(join(dir, 'u.raw'), this.toRaw(audio16k));
      for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
      await writeFile(join(dir, 'u.ctl'), 'u\n');
      const args = ['-hmm', this.o.hmm, '-dict', this.o.dict, ...search, '-adcin', 'yes', '-cepdir', '.', '-cepext', '.raw', '-ctl', 'u.ctl', '-hyp', 'u.hyp', '-logfn', '/dev/null'];
      await new Promise<void>((resolve, reject) => execFile(this.o.bin, args, { cwd: dir, timeout: 60_000 }, (err) => (err ? reject(err) : resolve())));
      const hyp = (await readFile(join(dir, 'u.hyp'), 'utf8')).trim();
      return hyp.replace(/\s*\(u\b.*\)$/, '').trim().toLowerCase();
    } finally {
      this.release();
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** 16 kHz samples -> 16-bit little-endian, with silence around them. */
  private toRaw(up: ArrayLike<number>): Buffer {
    const pad = Math.round((this.o.padMs / 1000) * 16000);
    const out = Buffer.alloc((up.length + 2 * pad) * 2);
    for (let i = 0; i < up.length; i++) out.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(up[i]))), (pad + i) * 2);
    return out;
  }

  private slot(): Promise<void> {
    if (this.running < this.o.maxConcurrent) {
      this.running++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(() => {
      this.running++;
      resolve();
    }));
  }

  private release(): void {
    this.running--;
    this.waiting.shift()?.();
  }
}
