// The web chat's visitor side (网页在线客服): a visitor's WebSocket (/chat/ws, opened by the
// widget) speaks a small JSON protocol; this module checks the page origin and the per-address
// limits, opens the chat as an Interaction in the hub, relays the visitor's lines to it and
// the agents' replies and state changes back, and lets a visitor token resume the chat after a
// reload or a box restart (the interaction's externalRef is the token's SHA-256, so only the
// visitor holds the token). A chat whose visitor stays away longer than `resumeMinutes` is
// closed by the system (after a restart, counted from the start).
//
//   visitor -> box: { type: 'start', queue, name?, email?, text } | { type: 'resume', token }
//                   | { type: 'message', text } | { type: 'close' }
//   box -> visitor: { type: 'started', token, id } | { type: 'resumed', id, state, messages }
//                   | { type: 'message', from, text, at } | { type: 'state', state }
//                   | { type: 'closed' } | { type: 'error', code, message }
import { createHash, randomBytes } from 'node:crypto';
import type { BoxConfig } from '../config/schema.ts';
import type { InteractionHub } from './interaction-hub.ts';
import type { Interaction, InteractionMessage } from './interaction-types.ts';
import { interactionsConfig } from './interactions-config.ts';
import { InteractionError, type InteractionErrorCode } from './errors.ts';

/** What this module needs of a WebSocket (ws's WebSocket has it). */
export interface VisitorSocket {
  readonly readyState: number;
  readonly OPEN: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  on(event: 'message', fn: (data: Buffer | string) => void): void;
  on(event: 'close', fn: () => void): void;
}

interface VisitorChat {
  id: string;
  socket?: VisitorSocket;
  awayTimer?: NodeJS.Timeout;
}

/** Fixed one-minute windows per address. */
class PerMinute {
  private readonly counts = new Map<string, { window: number; n: number }>();
  take(key: string, limit: number, now = Date.now()): boolean {
    const window = Math.floor(now / 60_000);
    const c = this.counts.get(key);
    if (!c || c.window !== window) {
      if (this.counts.size > 10_000) this.counts.clear();
      this.counts.set(key, { window, n: 1 });
      return true;
    }
    c.n++;
    return c.n <= limit;
  }
}

/** Whether a page origin may open a chat (an empty allow-list allows any). */
export function originAllowed(origin: string | undefined, allowed: readonly string[]): boolean {
  if (allowed.length === 0) return true;
  if (!origin) return false;
  return allowed.some((a) => a.toLowerCase() === origin.toLowerCase());
}

/** The interaction's externalRef for a visitor token. */
export function tokenRef(token: string): string {
  return `chat-token:${createHash('sha256').update(token).digest('base64url')}`;
}

export class ChatVisitors {
  private readonly byId = new Map<string, VisitorChat>();
  private readonly connections = new PerMinute();
  private readonly messages = new PerMinute();

  constructor(private readonly hub: InteractionHub, private readonly config: () => BoxConfig) {
    hub.on('agent-message', (ix, m) => this.toVisitor(ix.id, { type: 'message', from: 'agent', text: m.text, at: m.at }));
    hub.on('changed', (ix) => {
      if (ix.channel === 'chat' && ix.state !== 'closed') this.toVisitor(ix.id, { type: 'state', state: ix.state });
    });
    hub.on('closed', (ix) => {
      const chat = this.byId.get(ix.id);
      if (!chat) return;
      this.toVisitor(ix.id, { type: 'closed' });
      this.forget(chat);
    });
    // Chats open from before a restart: their visitors may come back with their tokens.
    for (const ix of hub.list({ channel: 'chat' })) {
      const chat: VisitorChat = { id: ix.id };
      this.byId.set(ix.id, chat);
      this.away(chat);
    }
  }

  /** A new visitor connection from `address`, opened from a page of `origin`. */
  connect(socket: VisitorSocket, address: string, origin: string | undefined): void {
    const cfg = interactionsConfig(this.config().interactions).chat;
    const send = (msg: object) => socket.readyState === socket.OPEN && socket.send(JSON.stringify(msg));
    const refuse = (code: InteractionErrorCode) => {
      send({ type: 'error', code, message: new InteractionError(code).message });
      socket.close(4000 + (code === 'CC_IX_RATE_LIMITED' ? 29 : 3), code);
    };
    if (!cfg.enabled) return refuse('CC_IX_CHAT_OFF');
    if (!originAllowed(origin, cfg.allowedOrigins)) return refuse('CC_IX_ORIGIN');
    if (!this.connections.take(address, cfg.connectionsPerMinute)) return refuse('CC_IX_RATE_LIMITED');
    let chat: VisitorChat | undefined;
    let busy = Promise.resolve();
    socket.on('message', (data) => {
      // One message at a time, in order.
      busy = busy.then(() => this.handle(data, address, chat, send, (c) => (chat = this.attach(c, socket)))).catch((err) => {
        const code: InteractionErrorCode = err instanceof InteractionError ? err.code : 'CC_IX_BAD_STATE';
        send({ type: 'error', code, message: err instanceof InteractionError ? err.message : 'the chat could not take that message' });
      });
    });
    socket.on('close', () => {
      if (chat && chat.socket === socket) this.away(chat);
    });
  }

