/** GET /admin/keys/{keyId}: one record (strongly consistent), never the key or hash. */
import { keyIdParam, loadKey, type AdminDeps, type AdminRoute } from '../deps';
import { json } from '../http';
import { viewKey } from '../view';

export function getKey(deps: AdminDeps): AdminRoute {
  return {
    method: 'GET',
    path: '/admin/keys/{keyId}',
    handler: async (event) => {
      const { record } = await loadKey(deps, keyIdParam(event));
      return json(200, viewKey(record));
    },
  };
}
