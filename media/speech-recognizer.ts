// The speech recogniser as the IVR sees it: given one utterance of 8 kHz telephone audio and a
// small set of phrases, which phrase (if any) was said. One interface so a better engine can
// replace the one Debian offers (pocketsphinx, speech-pocketsphinx.ts); the accuracy of each
// engine is measured by `npm run bench:speech`, and the IVR treats speech as a convenience
// over DTMF, never the only way through a menu.

export interface Recognition {
  /** The phrase heard, one of those asked for; undefined for no match. */
  phrase?: string;
  /** What the engine produced (for logs). */
  raw: string;
  /** Time the engine took. */
  ms: number;
}

export interface KeywordRecognizer {
  readonly name: string;
  /** Which of `phrases` the utterance (8 kHz, 16-bit linear) is; phrases the engine cannot spell are left out. */
  recognize(audio8k: Int16Array, phrases: readonly string[]): Promise<Recognition>;
  /** Whether the engine can recognise this word at all (its dictionary). */
  knows(word: string): boolean;
}
