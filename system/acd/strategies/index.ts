// Ranking agents for a waiting call: eligibility (member, known, available, not on the call's
// skip list, meets the call's relaxed skill requirements), then the best penalty tier only,
// then the queue's strategy orders that tier. Owns the strategy registry. Pure: no I/O, no
// clock (ctx.now), no Math.random (ctx.random); never throws on empty or dangling data.
import type { AgentSnapshot, Candidate, QueueSpec, SkillRequirement, StrategyContext, StrategyName, WaitingEntry } from '../acd-types.ts';
import { meetsRequirements, proficiency, requirementsAt } from '../skills.ts';
import type { Strategy } from './order.ts';
import { fewestCalls } from './fewest-calls.ts';
import { leastTalkTime } from './least-talk-time.ts';
import { linear } from './linear.ts';
import { longestIdle } from './longest-idle.ts';
import { random } from './random.ts';
import { ringAll } from './ring-all.ts';
import { ringProgressively } from './ring-progressively.ts';
import { roundRobin } from './round-robin.ts';
import { skillsBased } from './skills-based.ts';

export type { OrderContext, Strategy } from './order.ts';

export const STRATEGIES: Readonly<Record<StrategyName, Strategy>> = {
  'ring-all': ringAll,
  'round-robin': roundRobin,
  'longest-idle': longestIdle,
  'fewest-calls': fewestCalls,
  'least-talk-time': leastTalkTime,
  random,
  linear,
  'ring-progressively': ringProgressively,
  'skills-based': skillsBased,
};

/** The strategy of a queue; an unknown name (config not validated) falls back to linear. */
export function strategyOf(name: StrategyName): Strategy {
  return STRATEGIES[name] ?? linear;
}

/** Whether an offer of this strategy rings several agents (all of them in the ranked list)
 *  rather than the single best one. */
export function offersSeveral(name: StrategyName): boolean {
  return name === 'ring-all' || name === 'ring-progressively';
}

/** A queue member resolved to its snapshot, in member-list order. */
export interface PoolMember {
  agent: AgentSnapshot;
  memberIndex: number;
  penalty: number;
}

/** The eligible members of the lowest penalty tier that has any, in member-list order.
 *  `excluded` lets a planner leave out agents it has already promised to another call. */
export function bestTierCandidates(
  pool: readonly PoolMember[],
  call: WaitingEntry,
  reqs: readonly SkillRequirement[],
  excluded?: ReadonlySet<string>,
): Candidate[] {
  let tier = Infinity;
  let out: Candidate[] = [];
  for (const m of pool) {
    if (m.penalty > tier) continue;
    const agent = m.agent;
    if (!agent.available || call.skip?.has(agent.id) || excluded?.has(agent.id)) continue;
    if (!meetsRequirements(agent, reqs)) continue;
    if (m.penalty < tier) {
      tier = m.penalty;
      out = [];
    }
    out.push({ agent, memberIndex: m.memberIndex, penalty: m.penalty, proficiency: proficiency(agent, reqs) });
  }
  return out;
}

/** The member-list index of the queue's round-robin memory, -1 if none or no longer a member. */
export function memberIndexOf(queue: QueueSpec, agentId: string | undefined): number {
  if (agentId === undefined) return -1;
  return queue.members.findIndex((m) => m.agentId === agentId);
}

/**
 * Agent ids to offer `call` to, best first: only eligible agents of the best penalty tier,
 * ordered by the queue's strategy. ring-all returns every one of them; the others stop at
 * `limit` (default: all, ranked). Empty when nobody can take the call now. Unknown member ids
 * are skipped.
 */
export function rankAgents(
  queue: QueueSpec,
  call: WaitingEntry,
  agents: ReadonlyMap<string, AgentSnapshot>,
  ctx: StrategyContext,
  limit = Infinity,
): string[] {
  const pool: PoolMember[] = [];
  queue.members.forEach((m, memberIndex) => {
    const agent = agents.get(m.agentId);
    if (agent?.available) pool.push({ agent, memberIndex, penalty: m.penalty });
  });
  const candidates = bestTierCandidates(pool, call, requirementsAt(queue, call, ctx.now));
  if (candidates.length === 0) return [];
  return strategyOf(queue.strategy)(candidates, { random: ctx.random, lastOfferedIndex: memberIndexOf(queue, ctx.lastOffered) }, limit);
}
