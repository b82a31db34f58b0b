/**
 * PATCH /admin/keys/{keyId} {name?, scopes?, expiresAt?|expiresInSeconds?, metadata?}
 * Only for keys that exist and are not revoked (409). `metadata` replaces the whole map (null or {}
 * clears it); `expiresAt: null` removes the expiry where the deployment allows keys without one.
 * A request that changes nothing writes nothing (and no audit entry). A rotated key (rotatedTo set)
 * keeps its scopes and may only expire sooner (409 already_rotated): the successor is the key to manage.
 */
import type { KeyRecord } from '../../keys/record';
import { actorOf, expiryRules, keyIdParam, loadKey, requestIdOf, type AdminDeps, type AdminRoute } from '../deps';
import { badRequest, HttpError } from '../errors';
import { json } from '../http';
import { changes } from '../audit';
import { objectBody, parseExpiry, parseMetadata, parseName, parseScopes } from '../validation';
import { viewKey } from '../view';

export const UPDATE_FIELDS = ['name', 'scopes', 'expiresAt', 'expiresInSeconds', 'metadata'] as const;

/** The same set of scopes (both lists are free of duplicates), in any order. */
const sameScopes = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((scope) => b.includes(scope));

/**
 * A rotated key is on its way out: its successor carries the scopes and the lifetime. Changing the
 * old key's scopes, or letting it live longer than it now does (removing the expiry included), would
 * keep a retired key alive next to its successor, possibly with more rights. Refused with 409
 * already_rotated; name and metadata changes and a shorter expiry stay allowed.
 */
function refuseUndoingRotation(
  record: KeyRecord,
  scopes: string[] | undefined,
  expiresAt: number | null | undefined,
  expiryField: string,
) {
  const successor = record.rotatedTo;
  if (!successor) return;
  const refuse = (what: string, field: string) =>
    new HttpError(
      409,
      'already_rotated',
      `key ${record.keyId} was rotated to ${successor}: ${what}; manage the successor ${successor} instead`,
      field,
    );
  if (scopes !== undefined && !sameScopes(scopes, record.scopes)) {
    throw refuse('its scopes can no longer be changed', 'scopes');
  }
  // No expiry now: any expiry is sooner. An expiry now: removing it (null) or a later one is not.
  const current = record.expiresAt ?? Number.POSITIVE_INFINITY;
  const requested = expiresAt === null ? Number.POSITIVE_INFINITY : expiresAt;
  if (requested !== undefined && requested > current) {
    throw refuse('its expiry can only be brought forward, not extended or removed', expiryField);
  }
}

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
      refuseUndoingRotation(current.record, scopes, expiresAt, body.expiresInSeconds !== undefined ? 'expiresInSeconds' : 'expiresAt');
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
