// Where the appliance image keeps what updates need (overridable by environment for tests):
// the EFI system partition, the kernel command line, the vendor's update public key, the
// slot partitions, and the state file the health check writes on the data partition.
import { join } from 'node:path';
import type { Slot } from './slots.ts';

export const appliancePaths = (env: NodeJS.ProcessEnv = process.env) => ({
  esp: env.CC_ESP_DIR ?? '/boot/efi',
  cmdline: env.CC_CMDLINE_FILE ?? '/proc/cmdline',
  updateKey: env.CC_UPDATE_KEY ?? '/etc/callcenter/update-signing.pub',
  slotDevice: (slot: Slot) => env[`CC_SLOT_${slot.toUpperCase()}_DEVICE`] ?? `/dev/disk/by-partlabel/root-${slot}`,
  state: join(env.CC_DATA_DIR ?? '/var/lib/callcenter', 'updates', 'state.json'),
});
