import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateFlow, type FlowCheck, type FlowContext } from './flow-validate.ts';

const ctx: FlowContext = {
  queues: new Set(['sales', 'support']),
  schedules: new Set(['office']),
  extensions: new Set(['1001']),
  prompt: (id, lang) => lang === 'en' && ['hello', 'press', 'for', 'sorry', 'please-try-again', 'goodbye', 'thank-you', 'try-later', 'digit-1'].includes(id),
  speechWord: (w) => ['sales', 'support', 'agent'].includes(w),
};

const good = () => ({
  name: 'main',
  start: 'hours',
  nodes: {
    hours: { type: 'time', schedule: 'office', open: 'welcome', closed: 'bye' },
    welcome: { type: 'play', prompts: ['hello'], next: 'menu' },
    menu: { type: 'menu', prompts: ['press', 'digit-1', 'for'], choices: { '1': 'q', '2': 'account' }, fallback: 'q' },
    account: { type: 'collect', variable: 'account', minLength: 4, maxLength: 8, terminator: '#', pattern: '[0-9]+', next: 'q', fallback: 'q' },
    q: { type: 'queue', queue: 'sales', priority: '{prio}', skills: 'billing:2' },
    bye: { type: 'hangup', prompts: ['goodbye'] },
  },
});

function errorsOf(check: FlowCheck): { path: string; message: string }[] {
  assert.equal(check.ok, false, 'expected the flow to be refused');
  return check.ok ? [] : check.errors;
}

function hasProblem(list: { path: string; message: string }[], path: string, message?: RegExp): void {
  assert.ok(list.some((p) => p.path === path && (!message || message.test(p.message))), `no problem at ${path}${message ? ` matching ${message}` : ''}: ${JSON.stringify(list)}`);
}

test('a valid flow is accepted with its defaults filled in and no warnings', () => {
  const check = validateFlow(good(), ctx);
  assert.ok(check.ok, JSON.stringify(check));
  assert.deepEqual(check.warnings, []);
  const menu = check.flow.nodes.menu;
  assert.equal(menu.type, 'menu');
  if (menu.type === 'menu') assert.deepEqual([menu.timeoutSec, menu.retries, menu.invalidPrompts], [5, 2, ['sorry', 'please-try-again']]);
  assert.equal(check.flow.language, 'en');
  assert.equal(check.flow.maxStepsWithoutInput, 50);
});

test('a document that is not an object, or lacks the start node and nodes, is refused at the top', () => {
  hasProblem(errorsOf(validateFlow([], ctx)), '', /JSON object/);
  const list = errorsOf(validateFlow({ name: 'x' }, ctx));
  hasProblem(list, '/start', /required/i);
  hasProblem(list, '/nodes', /required/i);
});

test('a field of the wrong type is reported with the path inside its node', () => {
  const doc = good() as any;
  doc.nodes.menu.timeoutSec = 'five';
  doc.nodes.account.maxLength = 99;
  hasProblem(errorsOf(validateFlow(doc, ctx)), '/nodes/menu/timeoutSec', /number/i);
  hasProblem(errorsOf(validateFlow(doc, ctx)), '/nodes/account/maxLength');
});

test('an unknown node type, a misspelt field and a key that is not a phone key are each named by path', () => {
  const doc = good() as any;
  doc.nodes.welcome.type = 'say';
  doc.nodes.menu.timout = 3;
  doc.nodes.menu.choices.A = 'q';
  const list = errorsOf(validateFlow(doc, ctx));
  hasProblem(list, '/nodes/welcome/type', /unknown node type "say"/);
  hasProblem(list, '/nodes/menu/timout', /unexpected property/i);
  hasProblem(list, '/nodes/menu/choices/A', /unexpected property/i);
});

test('a node id that breaks the naming rule and a prompt reference that is no prompt id are refused', () => {
  const doc = good() as any;
  doc.nodes['bad id'] = { type: 'hangup' };
  doc.nodes.welcome.prompts = ['Hello There'];
  const list = errorsOf(validateFlow(doc, ctx));
  hasProblem(list, '/nodes/bad id');
  hasProblem(list, '/nodes/welcome/prompts/0');
});

