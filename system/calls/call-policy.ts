// Toll-fraud policy, pure: what class a number sent to a trunk is, which classes an extension
// (or its agent) may dial, and whether an outbound call may start given its counts. No I/O,
// no clock; toll-guard.ts keeps the counts and applies the verdict.
//
// Number classes for a branch office in mainland China (the number as it goes to the trunk,
// after the dial plan's strip/prepend; '+86' and '0086' are read as a national number):
// - emergency (always allowed, never blocked, not limited): 110 police, 112, 119 fire,
//   120 ambulance, 122 traffic accidents.
// - international: '00' or '+' followed by anything but 86 (国际长途); also any unrecognised
//   number longer than 12 digits (fail closed).
// - premium: voice-information services 160/168 (信息台, with or without an area code),
//   call-by-call carrier / IP long-distance prefixes that carry the call past the trunk's
//   tariff (17900, 17901, 17908, 17909, 17911, 17951, 17969, 12593, 10193), and anything
//   with '*' or '#' (carrier feature codes, e.g. call forwarding set up at the carrier).
// - national: long distance with an area code (0 + 9..11 digits, 国内长途), mobile numbers
//   (1[3-9] + 9 digits), nationwide service numbers 400 (caller pays local rate) and 800
//   (free) with 7 more digits.
// - local: subscriber numbers of 7–8 digits not starting with 0 or 1 (市话), short service
//   codes 1xx–1xxxx (114, 10086, 12315, ...), 95xxx/96xxx service numbers, and any other
//   number of up to 8 digits not starting with 0 (a short number cannot leave the local network).
// Default class of service: local and national; international and premium are refused until
// an admin grants them to an extension or agent (config security.tollFraud.classes).
import type { CallClass, SecurityConfig } from '../config/security-schema.ts';

export type NumberClass = CallClass | 'emergency';

const EMERGENCY = new Set(['110', '112', '119', '120', '122']);
const PREMIUM_PREFIXES = /^(?:17900|17901|17908|17909|17911|17951|17969|12593|10193)\d{5,}$/;
const INFO_SERVICE = /^(?:0\d{2,3})?16[08]\d{4,}$/;

export function classifyNumber(raw: string): NumberClass {
  let n = raw.replace(/[\s\-.()]/g, '');
  if (/[*#]/.test(n)) return 'premium';
  if (n.startsWith('+86')) n = nationalForm(n.slice(3));
  else if (n.startsWith('0086')) n = nationalForm(n.slice(4));
  else if (n.startsWith('+') || n.startsWith('00')) return 'international';
  if (!/^\d+$/.test(n)) return 'premium';
  if (EMERGENCY.has(n)) return 'emergency';
  if (PREMIUM_PREFIXES.test(n) || INFO_SERVICE.test(n)) return 'premium';
  if (/^1[3-9]\d{9}$/.test(n)) return 'national';
  if (/^0[1-9]\d{8,10}$/.test(n)) return 'national';
  if (/^(?:400|800)\d{7}$/.test(n)) return 'national';
  if (/^9[56]\d{3,4}$/.test(n)) return 'local';
  if (/^1\d{2,4}$/.test(n)) return 'local';
  if (/^[2-9]\d{6,7}$/.test(n)) return 'local';
  if (n.length <= 8 && !n.startsWith('0')) return 'local';
  return 'international';
}

/** After +86/0086: a mobile or service number as is, otherwise the area code gets its 0. */
function nationalForm(rest: string): string {
  if (/^1[3-9]\d{9}$/.test(rest) || /^(?:400|800)\d{7}$/.test(rest) || rest.startsWith('0')) return rest;
  return '0' + rest;
}

/** The classes an extension may dial: its own entry, else its agent's, else the default. */
export function classesFor(toll: SecurityConfig['tollFraud'], extension: string, agents: readonly { id: string; extension: string }[]): readonly CallClass[] {
  if (Object.hasOwn(toll.classes, extension)) return toll.classes[extension];
  for (const a of agents) if (a.extension === extension && Object.hasOwn(toll.classes, a.id)) return toll.classes[a.id];
  return toll.defaultClasses;
}

export interface OutboundFacts {
  /** The number as it goes to the trunk. */
  number: string;
  /** The calling extension, or undefined for a call from a trunk (DID to dial plan). */
  extension?: string;
  allowed: readonly CallClass[];
  /** The extension is blocked (a burst, or an admin). */
  blocked: boolean;
  /** Outbound trunk calls of this extension up now, and started in the last hour. */
  extensionConcurrent: number;
  extensionLastHour: number;
  /** Outbound calls started on this trunk in the last hour. */
  trunkLastHour: number;
  /** Outbound calls of this extension in the burst window, this one included. */
  burstCount: number;
}

export type OutboundVerdict =
  | { ok: true; class: NumberClass }
  | { ok: false; class: NumberClass; status: number; reason: string; code: TollCode; block?: boolean };

/** Codes of refused outbound calls (logged with the refusal; the caller gets the SIP status). */
export const TollErrorCodes = {
  CC_CALL_CLASS_FORBIDDEN: 'the number\'s class (international, premium, ...) is not in the extension\'s class of service: 403',
  CC_CALL_EXTENSION_BLOCKED: 'the extension is blocked from outbound calls (a burst, or an admin) until an admin lifts it: 403',
  CC_CALL_LIMIT_CONCURRENT: 'the extension has security.tollFraud.maxConcurrentPerExtension outbound calls up: 403',
  CC_CALL_LIMIT_HOURLY: 'the extension started security.tollFraud.maxPerHourPerExtension outbound calls in the last hour: 403',
  CC_CALL_TRUNK_HOURLY: 'the trunk carried security.tollFraud.maxPerHourPerTrunk calls in the last hour: 503',
  CC_CALL_TOLL_BURST: 'an unusual burst of outbound calls: the extension is now blocked and an alert logged: 403',
} as const;
export type TollCode = keyof typeof TollErrorCodes;

export function outboundVerdict(f: OutboundFacts, toll: SecurityConfig['tollFraud']): OutboundVerdict {
  const cls = classifyNumber(f.number);
  if (cls === 'emergency') return { ok: true, class: cls };
  const no = (status: number, reason: string, code: TollCode, block?: boolean): OutboundVerdict => ({ ok: false, class: cls, status, reason, code, ...(block ? { block } : {}) });
  if (toll.maxPerHourPerTrunk > 0 && f.trunkLastHour >= toll.maxPerHourPerTrunk) return no(503, 'Service Unavailable (trunk hourly call limit)', 'CC_CALL_TRUNK_HOURLY');
  if (f.extension === undefined) return { ok: true, class: cls };
  if (f.blocked) return no(403, 'Forbidden (outbound calls blocked)', 'CC_CALL_EXTENSION_BLOCKED');
  if (f.burstCount > toll.burstCalls) return no(403, 'Forbidden (outbound calls blocked: unusual burst)', 'CC_CALL_TOLL_BURST', true);
  if (!f.allowed.includes(cls)) return no(403, `Forbidden (${cls} calls not allowed)`, 'CC_CALL_CLASS_FORBIDDEN');
  if (f.extensionConcurrent >= toll.maxConcurrentPerExtension) return no(403, 'Forbidden (too many outbound calls at once)', 'CC_CALL_LIMIT_CONCURRENT');
  if (f.extensionLastHour >= toll.maxPerHourPerExtension) return no(403, 'Forbidden (hourly outbound call limit)', 'CC_CALL_LIMIT_HOURLY');
  return { ok: true, class: cls };
}
