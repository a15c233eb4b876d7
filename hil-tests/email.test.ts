// Email in the ACD, whole box: a customer's mail (nodemailer) to the box's SMTP port becomes
// an email interaction in the configured queue, an agent (over the API) accepts it and
// replies, and the reply reaches a local SMTP sink standing in for the site's relay (its first
// attempt refused with 451, so the retry is exercised) with In-Reply-To, References and the
// thread tag; the customer's answer to that reply, and a later one that kept only the subject
// tag, join the same interaction. Mail to an unknown address gets 550, a message without a
// header 554, a broken MIME body a clean 250, and the box keeps running; a reply the relay
// refuses permanently shows as a failed delivery to the agent. The raw message is on disk and
// indexed in LMDB. A reply written while the relay is down stays pending across a restart
// of the box and goes out when the relay is back.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';
import { startBoxProcess, type BoxProcess } from './harness/box-process.ts';
import { freePort } from './harness/ports.ts';
import { signIn, type ApiClient } from './harness/api.ts';

const SUPPORT = 'support@shop.test';
const CUSTOMER = 'li.wei@customer.test';
const REFUSED = 'no-such-user@customer.test';

let box: BoxProcess;
let smtpPort: number;
let sink: SMTPServer;
let admin: ApiClient;
let agent: ApiClient;
/** What the relay sink accepted, in order; it answers 451 to DATA while refuseNext451 > 0. */
const relayed: { envelopeFrom: string; rcpt: string[]; mail: ParsedMail }[] = [];
let refuseNext451 = 1;
let relayPort = 0;
let boxConfig: Record<string, any> = {};

async function until<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function customerMailer() {
  return nodemailer.createTransport({ host: '127.0.0.1', port: smtpPort, secure: false, ignoreTLS: true, name: 'customer.test' });
}

/** A plain SMTP conversation (for what nodemailer will not send); returns each reply line. */
async function rawSmtp(lines: string[]): Promise<string[]> {
  const sock = net.connect(smtpPort, '127.0.0.1');
  sock.setEncoding('utf8');
  let buf = '';
  const replies: string[] = [];
  const waiters: (() => void)[] = [];
  sock.on('data', (d: string) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\r\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 2);
      if (/^\d{3} /.test(line)) {
        replies.push(line);
        waiters.shift()?.();
      }
    }
  });
  const reply = () => new Promise<void>((r) => waiters.push(r));
  await reply(); // greeting
  for (const l of lines) {
    const next = reply();
    sock.write(`${l}\r\n`);
    await next;
  }
  sock.end('QUIT\r\n');
  return replies;
}

/** The relay sink: accepts everything for any recipient but REFUSED (550); a 451 while refuseNext451 > 0. */
function startSink(): SMTPServer {
  return new SMTPServer({
    authOptional: true, disabledCommands: ['AUTH', 'STARTTLS'], logger: false,
    onRcptTo: (addr, _s, cb) => {
      if (addr.address === REFUSED) return cb(Object.assign(new Error('5.1.1 user unknown'), { responseCode: 550 }));
      cb();
    },
    onData: (stream, session, cb) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (refuseNext451 > 0) {
          refuseNext451--;
          return cb(Object.assign(new Error('4.3.2 try again later'), { responseCode: 451 }));
        }
        void simpleParser(Buffer.concat(chunks)).then((mail) => {
          relayed.push({ envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', rcpt: session.envelope.rcptTo.map((r) => r.address), mail });
          cb();
        });
      });
    },
  });
}

before(async () => {
  const sinkPort = await freePort();
  sink = startSink();
  await new Promise<void>((r) => sink.listen(sinkPort, '127.0.0.1', r));
  smtpPort = await freePort();
  relayPort = sinkPort;
  box = await startBoxProcess(boxConfig = {
    extensions: [{ number: '2001', password: 'pw-2001' }],
    queues: [{ name: 'support', overflow: 'hangup', strategy: 'longest-idle' }],
    agents: [{ id: 'a1', extension: '2001', queues: [{ queue: 'support', penalty: 0 }] }],
    interactions: { callsExclusive: false, capacity: { emails: 10 } },
    email: {
      listener: { enabled: true, host: '127.0.0.1', port: smtpPort, maxMessageBytes: 200_000, hostname: 'box.shop.test' },
      addresses: [{ address: SUPPORT, queue: 'support' }],
      allowedNetworks: ['127.0.0.0/8'],
      relay: { host: '127.0.0.1', port: sinkPort, secure: false, from: 'mailer@shop.test', maxAttempts: 3 },
      maxAttachmentBytes: 10_000,
    },
  }, { keepData: true });
  admin = await signIn(box);
  const created = await admin.call('POST', '/api/users', { username: 'a1', role: 'agent', password: 'a1-password-1', mustChangePassword: false });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  agent = await signIn(box, 'a1', 'a1-password-1');
  const login = await agent.call('POST', '/api/acd/agents/a1/login');
  assert.equal(login.status, 200, JSON.stringify(login.body));
});

after(async () => {
  await box?.stop();
  if (box) rmSync(box.dataDir, { recursive: true, force: true });
  await new Promise<void>((r) => (sink ? sink.close(() => r()) : r()));
});

