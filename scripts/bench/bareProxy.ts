/**
 * The floor for a gateway written in Node: a reverse proxy that does nothing but forward (no
 * routing, no authorizer, no policy, no log), with the same keep-alive agent. Comparing Keygate's
 * local gateway with it separates Keygate's own work from the cost of proxying HTTP in Node.
 * Usage: tsx scripts/bench/bareProxy.ts <upstream-url>; prints its own URL.
 */
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

const upstream = new URL(process.argv[2]);
const agent = new Agent({ keepAlive: true });

const server = createServer((req, res) => {
  const headers = { ...req.headers };
  delete headers.host;
  const upstreamReq = request(
    { hostname: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers, agent },
    (upstreamRes) => {
      res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
      upstreamRes.pipe(res);
    },
  );
  upstreamReq.on('error', () => {
    res.writeHead(502);
    res.end();
  });
  req.pipe(upstreamReq);
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
process.on('SIGTERM', () => process.exit(0));
