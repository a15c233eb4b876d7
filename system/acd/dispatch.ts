// Planning one dispatch round: which waiting calls to offer to which available agents now.
// Pure: reads the waiting list, queue specs and agent snapshots, returns offers; it changes
// nothing (the runtime rings, marks agents and calls busy, and records round-robin memory from
// offer.agentIds[0]). Imports skills, strategies and types only.
//
// How a round goes:
// - Each queue with waiting calls gets a "stream": its pool (available members who meet the
//   queue's own requirements at their most relaxed; nobody else could take any of its calls,
//   since a call's own requirements only narrow) and its calls in service order, skipping calls
//   in `busyCalls`. A stream ends when none of its pool is left unpromised, its calls run out,
//   or it has looked at `scanLimitPerQueue` calls.
// - crossQueueFairness on: the next call is always the best head among all streams (priority,
//   then longest wait, then insertion order; a heap of streams), so an agent in several queues
//   gets the longest-waiting caller of those queues. Off: streams are served one after another
//   in `weight` order (higher first), ties by their head's wait.
// - A call nobody free can take is passed over, so calls behind it with other skill needs are
//   still served. Its (own skills, relaxation drop) signature is remembered for the stream, so
//   the many calls with the same needs behind it cost a lookup each, not a pool scan. A queue
//   none of whose distinct own-skill lists (WaitingList.skillSets) any pool member could
//   serve, even fully relaxed, is not walked at all.
// - Every agent appears in at most one offer of the round.
import type { AgentSnapshot, Offer, QueueMember, QueueSpec, SkillRequirement, WaitingEntry } from './acd-types.ts';
import { meetsRequirements, mergeRequirements, relaxationDrop, relaxRequirements, requirementsKey } from './skills.ts';
import { bestTierCandidates, offersSeveral, strategyOf, type PoolMember } from './strategies/index.ts';
import type { WaitingCursor, WaitingList } from './waiting-list.ts';

export interface PlanInput {
  /** queue name → spec. Treated as immutable: to change a queue, replace its spec (or its
   *  members array); planOffers caches an agent → memberships index keyed on these objects. */
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
  name: string;
  spec: QueueSpec;
  pool: PoolMember[];
  /** Pool members not yet promised to a call this round. */
  free: number;
  lastOfferedIndex: number;
  calls: WaitingCursor;
  head: WaitingEntry | undefined;
  /** The head's relaxation drop, and its own-skills signature (undefined: it has a skip list,
   *  so its result is not cached). */
  headDrop: number;
  headKey: string | undefined;
  scanned: number;
  /** relaxation drop → own-skills signatures no free pool member meets (only grows). */
  unservable: Map<number, Set<string>> | undefined;
}

interface Membership {
  queueName: string;
  spec: QueueSpec;
  memberIndex: number;
  penalty: number;
}

/** agent id → its memberships in member-list order, built once per queue-spec map and rebuilt
 *  when a spec or its members array is replaced or changes length. */
interface MembershipIndex {
  specs: QueueSpec[];
  memberArrays: (readonly QueueMember[])[];
  lengths: number[];
  byAgent: Map<string, Membership[]>;
}

const membershipIndexes = new WeakMap<ReadonlyMap<string, QueueSpec>, MembershipIndex>();

function membershipIndex(queues: ReadonlyMap<string, QueueSpec>): Map<string, Membership[]> {
  const cached = membershipIndexes.get(queues);
  if (cached && cached.specs.length === queues.size) {
    let i = 0;
    let current = true;
    for (const spec of queues.values()) {
      if (spec !== cached.specs[i] || spec.members !== cached.memberArrays[i] || spec.members.length !== cached.lengths[i]) {
        current = false;
        break;
      }
      i++;
    }
    if (current) return cached.byAgent;
  }
  const built: MembershipIndex = { specs: [], memberArrays: [], lengths: [], byAgent: new Map() };
  for (const [queueName, spec] of queues) {
    built.specs.push(spec);
    built.memberArrays.push(spec.members);
    built.lengths.push(spec.members.length);
    spec.members.forEach((m, memberIndex) => {
      const entry = { queueName, spec, memberIndex, penalty: m.penalty };
      const list = built.byAgent.get(m.agentId);
      if (list) list.push(entry);
      else built.byAgent.set(m.agentId, [entry]);
    });
  }
  membershipIndexes.set(queues, built);
  return built.byAgent;
}

