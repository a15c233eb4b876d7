// The last backup's outcome as a reading for the alert rules: the backup service keeps its
// last run in the config table (`backup:last`, appliance/backup); a failed run (disk pulled
// out, disk full, I/O) reads 0 and raises CC_MON_BACKUP_FAILED, the next good one reads 1 and
// clears it. No backup yet: no reading.
import type { Store } from '../../system/store/store.ts';
import type { Reading } from './thresholds.ts';

export interface LastBackup {
  ok: boolean;
  target?: string;
  code?: string;
}

export function backupReadings(last: LastBackup | undefined): Reading[] {
  if (!last || typeof last.ok !== 'boolean') return [];
  return [{ metric: 'backupOk', subject: '', value: last.ok ? 1 : 0 }];
}

export function lastBackup(store: Store): LastBackup | undefined {
  return store.tables.config.get('backup:last') as LastBackup | undefined;
}
