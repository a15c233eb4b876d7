// The A/B root slots of the appliance image and how systemd-boot chooses between them. The
// disk has an EFI system partition (esp), two root slots (root-a, root-b) and the data
// partition (data). Each slot has a boot entry on the ESP (loader/entries/cc-<slot>.conf)
// with its own kernel and initrd (/cc-<slot>/). loader.conf's `default` names the committed
// slot; a freshly written slot is tried once with the one-shot boot entry (EFI variable
// LoaderEntryOneShot), so a box that does not come up healthy boots the committed slot
// again at its next start. Which slot is running is read off the kernel command line. Pure.

export type Slot = 'a' | 'b';

export const SLOT_PARTLABEL: Record<Slot, string> = { a: 'root-a', b: 'root-b' };
export const otherSlot = (s: Slot): Slot => (s === 'a' ? 'b' : 'a');
export const entryName = (s: Slot) => `cc-${s}.conf`;

/** The slot the box booted, from /proc/cmdline (root=PARTLABEL=root-a), or undefined off the appliance. */
export function runningSlot(cmdline: string): Slot | undefined {
  const m = /(?:^|\s)root=PARTLABEL=root-([ab])(?:\s|$)/.exec(cmdline);
  return m ? (m[1] as Slot) : undefined;
}

/** The committed slot named by loader.conf's `default` line. */
export function committedSlot(loaderConf: string): Slot | undefined {
  const m = /^\s*default\s+cc-([ab])\.conf\s*$/m.exec(loaderConf);
  return m ? (m[1] as Slot) : undefined;
}

export function loaderConf(committed: Slot): string {
  return `# systemd-boot: the committed root slot boots by default; an update is tried once first.\ndefault ${entryName(committed)}\ntimeout 2\neditor no\nconsole-mode keep\n`;
}

export interface EntryOptions {
  version: string;
  /** Kernel arguments after root=... ro. */
  cmdline: string;
}

/** The systemd-boot entry (Boot Loader Specification type #1) of a slot. */
export function bootEntry(slot: Slot, o: EntryOptions): string {
  return [
    `title Call center ${o.version} (slot ${slot.toUpperCase()})`,
    `version ${o.version}`,
    `linux /cc-${slot}/vmlinuz`,
    `initrd /cc-${slot}/initrd.img`,
    `options root=PARTLABEL=${SLOT_PARTLABEL[slot]} ro ${o.cmdline}`.trimEnd(),
    '',
  ].join('\n');
}

/** The version written in a slot's entry, if any. */
export function entryVersion(entry: string): string | undefined {
  return /^version\s+(\S+)\s*$/m.exec(entry)?.[1];
}

export type HealthVerdict = { action: 'commit'; slot: Slot } | { action: 'none' } | { action: 'reboot' };

/**
 * After a boot: a healthy box commits the slot it runs (a trial boot becomes the default;
 * an already committed slot needs nothing). An unhealthy trial boot reboots, which lands in
 * the committed slot because this boot used up the one-shot entry; an unhealthy committed
 * slot has nothing to go back to, so it stays up for the technician (no reboot loop).
 */
export function healthVerdict(healthy: boolean, running: Slot | undefined, committed: Slot | undefined): HealthVerdict {
  if (!running || running === committed) return { action: 'none' };
  return healthy ? { action: 'commit', slot: running } : { action: 'reboot' };
}
