// The loopback topology most whole-box tests share: a carrier trunk that calls in from
// 127.0.0.2 (any number goes through the dial plan) and an upstream trunk on 127.0.0.3
// reached by dialling 9 + number. Tests add their own extensions, trunks and settings.
export const CARRIER_IP = '127.0.0.2';
export const UPSTREAM_IP = '127.0.0.3';

export function carrierToUpstream(upstreamPort: number, extra: { trunks?: object[]; [key: string]: unknown } = {}): Record<string, unknown> {
  const { trunks = [], ...rest } = extra;
  return {
    trunks: [
      { name: 'carrier', kind: 'static', host: CARRIER_IP },
      { name: 'upstream', kind: 'static', host: UPSTREAM_IP, port: upstreamPort },
      ...trunks,
    ],
    dids: [{ number: '*', trunk: 'carrier', destination: 'dial:' }],
    dialPlan: [{ prefix: '9', trunk: 'upstream', strip: 1 }],
    ...rest,
  };
}
