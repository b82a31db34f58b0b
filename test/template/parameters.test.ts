/**
 * Deployment parameters: a non-production stage packaged with every optional parameter set, the
 * errors for missing or invalid ones, and the pure validation in scripts/serverless/config.js.
 */
import { packageOffline, PackagingError, PLACEHOLDER_PARAMS, type Packaged } from '../../scripts/template/package';
import { checkTemplate, type CfnTemplate } from '../../scripts/template/schema';
import { ofType, resource } from './helpers';

// A CommonJS helper serverless.yml loads through ${file(...)}; typed here for the tests.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { normalise, unknownCliParams } = require('../../scripts/serverless/config.js') as {
  normalise(raw: Record<string, string>, stage: string): Record<string, unknown>;
  unknownCliParams(argv: string[]): string[];
};

const LB_GROUP = 'sg-0fedcba9876543210';
let packaged: Packaged;
let template: CfnTemplate;

beforeAll(async () => {
  packaged = await packageOffline({
    stage: 'staging',
    region: 'eu-west-1',
    params: {
      identityHeader: 'Authorization',
      authorizerCacheTtl: '0',
      tlsServerName: 'deepgram.internal.example.com',
      loadBalancerSecurityGroupId: LB_GROUP,
      throttlingRateLimit: '25.5',
      throttlingBurstLimit: '50',
      logRetentionDays: '90',
      keyPrefix: 'dg',
      maxKeyLifetimeDays: '0',
      keyRetentionDays: '30',
      auditRetentionDays: '730',
      unknownKeyAlarmThreshold: '20',
      alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:keygate-alarms',
    },
  });
  template = packaged.template;
}, 120_000);
afterAll(() => packaged?.dispose());

describe('a non-production stage with every optional parameter', () => {
  it('is valid against the CloudFormation schema', () => {
    expect(checkTemplate(template)).toEqual([]);
  });

  it('sends both alarms to the given SNS topic, at the given threshold', () => {
    for (const alarm of ['UnknownKeysAlarm', 'StoreErrorsAlarm']) {
      expect(resource(template, alarm).Properties.AlarmActions).toEqual(['arn:aws:sns:eu-west-1:123456789012:keygate-alarms']);
    }
    expect(resource(template, 'UnknownKeysAlarm').Properties.Threshold).toBe(20);
  });

  it('identifies keys by the Authorization header and caches nothing', () => {
    expect(resource(template, 'HttpApiAuthorizerApiKey').Properties).toMatchObject({
      IdentitySource: ['$request.header.Authorization'],
      AuthorizerResultTtlInSeconds: 0,
    });
  });

  it('talks TLS to the listener, verifying the server name, and egresses only to the load balancer', () => {
    expect(resource(template, 'DeepgramIntegration').Properties.TlsConfig).toEqual({
      ServerNameToVerify: 'deepgram.internal.example.com',
    });
    expect(resource(template, 'VpcLinkSecurityGroup').Properties.SecurityGroupEgress).toEqual([
      { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, DestinationSecurityGroupId: LB_GROUP, Description: expect.any(String) },
    ]);
  });

  it('deletes the table with the stack and leaves deletion protection off', () => {
    const table = resource(template, 'KeysTable');
    expect(table.DeletionPolicy).toBe('Delete');
    expect(table.UpdateReplacePolicy).toBe('Delete');
    expect(table.Properties.DeletionProtectionEnabled).toBe(false);
    expect(table.Properties.TableName).toBe('keygate-staging-keys');
  });

  it('applies throttling, log retention, key prefix, key lifetime and retention', () => {
    expect(resource(template, 'HttpApiStage').Properties.DefaultRouteSettings).toMatchObject({
      ThrottlingRateLimit: 25.5,
      ThrottlingBurstLimit: 50,
    });
    for (const [, group] of ofType(template, 'AWS::Logs::LogGroup')) expect(group.Properties.RetentionInDays).toBe(90);
    expect(resource(template, 'AuthorizerLambdaFunction').Properties.Environment.Variables).toMatchObject({
      KEY_PREFIX: 'dg',
      IDENTITY_HEADER: 'Authorization', // the authorizer reads the key from this header only
    });
    expect(resource(template, 'AdminLambdaFunction').Properties.Environment.Variables).toMatchObject({
      KEY_PREFIX: 'dg',
      MAX_KEY_LIFETIME_DAYS: '0',
      KEY_RETENTION_DAYS: '30',
      AUDIT_RETENTION_DAYS: '730',
    });
  });
});

describe('parameter errors stop packaging with a clear message', () => {
  it('requires the listener ARN', async () => {
    const attempt = packageOffline({ placeholders: false, params: { vpcId: PLACEHOLDER_PARAMS.vpcId } });
    await expect(attempt).rejects.toBeInstanceOf(PackagingError);
    await expect(attempt).rejects.toThrow(/deployment parameter "listenerArn": required/);
  }, 60_000);

  it('refuses a misspelt parameter instead of deploying the default', async () => {
    await expect(packageOffline({ params: { authorizerCacheTTL: '0' } })).rejects.toThrow(
      /deployment parameter "authorizerCacheTTL": not a Keygate parameter/,
    );
  }, 60_000);

  it('refuses an authorizer cache TTL API Gateway would refuse', async () => {
    await expect(packageOffline({ params: { authorizerCacheTtl: '7200' } })).rejects.toThrow(
      /"authorizerCacheTtl": expected an integer from 0 to 3600/,
    );
  }, 60_000);
});

