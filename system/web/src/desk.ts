// The agent's desk as the workspace shows it: the user's agent configuration and state record
// (kept current from the live events), the queue call ringing or connected (read when the
// record says the call changed), the screen pop (customer record and previous calls of the
// caller's number) and the status actions. Views subscribe with onChange.
import { api, ApiError } from './api.ts';
import type { LiveEvents } from './live.ts';
import type { AgentRecord, CallSummary, CurrentCall, Customer, LiveMessage, Workspace } from './types.ts';

export type StatusAction = 'login' | 'ready' | 'break' | 'logout';

export class Desk {
  workspace: Workspace | null = null;
  record: AgentRecord | null = null;
  call: CurrentCall | null = null;
  /** The call that just ended (its screen pop stays up for notes). */
  lastCall: CurrentCall | null = null;
  /** The number whose customer record and history are shown. */
  popNumber: string | null = null;
  customer: Customer | null = null;
  customerMissing = false;
  history: CallSummary[] = [];
  private readonly listeners = new Set<() => void>();
  private loadingCallFor?: string;

  constructor(private readonly live: LiveEvents) {
    live.on((m) => this.onLive(m));
    live.onReconnect(() => void this.load());
  }

  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private changed(): void {
    this.listeners.forEach((f) => f());
  }

  async load(): Promise<void> {
    this.workspace = await api<Workspace>('GET', '/api/workspace');
    this.record = this.workspace.record;
    this.changed();
    await this.followCall();
  }

  get isAgent(): boolean {
    return !!this.workspace?.agent;
  }

  private onLive(m: LiveMessage): void {
    if (m.kind !== 'agent' || !this.workspace?.agent || m.record.id !== this.workspace.agent.id) return;
    this.record = m.record;
    this.changed();
    void this.followCall();
  }

  /** Bring the current call in line with the record: read it when one rings or connects. */
  private async followCall(): Promise<void> {
    const rec = this.record;
    const busy = rec && (rec.state === 'ringing' || rec.state === 'on-call') && rec.callId;
    if (!busy) {
      if (this.call) {
        this.lastCall = this.call;
        this.call = null;
        this.changed();
        // The call just ended: its CDR joins the number's history.
        setTimeout(() => void this.refreshHistory(), 300);
      }
      return;
    }
    const key = `${rec.callId}:${rec.state}`;
    if (this.loadingCallFor === key) return;
    this.loadingCallFor = key;
    try {
      const { call } = await api<{ call: CurrentCall | null }>('GET', '/api/workspace/call');
      if (this.loadingCallFor !== key) return;
      this.call = call;
      this.changed();
      if (call && call.caller !== this.popNumber) await this.showCustomer(call.caller);
    } finally {
      if (this.loadingCallFor === key) this.loadingCallFor = undefined;
    }
  }

  /** The screen pop: the customer record of `number` (or none yet) and its previous calls. */
  async showCustomer(number: string): Promise<void> {
    this.popNumber = number;
    this.customer = null;
    this.customerMissing = false;
    this.history = [];
    this.changed();
    const [customer, history] = await Promise.all([
      api<Customer>('GET', `/api/customers/${encodeURIComponent(number)}`).catch((err) => {
        if (err instanceof ApiError && err.status === 404) return null;
        throw err;
      }),
      api<CallSummary[]>('GET', `/api/history/${encodeURIComponent(number)}?limit=20`),
    ]);
    if (this.popNumber !== number) return;
    this.customer = customer;
    this.customerMissing = customer === null;
    this.history = history;
    this.changed();
  }

  async refreshHistory(): Promise<void> {
    const number = this.popNumber;
    if (!number) return;
    const history = await api<CallSummary[]>('GET', `/api/history/${encodeURIComponent(number)}?limit=20`).catch(() => undefined);
    if (history && this.popNumber === number) {
      this.history = history;
      this.changed();
    }
  }

  async saveCustomer(fields: { name?: string; notes?: string; priority?: number }): Promise<void> {
    const number = this.popNumber;
    if (!number) return;
    const body = { name: fields.name ?? '', notes: fields.notes ?? '', priority: fields.priority ?? this.customer?.priority ?? 0 };
    this.customer = await api<Customer>('PUT', `/api/customers/${encodeURIComponent(number)}`, body);
    this.customerMissing = false;
    this.changed();
  }

  async setStatus(action: StatusAction, reason?: string): Promise<void> {
    const id = this.workspace?.agent?.id;
    if (!id) return;
    const path = `/api/acd/agents/${encodeURIComponent(id)}/${action}`;
    this.record = await api<AgentRecord>('POST', path, action === 'break' ? { reason } : undefined);
    this.changed();
  }

  /** Available: log in when logged out, else ready (ends a break or wrap-up). */
  becomeAvailable(): Promise<void> {
    return this.setStatus(this.record?.state === 'logged-out' ? 'login' : 'ready');
  }
}
