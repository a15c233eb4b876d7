// Apply an update bundle on the box from its console or a shell:
//   node --import tsx appliance/updates/apply-cli.ts BUNDLE [--reboot]
// The bundle goes to the slot not running now; the next boot tries it once, and the health
// check after that boot commits it or reboots back. The web admin uploads through the same
// code (system/api/update-routes.ts).
import { createReadStream } from 'node:fs';
import { updateTarget, readUpdateKey, runCommand } from './update-target.ts';
import { applyBundle } from './update-apply.ts';
import { UpdateError } from './bundle.ts';

async function main(): Promise<number> {
  const [file, ...flags] = process.argv.slice(2);
  if (!file) {
    console.error('usage: apply-cli.ts BUNDLE [--reboot]');
    return 2;
  }
  const target = await updateTarget();
  const manifest = await applyBundle(createReadStream(file, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>, await readUpdateKey(), target, (stage, bytes) =>
    console.log(`update: ${stage}${bytes ? ` (${bytes} bytes)` : ''}`));
  console.log(`update: version ${manifest.version} written to slot ${target.slot.toUpperCase()}; the next boot tries it once`);
  if (flags.includes('--reboot')) await runCommand('systemctl', ['reboot']);
  return 0;
}

main().then((code) => process.exit(code), (err) => {
  console.error(err instanceof UpdateError ? `${err.code}: ${err.message}` : err);
  process.exit(1);
});
