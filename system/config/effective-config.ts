// Which configuration the box runs: a config file given at start (validated, then stored in
// LMDB with an audit event), else the document stored in LMDB, else the embedded defaults.
// A bad file or document is a ConfigError naming every problem; nothing is overwritten.
import { readFileSync } from 'node:fs';
import type { Store } from '../store/store.ts';
import { ConfigError, parseConfig } from './load.ts';
import type { BoxConfig } from './schema.ts';

export function readConfigFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError([`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`]);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ConfigError([`${path} is not valid JSON: ${(err as Error).message}`]);
  }
}

export async function effectiveConfig(store: Store, fileDoc?: { path: string; doc: unknown }): Promise<{ config: BoxConfig; source: string }> {
  if (fileDoc) {
    const config = parseConfig(fileDoc.doc);
    const before = store.tables.config.get('box-config');
    await store.transaction(() => {
      store.tables.config.put('box-config', fileDoc.doc);
      store.appendEvent('config-applied', { source: fileDoc.path, changed: JSON.stringify(before) !== JSON.stringify(fileDoc.doc) });
    });
    return { config, source: fileDoc.path };
  }
  const stored = store.tables.config.get('box-config');
  if (stored !== undefined) return { config: parseConfig(stored), source: 'lmdb' };
  return { config: parseConfig({}), source: 'defaults' };
}
