// ACD decision benchmark (`npm run bench:acd`, no arguments, a few seconds, no processes or
// ports): how long one routing decision of the pure ACD core takes at call-center scale.
// Conventions: docs/BENCHMARKS.md.
//
// Scenario (seeded, reproducible): 1,000 agents with a language and 2-3 product skills
// (levels 1-10); 50 queues, each requiring its product skill (level 3-6) and some a language,
// relaxation [30 s: -1, 60 s: -3], weights 0-10; every agent a member of 5 queues (penalty 0,
// 1 or 2), ~100 members per queue; 10,000 waiting callers spread over the queues with waits up
// to 10 min, 3 % VIPs, 20 % needing a language of their own. Most agents are busy, as they
// are with such a backlog; before each decision 3 of them become available (at most 40 stay
// available: idle agents nobody can use go on a break).
//
// One decision = rankAgents for the head call of the next queue + one planOffers round
// (cross-queue fairness on, the default). Offered agents then ring (unavailable), the calls
// offered in the previous round are answered (removed) and as many new callers arrive, so
// the backlog stays at 10,000. After one short untimed pass over all strategies (JIT warm-up),
// per strategy: 200 warm-up decisions, then 2,000 timed with process.hrtime.bigint; p50/p99;
// the whole run 3 times on the same scenario, each figure the median of the three.
// Also: longest-idle with fairness off, and the bounded scan's worst case: a planOffers round
// where 40 free agents meet every queue's requirements but all callers except the newest of
// each queue need a language none of them speaks (median of 60 rounds; reported, no target).
//
// Baseline, timed the same way in the same decisions: a plain O(n) scan over the head queue's
// member list picking the first available agent (what a naive ACD does per decision). The
// decision_p99_ms target (<= 1 ms) is on the worst strategy's p99, its baseline that run's
// scan p99; the ratio only shows how far above the naive scan the full decision is.
import type { AgentSnapshot, QueueSpec, StrategyName, WaitingEntry } from '../../system/acd/acd-types.ts';
import { planOffers } from '../../system/acd/dispatch.ts';
import { rankAgents } from '../../system/acd/strategies/index.ts';
import { WaitingList } from '../../system/acd/waiting-list.ts';
import { printResults, record, round, say } from './lib/report.ts';

const AGENTS = 1000;
const QUEUES = 50;
const WAITING = 10_000;
const QUEUES_PER_AGENT = 5;
const FREED_PER_DECISION = 3;
const MAX_AVAILABLE = 40;
const WARMUP = 200;
const DECISIONS = 2000;
const REPEATS = 3;
const TARGET_P99_MS = 1;

const LANGUAGES = ['en', 'fr', 'de', 'es'];
const PRODUCTS = ['billing', 'tech', 'sales', 'retention', 'claims', 'shipping'];
const STRATEGIES: StrategyName[] = ['ring-all', 'round-robin', 'longest-idle', 'fewest-calls', 'least-talk-time', 'random', 'linear', 'ring-progressively', 'skills-based'];

/** mulberry32: a small seeded PRNG so every run builds the same center. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(rand: () => number, list: readonly T[]): T => list[Math.floor(rand() * list.length)];
const level = (rand: () => number, lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1));

interface Center {
  queues: Map<string, QueueSpec>;
  queueNames: string[];
  agents: Map<string, AgentSnapshot>;
  /** Ids of the available agents, in the order they became available. */
  available: Set<string>;
  waiting: WaitingList;
  now: number;
  nextCall: number;
  rand: () => number;
}

