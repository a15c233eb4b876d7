// Backups from the box's shell (the technician, with the box stopped for a restore):
//   node --import tsx appliance/backup/cli.ts list    --disk <mounted disk dir>
//   node --import tsx appliance/backup/cli.ts verify  --from <disk>/callcenter-backups/<id>
//   node --import tsx appliance/backup/cli.ts restore --from <backup dir> --data <data dir>
//        [--recordings <dir>] [--config-only] [--dry-run] [--force] [--json]
// Exit codes: 0 done, 1 coded failure (printed with its code), 64 usage.
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { BackupError } from './errors.ts';
import { BACKUP_ROOT, listBackups, verifyBackupDir } from './manifest.ts';
import { restore, type RestorePlan } from './restore.ts';

const USAGE = `usage:
  cli.ts list    --disk <dir>
  cli.ts verify  --from <backup dir>
  cli.ts restore --from <backup dir> --data <data dir> [--recordings <dir>] [--config-only] [--dry-run] [--force] [--json]`;

function printPlan(p: RestorePlan): void {
  console.log(`${p.dryRun ? 'DRY RUN — nothing written. ' : ''}${p.mode === 'whole' ? 'Whole-box' : 'Configuration-only'} restore of backup ${p.backup.id} (${p.backup.kind}, made ${p.backup.createdAt} on ${p.backup.hostname} by ${p.backup.by}) into ${p.dataDir}`);
  if (p.boxRunning) console.log('  the box is running on this data directory: stop it before the real restore');
  const tables = new Set([...Object.keys(p.current?.tables ?? {}), ...Object.keys(p.after.tables)]);
  console.log('  rows per table (now -> after):');
  for (const t of tables) console.log(`    ${t.padEnd(14)} ${String(p.current?.tables[t] ?? '-').padStart(8)} -> ${p.after.tables[t] ?? '-'}`);
  if (p.mode === 'whole') console.log(`  users now: ${p.current?.users.join(', ') || '-'}; after: ${p.after.users.join(', ') || '-'}`);
  console.log(`  configuration: ${p.config.changed ? `${p.config.changes.length} change(s)` : 'unchanged'}`);
  for (const c of p.config.changes.slice(0, 40)) console.log(`    ${c.path}: ${JSON.stringify(c.before)} -> ${JSON.stringify(c.after)}`);
  if (p.recordings) {
    const r = p.recordings;
    console.log(`  recordings: ${r.total} in the backup, ${r.toCopy} to copy (${r.toCopyBytes} bytes), ${r.alreadyPresent} already in place, into ${r.recordingDir}${r.pathsRewritten ? `; ${r.pathsRewritten} index path(s) rewritten` : ''}`);
  }
  for (const m of p.movedAside) console.log(`  kept aside: ${m}`);
  if (p.applied) console.log('done. Start the box (systemctl start callcenter, or the daemon); if CC_CONFIG names a config file, it is applied over the restored configuration at start.');
}

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      from: { type: 'string' }, data: { type: 'string' }, disk: { type: 'string' }, recordings: { type: 'string' },
      'config-only': { type: 'boolean' }, 'dry-run': { type: 'boolean' }, force: { type: 'boolean' }, json: { type: 'boolean' },
    },
  });
  const cmd = positionals[0];
  try {
    if (cmd === 'list' && values.disk) {
      const list = listBackups(join(resolve(values.disk), BACKUP_ROOT));
      if (values.json) console.log(JSON.stringify(list, null, 2));
      else for (const b of list) console.log(`${b.id}  ${b.state.padEnd(11)} ${b.kind ?? ''} ${b.recordings ?? ''}${b.error ? `  ${b.error.code}: ${b.error.message}` : ''}`);
      return 0;
    }
    if (cmd === 'verify' && values.from) {
      const dir = resolve(values.from);
      const v = await verifyBackupDir(dirname(dir), dir);
      console.log(values.json ? JSON.stringify(v, null, 2) : v.ok ? `backup ${v.id} verifies: ${v.files} files, ${v.bytes} bytes` : `CC_BACKUP_VERIFY_FAILED: ${v.problems.join('; ')}`);
      return v.ok ? 0 : 1;
    }
    if (cmd === 'restore' && values.from && values.data) {
      const plan = await restore({
        from: values.from, dataDir: values.data, recordingDir: values.recordings,
        configOnly: values['config-only'], dryRun: values['dry-run'], force: values.force, by: process.env.SUDO_USER ?? process.env.USER ?? 'cli',
      });
      if (values.json) console.log(JSON.stringify(plan, null, 2));
      else printPlan(plan);
      return 0;
    }
  } catch (err) {
    if (err instanceof BackupError) {
      console.error(`${err.code}: ${err.message}`);
      return 1;
    }
    throw err;
  }
  console.error(USAGE);
  return 64;
}

process.exitCode = await main();
