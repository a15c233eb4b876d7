// The softphone's WebSocket protocol (GET /api/softphone): the page sends requests
// `{ id, method, params }` and gets one reply each, `{ id, ok: true, result }` or
// `{ id, ok: false, error: { code, message } }`; the box sends events `{ event, data }`.
// Requests are validated here (TypeBox) before anything acts on them. Pure: no I/O. The page's
// module (system/web/src/softphone) uses the wire types (wire.ts) only.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { BrowserCallInfo, BrowserEndReason } from '../calls/browser-leg.ts';
import type { WebRtcConsumerInfo, WebRtcOffer } from '../../media/webrtc-leg-media.ts';
import type { SoftphoneMethod, WireCallInfo, WireConsumer, WireEndReason, WireOffer } from './wire.ts';

/** Larger messages are refused before parsing (an offer's answer is ~2 KiB). */
export const MAX_MESSAGE_BYTES = 32 * 1024;

const LegId = Type.String({ pattern: '^[0-9a-f-]{36}$' });
const MediasoupId = Type.String({ minLength: 1, maxLength: 64 });
const Params = Type.Record(Type.String({ maxLength: 64 }), Type.Union([Type.String({ maxLength: 256 }), Type.Number(), Type.Boolean()]));
const RtcpFeedback = Type.Array(Type.Object({ type: Type.String({ maxLength: 32 }), parameter: Type.Optional(Type.String({ maxLength: 32 })) }), { maxItems: 16 });

const DtlsParameters = Type.Object({
  role: Type.Optional(Type.Union([Type.Literal('auto'), Type.Literal('client'), Type.Literal('server')])),
  fingerprints: Type.Array(Type.Object({ algorithm: Type.String({ maxLength: 16 }), value: Type.String({ maxLength: 256 }) }), { minItems: 1, maxItems: 8 }),
});

const RtpParameters = Type.Object({
  mid: Type.Optional(Type.String({ maxLength: 32 })),
  codecs: Type.Array(Type.Object({
    mimeType: Type.String({ maxLength: 64 }),
    payloadType: Type.Integer({ minimum: 0, maximum: 127 }),
    clockRate: Type.Integer({ minimum: 1, maximum: 192000 }),
    channels: Type.Optional(Type.Integer({ minimum: 1, maximum: 8 })),
    parameters: Type.Optional(Params),
    rtcpFeedback: Type.Optional(RtcpFeedback),
  }), { minItems: 1, maxItems: 8 }),
  headerExtensions: Type.Optional(Type.Array(Type.Object({
    uri: Type.String({ maxLength: 256 }),
    id: Type.Integer({ minimum: 1, maximum: 255 }),
    encrypt: Type.Optional(Type.Boolean()),
    parameters: Type.Optional(Params),
  }), { maxItems: 16 })),
  encodings: Type.Optional(Type.Array(Type.Object({
    ssrc: Type.Optional(Type.Integer({ minimum: 0, maximum: 0xffffffff })),
    rid: Type.Optional(Type.String({ maxLength: 32 })),
    codecPayloadType: Type.Optional(Type.Integer({ minimum: 0, maximum: 127 })),
    rtx: Type.Optional(Type.Object({ ssrc: Type.Integer({ minimum: 0, maximum: 0xffffffff }) })),
    dtx: Type.Optional(Type.Boolean()),
    scalabilityMode: Type.Optional(Type.String({ maxLength: 16 })),
    maxBitrate: Type.Optional(Type.Number({ minimum: 0 })),
  }), { maxItems: 4 })),
  rtcp: Type.Optional(Type.Object({ cname: Type.Optional(Type.String({ maxLength: 64 })), reducedSize: Type.Optional(Type.Boolean()), mux: Type.Optional(Type.Boolean()) })),
  msid: Type.Optional(Type.String({ maxLength: 160 })),
});

const RtpCapabilities = Type.Object({
  codecs: Type.Optional(Type.Array(Type.Object({
    kind: Type.Union([Type.Literal('audio'), Type.Literal('video')]),
    mimeType: Type.String({ maxLength: 64 }),
    preferredPayloadType: Type.Optional(Type.Integer({ minimum: 0, maximum: 127 })),
    clockRate: Type.Integer({ minimum: 1, maximum: 192000 }),
    channels: Type.Optional(Type.Integer({ minimum: 1, maximum: 8 })),
    parameters: Type.Optional(Params),
    rtcpFeedback: Type.Optional(RtcpFeedback),
  }), { maxItems: 64 })),
  headerExtensions: Type.Optional(Type.Array(Type.Object({
    kind: Type.Union([Type.Literal('audio'), Type.Literal('video')]),
    uri: Type.String({ maxLength: 256 }),
    preferredId: Type.Integer({ minimum: 1, maximum: 255 }),
    preferredEncrypt: Type.Optional(Type.Boolean()),
    direction: Type.Optional(Type.Union(['sendrecv', 'sendonly', 'recvonly', 'inactive'].map((d) => Type.Literal(d)))),
  }), { maxItems: 32 })),
});

