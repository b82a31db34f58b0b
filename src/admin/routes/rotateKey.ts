/**
 * POST /admin/keys/{keyId}/rotate {gracePeriodSeconds?, expiresAt?|expiresInSeconds?}
 * A new key with the old one's name, owner, scopes and metadata; the old key then expires at
 * min(now + grace, its own expiry) (default grace 24 h, 0 = now). New record, old record and both
 * audit entries are one transaction. The new key's lifetime is the old key's (capped at the
 * maximum) unless the request sets one. A revoked key (409 key_revoked) or an already rotated one
 * (409 already_rotated: a retried request must not mint a second successor) cannot be rotated.
 */
import type { KeyRecord } from '../../keys/record';
import {
  actorOf, defaultExpiry, expiryRules, keyIdParam, loadKey, requestIdOf, type AdminDeps, type AdminRoute,
} from '../deps';
import { HttpError } from '../errors';
import { json } from '../http';
import { changes } from '../audit';
import { newKeyRecord, writeNewKey } from '../issue';
import { objectBody, parseExpiry, parseGracePeriod } from '../validation';
import { viewIssuedKey } from '../view';

export const ROTATE_FIELDS = ['gracePeriodSeconds', 'expiresAt', 'expiresInSeconds'] as const;

/** The old key's lifetime, from now, capped at the maximum; undefined when it had no expiry. */
function sameLifetime(old: KeyRecord, nowSeconds: number, maxLifetimeSeconds: number): number | undefined {
  if (old.expiresAt === undefined) return undefined;
  const lifetime = old.expiresAt - Math.floor(Date.parse(old.createdAt) / 1000);
  if (!(lifetime > 0)) return undefined;
  return nowSeconds + (maxLifetimeSeconds > 0 ? Math.min(lifetime, maxLifetimeSeconds) : lifetime);
}

export function rotateKey(deps: AdminDeps): AdminRoute {
  return {
    method: 'POST',
    path: '/admin/keys/{keyId}/rotate',
    handler: async (event) => {
      const oldKeyId = keyIdParam(event);
      const body = objectBody(event.json, ROTATE_FIELDS, false);
      const nowMs = deps.now();
      const nowSeconds = Math.floor(nowMs / 1000);
      const grace = parseGracePeriod(body.gracePeriodSeconds) ?? deps.defaultGraceSeconds;
      const requested = parseExpiry(body, expiryRules(deps, nowMs)) ?? undefined;

      const current = await loadKey(deps, oldKeyId);
      const old = current.record;
      if (old.status === 'revoked') {
        throw new HttpError(409, 'key_revoked', `key ${oldKeyId} is revoked and cannot be rotated; issue a new key`);
      }
      if (old.rotatedTo) {
        throw new HttpError(409, 'already_rotated', `key ${oldKeyId} was already rotated to ${old.rotatedTo}; rotate that key instead`);
      }
      const newExpiry =
        requested ?? sameLifetime(old, nowSeconds, deps.maxLifetimeSeconds) ?? defaultExpiry(deps, nowSeconds);
      const oldExpiry = Math.min(nowSeconds + grace, old.expiresAt ?? Number.POSITIVE_INFINITY);

      const at = new Date(nowMs).toISOString();
      const actor = actorOf(event, deps);
      const requestId = requestIdOf(event);
      const { key, record } = await writeNewKey(deps, (minted) => {
        const { keyId } = minted;
        const record = newKeyRecord(minted, {
          name: old.name,
          owner: old.owner,
          scopes: [...old.scopes],
          createdAt: at,
          createdBy: actor,
          expiresAt: newExpiry,
          metadata: old.metadata ? { ...old.metadata } : undefined,
          rotatedFrom: oldKeyId,
        });
        const retired: KeyRecord = { ...old, expiresAt: oldExpiry, rotatedTo: keyId, updatedAt: at };
        return {
          record,
          write: {
            create: record,
            replace: { previous: current, next: retired },
            events: [
              { keyId: oldKeyId, action: 'rotate', at, actor, requestId, relatedKeyId: keyId, changes: changes(old, retired) },
              { keyId, action: 'create', at, actor, requestId, relatedKeyId: oldKeyId, changes: changes(undefined, record) },
            ],
          },
        };
      });
      deps.log.info('key rotated', { keyId: oldKeyId, newKeyId: record.keyId, actor, requestId, graceSeconds: grace });
      return json(201, viewIssuedKey(record, key));
    },
  };
}
