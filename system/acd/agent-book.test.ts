import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../store/store.ts';
import { AgentBook } from './agent-book.ts';
import type { AgentConfig } from '../config/schema.ts';

const agents = (...ids: string[]): AgentConfig[] => ids.map((id, i) => ({ id, extension: `20${i}1`, skills: {}, queues: [] }));

async function withBook(ids: string[], fn: (book: AgentBook, store: Store, dir: string) => Promise<void>, dir = mkdtempSync(join(tmpdir(), 'agent-book-'))) {
  const store = new Store(dir);
  const keepAlive = setInterval(() => undefined, 1000); // the book's own timers do not hold the process
  const book = new AgentBook(store, () => agents(...ids), () => ['lunch', 'missed-call']);
  try {
    await book.load();
    await fn(book, store, dir);
  } finally {
    clearInterval(keepAlive);
    book.close();
    await store.close();
  }
  return dir;
}

const log = (store: Store) => [...store.tables.queueLog.getRange()].map((r) => r.value as Record<string, unknown>);

test('a transition is written with its queue-log row before `changed` fires', async () => {
  const dir = await withBook(['a1'], async (book, store) => {
    let seenInStore: unknown;
    book.once('changed', (rec) => (seenInStore = (store.tables.agents.get(rec.id) as { state: string }).state));
    await book.request('a1', 'login');
    assert.equal(seenInStore, 'available');
    assert.deepEqual(log(store).map((r) => [r.type, r.agent, r.from, r.to]), [['agent-login', 'a1', 'logged-out', 'available']]);
  });
  rmSync(dir, { recursive: true, force: true });
});

test('transitions outside the state table are refused with a code and change nothing', async () => {
  const dir = await withBook(['a1'], async (book) => {
    await assert.rejects(book.transition('a1', 'on-call', { cause: 'test' }), { code: 'CC_ACD_BAD_TRANSITION' });
    assert.equal(book.get('a1')!.state, 'logged-out');
    await assert.rejects(book.request('nobody', 'login'), { code: 'CC_ACD_UNKNOWN_AGENT' });
    await assert.rejects(book.request('a1', 'ready'), { code: 'CC_ACD_NOT_LOGGED_IN' });
    await book.request('a1', 'login');
    await assert.rejects(book.request('a1', 'break', 'nap'), { code: 'CC_ACD_BAD_REASON' });
  });
  rmSync(dir, { recursive: true, force: true });
});

test('a break asked for during a call waits for the call to end, then applies', async () => {
  const dir = await withBook(['a1'], async (book) => {
    await book.request('a1', 'login');
    await book.transition('a1', 'ringing', { cause: 'offer', callId: 'c1', queue: 'q' });
    await book.transition('a1', 'on-call', { cause: 'answered', callId: 'c1', queue: 'q' });
    const pending = await book.request('a1', 'break', 'lunch');
    assert.equal(pending.state, 'on-call');
    assert.deepEqual(pending.pending, { state: 'break', reason: 'lunch' });
    const after = await book.afterCall('a1', 'q', 60_000, 0);
    assert.deepEqual([after.state, after.reason, after.callsTaken, after.talkTimeMs], ['break', 'lunch', 1, 60_000]);
  });
  rmSync(dir, { recursive: true, force: true });
});

test('wrap-up ends by itself and the agent is available again', async () => {
  const dir = await withBook(['a1'], async (book) => {
    await book.request('a1', 'login');
    await book.transition('a1', 'ringing', { cause: 'offer', callId: 'c1', queue: 'q' });
    await book.transition('a1', 'on-call', { cause: 'answered', callId: 'c1', queue: 'q' });
    const wrapping = await book.afterCall('a1', 'q', 1000, 0.2);
    assert.equal(wrapping.state, 'wrap-up');
    const [rec, , cause] = await new Promise<[any, string, string, unknown]>((r) => book.once('changed', (...a) => r(a)));
    assert.deepEqual([rec.state, cause], ['available', 'wrap-up-ended']);
  });
  rmSync(dir, { recursive: true, force: true });
});

test('restart reconciliation: ringing and on-call agents come back available, breaks stay, removed agents log out', async () => {
  const dir = await withBook(['a1', 'a2', 'a3', 'gone'], async (book) => {
    for (const id of ['a1', 'a2', 'a3', 'gone']) await book.request(id, 'login');
    await book.transition('a1', 'ringing', { cause: 'offer', callId: 'c1', queue: 'q' });
    await book.transition('a2', 'ringing', { cause: 'offer', callId: 'c2', queue: 'q' });
    await book.transition('a2', 'on-call', { cause: 'answered', callId: 'c2', queue: 'q' });
    await book.request('a2', 'logout'); // pending until the call ends
    await book.request('a3', 'break', 'lunch');
  });
  // "Crash": a new book on the same files, with 'gone' removed from the configuration.
  await withBook(['a1', 'a2', 'a3'], async (book, store) => {
    assert.deepEqual(['a1', 'a2', 'a3'].map((id) => [book.get(id)!.state, book.get(id)!.reason ?? null, book.get(id)!.callId ?? null]), [
      ['available', null, null],
      ['logged-out', null, null],
      ['break', 'lunch', null],
    ]);
    assert.equal((store.tables.agents.get('gone') as { state: string }).state, 'logged-out');
    const fixed = log(store).filter((r) => r.type === 'agent-reconciled').map((r) => `${r.agent}:${r.from}->${r.to}`).sort();
    assert.deepEqual(fixed, ['a1:ringing->available', 'a2:on-call->logged-out', 'gone:available->logged-out']);
  }, dir);
  rmSync(dir, { recursive: true, force: true });
});