function buildCenter(strategy: StrategyName, seed: number): Center {
  const rand = seeded(seed);
  const now = 1_800_000_000_000;
  const queueProducts = Array.from({ length: QUEUES }, (_, i) => PRODUCTS[i % PRODUCTS.length]);
  const memberships: { agentId: string; penalty: number }[][] = Array.from({ length: QUEUES }, () => []);
  const agents = new Map<string, AgentSnapshot>();
  for (let i = 0; i < AGENTS; i++) {
    const id = `agent-${i}`;
    const skills: Record<string, number> = { en: level(rand, 3, 10) };
    if (rand() < 0.3) skills[pick(rand, LANGUAGES.slice(1))] = level(rand, 1, 10);
    const products = new Set<string>();
    while (products.size < 2 + (rand() < 0.5 ? 1 : 0)) products.add(pick(rand, PRODUCTS));
    for (const p of products) skills[p] = level(rand, 1, 10);
    // 5 queues, preferring those whose product the agent has.
    const fitting = queueProducts.map((p, q) => (products.has(p) ? q : -1)).filter((q) => q >= 0);
    const chosen = new Set<number>();
    while (chosen.size < QUEUES_PER_AGENT) chosen.add(rand() < 0.85 && fitting.length ? pick(rand, fitting) : Math.floor(rand() * QUEUES));
    for (const q of chosen) memberships[q].push({ agentId: id, penalty: rand() < 0.7 ? 0 : rand() < 0.67 ? 1 : 2 });
    const [idleSinceMs, callsTaken, talkTimeMs] = [now - level(rand, 0, 600_000), level(rand, 0, 80), level(rand, 0, 8 * 3600_000)];
    agents.set(id, { id, available: rand() < 0.02, idleSinceMs, callsTaken, talkTimeMs, skills });
  }
  const queues = new Map<string, QueueSpec>();
  for (let q = 0; q < QUEUES; q++) {
    const requiredSkills = [{ skill: queueProducts[q], minLevel: level(rand, 3, 6) }];
    if (q % 5 === 0) requiredSkills.push({ skill: 'en', minLevel: 5 });
    const name = `queue-${q}`;
    const relaxation = [{ afterSec: 30, minLevelDrop: 1 }, { afterSec: 60, minLevelDrop: 3 }];
    queues.set(name, { name, strategy, members: memberships[q], requiredSkills, relaxation, weight: level(rand, 0, 10), progressiveStepSec: 5 });
  }
  const available = new Set([...agents.values()].filter((a) => a.available).map((a) => a.id));
  const center: Center = { queues, queueNames: [...queues.keys()], agents, available, waiting: new WaitingList(), now, nextCall: 0, rand };
  for (let i = 0; i < WAITING; i++) center.waiting.add(newCaller(center, now - level(rand, 0, 600_000)));
  return center;
}

function newCaller(c: Center, enteredAt: number): WaitingEntry {
  const e: WaitingEntry = { callId: `call-${c.nextCall++}`, queue: pick(c.rand, c.queueNames), priority: c.rand() < 0.03 ? 5 : 0, enteredAt };
  if (c.rand() < 0.2) e.requiredSkills = [{ skill: pick(c.rand, LANGUAGES.slice(1)), minLevel: level(c.rand, 1, 5) }];
  return e;
}

function setAvailable(c: Center, id: string, available: boolean): void {
  const a = c.agents.get(id)!;
  c.agents.set(id, { ...a, available, idleSinceMs: available ? c.now : a.idleSinceMs });
  if (available) c.available.add(id);
  else c.available.delete(id);
}

const nsToMs = (ns: bigint): number => Number(ns) / 1e6;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

interface RunFigures {
  decisionP50: number;
  decisionP99: number;
  rankP99: number;
  planP99: number;
  baselineP99: number;
  offersPerRound: number;
  listOpsP99Us: number;
}

