// Tickets on a real box process with real LMDB: the outbound webhook to a receiver (a local
// node http server here) that answers 500 twice then 200 is retried with back-off until it
// is accepted, every attempt carries a valid HMAC signature over the same body, and the
// delivery log shows the three attempts; the inbound status API works with a token holding
// tickets:status (idempotently, state table enforced) and refuses a token without it; the
// assignee hears of a ticket over the live WebSocket; a delivery that could not be made
// before a restart is made after it (the queue is in LMDB).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { rmSync } from 'node:fs';
import { startBoxProcess, type BoxProcess } from './harness/box-process.ts';
import { adminPassword, signIn, type ApiClient } from './harness/api.ts';
import { freePort } from './harness/ports.ts';
import { openWs } from './harness/ws-client.ts';
import { verifyWebhook } from '../system/tickets/webhook-signature.ts';

const SECRET = 'webhook-secret-for-the-test';
const BASE_DELAY = 300;

interface Received { at: number; headers: http.IncomingHttpHeaders; body: string; answered: number }

/** The external system's webhook receiver: answers each request with the next status of `plan`, then 200. */
class Receiver {
  readonly got: Received[] = [];
  plan: number[] = [];
  private server?: http.Server;
  private waiters: (() => void)[] = [];

  constructor(readonly port: number) {}

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const answered = this.plan.shift() ?? 200;
        this.got.push({ at: Date.now(), headers: req.headers, body: Buffer.concat(chunks).toString(), answered });
        res.writeHead(answered, { 'content-type': 'text/plain' }).end(answered === 200 ? 'ok' : 'try later');
        this.waiters.splice(0).forEach((w) => w());
      });
    });
    await new Promise<void>((r) => this.server!.listen(this.port, '127.0.0.1', r));
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((r) => (this.server ? this.server.close(r) : r(undefined)));
    this.server = undefined;
  }

  /** Wait until a request matching `pred` has come (the box's worker decides when). */
  async waitFor(pred: (r: Received) => boolean, what: string, timeoutMs = 30_000): Promise<Received> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.got.find(pred);
      if (hit) return hit;
      assert.ok(Date.now() < until, `the receiver never got ${what}; got ${this.got.length} request(s)`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 500);
      });
    }
  }
}

let box: BoxProcess;
let admin: ApiClient;
let receiver: Receiver;
let config: Record<string, any>;
let adminPw: string;

before(async () => {
  receiver = new Receiver(await freePort());
  await receiver.start();
  const sip = await freePort();
  config = {
    sip: { udpPort: sip, tcpPort: sip },
    http: { port: await freePort() },
    recording: { enabled: false },
    tickets: {
      departments: ['billing', 'support'],
      webhooks: [{ url: `http://127.0.0.1:${receiver.port}/hooks/tickets`, secret: SECRET }],
      webhookBaseDelayMs: BASE_DELAY,
      webhookMaxAttempts: 6,
    },
  };
  box = await startBoxProcess(config, { keepData: true });
  adminPw = adminPassword(box);
  admin = await signIn(box);
  const r = await admin.call('POST', '/api/users', { username: 'a1', role: 'agent', password: 'a1-password-long', mustChangePassword: false });
  assert.equal(r.status, 201, JSON.stringify(r.body));
});

after(async () => {
  await box?.stop();
  await receiver?.stop();
  if (box) rmSync(box.dataDir, { recursive: true, force: true });
});

