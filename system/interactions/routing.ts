// Routing decisions for chats and emails, pure: which agents may take one more interaction of
// a channel now (logged in, not on break, under their capacity for the channel, not on a call
// when calls are exclusive, not skipped), and which of them the queue's strategy picks. Reuses
// the ACD's strategy ranking (strategies/index.ts) with the interaction load as "calls taken",
// so fewest-calls spreads chats evenly. No I/O, no clock, no Math.random.
import type { AgentSnapshot, QueueSpec, StrategyContext } from '../acd/acd-types.ts';
import type { AgentState } from '../acd/agent-states.ts';
import { rankAgents } from '../acd/strategies/index.ts';
import type { ChannelCapacity, InteractionChannel } from './interaction-types.ts';

/** What routing needs to know about one agent. */
export interface AgentLoad {
  id: string;
  /** The agent's ACD state (calls). */
  state: AgentState;
  /** Open interactions (offered or active) per channel. */
  open: Readonly<Record<InteractionChannel, number>>;
  capacity: ChannelCapacity;
  /** Since when the agent has had nothing to do (longest-idle), epoch ms. */
  idleSince: number;
  skills: Readonly<Record<string, number>>;
}

export const CAPACITY_KEY: Readonly<Record<InteractionChannel, 'chats' | 'emails'>> = { chat: 'chats', email: 'emails' };

/** Why an agent cannot take one more interaction of `channel` now, or undefined when it can. */
export function unavailableReason(agent: AgentLoad, channel: InteractionChannel, callsExclusive: boolean): string | undefined {
  if (agent.state === 'logged-out') return 'logged-out';
  if (agent.state === 'break') return 'break';
  if (callsExclusive && (agent.state === 'ringing' || agent.state === 'on-call' || agent.state === 'wrap-up')) return 'on-call';
  if (agent.open[channel] >= agent.capacity[CAPACITY_KEY[channel]]) return 'at-capacity';
  return undefined;
}

export interface RouteRequest {
  id: string;
  channel: InteractionChannel;
  queuedAt: number;
  skipped: readonly string[];
}

/**
 * The agent to offer `interaction` to, or undefined when nobody can take it now. The queue's
 * strategy orders the eligible members of its best penalty tier (ring-all and
 * ring-progressively offer to their first ranked agent: an interaction is offered to one agent
 * at a time). `promised` are agents already chosen for other interactions in this round.
 */
export function pickAgent(
  queue: QueueSpec,
  interaction: RouteRequest,
  agents: ReadonlyMap<string, AgentLoad>,
  opts: { callsExclusive: boolean; promised?: ReadonlyMap<string, number> },
  ctx: StrategyContext,
): string | undefined {
  const snapshots = new Map<string, AgentSnapshot>();
  for (const a of agents.values()) {
    const extra = opts.promised?.get(a.id) ?? 0;
    const loaded: AgentLoad = extra ? { ...a, open: { ...a.open, [interaction.channel]: a.open[interaction.channel] + extra } } : a;
    const total = loaded.open.chat + loaded.open.email;
    snapshots.set(a.id, {
      id: a.id,
      available: unavailableReason(loaded, interaction.channel, opts.callsExclusive) === undefined,
      idleSinceMs: a.idleSince,
      callsTaken: total,
      talkTimeMs: total,
      skills: a.skills,
    });
  }
  const entry = { callId: interaction.id, queue: queue.name, priority: 0, enteredAt: interaction.queuedAt, skip: new Set(interaction.skipped) };
  return rankAgents(queue, entry, snapshots, ctx, 1)[0];
}
