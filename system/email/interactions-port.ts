// The part of the interactions core (system/interactions/interaction-hub.ts) the email channel
// uses, as a structural type: email opens interactions and adds the customer's messages, and
// delivers what agents write. Kept here so the channel depends on four methods, not the hub.
export interface EmailInteraction {
  id: string;
  channel: 'chat' | 'email';
  queue: string;
  state: string;
  agent?: string;
  customer: { name?: string; email?: string; phone?: string };
  subject?: string;
  externalRef?: string;
}

export interface EmailInteractionMessage {
  seq: number;
  from: 'customer' | 'agent';
  agent?: string;
  text: string;
  html?: string;
  at: number;
}

export interface InteractionsPort {
  open(input: {
    channel: 'email';
    queue: string;
    customer: { name?: string; email?: string };
    subject?: string;
    firstMessage: { text: string; html?: string };
    externalRef?: string;
  }): Promise<EmailInteraction>;
  addCustomerMessage(id: string, msg: { text: string; html?: string; externalRef?: string }): Promise<void>;
  findByExternalRef(ref: string): EmailInteraction | undefined;
  on(event: 'agent-message', fn: (interaction: EmailInteraction, message: EmailInteractionMessage) => void): unknown;
  off(event: 'agent-message', fn: (interaction: EmailInteraction, message: EmailInteractionMessage) => void): unknown;
}
