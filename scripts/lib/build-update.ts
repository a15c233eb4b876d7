// Makes a signed update bundle for scripts/build-image.sh (appliance/updates/bundle-build.ts):
//   node --import tsx scripts/lib/build-update.ts VERSION ROOT.img VMLINUZ INITRD CMDLINE KEY.pem OUT
import { readFileSync } from 'node:fs';
import { createPrivateKey } from 'node:crypto';
import { buildBundle } from '../../appliance/updates/bundle-build.ts';

const [version, rootImage, kernel, initrd, cmdline, keyFile, out] = process.argv.slice(2);
if (!out) {
  console.error('usage: build-update.ts VERSION ROOT.img VMLINUZ INITRD CMDLINE KEY.pem OUT');
  process.exit(2);
}
const manifest = await buildBundle({ version: version!, rootImage: rootImage!, kernel: kernel!, initrd: initrd!, cmdline, privateKey: createPrivateKey(readFileSync(keyFile!)) }, out);
console.log(`update bundle ${out}: version ${manifest.version}, root ${manifest.rootSize} bytes (${manifest.root.size} compressed)`);
