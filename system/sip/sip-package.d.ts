// Type declarations for the parts of the untyped `sip` npm package this project uses.
// Only system/sip/codec.ts may import the package; everything else uses our own types.
declare module 'sip' {
  export function parse(data: string | Buffer): any;
  export function stringify(message: any): string;
  export function parseUri(uri: string): any;
  export function stringifyUri(uri: any): string;
  export function parseAOR(data: { s: string; i: number }): any;
  export function stringifyAuthHeader(header: any): string;
}
