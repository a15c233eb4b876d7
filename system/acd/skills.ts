// Skill eligibility: which requirements a waiting call has right now (the queue's plus the
// call's own, lowered by the queue's relaxation steps as the caller waits), whether an agent
// meets them, and how proficient the agent is. Pure: plain data in, plain data out; imports
// only types.
import type { AgentSnapshot, QueueSpec, RelaxationStep, SkillRequirement, WaitingEntry } from './acd-types.ts';

/** How many levels every requirement is lowered by after waiting `waitSec` seconds: the
 *  largest drop among the steps whose `afterSec` has been reached (0 before the first). */
export function relaxationDrop(steps: readonly RelaxationStep[], waitSec: number): number {
  let drop = 0;
  for (const step of steps) {
    if (waitSec >= step.afterSec && step.minLevelDrop > drop) drop = step.minLevelDrop;
  }
  return drop;
}

/** The queue's requirements with the call's own added; for a skill both name, the higher
 *  minLevel wins (a call can only narrow who may take it, never widen it: the dispatcher
 *  relies on this to drop agents who cannot meet a queue's own requirements). Returns the
 *  queue's array itself when the call adds nothing. */
export function mergeRequirements(
  queueReqs: readonly SkillRequirement[],
  callReqs: readonly SkillRequirement[] | undefined,
): readonly SkillRequirement[] {
  if (!callReqs || callReqs.length === 0) return queueReqs;
  if (queueReqs.length === 0) return callReqs;
  const merged = queueReqs.map((q) => {
    const own = callReqs.find((c) => c.skill === q.skill);
    return own && own.minLevel > q.minLevel ? own : q;
  });
  for (const c of callReqs) if (!queueReqs.some((q) => q.skill === c.skill)) merged.push(c);
  return merged;
}

/** Every level lowered by `drop`, but never below 1 (the agent must still have the skill); a
 *  requirement of level 0 or less asks for nothing and stays so. */
export function relaxRequirements(reqs: readonly SkillRequirement[], drop: number): readonly SkillRequirement[] {
  if (drop <= 0 || reqs.length === 0) return reqs;
  return reqs.map((r) => ({ skill: r.skill, minLevel: Math.max(Math.min(r.minLevel, 1), r.minLevel - drop) }));
}

/** The requirements `call` has at `now`: merged, then relaxed by the time it has waited. */
export function requirementsAt(queue: QueueSpec, call: WaitingEntry, now: number): readonly SkillRequirement[] {
  const merged = mergeRequirements(queue.requiredSkills, call.requiredSkills);
  if (merged.length === 0) return merged;
  const drop = relaxationDrop(queue.relaxation, (now - call.enteredAt) / 1000);
  return relaxRequirements(merged, drop);
}

export function meetsRequirements(agent: AgentSnapshot, reqs: readonly SkillRequirement[]): boolean {
  for (const r of reqs) {
    if ((agent.skills[r.skill] ?? 0) < r.minLevel) return false;
  }
  return true;
}

/** The sum of the agent's levels in the required skills (0 when nothing is required). */
export function proficiency(agent: AgentSnapshot, reqs: readonly SkillRequirement[]): number {
  let sum = 0;
  for (const r of reqs) sum += agent.skills[r.skill] ?? 0;
  return sum;
}

/** A stable text key for a list of requirements ('' for none), e.g. 'fr:3,tech:2'. */
export function requirementsKey(reqs: readonly SkillRequirement[] | undefined): string {
  if (!reqs || reqs.length === 0) return '';
  return reqs.map((r) => `${r.skill}:${r.minLevel}`).join(',');
}
