/**
 * The keys CLI's commands: each turns parsed arguments into one admin API request (DESIGN §5).
 */
import type { ParseArgsConfig } from 'node:util';
import { parseDuration } from './duration';
import { CliError, type AdminRequest } from './client';

type Options = NonNullable<ParseArgsConfig['options']>;
type Values = Record<string, string | boolean | string[] | undefined>;

export interface Command {
  name: string;
  summary: string;
  usage: string;
  options: Options;
  /** Names of the positional arguments, all required. */
  positionals: string[];
  request(values: Values, positionals: string[]): AdminRequest;
}

export class UsageError extends CliError {
  constructor(message: string) {
    super(message, 2);
  }
}

const str = (values: Values, name: string) => values[name] as string | undefined;

function required(values: Values, name: string): string {
  const value = str(values, name);
  if (value === undefined || value === '') throw new UsageError(`--${name} is required`);
  return value;
}

function scopes(text: string): string[] {
  const list = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (list.length === 0) throw new UsageError('--scopes needs at least one scope, e.g. listen,speak');
  return list;
}

function metadata(values: Values): Record<string, string> | undefined {
  const pairs = values.metadata as string[] | undefined;
  if (!pairs?.length) return undefined;
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--metadata wants key=value (got "${pair}")`);
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

function seconds(text: string, option: string): number {
  try {
    return parseDuration(text);
  } catch (error) {
    throw new UsageError(`--${option}: ${(error as Error).message}`);
  }
}

function isoDate(text: string, option: string): string {
  if (Number.isNaN(Date.parse(text))) throw new UsageError(`--${option} wants an ISO 8601 date, e.g. 2027-01-31T00:00:00Z`);
  return text;
}

const keyPath = (keyId: string, suffix = '') => `/admin/keys/${encodeURIComponent(keyId)}${suffix}`;

const EXPIRY: Options = {
  'expires-in': { type: 'string' },
  'expires-at': { type: 'string' },
};

function expiry(values: Values): { expiresAt?: string; expiresInSeconds?: number } {
  const inText = str(values, 'expires-in');
  const atText = str(values, 'expires-at');
  if (inText && atText) throw new UsageError('give --expires-in or --expires-at, not both');
  if (inText) return { expiresInSeconds: seconds(inText, 'expires-in') };
  if (atText) return { expiresAt: isoDate(atText, 'expires-at') };
  return {};
}

export const COMMANDS: Command[] = [
  {
    name: 'create',
    summary: 'issue a new key (the key itself is printed once)',
    usage:
      'create --name NAME --scopes listen[,speak,models,all] [--owner OWNER]\n' +
      '       [--expires-in 30d|12h|15m|3600s | --expires-at ISO-8601] [--metadata k=v ...]',
    options: {
      name: { type: 'string' },
      scopes: { type: 'string' },
      owner: { type: 'string' },
      metadata: { type: 'string', multiple: true },
      ...EXPIRY,
    },
    positionals: [],
    request: (values) => ({
      method: 'POST',
      path: '/admin/keys',
      body: {
        name: required(values, 'name'),
        scopes: scopes(required(values, 'scopes')),
        ...(str(values, 'owner') ? { owner: str(values, 'owner') } : {}),
        ...expiry(values),
        ...(metadata(values) ? { metadata: metadata(values) } : {}),
      },
    }),
  },
  {
    name: 'list',
    summary: 'list keys, newest first',
    usage: 'list [--owner OWNER] [--status active|revoked] [--limit N] [--cursor CURSOR]',
    options: {
      owner: { type: 'string' },
      status: { type: 'string' },
      limit: { type: 'string' },
      cursor: { type: 'string' },
    },
    positionals: [],
    request: (values) => ({
      method: 'GET',
      path: '/admin/keys',
      query: {
        owner: str(values, 'owner'),
        status: str(values, 'status'),
        limit: str(values, 'limit'),
        cursor: str(values, 'cursor'),
      },
    }),
  },
  {
    name: 'show',
    summary: 'show one key record',
    usage: 'show KEYID',
    options: {},
    positionals: ['KEYID'],
    request: (_values, [keyId]) => ({ method: 'GET', path: keyPath(keyId) }),
  },
  {
    name: 'update',
    summary: 'change a key\'s name, scopes, expiry or metadata',
    usage:
      'update KEYID [--name NAME] [--scopes listen,speak] [--expires-at ISO-8601 | --expires-in 30d]\n' +
      '       [--metadata k=v ...]',
    options: {
      name: { type: 'string' },
      scopes: { type: 'string' },
      metadata: { type: 'string', multiple: true },
      ...EXPIRY,
    },
    positionals: ['KEYID'],
    request: (values, [keyId]) => {
      const { expiresAt, expiresInSeconds } = expiry(values);
      const body = {
        ...(str(values, 'name') !== undefined ? { name: str(values, 'name') } : {}),
        ...(str(values, 'scopes') !== undefined ? { scopes: scopes(str(values, 'scopes')!) } : {}),
        // PATCH takes an absolute expiry: --expires-in counts from now.
        ...(expiresAt ? { expiresAt } : {}),
        ...(expiresInSeconds !== undefined
          ? { expiresAt: new Date(Date.now() + expiresInSeconds * 1000).toISOString() }
          : {}),
        ...(metadata(values) ? { metadata: metadata(values) } : {}),
      };
      if (Object.keys(body).length === 0) throw new UsageError('nothing to update: give --name, --scopes, --expires-in, --expires-at or --metadata');
      return { method: 'PATCH', path: keyPath(keyId), body };
    },
  },
  {
    name: 'revoke',
    summary: 'revoke a key (refused everywhere within the authorizer cache TTL)',
    usage: 'revoke KEYID',
    options: {},
    positionals: ['KEYID'],
    request: (_values, [keyId]) => ({ method: 'POST', path: keyPath(keyId, '/revoke') }),
  },
  {
    name: 'rotate',
    summary: 'issue a replacement key; the old one keeps working for the grace period',
    usage: 'rotate KEYID [--grace 1h]   (default: the admin API\'s default grace period; 0 = none)',
    options: { grace: { type: 'string' } },
    positionals: ['KEYID'],
    request: (values, [keyId]) => ({
      method: 'POST',
      path: keyPath(keyId, '/rotate'),
      body: str(values, 'grace') !== undefined ? { gracePeriodSeconds: seconds(str(values, 'grace')!, 'grace') } : {},
    }),
  },
  {
    name: 'events',
    summary: 'the audit trail of a key (created, updated, revoked, rotated...)',
    usage: 'events KEYID [--limit N] [--cursor CURSOR]',
    options: { limit: { type: 'string' }, cursor: { type: 'string' } },
    positionals: ['KEYID'],
    request: (values, [keyId]) => ({
      method: 'GET',
      path: keyPath(keyId, '/events'),
      query: { limit: str(values, 'limit'), cursor: str(values, 'cursor') },
    }),
  },
];
