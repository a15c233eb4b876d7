// The inbound SMTP listener (smtp-server): accepts mail only from the allowed networks, only
// for configured addresses (550 for any other), at most maxMessageBytes (552 beyond), and
// hands each whole raw message to `deliver`, whose answer (given only after the message is
// stored) is the SMTP reply. No AUTH, no STARTTLS: a LAN drop for the site's mail server.
// It never throws at a client: every failure becomes a coded SMTP answer and a log line.
import { SMTPServer, type SMTPServerSession } from 'smtp-server';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { networkMatcher, routeRecipient, type AddressRoute } from './address-routing.ts';
import type { EmailConfig } from './email-config.ts';

export interface InboundEnvelope {
  mailFrom?: string;
  /** Recipients that are configured addresses, in the order given. */
  routes: AddressRoute[];
  remote: string;
}

export interface SmtpAnswer {
  code: number;
  message: string;
}

export type Deliver = (raw: Buffer, envelope: InboundEnvelope) => Promise<SmtpAnswer>;

function smtpError(code: number, message: string): Error {
  const err = new Error(message) as Error & { responseCode: number };
  err.responseCode = code;
  return err;
}

export class SmtpListener {
  private server: SMTPServer | undefined;
  readonly counters = { connections: 0, refusedNetwork: 0, refusedAddress: 0, tooLarge: 0, accepted: 0, failed: 0 };

  constructor(private readonly opts: { config: () => EmailConfig; deliver: Deliver; log: Logger }) {}

  get port(): number {
    return (this.server?.server.address() as AddressInfo | null)?.port ?? 0;
  }

  async listen(): Promise<void> {
    const { config, log } = this.opts;
    const c = config();
    const server = new SMTPServer({
      name: c.listener.hostname,
      banner: 'call center mail drop',
      size: c.listener.maxMessageBytes,
      disabledCommands: ['AUTH', 'STARTTLS'],
      authOptional: true,
      disableReverseLookup: true,
      maxClients: 100,
      closeTimeout: 1000,
      socketTimeout: 60_000,
      logger: false,
      onConnect: (session, cb) => {
        this.counters.connections++;
        if (!this.guard(() => networkMatcher(config().allowedNetworks)(session.remoteAddress), false)) {
          this.counters.refusedNetwork++;
          log.warn({ code: 'CC_EMAIL_SENDER_NETWORK', remote: session.remoteAddress }, 'SMTP client outside the allowed networks refused');
          return cb(smtpError(554, '5.7.1 Client network not allowed'));
        }
        cb();
      },
      onRcptTo: (address, session, cb) => {
        if (!this.guard(() => routeRecipient(address.address, config().addresses), undefined)) {
          this.counters.refusedAddress++;
          log.info({ code: 'CC_EMAIL_UNKNOWN_ADDRESS', rcpt: address.address.slice(0, 320), remote: session.remoteAddress }, 'mail for an unknown address refused');
          return cb(smtpError(550, '5.1.1 No such mailbox here'));
        }
        cb();
      },
      onData: (stream, session, cb) => this.onData(stream, session, cb),
    });
    server.on('error', (err) => log.warn({ err: err.message }, 'SMTP listener error (kept running)'));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.server.once('error', reject);
      server.listen(c.listener.port, c.listener.host, () => {
        server.server.off('error', reject);
        resolve();
      });
    });
    log.info({ host: c.listener.host, port: this.port }, 'SMTP listener ready');
  }

  /** A decision that cannot throw into smtp-server's callbacks (it would be an uncaught exception). */
  private guard<T>(fn: () => T, fallback: T): T {
    try {
      return fn();
    } catch (err) {
      this.opts.log.error({ err }, 'SMTP listener decision failed (answered as a refusal)');
      return fallback;
    }
  }

  private onData(stream: NodeJS.ReadableStream & { sizeExceeded?: boolean }, session: SMTPServerSession, cb: (err?: Error | null, message?: string) => void): void {
    const { config, deliver, log } = this.opts;
    const limit = config().listener.maxMessageBytes;
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    stream.on('error', (err: Error) => {
      this.counters.failed++;
      log.warn({ err: err.message, remote: session.remoteAddress }, 'SMTP data stream failed');
      cb(smtpError(451, '4.3.0 Data stream failed, try again'));
    });
    stream.on('end', () => {
      if (stream.sizeExceeded || size > limit) {
        this.counters.tooLarge++;
        log.info({ code: 'CC_EMAIL_TOO_LARGE', size, limit, remote: session.remoteAddress }, 'message over the size limit refused');
        return cb(smtpError(552, `5.3.4 Message too large (limit ${limit} bytes)`));
      }
      const routes = this.guard(() => session.envelope.rcptTo.map((r) => routeRecipient(r.address, config().addresses)).filter((r): r is AddressRoute => !!r), []);
      const mailFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : undefined;
      Promise.resolve().then(() => deliver(Buffer.concat(chunks), { mailFrom, routes, remote: session.remoteAddress })).then(
        (answer) => {
          if (answer.code >= 200 && answer.code < 300) {
            this.counters.accepted++;
            cb(null, answer.message);
          } else {
            this.counters.failed++;
            cb(smtpError(answer.code, answer.message));
          }
        },
        (err: Error) => {
          this.counters.failed++;
          log.error({ err }, 'inbound mail handling failed');
          cb(smtpError(451, '4.3.0 Temporary failure, try again'));
        },
      );
    });
  }

  async close(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (s) await new Promise<void>((r) => s.close(() => r()));
  }
}
