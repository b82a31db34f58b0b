/** GET /admin/keys?owner=&status=&limit=&cursor=: key records, newest first, never the key or hash. */
import type { AdminDeps, AdminRoute } from '../deps';
import { json } from '../http';
import { parseCursor, parseLimit, parseOwner, parseStatus, queryParams } from '../validation';
import { viewKey } from '../view';

export function listKeys(deps: AdminDeps): AdminRoute {
  return {
    method: 'GET',
    path: '/admin/keys',
    handler: async (event) => {
      const query = queryParams(event.queryStringParameters, ['owner', 'status', 'limit', 'cursor']);
      const page = await deps.store.list({
        owner: query.owner === undefined ? undefined : parseOwner(query.owner),
        status: parseStatus(query.status),
        limit: parseLimit(query.limit),
        cursor: parseCursor(query.cursor),
      });
      return json(200, { items: page.items.map(viewKey), nextCursor: page.nextCursor });
    },
  };
}
