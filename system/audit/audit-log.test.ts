import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Store } from '../store/store.ts';
import { appendAudit, canonicalJson, GENESIS, listAudit, recordAudit, rowHash, type AuditRow } from './audit-log.ts';
import { verifyAudit, verifyChain } from './verify.ts';

async function withStore(fn: (store: Store, dir: string) => Promise<void>) {
  const dir = mkdtempSync(join(tmpdir(), 'audit-'));
  const store = new Store(dir);
  try {
    await fn(store, dir);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const sample = (i: number) => ({ actor: `user${i % 3}`, action: 'sign-in', outcome: i % 2 ? 'failed' : 'ok', source: '10.0.0.9', detail: { n: i, nested: { b: [1, 2], a: 'x' } } }) as const;

test('canonical JSON sorts keys at every level and leaves out undefined members', () => {
  assert.equal(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: undefined }], c: null } }), '{"a":{"c":null,"d":[3,{"z":1}]},"b":1}');
  assert.equal(canonicalJson({ x: undefined }), '{}');
});

test('each row links to the previous row by hash, starting from the genesis hash', async () => {
  await withStore(async (store) => {
    for (let i = 0; i < 5; i++) await recordAudit(store, sample(i));
    const rows = listAudit(store);
    assert.deepEqual(rows.map((r) => r.seq), [1, 2, 3, 4, 5]);
    assert.equal(rows[0].prev, GENESIS);
    for (let i = 1; i < rows.length; i++) assert.equal(rows[i].prev, rows[i - 1].hash);
    for (const r of rows) assert.equal(rowHash(r), r.hash);
    const v = verifyAudit(store);
    assert.equal(v.ok, true);
    assert.equal(v.rows, 5);
    assert.deepEqual(v.head?.seq, 5);
  });
});

test('rows appended from many concurrent transactions still form one chain', async () => {
  await withStore(async (store) => {
    await Promise.all(Array.from({ length: 200 }, (_, i) => (i % 2 ? recordAudit(store, sample(i)) : store.transaction(() => {
      store.appendEvent('x', {});
      appendAudit(store, sample(i));
    }))));
    const v = verifyAudit(store);
    assert.equal(v.ok, true, JSON.stringify(v.firstBreak));
    assert.equal(v.rows, 200);
  });
});

test('a row changed in place is reported as hash-mismatch at that row', async () => {
  await withStore(async (store) => {
    for (let i = 0; i < 6; i++) await recordAudit(store, sample(i));
    const row = store.tables.audit.get(3) as AuditRow;
    await store.transaction(() => store.tables.audit.put(3, { ...row, actor: 'someone-else' }));
    const v = verifyAudit(store);
    assert.equal(v.ok, false);
    assert.deepEqual(v.breaks.map((b) => [b.seq, b.reason]), [[3, 'hash-mismatch']]);
  });
});

test('a row rewritten with a fresh hash is found at the next row; a removed row as a gap', async () => {
  await withStore(async (store) => {
    for (let i = 0; i < 6; i++) await recordAudit(store, sample(i));
    const row = store.tables.audit.get(2) as AuditRow;
    const forged = { ...row, outcome: 'ok' as const };
    forged.hash = rowHash(forged);
    await store.transaction(() => {
      store.tables.audit.put(2, forged);
      store.tables.audit.remove(5);
    });
    const v = verifyAudit(store);
    assert.deepEqual(v.breaks.map((b) => [b.seq, b.reason]), [[3, 'prev-mismatch'], [6, 'seq-gap']]);
    assert.equal(v.firstBreak?.seq, 3);
  });
});

test('verifyChain: a value that is not an audit row, or sits under the wrong key, is malformed', () => {
  const a = { seq: 1, at: 1, actor: 'a', action: 'x', outcome: 'ok', prev: GENESIS } as Omit<AuditRow, 'hash'>;
  const r1 = { ...a, hash: rowHash(a) } as AuditRow;
  const b = { seq: 2, at: 2, actor: 'a', action: 'x', outcome: 'ok', prev: r1.hash } as Omit<AuditRow, 'hash'>;
  const r2 = { ...b, hash: rowHash(b) } as AuditRow;
  assert.equal(verifyChain([{ key: 1, value: r1 }, { key: 2, value: r2 }]).ok, true);
  assert.deepEqual(verifyChain([{ key: 1, value: r1 }, { key: 2, value: 'junk' }]).breaks.map((x) => x.reason), ['malformed']);
  assert.deepEqual(verifyChain([{ key: 1, value: r1 }, { key: 7, value: r2 }]).breaks.map((x) => x.reason), ['malformed']);
});

test('the verify CLI exits 0 on an intact copy and 3 naming the row on a tampered one', async () => {
  await withStore(async (store, dir) => {
    for (let i = 0; i < 4; i++) await recordAudit(store, sample(i));
    const copy = mkdtempSync(join(tmpdir(), 'audit-copy-'));
    try {
      await store.root.backup(join(copy, 'box.lmdb'), true);
      const cli = resolve(import.meta.dirname, 'cli.ts');
      const run = () => {
        try {
          return { code: 0, out: execFileSync(process.execPath, ['--import', 'tsx', cli, 'verify', '--data', copy], { encoding: 'utf8' }) };
        } catch (err) {
          const e = err as { status: number; stdout: string };
          return { code: e.status, out: e.stdout };
        }
      };
      assert.equal(run().code, 0);
      const copyStore = new Store(copy);
      const row = copyStore.tables.audit.get(2) as AuditRow;
      await copyStore.transaction(() => copyStore.tables.audit.put(2, { ...row, detail: { n: 99 } }));
      await copyStore.close();
      const broken = run();
      assert.equal(broken.code, 3);
      assert.match(broken.out, /row 2: hash-mismatch/);
      assert.equal(verifyAudit(store).ok, true, 'the original is untouched');
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
    void dir;
  });
});
