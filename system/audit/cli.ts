// The audit log from the box's shell (technician) or on a copied data directory:
//   node --import tsx system/audit/cli.ts verify --data <dir>   exit 0 intact, 3 broken
//   node --import tsx system/audit/cli.ts list --data <dir> [--after SEQ] [--limit N]
// Reads the LMDB environment under <dir> (works while the box runs: LMDB allows readers in
// other processes); writes nothing.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Store } from '../store/store.ts';
import { listAudit } from './audit-log.ts';
import { verifyAudit } from './verify.ts';

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { data: { type: 'string' }, after: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' } },
  });
  const cmd = positionals[0];
  const dataDir = resolve(values.data ?? process.env.CC_DATA_DIR ?? './data');
  if (!cmd || !['verify', 'list'].includes(cmd)) {
    console.error('usage: audit verify|list --data <dir> [--after SEQ] [--limit N] [--json]');
    return 64;
  }
  if (!existsSync(join(dataDir, 'box.lmdb'))) {
    console.error(`no box database under ${dataDir}`);
    return 66;
  }
  const store = new Store(dataDir);
  try {
    if (cmd === 'list') {
      for (const row of listAudit(store, { afterSeq: Number(values.after ?? 0), limit: Number(values.limit ?? 500) })) console.log(JSON.stringify(row));
      return 0;
    }
    const result = verifyAudit(store);
    if (values.json) console.log(JSON.stringify(result, null, 2));
    else if (result.ok) console.log(`audit chain intact: ${result.rows} rows, head #${result.head?.seq ?? 0} ${result.head?.hash ?? ''}`);
    else {
      console.log(`CC_AUDIT_CHAIN_BROKEN: ${result.rows} rows, ${result.breaks.length} break(s)`);
      for (const b of result.breaks) console.log(`  row ${b.seq}: ${b.reason}: ${b.message}`);
    }
    return result.ok ? 0 : 3;
  } finally {
    await store.close();
  }
}

process.exitCode = await main();