test('references to nodes, queues, schedules, extensions and prompts that do not exist are errors at the referring field', () => {
  const doc = good() as any;
  doc.start = 'nowhere';
  doc.nodes.menu.choices['3'] = 'missing';
  doc.nodes.q.queue = 'billing';
  doc.nodes.hours.schedule = 'weekend';
  doc.nodes.welcome.prompts = ['hello', 'welcome-to-acme'];
  doc.nodes.t = { type: 'transfer', to: 'ext:1009' };
  doc.nodes.menu.choices['4'] = 't';
  const list = errorsOf(validateFlow(doc, ctx));
  hasProblem(list, '/start', /no node "nowhere"/);
  hasProblem(list, '/nodes/menu/choices/3', /no node "missing"/);
  hasProblem(list, '/nodes/q/queue', /no queue "billing"/);
  hasProblem(list, '/nodes/hours/schedule', /no schedule "weekend"/);
  hasProblem(list, '/nodes/welcome/prompts/1', /no prompt "welcome-to-acme"/);
  hasProblem(list, '/nodes/t/to', /no extension 1009/);
});

test('values that must parse (regular expressions, numbers, priorities, skills, URLs) are checked where they are static', () => {
  const doc = good() as any;
  doc.nodes.account.pattern = '[0-9';
  doc.nodes.account.minLength = 9;
  doc.nodes.q.priority = '500';
  doc.nodes.q.skills = 'billing:high';
  doc.nodes.c = { type: 'condition', rules: [{ variable: 'x', op: 'gt', value: 'ten', next: 'q' }, { variable: 'x', op: 'eq', next: 'q' }], else: 'q' };
  doc.nodes.h = { type: 'http', url: 'http://', next: 'q', failure: 'q' };
  const list = errorsOf(validateFlow(doc, ctx));
  hasProblem(list, '/nodes/account/pattern', /regular expression/);
  hasProblem(list, '/nodes/account/minLength', /more than maxLength/);
  hasProblem(list, '/nodes/q/priority');
  hasProblem(list, '/nodes/q/skills');
  hasProblem(list, '/nodes/c/rules/0/value', /not one/);
  hasProblem(list, '/nodes/c/rules/1/value', /needs a value/);
  hasProblem(list, '/nodes/h/url');
});

test('templates are not checked as static values (they are filled in per call)', () => {
  const doc = good() as any;
  doc.nodes.q.priority = '{tier}';
  doc.nodes.q.skills = '{lang}:3';
  doc.nodes.t = { type: 'transfer', to: 'dial:{callback}' };
  doc.nodes.menu.choices['3'] = 't';
  assert.ok(validateFlow(doc, ctx).ok);
});

test('an unreachable node is published with a warning naming it', () => {
  const doc = good() as any;
  doc.nodes.orphan = { type: 'hangup' };
  const check = validateFlow(doc, ctx);
  assert.ok(check.ok);
  assert.deepEqual(check.warnings.map((w) => w.path), ['/nodes/orphan']);
  assert.match(check.warnings[0].message, /unreachable/);
});

test('a loop that never asks the caller anything is a warning naming its nodes', () => {
  const doc = good() as any;
  doc.nodes.welcome.next = 'again';
  doc.nodes.again = { type: 'set', values: { n: 'x' }, next: 'welcome' };
  const check = validateFlow(doc, ctx);
  assert.ok(check.ok);
  assert.ok(check.warnings.some((w) => /welcome -> again|again -> welcome/.test(w.message) && /loop guard/.test(w.message)), JSON.stringify(check.warnings));
});

test('speech keywords: a phrase leading to two places is an error, a word the recogniser does not know a warning', () => {
  const doc = good() as any;
  doc.nodes.s = { type: 'speech', keywords: [{ phrases: ['sales'], next: 'q' }, { phrases: ['sales', 'tech support'], next: 'bye' }], digits: { '1': 'q' }, fallback: 'menu' };
  doc.nodes.menu.choices['9'] = 's';
  hasProblem(errorsOf(validateFlow(doc, ctx)), '/nodes/s/keywords/1/phrases/0', /also leads elsewhere/);
  doc.nodes.s.keywords[1].phrases = ['tech support'];
  const check = validateFlow(doc, ctx);
  assert.ok(check.ok);
  hasProblem(check.warnings, '/nodes/s/keywords/1/phrases/0', /does not know tech/);
});

test('validation never modifies the document it is given', () => {
  const doc = good();
  const before = structuredClone(doc);
  validateFlow(doc, ctx);
  assert.deepEqual(doc, before);
});