function run(strategy: StrategyName, crossQueueFairness: boolean, seed: number, warmup = WARMUP, decisions = DECISIONS): RunFigures {
  const c = buildCenter(strategy, seed);
  const memory = new Map<string, string>();
  let ringing = new Set<string>();
  const decision: number[] = [];
  const rank: number[] = [];
  const plan: number[] = [];
  const baseline: number[] = [];
  const listOps: number[] = [];
  let offers = 0;
  for (let d = 0; d < warmup + decisions; d++) {
    c.now += 100;
    // A few busy agents hang up and become available; too many idle ones (nothing they can
    // take) go on a break so the free pool stays realistic.
    for (const id of c.available) {
      if (c.available.size <= MAX_AVAILABLE) break;
      setAvailable(c, id, false);
    }
    for (let k = 0; k < FREED_PER_DECISION; k++) {
      const id = `agent-${Math.floor(c.rand() * AGENTS)}`;
      if (!c.agents.get(id)!.available) setAvailable(c, id, true);
    }
    const queueName = c.queueNames[d % QUEUES];
    const spec = c.queues.get(queueName)!;
    const head = c.waiting.head(queueName);

    let t0 = process.hrtime.bigint();
    let first: string | undefined;
    for (const m of spec.members) {
      if (c.agents.get(m.agentId)?.available) {
        first = m.agentId;
        break;
      }
    }
    const baselineMs = nsToMs(process.hrtime.bigint() - t0);
    void first;

    t0 = process.hrtime.bigint();
    if (head) rankAgents(spec, head, c.agents, { now: c.now, lastOffered: memory.get(queueName), random: c.rand });
    const t1 = process.hrtime.bigint();
    const planned = planOffers({ queues: c.queues, waiting: c.waiting, agents: c.agents, memory, busyCalls: ringing, crossQueueFairness, now: c.now, random: c.rand });
    const t2 = process.hrtime.bigint();

    // Apply: last round's ringing calls are answered, this round's offers ring.
    const ops0 = process.hrtime.bigint();
    for (const callId of ringing) c.waiting.remove(callId);
    for (let k = 0; k < ringing.size; k++) c.waiting.add(newCaller(c, c.now));
    const listOpUs = ringing.size > 0 ? Number(process.hrtime.bigint() - ops0) / 1e3 / (2 * ringing.size) : undefined;
    ringing = new Set(planned.map((o) => o.callId));
    for (const o of planned) {
      memory.set(o.queue, o.agentIds[0]);
      for (const id of o.agentIds) setAvailable(c, id, false);
    }
    if (d < warmup) continue;
    baseline.push(baselineMs);
    rank.push(nsToMs(t1 - t0));
    plan.push(nsToMs(t2 - t1));
    decision.push(nsToMs(t2 - t0));
    if (listOpUs !== undefined) listOps.push(listOpUs);
    offers += planned.length;
  }
  for (const list of [decision, rank, plan, baseline, listOps]) list.sort((a, b) => a - b);
  return {
    decisionP50: percentile(decision, 50),
    decisionP99: percentile(decision, 99),
    rankP99: percentile(rank, 99),
    planP99: percentile(plan, 99),
    baselineP99: percentile(baseline, 99),
    offersPerRound: offers / Math.max(1, decisions),
    listOpsP99Us: listOps.length ? percentile(listOps, 99) : 0,
  };
}

/** The bounded scan's worst case: 40 free agents who meet every queue's requirements, and in
 *  every queue all callers but the newest need a language none of them speaks, so each round
 *  walks every one of the 10,000 calls (each distinct need evaluated once per queue, the rest
 *  passed over by its remembered signature) to reach the servable newest callers. */
function fullWalkRoundMs(seed: number): { ms: number; offers: number } {
  const c = buildCenter('longest-idle', seed);
  const allSkills = Object.fromEntries([...PRODUCTS, 'en'].map((skill) => [skill, 10]));
  for (const [id, a] of c.agents) c.agents.set(id, { ...a, available: false });
  for (let i = 0; i < MAX_AVAILABLE; i++) {
    const id = `agent-${i * 7}`;
    c.agents.set(id, { ...c.agents.get(id)!, available: true, skills: allSkills });
  }
  const rare = ['ja', 'ko', 'zh'];
  const waiting = new WaitingList();
  for (const name of c.queueNames) {
    const calls = [...c.waiting.entries(name)];
    calls.forEach((e, i) => {
      const needs = i === calls.length - 1 ? undefined : [{ skill: pick(c.rand, rare), minLevel: level(c.rand, 1, 5) }];
      waiting.add({ callId: e.callId, queue: e.queue, priority: 0, enteredAt: e.enteredAt, requiredSkills: needs });
    });
  }
  const times: number[] = [];
  let offers = 0;
  for (let r = 0; r < 60; r++) {
    const t0 = process.hrtime.bigint();
    offers = planOffers({ queues: c.queues, waiting, agents: c.agents, memory: new Map(), busyCalls: new Set(), crossQueueFairness: true, now: c.now, random: c.rand }).length;
    times.push(nsToMs(process.hrtime.bigint() - t0));
  }
  times.sort((a, b) => a - b);
  return { ms: percentile(times, 50), offers };
}

