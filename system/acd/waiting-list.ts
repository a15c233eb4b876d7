// The waiting calls of all queues, each queue in service order: higher priority first, then
// earlier enteredAt, then insertion order. One order-statistic treap per queue (expected
// O(log n) add, remove, update and position; in-order iteration) plus a callId index. Pure
// in-memory data; no I/O, no clock, no Math.random (the treap's balance draws come from a
// fixed-seed xorshift, so runs are reproducible). Imports types and skills.ts (for the key of a
// call's own skill list).
import type { SkillRequirement, WaitingEntry } from './acd-types.ts';
import { requirementsKey } from './skills.ts';

interface Node {
  entry: WaitingEntry;
  // The ordering key, copied at insertion so a caller mutating its entry cannot corrupt the tree.
  priority: number;
  enteredAt: number;
  seq: number;
  /** requirementsKey of the entry's own skills. */
  skillKey: string;
  heap: number;
  size: number;
  left: Node | null;
  right: Node | null;
}

/** a is served before b. */
function before(a: Node, b: Node): boolean {
  if (a.priority !== b.priority) return a.priority > b.priority;
  if (a.enteredAt !== b.enteredAt) return a.enteredAt < b.enteredAt;
  return a.seq < b.seq;
}

const sizeOf = (t: Node | null): number => (t === null ? 0 : t.size);

function resize(t: Node): void {
  t.size = 1 + sizeOf(t.left) + sizeOf(t.right);
}

function rotateRight(t: Node): Node {
  const l = t.left!;
  t.left = l.right;
  resize(t);
  l.right = t;
  resize(l);
  return l;
}

function rotateLeft(t: Node): Node {
  const r = t.right!;
  t.right = r.left;
  resize(t);
  r.left = t;
  resize(r);
  return r;
}

function insert(t: Node | null, n: Node): Node {
  if (t === null) return n;
  if (before(n, t)) {
    t.left = insert(t.left, n);
    resize(t);
    if (t.left.heap < t.heap) return rotateRight(t);
  } else {
    t.right = insert(t.right, n);
    resize(t);
    if (t.right.heap < t.heap) return rotateLeft(t);
  }
  return t;
}

/** Joins two treaps where every node of `a` comes before every node of `b`. */
function join(a: Node | null, b: Node | null): Node | null {
  if (a === null) return b;
  if (b === null) return a;
  if (a.heap < b.heap) {
    a.right = join(a.right, b);
    resize(a);
    return a;
  }
  b.left = join(a, b.left);
  resize(b);
  return b;
}

function remove(t: Node | null, n: Node): Node | null {
  if (t === null) return null;
  if (t === n) return join(t.left, t.right);
  if (before(n, t)) t.left = remove(t.left, n);
  else t.right = remove(t.right, n);
  resize(t);
  return t;
}

/** A lazy walk over one queue in service order. `take()` is the allocation-free form of
 *  `next()`, for hot loops. */
export interface WaitingCursor extends IterableIterator<WaitingEntry> {
  take(): WaitingEntry | undefined;
}

class InOrderCursor implements WaitingCursor {
  readonly #stack: Node[] = [];

  constructor(root: Node | null) {
    this.#descend(root);
  }

  take(): WaitingEntry | undefined {
    const n = this.#stack.pop();
    if (n === undefined) return undefined;
    this.#descend(n.right);
    return n.entry;
  }

  next(): IteratorResult<WaitingEntry> {
    const e = this.take();
    return e === undefined ? { done: true, value: undefined } : { done: false, value: e };
  }

  [Symbol.iterator](): this {
    return this;
  }

  #descend(t: Node | null): void {
    while (t !== null) {
      this.#stack.push(t);
      t = t.left;
    }
  }
}

interface QueueTree {
  root: Node | null;
  /** Distinct own-skill lists of the queue's calls: key → one such list and how many calls. */
  skillSets: Map<string, { reqs: readonly SkillRequirement[]; count: number }>;
}

export type WaitingUpdate = Partial<Pick<WaitingEntry, 'priority' | 'requiredSkills' | 'skip'>>;

/**
 * All waiting calls. Entries are stored as given (not copied); change one through `update`,
 * not by mutating it. Do not add, remove or update while iterating `entries`.
 */
export class WaitingList {
  readonly #queues = new Map<string, QueueTree>();
  readonly #byCall = new Map<string, Node>();
  #seq = 0;
  #rand = 0x9e3779b9;

