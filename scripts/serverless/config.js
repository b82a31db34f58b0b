'use strict';
/**
 * Deployment parameters (`--param "name=value"` or `params:` in serverless.yml), validated and
 * normalised once for serverless.yml (`custom.keygate: ${file(./scripts/serverless/config.js):config}`).
 *
 * Why a helper rather than `${param:...}` everywhere: CLI params are strings, CloudFormation wants
 * numbers and booleans; a wrong subnet id or TTL should fail `serverless package` with a clear
 * message, not a CloudFormation rollback twenty minutes later; and optional values (TLS server
 * name, load balancer security group) must vanish from the template (`Ref: AWS::NoValue`) rather
 * than be sent as empty strings.
 */

/** Stages that get deletion protection and `Retain` on the keys table unless `retainTable` says otherwise. */
const PRODUCTION_STAGES = ['prod', 'production'];

/** The values CloudWatch Logs accepts for RetentionInDays. */
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

/** Identity source header → the header API Gateway caches on (a missing header is a 401 without a Lambda call). */
const IDENTITY_HEADERS = { 'x-api-key': 'x-api-key', authorization: 'Authorization' };

const NO_VALUE = { Ref: 'AWS::NoValue' };

/** The key prefix rule of the code that issues keys (src/keys/token.ts), not a copy of it. */
const { PREFIX_PATTERN } = require('./loadTs').loadTs('src/keys/token.ts');

/**
 * The JSON access-log line. Values are API Gateway context variables; `$context.authorizer.*`
 * are the authorizer's context (never the key or its hash, see src/keys/policy.ts keyContext).
 */
const ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  ip: '$context.identity.sourceIp',
  userAgent: '$context.identity.userAgent',
  requestTime: '$context.requestTime',
  httpMethod: '$context.httpMethod',
  path: '$context.path',
  routeKey: '$context.routeKey',
  status: '$context.status',
  protocol: '$context.protocol',
  responseLength: '$context.responseLength',
  responseLatency: '$context.responseLatency',
  integrationStatus: '$context.integrationStatus',
  integrationLatency: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage',
  keyId: '$context.authorizer.keyId',
  owner: '$context.authorizer.owner',
  iamUser: '$context.identity.userArn',
  authorizerError: '$context.authorizer.error',
  error: '$context.error.message',
};

function fail(name, message) {
  const error = new Error(`Invalid deployment parameter "${name}": ${message}`);
  error.stack = error.message; // the Framework prints the stack: show the message, not our internals
  throw error;
}

