// Transcription as the box sees it: one utterance of 8 kHz telephone audio in, its words out.
// One interface so a better engine can replace the one Debian offers (pocketsphinx's general
// en-us language model, speech-pocketsphinx.ts). Engines say whether they are experimental;
// their word accuracy on telephone audio is measured by `npm run bench:transcribe` and shown
// next to every transcript, never hidden.

export interface Transcription {
  /** The words heard, lower case; empty when nothing was recognised. */
  text: string;
  /** Time the engine took. */
  ms: number;
}

export interface Transcriber {
  readonly name: string;
  /** BCP 47 language the engine transcribes (one per engine). */
  readonly language: string;
  /** True when its accuracy is too low to rely on (shown in the UI). */
  readonly experimental: boolean;
  transcribe(audio8k: Int16Array): Promise<Transcription>;
}
