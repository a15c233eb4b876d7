// The `email` section of the box configuration: the SMTP listener for inbound mail, the
// addresses it accepts and the queue each one feeds, the networks allowed to deliver, the
// relay replies go out through, and the limits on stored attachments and delivery retries.
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

const Port = Type.Integer({ minimum: 1, maximum: 65535 });
const Address = Type.String({ pattern: '^[^\\s@<>]{1,64}@[^\\s@<>]{1,253}$' });
const Cidr = Type.String({ pattern: '^[0-9a-fA-F:.]{2,45}(/[0-9]{1,3})?$' });

export const EmailConfigSchema = Type.Object({
  listener: Type.Object({
    /** Accept inbound mail on the LAN (off: no SMTP port is opened). */
    enabled: Type.Boolean({ default: false }),
    host: Type.String({ default: '0.0.0.0' }),
    port: Type.Integer({ minimum: 1, maximum: 65535, default: 2525 }),
    /** Largest message accepted (advertised as SIZE; bigger ones get 552). */
    maxMessageBytes: Type.Integer({ minimum: 1024, maximum: 100 * 1024 * 1024, default: 10 * 1024 * 1024 }),
    /** Name the server gives in its greeting and in the Message-IDs of replies. */
    hostname: Type.String({ pattern: '^[a-zA-Z0-9.-]{1,253}$', default: 'callcenter.box' }),
  }, { default: {} }),
  /** Addresses the box accepts mail for (case-insensitive), each routed to a queue; any other gets 550. */
  addresses: Type.Array(Type.Object({ address: Address, queue: Type.String({ pattern: '^[a-zA-Z0-9_-]{1,32}$' }) }), { default: [], maxItems: 200 }),
  /** Client networks allowed to deliver (CIDR or single address); others are refused at connect. */
  allowedNetworks: Type.Array(Cidr, { default: ['127.0.0.0/8', '::1/128', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'], maxItems: 100 }),
  /** The SMTP relay replies go out through (absent: replies fail with CC_EMAIL_NO_RELAY). */
  relay: Type.Optional(Type.Object({
    host: Type.String({ minLength: 1, maxLength: 253 }),
    port: Port,
    /** TLS from the first byte (port 465); otherwise STARTTLS when the relay offers it. */
    secure: Type.Boolean({ default: false }),
    auth: Type.Optional(Type.Object({ user: Type.String({ maxLength: 256 }), pass: Type.String({ maxLength: 256 }) })),
    /** From address of replies when the thread's own address is not known. */
    from: Address,
    /** Attempts per reply before it is given up (backoff 5 s, 30 s, 2 min, 10 min, 30 min...). */
    maxAttempts: Type.Integer({ minimum: 1, maximum: 20, default: 6 }),
  })),
  /** Attachments kept per message (beyond it, and above the size, they stay only in the raw message). */
  maxAttachments: Type.Integer({ minimum: 0, maximum: 100, default: 20 }),
  maxAttachmentBytes: Type.Integer({ minimum: 0, maximum: 100 * 1024 * 1024, default: 5 * 1024 * 1024 }),
}, { default: {} });

export type EmailConfig = Static<typeof EmailConfigSchema>;

/** The section with its defaults (the box config leaves it out when the document has none). */
export function emailConfig(section: EmailConfig | undefined): EmailConfig {
  // Value.Default, not Value.Create: Create returns the root's `default: {}` as is, without the fields' defaults.
  return section ?? (Value.Default(EmailConfigSchema, {}) as EmailConfig);
}
