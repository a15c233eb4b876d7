// Which inbound mail the box takes, as pure decisions: a recipient is accepted only when it is
// one of the configured addresses (the queue it feeds comes with it), and a client only when
// its address is inside one of the allowed networks.
import { BlockList, isIP } from 'node:net';

export interface AddressRoute {
  address: string;
  queue: string;
}

/** The configured route of a recipient address (case-insensitive), or undefined (550). */
export function routeRecipient(recipient: string, addresses: readonly AddressRoute[]): AddressRoute | undefined {
  const want = recipient.trim().replace(/^<|>$/g, '').toLowerCase();
  if (!want) return undefined;
  return addresses.find((a) => a.address.toLowerCase() === want);
}

/** A matcher for the allowed client networks ('10.0.0.0/8', '::1/128' or a single address). */
export function networkMatcher(networks: readonly string[]): (address: string) => boolean {
  const list = new BlockList();
  for (const n of networks) {
    const [base, bits] = n.split('/');
    const family = isIP(base ?? '');
    if (!family) continue;
    const type = family === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(base!, type);
    else {
      const prefix = Number(bits);
      if (Number.isInteger(prefix) && prefix >= 0 && prefix <= (family === 6 ? 128 : 32)) list.addSubnet(base!, prefix, type);
    }
  }
  return (address: string) => {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    const a = mapped ? mapped[1]! : address;
    const family = isIP(a);
    if (!family) return false;
    return list.check(a, family === 6 ? 'ipv6' : 'ipv4');
  };
}