let interactionId = '';
let customerMessageId = '';
let reply: ParsedMail;

test('a customer email becomes an email interaction in the queue; the raw message is stored and indexed before the 250', async () => {
  const info = await customerMailer().sendMail({
    from: { name: '李伟', address: CUSTOMER }, to: SUPPORT,
    subject: 'Order 42 never arrived', text: 'Hello, my order 42 has not arrived yet. 谢谢!',
    attachments: [{ filename: 'receipt.txt', content: 'order 42, paid' }, { filename: 'big.bin', content: Buffer.alloc(20_000, 7) }],
  });
  assert.match(info.response, /^250 .*Stored as EM-[A-Z0-9]{8}/);
  customerMessageId = info.messageId;
  const offered = await until('the email offered to a1', async () => {
    const mine = (await agent.call('GET', '/api/interactions/mine')).body.interactions as any[];
    return mine.find((i) => i.channel === 'email');
  });
  interactionId = offered.id;
  assert.equal(offered.queue, 'support');
  assert.equal(offered.subject, 'Order 42 never arrived');
  assert.equal(offered.customer.email, CUSTOMER);
  assert.equal(offered.customer.name, '李伟');
  assert.match(offered.messages[0].text, /order 42 has not arrived/);
  const rows = (await box.read<any>('emails' as any)).map((r) => r.value);
  const inbound = rows.find((r) => r.direction === 'in');
  assert.equal(inbound.messageId, customerMessageId.slice(1, -1));
  assert.ok(existsSync(join(box.dataDir, 'data', inbound.rawPath)), 'raw message on disk');
  assert.equal(inbound.attachments.length, 2);
  assert.ok(inbound.attachments[0].path && existsSync(join(box.dataDir, 'data', inbound.attachments[0].path)), 'small attachment kept');
  assert.equal(inbound.attachments[1].skipped, 'too-large');
});

