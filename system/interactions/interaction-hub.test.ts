import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { Store } from '../store/store.ts';
import { AgentBook, type AgentRecord } from '../acd/agent-book.ts';
import { parseConfig } from '../config/load.ts';
import type { BoxConfig } from '../config/schema.ts';
import { InteractionHub } from './interaction-hub.ts';
import type { Interaction } from './interaction-types.ts';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

function config(extra: Record<string, unknown> = {}): BoxConfig {
  return parseConfig({
    agents: ['a1', 'a2'].map((id, i) => ({ id, extension: `20${i}1`, queues: [{ queue: 'sales', penalty: 0 }] })),
    extensions: ['2001', '2011'].map((number) => ({ number, password: 'secret-password-1' })),
    queues: [{ name: 'sales', strategy: 'linear', overflow: 'hangup' }],
    ...extra,
  });
}

async function withHub(fn: (hub: InteractionHub, book: AgentBook, store: Store) => Promise<void>, cfg = config(), dir = mkdtempSync(join(tmpdir(), 'ix-hub-'))): Promise<string> {
  const store = new Store(dir);
  const book = new AgentBook(store, () => cfg.agents, () => cfg.acd.breakReasons);
  await book.load();
  const hub = new InteractionHub({ store, config: () => cfg, agents: book, onAgentChange: (f: (r: AgentRecord) => void) => book.on('changed', (r) => f(r)), log: silent });
  await hub.start();
  try {
    await fn(hub, book, store);
  } finally {
    hub.close();
    book.close();
    await store.close();
  }
  return dir;
}

/** The next 'changed' of interaction `id` in `state`. */
async function until(hub: InteractionHub, id: string, state: Interaction['state']): Promise<Interaction> {
  const now = hub.get(id);
  if (now?.state === state) return now;
  for (;;) {
    const [ix] = (await once(hub, 'changed')) as [Interaction];
    if (ix.id === id && ix.state === state) return ix;
  }
}

test('a chat is persisted, offered by the queue strategy, accepted, answered and closed; the transcript is searchable', async () => {
  const dir = await withHub(async (hub, book, store) => {
    await book.request('a1', 'login');
    const ix = await hub.open({ channel: 'chat', queue: 'sales', customer: { name: 'Wang Fang' }, firstMessage: { text: 'My order 4711 has not arrived 订单没到' } });
    assert.ok(store.tables.interactions.get(ix.id), 'the record is written before open() resolves');
    assert.equal((store.tables.interactionMessages.get([ix.id, 0]) as { text: string }).text, 'My order 4711 has not arrived 订单没到');
    const offered = await until(hub, ix.id, 'offered');
    assert.equal(offered.agent, 'a1');
    await hub.accept(ix.id, 'a1');
    const delivered = once(hub, 'agent-message');
    await hub.reply(ix.id, 'a1', { text: 'Let me check that for you' });
    const [, msg] = (await delivered) as [Interaction, { text: string }];
    assert.equal(msg.text, 'Let me check that for you');
    await hub.addCustomerMessage(ix.id, { text: 'thanks' });
    const closed = once(hub, 'closed');
    await hub.closeInteraction(ix.id, 'a1');
    await closed;
    const stored = hub.get(ix.id)!;
    assert.equal(stored.state, 'closed');
    assert.deepEqual(stored.messages.map((m) => [m.from, m.text]), [['customer', 'My order 4711 has not arrived 订单没到'], ['agent', 'Let me check that for you'], ['customer', 'thanks']]);
    assert.deepEqual(hub.search('order 4711').map((i) => i.id), [ix.id]);
    assert.deepEqual(hub.search('订单').map((i) => i.id), [ix.id]);
    assert.deepEqual(hub.search('refund'), []);
    await assert.rejects(hub.addCustomerMessage(ix.id, { text: 'again' }), { code: 'CC_IX_CLOSED' });
  });
  // The transcript survives a restart (read back from LMDB).
  await withHub(async (hub) => {
    const [found] = hub.search('check');
    assert.equal(found?.messages.length, 3);
  }, config(), dir);
  rmSync(dir, { recursive: true, force: true });
});

