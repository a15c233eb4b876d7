// Templates in flow documents: `{name}` stands for a call variable (or a built-in: caller,
// dialled, callId). Pure string work; unknown names become the empty string.

const PLACEHOLDER = /\{([a-zA-Z_][a-zA-Z0-9_]{0,31})\}/g;

export function render(template: string, lookup: (name: string) => string | undefined, encode?: (value: string) => string): string {
  return template.replace(PLACEHOLDER, (_, name: string) => {
    const value = lookup(name) ?? '';
    return encode ? encode(value) : value;
  });
}

export function hasPlaceholders(template: string): boolean {
  return new RegExp(PLACEHOLDER.source).test(template);
}

/** "billing:3, fr:2" -> skill requirements (levels 1..10); undefined when malformed. A part
 *  without a name (":3", from an empty variable) is left out. */
export function parseSkills(text: string): { skill: string; minLevel: number }[] | undefined {
  const out: { skill: string; minLevel: number }[] = [];
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    if (/^:[0-9]{0,2}$/.test(part)) continue;
    const m = /^([a-zA-Z0-9_-]{1,32})(?::([0-9]{1,2}))?$/.exec(part);
    if (!m) return undefined;
    const minLevel = m[2] === undefined ? 1 : Number(m[2]);
    if (minLevel < 1 || minLevel > 10) return undefined;
    out.push({ skill: m[1], minLevel });
  }
  return out;
}

/** A queue priority 0..100 from text; undefined when it is not one. */
export function parsePriority(text: string): number | undefined {
  if (!/^[0-9]{1,3}$/.test(text.trim())) return undefined;
  const n = Number(text.trim());
  return n <= 100 ? n : undefined;
}
