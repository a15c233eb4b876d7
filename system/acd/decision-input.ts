// Builds what the pure decision core (dispatch.ts, strategies/) needs from the live box:
// queue specs from the configuration (cached per config object) and one AgentSnapshot per
// agent from the AgentBook, the registrar (is the phone registered?) and the calls in
// progress (is the phone busy with a call that did not come from a queue?).
import type { BoxConfig } from '../config/schema.ts';
import type { AgentSnapshot, QueueSpec } from './acd-types.ts';
import type { AgentBook } from './agent-book.ts';

export interface Reachability {
  /** The agent's phone is registered. */
  registered(extension: string): boolean;
  /** Extensions on a call right now (any call). */
  busyExtensions(): ReadonlySet<string>;
  /** Agents who declined recently (busy here, do not disturb): not offered until then. */
  cooldownUntil(agentId: string): number | undefined;
}

const specCache = new WeakMap<BoxConfig, Map<string, QueueSpec>>();

/** Queue name -> spec with its members (agents list order, then penalty from their membership). */
export function queueSpecs(cfg: BoxConfig): Map<string, QueueSpec> {
  const cached = specCache.get(cfg);
  if (cached) return cached;
  const specs = new Map<string, QueueSpec>();
  for (const q of cfg.queues) {
    specs.set(q.name, {
      name: q.name,
      strategy: q.strategy as QueueSpec['strategy'],
      members: [],
      requiredSkills: q.requiredSkills,
      relaxation: q.relaxation,
      weight: q.weight,
      progressiveStepSec: q.progressiveStepSec,
    });
  }
  for (const a of cfg.agents) {
    for (const m of a.queues) (specs.get(m.queue)?.members as { agentId: string; penalty: number }[] | undefined)?.push({ agentId: a.id, penalty: m.penalty });
  }
  specCache.set(cfg, specs);
  return specs;
}

/** Every configured agent as the decision core sees it now. */
export function agentSnapshots(cfg: BoxConfig, book: AgentBook, reach: Reachability, now: number): Map<string, AgentSnapshot> {
  const busy = reach.busyExtensions();
  const out = new Map<string, AgentSnapshot>();
  for (const a of cfg.agents) {
    const rec = book.get(a.id);
    if (!rec) continue;
    const cooling = (reach.cooldownUntil(a.id) ?? 0) > now;
    out.set(a.id, {
      id: a.id,
      available: rec.state === 'available' && !cooling && !busy.has(a.extension) && reach.registered(a.extension),
      idleSinceMs: rec.idleSince,
      callsTaken: rec.callsTaken,
      talkTimeMs: rec.talkTimeMs,
      skills: a.skills,
    });
  }
  return out;
}
