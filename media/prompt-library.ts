// The box's prompt set on disk (built by scripts/prompts.sh: manifest.json + WAV files per
// language, and music on hold): looked up by id and language, decoded once to 8 kHz
// linear audio and cached. Unknown ids are a coded error, never a crash.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readWav, toTelephony } from './wav.ts';
import type { MediaErrorCode } from './errors.ts';

export type PromptLang = 'en' | 'zh';

interface ManifestEntry {
  id: string;
  lang: string;
  file: string;
  durationMs: number;
}

export class PromptLibraryError extends Error {
  readonly code: MediaErrorCode = 'CC_MEDIA_PROMPT_MISSING';
}

export class PromptLibrary {
  private readonly entries = new Map<string, ManifestEntry>();
  private readonly cache = new Map<string, Int16Array>();

  constructor(readonly dir: string) {
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { prompts: ManifestEntry[] };
    for (const e of manifest.prompts) this.entries.set(`${e.lang}/${e.id}`, e);
  }

  has(id: string, lang: PromptLang | 'zxx' = 'en'): boolean {
    return this.entries.has(`${lang}/${id}`);
  }

  /** 8 kHz mono linear samples of prompt `id` in `lang` ('zxx' for music). */
  clip(id: string, lang: PromptLang | 'zxx' = 'en'): Int16Array {
    const key = `${lang}/${id}`;
    const cached = this.cache.get(key);
    if (cached) return cached;
    const entry = this.entries.get(key);
    if (!entry) throw new PromptLibraryError(`no prompt ${key} in ${this.dir}`);
    const samples = toTelephony(readWav(readFileSync(join(this.dir, entry.file))));
    this.cache.set(key, samples);
    return samples;
  }

  /** The default music on hold. */
  music(): Int16Array {
    const entry = [...this.entries.values()].find((e) => e.lang === 'zxx');
    if (!entry) throw new PromptLibraryError(`no music on hold in ${this.dir}`);
    return this.clip(entry.id, 'zxx');
  }

  /** A number spoken digit by digit ("3" -> digit-3), e.g. for queue positions. */
  digits(n: number | string, lang: PromptLang = 'en'): Int16Array[] {
    return String(n)
      .split('')
      .filter((d) => /[0-9]/.test(d))
      .map((d) => this.clip(`digit-${d}`, lang));
  }
}
