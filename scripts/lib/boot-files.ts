// Writes the ESP's loader.conf and a slot's boot entry for scripts/build-image.sh, from the
// same code the box uses for updates (appliance/updates/slots.ts).
//   node --import tsx scripts/lib/boot-files.ts SLOT VERSION CMDLINE OUTDIR
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bootEntry, entryName, loaderConf, type Slot } from '../../appliance/updates/slots.ts';

const [slot, version, cmdline, out] = process.argv.slice(2) as [Slot, string, string, string];
if (!['a', 'b'].includes(slot) || !version || !out) {
  console.error('usage: boot-files.ts a|b VERSION CMDLINE OUTDIR');
  process.exit(2);
}
writeFileSync(join(out, 'loader.conf'), loaderConf(slot));
writeFileSync(join(out, entryName(slot)), bootEntry(slot, { version, cmdline }));
