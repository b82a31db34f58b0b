/** Small readers over a packaged CloudFormation template, shared by the template tests. */
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
