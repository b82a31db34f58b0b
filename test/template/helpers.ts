/** Small readers over a packaged CloudFormation template, shared by the template tests. */
import { readFileSync } from 'node:fs';
import { buildSync } from 'esbuild';
import type { CfnResource, CfnTemplate } from '../../scripts/template/schema';

export type Props = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export function resource(template: CfnTemplate, id: string): CfnResource & { Properties: Props } {
  const found = template.Resources[id];
  if (!found) throw new Error(`no resource ${id} in the template (has ${Object.keys(template.Resources).join(', ')})`);
  return found as CfnResource & { Properties: Props };
}

export function ofType(template: CfnTemplate, type: string): [string, CfnResource & { Properties: Props }][] {
  return Object.entries(template.Resources).filter(([, r]) => r.Type === type) as [string, CfnResource & { Properties: Props }][];
}

/** The one resource of a type (fails if there are several). */
export function single(template: CfnTemplate, type: string) {
  const found = ofType(template, type);
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return found[0];
}

/** RouteKey → route properties. */
export function routes(template: CfnTemplate): Map<string, Props> {
  return new Map(ofType(template, 'AWS::ApiGatewayV2::Route').map(([, r]) => [r.Properties.RouteKey as string, r.Properties]));
}

/** The statements of a role's inline policies. */
export function statements(template: CfnTemplate, roleId: string): Props[] {
  const role = resource(template, roleId);
  return (role.Properties.Policies as Props[]).flatMap((policy) => policy.PolicyDocument.Statement as Props[]);
}

export const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** DynamoDB document/low-level commands → the IAM action each needs. */
const COMMAND_ACTIONS: Record<string, string> = {
  Get: 'dynamodb:GetItem',
  GetItem: 'dynamodb:GetItem',
  Put: 'dynamodb:PutItem',
  PutItem: 'dynamodb:PutItem',
  Update: 'dynamodb:UpdateItem',
  UpdateItem: 'dynamodb:UpdateItem',
  Delete: 'dynamodb:DeleteItem',
  DeleteItem: 'dynamodb:DeleteItem',
  Query: 'dynamodb:Query',
  Scan: 'dynamodb:Scan',
  BatchGet: 'dynamodb:BatchGetItem',
  BatchGetItem: 'dynamodb:BatchGetItem',
  BatchWrite: 'dynamodb:BatchWriteItem',
  BatchWriteItem: 'dynamodb:BatchWriteItem',
  TransactGet: 'dynamodb:GetItem',
  TransactGetItems: 'dynamodb:GetItem',
  ExecuteStatement: 'dynamodb:PartiQLSelect',
};
/** TransactWriteItems is authorised per item: `{Put: ...}`, `{Update: ...}`, ... */
const TRANSACT_ITEM_ACTIONS: Record<string, string> = {
  Put: 'dynamodb:PutItem',
  Update: 'dynamodb:UpdateItem',
  Delete: 'dynamodb:DeleteItem',
  ConditionCheck: 'dynamodb:ConditionCheckItem',
};

/**
 * The DynamoDB actions the project's own source files behind `entry` can issue: every
 * `XxxCommand` they name and, for transactions, every item kind they build. An over-approximation
 * of what runs (all of a module counts), which is what an IAM policy has to cover.
 */
export function dynamoActionsOf(entry: string): string[] {
  const { metafile } = buildSync({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    write: false,
    metafile: true,
    logLevel: 'silent',
    packages: 'external',
  });
  const sources = Object.keys(metafile.inputs).filter((file) => !file.includes('node_modules'));
  const actions = new Set<string>();
  for (const file of sources) {
    const code = readFileSync(file, 'utf8');
    for (const [, name] of code.matchAll(/\bnew\s+(\w+)Command\s*\(/g)) {
      const action = COMMAND_ACTIONS[name];
      if (action) actions.add(action);
      else if (name === 'TransactWrite' || name === 'TransactWriteItems') {
        for (const [, kind] of code.matchAll(/\b(Put|Update|Delete|ConditionCheck)\s*:\s*\{/g)) actions.add(TRANSACT_ITEM_ACTIONS[kind]);
      } else if (!/^(CreateTable|DescribeTable|UpdateTimeToLive|DeleteTable|ListTables)$/.test(name)) {
        throw new Error(`${file}: unknown DynamoDB command ${name}Command: add it to COMMAND_ACTIONS`);
      }
    }
  }
  return [...actions].sort();
}
