// One DTMF stream per call: a phone or carrier that sends a key press both as RFC 4733 and as
// tones (or SIP INFO) must not produce it twice, so the same digit on the same side from
// another source within DTMF_DEDUP_MS of the first is dropped. Pure (the clock is passed in).
import type { LegSide } from './sip-leg.ts';

export type DtmfSource = 'rfc4733' | 'info' | 'inband';

/** How close two reports of the same digit from different sources must be to count once. */
export const DTMF_DEDUP_MS = 300;

export class DtmfDedup {
  private readonly last: Partial<Record<LegSide, { digit: string; via: DtmfSource; at: number }>> = {};

  /** Whether this report is a new key press (true) or the same press seen by another source (false). */
  accept(digit: string, side: LegSide, via: DtmfSource, now: number): boolean {
    const last = this.last[side];
    if (last && last.digit === digit && last.via !== via && now - last.at < DTMF_DEDUP_MS) return false;
    this.last[side] = { digit, via, at: now };
    return true;
  }
}
