// Test audio: μ-law tone and DTMF frames to send as RTP, and sox as an independent reader of
// recordings (band-limited RMS of one channel).
import { spawnSync } from 'node:child_process';
import { encodeUlaw } from '../../media/g711.ts';

/** 20 ms μ-law frames of a sine at `hz`. */
export function tone(hz: number, frames: number): Buffer[] {
  const out: Buffer[] = [];
  for (let f = 0; f < frames; f++) {
    const s = new Int16Array(160);
    for (let i = 0; i < 160; i++) s[i] = Math.round(8000 * Math.sin((2 * Math.PI * hz * (f * 160 + i)) / 8000));
    out.push(encodeUlaw(s));
  }
  return out;
}

/** RMS of one channel after a band-pass around `hz` (sox), in linear units 0..1. */
export function bandRms(file: string, channel: 1 | 2, hz: number): number {
  // sox prints its stats on stderr.
  const report = spawnSync('sox', [file, '-n', 'remix', String(channel), 'sinc', `${hz - 60}-${hz + 60}`, 'stats'], { encoding: 'utf8' }).stderr;
  const m = /RMS lev dB\s+(-?[\d.]+|-inf)/.exec(report);
  return !m || m[1] === '-inf' ? 0 : 10 ** (Number(m[1]) / 20);
}


/** 20 ms μ-law frames of a DTMF key (two sines at -10 dBm0 each) lasting `ms`. */
export function dtmfTone(key: string, ms: number): Buffer[] {
  const rows: Record<string, number> = { '1': 697, '2': 697, '3': 697, '4': 770, '5': 770, '6': 770, '7': 852, '8': 852, '9': 852, '*': 941, '0': 941, '#': 941 };
  const cols: Record<string, number> = { '1': 1209, '4': 1209, '7': 1209, '*': 1209, '2': 1336, '5': 1336, '8': 1336, '0': 1336, '3': 1477, '6': 1477, '9': 1477, '#': 1477 };
  const out: Buffer[] = [];
  for (let f = 0; f < ms / 20; f++) {
    const s = new Int16Array(160);
    for (let i = 0; i < 160; i++) {
      const t = (f * 160 + i) / 8000;
      s[i] = Math.round(5000 * Math.sin(2 * Math.PI * rows[key] * t) + 5000 * Math.sin(2 * Math.PI * cols[key] * t));
    }
    out.push(encodeUlaw(s));
  }
  return out;
}