test('a declined offer goes to the next agent; an agent at capacity is skipped', async () => {
  const cfg = config({ interactions: { capacity: { chats: 1 } } });
  const dir = await withHub(async (hub, book) => {
    await book.request('a1', 'login');
    await book.request('a2', 'login');
    const first = await hub.open({ channel: 'chat', queue: 'sales', customer: {}, firstMessage: { text: 'one' } });
    assert.equal((await until(hub, first.id, 'offered')).agent, 'a1');
    await hub.decline(first.id, 'a1');
    assert.equal((await until(hub, first.id, 'offered')).agent, 'a2');
    await hub.accept(first.id, 'a2');
    // a2 is at its capacity of 1 chat: the second chat goes to a1.
    const second = await hub.open({ channel: 'chat', queue: 'sales', customer: {}, firstMessage: { text: 'two' } });
    assert.equal((await until(hub, second.id, 'offered')).agent, 'a1');
    await hub.accept(second.id, 'a1');
    // Both at capacity: a third waits.
    const third = await hub.open({ channel: 'chat', queue: 'sales', customer: {}, firstMessage: { text: 'three' } });
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(hub.get(third.id)!.state, 'queued');
    assert.equal(hub.counts().find((c) => c.channel === 'chat' && c.queue === 'sales')!.queued, 1);
    // a1 finishes a chat: the third goes to a1.
    await hub.closeInteraction(second.id, 'a1');
    assert.equal((await until(hub, third.id, 'offered')).agent, 'a1');
    await assert.rejects(hub.accept(third.id, 'a2'), { code: 'CC_IX_NOT_YOURS' });
    // Both have a chat: the ACD offers neither a call (calls are exclusive by default).
    assert.deepEqual([...hub.agentsBusyForCalls()].sort(), ['a1', 'a2']);
  }, cfg);
  rmSync(dir, { recursive: true, force: true });
});

test('an agent logging out hands the chats back to the queue; an email reply reopens a closed thread', async () => {
  const dir = await withHub(async (hub, book) => {
    await book.request('a1', 'login');
    const ix = await hub.open({ channel: 'email', queue: 'sales', customer: { email: 'c@example.com' }, subject: 'Invoice', firstMessage: { text: 'where is my invoice' }, externalRef: '<m1@example.com>' });
    await until(hub, ix.id, 'offered');
    await hub.accept(ix.id, 'a1');
    await book.request('a1', 'logout');
    assert.equal((await until(hub, ix.id, 'queued')).agent, undefined);
    await book.request('a2', 'login');
    assert.equal((await until(hub, ix.id, 'offered')).agent, 'a2');
    await hub.accept(ix.id, 'a2');
    await hub.closeInteraction(ix.id, 'a2');
    assert.equal(hub.findByExternalRef('<m1@example.com>')?.id, ix.id);
    await hub.addCustomerMessage(ix.id, { text: 'still nothing', externalRef: '<m2@example.com>' });
    assert.equal(hub.findByExternalRef('<m2@example.com>')?.id, ix.id);
    assert.equal((await until(hub, ix.id, 'offered')).agent, 'a2');
  });
  rmSync(dir, { recursive: true, force: true });
});

test('bad input is refused with a code', async () => {
  const dir = await withHub(async (hub) => {
    await assert.rejects(hub.open({ channel: 'chat', queue: 'nope', customer: {}, firstMessage: { text: 'x' } }), { code: 'CC_IX_UNKNOWN_QUEUE' });
    await assert.rejects(hub.open({ channel: 'chat', queue: 'sales', customer: {}, firstMessage: { text: '   ' } }), { code: 'CC_IX_EMPTY' });
    await assert.rejects(hub.addCustomerMessage('missing', { text: 'x' }), { code: 'CC_IX_NOT_FOUND' });
    await assert.rejects(hub.closeInteraction('missing', 'a1'), { code: 'CC_IX_NOT_FOUND' });
  });
  rmSync(dir, { recursive: true, force: true });
});

test('an offer not accepted within offerTimeoutSec goes to the next agent', async () => {
  const cfg = config({ interactions: { offerTimeoutSec: 5 } });
  const dir = await withHub(async (hub, book) => {
    await book.request('a1', 'login');
    await book.request('a2', 'login');
    const keepAlive = setInterval(() => undefined, 1000); // the hub's timers do not hold the process
    try {
      const ix = await hub.open({ channel: 'chat', queue: 'sales', customer: {}, firstMessage: { text: 'anyone?' } });
      assert.equal((await until(hub, ix.id, 'offered')).agent, 'a1');
      await until(hub, ix.id, 'queued');
      const next = await until(hub, ix.id, 'offered');
      assert.equal(next.agent, 'a2');
      assert.deepEqual(next.skipped, ['a1']);
    } finally {
      clearInterval(keepAlive);
    }
  }, cfg);
  rmSync(dir, { recursive: true, force: true });
});
