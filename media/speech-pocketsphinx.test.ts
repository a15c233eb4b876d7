import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { PocketsphinxRecognizer } from './speech-pocketsphinx.ts';
import { readWav, toTelephony } from './wav.ts';

const recognizer = PocketsphinxRecognizer.open();
const ALLISON = '/usr/share/asterisk/sounds/en_US_f_Allison';
const skip = !recognizer || !existsSync(ALLISON) ? 'pocketsphinx or asterisk-core-sounds-en-wav not installed' : false;

test('open() finds nothing where pocketsphinx is not installed', () => {
  assert.equal(PocketsphinxRecognizer.open({ bin: '/nonexistent/pocketsphinx_batch' }), undefined);
});

test('a real 8 kHz word is recognised against a small grammar; only phrases the dictionary spells are offered', { skip }, async () => {
  const audio = toTelephony(readWav(readFileSync(`${ALLISON}/digits/mon-2.wav`)));
  const r = await recognizer!.recognize(audio, ['january', 'march', 'october', 'zzqx']);
  assert.equal(r.phrase, 'march', `heard ${r.raw}`);
  assert.ok(recognizer!.knows('march'));
  assert.ok(!recognizer!.knows('zzqx'));
  assert.deepEqual(await recognizer!.recognize(audio, ['zzqx']), { raw: '', ms: 0 }, 'no spellable phrase: nothing to decode');
});
