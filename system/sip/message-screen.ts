// The edge's look at one decoded message before the UA core sees it: known scanner user
// agents (drop silently), header count and Via depth, a request that already passed through
// this box (loop), and Max-Forwards exhausted on a new request. Pure: message and limits in,
// a verdict out.
import type { SipMessage, SipRequest } from './message.ts';
import { isRequest } from './message.ts';

/** User-Agent (or From display name) substrings of SIP scanners and war-diallers, lower case
 *  (the lists of Kamailio's secfilter and the fail2ban/asterisk filters, and what Debian's
 *  sipvicious sends). */
export const SCANNER_USER_AGENTS = [
  'friendly-scanner', 'sipvicious', 'sipcli', 'vaxsipuseragent', 'sundayddr', 'iwar', 'sip-scan', 'sipscan',
  'sivus', 'smap', 'siparmyknife', 'voipbuster', 'pplsip', 'sipsak-scan', 'exploitlab', 'nessus', 'sipptest',
];

export interface ScreenLimits {
  maxHeaders: number;
  maxVias: number;
  dropScanners: boolean;
  extraScanners: readonly string[];
  /** This box's own sent-by (host and port of the Via it puts in requests). */
  self: { hosts: readonly string[]; ports: readonly number[] };
}

export type ScreenVerdict =
  | { action: 'pass' }
  /** Drop without an answer; `scanner` when it was a known scanner (ban its address). */
  | { action: 'drop'; scanner: boolean; why: string }
  | { action: 'answer'; status: number; reason: string };

const PASS: ScreenVerdict = { action: 'pass' };

export function isScanner(m: SipMessage, extra: readonly string[]): string | undefined {
  const fields = [m.headers['user-agent'], m.headers.server, m.headers.from?.name];
  for (const f of fields) {
    if (typeof f !== 'string' || !f) continue;
    const lower = f.toLowerCase();
    const hit = SCANNER_USER_AGENTS.find((s) => lower.includes(s)) ?? extra.find((s) => lower.includes(s.toLowerCase()));
    if (hit) return hit;
  }
  return undefined;
}

/** Header values of a decoded message: list headers (Via, Contact, Route, ...) count each
 *  entry, every other header once (the codec joins an unparsed header's repeats). */
export function headerCount(m: SipMessage): number {
  let n = 0;
  for (const v of Object.values(m.headers)) {
    if (Array.isArray(v)) n += v.length;
    else if (v !== undefined) n += 1;
  }
  return n;
}

export function screenMessage(m: SipMessage, limits: ScreenLimits): ScreenVerdict {
  if (limits.dropScanners) {
    const hit = isScanner(m, limits.extraScanners);
    if (hit) return { action: 'drop', scanner: true, why: `scanner user agent (${hit})` };
  }
  const vias = m.headers.via.length;
  if (headerCount(m) > limits.maxHeaders) {
    return isRequest(m) ? { action: 'answer', status: 400, reason: 'Bad Request (too many headers)' } : { action: 'drop', scanner: false, why: 'too many headers' };
  }
  if (!isRequest(m)) return PASS;
  if (vias > limits.maxVias) return { action: 'answer', status: 483, reason: 'Too Many Hops (Via)' };
  if (passedThroughSelf(m, limits.self)) return { action: 'answer', status: 482, reason: 'Loop Detected' };
  const initial = !m.headers.to.params.tag;
  const mf = m.headers['max-forwards'];
  if (initial && mf !== undefined && Number(mf) <= 0 && m.method !== 'OPTIONS' && m.method !== 'REGISTER' && m.method !== 'ACK') {
    return { action: 'answer', status: 483, reason: 'Too Many Hops' };
  }
  return PASS;
}

/** RFC 3261 16.3 (4): a request carrying our own sent-by in its Via has been here before. */
function passedThroughSelf(rq: SipRequest, self: ScreenLimits['self']): boolean {
  if (rq.method === 'ACK' || rq.method === 'CANCEL') return false;
  return rq.headers.via.some((v) => self.hosts.includes(v.host) && self.ports.includes(v.port ?? 5060));
}
