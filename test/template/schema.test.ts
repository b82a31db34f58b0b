/**
 * The template checker (scripts/template/schema.ts) on small hand-written templates: each rule
 * accepts what CloudFormation accepts and reports what it would reject.
 */
import { checkTemplate, type CfnTemplate } from '../../scripts/template/schema';

/** A valid template: a table, a role reading it, a log group; plus whatever a test adds. */
function template(extra: Partial<CfnTemplate> = {}, resources: CfnTemplate['Resources'] = {}): CfnTemplate {
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Parameters: { Stage: { Type: 'String' } },
    Conditions: { IsProd: { 'Fn::Equals': [{ Ref: 'Stage' }, 'prod'] } },
    Resources: {
      Table: {
        Type: 'AWS::DynamoDB::Table',
        Properties: {
          BillingMode: 'PAY_PER_REQUEST',
          KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
          AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
          DeletionProtectionEnabled: { 'Fn::If': ['IsProd', true, false] },
          Tags: [{ Key: 'stage', Value: { Ref: 'Stage' } }],
        },
      },
      Logs: { Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: 30 } },
      Role: {
        Type: 'AWS::IAM::Role',
        DependsOn: ['Table'],
        Properties: {
          AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [] },
          Policies: [
            {
              PolicyName: 'read',
              PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: { 'Fn::GetAtt': ['Table', 'Arn'] } }] },
            },
          ],
        },
      },
      ...resources,
    },
    Outputs: {
      Arn: { Value: { 'Fn::Sub': 'table ${Table} in ${AWS::Region}: ${Table.Arn} ${!Literal} ${Extra}', } },
      Name: { Value: { 'Fn::Sub': ['${Table}-${Suffix}', { Suffix: { Ref: 'AWS::StackName' } }] } },
    },
    ...extra,
  };
}

/** The template with `change` applied to a deep copy. */
function broken(change: (t: any) => void): string[] { // eslint-disable-line @typescript-eslint/no-explicit-any
  const copy = template();
  change(copy);
  return checkTemplate(copy);
}

it('accepts a valid template (intrinsics, conditions, Sub variables and literals, tags)', () => {
  const t = template();
  t.Outputs!.Arn.Value = { 'Fn::Sub': 'table ${Table} in ${AWS::Region}: ${Table.Arn} ${!Literal}' };
  expect(checkTemplate(t)).toEqual([]);
});

it('reports an unresolved ${} in Fn::Sub', () => {
  expect(checkTemplate(template())).toEqual([expect.stringMatching(/^Outputs\.Arn\.Value\.Fn::Sub: .*"Extra"/)]);
});

it.each([
  ['unknown resource type', (t: any) => (t.Resources.Logs.Type = 'AWS::Logs::LogGroups'), /Resources\.Logs: unknown resource type/],
  ['unknown property', (t: any) => (t.Resources.Logs.Properties.Retention = 30), /Logs\.Properties\.Retention: unknown property/],
  ['unknown nested property', (t: any) => (t.Resources.Table.Properties.KeySchema[0].Type = 'HASH'), /KeySchema\[0\]\.Type: unknown property/],
  ['missing required property', (t: any) => delete t.Resources.Role.Properties.AssumeRolePolicyDocument, /required property AssumeRolePolicyDocument/],
  ['missing required nested property', (t: any) => delete t.Resources.Role.Properties.Policies[0].PolicyName, /Policies\[0\]: required property PolicyName/],
  ['required property set to AWS::NoValue', (t: any) => (t.Resources.Table.Properties.KeySchema = { Ref: 'AWS::NoValue' }), /required property KeySchema/],
  ['scalar where a list is expected', (t: any) => (t.Resources.Role.Properties.Policies = 'read'), /Policies: expected a list/],
  ['object where a string is expected', (t: any) => (t.Resources.Table.Properties.BillingMode = { mode: 'x' }), /BillingMode: expected a string/],
  ['value outside the allowed list', (t: any) => (t.Resources.Logs.Properties.RetentionInDays = 10), /10 is not one of/],
  ['non-number integer', (t: any) => (t.Resources.Logs.Properties.RetentionInDays = 'forever'), /expected a number/],
  ['invalid tag', (t: any) => (t.Resources.Table.Properties.Tags = [{ Key: 'x' }]), /Tags\[0\]: required property Value/],
  ['Ref to a missing resource', (t: any) => (t.Outputs.Name.Value = { Ref: 'Tabel' }), /Ref to unknown resource or parameter "Tabel"/],
  ['GetAtt of a missing resource', (t: any) => (t.Outputs.Name.Value = { 'Fn::GetAtt': ['Tabel', 'Arn'] }), /GetAtt of unknown resource "Tabel"/],
  ['GetAtt of a missing attribute', (t: any) => (t.Outputs.Name.Value = { 'Fn::GetAtt': 'Table.ARN' }), /has no attribute "ARN"/],
  ['Sub attribute that does not exist', (t: any) => (t.Outputs.Name.Value = { 'Fn::Sub': '${Table.Name}' }), /has no attribute "Name"/],
  ['Fn::If on a missing condition', (t: any) => (t.Resources.Table.Properties.DeletionProtectionEnabled['Fn::If'][0] = 'IsProduction'), /no condition "IsProduction"/],
  ['resource Condition that does not exist', (t: any) => (t.Resources.Logs.Condition = 'Never'), /Logs\.Condition: no condition "Never"/],
  ['DependsOn a missing resource', (t: any) => (t.Resources.Role.DependsOn = ['Table', 'Queue']), /DependsOn: no resource "Queue"/],
  ['unknown intrinsic function', (t: any) => (t.Outputs.Name.Value = { 'Fn::Concat': ['a', 'b'] }), /unknown intrinsic function/],
  ['invalid DeletionPolicy', (t: any) => (t.Resources.Table.DeletionPolicy = 'Keep'), /invalid policy "Keep"/],
  ['unknown resource attribute', (t: any) => (t.Resources.Table.Propertys = {}), /Table\.Propertys: unknown resource attribute/],
  ['output without a Value', (t: any) => (t.Outputs.Name = { Description: 'x' }), /Outputs\.Name: has no Value/],
  ['unknown template section', (t: any) => (t.Output = {}), /^Output: unknown template section/],
])('reports %s', (_, change, expected) => {
  const problems = broken((t) => {
    t.Outputs.Arn.Value = 'fixed'; // remove the deliberate Sub error of template()
    change(t);
  });
  expect(problems).toEqual([expect.stringMatching(expected)]);
});

it('treats custom resources as opaque but still checks their references', () => {
  const t = template({}, { Custom: { Type: 'Custom::Thing', Properties: { Anything: { Ref: 'Nope' }, ServiceToken: 'x' } } });
  t.Outputs!.Arn.Value = { 'Fn::GetAtt': ['Custom', 'Whatever'] };
  expect(checkTemplate(t)).toEqual([expect.stringMatching(/Custom\.Properties\.Anything\.Ref: .*"Nope"/)]);
});
