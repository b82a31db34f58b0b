/**
 * Cost per million client requests (us-east-1 list prices, December 2026; sources in README):
 * HTTP API + Keygate's Lambda authorizer and DynamoDB reads, next to a REST API with native API keys.
 */
export const PRICES = {
  httpApiPerMillion: 1.0, // first 300 M/month; metered in 512 KB increments
  restApiPerMillion: 3.5, // first 333 M/month
  lambdaRequestPerMillion: 0.2,
  lambdaArmGbSecond: 0.0000133334,
  dynamoReadPerMillion: 0.125, // on-demand RRU; a strongly consistent read of <= 4 KB is 1 RRU
};

export interface CostRow {
  gatewayCacheHitRate: number;
  memoryCacheHitRate: number;
  httpApi: number;
  lambda: number;
  dynamo: number;
  keygateTotal: number;
  restApi: number;
}

/** Dollars per million requests with bodies <= 512 KB. */
export function costPerMillion(
  gatewayCacheHitRate: number,
  memoryCacheHitRate: number,
  authorizerMemoryMb = 512, // serverless.yml
  billedMsPerInvocation = 10,
): CostRow {
  const invocations = 1e6 * (1 - gatewayCacheHitRate);
  const reads = invocations * (1 - memoryCacheHitRate);
  const lambda =
    (invocations / 1e6) * PRICES.lambdaRequestPerMillion +
    invocations * (authorizerMemoryMb / 1024) * (billedMsPerInvocation / 1000) * PRICES.lambdaArmGbSecond;
  const dynamo = (reads / 1e6) * PRICES.dynamoReadPerMillion;
  return {
    gatewayCacheHitRate,
    memoryCacheHitRate,
    httpApi: PRICES.httpApiPerMillion,
    lambda,
    dynamo,
    keygateTotal: PRICES.httpApiPerMillion + lambda + dynamo,
    restApi: PRICES.restApiPerMillion,
  };
}

export function costTable(): CostRow[] {
  return [
    [0, 0],
    [0.5, 0.5],
    [0.9, 0.5],
    [0.99, 0.5],
    [0.999, 0.5],
  ].map(([g, m]) => costPerMillion(g, m));
}
