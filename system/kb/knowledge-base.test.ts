import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../store/store.ts';
import { GENESIS, rowHash, type AuditRow } from '../audit/audit-log.ts';
import { KnowledgeBase } from './knowledge-base.ts';
import { KbError } from './errors.ts';
import { importedId } from './importer.ts';
import { SEED_ARTICLES } from './testing.ts';

async function withKb(fn: (kb: KnowledgeBase, store: Store, dir: string) => Promise<void>) {
  const dir = mkdtempSync(join(tmpdir(), 'kb-test-'));
  const store = new Store(join(dir, 'data'));
  try {
    const kb = new KnowledgeBase(store);
    kb.start();
    await fn(kb, store, dir);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const rejects = (p: Promise<unknown>, code: string) => assert.rejects(p, (e: unknown) => e instanceof KbError && e.code === code);

test('saving keeps every version; an editor with an old base version is refused; events and audit rows are written', async () => {
  await withKb(async (kb, store) => {
    const a = await kb.create({ title: '退款申请流程', body: 'old wording', tags: ['退款'] }, 'sup1');
    assert.equal(a.version, 1);
    assert.equal(a.language, 'zh-CN');
    const b = await kb.save(a.id, { title: '退款申请流程', body: '第二版：30天内可退款', tags: ['退款', 'queue:billing'], category: '账务' }, 'sup2', 1);
    assert.equal(b.version, 2);
    assert.equal(b.createdBy, 'sup1');
    await rejects(kb.save(a.id, { title: 'stale', body: 'x' }, 'sup1', 1), 'CC_KB_VERSION_CONFLICT');
    await rejects(kb.save(a.id, { title: '  ', body: 'x', tags: ['a,b'] }, 'sup1'), 'CC_KB_INVALID');
    assert.deepEqual(kb.book.versions(a.id).map((v) => [v.version, v.body, v.updatedBy]), [[2, '第二版：30天内可退款', 'sup2'], [1, 'old wording', 'sup1']]);
    assert.equal(kb.view(a.id, 1).body, 'old wording');
    assert.equal(kb.search('可退款')[0]?.id, a.id, 'the index follows the newest version');
    assert.deepEqual(kb.search('wording'), []);
    await kb.remove(a.id, 'sup1');
    assert.deepEqual(kb.search('退款'), []);
    assert.throws(() => kb.view(a.id), (e: unknown) => e instanceof KbError && e.code === 'CC_KB_NOT_FOUND');
    assert.equal(kb.book.versions(a.id).length, 3, 'deleting is a version too');
    const events = [...store.tables.events.getRange()].map((e) => (e.value as { type: string }).type).filter((t) => t.startsWith('kb-'));
    assert.deepEqual(events, ['kb-article-saved', 'kb-article-saved', 'kb-article-deleted']);
    const audit = [...store.tables.audit.getRange()].map((e) => (e.value as { action: string }).action);
    assert.deepEqual(audit, ['kb-article-create', 'kb-article-update', 'kb-article-delete']);
    const rows = [...store.tables.audit.getRange()].map((e) => e.value as AuditRow);
    rows.forEach((r, i) => {
      const { hash, ...body } = r;
      assert.equal(hash, rowHash(body));
      assert.equal(r.prev, i ? rows[i - 1]!.hash : GENESIS);
    });
  });
});

test('the index is rebuilt from LMDB at start', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kb-test-'));
  try {
    let store = new Store(dir);
    const kb = new KnowledgeBase(store);
    for (const [, a] of Object.entries(SEED_ARTICLES)) await kb.create(a, 'sup1');
    await store.close();
    store = new Store(dir);
    const again = new KnowledgeBase(store);
    again.start();
    assert.equal(again.index.size, Object.keys(SEED_ARTICLES).length);
    assert.equal(again.search('增值税发票')[0]?.title.map((x) => x.text).join(''), '开具增值税发票');
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('suggestions come from tags naming the call\'s queue, IVR path and disposition', async () => {
  await withKb(async (kb) => {
    const ids: Record<string, string> = {};
    for (const [key, a] of Object.entries(SEED_ARTICLES)) ids[key] = (await kb.create(a, 'sup1')).id;
    const byQueue = kb.suggest({ queue: 'billing' });
    // Tagged queue:billing, or just billing (the queue's name).
    assert.deepEqual(byQueue.map((s) => s.id).sort(), [ids['en-refund'], ids['zh-refund'], ids['en-billing']].sort());
    assert.ok(byQueue.every((s) => s.matched.join() === 'queue:billing'));
    const both = kb.suggest({ queue: 'sales', ivrPath: ['menu', 'tech-support'], disposition: 'complaint' });
    assert.deepEqual(both.slice(0, 1).map((s) => s.id), [ids['en-billing']], 'a disposition counts most');
    assert.deepEqual(new Set(both.map((s) => s.id)), new Set([ids['en-billing'], ids['en-router'], ids['zh-router'], ids['en-shipping'], ids['zh-shipping']]));
    assert.deepEqual(kb.suggest({}), []);
  });
});

test('attachments: allowed types whose bytes match, size limits, stored under the data directory', async () => {
  await withKb(async (kb, store) => {
    const a = await kb.create({ title: 'Router', body: '![front](attachment:front.png)' }, 'sup1');
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(100)]);
    const saved = await kb.addAttachment(a.id, 'front.png', 'image/png', png, 'sup1');
    assert.deepEqual(saved.attachments.map((x) => [x.name, x.type, x.size]), [['front.png', 'image/png', 108]]);
    assert.deepEqual(readFileSync(join(store.dataDir, 'kb', 'attachments', a.id, 'front.png')), png);
    assert.match(kb.view(a.id).html, new RegExp(`<img src="/api/kb/articles/${a.id}/attachments/front.png"`));
    assert.deepEqual(kb.attachment(a.id, 'front.png').bytes, png);
    await rejects(kb.addAttachment(a.id, 'evil.png', 'image/png', Buffer.from('<script>alert(1)</script>'), 'sup1'), 'CC_KB_ATTACHMENT_TYPE');
    await rejects(kb.addAttachment(a.id, 'page.html', 'text/html', Buffer.from('<p>x</p>'), 'sup1'), 'CC_KB_ATTACHMENT_TYPE');
    await rejects(kb.addAttachment(a.id, 'big.txt', 'text/plain', Buffer.alloc(10 * 1024 * 1024 + 1, 0x41), 'sup1'), 'CC_KB_ATTACHMENT_TOO_LARGE');
    await rejects(kb.addAttachment(a.id, '../x.txt', 'text/plain', Buffer.from('x'), 'sup1'), 'CC_KB_INVALID');
    await kb.removeAttachment(a.id, 'front.png', 'sup1');
    assert.throws(() => kb.attachment(a.id, 'front.png'), (e: unknown) => e instanceof KbError && e.code === 'CC_KB_ATTACHMENT_NOT_FOUND');
  });
});

test('importing a folder of Markdown and HTML files: a report of imported, updated and skipped files with reasons', async () => {
  await withKb(async (kb, _store, dir) => {
    const docs = join(dir, 'usb', 'product-docs');
    mkdirSync(join(docs, '路由器'), { recursive: true });
    mkdirSync(join(docs, '.Trash'), { recursive: true });
    writeFileSync(join(docs, 'refunds.md'), '---\ntitle: Refund policy\ntags: [refund, queue:billing]\nlanguage: en\n---\n# Refunds\n\nRefunds within 30 days.');
    writeFileSync(join(docs, '路由器', '安装.html'), '<html><head><title>路由器安装</title><script>alert(1)</script></head><body><h1>安装</h1><p>用黄色网线连接光猫。</p></body></html>');
    writeFileSync(join(docs, 'notes.txt'), 'not a document');
    writeFileSync(join(docs, 'empty.md'), '   \n');
    writeFileSync(join(docs, 'latin1.md'), Buffer.from([0x63, 0x61, 0x66, 0xe9]));
    writeFileSync(join(docs, 'big.md'), 'x'.repeat(1024 * 1024 + 1));
    writeFileSync(join(docs, '.Trash', 'old.md'), '# old');
    symlinkSync('/etc/passwd', join(docs, 'passwd.md'));
    const first = await kb.importFolder(docs, 'sup1');
    assert.deepEqual(first.imported.map((i) => [i.file, i.title]), [['refunds.md', 'Refund policy'], ['路由器/安装.html', '路由器安装']]);
    assert.deepEqual(first.updated, []);
    assert.deepEqual(first.skipped.map((s) => [s.file, s.reason]).sort(), [['big.md', 'too-large'], ['empty.md', 'empty'], ['latin1.md', 'not-utf8'], ['notes.txt', 'unsupported-type'], ['passwd.md', 'symlink']]);
    const router = kb.view(importedId('路由器/安装.html'));
    assert.equal(router.category, '路由器');
    assert.equal(router.language, 'zh-CN');
    assert.doesNotMatch(router.body + router.html, /script|alert/);
    const refund = kb.view(importedId('refunds.md'));
    assert.deepEqual([refund.tags, refund.language], [['refund', 'queue:billing'], 'en']);
    assert.equal(kb.search('黄色网线')[0]?.id, importedId('路由器/安装.html'));

    writeFileSync(join(docs, 'refunds.md'), '# Refunds\n\nRefunds within 14 days now.');
    const second = await kb.importFolder(docs, 'sup1');
    assert.deepEqual(second.imported, []);
    assert.deepEqual(second.updated.map((u) => [u.file, u.version]), [['refunds.md', 2]]);
    assert.ok(second.skipped.some((s) => s.file === '路由器/安装.html' && s.reason === 'unchanged'));
    assert.equal(kb.search('14 days')[0]?.id, importedId('refunds.md'));
    await rejects(kb.importFolder(join(dir, 'nowhere'), 'sup1'), 'CC_KB_IMPORT_SOURCE');
  });
});