/** The run repeated REPEATS times on the same scenario; each figure is the median of the
 *  repeats, so one burst of noise from a neighbour on the shared box does not make the result. */
function repeated(strategy: StrategyName, crossQueueFairness: boolean, seed: number): RunFigures {
  const runs = Array.from({ length: REPEATS }, () => run(strategy, crossQueueFairness, seed));
  const median = (pickFigure: (f: RunFigures) => number): number => runs.map(pickFigure).sort((a, b) => a - b)[Math.floor(REPEATS / 2)];
  return {
    decisionP50: median((f) => f.decisionP50),
    decisionP99: median((f) => f.decisionP99),
    rankP99: median((f) => f.rankP99),
    planP99: median((f) => f.planP99),
    baselineP99: median((f) => f.baselineP99),
    offersPerRound: median((f) => f.offersPerRound),
    listOpsP99Us: median((f) => f.listOpsP99Us),
  };
}

function main(): void {
  say(`ACD decision benchmark: ${AGENTS} agents, ${QUEUES} queues, ${WAITING} waiting callers, ${DECISIONS} timed decisions per strategy, median of ${REPEATS} runs`);
  let worst: { label: string; f: RunFigures } | undefined;
  const line = (label: string, f: RunFigures): void => {
    say(
      `${label.padEnd(28)} decision p50 ${round(f.decisionP50, 4)} ms p99 ${round(f.decisionP99, 4)} ms | rank p99 ${round(f.rankP99, 4)} ms, ` +
        `planOffers p99 ${round(f.planP99, 4)} ms, ${round(f.offersPerRound, 2)} offers/round | baseline scan p99 ${round(f.baselineP99, 4)} ms`,
    );
    if (!worst || f.decisionP99 > worst.f.decisionP99) worst = { label, f };
  };
  // One short untimed pass over every strategy first, so the first timed strategy does not
  // carry the JIT's warm-up.
  for (const s of STRATEGIES) run(s, true, 999, 300, 0);
  let listOpsP99 = 0;
  STRATEGIES.forEach((s, i) => {
    const f = repeated(s, true, 1000 + i);
    listOpsP99 = Math.max(listOpsP99, f.listOpsP99Us);
    line(s, f);
  });
  line('longest-idle (fairness off)', repeated('longest-idle', false, 2000));
  const walk = fullWalkRoundMs(3000);
  say(`planOffers that must walk all ${WAITING} callers to reach the servable ones (${walk.offers} offers): ${round(walk.ms, 4)} ms (median of 60 rounds)`);
  say(`worst decision p99: ${worst!.label}; WaitingList add/remove p99 ${round(listOpsP99, 3)} µs per op`);
  record({ figure: 'decision_p99_ms', value: worst!.f.decisionP99, unit: 'ms', baseline: worst!.f.baselineP99, target: `<=${TARGET_P99_MS}` });
  record({ figure: 'plan_full_walk_ms', value: walk.ms, unit: 'ms', target: '-' });
  record({ figure: 'waiting_list_op_p99_us', value: listOpsP99, unit: 'us', target: '-' });
  printResults();
}

try {
  main();
} catch (err) {
  console.error(`bench:acd could not run: ${(err as Error).stack ?? err}`);
  process.exit(1);
}