  /** Adds a call. A call already waiting is replaced and gets a new insertion sequence, so
   *  among callers with the same priority and enteredAt it goes last; `update` keeps the exact
   *  place. O(log n) expected. */
  add(e: WaitingEntry): void {
    if (this.#byCall.has(e.callId)) this.remove(e.callId);
    this.#insert(e, ++this.#seq);
  }

  /** Removes a call; returns its entry, undefined if it was not waiting. O(log n) expected. */
  remove(callId: string): WaitingEntry | undefined {
    const n = this.#byCall.get(callId);
    if (!n) return undefined;
    const tree = this.#queues.get(n.entry.queue)!;
    tree.root = remove(tree.root, n);
    const set = tree.skillSets.get(n.skillKey)!;
    if (--set.count === 0) tree.skillSets.delete(n.skillKey);
    if (tree.root === null) this.#queues.delete(n.entry.queue);
    this.#byCall.delete(callId);
    return n.entry;
  }

  /** Changes a waiting call's priority, extra skills or skip list, keeping its insertion
   *  sequence (so a call whose priority is unchanged keeps its exact place). Returns the new
   *  entry, undefined if the call is not waiting. O(log n) expected. */
  update(callId: string, change: WaitingUpdate): WaitingEntry | undefined {
    const n = this.#byCall.get(callId);
    if (!n) return undefined;
    this.remove(callId);
    const entry: WaitingEntry = { ...n.entry, ...change };
    this.#insert(entry, n.seq);
    return entry;
  }

  get(callId: string): WaitingEntry | undefined {
    return this.#byCall.get(callId)?.entry;
  }

  has(callId: string): boolean {
    return this.#byCall.has(callId);
  }

  /** 1-based place of the call within its queue (0 if not waiting). O(log n) expected. */
  position(callId: string): number {
    const n = this.#byCall.get(callId);
    if (!n) return 0;
    let t = this.#queues.get(n.entry.queue)!.root;
    let ahead = 0;
    while (t !== null) {
      if (t === n) return ahead + sizeOf(t.left) + 1;
      if (before(n, t)) t = t.left;
      else {
        ahead += sizeOf(t.left) + 1;
        t = t.right;
      }
    }
    return 0;
  }

  /** Waiting calls in `queue`, or in all queues when omitted. O(1). */
  size(queue?: string): number {
    if (queue === undefined) return this.#byCall.size;
    return sizeOf(this.#queues.get(queue)?.root ?? null);
  }

  /** Names of the queues that have waiting calls (in no particular order). */
  queues(): IterableIterator<string> {
    return this.#queues.keys();
  }

  /** The call served next in `queue` (busy or not), undefined if none. O(log n). */
  head(queue: string): WaitingEntry | undefined {
    let t = this.#queues.get(queue)?.root ?? null;
    if (t === null) return undefined;
    while (t.left !== null) t = t.left;
    return t.entry;
  }

  /** The distinct own-skill lists among the calls of `queue` ([] stands for calls with none),
   *  so a planner can see that nobody free could take any of its calls without walking it. */
  skillSets(queue: string): (readonly SkillRequirement[])[] {
    const sets = this.#queues.get(queue)?.skillSets;
    return sets ? [...sets.values()].map((v) => v.reqs) : [];
  }

  /** The calls of `queue` in service order (lazy; empty for an unknown queue). */
  entries(queue: string): WaitingCursor {
    return new InOrderCursor(this.#queues.get(queue)?.root ?? null);
  }

  /** Service order across queues, for cross-queue fairness: negative when `a` is served before
   *  `b` (priority, then enteredAt, then insertion order). Both must be waiting. */
  compare(a: WaitingEntry, b: WaitingEntry): number {
    const byKey = b.priority - a.priority || a.enteredAt - b.enteredAt;
    if (byKey !== 0 || a === b) return byKey;
    return (this.#byCall.get(a.callId)?.seq ?? 0) - (this.#byCall.get(b.callId)?.seq ?? 0);
  }

  #insert(entry: WaitingEntry, seq: number): void {
    // xorshift32: balance draws only; never used for a decision.
    let x = this.#rand;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#rand = x >>> 0;
    const skillKey = requirementsKey(entry.requiredSkills);
    const n: Node = { entry, priority: entry.priority, enteredAt: entry.enteredAt, seq, skillKey, heap: this.#rand, size: 1, left: null, right: null };
    let tree = this.#queues.get(entry.queue);
    if (!tree) {
      tree = { root: null, skillSets: new Map() };
      this.#queues.set(entry.queue, tree);
    }
    tree.root = insert(tree.root, n);
    const set = tree.skillSets.get(skillKey);
    if (set) set.count++;
    else tree.skillSets.set(skillKey, { reqs: entry.requiredSkills ?? [], count: 1 });
    this.#byCall.set(entry.callId, n);
  }
}