/** Each request's parameters, by method. */
export const RequestParams = {
  /** mediasoup-client's transport 'connect' event. */
  connectTransport: Type.Object({ callId: LegId, transportId: MediasoupId, dtlsParameters: DtlsParameters }, { additionalProperties: false }),
  /** mediasoup-client's send transport 'produce' event (the microphone). */
  produce: Type.Object({ callId: LegId, transportId: MediasoupId, kind: Type.Literal('audio'), rtpParameters: RtpParameters }, { additionalProperties: false }),
  /** Take the ringing call (after producing): what the page can receive. */
  answer: Type.Object({ callId: LegId, rtpCapabilities: RtpCapabilities }, { additionalProperties: false }),
  /** Hang up an answered call, or decline a ringing one. */
  hangup: Type.Object({ callId: LegId }, { additionalProperties: false }),
  hold: Type.Object({ callId: LegId, on: Type.Boolean() }, { additionalProperties: false }),
  /** Keypad: digits go to the other party as RFC 4733 events. */
  dtmf: Type.Object({ callId: LegId, digits: Type.String({ pattern: '^[0-9*#A-Da-d]{1,32}$' }) }, { additionalProperties: false }),
} satisfies Record<SoftphoneMethod, TSchema>;

export type SoftphoneRequest = { [M in SoftphoneMethod]: { id: number; method: M; params: Static<(typeof RequestParams)[M]> } }[SoftphoneMethod];

export type { SoftphoneEvent, SoftphoneMethod, SoftphoneReply, SoftphoneResults } from './wire.ts';

// The server's own types must still fit what the page is told (wire.ts).
const fits = (x: { offer: WebRtcOffer; consumer: WebRtcConsumerInfo; info: BrowserCallInfo; reason: BrowserEndReason }): { offer: WireOffer; consumer: WireConsumer; info: WireCallInfo; reason: WireEndReason } => x;
void fits;

export type ParseResult =
  | { ok: true; request: SoftphoneRequest }
  | { ok: false; id: number | null; code: 'CC_SOFTPHONE_BAD_REQUEST'; message: string };

const Envelope = Type.Object({
  id: Type.Integer({ minimum: 0, maximum: 2 ** 31 }),
  method: Type.String({ maxLength: 32 }),
  params: Type.Unknown(),
}, { additionalProperties: false });

const bad = (id: number | null, message: string): ParseResult => ({ ok: false, id, code: 'CC_SOFTPHONE_BAD_REQUEST', message });

/** A page's message as a valid request, or why not (with its id when it had a usable one). */
export function parseRequest(raw: string | Uint8Array): ParseResult {
  const size = typeof raw === 'string' ? new TextEncoder().encode(raw).length : raw.length;
  if (size > MAX_MESSAGE_BYTES) return bad(null, `message of ${size} bytes (at most ${MAX_MESSAGE_BYTES})`);
  let msg: unknown;
  try {
    msg = JSON.parse(typeof raw === 'string' ? raw : new TextDecoder().decode(raw));
  } catch {
    return bad(null, 'not JSON');
  }
  const rawId = (msg as { id?: unknown } | null)?.id;
  const id = Number.isInteger(rawId) && (rawId as number) >= 0 && (rawId as number) <= 2 ** 31 ? (rawId as number) : null;
  if (!Value.Check(Envelope, msg)) return bad(id, `expected { id, method, params }: ${firstError(Envelope, msg)}`);
  const { method, params } = msg;
  if (!Object.hasOwn(RequestParams, method)) return bad(id, `unknown method ${JSON.stringify(method)}`);
  const schema = RequestParams[method as SoftphoneMethod];
  if (!Value.Check(schema, params)) return bad(id, `${method}: ${firstError(schema, params)}`);
  return { ok: true, request: { id: msg.id, method, params } as SoftphoneRequest };
}

function firstError(schema: TSchema, value: unknown): string {
  const e = Value.Errors(schema, value).First();
  return e ? `${e.path || '/'} ${e.message}` : 'invalid';
}
