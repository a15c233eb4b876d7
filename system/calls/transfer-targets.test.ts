import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../store/store.ts';
import { BanList } from '../sip/ban-list.ts';
import { parseConfig } from '../config/load.ts';
import type { Registrar } from '../sip/registrar.ts';
import { TollGuard } from './toll-guard.ts';
import { resolveTransfer, type TransferTargetDeps } from './transfer-targets.ts';

const quiet = { warn: () => undefined, error: () => undefined };

test("a transfer to an outside number obeys the transferor's class of service and gives its toll slot back", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cc-transfer-toll-'));
  const store = new Store(dir);
  try {
    const config = parseConfig({ extensions: [{ number: '1001', password: 'pw-1001' }], trunks: [{ name: 'carrier', kind: 'static', host: '192.0.2.10' }], dialPlan: [{ prefix: '', trunk: 'carrier' }] });
    const toll = new TollGuard({ config: () => config, bans: new BanList(store), log: quiet });
    const channels: string[] = [];
    const deps: TransferTargetDeps = {
      config: () => config, registrar: { lookup: () => [] } as unknown as Registrar, publicAddress: '192.0.2.1', calls: () => [],
      takeChannel: (t) => (channels.push(`take:${t.name}`), true), releaseChannel: (t) => void channels.push(`release:${t.name}`),
      admitToll: (ext, trunk, number) => toll.admit({ kind: 'extension', extension: ext }, trunk, number),
    };
    const who = { transferor: { kind: 'extension' as const, id: '1001', uri: 'sip:1001@x', number: '1001' }, transferee: { kind: 'trunk' as const, id: 'carrier', uri: 'sip:13900000001@x', number: '13900000001' } };
    const abroad = resolveTransfer(deps, { user: '0044123456789', uri: 'sip:0044123456789@x', host: 'x' }, who);
    assert.equal(abroad.kind, 'fail');
    assert.equal(abroad.kind === 'fail' && abroad.status, 403, 'international is not in the default class of service');
    assert.deepEqual(channels, [], 'no trunk channel taken for a refused transfer');
    const national = resolveTransfer(deps, { user: '01065529988', uri: 'sip:01065529988@x', host: 'x' }, who);
    assert.equal(national.kind, 'ring');
    assert.deepEqual(channels, ['take:carrier']);
    if (national.kind === 'ring') national.release?.();
    assert.deepEqual(channels, ['take:carrier', 'release:carrier']);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
