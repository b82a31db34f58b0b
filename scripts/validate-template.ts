/**
 * `npm run validate [-- --stage prod] [-- --param name=value ...]`
 *
 * Packages the service offline (no AWS credentials, no network) and checks the CloudFormation
 * template against the current CloudFormation schema (@aws-cdk/aws-service-spec). Placeholder
 * values are used for the required deployment parameters unless given. Prints the resources and
 * the size of each function's bundle; exits 1 on any problem.
 */
import { readFileSync, statSync } from 'node:fs';
import { packageOffline } from './template/package';
import { checkTemplate } from './template/schema';
import { readZip } from './template/zip';

function parseArgs(argv: string[]) {
  const params: Record<string, string> = {};
  let stage = 'dev';
  let region = 'us-east-1';
  for (let i = 0; i < argv.length; i++) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (flag === '--stage' && value) (stage = value), i++;
    else if (flag === '--region' && value) (region = value), i++;
    else if (flag === '--param' && value?.includes('=')) {
      const at = value.indexOf('=');
      params[value.slice(0, at)] = value.slice(at + 1);
      i++;
    } else throw new Error(`unknown argument ${flag} (use --stage S, --region R, --param name=value)`);
  }
  return { stage, region, params };
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const packaged = await packageOffline(options);
  try {
    const { template, artifacts } = packaged;
    const types = new Map<string, number>();
    for (const resource of Object.values(template.Resources)) types.set(resource.Type, (types.get(resource.Type) ?? 0) + 1);
    console.log(`stage ${options.stage}, ${Object.keys(template.Resources).length} resources:`);
    for (const [type, count] of [...types].sort()) console.log(`  ${String(count).padStart(2)} ${type}`);
    for (const [name, path] of Object.entries(artifacts)) {
      const files = [...readZip(readFileSync(path)).entries()].map(([file, data]) => `${file} ${data.length} B`);
      console.log(`function ${name}: ${statSync(path).size} B zipped (${files.join(', ')})`);
    }

    const problems = checkTemplate(template);
    if (problems.length > 0) {
      console.error(`\n${problems.length} problem(s) in the template:`);
      for (const problem of problems) console.error(`  ${problem}`);
      process.exitCode = 1;
    } else {
      console.log('\ntemplate valid against the CloudFormation schema (@aws-cdk/aws-service-spec)');
    }
  } finally {
    packaged.dispose();
  }
}

main().catch((error) => {
  // Our own errors are for people: the message, not a stack trace.
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
