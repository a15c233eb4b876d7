// Coded errors of sign-in and access control: in API answers, the web app's messages and the
// technician's table (`npm run error-codes`). Other CC_API_ codes are the routes' own.
export const AuthErrorCodes = {
  CC_API_UNAUTHENTICATED: 'no valid session cookie, bearer token or API token: sign in first (POST /api/session)',
  CC_API_FORBIDDEN: 'the signed-in user\'s role may not use this route',
  CC_API_SCOPE: 'the API token lacks the scope this route needs (e.g. acd:write)',
  CC_API_CSRF: 'a browser request that changes something came without the session\'s CSRF token (X-CSRF-Token)',
  CC_API_ORIGIN: 'a browser request came from a page of another origin (cross-site request refused)',
  CC_API_BAD_CREDENTIALS: 'wrong user name or password',
  CC_API_LOCKED: 'too many failed sign-ins for this user name: it is locked for a while (Retry-After)',
  CC_API_RATE_LIMITED: 'too many sign-in attempts from this address: wait (Retry-After)',
  CC_API_ROUTE_UNDECLARED: 'a route was registered without declaring the roles it allows (logged at start; the RBAC test fails)',
  CC_API_TLS_CERT: 'the self-signed HTTPS certificate could not be made or read (openssl missing, data directory not writable)',
} as const;
export type AuthErrorCode = keyof typeof AuthErrorCodes;
