/**
 * The built-in mock upstream in a process of its own, for the gateway benchmark. Prints its URL.
 * Usage: tsx scripts/bench/upstream.ts [delay-ms]
 */
import { startMockUpstream } from '../local/mockUpstream';

startMockUpstream(0, Number(process.argv[2] ?? 0)).then((upstream) => {
  process.stdout.write(`${upstream.url}\n`);
  process.on('SIGTERM', () => void upstream.close().then(() => process.exit(0)));
});
