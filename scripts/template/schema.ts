/**
 * Checks a CloudFormation template against the current resource schema from
 * `@aws-cdk/aws-service-spec` (the CloudFormation registry schemas, as the AWS CDK uses them):
 *   - every resource type exists;
 *   - every property name exists (recursively, through nested property types), required
 *     properties are present, values have the right shape (object / list / scalar) and allowed
 *     literal values are respected;
 *   - every Ref, Fn::GetAtt, Fn::Sub `${...}`, Fn::If condition and DependsOn names something that
 *     exists (resource, parameter, pseudo parameter; a GetAtt attribute of that resource type).
 * It does not evaluate the template or call AWS: it catches misspellings and dangling references,
 * the mistakes that otherwise surface only as a failed stack update.
 */
import { loadAwsServiceSpecSync } from '@aws-cdk/aws-service-spec';
import type { Property, PropertyType, Resource, SpecDatabase, TypeDefinition } from '@aws-cdk/service-spec-types';

export type CfnTemplate = {
  AWSTemplateFormatVersion?: string;
  Parameters?: Record<string, unknown>;
  Conditions?: Record<string, unknown>;
  Mappings?: Record<string, unknown>;
  Resources: Record<string, CfnResource>;
  Outputs?: Record<string, { Value?: unknown; [key: string]: unknown }>;
  [key: string]: unknown;
};
export type CfnResource = {
  Type: string;
  Properties?: Record<string, unknown>;
  DependsOn?: string | string[];
  Condition?: string;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
  [key: string]: unknown;
};

export const PSEUDO_PARAMETERS = [
  'AWS::AccountId',
  'AWS::NotificationARNs',
  'AWS::NoValue',
  'AWS::Partition',
  'AWS::Region',
  'AWS::StackId',
  'AWS::StackName',
  'AWS::URLSuffix',
];
const TEMPLATE_SECTIONS = [
  'AWSTemplateFormatVersion', 'Description', 'Metadata', 'Parameters', 'Rules', 'Mappings', 'Conditions',
  'Transform', 'Resources', 'Outputs',
];
const RESOURCE_KEYS = [
  'Type', 'Properties', 'DependsOn', 'Condition', 'DeletionPolicy', 'UpdateReplacePolicy', 'UpdatePolicy',
  'CreationPolicy', 'Metadata',
];
const DELETION_POLICIES = ['Delete', 'Retain', 'RetainExceptOnCreate', 'Snapshot'];
const INTRINSICS = [
  'Ref', 'Condition', 'Fn::Base64', 'Fn::Cidr', 'Fn::FindInMap', 'Fn::GetAtt', 'Fn::GetAZs', 'Fn::ImportValue',
  'Fn::Join', 'Fn::Length', 'Fn::Select', 'Fn::Split', 'Fn::Sub', 'Fn::ToJsonString', 'Fn::Transform',
  'Fn::And', 'Fn::Equals', 'Fn::If', 'Fn::Not', 'Fn::Or',
];

