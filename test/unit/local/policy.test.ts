/**
 * The local gateway's IAM evaluation, against hand-written cases and against an independent IAM
 * evaluator (@cloud-copilot/iam-simulate, test-only) on random policies.
 */
import fc from 'fast-check';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { allowPolicy, denyPolicy, parseRouteArn } from '../../../src/keys/policy';
import { isAllowed, parseAuthorizerAnswer, wildcardMatch, type AuthorizerAnswer } from '../../../scripts/local/policy';
import { routeArn, localApi } from '../../../scripts/local/event';

const api = localApi();
const arn = (method: string, path: string) => routeArn(api, method, path);
const apiArn = parseRouteArn(arn('POST', '/v1/listen'))!;

function parse(value: unknown): AuthorizerAnswer {
  const parsed = parseAuthorizerAnswer(value);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.answer;
}

describe('parseAuthorizerAnswer', () => {
  it.each([
    ['not an object', 'Allow'],
    ['no principalId', { policyDocument: { Statement: [] } }],
    ['no policy document', { principalId: 'p' }],
    ['bad effect', { principalId: 'p', policyDocument: { Statement: [{ Effect: 'Maybe', Action: 'execute-api:Invoke', Resource: '*' }] } }],
    ['no resource', { principalId: 'p', policyDocument: { Statement: [{ Effect: 'Allow', Action: 'execute-api:Invoke' }] } }],
    ['nested context', { principalId: 'p', policyDocument: { Statement: [] }, context: { a: { b: 1 } } }],
  ])('rejects %s', (_name, value) => {
    expect(parseAuthorizerAnswer(value).ok).toBe(false);
  });

  it('accepts single statements and single strings, as IAM does', () => {
    const answer = parse({
      principalId: 'p',
      policyDocument: { Version: '2012-10-17', Statement: { Effect: 'Allow', Action: 'execute-api:Invoke', Resource: '*' } },
      context: { keyId: 'key_1', n: 1, b: true },
    });
    expect(answer.statements).toEqual([{ effect: 'Allow', actions: ['execute-api:Invoke'], resources: ['*'] }]);
    expect(answer.context).toEqual({ keyId: 'key_1', n: 1, b: true });
  });
});

describe('isAllowed', () => {
  it('allows exactly the routes of the authorizer\'s Allow policy, path parameters included', () => {
    const policy = parse(allowPolicy(apiArn, 'key_1', ['listen', 'models'], { keyId: 'key_1' }));
    expect(isAllowed(policy, arn('POST', '/v1/listen'))).toBe(true);
    expect(isAllowed(policy, arn('GET', '/v1/models'))).toBe(true);
    expect(isAllowed(policy, arn('GET', '/v1/models/nova-3'))).toBe(true);
    expect(isAllowed(policy, arn('POST', '/v1/speak'))).toBe(false);
    expect(isAllowed(policy, arn('GET', '/v1/listen'))).toBe(false);
  });

  it('denies everything on the authorizer\'s Deny policy', () => {
    const policy = parse(denyPolicy(apiArn, 'anonymous', { reason: 'unknown' }));
    expect(isAllowed(policy, arn('POST', '/v1/listen'))).toBe(false);
  });

  it('an explicit Deny beats an Allow; no matching statement is a deny', () => {
    const statement = (Effect: string, Resource: string) => ({ Effect, Action: 'execute-api:Invoke', Resource });
    const both = parse({ principalId: 'p', policyDocument: { Statement: [statement('Allow', '*'), statement('Deny', '*/POST/v1/speak')] } });
    expect(isAllowed(both, arn('POST', '/v1/listen'))).toBe(true);
    expect(isAllowed(both, arn('POST', '/v1/speak'))).toBe(false);
    const none = parse({ principalId: 'p', policyDocument: { Statement: [] } });
    expect(isAllowed(none, arn('POST', '/v1/listen'))).toBe(false);
  });

  it('matches actions case-insensitively and with wildcards, resources case-sensitively', () => {
    const with_ = (Action: string, Resource: string) =>
      parse({ principalId: 'p', policyDocument: { Statement: [{ Effect: 'Allow', Action, Resource }] } });
    expect(isAllowed(with_('EXECUTE-API:invoke', '*'), arn('POST', '/v1/listen'))).toBe(true);
    expect(isAllowed(with_('execute-api:*', '*'), arn('POST', '/v1/listen'))).toBe(true);
    expect(isAllowed(with_('s3:GetObject', '*'), arn('POST', '/v1/listen'))).toBe(false);
    expect(isAllowed(with_('*', arn('post', '/v1/listen')), arn('POST', '/v1/listen'))).toBe(false);
  });
});

describe('wildcardMatch', () => {
  it('* spans slashes, ? is one character, regex characters are literal', () => {
    expect(wildcardMatch('a*z', 'a/b/c/z')).toBe(true);
    expect(wildcardMatch('a?c', 'abc')).toBe(true);
    expect(wildcardMatch('a?c', 'abbc')).toBe(false);
    expect(wildcardMatch('$default/(x)+', '$default/(x)+')).toBe(true);
    expect(wildcardMatch('$default/(x)+', '$default/xx')).toBe(false);
  });
});

describe('agrees with an independent IAM evaluator', () => {
  const routes = [
    ['POST', '/v1/listen'],
    ['POST', '/v1/speak'],
    ['GET', '/v1/models'],
    ['GET', '/v1/models/nova-3'],
  ] as const;
  const resource = fc.oneof(
    fc.constantFrom(...routes.map(([m, p]) => arn(m, p))),
    fc.constantFrom(...routes.map(([m, p]) => arn(m, p).replace(/\/[^/]+$/, '/*'))),
    fc.constantFrom('*', `${apiArn.api}/*`, `${apiArn.api}/$default/*/v1/*`, `${apiArn.api}/$default/?ET/v1/models`),
  );
  const statement = fc.record({
    Effect: fc.constantFrom('Allow' as const, 'Deny' as const),
    Action: fc.constantFrom('execute-api:Invoke', 'execute-api:*', '*'),
    Resource: fc.array(resource, { minLength: 1, maxLength: 3 }),
  });

  it('on random policies and routes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(statement, { minLength: 1, maxLength: 4 }), fc.constantFrom(...routes), async (statements, [method, path]) => {
        const document = { Version: '2012-10-17', Statement: statements };
        const target = arn(method, path);
        const oracle = await runSimulation(
          {
            identityPolicies: [{ name: 'authorizer', policy: document }],
            serviceControlPolicies: [],
            resourceControlPolicies: [],
            resourcePolicy: undefined,
            request: {
              principal: 'arn:aws:iam::000000000000:role/caller',
              action: 'execute-api:Invoke',
              resource: { resource: target, accountId: '000000000000' },
              contextVariables: {},
            },
          },
          {},
        );
        if (oracle.resultType === 'error') throw new Error(JSON.stringify(oracle.errors));
        const ours = isAllowed(parse({ principalId: 'p', policyDocument: document }), target);
        expect(ours).toBe(oracle.overallResult === 'Allowed');
      }),
      { numRuns: 150 },
    );
  });
});
