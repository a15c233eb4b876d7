// The whole configuration over HTTP (admin only): read it, export it as one JSON file, and
// import such a file, first as a dry run that reports every problem (with its path in the
// file), every change, the sections that need a restart, and the users and IVR flows it
// would add or update; then for real. An import applies nothing unless its plan is clean.
// Export and import are audit-logged (the configuration change itself is audited by
// Box.updateConfig, with before/after per path).
//
//   GET  /api/config                 { stored, effective, network } (network: the box's own
//                                    addresses and the ports it listens on, for the admin)
//   GET  /api/config/schema          the configuration's JSON Schema (the admin forms' source)
//   PUT  /api/config/sections/:name  body { value } (absent: back to defaults) → { section,
//                                    value, restartRequired }; 422 CC_CONFIG_INVALID with
//                                    `problems` [{ path, message }] and nothing saved
//   GET  /api/config/export          the bundle (config-bundle.ts), as an attachment
//   POST /api/config/import?dryRun=  body: a bundle → the plan; 200 applied or planned,
//                                    422 CC_CONFIG_IMPORT_INVALID with the plan's problems
import os from 'node:os';
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Box } from '../box.ts';
import { exportBundle, planImport, planReport, RESTART_SECTIONS, type CurrentState } from '../config/config-bundle.ts';
import { BoxConfigSchema } from '../config/schema.ts';
import { ConfigError, configProblem } from '../config/load.ts';
import { listUsers } from '../users/user-admin.ts';
import { appendAudit, recordAudit } from '../audit/audit-log.ts';
import { requireRole } from './server.ts';

const ImportQuery = Type.Object({ dryRun: Type.Boolean({ default: true }) }, { additionalProperties: false });
const SectionParams = Type.Object({ section: Type.String({ pattern: '^[a-zA-Z]{1,40}$' }) });
const SectionBody = Type.Object({ value: Type.Optional(Type.Unknown()) }, { additionalProperties: false });
const SCHEMA_JSON = JSON.parse(JSON.stringify(BoxConfigSchema)) as unknown;


function currentState(box: Box): CurrentState {
  const users = listUsers(box.store);
  const flows = box.ivr.flows.list().map((f) => box.ivr.flows.latest(f.name)!.flow);
  return { doc: structuredClone((box.store.tables.config.get('box-config') ?? {}) as Record<string, unknown>), users, flows };
}

/** Where the box is reached: its interfaces' addresses and the ports it listens on now. */
function networkView(box: Box) {
  const addresses = Object.entries(os.networkInterfaces()).flatMap(([name, list]) =>
    (list ?? []).filter((a) => !a.internal).map((a) => ({ interface: name, family: a.family, address: a.address, cidr: a.cidr })));
  const status = box.status();
  return { addresses, sip: { udp: status.ports.sipUdp, tcp: status.ports.sipTcp, publicAddress: box.config.sip.publicAddress ?? null }, http: { port: box.api.port, tlsPort: box.api.tlsPort ?? null } };
}

export function configRoutes(app: FastifyInstance, box: Box): void {
  const admin = requireRole('admin');

  app.get('/api/config', { preHandler: admin }, async () => ({
    stored: box.store.tables.config.get('box-config') ?? {},
    effective: box.config,
    network: networkView(box),
  }));

  app.get('/api/config/schema', { preHandler: admin }, async () => SCHEMA_JSON);

  app.put('/api/config/sections/:section', { schema: { params: SectionParams, body: SectionBody }, bodyLimit: 16 * 1024 * 1024, preHandler: admin }, async (req, reply) => {
    const { section } = req.params as { section: string };
    const { value } = req.body as { value?: unknown };
    if (!Object.hasOwn(BoxConfigSchema.properties, section)) return reply.code(404).send({ code: 'CC_CONFIG_UNKNOWN_SECTION', message: `no configuration section ${section}` });
    try {
      const cfg = await box.updateConfig((doc) => {
        if (value === undefined) delete doc[section];
        else doc[section] = value;
      }, req.session!.username);
      return { section, value: (cfg as Record<string, unknown>)[section] ?? null, restartRequired: RESTART_SECTIONS.includes(section) };
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      return reply.code(422).send({ code: 'CC_CONFIG_INVALID', message: err.message, problems: err.problems.map(configProblem) });
    }
  });

  app.get('/api/config/export', { preHandler: admin }, async (req, reply) => {
    const bundle = exportBundle(currentState(box), new Date(), req.session!.username);
    await recordAudit(box.store, { actor: req.session!.username, action: 'config-export', outcome: 'ok', source: req.ip, detail: { users: bundle.users.length, ivrFlows: bundle.ivrFlows.length } });
    const stamp = bundle.exportedAt.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
    return reply.header('content-disposition', `attachment; filename="callcenter-config-${stamp}.json"`).send(bundle);
  });

  // The body is any JSON: planImport answers with paths into the file (a route schema would
  // answer first, less precisely). A box with 2,000 agents makes a file of a few MB.
  app.post('/api/config/import', { schema: { querystring: ImportQuery }, bodyLimit: 16 * 1024 * 1024, preHandler: admin }, async (req, reply) => {
    const { dryRun } = req.query as { dryRun: boolean };
    const by = req.session!.username;
    const plan = planImport(req.body, currentState(box), (cfg) => box.ivr.context(cfg));
    if (!plan.ok) {
      await recordAudit(box.store, { actor: by, action: 'config-import', outcome: 'failed', source: req.ip, detail: { dryRun, problems: plan.problems.length } });
      return reply.code(422).send({ code: 'CC_CONFIG_IMPORT_INVALID', message: `the file cannot be imported: ${plan.problems.length} problem(s)`, ...planReport(plan), applied: false });
    }
    if (dryRun) return { ...planReport(plan), applied: false };
    if (!('config' in plan)) throw new Error('a clean plan carries its documents');
    await box.updateConfig((doc) => {
      for (const k of Object.keys(doc)) delete doc[k];
      Object.assign(doc, plan.doc);
    }, by);
    await box.store.transaction(() => {
      for (const u of plan.usersToWrite) box.store.tables.config.put(`user:${u.username}`, u);
      if (plan.usersToWrite.length) box.store.appendEvent('users-imported', { by, added: plan.users.add, updated: plan.users.update });
      appendAudit(box.store, { actor: by, action: 'config-import', outcome: 'ok', source: req.ip, detail: { changes: plan.changes.length, restartRequired: plan.restartRequired, users: plan.users, flows: plan.flows } });
    });
    for (const flow of plan.flowsToPublish) await box.ivr.flows.publish(flow, by);
    return { ...planReport(plan), applied: true };
  });
}
