// The REST API described by OpenAPI 3, generated from the routes' own schemas by
// @fastify/swagger, served at GET /api/openapi.json (any signed-in user or token). Each
// operation carries its access declaration: `x-roles` (who may call it), `x-scope` (the API
// token scope it needs) and `x-access` ('open'/'local'), plus the security schemes a client
// can use. Must be registered before the routes (it collects them as they are added).
import type { FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import type { Access } from './auth.ts';
import { SESSION_COOKIE } from './auth.ts';
import { TOKEN_SCOPES } from './auth-tokens.ts';

export async function registerOpenApi(app: FastifyInstance, access: Access, version: string): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Call-center appliance API',
        version,
        description: [
          'Sign in with POST /api/session. Browsers get an HttpOnly session cookie and must send the',
          'returned csrfToken as X-CSRF-Token on every POST/PUT/PATCH/DELETE; API clients get a bearer',
          `token. External systems use API tokens (Authorization: Bearer cct_…) with scopes: ${TOKEN_SCOPES.join(', ')}.`,
          'Errors answer { code, message } with a stable CC_ code. Live events: GET /api/events (WebSocket).',
        ].join(' '),
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'session token from POST /api/session, or an API token (cct_…)' },
          cookie: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE, description: 'browser session; unsafe methods also need X-CSRF-Token' },
        },
      },
    },
    hideUntagged: false,
    transform: ({ schema, url, route }) => {
      const method = [route.method].flat()[0] ?? 'GET';
      const rule = access.find(method, url);
      const extra: Record<string, unknown> = {};
      if (rule?.access === 'open') extra.security = [];
      else extra.security = [{ bearer: [] }, { cookie: [] }];
      if (rule?.roles) extra['x-roles'] = [...rule.roles];
      if (rule?.access) extra['x-access'] = rule.access;
      if (rule && rule.access !== 'open') extra['x-scope'] = rule.scope;
      return { schema: { ...(schema ?? {}), ...extra } as typeof schema, url };
    },
  });
}

/** GET /api/openapi.json: the generated document. */
export function openApiRoute(app: FastifyInstance): void {
  app.get('/api/openapi.json', { config: { roles: ['admin', 'supervisor', 'agent', 'technician'], scope: '*' } }, async () => app.swagger());
}
