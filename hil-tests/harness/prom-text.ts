// A strict parser of the Prometheus text exposition format (0.0.4) for tests: every line
// must be a `# HELP`, a `# TYPE`, a comment or a sample of the grammar
//   name ["{" label="value" {"," label="value"} [","] "}"] " " value [" " timestamp]
// with escaped label values; a family's TYPE comes before its samples, at most once, and its
// samples are contiguous; no series twice; the text ends with a newline. Throws on the first
// violation with the line number.
export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface PromFamily {
  name: string;
  type: string;
  help?: string;
  samples: PromSample[];
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

function parseNumber(s: string, where: string): number {
  if (s === 'NaN') return NaN;
  if (s === '+Inf' || s === 'Inf') return Infinity;
  if (s === '-Inf') return -Infinity;
  if (!/^[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?$/.test(s)) throw new Error(`${where}: bad number ${JSON.stringify(s)}`);
  return Number(s);
}

/** The family a sample belongs to (histogram/summary suffixes go to their base name). */
function familyOf(name: string, families: Map<string, PromFamily>): string {
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (name.endsWith(suffix)) {
      const base = name.slice(0, -suffix.length);
      const f = families.get(base);
      if (f && (f.type === 'histogram' || f.type === 'summary')) return base;
    }
  }
  return name;
}

export function parsePromText(text: string): Map<string, PromFamily> {
  if (!text.endsWith('\n')) throw new Error('the text must end with a newline');
  const families = new Map<string, PromFamily>();
  const series = new Set<string>();
  const closed = new Set<string>();
  let current: string | undefined;
  const lines = text.slice(0, -1).split('\n');
  lines.forEach((line, i) => {
    const where = `line ${i + 1}`;
    const family = (name: string) => {
      let f = families.get(name);
      if (!f) families.set(name, (f = { name, type: 'untyped', samples: [] }));
      return f;
    };
    if (line.startsWith('#')) {
      const m = new RegExp(`^# (HELP|TYPE) (${NAME})(?: (.*))?$`).exec(line);
      if (!m) return; // a plain comment
      const [, kind, name, rest = ''] = m as unknown as [string, string, string, string | undefined];
      if (closed.has(name!) || (current !== undefined && current !== name && families.get(name!)?.samples.length)) throw new Error(`${where}: ${kind} of ${name} after its samples`);
      const f = family(name!);
      if (kind === 'TYPE') {
        if (!TYPES.has(rest)) throw new Error(`${where}: unknown type ${JSON.stringify(rest)}`);
        if (f.samples.length || (f as { typed?: boolean }).typed) throw new Error(`${where}: TYPE of ${name} twice or after samples`);
        f.type = rest;
        (f as { typed?: boolean }).typed = true;
      } else {
        if (f.help !== undefined) throw new Error(`${where}: HELP of ${name} twice`);
        f.help = rest.replace(/\\n/g, '\n').replace(/\\\\/g, '\\');
      }
      return;
    }
    if (line === '') throw new Error(`${where}: empty line`);
    const nm = new RegExp(`^${NAME}`).exec(line);
    if (!nm) throw new Error(`${where}: no metric name`);
    const name = nm[0];
    let pos = name.length;
    const labels: Record<string, string> = {};
    if (line[pos] === '{') {
      pos++;
      while (line[pos] !== '}') {
        const ln = LABEL_NAME.exec(line.slice(pos));
        if (!ln) throw new Error(`${where}: bad label name at ${pos}`);
        pos += ln[0].length;
        if (line[pos] !== '=' || line[pos + 1] !== '"') throw new Error(`${where}: expected ="`);
        pos += 2;
        let value = '';
        for (;;) {
          const c = line[pos];
          if (c === undefined) throw new Error(`${where}: unterminated label value`);
          if (c === '"') break;
          if (c === '\\') {
            const e = line[pos + 1];
            if (e === 'n') value += '\n';
            else if (e === '\\' || e === '"') value += e;
            else throw new Error(`${where}: bad escape \\${e}`);
            pos += 2;
            continue;
          }
          value += c;
          pos++;
        }
        pos++;
        if (ln[0] in labels) throw new Error(`${where}: label ${ln[0]} twice`);
        labels[ln[0]] = value;
        if (line[pos] === ',') pos++;
        else if (line[pos] !== '}') throw new Error(`${where}: expected , or }`);
      }
      pos++;
    }
    if (line[pos] !== ' ') throw new Error(`${where}: expected a space before the value`);
    const rest = line.slice(pos + 1).split(' ');
    if (rest.length > 2 || rest.some((p) => p === '')) throw new Error(`${where}: expected value [timestamp]`);
    const value = parseNumber(rest[0]!, where);
    if (rest[1] !== undefined && !/^-?[0-9]+$/.test(rest[1])) throw new Error(`${where}: bad timestamp`);
    const fam = familyOf(name, families);
    if (current !== undefined && current !== fam) closed.add(current);
    if (closed.has(fam)) throw new Error(`${where}: samples of ${fam} are not contiguous`);
    current = fam;
    const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (series.has(key)) throw new Error(`${where}: series ${key} twice`);
    series.add(key);
    family(fam).samples.push({ name, labels, value });
  });
  return families;
}

/** The value of one series (labels must match exactly), or undefined. */
export function promValue(families: Map<string, PromFamily>, name: string, labels: Record<string, string> = {}): number | undefined {
  const want = JSON.stringify(Object.entries(labels).sort());
  return families.get(name)?.samples.find((s) => s.name === name && JSON.stringify(Object.entries(s.labels).sort()) === want)?.value;
}
