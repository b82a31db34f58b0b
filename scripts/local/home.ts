/** Where the local stack keeps its state (admin token, stack.json, DynamoDB data). No heavy imports: the CLI reads it. */
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '../..');
export const DEFAULT_HOME = join(REPO_ROOT, '.keygate');

/** KEYGATE_HOME, default `.keygate` in the repository. */
export function stateHome(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.KEYGATE_HOME || DEFAULT_HOME);
}

export function stackFile(home: string): string {
  return join(home, 'stack.json');
}
