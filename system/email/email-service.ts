// The email channel as one service the box starts and closes: the SMTP listener (when
// email.listener.enabled), inbound processing into the interactions hub, and reply delivery
// for what agents write on email interactions. Owns its listener, timers and hub listener.
import type { Logger } from 'pino';
import type { Store } from '../store/store.ts';
import { EmailBook } from './email-book.ts';
import { emailConfig, type EmailConfig } from './email-config.ts';
import { InboundMail } from './inbound-mail.ts';
import { ReplyDelivery } from './reply-delivery.ts';
import { SmtpListener } from './smtp-listener.ts';
import type { EmailInteraction, EmailInteractionMessage, InteractionsPort } from './interactions-port.ts';

export class EmailService {
  readonly book: EmailBook;
  readonly inbound: InboundMail;
  readonly replies: ReplyDelivery;
  listener: SmtpListener | undefined;
  private hub: InteractionsPort | undefined;
  /** The listener section the listener was opened with. */
  private running = '';
  private closed = false;
  private readonly onAgentMessage = (ix: EmailInteraction, msg: EmailInteractionMessage): void => {
    if (ix.channel !== 'email') return;
    void this.replies.queue(ix, msg).catch((err) => this.deps.log.error({ err, interactionId: ix.id }, 'email reply could not be recorded'));
  };

  constructor(private readonly deps: { store: Store; config: () => EmailConfig; log: Logger; retryDelaysMs?: readonly number[] }) {
    this.book = new EmailBook(deps.store);
    this.inbound = new InboundMail({ book: this.book, dataDir: deps.store.dataDir, config: deps.config, hub: () => this.hub, log: deps.log });
    this.replies = new ReplyDelivery({ book: this.book, config: deps.config, log: deps.log, retryDelaysMs: deps.retryDelaysMs });
  }

  /** Plug into the hub, route what a restart left unrouted, resume deliveries, open the listener. */
  async start(hub: InteractionsPort | undefined): Promise<void> {
    this.hub = hub;
    hub?.on('agent-message', this.onAgentMessage);
    const routed = await this.inbound.routePending();
    if (routed) this.deps.log.info({ routed }, 'stored emails routed after a restart');
    this.replies.start();
    await this.openListener();
  }

  private async openListener(): Promise<void> {
    const c = this.deps.config().listener;
    this.running = JSON.stringify(c);
    if (!c.enabled) return;
    const listener = new SmtpListener({ config: this.deps.config, deliver: (raw, env) => this.inbound.deliver(raw, env), log: this.deps.log });
    await listener.listen();
    this.listener = listener;
  }

  /**
   * After a configuration change: addresses, networks, relay and limits are read per message
   * already; a changed listener section (on/off, host, port, size, name) reopens the listener.
   * A port that cannot be opened is logged and leaves the listener closed (never throws).
   */
  async reconfigure(): Promise<void> {
    if (this.closed || JSON.stringify(this.deps.config().listener) === this.running) return;
    const previous = this.listener;
    this.listener = undefined;
    await previous?.close();
    try {
      await this.openListener();
      this.deps.log.info({ enabled: this.deps.config().listener.enabled }, 'SMTP listener reconfigured');
    } catch (err) {
      this.deps.log.error({ err: (err as Error).message }, 'SMTP listener could not be reopened with the new settings');
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.hub?.off('agent-message', this.onAgentMessage);
    await this.listener?.close();
    await this.replies.close();
  }
}

export { emailConfig };
