// The email service in-process on a real store, a real SMTP listener and nodemailer as the
// sender, without an interactions hub: what it answers and what it has persisted by then.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import nodemailer, { type SendMailOptions } from 'nodemailer';
import { Store } from '../store/store.ts';
import { EmailService } from './email-service.ts';
import { emailConfig, type EmailConfig } from './email-config.ts';
import { isPermanent, nextDelay, RETRY_DELAYS_MS } from './reply-delivery.ts';

const dir = mkdtempSync(join(tmpdir(), 'email-svc-'));
const store = new Store(dir);
let cfg: EmailConfig = {
  ...emailConfig(undefined),
  listener: { enabled: true, host: '127.0.0.1', port: 1, maxMessageBytes: 50_000, hostname: 'box.test' },
  addresses: [{ address: 'help@shop.test', queue: 'support' }],
  allowedNetworks: ['127.0.0.0/8'],
};
// Port 0 (any free port) is below the schema's minimum; the listener takes what it is given.
cfg.listener.port = 0;
const svc = new EmailService({ store, config: () => cfg, log: pino({ level: 'silent' }) });

after(async () => {
  await svc.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const send = (mail: SendMailOptions) =>
  nodemailer.createTransport({ host: '127.0.0.1', port: svc.listener!.port, ignoreTLS: true, name: 'client.test' }).sendMail(mail);

test('the section without a document has every default (listener off, private networks allowed)', () => {
  const d = emailConfig(undefined);
  assert.equal(d.listener.enabled, false);
  assert.equal(d.listener.maxMessageBytes, 10 * 1024 * 1024);
  assert.deepEqual(d.addresses, []);
  assert.ok(d.allowedNetworks.includes('192.168.0.0/16'));
});

test('a message is on disk and indexed in LMDB when the 250 comes (no hub: kept as stored for a later start)', async () => {
  await svc.start(undefined);
  const info = await send({ from: 'Ann <ann@customer.test>', to: 'HELP@shop.test', subject: 'Where is my parcel?', text: 'Order 7', messageId: '<m1@customer.test>' });
  const ref = /Stored as (EM-[A-Z0-9]{8})/.exec(info.response)?.[1];
  assert.ok(ref, info.response);
  const threadRef = svc.book.threadOfMessage('m1@customer.test');
  assert.equal(threadRef, ref);
  const thread = svc.book.thread(ref!)!;
  assert.equal(thread.queue, 'support');
  assert.equal(thread.address, 'help@shop.test');
  assert.deepEqual(thread.customer, { email: 'ann@customer.test', name: 'Ann' });
  const row = svc.book.message(thread.messages[0]!)!;
  assert.equal(row.state, 'stored');
  assert.match(readFileSync(join(dir, row.rawPath!), 'utf8'), /Where is my parcel\?/);
  assert.deepEqual(svc.book.unrouted().map((r) => r.id), [row.id]);
});

test('a second message with the first one in References joins its thread', async () => {
  await send({ from: 'ann@customer.test', to: 'help@shop.test', subject: 'also', text: 'and order 8', references: ['<m1@customer.test>'] });
  const ref = svc.book.threadOfMessage('m1@customer.test')!;
  assert.equal(svc.book.thread(ref)!.messages.length, 2);
});

test('unknown recipients get 550, oversized messages 552, header-less ones 554', async () => {
  await assert.rejects(send({ from: 'ann@customer.test', to: 'sales@shop.test', subject: 'x', text: 'x' }), (e: any) => e.responseCode === 550);
  await assert.rejects(send({ from: 'ann@customer.test', to: 'help@shop.test', subject: 'x', text: 'y'.repeat(60_000) }), (e: any) => e.responseCode === 552);
  await assert.rejects(send({ envelope: { from: 'ann@customer.test', to: 'help@shop.test' }, raw: 'no header here at all\r\n' }), (e: any) => e.responseCode === 554);
  assert.equal(svc.listener!.counters.refusedAddress, 1);
  assert.equal(svc.listener!.counters.tooLarge, 1);
});

test('a client outside the allowed networks is refused at connect', async () => {
  cfg = { ...cfg, allowedNetworks: ['10.0.0.0/8'] };
  await assert.rejects(send({ from: 'ann@customer.test', to: 'help@shop.test', subject: 'x', text: 'x' }), (e: any) => e.responseCode === 554);
  assert.equal(svc.listener!.counters.refusedNetwork, 1);
  cfg = { ...cfg, allowedNetworks: ['127.0.0.0/8'] };
});

test('a changed listener section closes or reopens the listener; an unchanged one leaves it alone', async () => {
  const first = svc.listener;
  await svc.reconfigure();
  assert.equal(svc.listener, first, 'nothing changed: same listener');
  const oldPort = first!.port;
  cfg = { ...cfg, listener: { ...cfg.listener, enabled: false } };
  await svc.reconfigure();
  assert.equal(svc.listener, undefined);
  await assert.rejects(nodemailer.createTransport({ host: '127.0.0.1', port: oldPort, ignoreTLS: true }).sendMail({ from: 'a@b.test', to: 'help@shop.test', text: 'x' }), (e: any) => e.code === 'ESOCKET' || e.code === 'ECONNECTION');
  cfg = { ...cfg, listener: { ...cfg.listener, enabled: true } };
  await svc.reconfigure();
  const info = await send({ from: 'ann@customer.test', to: 'help@shop.test', subject: 'back', text: 'again' });
  assert.match(info.response, /^250 /);
});

test('a relay 5xx is permanent, anything else is retried with growing delays', () => {
  assert.equal(isPermanent({ responseCode: 550 }), true);
  assert.equal(isPermanent({ responseCode: 451 }), false);
  assert.equal(isPermanent({ code: 'ECONNREFUSED' }), false);
  assert.deepEqual([1, 2, 3, 6, 7, 50].map((n) => nextDelay(n)), [RETRY_DELAYS_MS[0], RETRY_DELAYS_MS[1], RETRY_DELAYS_MS[2], RETRY_DELAYS_MS[5], RETRY_DELAYS_MS[5], RETRY_DELAYS_MS[5]]);
});
