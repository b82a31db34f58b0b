/**
 * The authorizer's policies checked by an independent IAM evaluator (@cloud-copilot/iam-simulate,
 * AGPL, test-only). This is how API Gateway decides: the cached policy is evaluated against the
 * ARN of whichever route is called.
 */
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { handler, resetForTests } from '../../src/authorizer/handler';
import { toItem } from '../../src/store/dynamoKeyStore';
import type { AuthorizerPolicy } from '../../src/keys/policy';
import { ROUTES } from '../../src/routes';
import { eventV2, issued, routeArn } from '../support/fixtures';

const ddb = mockClient(DynamoDBDocumentClient);

async function evaluate(policy: AuthorizerPolicy, resource: string): Promise<string> {
  const response = await runSimulation(
    {
      identityPolicies: [{ name: 'authorizer', policy: policy.policyDocument }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: undefined,
      request: {
        principal: 'arn:aws:iam::123456789012:role/caller',
        action: 'execute-api:Invoke',
        resource: { resource, accountId: '123456789012' },
        contextVariables: {},
      },
    },
    {},
  );
  if (response.resultType === 'error') throw new Error(JSON.stringify(response.errors));
  return response.overallResult;
}

async function policyFor(scopes: string[], method: string, path: string, stage: string) {
  const { key, record } = issued({ scopes });
  ddb.on(GetCommand).resolves({ Item: toItem(record) });
  return (await handler(eventV2({ 'x-api-key': key }, method, path, stage) as never, {} as Context)) as AuthorizerPolicy;
}

beforeEach(() => {
  ddb.reset();
  resetForTests();
  process.env.KEYS_TABLE = 'keys';
  process.env.MEMORY_CACHE_TTL = '0';
});
jest.spyOn(process.stdout, 'write').mockImplementation(() => true);

describe.each(['$default', 'prod'])('stage %s', (stage) => {
  it('a listen-only key may call POST /v1/listen and not POST /v1/speak', async () => {
    const policy = await policyFor(['listen'], 'POST', '/v1/listen', stage);
    expect(await evaluate(policy, routeArn('POST', '/v1/listen', stage))).toBe('Allowed');
    expect(await evaluate(policy, routeArn('POST', '/v1/speak', stage))).toBe('ImplicitlyDenied');
    expect(await evaluate(policy, routeArn('GET', '/v1/listen', stage))).toBe('ImplicitlyDenied');
  });

  it('one cached policy, obtained on the first route, answers correctly for every route', async () => {
    // The first call is a route the key may NOT use: no first-route-wins behaviour either way.
    const policy = await policyFor(['speak', 'models'], 'POST', '/v1/listen', stage);
    for (const route of ROUTES) {
      const resource = routeArn(route.method, route.path.replace('{modelId}', 'nova-3'), stage);
      const expected = route.scope === 'speak' || route.scope === 'models' ? 'Allowed' : 'ImplicitlyDenied';
      expect([route.path, await evaluate(policy, resource)]).toEqual([route.path, expected]);
    }
  });

  it('a policy for one stage does not open another', async () => {
    const policy = await policyFor(['all'], 'POST', '/v1/listen', stage);
    const other = stage === 'prod' ? '$default' : 'prod';
    expect(await evaluate(policy, routeArn('POST', '/v1/listen', other))).toBe('ImplicitlyDenied');
  });

  it('a revoked key is explicitly denied everywhere', async () => {
    const policy = await policyFor(['all'], 'POST', '/v1/listen', stage);
    const { key, record } = issued({ status: 'revoked' });
    ddb.on(GetCommand).resolves({ Item: toItem(record) });
    const denied = (await handler(eventV2({ 'x-api-key': key }, 'POST', '/v1/listen', stage) as never, {} as Context)) as AuthorizerPolicy;
    expect(policy.policyDocument.Statement[0].Effect).toBe('Allow');
    for (const route of ROUTES) {
      expect(await evaluate(denied, routeArn(route.method, route.path, stage))).toBe('ExplicitlyDenied');
    }
  });
});
