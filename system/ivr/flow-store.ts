// Published IVR flows in LMDB (table ivr-flows, key [name, version]). Publishing writes a new
// version with an event row and never touches an old one, so a call that started in version 3
// keeps running version 3 while new calls get version 4. Reads are synchronous (LMDB), so a
// call can be admitted or refused (404) before it is answered.
import type { Store } from '../store/store.ts';
import type { Flow, PublishedFlow } from './flow-schema.ts';

export interface FlowSummary {
  name: string;
  version: number;
  publishedAt: number;
  publishedBy: string;
  versions: number;
  description?: string;
}

const LAST = Number.MAX_SAFE_INTEGER;

export class IvrFlows {
  constructor(private readonly store: Store) {}

  /** The newest published version of `name`. */
  latest(name: string): PublishedFlow | undefined {
    for (const { value } of this.store.tables.ivrFlows.getRange({ start: [name, LAST], end: [name, 0], reverse: true, limit: 1 })) return value as PublishedFlow;
    return undefined;
  }

  get(name: string, version: number): PublishedFlow | undefined {
    return this.store.tables.ivrFlows.get([name, version]) as PublishedFlow | undefined;
  }

  versions(name: string): Omit<PublishedFlow, 'flow'>[] {
    return [...this.store.tables.ivrFlows.getRange({ start: [name, 0], end: [name, LAST] })].map(({ value }) => {
      const { flow: _flow, ...meta } = value as PublishedFlow;
      return meta;
    });
  }

  list(): FlowSummary[] {
    const out = new Map<string, FlowSummary>();
    for (const { value } of this.store.tables.ivrFlows.getRange()) {
      const p = value as PublishedFlow;
      const prev = out.get(p.name);
      out.set(p.name, { name: p.name, version: p.version, publishedAt: p.publishedAt, publishedBy: p.publishedBy, versions: (prev?.versions ?? 0) + 1, description: p.flow.description });
    }
    return [...out.values()];
  }

  /** Store `flow` (already validated) as the next version of its name. */
  async publish(flow: Flow, by: string, now = Date.now()): Promise<PublishedFlow> {
    return this.store.transaction(() => {
      const version = (this.latest(flow.name)?.version ?? 0) + 1;
      const published: PublishedFlow = { name: flow.name, version, publishedAt: now, publishedBy: by, flow };
      this.store.tables.ivrFlows.put([flow.name, version], published);
      this.store.appendEvent('ivr-flow-published', { flow: flow.name, version, by }, now);
      return published;
    });
  }
}
