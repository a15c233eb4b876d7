// Planning one dispatch round: which waiting calls to offer to which available agents now.
// Pure: reads the waiting list, queue specs and agent snapshots, returns offers; it changes
// nothing (the runtime rings, marks agents and calls busy, and records round-robin memory from
// offer.agentIds[0]). Imports skills, strategies and types only.
//
// How a round goes:
// - Each queue with waiting calls gets a "stream": its available members (the pool) and its
//   calls in service order, skipping calls in `busyCalls`. A stream ends when none of its pool
//   is left unpromised, its calls run out, or it has looked at `scanLimitPerQueue` calls.
// - crossQueueFairness on: the next call is always the best head among all streams (priority,
//   then longest wait, then insertion order), so an agent in several queues gets the
//   longest-waiting caller of those queues. Off: streams are served one after another in
//   `weight` order (higher first), ties by their head's wait.
// - A call nobody free can take is passed over, so calls behind it with other skill needs are
//   still served. Its (requirements, relaxation) signature is remembered for the stream, so
//   the many calls with the same needs behind it cost a map lookup each, not a pool scan.
// - Every agent appears in at most one offer of the round.
import type { AgentSnapshot, Offer, QueueSpec, SkillRequirement, WaitingEntry } from './acd-types.ts';
import { mergeRequirements, relaxationDrop, relaxRequirements } from './skills.ts';
import { bestTierCandidates, offersSeveral, strategyOf, type PoolMember } from './strategies/index.ts';
import type { WaitingList } from './waiting-list.ts';

export interface PlanInput {
  queues: ReadonlyMap<string, QueueSpec>;
  waiting: WaitingList;
  agents: ReadonlyMap<string, AgentSnapshot>;
  /** queue name → agent last offered a call there (round-robin memory). */
  memory: ReadonlyMap<string, string>;
  /** Calls already ringing someone: not planned again. */
  busyCalls: ReadonlySet<string>;
  crossQueueFairness: boolean;
  now: number;
  random: () => number;
  /** Most calls (not counting busy ones) one queue may look at in a round; bounds the cost of
   *  a long queue of calls nobody free can take. Default DEFAULT_SCAN_LIMIT_PER_QUEUE. */
  scanLimitPerQueue?: number;
}

export const DEFAULT_SCAN_LIMIT_PER_QUEUE = 1000;

interface Stream {
  spec: QueueSpec;
  pool: PoolMember[];
  /** Pool members not yet promised to a call this round. */
  free: number;
  lastOfferedIndex: number;
  calls: Iterator<WaitingEntry>;
  head: WaitingEntry | undefined;
  scanned: number;
  /** Signatures of requirements no free pool member meets (only shrinks within a round). */
  unservable: Set<string>;
}

const skillKeys = new WeakMap<readonly SkillRequirement[], string>();

function skillKey(reqs: readonly SkillRequirement[]): string {
  let key = skillKeys.get(reqs);
  if (key === undefined) {
    key = reqs.map((r) => `${r.skill}:${r.minLevel}`).join(',');
    skillKeys.set(reqs, key);
  }
  return key;
}

export function planOffers(input: PlanInput): Offer[] {
  const { waiting, busyCalls, now, random } = input;
  const scanLimit = input.scanLimitPerQueue ?? DEFAULT_SCAN_LIMIT_PER_QUEUE;
  const offers: Offer[] = [];
  const promised = new Set<string>();
  const streamsOfAgent = new Map<string, Stream[]>();

  const advance = (s: Stream): void => {
    s.head = undefined;
    if (s.free === 0) return;
    while (s.scanned < scanLimit) {
      const next = s.calls.next();
      if (next.done) return;
      if (busyCalls.has(next.value.callId)) continue;
      s.scanned++;
      s.head = next.value;
      return;
    }
  };

  const serve = (s: Stream, call: WaitingEntry): void => {
    const spec = s.spec;
    const merged = mergeRequirements(spec.requiredSkills ?? [], call.requiredSkills);
    const drop = merged.length === 0 ? 0 : relaxationDrop(spec.relaxation ?? [], (now - call.enteredAt) / 1000);
    const cacheable = !call.skip || call.skip.size === 0;
    const key = cacheable ? `${call.requiredSkills?.length ? skillKey(call.requiredSkills) : ''}#${drop}` : '';
    if (cacheable && s.unservable.has(key)) return;
    const candidates = bestTierCandidates(s.pool, call, relaxRequirements(merged, drop), promised);
    if (candidates.length === 0) {
      if (cacheable) s.unservable.add(key);
      return;
    }
    const agentIds = strategyOf(spec.strategy)(
      candidates,
      { random, lastOfferedIndex: s.lastOfferedIndex },
      offersSeveral(spec.strategy) ? Infinity : 1,
    );
    if (agentIds.length === 0) return;
    offers.push({ callId: call.callId, queue: spec.name, agentIds });
    s.lastOfferedIndex = candidates.find((c) => c.agent.id === agentIds[0])!.memberIndex;
    for (const id of agentIds) {
      promised.add(id);
      for (const other of streamsOfAgent.get(id) ?? []) other.free--;
    }
  };

  const streams: Stream[] = [];
  for (const name of waiting.queues()) {
    const spec = input.queues.get(name);
    if (!spec) continue;
    const last = input.memory.get(name);
    let lastOfferedIndex = -1;
    const pool: PoolMember[] = [];
    spec.members.forEach((m, memberIndex) => {
      if (lastOfferedIndex < 0 && m.agentId === last) lastOfferedIndex = memberIndex;
      const agent = input.agents.get(m.agentId);
      if (agent?.available) pool.push({ agent, memberIndex, penalty: m.penalty });
    });
    if (pool.length === 0) continue;
    const s: Stream = { spec, pool, free: pool.length, lastOfferedIndex, calls: waiting.entries(name), head: undefined, scanned: 0, unservable: new Set() };
    advance(s);
    if (!s.head) continue;
    streams.push(s);
    for (const m of pool) {
      const list = streamsOfAgent.get(m.agent.id);
      if (list) list.push(s);
      else streamsOfAgent.set(m.agent.id, [s]);
    }
  }

  if (input.crossQueueFairness) {
    let active = streams;
    while (active.length > 0) {
      let best = active[0];
      for (let i = 1; i < active.length; i++) {
        if (waiting.compare(active[i].head!, best.head!) < 0) best = active[i];
      }
      serve(best, best.head!);
      advance(best);
      if (!best.head || active.some((s) => s.free === 0)) active = active.filter((s) => s.head && s.free > 0);
    }
  } else {
    streams.sort((a, b) => (b.spec.weight ?? 0) - (a.spec.weight ?? 0) || waiting.compare(a.head!, b.head!));
    for (const s of streams) {
      while (s.head && s.free > 0) {
        serve(s, s.head);
        advance(s);
      }
    }
  }
  return offers;
}