const floors = new WeakMap<QueueSpec, readonly SkillRequirement[]>();

/** The queue's own requirements at their most relaxed: an agent below them can take none of
 *  its calls (a call's own requirements only narrow). */
function floorOf(spec: QueueSpec): readonly SkillRequirement[] {
  let floor = floors.get(spec);
  if (floor === undefined) {
    floor = relaxRequirements(spec.requiredSkills, relaxationDrop(spec.relaxation, Infinity));
    floors.set(spec, floor);
  }
  return floor;
}

const skillKeys = new WeakMap<readonly SkillRequirement[], string>();

/** A call's own requirements as a string, computed once per array. */
function skillKey(reqs: readonly SkillRequirement[] | undefined): string {
  if (!reqs || reqs.length === 0) return '';
  let key = skillKeys.get(reqs);
  if (key === undefined) {
    key = requirementsKey(reqs);
    skillKeys.set(reqs, key);
  }
  return key;
}

/** Whether some pool member could take a call with one of these own-skill lists once it has
 *  waited long enough (fully relaxed). False lets a round pass a queue without walking it. */
function anySkillSetServable(spec: QueueSpec, skillSets: readonly (readonly SkillRequirement[])[], pool: readonly PoolMember[]): boolean {
  const fullDrop = relaxationDrop(spec.relaxation, Infinity);
  return skillSets.some((own) => {
    const reqs = relaxRequirements(mergeRequirements(spec.requiredSkills, own), fullDrop);
    return pool.some((m) => meetsRequirements(m.agent, reqs));
  });
}

/** Min-heap of streams by their head call's service order. */
class StreamHeap {
  readonly #items: Stream[] = [];
  readonly #before: (x: Stream, y: Stream) => boolean;

  constructor(waiting: WaitingList) {
    this.#before = (x, y) => waiting.compare(x.head!, y.head!) < 0;
  }

  push(s: Stream): void {
    const a = this.#items;
    let i = a.push(s) - 1;
    for (let parent = (i - 1) >> 1; i > 0 && this.#before(a[i], a[parent]); i = parent, parent = (i - 1) >> 1) {
      [a[i], a[parent]] = [a[parent], a[i]];
    }
  }

