'use strict';
/**
 * The Deepgram routes of the HTTP API, generated from src/routes.ts (the one route/scope table).
 *
 * Why raw CloudFormation: the Framework's `httpApi` events can only target Lambda functions, and
 * these routes go to the private integration (VPC Link → Deepgram load balancer). Every route gets
 * the Lambda REQUEST authorizer; there is deliberately no `$default` catch-all route, so a path
 * that is not in the table is a 404 from API Gateway and never reaches Deepgram.
 *
 * serverless.yml: `resources: [ ..., ${file(./scripts/serverless/routes.js):resources} ]`
 */
const { loadTs } = require('./loadTs');

/** Logical ids shared with serverless.yml (HttpApi and HttpApiAuthorizer<Name> are the Framework's names). */
const IDS = {
  api: 'HttpApi',
  authorizer: 'HttpApiAuthorizerApiKey',
  integration: 'DeepgramIntegration',
};

/** `POST /v1/models/{modelId}` → `DeepgramRoutePostV1ModelsModelId` */
function routeLogicalId(route) {
  const words = `${route.method} ${route.path}`.split(/[^A-Za-z0-9]+/).filter(Boolean);
  return `DeepgramRoute${words.map((w) => w[0].toUpperCase() + w.slice(1).toLowerCase()).join('')}`;
}

/**
 * Pure: route table → AWS::ApiGatewayV2::Route resources.
 * @param {readonly {method: string, path: string}[]} routes
 */
function deepgramRoutes(routes, ids = IDS) {
  const resources = {};
  for (const route of routes) {
    const id = routeLogicalId(route);
    if (resources[id]) throw new Error(`two routes map to the logical id ${id}`);
    resources[id] = {
      Type: 'AWS::ApiGatewayV2::Route',
      Properties: {
        ApiId: { Ref: ids.api },
        RouteKey: `${route.method} ${route.path}`,
        AuthorizationType: 'CUSTOM',
        AuthorizerId: { Ref: ids.authorizer },
        // Fn::Join rather than Fn::Sub: `${...}` would be taken for a Framework variable.
        Target: { 'Fn::Join': ['/', ['integrations', { Ref: ids.integration }]] },
      },
    };
  }
  return resources;
}

/** `${file(./scripts/serverless/routes.js):resources}` */
function resources() {
  return { Resources: deepgramRoutes(loadTs('src/routes.ts').ROUTES) };
}

module.exports = { resources, deepgramRoutes, routeLogicalId, IDS };