describe('config.js normalise()', () => {
  const valid = {
    ...PLACEHOLDER_PARAMS,
    identityHeader: 'x-api-key',
    authorizerCacheTtl: '300',
    throttlingRateLimit: '100',
    throttlingBurstLimit: '200',
    logRetentionDays: '30',
    keyPrefix: 'kg',
    memoryCacheTtl: '30',
    logLevel: 'info',
    retainTable: 'auto',
    unknownKeyAlarmThreshold: '100',
  };
  const fails = (overrides: Record<string, string>, message: RegExp) =>
    expect(() => normalise({ ...valid, ...overrides }, 'dev')).toThrow(message);

  it('normalises the defaults', () => {
    expect(normalise(valid, 'dev')).toMatchObject({
      identitySource: '$request.header.x-api-key',
      authorizerCacheTtl: 300,
      subnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'],
      integrationTlsConfig: { Ref: 'AWS::NoValue' },
      maxKeyLifetimeDays: { Ref: 'AWS::NoValue' },
      keyRetentionDays: { Ref: 'AWS::NoValue' },
      retainTable: false,
      tableDeletionPolicy: 'Delete',
    });
  });

  it('retains the table on production stages unless told otherwise', () => {
    expect(normalise(valid, 'prod').tableDeletionPolicy).toBe('Retain');
    expect(normalise(valid, 'production').retainTable).toBe(true);
    expect(normalise({ ...valid, retainTable: 'false' }, 'prod').retainTable).toBe(false);
    expect(normalise({ ...valid, retainTable: 'true' }, 'dev').tableDeletionPolicy).toBe('Retain');
  });

  it('accepts NLB listeners and Cloud Map services as VPC Link targets', () => {
    const nlb = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/net/deepgram/0123456789abcdef/0123456789abcdef';
    const cloudMap = 'arn:aws:servicediscovery:eu-west-1:123456789012:service/srv-abcdefghijklmnop';
    expect(normalise({ ...valid, listenerArn: nlb }, 'dev').listenerArn).toBe(nlb);
    expect(normalise({ ...valid, listenerArn: cloudMap }, 'dev').listenerArn).toBe(cloudMap);
  });

  it.each([
    [{ listenerArn: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/x/y' }, /"listenerArn": expected an ALB\/NLB listener ARN/],
    [{ vpcId: '' }, /"vpcId": required/],
    [{ vpcSubnetIds: ' , ' }, /"vpcSubnetIds": required/],
    [{ vpcSubnetIds: 'subnet-0123456789abcdef0,sg-0123456789abcdef0' }, /"vpcSubnetIds": expected subnet ids/],
    [{ identityHeader: 'x-deepgram-key' }, /"identityHeader": expected one of x-api-key, authorization/],
    [{ authorizerCacheTtl: '-1' }, /"authorizerCacheTtl"/],
    [{ authorizerCacheTtl: '1.5' }, /"authorizerCacheTtl"/],
    [{ logRetentionDays: '31' }, /"logRetentionDays": CloudWatch Logs accepts/],
    [{ keyPrefix: 'KG_' }, /"keyPrefix"/],
    [{ keyPrefix: '9kg' }, /"keyPrefix": expected 2-10 characters a-z0-9, starting with a letter/], // the issuer's rule

    [{ throttlingBurstLimit: 'lots' }, /"throttlingBurstLimit"/],
    [{ tlsServerName: 'not a host' }, /"tlsServerName"/],
    [{ loadBalancerSecurityGroupId: 'subnet-0123456789abcdef0' }, /"loadBalancerSecurityGroupId"/],
    [{ retainTable: 'maybe' }, /"retainTable"/],
    [{ logLevel: 'verbose' }, /"logLevel"/],
    [{ keyRetentionDays: '0' }, /"keyRetentionDays": expected an integer from 1/],
    [{ maxKeyLifetimeDays: '-1' }, /"maxKeyLifetimeDays"/],
    [{ unknownKeyAlarmThreshold: '0' }, /"unknownKeyAlarmThreshold"/],
    [{ alarmTopicArn: 'arn:aws:sqs:eu-west-1:123456789012:q' }, /"alarmTopicArn": expected an SNS topic ARN/],
  ])('refuses %j', (overrides, message) => fails(overrides, message));
});

describe('config.js unknownCliParams()', () => {
  it('names --param entries that are not parameters (a typo must not deploy a default)', () => {
    const argv = ['node', 'sls', 'deploy', '--param', 'authorizerCacheTTL=0', '--param=keyPrefix=dg', '--param', 'vpcId=vpc-1'];
    expect(unknownCliParams(argv)).toEqual(['authorizerCacheTTL']);
    expect(unknownCliParams(['node', 'sls', 'package', '--param', 'listenerArn=arn:x'])).toEqual([]);
  });
});
