/**
 * A recording upstream for the end-to-end tests (DEEPGRAM_URL points at it): it keeps what reached
 * it (headers, body size and SHA-256) and answers at once, except `GET /v1/models/slow`, which
 * answers only after `slowMs` (for the integration timeout).
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Recorded {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** As received: Node's `headers` map loses a header named `__proto__`. */
  rawHeaders: string[];
  bytes: number;
  sha256: string;
}

/** Reads a request's body to its end and hands over what arrived: headers, size and SHA-256. */
export function recordRequest(req: IncomingMessage, done: (record: Recorded) => void): void {
  const hash = createHash('sha256');
  let bytes = 0;
  req.on('data', (chunk: Buffer) => {
    hash.update(chunk);
    bytes += chunk.length;
  });
  req.on('end', () =>
    done({ method: req.method!, url: req.url!, headers: req.headers, rawHeaders: req.rawHeaders, bytes, sha256: hash.digest('hex') }),
  );
}

export async function startRecorder(slowMs = 5000) {
  const received: Recorded[] = [];
  const server = createServer((req, res) => {
    recordRequest(req, (record) => {
      received.push(record);
      const answer = () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ recorded: true, bytes: record.bytes }));
      };
      if (req.url === '/v1/models/slow') setTimeout(answer, slowMs).unref();
      else answer();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    /** The last request that reached the upstream for this path. */
    last: (path: string) => [...received].reverse().find((r) => r.url.split('?')[0] === path),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
