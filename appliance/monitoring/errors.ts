// Coded alerts and errors of monitoring, system logs and the technician console (性能监控,
// 运行日志): in alert rows, logs, API answers and the technician's table (`npm run error-codes`).
export const MonitoringErrorCodes = {
  CC_MON_CPU_HIGH: 'alert: CPU load above its limit (monitoring.thresholds.cpuLoadPct); calls may stutter — look for a runaway process or too many recorded calls',
  CC_MON_CPU_HOT: 'alert: CPU temperature above its limit; check the fan, the vents and the room',
  CC_MON_MEMORY_HIGH: 'alert: memory in use above its limit; the box may start refusing calls',
  CC_MON_DISK_FULL: 'alert: a file system is nearly full; recordings stop when the disk is full — free space or lower retention',
  CC_MON_DISK_SMART: 'alert: a disk reports a SMART failure; back up now and replace the disk',
  CC_MON_LINK_DOWN: 'alert: the network link of the default interface is down; check the cable and the switch port',
  CC_MON_MOS_LOW: 'alert: call quality (mean MOS) on a trunk below its limit; check the carrier link and the LAN',
  CC_MON_LOSS_HIGH: 'alert: packet loss on a trunk above its limit',
  CC_MON_JITTER_HIGH: 'alert: jitter on a trunk above its limit',
  CC_MON_SIP_SLOW: 'alert: a trunk answers SIP requests slowly (95th percentile above its limit) or not at all',
  CC_MON_BACKUP_FAILED: 'alert: the last backup failed (its code is in the backup status and the log); it clears when a backup succeeds',
  CC_MON_TRUNK_CONNECT_FAILED: 'alert: the box could not open a connection to a trunk (TCP refused or unreachable, TLS handshake failed, certificate not trusted or not the pinned one) several times in a row; the sip-connection-failed events and the log say why; it clears when a connection to the trunk succeeds',
  CC_MON_UNAVAILABLE: 'the box runs without the monitoring service (started outside the daemon)',
  CC_MON_UNKNOWN_METRIC: 'an injected reading names no known metric',
  CC_LOG_BAD_FILTER: 'a log filter is invalid (level, time range or text)',
  CC_CONSOLE_FORBIDDEN: 'the technician console is for the technician role only',
  CC_CONSOLE_START_FAILED: 'the console could not be started (pseudo-terminal)',
  CC_CONSOLE_NOT_CONFIRMED: 'factory reset was not confirmed; nothing was changed',
  CC_CONSOLE_BOX_RUNNING: 'the box is running on that data directory: stop it before a factory reset',
} as const;
export type MonitoringErrorCode = keyof typeof MonitoringErrorCodes;
