import { listRoutes, matchRoute } from '../../../functions/shared/routes';

describe('the route table', () => {
  it('matches a literal route', () => {
    const m = matchRoute('GET', '/health');
    expect(m.route?.key).toBe('GET /health');
  });

  it('captures path parameters', () => {
    const m = matchRoute('GET', '/uploads/abc-123');
    expect(m).toMatchObject({ route: { key: 'GET /uploads/{id}' }, params: { id: 'abc-123' } });
  });

  it('matches nothing for an unknown path or method', () => {
    expect(matchRoute('GET', '/nope').route).toBeUndefined();
    expect(matchRoute('DELETE', '/health').route).toBeUndefined();
    expect(matchRoute('GET', '/profiles/').route).toBeUndefined();
  });

  it('keeps /health and the tracked links open, each saying why, and every other route behind the authorizer', () => {
    const open = ['GET /health', 'GET /r/{token}', 'GET /o/{token}', 'GET /u/{token}', 'POST /u/{token}'];
    for (const route of listRoutes()) {
      expect(route.auth).toBe(!open.includes(route.key));
      if (!route.auth) expect(route.public).toMatch(/^.{20,}$/);
    }
  });
});
