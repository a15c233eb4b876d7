// The ticket book on a real LMDB store: each change writes its history row, event, audit row
// and webhook delivery together; state updates are idempotent; the SLA breach is marked once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../store/store.ts';
import { listAudit } from '../audit/audit-log.ts';
import { TicketBook } from './ticket-book.ts';
import { ticketsConfig } from './tickets-config.ts';
import { TicketError } from './errors.ts';

let dir: string;
let store: Store;
let book: TicketBook;
const cfg = ticketsConfig({ webhooks: [{ url: 'http://127.0.0.1:9/hook', secret: 'secret-123' }], departments: ['billing', 'tech'] } as never);
const agent = { username: 'a1', role: 'agent' as const };
const sup = { username: 'sup1', role: 'supervisor' as const };

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'tickets-'));
  store = new Store(dir);
  book = new TicketBook(store, () => cfg);
});
after(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

test('creating numbers tickets T-000001.. and links the customer record and the call', async () => {
  await store.transaction(() => store.tables.customers.put('13800138000', { name: '王芳' }));
  const t = await book.create({ subject: 'Refund', customer: { number: '13800138000' }, source: { kind: 'call', id: 'call-1' }, priority: 'high', department: 'billing' }, agent, 1000);
  assert.equal(t.id, 'T-000001');
  assert.deepEqual(t.customer, { number: '13800138000', name: '王芳' });
  assert.equal(t.sla.dueAt, 1000 + 8 * 3_600_000);
  const t2 = await book.create({ subject: 'Second' }, agent, 2000);
  assert.equal(t2.id, 'T-000002');
  assert.deepEqual(book.list({ customer: '13800138000' }).map((x) => x.id), ['T-000001']);
  const history = book.history('T-000001');
  assert.deepEqual(history.map((h) => h.kind), ['created']);
  assert.equal(book.deliveries({ ticketId: 'T-000001' }).length, 1);
  assert.ok(listAudit(store).some((a) => a.action === 'ticket-created' && a.target === 'T-000001'));
  await assert.rejects(book.create({ subject: 'x', department: 'nope' }, agent), (e: TicketError) => e.code === 'CC_TICKET_INVALID');
});

test('state steps follow the table, pause the clock while waiting, and repeat as no-ops', async () => {
  let r = await book.setState('T-000001', 'waiting', agent, {}, 1000 + 3_600_000);
  assert.equal(r.changed, true);
  assert.equal(r.ticket.sla.running, false);
  r = await book.setState('T-000001', 'waiting', agent, {}, 1000 + 2 * 3_600_000);
  assert.equal(r.changed, false);
  await assert.rejects(book.setState('T-000001', 'closed', agent), (e: TicketError) => e.code === 'CC_TICKET_FORBIDDEN');
  await assert.rejects(book.setState('T-000001', 'new', sup), (e: TicketError) => e.code === 'CC_TICKET_BAD_TRANSITION');
  r = await book.setState('T-000001', 'in-progress', agent, {}, 1000 + 5 * 3_600_000);
  assert.equal(r.ticket.sla.dueAt, 1000 + 12 * 3_600_000, 'the 4 hours waiting do not count');
  assert.deepEqual(book.history('T-000001').map((h) => h.kind), ['created', 'state', 'state']);
  assert.equal(book.deliveries({ ticketId: 'T-000001' }).length, 3, 'one delivery per change, none for the repeat');
});

test('comments, assignment and priority are history rows; a breach is marked once', async () => {
  await book.comment('T-000002', 'called back, no answer', agent, 3000);
  await book.assign('T-000002', { assignee: 'a1', department: 'tech' }, sup, 3001);
  await book.setPriority('T-000002', 'urgent', sup, 3002);
  const t = book.get('T-000002', 3003);
  assert.equal(t.comments, 1);
  assert.equal(t.assignee, 'a1');
  assert.equal(t.sla.budgetMs, 3_600_000);
  assert.deepEqual(book.history('T-000002').map((h) => h.kind), ['created', 'comment', 'assigned', 'priority']);
  assert.deepEqual(await book.markBreaches(2000 + 3_600_000 + 1), ['T-000002']);
  assert.deepEqual(await book.markBreaches(2000 + 3_600_000 + 2), []);
  assert.equal(book.get('T-000002').breached, true);
});
