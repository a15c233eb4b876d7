// The live picture of queues and agents for the API and the wallboard: per queue the callers
// waiting (position, wait, who is ringing), the agents by state, the longest wait and the
// estimated wait; per agent the state record. Read-only over the ACD.
import type { BoxConfig } from '../config/schema.ts';
import type { Acd } from './acd.ts';
import type { AgentLive, QueueLive } from './live-types.ts';
import type { AgentState } from './agent-states.ts';
import { estimatedWaitSec } from './announcements.ts';

export type { AgentLive, QueueLive } from './live-types.ts';

export function queuesLive(acd: Acd, cfg: BoxConfig, now = Date.now()): QueueLive[] {
  return cfg.queues.map((q) => {
    const agents: Record<AgentState, number> = { 'logged-out': 0, available: 0, ringing: 0, 'on-call': 0, 'wrap-up': 0, break: 0 };
    for (const a of cfg.agents) if (a.queues.some((m) => m.queue === q.name)) agents[acd.agents.get(a.id)?.state ?? 'logged-out']++;
    const callers = [...acd.waiting.entries(q.name)].map((e, i) => {
      const ringing = [...acd.agents.all()].filter((r) => r.state === 'ringing' && r.callId === e.callId).map((r) => r.id);
      return { callId: e.callId, caller: acd.waiters.get(e.callId)?.call.parties.caller.number ?? '', position: i + 1, waitSec: Math.round((now - e.enteredAt) / 1000), priority: e.priority, ringing };
    });
    return {
      name: q.name,
      displayName: q.displayName,
      strategy: q.strategy,
      waiting: callers.length,
      longestWaitSec: callers.reduce((m, c) => Math.max(m, c.waitSec), 0),
      estimatedWaitSec: estimatedWaitSec(callers.length + 1, acd.recentHandleTimes(q.name), acd.staffed(q.name)),
      agents,
      callers,
    };
  });
}

export function agentsLive(acd: Acd, cfg: BoxConfig): AgentLive[] {
  return cfg.agents.flatMap((a) => {
    const rec = acd.agents.get(a.id);
    return rec ? [{ ...rec, name: a.name, extension: a.extension, queues: a.queues, skills: a.skills }] : [];
  });
}