test('the agent accepts and replies; the reply reaches the relay (after a 451 and a retry) threaded to the customer\'s message', async () => {
  assert.equal((await agent.call('POST', `/api/interactions/${interactionId}/accept`)).status, 200);
  const r = await agent.call('POST', `/api/interactions/${interactionId}/reply`, { text: 'Sorry! Your parcel left today.' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  await until('the reply at the relay', () => (relayed.length ? true : undefined), 30_000);
  const got = relayed[0]!;
  reply = got.mail;
  assert.deepEqual(got.rcpt, [CUSTOMER]);
  assert.equal(got.envelopeFrom, 'mailer@shop.test');
  assert.equal(reply.from?.value[0]?.address, SUPPORT);
  assert.equal(reply.inReplyTo, customerMessageId);
  assert.ok([reply.references ?? []].flat().includes(customerMessageId));
  assert.match(reply.subject ?? '', /^Re: Order 42 never arrived \[#EM-[A-Z0-9]{8}\]$/);
  assert.match(reply.text ?? '', /parcel left today/);
  const thread = (await agent.call('GET', `/api/email/interactions/${interactionId}`)).body;
  assert.equal(thread.deliveries.length, 1);
  assert.equal(thread.deliveries[0].state, 'sent');
  assert.equal(thread.deliveries[0].attempts, 2, 'the first attempt got 451 and was retried');
  assert.equal(thread.messages.length, 2);
});

test('the customer\'s answer to the reply, and a later one with only the subject tag, join the same interaction', async () => {
  await customerMailer().sendMail({
    from: CUSTOMER, to: SUPPORT, subject: `Re: ${reply.subject}`, text: 'Thanks, got the tracking number.',
    inReplyTo: reply.messageId, references: [customerMessageId, reply.messageId!],
  });
  await until('the answer in the interaction', async () => {
    const ix = (await agent.call('GET', `/api/interactions/${interactionId}`)).body;
    return ix.messages.some((m: any) => /tracking number/.test(m.text)) ? ix : undefined;
  });
  const tag = /\[#(EM-[A-Z0-9]{8})\]/.exec(reply.subject ?? '')![1];
  await customerMailer().sendMail({ from: CUSTOMER, to: SUPPORT, subject: `about my order [#${tag}]`, text: 'One more thing: gift wrap?' });
  const ix = await until('the tagged mail in the interaction', async () => {
    const x = (await agent.call('GET', `/api/interactions/${interactionId}`)).body;
    return x.messages.some((m: any) => /gift wrap/.test(m.text)) ? x : undefined;
  });
  assert.deepEqual(ix.messages.map((m: any) => m.from), ['customer', 'agent', 'customer', 'customer']);
  const mine = (await agent.call('GET', '/api/interactions/mine')).body.interactions as any[];
  assert.equal(mine.filter((i) => i.channel === 'email').length, 1, 'no second interaction was opened');
});

test('mail to an unknown address is refused with 550', async () => {
  await assert.rejects(
    customerMailer().sendMail({ from: CUSTOMER, to: 'nobody@shop.test', subject: 'x', text: 'x' }),
    (err: any) => err.responseCode === 550 || /550/.test(String(err.response ?? err.message)),
  );
});

test('a message without a header gets 554, a broken MIME body a clean 250, a message over the size 552, and the box keeps running', async () => {
  const noHeader = await rawSmtp(['EHLO t', `MAIL FROM:<${CUSTOMER}>`, `RCPT TO:<${SUPPORT}>`, 'DATA', '\u0000\u00ff garbage with no header line at all\r\n.']);
  assert.match(noHeader.at(-1)!, /^554 /);
  const broken = await rawSmtp(['EHLO t', `MAIL FROM:<${CUSTOMER}>`, `RCPT TO:<${SUPPORT}>`, 'DATA', [
    `From: ${CUSTOMER}`, `To: ${SUPPORT}`, 'Subject: =?bogus?Q?broken?=', 'MIME-Version: 1.0',
    'Content-Type: multipart/mixed', '', '--nowhere', 'Content-Transfer-Encoding: base64', '', '!!!not base64!!!', '--nowhere', 'Content-Type: multipart/alternative; boundary="x"', '', '--x', '.',
  ].join('\r\n')]);
  assert.match(broken.at(-1)!, /^250 /, 'read as far as it goes: headers and whatever body survived');
  const tooBig = await customerMailer().sendMail({ from: CUSTOMER, to: SUPPORT, subject: 'big', text: 'x'.repeat(300_000) }).then(() => 'accepted', (e: any) => String(e.responseCode));
  assert.equal(tooBig, '552');
  const s = await box.status();
  assert.equal(typeof s.calls, 'number', 'the box still answers');
  const ok = await customerMailer().sendMail({ from: 'other@customer.test', to: SUPPORT, subject: 'New question', text: 'Do you ship to Macau?' });
  assert.match(ok.response, /^250 /);
});

test('a reply the relay refuses permanently shows as a failed delivery to the agent', async () => {
  await customerMailer().sendMail({ from: REFUSED, to: SUPPORT, subject: 'Bounce me', text: 'Please answer.' });
  const offered = await until('the mail offered to a1', async () => {
    const mine = (await agent.call('GET', '/api/interactions/mine')).body.interactions as any[];
    return mine.find((i) => i.subject === 'Bounce me' && i.state === 'offered');
  });
  assert.equal((await agent.call('POST', `/api/interactions/${offered.id}/accept`)).status, 200);
  assert.equal((await agent.call('POST', `/api/interactions/${offered.id}/reply`, { text: 'Here you go.' })).status, 200);
  const failed = await until('the failed delivery', async () => {
    const t = (await agent.call('GET', `/api/email/interactions/${offered.id}`)).body;
    return t.deliveries?.find((d: any) => d.state === 'failed');
  });
  assert.equal(failed.code, 'CC_EMAIL_DELIVERY_FAILED');
  assert.match(failed.lastError, /550/);
  assert.equal(failed.attempts, 1, 'a 5xx is not retried');
  const log = (await admin.call('GET', '/api/email/deliveries?state=failed')).body.deliveries as any[];
  assert.ok(log.some((d) => d.id === failed.id));
});

test('a reply written while the relay is down stays pending across a restart of the box and goes out once the relay is back', async () => {
  await new Promise<void>((r) => sink.close(() => r()));
  await customerMailer().sendMail({ from: CUSTOMER, to: SUPPORT, subject: 'Restart me', text: 'Is anyone there?' });
  const offered = await until('the mail offered to a1', async () => {
    const mine = (await agent.call('GET', '/api/interactions/mine')).body.interactions as any[];
    return mine.find((i) => i.subject === 'Restart me' && i.state === 'offered');
  });
  assert.equal((await agent.call('POST', `/api/interactions/${offered.id}/accept`)).status, 200);
  assert.equal((await agent.call('POST', `/api/interactions/${offered.id}/reply`, { text: 'Yes, we are here.' })).status, 200);
  const pending = await until('a failed first attempt', async () => {
    const t = (await agent.call('GET', `/api/email/interactions/${offered.id}`)).body;
    return t.deliveries?.find((d: any) => d.state === 'pending' && d.attempts >= 1);
  });
  assert.equal(pending.code, 'CC_EMAIL_DELIVERY_RETRY');
  const before = relayed.length;
  await box.stop();
  sink = startSink();
  await new Promise<void>((r) => sink.listen(relayPort, '127.0.0.1', r));
  box = await startBoxProcess(boxConfig, { dataDir: box.dataDir });
  agent = await signIn(box, 'a1', 'a1-password-1');
  await until('the reply at the relay after the restart', () => (relayed.length > before ? true : undefined), 60_000);
  const mail = relayed.at(-1)!.mail;
  assert.match(mail.subject ?? '', /^Re: Restart me \[#EM-[A-Z0-9]{8}\]$/);
  assert.match(mail.text ?? '', /we are here/);
  const sent = await until('the delivery logged as sent', async () => {
    const t = (await agent.call('GET', `/api/email/interactions/${offered.id}`)).body;
    return t.deliveries?.find((d: any) => d.id === pending.id && d.state === 'sent');
  });
  assert.ok(sent.attempts >= 2);
});
