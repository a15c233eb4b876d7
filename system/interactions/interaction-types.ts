// Plain-data types of the interactions core (system/interactions): one Interaction per chat or
// email conversation, routed by the ACD's queues and strategies, with its message log. Types
// only: the channels (chat: system/interactions/chat-*, email: system/email) and the API
// routes share them.

export type InteractionChannel = 'chat' | 'email';

export const INTERACTION_CHANNELS: readonly InteractionChannel[] = ['chat', 'email'];

/** queued: waiting for an agent; offered: one agent is asked (accept/decline/timeout);
 *  active: an agent has it; closed: done (an email reply may reopen it, see the config). */
export type InteractionState = 'queued' | 'offered' | 'active' | 'closed';

export interface InteractionCustomer {
  name?: string;
  email?: string;
  phone?: string;
}

export interface InteractionMessage {
  /** Position in the interaction's message log (0 = the first message). */
  seq: number;
  from: 'customer' | 'agent';
  /** The agent who wrote it (from: 'agent'). */
  agent?: string;
  text: string;
  html?: string;
  /** The channel's own id of the message (an email Message-ID), for threading. */
  externalRef?: string;
  at: number;
}

export interface Interaction {
  id: string;
  channel: InteractionChannel;
  queue: string;
  state: InteractionState;
  /** The agent it is offered to or handled by. */
  agent?: string;
  customer: InteractionCustomer;
  subject?: string;
  /** The channel's id of the conversation (an email thread's first Message-ID). */
  externalRef?: string;
  createdAt: number;
  /** When it last entered the queue (waiting order and wait time count from here). */
  queuedAt: number;
  /** When it was offered (state offered) or accepted (state active). */
  since?: number;
  closedAt?: number;
  /** Who closed it: an agent id, 'customer' or 'system'. */
  closedBy?: string;
  /** Agents who declined it or let the offer time out (not offered it again while queued). */
  skipped: string[];
  messages: InteractionMessage[];
}

export interface OpenInteractionInput {
  channel: InteractionChannel;
  queue: string;
  customer: InteractionCustomer;
  subject?: string;
  firstMessage: { text: string; html?: string };
  externalRef?: string;
}

export interface CustomerMessageInput {
  text: string;
  html?: string;
  externalRef?: string;
}

/** How many interactions of each channel an agent may have at once (calls: 1 is the phone). */
export interface ChannelCapacity {
  calls: number;
  chats: number;
  emails: number;
}

/** Per channel and per queue counts for supervision and the wallboard. */
export interface InteractionCounts {
  channel: InteractionChannel;
  queue: string;
  queued: number;
  offered: number;
  active: number;
  longestWaitSec: number;
}
