// Prometheus text exposition format (version 0.0.4), written by hand: one `# HELP` and one
// `# TYPE` line per family, then its samples `name{label="value",…} number`, label values
// escaped (backslash, double quote, newline), numbers as Go's text format expects (NaN,
// +Inf, -Inf). Families are written in the order added; a family without samples is left out.
export type MetricType = 'gauge' | 'counter';

export interface Sample {
  labels?: Record<string, string>;
  value: number;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const escapeHelp = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

export class PromText {
  private readonly parts: string[] = [];
  private readonly names = new Set<string>();

  add(name: string, type: MetricType, help: string, samples: Sample[] | number | undefined): this {
    if (!NAME.test(name)) throw new Error(`bad metric name ${name}`);
    if (this.names.has(name)) throw new Error(`metric ${name} written twice`);
    const list = typeof samples === 'number' ? [{ value: samples }] : samples ?? [];
    if (!list.length) return this;
    this.names.add(name);
    this.parts.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`);
    for (const s of list) {
      const labels = Object.entries(s.labels ?? {});
      for (const [k] of labels) if (!LABEL.test(k)) throw new Error(`bad label name ${k}`);
      const l = labels.length ? `{${labels.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}` : '';
      this.parts.push(`${name}${l} ${formatValue(s.value)}`);
    }
    return this;
  }

  gauge(name: string, help: string, samples: Sample[] | number | undefined): this {
    return this.add(name, 'gauge', help, samples);
  }

  counter(name: string, help: string, samples: Sample[] | number | undefined): this {
    return this.add(name, 'counter', help, samples);
  }

  toString(): string {
    return `${this.parts.join('\n')}\n`;
  }
}
