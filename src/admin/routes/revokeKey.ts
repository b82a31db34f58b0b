/**
 * POST /admin/keys/{keyId}/revoke (no body, or `{}`). Idempotent: revoking a revoked key answers
 * the same record, revokedAt and revokedBy unchanged, and writes nothing.
 */
import type { KeyRecord } from '../../keys/record';
import { ConflictError } from '../../store/keyStore';
import { actorOf, keyIdParam, loadKey, requestIdOf, type AdminDeps, type AdminRoute } from '../deps';
import { json } from '../http';
import { changes } from '../audit';
import { objectBody } from '../validation';
import { viewKey } from '../view';

export function revokeKey(deps: AdminDeps): AdminRoute {
  return {
    method: 'POST',
    path: '/admin/keys/{keyId}/revoke',
    handler: async (event) => {
      const keyId = keyIdParam(event);
      objectBody(event.json, [], false);
      const current = await loadKey(deps, keyId);
      if (current.record.status === 'revoked') return json(200, viewKey(current.record));

      const at = new Date(deps.now()).toISOString();
      const actor = actorOf(event, deps);
      const requestId = requestIdOf(event);
      const next: KeyRecord = { ...current.record, status: 'revoked', revokedAt: at, revokedBy: actor, updatedAt: at };
      try {
        await deps.store.write({
          replace: { previous: current, next },
          events: [{ keyId, action: 'revoke', at, actor, requestId, changes: changes(current.record, next) }],
        });
      } catch (error) {
        // Someone else revoked it meanwhile: the outcome asked for holds, answer as for a second revoke.
        if (error instanceof ConflictError && error.code === 'key_revoked') {
          return json(200, viewKey((await loadKey(deps, keyId)).record));
        }
        throw error;
      }
      deps.log.info('key revoked', { keyId, actor, requestId });
      return json(200, viewKey(next));
    },
  };
}