  private async handle(data: Buffer | string, address: string, chat: VisitorChat | undefined, send: (m: object) => void, attach: (c: VisitorChat) => void): Promise<void> {
    const cfg = interactionsConfig(this.config().interactions).chat;
    if (!this.messages.take(address, cfg.messagesPerMinute)) throw new InteractionError('CC_IX_RATE_LIMITED');
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(String(data)) as Record<string, unknown>;
      if (!msg || typeof msg !== 'object') throw new Error('not an object');
    } catch {
      throw new InteractionError('CC_IX_BAD_STATE', 'messages are JSON objects with a type');
    }
    const text = typeof msg.text === 'string' ? msg.text.trim() : '';
    if (text.length > cfg.maxMessageChars) throw new InteractionError('CC_IX_TOO_LONG', `at most ${cfg.maxMessageChars} characters`);
    switch (msg.type) {
      case 'start': {
        if (chat) throw new InteractionError('CC_IX_BAD_STATE', 'this connection already has a chat');
        const queue = typeof msg.queue === 'string' ? msg.queue : '';
        if (cfg.queues.length && !cfg.queues.includes(queue)) throw new InteractionError('CC_IX_UNKNOWN_QUEUE', `queue ${queue} is not open to the chat widget`);
        const name = short(msg.name, 64);
        const email = short(msg.email, 254);
        const token = randomBytes(24).toString('base64url');
        const ix = await this.hub.open({ channel: 'chat', queue, customer: { name, email }, firstMessage: { text }, externalRef: tokenRef(token) });
        const c: VisitorChat = this.byId.get(ix.id) ?? { id: ix.id };
        this.byId.set(c.id, c);
        attach(c);
        send({ type: 'started', token, id: ix.id, state: this.hub.get(ix.id)?.state ?? ix.state, messages: ix.messages.map(wire) });
        return;
      }
      case 'resume': {
        const ix = typeof msg.token === 'string' && msg.token.length <= 100 ? this.hub.findByExternalRef(tokenRef(msg.token)) : undefined;
        if (!ix || ix.channel !== 'chat' || ix.state === 'closed') throw new InteractionError('CC_IX_BAD_TOKEN');
        const c: VisitorChat = this.byId.get(ix.id) ?? { id: ix.id };
        this.byId.set(c.id, c);
        attach(c);
        send({ type: 'resumed', id: ix.id, state: ix.state, messages: ix.messages.map(wire) });
        return;
      }
      case 'message': {
        if (!chat) throw new InteractionError('CC_IX_BAD_STATE', 'start a chat first');
        await this.hub.addCustomerMessage(chat.id, { text });
        return;
      }
      case 'close': {
        if (!chat) return;
        await this.hub.closeInteraction(chat.id, 'customer');
        return;
      }
      default:
        throw new InteractionError('CC_IX_BAD_STATE', 'unknown message type');
    }
  }

  private attach(chat: VisitorChat, socket: VisitorSocket): VisitorChat {
    if (chat.awayTimer) clearTimeout(chat.awayTimer);
    chat.awayTimer = undefined;
    if (chat.socket && chat.socket !== socket) chat.socket.close(4009, 'resumed elsewhere');
    chat.socket = socket;
    return chat;
  }

  private away(chat: VisitorChat): void {
    chat.socket = undefined;
    const minutes = interactionsConfig(this.config().interactions).chat.resumeMinutes;
    chat.awayTimer = setTimeout(() => {
      chat.awayTimer = undefined;
      if (!chat.socket) void this.hub.closeInteraction(chat.id, 'system').catch(() => undefined);
    }, minutes * 60_000);
    chat.awayTimer.unref();
  }

  private toVisitor(id: string, msg: object): void {
    const s = this.byId.get(id)?.socket;
    if (s && s.readyState === s.OPEN) s.send(JSON.stringify(msg));
  }

  private forget(chat: VisitorChat): void {
    if (chat.awayTimer) clearTimeout(chat.awayTimer);
    this.byId.delete(chat.id);
  }

  close(): void {
    for (const c of this.byId.values()) {
      if (c.awayTimer) clearTimeout(c.awayTimer);
      c.socket?.close(1001, 'box shutting down');
    }
    this.byId.clear();
  }
}

function short(v: unknown, max: number): string | undefined {
  return typeof v === 'string' && v.trim() ? v.trim().slice(0, max) : undefined;
}

function wire(m: InteractionMessage) {
  return { from: m.from, text: m.text, at: m.at };
}

export type { Interaction };
