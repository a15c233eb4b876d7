// The HTTP Range header of a playback request (RFC 9110 §14), as a pure function: one byte
// range of a resource of known length, or why it cannot be served. Several ranges in one
// header (multipart/byteranges) are answered with the first range only, which RFC 9110
// allows (a server may ignore or coalesce ranges) and every audio element accepts.
export type RangeAnswer =
  | { kind: 'whole' }
  | { kind: 'partial'; start: number; end: number }
  | { kind: 'unsatisfiable' };

/** Inclusive `start`-`end` of a `length`-byte resource for `header` (undefined: no Range header). */
export function parseRange(header: string | undefined, length: number): RangeAnswer {
  if (header === undefined) return { kind: 'whole' };
  const m = /^\s*bytes\s*=\s*(.*)$/i.exec(header);
  // An unknown unit or a malformed header is ignored (the whole resource), as RFC 9110 says.
  if (!m) return { kind: 'whole' };
  const first = m[1].split(',')[0].trim();
  const spec = /^(\d*)\s*-\s*(\d*)$/.exec(first);
  if (!spec || (spec[1] === '' && spec[2] === '')) return { kind: 'whole' };
  if (spec[1] === '') {
    // A suffix: the last N bytes.
    const n = Number(spec[2]);
    if (n === 0 || length === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, length - n), end: length - 1 };
  }
  const start = Number(spec[1]);
  if (!Number.isSafeInteger(start) || start >= length) return { kind: 'unsatisfiable' };
  const end = spec[2] === '' ? length - 1 : Math.min(Number(spec[2]), length - 1);
  if (end < start) return { kind: 'whole' }; // syntactically invalid (last < first): ignored
  return { kind: 'partial', start, end };
}
