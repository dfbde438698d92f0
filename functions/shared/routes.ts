/**
 * The HTTP API, declared once. The CDK HTTP API creates one route per entry, integrated with
 * the group's API function; the local HTTP adapter dispatches with the same table; each
 * group's handler must implement exactly its routes (checked by the compiler).
 */
export const apiGroups = ['profile', 'generate', 'predict', 'optimize'] as const;
export type ApiGroup = (typeof apiGroups)[number];

export const routes = {
  'GET /health': { group: 'profile', auth: false },
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
} as const satisfies Record<string, { group: ApiGroup; auth: boolean }>;

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
