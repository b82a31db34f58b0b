/** The built-in mock upstream in a process of its own, for the gateway benchmark. Prints its URL. */
import { startMockUpstream } from '../local/mockUpstream';

startMockUpstream().then((upstream) => {
  process.stdout.write(`${upstream.url}\n`);
  process.on('SIGTERM', () => void upstream.close().then(() => process.exit(0)));
});
