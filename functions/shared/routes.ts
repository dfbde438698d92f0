/**
 * The HTTP API, declared once. The CDK HTTP API creates one route per entry, integrated with
 * the group's API function; the local HTTP adapter dispatches with the same table; each
 * group's handler must implement exactly its routes (checked by the compiler).
 */
export const apiGroups = ['profile', 'generate', 'predict', 'optimize'] as const;
export type ApiGroup = (typeof apiGroups)[number];

export const routes = {
  'GET /health': {
    group: 'profile',
    auth: false,
    public:
      'a liveness probe that returns only status and version, for load balancers and uptime checks without credentials',
  },
  'POST /events': { group: 'profile', auth: true },
  'POST /products': { group: 'profile', auth: true },
  'POST /uploads': { group: 'profile', auth: true },
  'GET /uploads': { group: 'profile', auth: true },
  'GET /uploads/{id}': { group: 'profile', auth: true },
  'POST /profiles/runs': { group: 'profile', auth: true },
  'GET /profiles/runs': { group: 'profile', auth: true },
  'GET /profiles/runs/{id}': { group: 'profile', auth: true },
  'GET /profiles/{userId}': { group: 'profile', auth: true },
  'GET /segments': { group: 'profile', auth: true },
  'GET /segments/{id}': { group: 'profile', auth: true },
  'GET /rules': { group: 'profile', auth: true },
  'GET /recommendations': { group: 'profile', auth: true },
  'POST /generate': { group: 'generate', auth: true },
  'POST /predict': { group: 'predict', auth: true },
  'GET /models': { group: 'predict', auth: true },
  'POST /campaigns': { group: 'optimize', auth: true },
  'GET /campaigns': { group: 'optimize', auth: true },
  'GET /campaigns/{id}': { group: 'optimize', auth: true },
  'GET /campaigns/{id}/decision': { group: 'optimize', auth: true },
  'GET /campaigns/{id}/report': { group: 'optimize', auth: true },
  'POST /feedback': { group: 'optimize', auth: true },
  'POST /optimize/runs': { group: 'optimize', auth: true },
  'GET /optimize/runs/{id}': { group: 'optimize', auth: true },
  // Tracked links: followed by the readers of messages, who hold no credentials. Each answers
  // only for a token this deployment signed (HMAC) and names no URL (no open redirect).
  'GET /r/{token}': {
    group: 'optimize',
    auth: false,
    public:
      'a tracked link in a message, followed by its reader: the signed token names only an impression, and the redirect goes to that campaign’s own call-to-action URL',
  },
  'GET /o/{token}': {
    group: 'optimize',
    auth: false,
    public:
      'the open pixel of an email, loaded by the reader’s mail client: answers a 1×1 GIF whatever the token',
  },
  'GET /u/{token}': {
    group: 'optimize',
    auth: false,
    public:
      'the unsubscribe confirmation page of a message, opened by its reader: the signed token names only an impression',
  },
  'POST /u/{token}': {
    group: 'optimize',
    auth: false,
    public:
      'the one-click unsubscribe (RFC 8058) of a message, posted by the reader or their mail client: the signed token names only an impression',
  },
} as const satisfies Record<string, { group: ApiGroup; auth: boolean; public?: string }>;

export type RouteKey = keyof typeof routes;
export type RouteKeyOf<G extends ApiGroup> = {
  [K in RouteKey]: (typeof routes)[K]['group'] extends G ? K : never;
}[RouteKey];

export interface ParsedRoute {
  readonly key: RouteKey;
  readonly method: string;
  readonly path: string;
  readonly group: ApiGroup;
  readonly auth: boolean;
  /** Why a route without auth is public (every such route says). */
  readonly public?: string;
}

export function listRoutes(): ParsedRoute[] {
  return (Object.keys(routes) as RouteKey[]).map((key) => {
    const [method = '', path = ''] = key.split(' ');
    return { key, method, path, ...routes[key] };
  });
}

/**
 * Match a concrete request path against the route table, as API Gateway does: literal
 * segments must equal, `{name}` segments capture one non-empty segment.
 */
export function matchRoute(
  method: string,
  path: string,
): { route: ParsedRoute; params: Record<string, string> } | { route: undefined; methodAllowed: boolean } {
  const segments = path.split('/').filter(Boolean);
  let pathMatched = false;
  for (const route of listRoutes()) {
    const pattern = route.path.split('/').filter(Boolean);
    if (pattern.length !== segments.length) continue;
    const params: Record<string, string> = {};
    const ok = pattern.every((part, i) => {
      const actual = segments[i] ?? '';
      if (part.startsWith('{') && part.endsWith('}')) {
        params[part.slice(1, -1)] = decodeURIComponent(actual);
        return actual.length > 0;
      }
      return part === actual;
    });
    if (!ok) continue;
    pathMatched = true;
    if (route.method === method.toUpperCase()) return { route, params };
  }
  return { route: undefined, methodAllowed: !pathMatched };
}
