/** GET /admin/keys/{keyId}/events?limit=&cursor=: the key's audit entries, oldest first. */
import { keyIdParam, type AdminDeps, type AdminRoute } from '../deps';
import { notFound } from '../errors';
import { json } from '../http';
import { parseCursor, parseLimit, queryParams } from '../validation';
import { viewEvent } from '../view';

export function listEvents(deps: AdminDeps): AdminRoute {
  return {
    method: 'GET',
    path: '/admin/keys/{keyId}/events',
    handler: async (event) => {
      const keyId = keyIdParam(event);
      const query = queryParams(event.queryStringParameters, ['limit', 'cursor']);
      const cursor = parseCursor(query.cursor);
      const page = await deps.store.events(keyId, { limit: parseLimit(query.limit, 100), cursor });
      // Events outlive their record (longer retention), so only an id with neither is unknown.
      if (page.items.length === 0 && cursor === undefined && !(await deps.store.get(keyId))) {
        throw notFound(`key ${keyId} not found`);
      }
      return json(200, { items: page.items.map(viewEvent), nextCursor: page.nextCursor });
    },
  };
}
