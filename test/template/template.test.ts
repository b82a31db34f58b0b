/**
 * The deployment as CloudFormation: `serverless package` runs once for this file (offline, in a
 * temporary copy of the service, production stage) and every test reads that template or the
 * Lambda bundles it produced.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { ROUTES, routeKey } from '../../src/routes';
import { keysTable, TTL_ATTRIBUTE } from '../../src/store/table';
import { DynamoKeyStore } from '../../src/store/dynamoKeyStore';
import { createDocumentClient } from '../../src/store/client';
import { packageOffline, PLACEHOLDER_PARAMS, type Packaged } from '../../scripts/template/package';
import { checkTemplate, type CfnTemplate } from '../../scripts/template/schema';
import { readZip } from '../../scripts/template/zip';
import { freshTable } from '../support/dynamo';
import { eventV2, issued } from '../support/fixtures';
import { asList, dynamoActionsOf, ofType, resource, routes, single, statements, type Props } from './helpers';

let packaged: Packaged;
let template: CfnTemplate;

beforeAll(async () => {
  packaged = await packageOffline({ stage: 'prod' });
  template = packaged.template;
}, 120_000);
afterAll(() => packaged?.dispose());

const ADMIN_ROUTES = [
  'POST /admin/keys',
  'GET /admin/keys',
  'GET /admin/keys/{keyId}',
  'PATCH /admin/keys/{keyId}',
  'POST /admin/keys/{keyId}/revoke',
  'POST /admin/keys/{keyId}/rotate',
  'GET /admin/keys/{keyId}/events',
];
const AUTHORIZER_ID = 'HttpApiAuthorizerApiKey';
const INTEGRATION_ID = 'DeepgramIntegration';
const getAtt = (id: string, attribute: string) => ({ 'Fn::GetAtt': [id, attribute] });
const target = (integrationId: string) => ({ 'Fn::Join': ['/', ['integrations', { Ref: integrationId }]] });

describe('routes', () => {
  it('has every route of src/routes.ts, behind the key authorizer, to the private integration', () => {
    const byKey = routes(template);
    for (const route of ROUTES) {
      expect(byKey.get(routeKey(route))).toEqual({
        ApiId: { Ref: 'HttpApi' },
        RouteKey: routeKey(route),
        AuthorizationType: 'CUSTOM',
        AuthorizerId: { Ref: AUTHORIZER_ID },
        Target: target(INTEGRATION_ID),
      });
    }
  });

  it('has no other Deepgram route, no catch-all, and no route without authorization', () => {
    const byKey = routes(template);
    const deepgram = [...byKey.keys()].filter((key) => !ADMIN_ROUTES.includes(key));
    expect(deepgram.sort()).toEqual(ROUTES.map(routeKey).sort());
    expect(byKey.has('$default')).toBe(false);
    for (const [key, route] of byKey) {
      expect([key, route.AuthorizationType]).toEqual([key, ADMIN_ROUTES.includes(key) ? 'AWS_IAM' : 'CUSTOM']);
    }
    // Only the Deepgram routes reach the VPC Link.
    const toDeepgram = [...byKey].filter(([, r]) => JSON.stringify(r.Target) === JSON.stringify(target(INTEGRATION_ID)));
    expect(toDeepgram.map(([key]) => key).sort()).toEqual(ROUTES.map(routeKey).sort());
  });

  it('protects every admin route with AWS_IAM (SigV4) and sends it to the admin function', () => {
    const byKey = routes(template);
    for (const key of ADMIN_ROUTES) {
      const route = byKey.get(key);
      expect(route).toMatchObject({ AuthorizationType: 'AWS_IAM', Target: target('HttpApiIntegrationAdmin') });
      expect(route?.AuthorizerId).toBeUndefined();
    }
    expect(resource(template, 'HttpApiIntegrationAdmin').Properties).toMatchObject({
      IntegrationType: 'AWS_PROXY',
      IntegrationUri: getAtt('AdminLambdaFunction', 'Arn'),
      PayloadFormatVersion: '2.0',
    });
  });
});

describe('authorizer', () => {
  it('is a REQUEST authorizer: payload 2.0, IAM policies, the key header as identity, cached 300 s', () => {
    const [id, authorizer] = single(template, 'AWS::ApiGatewayV2::Authorizer');
    expect(id).toBe(AUTHORIZER_ID);
    expect(authorizer.Properties).toMatchObject({
      ApiId: { Ref: 'HttpApi' },
      AuthorizerType: 'REQUEST',
      AuthorizerPayloadFormatVersion: '2.0',
      EnableSimpleResponses: false,
      IdentitySource: ['$request.header.x-api-key'],
      AuthorizerResultTtlInSeconds: 300,
    });
    expect(JSON.stringify(authorizer.Properties.AuthorizerUri)).toContain(JSON.stringify(getAtt('AuthorizerLambdaFunction', 'Arn')));
  });

  it('may be invoked by API Gateway only as this API authorizer', () => {
    const permission = resource(template, 'ApiKeyLambdaAuthorizerPermissionHttpApi').Properties;
    expect(permission).toMatchObject({
      FunctionName: getAtt('AuthorizerLambdaFunction', 'Arn'),
      Action: 'lambda:InvokeFunction',
      Principal: 'apigateway.amazonaws.com',
    });
    const arn = permission.SourceArn['Fn::Join'][1] as unknown[];
    expect(arn.slice(-3)).toEqual([{ Ref: 'HttpApi' }, '/authorizers/', { Ref: AUTHORIZER_ID }]);
  });

  it('runs on nodejs22.x arm64 with its configuration', () => {
    const fn = resource(template, 'AuthorizerLambdaFunction').Properties;
    expect(fn).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'], Handler: 'src/authorizer/handler.handler' });
    expect(fn.Timeout).toBeLessThan(10); // API Gateway gives an authorizer 10 s
    expect(fn.Environment.Variables).toEqual({
      KEYS_TABLE: { Ref: 'KeysTable' },
      KEY_PREFIX: 'kg',
      IDENTITY_HEADER: 'x-api-key',
      MEMORY_CACHE_TTL: '30',
      LOG_LEVEL: 'info',
    });
  });

  it('leaves the admin settings nobody set to the admin API defaults', () => {
    const unset = { Ref: 'AWS::NoValue' };
    expect(resource(template, 'AdminLambdaFunction').Properties.Environment.Variables).toEqual({
      KEYS_TABLE: { Ref: 'KeysTable' },
      KEY_PREFIX: 'kg',
      MAX_KEY_LIFETIME_DAYS: unset,
      KEY_RETENTION_DAYS: unset,
      AUDIT_RETENTION_DAYS: unset,
      LOG_LEVEL: 'info',
    });
  });
});

describe('private integration', () => {
  it('proxies to the listener through the VPC Link, without the key, with the key id and owner', () => {
    const integration = resource(template, INTEGRATION_ID).Properties;
    expect(integration).toEqual({
      ApiId: { Ref: 'HttpApi' },
      Description: expect.any(String),
      IntegrationType: 'HTTP_PROXY',
      IntegrationMethod: 'ANY',
      ConnectionType: 'VPC_LINK',
      ConnectionId: { Ref: 'VpcLink' },
      IntegrationUri: PLACEHOLDER_PARAMS.listenerArn,
      PayloadFormatVersion: '1.0',
      TimeoutInMillis: 30000,
      TlsConfig: { Ref: 'AWS::NoValue' },
      RequestParameters: {
        'remove:header.x-api-key': "''",
        'overwrite:header.x-keygate-key-id': '$context.authorizer.keyId',
        'overwrite:header.x-keygate-owner': '$context.authorizer.owner',
      },
    });
  });

  it('creates the VPC Link in the given subnets with its own security group', () => {
    const link = resource(template, 'VpcLink').Properties;
    expect(link.SubnetIds).toEqual(PLACEHOLDER_PARAMS.vpcSubnetIds.split(','));
    expect(link.SecurityGroupIds).toEqual([getAtt('VpcLinkSecurityGroup', 'GroupId')]);
    const group = resource(template, 'VpcLinkSecurityGroup').Properties;
    expect(group.VpcId).toBe(PLACEHOLDER_PARAMS.vpcId);
    expect(group.SecurityGroupIngress).toBeUndefined();
    expect(group.SecurityGroupEgress).toEqual([expect.objectContaining({ IpProtocol: 'tcp', FromPort: 80, ToPort: 80 })]);
  });

  it('outputs the API URL, the VPC Link security group and the table name', () => {
    expect(template.Outputs).toMatchObject({
      HttpApiUrl: { Value: expect.anything() },
      VpcLinkSecurityGroupId: { Value: getAtt('VpcLinkSecurityGroup', 'GroupId') },
      KeysTableName: { Value: { Ref: 'KeysTable' } },
    });
  });
});

describe('keys table', () => {
  it('has the shape of src/store/table.ts, TTL, encryption and point-in-time recovery', () => {
    const table = resource(template, 'KeysTable').Properties;
    expect(table).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: keysTable.KeySchema,
      AttributeDefinitions: keysTable.AttributeDefinitions,
      GlobalSecondaryIndexes: keysTable.GlobalSecondaryIndexes,
      TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
      SSESpecification: { SSEEnabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });

  it('is retained and deletion-protected on the prod stage', () => {
    const table = resource(template, 'KeysTable');
    expect(table.DeletionPolicy).toBe('Retain');
    expect(table.UpdateReplacePolicy).toBe('Retain');
    expect(table.Properties.DeletionProtectionEnabled).toBe(true);
  });
});

describe('IAM', () => {
  const tableArn = getAtt('KeysTable', 'Arn');

  it('gives each function its own role and creates no shared one', () => {
    expect(resource(template, 'AuthorizerLambdaFunction').Properties.Role).toEqual(getAtt('AuthorizerRole', 'Arn'));
    expect(resource(template, 'AdminLambdaFunction').Properties.Role).toEqual(getAtt('AdminRole', 'Arn'));
    expect(ofType(template, 'AWS::IAM::Role').map(([id]) => id).sort()).toEqual(['AdminRole', 'AuthorizerRole']);
    expect(ofType(template, 'AWS::IAM::Policy')).toEqual([]);
    for (const id of ['AdminRole', 'AuthorizerRole']) {
      const role = resource(template, id).Properties;
      expect(role.ManagedPolicyArns).toBeUndefined();
      expect(role.AssumeRolePolicyDocument.Statement).toEqual([
        { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
      ]);
    }
  });

  it('lets the authorizer read key records and write its own logs, nothing else', () => {
    expect(statements(template, 'AuthorizerRole')).toEqual([
      { Sid: 'ReadKeyRecord', Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: tableArn },
      {
        Sid: 'OwnLogs',
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: getAtt('AuthorizerLogGroup', 'Arn'),
      },
    ]);
    expect(resource(template, 'AuthorizerLogGroup').Properties.LogGroupName).toBe(
      `/aws/lambda/${resource(template, 'AuthorizerLambdaFunction').Properties.FunctionName}`,
    );
  });

  it('lets the admin function read and write key records and query the table and its indexes, no Scan or Delete', () => {
    expect(statements(template, 'AdminRole')).toEqual([
      { Sid: 'KeyRecords', Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:PutItem'], Resource: tableArn },
      {
        Sid: 'ListKeysAndEvents',
        Effect: 'Allow',
        Action: 'dynamodb:Query',
        Resource: [tableArn, { 'Fn::Join': ['/', [tableArn, 'index', '*']] }],
      },
      {
        Sid: 'OwnLogs',
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: getAtt('AdminLogGroup', 'Arn'),
      },
    ]);
  });

  it('grants the admin function exactly the DynamoDB operations its code issues', () => {
    // If this fails after a change to src/admin or src/store, update AdminRole in serverless.yml:
    // in AWS a missing action is an AccessDenied at run time, an extra one is needless privilege.
    const granted = statements(template, 'AdminRole').flatMap((s) => asList(s.Action as string | string[]));
    const dynamo = [...new Set(granted.filter((action) => action.startsWith('dynamodb:')))].sort();
    expect(dynamo).toEqual(dynamoActionsOf('src/admin/handler.ts'));
  });

  it('uses no wildcard action and no "*" resource in any role', () => {
    for (const [id] of ofType(template, 'AWS::IAM::Role')) {
      for (const statement of statements(template, id)) {
        expect(statement.Effect).toBe('Allow');
        for (const action of asList(statement.Action as string | string[])) expect([id, action]).toEqual([id, expect.not.stringContaining('*')]);
        for (const target of asList(statement.Resource as unknown)) expect([id, target]).not.toEqual([id, '*']);
        expect(statement.NotAction ?? statement.NotResource).toBeUndefined();
      }
    }
  });
});

describe('stage, logs and throttling', () => {
  it('writes JSON access logs with the key id, owner and authorizer error', () => {
    const stage = resource(template, 'HttpApiStage').Properties;
    expect(stage.StageName).toBe('$default');
    expect(stage.AccessLogSettings.DestinationArn).toEqual(getAtt('HttpApiLogGroup', 'Arn'));
    const format = JSON.parse(stage.AccessLogSettings.Format);
    expect(format).toMatchObject({
      requestId: '$context.requestId',
      routeKey: '$context.routeKey',
      status: '$context.status',
      responseLatency: '$context.responseLatency',
      integrationStatus: '$context.integrationStatus',
      integrationLatency: '$context.integrationLatency',
      keyId: '$context.authorizer.keyId',
      owner: '$context.authorizer.owner',
      authorizerError: '$context.authorizer.error',
      error: '$context.error.message',
    });
  });

  it('throttles the stage and keeps every log group for the retention period', () => {
    expect(resource(template, 'HttpApiStage').Properties.DefaultRouteSettings).toMatchObject({
      ThrottlingRateLimit: 100,
      ThrottlingBurstLimit: 200,
    });
    const groups = ofType(template, 'AWS::Logs::LogGroup');
    expect(groups.map(([id]) => id).sort()).toEqual(['AdminLogGroup', 'AuthorizerLogGroup', 'HttpApiLogGroup']);
    for (const [, group] of groups) expect(group.Properties.RetentionInDays).toBe(30);
  });
});

describe('monitoring', () => {
  it('turns the authorizer log lines into per-reason denial and store-error metrics', () => {
    expect(resource(template, 'AuthorizerDenialsMetric').Properties).toEqual({
      LogGroupName: { Ref: 'AuthorizerLogGroup' },
      FilterPattern: '{ $.message = "denied" }',
      MetricTransformations: [
        {
          MetricNamespace: 'Keygate/prod',
          MetricName: 'Denials',
          MetricValue: '1',
          Unit: 'Count',
          Dimensions: [{ Key: 'Reason', Value: '$.reason' }],
        },
      ],
    });
    expect(resource(template, 'AuthorizerStoreErrorsMetric').Properties.FilterPattern).toBe(
      '{ $.message = "key store lookup failed; refusing" }',
    );
  });

  it('matches the messages the authorizer really logs', () => {
    const source = readFileSync(resolve(__dirname, '../../src/authorizer/authorize.ts'), 'utf8');
    expect(source).toContain("log.info('denied'");
    expect(source).toContain("log.error('key store lookup failed; refusing'");
  });

  it('alarms on unknown-key probing and on store errors, without actions unless a topic is given', () => {
    expect(resource(template, 'UnknownKeysAlarm').Properties).toMatchObject({
      Namespace: 'Keygate/prod',
      MetricName: 'Denials',
      Dimensions: [{ Name: 'Reason', Value: 'unknown' }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 100,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: { Ref: 'AWS::NoValue' },
    });
    expect(resource(template, 'StoreErrorsAlarm').Properties).toMatchObject({ MetricName: 'StoreErrors', Threshold: 1 });
  });
});

describe('schema validation (@aws-cdk/aws-service-spec)', () => {
  it('passes on the packaged template', () => {
    expect(checkTemplate(template)).toEqual([]);
  });

  const broken: [string, (t: Props) => void, RegExp][] = [
    ['a misspelt property', (t) => (t.Resources.KeysTable.Properties.SSESpecification.SSEEnable = true), /SSEEnable: unknown property/],
    ['a missing required property', (t) => delete t.Resources.DeepgramIntegration.Properties.IntegrationType, /required property IntegrationType/],
    ['an unknown resource type', (t) => (t.Resources.VpcLink.Type = 'AWS::ApiGatewayV2::VPCLink'), /unknown resource type/],
    ['a Ref to nothing', (t) => (t.Resources.DeepgramRoutePostV1Listen.Properties.AuthorizerId = { Ref: 'Authorizer' }), /unknown resource or parameter "Authorizer"/],
    ['a GetAtt of a missing attribute', (t) => (t.Outputs.KeysTableName.Value = { 'Fn::GetAtt': ['KeysTable', 'Name'] }), /no attribute "Name"/],
    ['an unresolved Fn::Sub', (t) => (t.Outputs.KeysTableName.Value = { 'Fn::Sub': '${KeysTabel}' }), /"KeysTabel"/],
    ['a log retention CloudWatch does not offer', (t) => (t.Resources.HttpApiLogGroup.Properties.RetentionInDays = 31), /31 is not one of/],
  ];
  it.each(broken)('fails on %s', (_, breakIt, expected) => {
    const copy = structuredClone(template) as Props;
    breakIt(copy);
    const problems = checkTemplate(copy as CfnTemplate);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(expected);
  });
});

describe('Lambda bundles', () => {
  function bundle(name: string): { file: string; code: Buffer; zipBytes: number } {
    const zip = readFileSync(packaged.artifacts[name]);
    const files = [...readZip(zip)];
    expect(files).toHaveLength(1); // one self-contained file, no node_modules
    return { file: files[0][0], code: files[0][1], zipBytes: zip.length };
  }

  it('packages one minified, self-contained file per function', () => {
    expect(Object.keys(packaged.artifacts).sort()).toEqual(['admin', 'authorizer']);
    const authorizer = bundle('authorizer');
    expect(authorizer.file).toBe('src/authorizer/handler.js');
    const code = authorizer.code.toString('utf8');
    // The AWS SDK and middy are bundled, not taken from the runtime. The one package require left
    // is an optional one the SDK wraps in try/catch (CRT signing, SigV4a only; DynamoDB never uses it).
    const packages = [...code.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]).filter((name) => !name.startsWith('node:'));
    expect([...new Set(packages)]).toEqual(['@aws-sdk/signature-v4-crt']);
    expect(code.split('\n').length).toBeLessThan(50); // minified
    expect(authorizer.code.length).toBeLessThan(1_000_000);
    expect(bundle('admin').file).toBe('src/admin/handler.js');
  });

  /** Runs the packaged authorizer in a fresh Node process, outside the repository, with only `env`. */
  async function runPackagedAuthorizer(events: unknown[], env: Record<string, string>): Promise<Props[]> {
    const dir = mkdtempSync(join(tmpdir(), 'keygate-bundle-'));
    try {
      const { file, code } = bundle('authorizer');
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      writeFileSync(join(dir, file), code);
      writeFileSync(join(dir, 'events.json'), JSON.stringify(events));
      const runner = `
        const { handler } = require(${JSON.stringify(join(dir, file))});
        const events = require(${JSON.stringify(join(dir, 'events.json'))});
        (async () => {
          const results = [];
          for (const event of events) {
            try { results.push(await handler(event, {})); } catch (error) { results.push({ thrown: String(error) }); }
          }
          require('node:fs').writeFileSync(${JSON.stringify(join(dir, 'results.json'))}, JSON.stringify(results));
        })();`;
      await new Promise<void>((resolve, reject) =>
        execFile(process.execPath, ['-e', runner], { cwd: dir, env: { PATH: process.env.PATH ?? '', ...env } }, (error, _out, stderr) =>
          error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(),
        ),
      );
      return JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  const effect = (answer: Props) => answer.policyDocument?.Statement?.[0]?.Effect;

  it('packages an admin bundle that loads on its own and exports the handler', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'keygate-bundle-'));
    try {
      const { code } = bundle('admin');
      writeFileSync(join(dir, 'handler.js'), code);
      const check = `process.exitCode = typeof require(${JSON.stringify(join(dir, 'handler.js'))}).handler === 'function' ? 0 : 3;`;
      await new Promise<void>((resolve, reject) =>
        execFile(process.execPath, ['-e', check], { cwd: dir, env: { PATH: process.env.PATH ?? '' } }, (error, _out, stderr) =>
          error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(),
        ),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('answers a payload-2.0 event: a malformed key is denied without touching DynamoDB', async () => {
    const [answer] = await runPackagedAuthorizer([eventV2({ 'x-api-key': 'kg_not-a-real-key' })], {
      KEYS_TABLE: 'no-such-table',
      DYNAMODB_ENDPOINT: 'http://127.0.0.1:9', // nothing listens: a read would fail, not deny
      AWS_REGION: 'us-east-1',
    });
    expect(effect(answer)).toBe('Deny');
  });

  it('answers a payload-2.0 event: a stored key is allowed its routes (DynamoDB Local)', async () => {
    const table = await freshTable('bundle');
    try {
      const { key, record } = issued({ scopes: ['models'] });
      await new DynamoKeyStore(createDocumentClient({ endpoint: table.endpoint, region: 'local' }), table.name).create(record);
      const [allowed, unknown] = await runPackagedAuthorizer(
        [eventV2({ 'x-api-key': key }, 'GET', '/v1/models'), eventV2({ 'x-api-key': issued().key }, 'GET', '/v1/models')],
        { KEYS_TABLE: table.name, DYNAMODB_ENDPOINT: table.endpoint, AWS_REGION: 'local', MEMORY_CACHE_TTL: '0' },
      );
      expect(effect(allowed)).toBe('Allow');
      expect(allowed.principalId).toBe(record.keyId);
      expect(allowed.context).toMatchObject({ keyId: record.keyId, scopes: 'models' });
      expect(allowed.policyDocument.Statement[0].Resource).toHaveLength(2); // GET /v1/models and /v1/models/*
      expect(effect(unknown)).toBe('Deny');
    } finally {
      await table.drop();
    }
  });
});
