/**
 * PATCH /admin/keys/{keyId} {name?, scopes?, expiresAt?|expiresInSeconds?, metadata?}
 * Only for keys that exist and are not revoked (409). `metadata` replaces the whole map (null or {}
 * clears it); `expiresAt: null` removes the expiry where the deployment allows keys without one.
 * A request that changes nothing writes nothing (and no audit entry).
 */
import type { KeyRecord } from '../../keys/record';
import { actorOf, expiryRules, keyIdParam, loadKey, requestIdOf, type AdminDeps, type AdminRoute } from '../deps';
import { badRequest, HttpError } from '../errors';
import { json } from '../http';
import { changes } from '../audit';
import { objectBody, parseExpiry, parseMetadata, parseName, parseScopes } from '../validation';
import { viewKey } from '../view';

export const UPDATE_FIELDS = ['name', 'scopes', 'expiresAt', 'expiresInSeconds', 'metadata'] as const;

export function updateKey(deps: AdminDeps): AdminRoute {
  return {
    method: 'PATCH',
    path: '/admin/keys/{keyId}',
    handler: async (event) => {
      const keyId = keyIdParam(event);
      const body = objectBody(event.json, UPDATE_FIELDS, true);
      if (Object.keys(body).length === 0) {
        throw badRequest('empty_update', `nothing to update: give at least one of ${UPDATE_FIELDS.join(', ')}`);
      }
      const nowMs = deps.now();
      const name = body.name === undefined ? undefined : parseName(body.name);
      const scopes = body.scopes === undefined ? undefined : parseScopes(body.scopes);
      const metadata = body.metadata === undefined || body.metadata === null ? body.metadata : parseMetadata(body.metadata);
      const expiresAt = parseExpiry(body, expiryRules(deps, nowMs), true);

      const current = await loadKey(deps, keyId);
      if (current.record.status === 'revoked') {
        throw new HttpError(409, 'key_revoked', `key ${keyId} is revoked and cannot be changed`);
      }
      const at = new Date(nowMs).toISOString();
      const next: KeyRecord = { ...current.record, updatedAt: at };
      if (name !== undefined) next.name = name;
      if (scopes !== undefined) next.scopes = scopes;
      if (expiresAt === null) delete next.expiresAt;
      else if (expiresAt !== undefined) next.expiresAt = expiresAt;
      if (metadata === null || (metadata && Object.keys(metadata).length === 0)) delete next.metadata;
      else if (metadata !== undefined) next.metadata = metadata as Record<string, string>;

      const changed = changes(current.record, next);
      if (Object.keys(changed).length === 0) return json(200, viewKey(current.record));
      const actor = actorOf(event, deps);
      const requestId = requestIdOf(event);
      await deps.store.write({
        replace: { previous: current, next },
        events: [{ keyId, action: 'update', at, actor, requestId, changes: changed }],
      });
      deps.log.info('key updated', { keyId, actor, requestId, fields: Object.keys(changed) });
      return json(200, viewKey(next));
    },
  };
}