let cachedDb: SpecDatabase | undefined;
/** The schema database (~0.5 s to load, so loaded once per process). */
export function specDatabase(): SpecDatabase {
  cachedDb ??= loadAwsServiceSpecSync();
  return cachedDb;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `{Ref: ...}`, `{"Fn::Join": ...}`: an object with one key naming an intrinsic function. */
function intrinsicName(value: unknown): string | undefined {
  if (!isObject(value)) return undefined;
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::') || keys[0] === 'Condition') ? keys[0] : undefined;
}

type Shape = 'list' | 'object' | 'scalar';
const valueShape = (value: unknown): Shape => (Array.isArray(value) ? 'list' : isObject(value) ? 'object' : 'scalar');
const typeShape = (type: PropertyType): Shape =>
  type.type === 'array' ? 'list' : type.type === 'ref' || type.type === 'map' || type.type === 'tag' ? 'object' : 'scalar';

const TAG: Record<string, Property> = {
  Key: { type: { type: 'string' }, required: true },
  Value: { type: { type: 'string' }, required: true },
};

const isNoValue = (value: unknown) => isObject(value) && value.Ref === 'AWS::NoValue' && Object.keys(value).length === 1;

class Checker {
  readonly errors: string[] = [];
  private readonly resources: Record<string, CfnResource>;
  private readonly specs = new Map<string, Resource | undefined>();

  constructor(
    private readonly template: CfnTemplate,
    private readonly db: SpecDatabase,
  ) {
    this.resources = isObject(template.Resources) ? (template.Resources as Record<string, CfnResource>) : {};
  }

  private error(path: string, message: string) {
    this.errors.push(`${path}: ${message}`);
  }

  private spec(type: string): Resource | undefined {
    if (!this.specs.has(type)) this.specs.set(type, this.db.lookup('resource', 'cloudFormationType', 'equals', type)[0]);
    return this.specs.get(type);
  }

  private isCustom(type: string) {
    return type.startsWith('Custom::') || type === 'AWS::CloudFormation::CustomResource';
  }

  run(): string[] {
    const t = this.template;
    for (const key of Object.keys(t)) if (!TEMPLATE_SECTIONS.includes(key)) this.error(key, 'unknown template section');
    if (!isObject(t.Resources) || Object.keys(t.Resources).length === 0) this.error('Resources', 'missing or empty');
    for (const [name, condition] of Object.entries(t.Conditions ?? {})) this.references(condition, `Conditions.${name}`);
    for (const [id, resource] of Object.entries(this.resources)) this.resource(id, resource);
    for (const [name, output] of Object.entries(t.Outputs ?? {})) {
      if (!isObject(output) || !('Value' in output)) this.error(`Outputs.${name}`, 'has no Value');
      else this.references(output, `Outputs.${name}`);
    }
    return this.errors;
  }

  private resource(id: string, resource: CfnResource) {
    const path = `Resources.${id}`;
    if (!/^[A-Za-z0-9]{1,255}$/.test(id)) this.error(path, 'logical id must be alphanumeric');
    if (!isObject(resource) || typeof resource.Type !== 'string') return this.error(path, 'has no Type');
    for (const key of Object.keys(resource)) if (!RESOURCE_KEYS.includes(key)) this.error(`${path}.${key}`, 'unknown resource attribute');
    for (const key of ['DeletionPolicy', 'UpdateReplacePolicy'] as const) {
      const policy = resource[key];
      if (policy !== undefined && !DELETION_POLICIES.includes(policy)) this.error(`${path}.${key}`, `invalid policy "${policy}"`);
    }
    for (const dependency of [resource.DependsOn ?? []].flat()) {
      if (!this.resources[dependency]) this.error(`${path}.DependsOn`, `no resource "${dependency}"`);
    }
    if (resource.Condition !== undefined) this.condition(resource.Condition, `${path}.Condition`);
    this.references(resource.Properties ?? {}, `${path}.Properties`);

    if (this.isCustom(resource.Type)) return;
    const spec = this.spec(resource.Type);
    if (!spec) return this.error(path, `unknown resource type ${resource.Type}`);
    if (resource.Properties !== undefined && !isObject(resource.Properties)) return this.error(`${path}.Properties`, 'must be an object');
    this.properties(resource.Properties ?? {}, spec.properties, `${path}.Properties`);
  }

  /** Property names, required properties and value shapes of one object against its schema. */
  private properties(value: Record<string, unknown>, schema: Record<string, Property>, path: string, out = this.errors) {
    for (const [name, property] of Object.entries(schema)) {
      if (property.required && (!(name in value) || isNoValue(value[name]))) out.push(`${path}: required property ${name} is missing`);
    }
    for (const [name, item] of Object.entries(value)) {
      const property = schema[name];
      if (!property) {
        out.push(`${path}.${name}: unknown property (known: ${Object.keys(schema).sort().join(', ')})`);
        continue;
      }
      this.value(item, [property.type, ...(property.previousTypes ?? [])], `${path}.${name}`, out);
    }
  }

  /**
   * A value fits one of the accepted types (a property's current and previous types, union members).
   * Many schemas allow `json` beside a structured type (e.g. DynamoDB KeySchema: list | json); the
   * structured type is what CloudFormation documents, so a value shaped like it is held to it and
   * `json` only accepts values of another shape.
   */
  private value(item: unknown, types: PropertyType[], path: string, out: string[]) {
    const name = intrinsicName(item);
    if (name && name !== 'Condition') return; // resolved at deploy time
    const candidates = types.flatMap((type) => (type.type === 'union' ? type.types : [type]));
    const structured = candidates.filter((type) => type.type !== 'json');
    const sameShape = structured.filter((type) => typeShape(type) === valueShape(item));
    if (structured.length < candidates.length && sameShape.length === 0) return;
    let firstErrors: string[] | undefined;
    for (const type of [...sameShape, ...structured]) {
      const errors = this.against(item, type, path);
      if (errors.length === 0) return;
      firstErrors ??= errors;
    }
    out.push(...(firstErrors ?? []));
  }

  /** The errors of `item` against one (non-union) type. */
  private against(item: unknown, type: PropertyType, path: string): string[] {
    const out: string[] = [];
    const problem = (message: string) => [`${path}: ${message}`];
    switch (type.type) {
      case 'json':
        return [];
      case 'string':
      case 'date-time':
        if (isObject(item) || Array.isArray(item)) return problem('expected a string');
        if ('allowedValues' in type && type.allowedValues && !type.allowedValues.includes(String(item))) {
          return problem(`"${item}" is not one of ${type.allowedValues.join(', ')}`);
        }
        return [];
      case 'number':
      case 'integer':
        if (typeof item === 'boolean' || isObject(item) || Array.isArray(item) || item === '' || !Number.isFinite(Number(item))) {
          return problem(`expected a number, got ${JSON.stringify(item)}`);
        }
        if (type.type === 'integer' && !Number.isInteger(Number(item))) return problem(`expected an integer, got ${item}`);
        if (type.type === 'integer' && type.allowedValues && !type.allowedValues.includes(Number(item))) {
          return problem(`${item} is not one of ${type.allowedValues.join(', ')}`);
        }
        return [];
      case 'boolean':
        return typeof item === 'boolean' || item === 'true' || item === 'false' ? [] : problem(`expected a boolean, got ${JSON.stringify(item)}`);
      case 'null':
        return item === null ? [] : problem('expected null');
      case 'tag':
        if (!isObject(item)) return problem('expected a {Key, Value} tag');
        this.properties(item, TAG, path, out);
        return out;
      case 'array':
        if (!Array.isArray(item)) return problem('expected a list');
        item.forEach((element, i) => this.value(element, [type.element], `${path}[${i}]`, out));
        return out;
      case 'map':
        if (!isObject(item)) return problem('expected a map');
        for (const [key, element] of Object.entries(item)) this.value(element, [type.element], `${path}.${key}`, out);
        return out;
      case 'ref': {
        if (!isObject(item)) return problem('expected an object');
        const definition = this.db.get('typeDefinition', type.reference) as TypeDefinition;
        this.properties(item, definition.properties, path, out);
        return out;
      }
      default:
        return [];
    }
  }

  /** Every intrinsic function inside `value` must name something that exists. */
  private references(value: unknown, path: string): void {
    if (Array.isArray(value)) return value.forEach((item, i) => this.references(item, `${path}[${i}]`));
    if (!isObject(value)) return;
    const name = intrinsicName(value);
    if (!name) {
      for (const [key, item] of Object.entries(value)) {
        if (key.startsWith('Fn::')) this.error(`${path}.${key}`, 'unknown or misplaced intrinsic function');
        this.references(item, `${path}.${key}`);
      }
      return;
    }
    const args = value[name];
    const at = `${path}.${name}`;
    if (!INTRINSICS.includes(name)) return this.error(at, 'unknown intrinsic function');
    switch (name) {
      case 'Ref':
        if (typeof args !== 'string') return this.error(at, 'expects a logical id');
        return this.refTarget(args, at);
      case 'Fn::GetAtt': {
        const [id, ...attribute] = typeof args === 'string' ? args.split('.') : Array.isArray(args) ? args : [];
        if (typeof id !== 'string' || attribute.length === 0) return this.error(at, 'expects [logicalId, attribute]');
        if (attribute.some((part) => typeof part !== 'string')) return this.references(attribute, at);
        return this.getAtt(id, attribute.join('.'), at);
      }
      case 'Fn::Sub':
        return this.sub(args, at);
      case 'Fn::If': {
        if (!Array.isArray(args) || args.length !== 3) return this.error(at, 'expects [condition, then, else]');
        this.condition(args[0], at);
        return this.references(args.slice(1), at);
      }
      case 'Condition':
        return this.condition(args, at);
      case 'Fn::FindInMap':
        if (Array.isArray(args) && typeof args[0] === 'string' && !(this.template.Mappings && args[0] in this.template.Mappings)) {
          this.error(at, `no mapping "${args[0]}"`);
        }
        return this.references(args, at);
      default:
        return this.references(args, at);
    }
  }

  private refTarget(id: string, path: string) {
    if (PSEUDO_PARAMETERS.includes(id) || this.resources[id] || (this.template.Parameters && id in this.template.Parameters)) return;
    this.error(path, `Ref to unknown resource or parameter "${id}"`);
  }

  private getAtt(id: string, attribute: string, path: string) {
    const resource = this.resources[id];
    if (!resource) return this.error(path, `GetAtt of unknown resource "${id}"`);
    if (typeof resource.Type !== 'string' || this.isCustom(resource.Type)) return;
    const spec = this.spec(resource.Type);
    if (spec && !(attribute in spec.attributes)) {
      this.error(path, `${resource.Type} has no attribute "${attribute}" (has: ${Object.keys(spec.attributes).join(', ') || 'none'})`);
    }
  }

  private condition(name: unknown, path: string) {
    if (typeof name !== 'string' || !(this.template.Conditions && name in this.template.Conditions)) {
      this.error(path, `no condition ${JSON.stringify(name)}`);
    }
  }

  /** `${Name}`, `${Name.Attribute}` resolve; `${!Literal}` is text; the variables map may define names. */
  private sub(args: unknown, path: string) {
    const [text, variables] = typeof args === 'string' ? [args, {}] : Array.isArray(args) ? args : [undefined, {}];
    if (typeof text !== 'string' || !isObject(variables)) return this.error(path, 'expects a string or [string, {variables}]');
    this.references(variables, path);
    for (const match of text.matchAll(/\$\{([^}]*)\}/g)) {
      const reference = match[1].trim();
      if (reference.startsWith('!')) continue;
      if (reference in variables) continue;
      const dot = reference.indexOf('.');
      if (dot > 0 && !reference.startsWith('AWS::')) this.getAtt(reference.slice(0, dot), reference.slice(dot + 1), path);
      else this.refTarget(reference, path);
    }
  }
}

/** All problems found in `template` (empty when it is valid). */
export function checkTemplate(template: CfnTemplate, db: SpecDatabase = specDatabase()): string[] {
  if (!isObject(template)) return ['template: not an object'];
  return new Checker(template, db).run();
}
