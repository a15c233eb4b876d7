// Every open softphone page, one per agent (the newest wins: an older page is told and
// closed, its calls end). Answers the ACD's two questions about browser agents: is this agent
// reachable now (a live page, not busy), and how to ring them for a call (a browser candidate
// for Call.offer, whose leg rings that page). Imports: calls, config (types), its session.
import type { Call } from '../calls/call.ts';
import type { BrowserCandidate } from '../calls/callee-offer.ts';
import type { AgentConfig } from '../config/schema.ts';
import { SoftphoneSession, type SoftphoneSocket } from './softphone-session.ts';

export class SoftphoneHub {
  private readonly sessions = new Map<string, SoftphoneSession>();

  constructor(private readonly log: { info: (o: object, m: string) => void; warn: (o: object, m: string) => void }) {}

  /** A page of `agentId` opened: it becomes the agent's softphone (an older one is closed). */
  open(agentId: string, address: string, socket: SoftphoneSocket): SoftphoneSession {
    const older = this.sessions.get(agentId);
    const session = new SoftphoneSession(agentId, address, socket, this.log);
    this.sessions.set(agentId, session);
    if (older) {
      this.log.info({ agent: agentId, code: 'CC_SOFTPHONE_REPLACED' }, 'softphone opened elsewhere: closing the older page');
      older.shut('CC_SOFTPHONE_REPLACED', 'the softphone was opened in another page', 4001);
    }
    return session;
  }

  /** The page's socket closed. */
  gone(session: SoftphoneSession): void {
    if (this.sessions.get(session.agentId) === session) this.sessions.delete(session.agentId);
    session.close('softphone closed');
  }

  /** The agent has an open softphone page. */
  live(agentId: string): boolean {
    const s = this.sessions.get(agentId);
    return s !== undefined && !s.isClosed;
  }

  /** How to ring `agent`'s page for `call`; undefined when it has none or is busy with another call. */
  candidate(agent: AgentConfig, call: Call, ringTimeoutMs: number): BrowserCandidate | undefined {
    const s = this.sessions.get(agent.id);
    if (!s || s.isClosed || s.busy) return undefined;
    const caller = call.parties.caller;
    return {
      kind: 'browser',
      key: agent.id,
      party: { kind: 'extension', id: agent.extension, number: agent.extension, uri: `webrtc:${agent.id}`, address: s.address },
      ringTimeoutMs,
      line: s.lineFor(call),
      info: { callId: call.id, caller: { number: caller.number }, ...(call.tags.queue ? { queue: call.tags.queue } : {}) },
    };
  }

  /** The agent's open page when it holds no call: it may dial out as a call's calling side (calls/browser-dial.ts). */
  freePage(agentId: string): SoftphoneSession | undefined {
    const s = this.sessions.get(agentId);
    return s && !s.isClosed && !s.busy ? s : undefined;
  }

  /** Open pages and the legs they hold (for status and leak checks). */
  get counters(): { sessions: number; legs: number } {
    let legs = 0;
    for (const s of this.sessions.values()) legs += s.legCount;
    return { sessions: this.sessions.size, legs };
  }

  /** Shutdown: every page is told and closed. */
  close(): void {
    for (const s of [...this.sessions.values()]) s.shut('CC_SOFTPHONE_SHUTDOWN', 'the box is shutting down', 1001);
    this.sessions.clear();
  }
}
