// Shared plain-data types of the ACD decision core (strategies, skills, waiting list, dispatch)
// and of the runtime that feeds it. Types only: no code, no imports. The runtime validates
// configuration before it gets here; the decision core trusts these shapes and never throws on
// empty or dangling data (an unknown agent id in `members` is skipped).

export type StrategyName =
  | 'ring-all'
  | 'round-robin'
  | 'longest-idle'
  | 'fewest-calls'
  | 'least-talk-time'
  | 'random'
  | 'linear'
  | 'ring-progressively'
  | 'skills-based';

/** What the decision core needs to know about an agent at the moment of a decision. */
export interface AgentSnapshot {
  id: string;
  /** Logged in, not paused, not on a call, not ringing: may be offered a call now. */
  available: boolean;
  /** Epoch ms since which the agent has been idle (smaller = idle longer). */
  idleSinceMs: number;
  /** Calls answered (in whatever period the runtime counts, e.g. since login or today). */
  callsTaken: number;
  /** Talk time in ms over the same period. */
  talkTimeMs: number;
  /** Skill name → proficiency level (an absent skill is level 0). */
  skills: Readonly<Record<string, number>>;
}

/** An agent's membership of a queue. Lower `penalty` tiers are always preferred when any agent
 *  in them is eligible (Asterisk semantics); members list order matters to linear,
 *  ring-progressively and round-robin. */
export interface QueueMember {
  agentId: string;
  penalty: number;
}

export interface SkillRequirement {
  skill: string;
  minLevel: number;
}

/** After a caller waited `afterSec` seconds, every required level is lowered by `minLevelDrop`
 *  (never below 1: the agent must still have the skill). The largest applicable drop wins. */
export interface RelaxationStep {
  afterSec: number;
  minLevelDrop: number;
}

export interface QueueSpec {
  name: string;
  strategy: StrategyName;
  members: readonly QueueMember[];
  /** Required of every agent for every call of this queue (all strategies filter by it). */
  requiredSkills: readonly SkillRequirement[];
  relaxation: readonly RelaxationStep[];
  /** Without cross-queue fairness, queues are served in weight order (higher first). */
  weight: number;
  /** ring-progressively only: the runtime rings the first ranked agent, then adds the next
   *  every this many seconds. Not used by the decision core. */
  progressiveStepSec?: number;
}

/** A caller waiting in a queue. Service order: higher `priority` first, then earlier
 *  `enteredAt`, then insertion order. Re-adding a call with its original `enteredAt` (after a
 *  no-answer) puts it back in its old place. */
export interface WaitingEntry {
  callId: string;
  queue: string;
  priority: number;
  /** Epoch ms the caller entered the queue (relaxation and fairness count from here). */
  enteredAt: number;
  /** Added to the queue's requirements; for a skill both name, the higher minLevel wins. */
  requiredSkills?: readonly SkillRequirement[];
  /** Agents not to offer this call to again (they missed it). */
  skip?: ReadonlySet<string>;
}

export interface StrategyContext {
  /** Epoch ms of the decision (relaxation is measured against it). */
  now: number;
  /** round-robin memory: the agent last offered a call in this queue. */
  lastOffered?: string;
  /** Uniform [0, 1) source; inject a seeded one in tests. */
  random: () => number;
}

/** One eligible agent as a strategy sees it. `memberIndex` is its position in the queue's
 *  member list; `proficiency` the sum of its levels in the call's required skills. */
export interface Candidate {
  agent: AgentSnapshot;
  memberIndex: number;
  penalty: number;
  proficiency: number;
}

/** A planned offer: ring `agentIds` for `callId`. One agent for the single-agent strategies;
 *  every eligible agent of the best tier for ring-all; the ordered list for ring-progressively
 *  (the runtime rings agentIds[0] first and adds the next every progressiveStepSec). An agent
 *  is in at most one offer of a round; agents the runtime has not rung yet stay available in
 *  its next snapshot, so a later round may offer them another call (re-rank with rankAgents
 *  when adding the next one). The runtime records agentIds[0] as the queue's round-robin
 *  memory when it rings. */
export interface Offer {
  callId: string;
  queue: string;
  agentIds: string[];
}
