/**
 * `npm run keys -- <command> ...`: the admin CLI. JSON on stdout; on failure one line on stderr and
 * a non-zero exit (1: the request failed, 2: bad usage). Talks to the local stack by default
 * ($KEYGATE_HOME/stack.json, bearer token) or, with --endpoint, to a deployed API with SigV4.
 */
import { parseArgs } from 'node:util';
import { CliError, describeFailure, localTransport, sigv4Transport } from './cli/client';
import { COMMANDS, UsageError, type Command } from './cli/commands';
import { stateHome } from './local/home';

const GLOBAL_OPTIONS = {
  endpoint: { type: 'string' },
  region: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const GLOBAL_HELP = `  --endpoint URL   a deployed API (https://<api-id>.execute-api.<region>.amazonaws.com):
                   requests are signed with SigV4 using the standard AWS credential chain
  --region REGION  signing region (default: from the endpoint's host name, else AWS_REGION)
  -h, --help       this help
Without --endpoint: the local stack started by \`npm start\` ($KEYGATE_HOME/stack.json).`;

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'Usage: npm run keys -- <command> [options]      (npm run -s keys ... for JSON-only stdout)',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Options for every command:',
    GLOBAL_HELP,
    '',
    'npm run keys -- <command> --help for the options of a command.',
    '',
  ].join('\n');
}

function commandHelp(command: Command): string {
  return [`Usage: npm run keys -- ${command.usage}`, '', command.summary, '', GLOBAL_HELP, ''].join('\n');
}

async function run(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) throw new UsageError(`unknown command "${name}" (commands: ${COMMANDS.map((c) => c.name).join(', ')})`);

  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      options: { ...command.options, ...GLOBAL_OPTIONS },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    // Node's own wording is long ("To specify a positional argument..."): keep its first sentence.
    const message = (error as Error).message.split('. ')[0].replace(/\.$/, '');
    throw new UsageError(`${message} for ${command.name}`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(commandHelp(command));
    return;
  }
  if (positionals.length !== command.positionals.length) {
    throw new UsageError(
      command.positionals.length
        ? `${command.name} needs ${command.positionals.join(' ')}`
        : `${command.name} takes no positional arguments (got "${positionals.join(' ')}")`,
    );
  }

  const request = command.request(values as Record<string, string | boolean | string[] | undefined>, positionals);
  const endpoint = values.endpoint as string | undefined;
  const transport = endpoint
    ? sigv4Transport(endpoint, values.region as string | undefined)
    : localTransport(stateHome());
  const response = await transport(request);
  if (response.status < 200 || response.status >= 300) {
    throw new CliError(`${command.name} failed: ${describeFailure(response)}`);
  }
  process.stdout.write(`${JSON.stringify(response.body, null, 2)}\n`);
}

run(process.argv.slice(2)).catch((error) => {
  const code = error instanceof CliError ? error.exitCode : 1;
  const hint = error instanceof UsageError ? ' (see --help)' : '';
  process.stderr.write(`keys: ${(error as Error)?.message ?? String(error)}${hint}\n`);
  process.exitCode = code;
});
