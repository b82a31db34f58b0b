/**
 * What API Gateway does with a Lambda authorizer's IAM-policy answer: check its shape (a malformed
 * answer is a 500, not a 403), then evaluate it against the request's execute-api ARN. Standard IAM
 * logic, small: an explicit Deny wins, then any Allow, else an implicit deny. `*` and `?` are
 * wildcards in Action and Resource; actions compare case-insensitively, resources exactly.
 */
export type ContextValue = string | number | boolean;

interface Statement {
  effect: 'Allow' | 'Deny';
  actions: string[];
  resources: string[];
}

export interface AuthorizerAnswer {
  principalId: string;
  statements: Statement[];
  context: Record<string, ContextValue>;
}

export type ParsedAnswer = { ok: true; answer: AuthorizerAnswer } | { ok: false; error: string };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : [v]);
const strings = (v: unknown): string[] | undefined => {
  const items = list(v);
  return items.length > 0 && items.every((s) => typeof s === 'string' && s !== '') ? (items as string[]) : undefined;
};

/** Validates an authorizer's answer; anything API Gateway would not accept is an error. */
export function parseAuthorizerAnswer(value: unknown): ParsedAnswer {
  const fail = (error: string): ParsedAnswer => ({ ok: false, error });
  if (!isObject(value)) return fail('authorizer answer is not an object');
  if (typeof value.principalId !== 'string') return fail('principalId is missing');
  const doc = value.policyDocument;
  if (!isObject(doc) || doc.Statement === undefined) return fail('policyDocument.Statement is missing');

  const statements: Statement[] = [];
  for (const raw of list(doc.Statement)) {
    if (!isObject(raw)) return fail('a policy statement is not an object');
    const actions = strings(raw.Action);
    const resources = strings(raw.Resource);
    if ((raw.Effect !== 'Allow' && raw.Effect !== 'Deny') || !actions || !resources) {
      return fail('a policy statement needs Effect Allow|Deny, Action and Resource');
    }
    statements.push({ effect: raw.Effect, actions, resources });
  }

  const context: Record<string, ContextValue> = {};
  if (value.context !== undefined && value.context !== null) {
    if (!isObject(value.context)) return fail('context is not an object');
    for (const [key, v] of Object.entries(value.context)) {
      if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
        return fail(`context value "${key}" is not a string, number or boolean`);
      }
      context[key] = v;
    }
  }
  return { ok: true, answer: { principalId: value.principalId, statements, context } };
}

/** Compiled patterns: policies repeat (one cached answer serves many requests), so compile once. */
const compiled = new Map<string, RegExp>();
const MAX_COMPILED = 10_000;

/** IAM wildcard match: `*` any run of characters (including `/`), `?` exactly one. */
export function wildcardMatch(pattern: string, value: string, ignoreCase = false): boolean {
  const cacheKey = `${ignoreCase ? 'i' : 's'}${pattern}`;
  let regex = compiled.get(cacheKey);
  if (regex === undefined) {
    const source = pattern
      .split('')
      .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
      .join('');
    regex = new RegExp(`^${source}$`, ignoreCase ? 'is' : 's');
    if (compiled.size >= MAX_COMPILED) compiled.clear();
    compiled.set(cacheKey, regex);
  }
  return regex.test(value);
}

const INVOKE = 'execute-api:Invoke';

/** True when the policy allows invoking `resourceArn`. */
export function isAllowed(answer: AuthorizerAnswer, resourceArn: string): boolean {
  const applies = (s: Statement) =>
    s.actions.some((a) => wildcardMatch(a, INVOKE, true)) && s.resources.some((r) => wildcardMatch(r, resourceArn));
  const matching = answer.statements.filter(applies);
  if (matching.some((s) => s.effect === 'Deny')) return false;
  return matching.some((s) => s.effect === 'Allow');
}
