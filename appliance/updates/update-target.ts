// The running box as an update target: the slot not running now, its partition and size,
// the mounted ESP and bootctl; the vendor's update key. Refuses off the appliance image.
import { execFile } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { promisify } from 'node:util';
import { publicKeyFromPem, UpdateError } from './bundle.ts';
import { appliancePaths } from './appliance-paths.ts';
import { otherSlot, runningSlot } from './slots.ts';
import type { ApplyTarget } from './update-apply.ts';

const run = promisify(execFile);

export async function runCommand(cmd: string, args: string[]): Promise<string> {
  return (await run(cmd, args)).stdout;
}

export async function readUpdateKey() {
  return publicKeyFromPem(await readFile(appliancePaths().updateKey, 'utf8'));
}

async function deviceSize(path: string): Promise<number> {
  const s = await stat(path);
  if (s.isFile()) return s.size;
  return Number((await runCommand('blockdev', ['--getsize64', path])).trim());
}

export async function updateTarget(): Promise<ApplyTarget> {
  const paths = appliancePaths();
  const running = runningSlot(await readFile(paths.cmdline, 'utf8').catch(() => ''));
  if (!running) throw new UpdateError('CC_UPDATE_NOT_ON_APPLIANCE');
  const slot = otherSlot(running);
  const slotDevice = paths.slotDevice(slot);
  return { slot, slotDevice, slotSize: await deviceSize(slotDevice), espDir: paths.esp, bootctl: async (args) => void (await runCommand(process.env.CC_BOOTCTL ?? 'bootctl', args)) };
}