function integer(name, raw, min, max) {
  const value = Number(raw);
  if (raw === '' || !Number.isInteger(value) || value < min || value > max) {
    fail(name, `expected an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

function number(name, raw, min) {
  const value = Number(raw);
  if (raw === '' || !Number.isFinite(value) || value < min) fail(name, `expected a number >= ${min}, got "${raw}"`);
  return value;
}

function matching(name, raw, pattern, what) {
  if (!pattern.test(raw)) fail(name, `expected ${what}, got "${raw}"`);
  return raw;
}

function boolean(name, raw) {
  if (/^(true|yes|1)$/i.test(raw)) return true;
  if (/^(false|no|0)$/i.test(raw)) return false;
  return fail(name, `expected true or false, got "${raw}"`);
}

/**
 * Pure: raw parameter strings (+ stage) → the values serverless.yml uses. Exported for tests.
 * @param {Record<string, string>} raw
 * @param {string} stage
 */
function normalise(raw, stage) {
  const get = (name) => (raw[name] == null ? '' : String(raw[name]).trim());

  if (!get('listenerArn')) {
    fail(
      'listenerArn',
      'required: the ARN of the Deepgram load balancer listener (ALB or NLB), e.g. ' +
        '--param "listenerArn=arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/deepgram/0123456789abcdef/0123456789abcdef"',
    );
  }
  const listenerArn = matching(
    'listenerArn',
    get('listenerArn'),
    /^arn:aws[a-z-]*:(elasticloadbalancing:[a-z0-9-]+:\d{12}:listener\/(app|net)\/\S+|servicediscovery:[a-z0-9-]+:\d{12}:service\/srv-[a-z0-9]+)$/,
    'an ALB/NLB listener ARN (or a Cloud Map service ARN)',
  );
  if (!get('vpcId')) fail('vpcId', 'required: the VPC of the Deepgram load balancer (vpc-...)');
  const vpcId = matching('vpcId', get('vpcId'), /^vpc-[0-9a-f]{8,17}$/, 'a VPC id (vpc-...)');
  const subnetIds = get('vpcSubnetIds')
    .split(',')
    .map((id) => id.trim())
    .filter(Boolean);
  if (subnetIds.length === 0) fail('vpcSubnetIds', 'required: comma-separated private subnet ids for the VPC Link');
  for (const id of subnetIds) matching('vpcSubnetIds', id, /^subnet-[0-9a-f]{8,17}$/, 'subnet ids (subnet-...)');

  const header = IDENTITY_HEADERS[get('identityHeader').toLowerCase()];
  if (!header) fail('identityHeader', `expected one of ${Object.keys(IDENTITY_HEADERS).join(', ')}`);

  const tlsServerName = get('tlsServerName');
  if (tlsServerName) {
    matching('tlsServerName', tlsServerName, /^(?=.{1,253}$)([a-z0-9*]([a-z0-9-]*[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]*[a-z0-9])?$/i, 'a host name');
  }
  const listenerPort = get('listenerPort') ? integer('listenerPort', get('listenerPort'), 1, 65535) : tlsServerName ? 443 : 80;
  const loadBalancerSecurityGroupId = get('loadBalancerSecurityGroupId');
  if (loadBalancerSecurityGroupId) {
    matching('loadBalancerSecurityGroupId', loadBalancerSecurityGroupId, /^sg-[0-9a-f]{8,17}$/, 'a security group id (sg-...)');
  }

  const logRetentionDays = integer('logRetentionDays', get('logRetentionDays'), 1, 3653);
  if (!LOG_RETENTION_DAYS.includes(logRetentionDays)) {
    fail('logRetentionDays', `CloudWatch Logs accepts ${LOG_RETENTION_DAYS.join(', ')}`);
  }

  const retainRaw = get('retainTable').toLowerCase();
  const retainTable = retainRaw === '' || retainRaw === 'auto' ? PRODUCTION_STAGES.includes(stage) : boolean('retainTable', retainRaw);
  // Admin API settings: unset → not in the environment → the admin API's own default.
  const optionalDays = (name, min) => (get(name) ? String(integer(name, get(name), min, 36500)) : NO_VALUE);

  return {
    stage,
    listenerArn,
    vpcId,
    subnetIds,
    identityHeader: header,
    identitySource: `$request.header.${header}`,
    authorizerCacheTtl: integer('authorizerCacheTtl', get('authorizerCacheTtl'), 0, 3600),
    integrationTlsConfig: tlsServerName ? { ServerNameToVerify: tlsServerName } : NO_VALUE,
    // The VPC Link only ever talks to the load balancer: one egress rule, on the listener port, to
    // the load balancer's security group when given (else restricted by port only; the VPC Link's
    // subnets decide what is reachable).
    vpcLinkEgress: [
      {
        IpProtocol: 'tcp',
        FromPort: listenerPort,
        ToPort: listenerPort,
        Description: 'Deepgram load balancer listener',
        ...(loadBalancerSecurityGroupId ? { DestinationSecurityGroupId: loadBalancerSecurityGroupId } : { CidrIp: '0.0.0.0/0' }),
      },
    ],
    throttlingRateLimit: number('throttlingRateLimit', get('throttlingRateLimit'), 0),
    throttlingBurstLimit: integer('throttlingBurstLimit', get('throttlingBurstLimit'), 0, 5000),
    logRetentionDays,
    keyPrefix: matching('keyPrefix', get('keyPrefix'), PREFIX_PATTERN, '2-10 characters a-z0-9, starting with a letter'),
    memoryCacheTtl: String(integer('memoryCacheTtl', get('memoryCacheTtl'), 0, 3600)),
    logLevel: matching('logLevel', get('logLevel'), /^(debug|info|warn|error)$/, 'debug, info, warn or error'),
    maxKeyLifetimeDays: optionalDays('maxKeyLifetimeDays', 0),
    keyRetentionDays: optionalDays('keyRetentionDays', 1),
    auditRetentionDays: optionalDays('auditRetentionDays', 1),
    retainTable,
    unknownKeyAlarmThreshold: integer('unknownKeyAlarmThreshold', get('unknownKeyAlarmThreshold'), 1, 1_000_000),
    alarmActions: get('alarmTopicArn')
      ? [matching('alarmTopicArn', get('alarmTopicArn'), /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/, 'an SNS topic ARN')]
      : NO_VALUE,
    tableDeletionPolicy: retainTable ? 'Retain' : 'Delete',
    accessLogFormat: JSON.stringify(ACCESS_LOG_FIELDS),
  };
}

const PARAMETER_NAMES = [
  'listenerArn',
  'vpcId',
  'vpcSubnetIds',
  'identityHeader',
  'authorizerCacheTtl',
  'tlsServerName',
  'listenerPort',
  'loadBalancerSecurityGroupId',
  'throttlingRateLimit',
  'throttlingBurstLimit',
  'logRetentionDays',
  'keyPrefix',
  'memoryCacheTtl',
  'logLevel',
  'maxKeyLifetimeDays',
  'keyRetentionDays',
  'auditRetentionDays',
  'retainTable',
  'unknownKeyAlarmThreshold',
  'alarmTopicArn',
];

/**
 * `--param` names given on the command line that are not parameters: a typo (`authorizerCacheTTL=0`)
 * must fail, not deploy the default silently.
 * @param {string[]} argv
 */
function unknownCliParams(argv) {
  const names = [];
  argv.forEach((arg, i) => {
    const value = arg === '--param' ? argv[i + 1] : arg.startsWith('--param=') ? arg.slice('--param='.length) : undefined;
    if (value === undefined) return;
    const name = value.split('=')[0].trim();
    if (!PARAMETER_NAMES.includes(name)) names.push(name);
  });
  return names;
}

/** `${file(./scripts/serverless/config.js):config}`: every parameter is declared under `params.default`. */
async function config({ resolveVariable }) {
  const unknown = unknownCliParams(process.argv);
  if (unknown.length) fail(unknown[0], `not a Keygate parameter; known: ${PARAMETER_NAMES.join(', ')}`);
  const stage = await resolveVariable('sls:stage');
  const raw = {};
  for (const name of PARAMETER_NAMES) {
    const value = await resolveVariable(`param:${name}`);
    raw[name] = value == null ? '' : String(value);
  }
  return normalise(raw, stage);
}

module.exports = { config, normalise, unknownCliParams, ACCESS_LOG_FIELDS, PRODUCTION_STAGES, PARAMETER_NAMES };
