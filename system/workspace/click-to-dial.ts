// Click-to-dial for desk-phone agents (外呼): the box asks the agent's registered phone to place
// a call by an out-of-dialog REFER (Refer-To: the number at the box), as CTI systems do with
// SIP desk phones. The phone then calls the number through the box like any call it dials:
// authenticated as its extension and routed by the dial plan (another extension, or a trunk).
// Resolves with the phone's final answer (202 when it took the request). Imports: sip.
import { randomBytes } from 'node:crypto';
import type { SipEndpoint } from '../sip/endpoint.ts';
import type { Remote, SipRequest } from '../sip/message.ts';

export interface ClickToDialRequest {
  /** The phone's binding (registrar): where to send the REFER. */
  binding: { contact: string; remote: Remote };
  extension: string;
  number: string;
  publicAddress: string;
}

/** The REFER that asks `extension`'s phone to call `number` (pure). */
export function clickToDialRefer(endpoint: Pick<SipEndpoint, 'via' | 'contact'>, r: ClickToDialRequest, ids = { tag: randomBytes(6).toString('hex'), callId: randomBytes(12).toString('hex') }): SipRequest {
  const protocol = r.binding.remote.protocol;
  // The box as the phone reaches it (host, port, transport), with the number as its user.
  const at = (user: string) => endpoint.contact(protocol).uri.replace(/^sip:/, `sip:${user}@`);
  return {
    method: 'REFER',
    uri: r.binding.contact,
    version: '2.0',
    headers: {
      via: [endpoint.via(protocol)],
      from: { uri: `sip:${r.extension}@${r.publicAddress}`, params: { tag: ids.tag } },
      to: { uri: `sip:${r.extension}@${r.publicAddress}`, params: {} },
      'call-id': `${ids.callId}@${r.publicAddress}`,
      cseq: { seq: 1, method: 'REFER' },
      contact: [endpoint.contact(protocol)],
      'max-forwards': '70',
      'refer-to': `<${at(r.number)}>`,
      'referred-by': `<${at(r.extension)}>`,
    },
    content: '',
  };
}

/** Send the REFER; the phone's final status (408 when it never answers). */
export function sendClickToDial(endpoint: SipEndpoint, r: ClickToDialRequest): Promise<{ status: number; reason: string }> {
  return new Promise((resolve) => {
    endpoint.sendRequest(clickToDialRefer(endpoint, r), r.binding.remote, (rs) => {
      if (rs.status >= 200) resolve({ status: rs.status, reason: rs.reason });
    });
  });
}