test('a webhook answered 500 twice is retried with back-off until accepted; each attempt is signed; the log shows 3 attempts', async () => {
  receiver.plan = [500, 500];
  const made = await admin.call('POST', '/api/tickets', { subject: 'Refund not received', description: 'Order 4711', customer: { number: '13800138000', name: '王芳' }, source: { kind: 'call', id: 'call-abc' }, priority: 'high', department: 'billing' });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  const id = made.body.id as string;
  assert.match(id, /^T-\d{6}$/);
  const accepted = await receiver.waitFor((r) => r.answered === 200 && JSON.parse(r.body).ticket.id === id, 'the accepted delivery');
  const mine = receiver.got.filter((r) => JSON.parse(r.body).ticket.id === id);
  assert.deepEqual(mine.map((r) => r.answered), [500, 500, 200]);
  const deliveryIds = new Set(mine.map((r) => r.headers['x-ticket-delivery']));
  assert.equal(deliveryIds.size, 1, 'the same delivery each time');
  assert.equal(new Set(mine.map((r) => r.body)).size, 1, 'the same body each time');
  for (const r of mine) {
    const ts = Number(r.headers['x-timestamp']);
    assert.ok(verifyWebhook(SECRET, ts, r.body, String(r.headers['x-signature'])), 'signature verifies with the shared secret');
    assert.equal(verifyWebhook('another-secret-entirely', ts, r.body, String(r.headers['x-signature'])), false);
    assert.equal(verifyWebhook(SECRET, ts, r.body.replace('Refund', 'Refunx'), String(r.headers['x-signature'])), false, 'a changed body fails');
  }
  const payload = JSON.parse(accepted.body);
  assert.equal(payload.event, 'ticket.created');
  assert.deepEqual([payload.ticket.state, payload.ticket.priority, payload.ticket.department, payload.ticket.customer.number, payload.ticket.source.id], ['new', 'high', 'billing', '13800138000', 'call-abc']);
  assert.ok(mine[1]!.at - mine[0]!.at >= BASE_DELAY, 'first retry after the base delay');
  assert.ok(mine[2]!.at - mine[1]!.at >= 2 * BASE_DELAY, 'second retry after twice the base delay');
  // The delivery log.
  let log: any[] = [];
  for (const until = Date.now() + 10_000; ;) {
    log = (await admin.call('GET', `/api/tickets/deliveries?ticket=${id}`)).body;
    if (log[0]?.state === 'delivered') break;
    assert.ok(Date.now() < until, JSON.stringify(log));
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(log.length, 1);
  assert.deepEqual(log[0].attempts.map((a: any) => a.status), [500, 500, 200]);
  assert.equal(log[0].attempts[0].error, 'HTTP 500');
});

test('the inbound status API: a token with tickets:status moves the ticket (idempotently, by the state table); one without it is refused', async () => {
  const made = await admin.call('POST', '/api/tickets', { subject: 'Router keeps rebooting', customer: { number: '13900000002' }, source: { kind: 'email', id: 'mail-17' } });
  const id = made.body.id as string;
  const good = (await admin.call('POST', '/api/tokens', { name: 'erp', scopes: ['tickets:status'] })).body.token as string;
  const readOnly = (await admin.call('POST', '/api/tokens', { name: 'erp-read', scopes: ['tickets:read'] })).body.token as string;
  const put = async (token: string, body: unknown) => {
    const res = await fetch(`http://127.0.0.1:${box.httpPort}/api/tickets/${id}/status`, { method: 'PUT', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
    return { status: res.status, body: await res.json() as any };
  };
  const refused = await put(readOnly, { state: 'in-progress' });
  assert.deepEqual([refused.status, refused.body.code], [403, 'CC_API_SCOPE']);
  const noToken = await fetch(`http://127.0.0.1:${box.httpPort}/api/tickets/${id}/status`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"state":"in-progress"}' });
  assert.equal(noToken.status, 401);
  const first = await put(good, { state: 'in-progress', note: 'picked up by field service', externalRef: 'ERP-991' });
  assert.equal(first.status, 200, JSON.stringify(first.body));
  assert.deepEqual([first.body.changed, first.body.ticket.state, first.body.ticket.externalRef], [true, 'in-progress', 'ERP-991']);
  const again = await put(good, { state: 'in-progress' });
  assert.deepEqual([again.status, again.body.changed], [200, false], 'the same update again changes nothing');
  const back = await put(good, { state: 'new' });
  assert.deepEqual([back.status, back.body.code], [409, 'CC_TICKET_BAD_TRANSITION']);
  const bad = await put(good, { state: 'done' });
  assert.equal(bad.status, 400);
  assert.equal((await put(good, { state: 'resolved' })).status, 200);
  assert.equal((await put(good, { state: 'closed' })).status, 200, 'an external system may close');
  const detail = (await admin.call('GET', `/api/tickets/${id}`)).body;
  assert.deepEqual(detail.history.map((h: any) => [h.kind, h.to ?? null, h.by]).slice(1), [
    ['state', 'in-progress', 'token:erp'], ['state', 'resolved', 'token:erp'], ['state', 'closed', 'token:erp'],
  ]);
  assert.equal(detail.history[1].text, 'picked up by field service');
  const audit = (await admin.call('GET', '/api/audit?limit=5000')).body;
  const rows = (Array.isArray(audit) ? audit : audit.rows ?? []) as any[];
  assert.ok(rows.some((r) => r.action === 'ticket-state' && r.target === id && r.actor === 'token:erp'), 'audited');
  // The receiver hears of each change, in order.
  await receiver.waitFor((r) => { const p = JSON.parse(r.body); return p.ticket.id === id && p.ticket.state === 'closed'; }, 'the close');
  const states = receiver.got.map((r) => JSON.parse(r.body)).filter((p) => p.ticket.id === id).map((p) => p.ticket.state);
  assert.deepEqual(states, ['new', 'in-progress', 'resolved', 'closed']);
});

test('an agent hears of a ticket assigned to them over the live WebSocket; an agent may not close', async () => {
  const agent = await signIn(box, 'a1', 'a1-password-long');
  const ws = await openWs(box.httpPort, `/api/events?token=${agent.token}`);
  try {
    await ws.waitFor((m) => m.kind === 'hello');
    const made = await admin.call('POST', '/api/tickets', { subject: 'Call the customer back', customer: { number: '13800138000' } });
    const id = made.body.id as string;
    assert.equal((await admin.call('PATCH', `/api/tickets/${id}`, { assignee: 'a1', priority: 'urgent' })).status, 200);
    const notice = await ws.waitFor((m) => m.kind === 'ticket' && m.ticket.id === id && m.assignedToYou === true);
    assert.equal(notice.change.kind, 'assigned');
    assert.equal(notice.ticket.sla.budgetMs, 60 * 60_000, 'urgent: one hour');
    assert.equal((await admin.call('PATCH', `/api/tickets/${id}`, { assignee: 'nobody-here' })).body.code, 'CC_TICKET_INVALID');
    assert.equal((await agent.call('PUT', `/api/tickets/${id}/status`, { state: 'resolved' })).status, 200);
    const close = await agent.call('PUT', `/api/tickets/${id}/status`, { state: 'closed' });
    assert.deepEqual([close.status, close.body.code], [403, 'CC_TICKET_FORBIDDEN']);
    const comment = await agent.call('POST', `/api/tickets/${id}/comments`, { text: '已回电，客户满意' });
    assert.equal(comment.status, 201);
    const mine = (await agent.call('GET', '/api/tickets?customer=13800138000')).body as any[];
    assert.ok(mine.some((t) => t.id === id && t.comments === 1 && t.state === 'resolved'));
  } finally {
    ws.close();
  }
});

test('a delivery the receiver could not take before a restart is made after it', async () => {
  await receiver.stop();
  const made = await admin.call('POST', '/api/tickets', { subject: 'Made while the receiver is down' });
  const id = made.body.id as string;
  for (const until = Date.now() + 10_000; ;) {
    const log = (await admin.call('GET', `/api/tickets/deliveries?ticket=${id}`)).body;
    if (log[0]?.attempts.length >= 1) {
      assert.equal(log[0].state, 'pending');
      assert.ok(log[0].attempts[0].error, 'a refused connection is a failed attempt');
      break;
    }
    assert.ok(Date.now() < until, JSON.stringify(log));
    await new Promise((r) => setTimeout(r, 100));
  }
  const dataDir = box.dataDir;
  await box.stop();
  await receiver.start();
  box = await startBoxProcess(config, { dataDir, keepData: true });
  admin = await signIn(box, 'admin', adminPw);
  const got = await receiver.waitFor((r) => JSON.parse(r.body).ticket.id === id, 'the delivery after the restart');
  assert.equal(JSON.parse(got.body).event, 'ticket.created');
  assert.ok(verifyWebhook(SECRET, Number(got.headers['x-timestamp']), got.body, String(got.headers['x-signature'])));
});
