// The supervisor's live picture: queues (waiting callers, longest wait, agents by state) and
// agents (state, time in state). One snapshot from /api/acd/queues and /api/acd/agents, then
// kept current by the live events: an agent record replaces that agent; a queue-log row makes
// the queues be read again (once per burst, 150 ms later). No timer polls the box.
import { api } from './api.ts';
import { serverNow } from './clock.ts';
import type { LiveEvents } from './live.ts';
import type { AgentLive, AgentState, LiveMessage, QueueLive } from './types.ts';

export interface QueueView extends QueueLive {
  /** Box time at which each caller entered (wait grows on the page by itself). */
  enteredAt: Record<string, number>;
}

export class Board {
  queues: QueueView[] = [];
  agents = new Map<string, AgentLive>();
  private readonly listeners = new Set<() => void>();
  private refetch?: number;
  private offs: (() => void)[] = [];
  /** How many times the queues were read (a test can tell pushes from polls). */
  reads = 0;

  constructor(private readonly live: LiveEvents) {}

  start(): Promise<void> {
    this.offs.push(this.live.on((m) => this.onLive(m)));
    this.offs.push(this.live.onReconnect(() => void this.load()));
    return this.load();
  }

  stop(): void {
    this.offs.splice(0).forEach((f) => f());
    clearTimeout(this.refetch);
  }

  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private changed(): void {
    this.listeners.forEach((f) => f());
  }

  async load(): Promise<void> {
    const [agents] = await Promise.all([api<AgentLive[]>('GET', '/api/acd/agents'), this.loadQueues()]);
    this.agents = new Map(agents.map((a) => [a.id, a]));
    this.changed();
  }

  private async loadQueues(): Promise<void> {
    const list = await api<QueueLive[]>('GET', '/api/acd/queues');
    this.reads++;
    const now = serverNow();
    this.queues = list.map((q) => ({
      ...q,
      enteredAt: Object.fromEntries(q.callers.map((c) => [c.callId, now - c.waitSec * 1000])),
    }));
    this.changed();
  }

  private onLive(m: LiveMessage): void {
    if (m.kind === 'agent') {
      const known = this.agents.get(m.record.id);
      if (known) this.agents.set(m.record.id, { ...known, ...m.record, pending: m.record.pending });
      this.changed();
    } else if (m.kind === 'queue') {
      clearTimeout(this.refetch);
      this.refetch = window.setTimeout(() => void this.loadQueues(), 150);
    }
  }

  /** Agents of `queue` by state, from the agents' live records. */
  agentsByState(queue: string): Record<AgentState, number> {
    const counts: Record<AgentState, number> = { 'logged-out': 0, available: 0, ringing: 0, 'on-call': 0, 'wrap-up': 0, break: 0 };
    for (const a of this.agents.values()) if (a.queues.some((m) => m.queue === queue)) counts[a.state]++;
    return counts;
  }

  longestWaitMs(q: QueueView): number {
    const now = serverNow();
    return Object.values(q.enteredAt).reduce((m, at) => Math.max(m, now - at), 0);
  }
}
