/** POST /admin/keys: issue a key. The only answer, with rotate, that contains the key itself. */
import { actorOf, defaultExpiry, expiryRules, requestIdOf, type AdminDeps, type AdminRoute } from '../deps';
import { invalidField } from '../errors';
import { json } from '../http';
import { changes } from '../audit';
import { newKeyRecord, writeNewKey } from '../issue';
import { objectBody, parseExpiry, parseMetadata, parseName, parseOwner, parseScopes } from '../validation';
import { viewIssuedKey } from '../view';

export const CREATE_FIELDS = ['name', 'scopes', 'owner', 'expiresAt', 'expiresInSeconds', 'metadata'] as const;

export function createKey(deps: AdminDeps): AdminRoute {
  return {
    method: 'POST',
    path: '/admin/keys',
    handler: async (event) => {
      const body = objectBody(event.json, CREATE_FIELDS, true);
      for (const field of ['name', 'scopes'] as const) {
        if (body[field] === undefined) throw invalidField(field, 'is required');
      }
      const nowMs = deps.now();
      const name = parseName(body.name);
      const scopes = parseScopes(body.scopes);
      const owner = body.owner === undefined ? undefined : parseOwner(body.owner);
      const metadata = body.metadata === undefined ? {} : parseMetadata(body.metadata);
      const expiresAt = parseExpiry(body, expiryRules(deps, nowMs)) ?? defaultExpiry(deps, Math.floor(nowMs / 1000));

      const at = new Date(nowMs).toISOString();
      const actor = actorOf(event, deps);
      const requestId = requestIdOf(event);
      const { key, record } = await writeNewKey(deps, (minted) => {
        const { keyId } = minted;
        const record = newKeyRecord(minted, { name, owner, scopes, createdAt: at, createdBy: actor, expiresAt, metadata });
        const audit = { keyId, action: 'create' as const, at, actor, requestId, changes: changes(undefined, record) };
        return { record, write: { create: record, events: [audit] } };
      });
      deps.log.info('key issued', { keyId: record.keyId, actor, requestId });
      return json(201, viewIssuedKey(record, key));
    },
  };
}
