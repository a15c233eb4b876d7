// The webhook worker against a real local HTTP receiver and a real LMDB store: a delivery
// the receiver keeps refusing is given up after the configured attempts (logged as failed,
// with an event row), and only then does the ticket's next delivery to that receiver go out,
// so the receiver sees a ticket's changes in order.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Store } from '../store/store.ts';
import { TicketBook, type TicketDelivery } from './ticket-book.ts';
import { ticketsConfig } from './tickets-config.ts';
import { TicketWebhooks } from './webhook-worker.ts';
import { verifyWebhook } from './webhook-signature.ts';

let dir: string;
let store: Store;
let server: http.Server;
const got: { event: string; state: string; status: number; ok: boolean }[] = [];
let refuse = true;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ticket-hooks-'));
  store = new Store(dir);
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const p = JSON.parse(body);
      const status = refuse && p.event === 'ticket.created' ? 503 : 200;
      got.push({ event: p.event, state: p.ticket.state, status, ok: verifyWebhook('s3cret-s3cret', Number(req.headers['x-timestamp']), body, String(req.headers['x-signature'])) });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
});

after(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

test('a refused delivery is given up after the last attempt, then the ticket\'s next change is delivered', async () => {
  const port = (server.address() as { port: number }).port;
  const cfg = ticketsConfig({ webhooks: [{ url: `http://127.0.0.1:${port}/h`, secret: 's3cret-s3cret' }], webhookMaxAttempts: 3, webhookBaseDelayMs: 20 } as never);
  const book = new TicketBook(store, () => cfg);
  const worker = new TicketWebhooks({ store, config: () => cfg, log: pino({ level: 'silent' }) });
  book.on('change', () => worker.kick());
  const t = await book.create({ subject: 'hooks' }, { username: 'sup', role: 'supervisor' });
  await book.setState(t.id, 'in-progress', { username: 'sup', role: 'supervisor' });
  worker.start();
  const until = Date.now() + 20_000;
  let rows: TicketDelivery[] = [];
  while (Date.now() < until) {
    rows = book.deliveries({ ticketId: t.id });
    if (rows.every((d) => d.state !== 'pending')) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  await worker.close();
  const byEvent = Object.fromEntries(rows.map((d) => [d.event, d]));
  assert.equal(byEvent['ticket.created']!.state, 'failed');
  assert.deepEqual(byEvent['ticket.created']!.attempts.map((a) => a.status), [503, 503, 503]);
  assert.equal(byEvent['ticket.updated']!.state, 'delivered');
  assert.deepEqual(got.map((g) => `${g.event}:${g.status}`), ['ticket.created:503', 'ticket.created:503', 'ticket.created:503', 'ticket.updated:200'], 'in order: the update waited');
  assert.ok(got.every((g) => g.ok), 'every attempt signed');
  const events = [...store.tables.events.getRange({})].map((e) => (e.value as { type: string }).type);
  assert.ok(events.includes('ticket-webhook-failed') && events.includes('ticket-webhook-delivered'));
});
