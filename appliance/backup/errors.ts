// Coded errors of backup and restore (数据备份): in logs, event rows, status.json on the disk,
// API answers and the technician's table (`npm run error-codes`).
export const BackupErrorCodes = {
  CC_BACKUP_UNAVAILABLE: 'the box runs without the backup service (started outside the daemon)',
  CC_BACKUP_NO_TARGET: 'no backup disk attached: mount one under the mount directory with the marker file in its root',
  CC_BACKUP_UNKNOWN_TARGET: 'no attached backup disk by that name',
  CC_BACKUP_TARGET_GONE: 'the backup disk went away (unplugged or unmounted) during the backup; that backup is marked failed, earlier ones are untouched',
  CC_BACKUP_TARGET_FULL: 'the backup disk has no room for this backup; nothing was kept of it (free space, lower `keep`, or use a bigger disk)',
  CC_BACKUP_IO: 'reading or writing a backup failed (see the message); that backup is marked failed',
  CC_BACKUP_BUSY: 'a backup or verify is already running',
  CC_BACKUP_ABORTED: 'the backup was stopped (the box shut down)',
  CC_BACKUP_NOT_FOUND: 'no backup by that id on the disk',
  CC_BACKUP_NOT_GOOD: 'that backup did not complete (failed or interrupted) and cannot be restored',
  CC_BACKUP_BAD_MANIFEST: 'the backup has no readable manifest',
  CC_BACKUP_VERIFY_FAILED: 'a file of the backup is missing or does not match its checksum in the manifest',
  CC_BACKUP_BOX_RUNNING: 'the box is running on that data directory: stop it before restoring',
  CC_BACKUP_BAD_SCHEDULE: 'the backup schedule is not a valid cron expression; scheduled backups are off',
  CC_BACKUP_BAD_CONFIG: 'the configuration in the backup does not validate on this box',
  CC_BACKUP_NO_DATA: 'the data directory has no box database to restore the configuration into',
  CC_BACKUP_SOURCE_MISSING: 'warning: a recording in the index was not on the box\'s disk; the backup is good without it',
  CC_BACKUP_SOURCE_CHANGED: 'warning: a recording no longer matched its index checksum; it was backed up as it is now',
} as const;
export type BackupErrorCode = keyof typeof BackupErrorCodes;

export class BackupError extends Error {
  constructor(readonly code: BackupErrorCode, message: string, readonly details?: Record<string, unknown>) {
    super(message);
    this.name = 'BackupError';
  }
}

/** errno codes that mean the disk is no longer there (or no longer usable). */
const GONE_ERRNOS = new Set(['EIO', 'ENODEV', 'ENXIO', 'ESHUTDOWN', 'EROFS', 'ENOTCONN', 'ESTALE']);
const FULL_ERRNOS = new Set(['ENOSPC', 'EDQUOT', 'EFBIG']);

/**
 * Turn a failure during a backup into a coded error. `targetPresent` says whether the disk is
 * still mounted with its marker (checked after the failure): an ENOENT on a vanished disk is
 * the disk going away, not a missing file.
 */
export function classifyBackupFailure(err: unknown, targetPresent: boolean): BackupError {
  if (err instanceof BackupError) return err;
  const errno = (err as NodeJS.ErrnoException)?.code ?? '';
  const msg = (err as Error)?.message ?? String(err);
  if (!targetPresent || GONE_ERRNOS.has(errno)) return new BackupError('CC_BACKUP_TARGET_GONE', `backup disk gone: ${msg}`, { errno });
  if (FULL_ERRNOS.has(errno) || /MDB_MAP_FULL|No space left/i.test(msg)) return new BackupError('CC_BACKUP_TARGET_FULL', `backup disk full: ${msg}`, { errno });
  return new BackupError('CC_BACKUP_IO', msg, { errno });
}