  pop(): Stream | undefined {
    const a = this.#items;
    const top = a[0];
    const last = a.pop()!;
    if (a.length === 0) return top;
    a[0] = last;
    for (let i = 0; ; ) {
      let m = i;
      for (const c of [2 * i + 1, 2 * i + 2]) if (c < a.length && this.#before(a[c], a[m])) m = c;
      if (m === i) return top;
      [a[i], a[m]] = [a[m], a[i]];
      i = m;
    }
  }
}

export function planOffers(input: PlanInput): Offer[] {
  const { waiting, busyCalls, now, random } = input;
  const scanLimit = input.scanLimitPerQueue ?? DEFAULT_SCAN_LIMIT_PER_QUEUE;
  const offers: Offer[] = [];
  const promised = new Set<string>();
  const streamsOfAgent = new Map<string, Stream[]>();

  /** Moves the stream to its next call worth evaluating: not ringing, and not of a signature
   *  already known unservable (such calls stay unservable for the rest of the round, since
   *  the pool only shrinks, so they need no place in the cross-queue order either). */
  const advance = (s: Stream): void => {
    s.head = undefined;
    if (s.free === 0) return;
    const spec = s.spec;
    while (s.scanned < scanLimit) {
      const call = s.calls.take();
      if (call === undefined) return;
      if (busyCalls.has(call.callId)) continue;
      s.scanned++;
      const own = call.requiredSkills;
      const drop = spec.requiredSkills.length === 0 && !own?.length ? 0 : relaxationDrop(spec.relaxation, (now - call.enteredAt) / 1000);
      const key = skillKey(own);
      const cacheable = !call.skip || call.skip.size === 0;
      if (cacheable && s.unservable?.get(drop)?.has(key)) continue;
      s.head = call;
      s.headDrop = drop;
      s.headKey = cacheable ? key : undefined;
      return;
    }
  };

  /** Offers the stream's head to its best free agents, or remembers its signature as unservable. */
  const serve = (s: Stream): void => {
    const spec = s.spec;
    const call = s.head!;
    const drop = s.headDrop;
    const key = s.headKey;
    const reqs = relaxRequirements(mergeRequirements(spec.requiredSkills, call.requiredSkills), drop);
    const candidates = bestTierCandidates(s.pool, call, reqs, promised);
    if (candidates.length === 0) {
      if (key === undefined) return;
      s.unservable ??= new Map();
      const known = s.unservable.get(drop);
      if (known) known.add(key);
      else s.unservable.set(drop, new Set([key]));
      return;
    }
    const agentIds = strategyOf(spec.strategy)(
      candidates,
      { random, lastOfferedIndex: s.lastOfferedIndex },
      offersSeveral(spec.strategy) ? Infinity : 1,
    );
    if (agentIds.length === 0) return;
    offers.push({ callId: call.callId, queue: s.name, agentIds });
    s.lastOfferedIndex = candidates.find((c) => c.agent.id === agentIds[0])!.memberIndex;
    for (const id of agentIds) {
      promised.add(id);
      for (const other of streamsOfAgent.get(id) ?? []) other.free--;
    }
  };

  // Pools from the available agents through the membership index: O(available × their
  // queues), not O(every member of every queue).
  const index = membershipIndex(input.queues);
  const pools = new Map<string, { spec: QueueSpec; pool: PoolMember[] }>();
  input.agents.forEach((agent, agentId) => {
    if (!agent.available) return;
    const memberships = index.get(agentId);
    if (memberships === undefined) return;
    for (const m of memberships) {
      if (!meetsRequirements(agent, floorOf(m.spec))) continue;
      const entry = pools.get(m.queueName);
      const member = { agent, memberIndex: m.memberIndex, penalty: m.penalty };
      if (entry) entry.pool.push(member);
      else if (waiting.size(m.queueName) > 0) pools.set(m.queueName, { spec: m.spec, pool: [member] });
    }
  });
  const streams: Stream[] = [];
  for (const [name, { spec, pool }] of pools) {
    if (!anySkillSetServable(spec, waiting.skillSets(name), pool)) continue;
    pool.sort((a, b) => a.memberIndex - b.memberIndex);
    const last = input.memory.get(name);
    const lastOfferedIndex = last === undefined ? -1 : (index.get(last)?.find((m) => m.queueName === name)?.memberIndex ?? -1);
    const s: Stream = { name, spec, pool, free: pool.length, lastOfferedIndex, calls: waiting.entries(name), head: undefined, headDrop: 0, headKey: undefined, scanned: 0, unservable: undefined };
    advance(s);
    if (!s.head) continue;
    streams.push(s);
    for (const m of s.pool) {
      const list = streamsOfAgent.get(m.agent.id);
      if (list) list.push(s);
      else streamsOfAgent.set(m.agent.id, [s]);
    }
  }

  if (input.crossQueueFairness) {
    const heap = new StreamHeap(waiting);
    for (const s of streams) heap.push(s);
    for (let s = heap.pop(); s !== undefined; s = heap.pop()) {
      if (s.free === 0) continue;
      serve(s);
      advance(s);
      if (s.head) heap.push(s);
    }
  } else {
    streams.sort((a, b) => b.spec.weight - a.spec.weight || waiting.compare(a.head!, b.head!));
    for (const s of streams) {
      while (s.head && s.free > 0) {
        serve(s);
        advance(s);
      }
    }
  }
  return offers;
}
