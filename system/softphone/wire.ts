// The softphone protocol as the page sees it on the wire: plain types with no imports, so the
// browser module (system/web/src/softphone) can use them under the web app's own compiler
// settings (no Node, no mediasoup server types). protocol.ts validates requests against these
// shapes and checks that the server's own types still fit them.
import type { SoftphoneErrorCode } from './errors.ts';

export type SoftphoneMethod = 'connectTransport' | 'produce' | 'answer' | 'hangup' | 'hold' | 'dtmf';

/** What the page is told about a call it rings for. */
export interface WireCallInfo {
  /** The box's call id (CDR, recordings, screen pop). */
  callId: string;
  caller: { number: string; name?: string };
  queue?: string;
  /** The page dialled this number itself (dial-out): set up the media at once, no ringing. */
  dialled?: string;
  /** A consultation: the agent who consults this agent about the caller. */
  consult?: { agent: string; name?: string };
}

export type WireEndReason = 'hangup' | 'cancelled' | 'declined' | 'failed';

/** What mediasoup-client's createSendTransport/createRecvTransport take. */
export interface WireTransportParams {
  id: string;
  iceParameters: unknown;
  iceCandidates: unknown[];
  dtlsParameters: unknown;
}

/** The router's (G.711-only) capabilities and both transports. */
export interface WireOffer {
  routerRtpCapabilities: unknown;
  send: WireTransportParams;
  recv: WireTransportParams;
}

/** A consumer the page creates on its receive transport (mediasoup-client's consume()). */
export interface WireConsumer {
  id: string;
  producerId: string;
  kind: 'audio';
  rtpParameters: unknown;
}

/** What each request answers when it succeeds. */
export interface SoftphoneResults {
  connectTransport: Record<string, never>;
  produce: { producerId: string };
  answer: Record<string, never>;
  hangup: Record<string, never>;
  hold: { held: boolean };
  dtmf: { sent: string };
}

export type SoftphoneReply =
  | { id: number; ok: true; result: SoftphoneResults[SoftphoneMethod] }
  | { id: number | null; ok: false; error: { code: SoftphoneErrorCode; message: string } };

/** Events the box sends the page. */
export type SoftphoneEvent =
  /** The session is up: whom it belongs to, and whether this agent's calls ring here. */
  | { event: 'ready'; data: { agentId: string; device: 'phone' | 'browser' } }
  /** A call rings: `callId` is this leg's handle for every request about it. */
  | { event: 'incoming'; data: { callId: string; call: WireCallInfo; offer: WireOffer } }
  /** The call was bridged to the answering agent. */
  | { event: 'connected'; data: { callId: string } }
  /** Hear this instead of what was heard before (the caller, music on hold, a prompt). */
  | { event: 'consume'; data: { callId: string; consumer: WireConsumer } }
  /** A digit the other party sent (RFC 4733 or SIP INFO). */
  | { event: 'digit'; data: { callId: string; digit: string } }
  /** A call the page dialled: the other party is ringing. */
  | { event: 'ringback'; data: { callId: string } }
  | { event: 'ended'; data: { callId: string; reason: WireEndReason; sip?: { status: number; reason: string } } }
  /** This page is closed because the agent opened the softphone elsewhere (or is not an agent). */
  | { event: 'closed'; data: { code: SoftphoneErrorCode; message: string } };
