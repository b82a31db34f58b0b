import fc from 'fast-check';
import {
  MAX_CONTEXT_OWNER,
  allowPolicy,
  denyPolicy,
  headerSafe,
  keyContext,
  parseRouteArn,
  routeResource,
} from '../../../src/keys/policy';
import { ALL_SCOPE, KNOWN_SCOPES, ROUTES, SCOPES, routesForScopes } from '../../../src/routes';
import { isWellFormedKey } from '../../../src/keys/token';
import { API, routeArn } from '../../support/fixtures';

const api = parseRouteArn(routeArn('POST', '/v1/listen'))!;

describe('parseRouteArn', () => {
  it('splits API and stage from payload 2.0 route ARNs', () => {
    expect(parseRouteArn(routeArn('GET', '/v1/models/nova-3', 'prod'))).toEqual({ api: API, stage: 'prod' });
    expect(parseRouteArn(routeArn('POST', '/v1/listen'))).toEqual({ api: API, stage: '$default' });
  });
  it('rejects anything else', () => {
    for (const bad of ['', 'arn:aws:s3:::bucket/x', `${API}`, 'arn:aws:execute-api:eu-west-1:12:abc/$default/GET/x']) {
      expect(parseRouteArn(bad)).toBeUndefined();
    }
  });
});

describe('allowPolicy', () => {
  it('lists every route of the scope, with path parameters as *', () => {
    const policy = allowPolicy(api, 'key_1', ['models'], { keyId: 'key_1' });
    expect(policy.policyDocument.Statement).toEqual([
      {
        Action: 'execute-api:Invoke',
        Effect: 'Allow',
        Resource: [`${API}/$default/GET/v1/models`, `${API}/$default/GET/v1/models/*`],
      },
    ]);
    expect(policy.principalId).toBe('key_1');
    expect(policy.context).toEqual({ keyId: 'key_1' });
  });
  it.each(Object.keys(SCOPES))('scope %s grants exactly its routes', (scope) => {
    const resources = allowPolicy(api, 'k', [scope], {}).policyDocument.Statement[0].Resource;
    const expected = ROUTES.filter((r) => r.scope === scope).map((r) => routeResource(api, r));
    expect(resources).toEqual(expected);
    expect(expected.length).toBeGreaterThan(0);
  });
  it('the all scope grants every route', () => {
    const resources = allowPolicy(api, 'k', [ALL_SCOPE], {}).policyDocument.Statement[0].Resource;
    expect(resources).toHaveLength(ROUTES.length);
  });
  it('a key whose scopes grant nothing gets a Deny', () => {
    const policy = allowPolicy(api, 'k', ['nonsense'], {});
    expect(policy.policyDocument.Statement[0].Effect).toBe('Deny');
  });
});

describe('denyPolicy', () => {
  it('denies every route of the stage', () => {
    expect(denyPolicy(api, 'anonymous').policyDocument.Statement).toEqual([
      { Action: 'execute-api:Invoke', Effect: 'Deny', Resource: [`${API}/$default/*`] },
    ]);
  });
});

describe('properties', () => {
  const scopeSets = fc.uniqueArray(fc.oneof(fc.constantFrom(...KNOWN_SCOPES), fc.string({ maxLength: 300 })), {
    maxLength: 200,
  });
  const stages = fc.oneof(fc.constant('$default'), fc.stringMatching(/^[A-Za-z0-9_-]{1,128}$/));

  it('policies have the documented shape, cover exactly the scoped routes and stay under 4 KB', () => {
    fc.assert(
      fc.property(scopeSets, stages, fc.string({ maxLength: 5000 }), (scopes, stage, owner) => {
        const stageApi = { api: API, stage };
        const context = keyContext('key_0123456789abcdef0123456789abcdef', owner, scopes);
        const policy = JSON.parse(JSON.stringify(allowPolicy(stageApi, context.keyId, scopes, context)));
        expect(Object.keys(policy).sort()).toEqual(['context', 'policyDocument', 'principalId']);
        expect(policy.policyDocument.Version).toBe('2012-10-17');
        expect(policy.policyDocument.Statement).toHaveLength(1);
        const [statement] = policy.policyDocument.Statement;
        expect(statement.Action).toBe('execute-api:Invoke');
        const expected = routesForScopes(scopes).map((r) => routeResource(stageApi, r));
        if (expected.length === 0) {
          expect(statement.Effect).toBe('Deny');
        } else {
          expect(statement.Effect).toBe('Allow');
          expect([...statement.Resource].sort()).toEqual([...new Set(expected)].sort());
        }
        expect(Object.values(policy.context).every((v) => typeof v === 'string')).toBe(true);
        expect(Buffer.byteLength(JSON.stringify(policy))).toBeLessThan(4096);
      }),
      { numRuns: 500 },
    );
  });

  it('random strings never pass key validation', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.stringMatching(/^kg_[0-9A-Za-z]{49}$/)), (s) => {
        expect(isWellFormedKey(s)).toBe(false);
      }),
      { numRuns: 5000 },
    );
  });
});

describe('keyContext', () => {
  it('passes a plain owner through and stands in for a missing one', () => {
    expect(keyContext('key_1', 'team-a', ['listen'])).toEqual({ keyId: 'key_1', owner: 'team-a', scopes: 'listen' });
    expect(keyContext('key_1', undefined, ['listen']).owner).toBe('-');
    expect(keyContext('key_1', '', ['listen']).owner).toBe('-');
  });
  it('percent-encodes what a header cannot carry, reversibly', () => {
    expect(headerSafe('Zoë Müller', 128)).toBe('Zo%C3%AB M%C3%BCller');
    expect(headerSafe('山田 🚀', 128)).toBe('%E5%B1%B1%E7%94%B0 %F0%9F%9A%80');
    expect(headerSafe('100% a\tb', 128)).toBe('100%25 a%09b');
    expect(decodeURIComponent(headerSafe('Zoë 🚀 100%', 128))).toBe('Zoë 🚀 100%');
  });
  it('cuts on whole characters and never leaves a lone surrogate', () => {
    expect(headerSafe('ab🚀cd', 3)).toBe('ab%F0%9F%9A%80');
    expect(headerSafe('a\ud83d', 128)).toBe('a%EF%BF%BD');
  });
  it('always yields header-safe owners', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (owner) => {
        const value = keyContext('key_1', owner, []).owner;
        expect(value).toMatch(/^[\x20-\x7e]+$/);
        expect(Array.from(decodeURIComponent(value)).length).toBeLessThanOrEqual(MAX_CONTEXT_OWNER);
      }),
    );
  });
});
