/**
 * `serverless package`, offline, in a throw-away copy of the service.
 *
 * Why a copy: serverless-esbuild always works in `<service>/.esbuild` and the Framework in
 * `<service>/.serverless`, so two packagings at once (parallel test files, a colleague's
 * `npm run validate`) would overwrite each other. The copy holds only what packaging reads
 * (serverless.yml, package.json, src/, scripts/serverless/) and links node_modules.
 *
 * Why it is offline: `package` needs no AWS call; dummy credentials and a disabled instance
 * metadata service make sure nothing could reach a real account even if a plugin tried.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { CfnTemplate } from './schema';

export const ROOT = resolve(__dirname, '..', '..');

/** Parameters that satisfy validation without naming anything real. */
export const PLACEHOLDER_PARAMS: Readonly<Record<string, string>> = {
  listenerArn:
    'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/deepgram/0123456789abcdef/0123456789abcdef',
  vpcId: 'vpc-0123456789abcdef0',
  vpcSubnetIds: 'subnet-0123456789abcdef0,subnet-0123456789abcdef1',
};

export interface PackageOptions {
  stage?: string;
  region?: string;
  /** `--param name=value` pairs; PLACEHOLDER_PARAMS are used when not given. */
  params?: Record<string, string>;
  /** false: do not add PLACEHOLDER_PARAMS (to see the error for a missing parameter). */
  placeholders?: boolean;
}

export interface Packaged {
  /** The temporary service copy; `dispose()` removes it. */
  dir: string;
  outDir: string;
  template: CfnTemplate;
  /** Function name → path of its zip artifact. */
  artifacts: Record<string, string>;
  output: string;
  dispose(): void;
}

export class PackagingError extends Error {
  constructor(
    message: string,
    readonly output: string,
  ) {
    super(message);
    this.name = 'PackagingError';
  }
}

/** Files and directories of the repository that `serverless package` reads. */
const SERVICE_FILES = ['serverless.yml', 'package.json', 'tsconfig.json', 'src', 'scripts/serverless'];

function offlineEnvironment(region: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) {
    if (/^AWS_/.test(name) || /^SLS_/.test(name) || name === 'SERVERLESS_ACCESS_KEY') delete env[name];
  }
  return {
    ...env,
    AWS_ACCESS_KEY_ID: 'keygate-offline-packaging',
    AWS_SECRET_ACCESS_KEY: 'keygate-offline-packaging',
    AWS_REGION: region,
    AWS_EC2_METADATA_DISABLED: 'true',
    SLS_TELEMETRY_DISABLED: '1',
    SLS_NOTIFICATIONS_MODE: 'off',
    SLS_INTERACTIVE_SETUP_DISABLE: '1',
    FORCE_COLOR: '0',
  };
}

export async function packageOffline(options: PackageOptions = {}): Promise<Packaged> {
  const stage = options.stage ?? 'dev';
  const region = options.region ?? 'us-east-1';
  const params = { ...(options.placeholders === false ? {} : PLACEHOLDER_PARAMS), ...options.params };

  const dir = mkdtempSync(join(tmpdir(), 'keygate-package-'));
  const dispose = () => rmSync(dir, { recursive: true, force: true });
  try {
    for (const path of SERVICE_FILES) cpSync(join(ROOT, path), join(dir, path), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    const outDir = join(dir, 'out');
    const args = [
      require.resolve('osls/bin/serverless.js'),
      'package',
      '--stage', stage,
      '--region', region,
      '--package', outDir,
      ...Object.entries(params).flatMap(([name, value]) => ['--param', `${name}=${value}`]),
    ];
    const output = await new Promise<string>((resolvePromise, reject) => {
      execFile(process.execPath, args, { cwd: dir, env: offlineEnvironment(region), maxBuffer: 16 << 20, timeout: 120_000 }, (error, stdout, stderr) => {
        const text = `${stdout}${stderr}`;
        if (error) reject(new PackagingError(`serverless package failed (stage ${stage}):\n${text.trim()}`, text));
        else resolvePromise(text);
      });
    });
    const templatePath = join(outDir, 'cloudformation-template-update-stack.json');
    if (!existsSync(templatePath)) throw new PackagingError('serverless package wrote no template', output);
    const template = JSON.parse(readFileSync(templatePath, 'utf8')) as CfnTemplate;
    const artifacts = Object.fromEntries(
      readdirSync(outDir)
        .filter((name) => name.endsWith('.zip'))
        .map((name) => [name.replace(/\.zip$/, ''), join(outDir, name)]),
    );
    return { dir, outDir, template, artifacts, output, dispose };
  } catch (error) {
    dispose();
    throw error;
  }
}
