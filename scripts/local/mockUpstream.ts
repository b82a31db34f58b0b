/**
 * A Deepgram-compatible stand-in used when DEEPGRAM_URL is not set, so `npm start` works with no
 * Deepgram at hand. It performs no speech recognition and says so in every transcript. It answers:
 *   POST /v1/listen        Deepgram-shaped JSON; duration and channels read from the WAV header
 *   POST /v1/speak         0.5 s of a 440 Hz tone (audio/wav)
 *   GET  /v1/models[/{id}] a small model list
 *   GET  /v1/status        health
 * `metadata.keygate_mock` shows what reached the upstream (byte count, SHA-256, the key id header),
 * which makes the gateway's behaviour visible from a plain curl.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const MOCK_TRANSCRIPT = '[keygate mock upstream: no speech recognition performed]';

const MODELS = [
  {
    name: 'general-nova-3',
    canonical_name: 'nova-3',
    architecture: 'nova-3',
    languages: ['en'],
    version: '2025-01-01.0',
    uuid: '2c7b6ab6-4e71-4d8b-9b0b-5a1f1c8d9e01',
    batch: true,
    streaming: true,
    formatted_output: true,
  },
];
const TTS_MODELS = [
  {
    name: 'aura-2-thalia-en',
    canonical_name: 'aura-2-thalia-en',
    architecture: 'aura-2',
    languages: ['en'],
    version: '2025-01-01.0',
    uuid: '6a1b2c3d-0000-4000-8000-00000000a001',
    metadata: { accent: 'American', color: '#000000', image: '', sample: '', tags: [] },
  },
];

export interface WavInfo {
  channels: number;
  sampleRate: number;
  duration: number;
}

/** Channels, sample rate and duration of a RIFF/WAVE file from its first bytes and total size. */
export function wavInfo(head: Buffer, totalBytes: number): WavInfo | undefined {
  if (head.length < 12 || head.toString('ascii', 0, 4) !== 'RIFF' || head.toString('ascii', 8, 12) !== 'WAVE') {
    return undefined;
  }
  let channels = 0;
  let sampleRate = 0;
  let byteRate = 0;
  for (let offset = 12; offset + 8 <= head.length; ) {
    const id = head.toString('ascii', offset, offset + 4);
    const size = head.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ' && body + 16 <= head.length) {
      channels = head.readUInt16LE(body + 2);
      sampleRate = head.readUInt32LE(body + 4);
      byteRate = head.readUInt32LE(body + 8);
    } else if (id === 'data') {
      if (!byteRate) return undefined;
      // Streamed WAVs may carry a placeholder size: trust the bytes actually received then.
      const available = totalBytes - body;
      const dataBytes = size === 0 || size > available ? available : size;
      return { channels, sampleRate, duration: Math.round((dataBytes / byteRate) * 1e6) / 1e6 };
    }
    offset = body + size + (size % 2);
  }
  return undefined;
}

/** A 16-bit mono PCM WAV of a sine tone. */
export function toneWav(seconds = 0.5, frequency = 440, sampleRate = 24_000): Buffer {
  const samples = Math.round(seconds * sampleRate);
  const wav = Buffer.alloc(44 + samples * 2);
  wav.write('RIFF', 0, 'ascii');
  wav.writeUInt32LE(36 + samples * 2, 4);
  wav.write('WAVEfmt ', 8, 'ascii');
  wav.writeUInt32LE(16, 16);
  wav.writeUInt16LE(1, 20); // PCM
  wav.writeUInt16LE(1, 22); // mono
  wav.writeUInt32LE(sampleRate, 24);
  wav.writeUInt32LE(sampleRate * 2, 28);
  wav.writeUInt16LE(2, 32);
  wav.writeUInt16LE(16, 34);
  wav.write('data', 36, 'ascii');
  wav.writeUInt32LE(samples * 2, 40);
  for (let i = 0; i < samples; i++) {
    wav.writeInt16LE(Math.round(Math.sin((2 * Math.PI * frequency * i) / sampleRate) * 0.3 * 32767), 44 + i * 2);
  }
  return wav;
}

interface Received {
  bytes: number;
  sha256: string;
  head: Buffer;
  text: string;
}

const HEAD_BYTES = 64 * 1024;

/** Reads a body as it streams: hash and size of everything, the first 64 KB kept for parsing. */
function receive(req: IncomingMessage): Promise<Received> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    const head: Buffer[] = [];
    let kept = 0;
    let bytes = 0;
    req.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      bytes += chunk.length;
      if (kept < HEAD_BYTES) {
        head.push(chunk.subarray(0, HEAD_BYTES - kept));
        kept += Math.min(chunk.length, HEAD_BYTES - kept);
      }
    });
    req.on('end', () => {
      const first = Buffer.concat(head);
      resolve({ bytes, sha256: hash.digest('hex'), head: first, text: first.toString('utf8') });
    });
    req.on('error', reject);
  });
}

function json(res: ServerResponse, status: number, body: unknown, requestId: string) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'dg-request-id': requestId,
  });
  res.end(text);
}

function notFound(res: ServerResponse, requestId: string) {
  json(res, 404, { err_code: 'NOT_FOUND', err_msg: 'Not found.', request_id: requestId }, requestId);
}

async function listen(req: IncomingMessage, res: ServerResponse, requestId: string) {
  const received = await receive(req);
  const wav = wavInfo(received.head, received.bytes);
  const modelInfo = MODELS[0];
  json(
    res,
    200,
    {
      metadata: {
        transaction_key: 'deprecated',
        request_id: requestId,
        created: new Date().toISOString(),
        duration: wav?.duration ?? 0,
        channels: wav?.channels ?? 1,
        models: [modelInfo.uuid],
        model_info: { [modelInfo.uuid]: { name: modelInfo.name, version: modelInfo.version, arch: modelInfo.architecture } },
        keygate_mock: {
          note: 'Keygate mock upstream: this is not Deepgram and no speech recognition was performed',
          received_bytes: received.bytes,
          sha256: received.sha256,
          key_id: req.headers['x-keygate-key-id'] ?? null,
          api_key_header_received: req.headers['x-api-key'] !== undefined,
        },
      },
      results: {
        channels: [{ alternatives: [{ transcript: MOCK_TRANSCRIPT, confidence: 0, words: [] }] }],
      },
    },
    requestId,
  );
}

async function speak(req: IncomingMessage, res: ServerResponse, requestId: string) {
  await receive(req);
  const wav = toneWav();
  res.writeHead(200, {
    'content-type': 'audio/wav',
    'content-length': wav.length,
    'dg-request-id': requestId,
    'dg-model-name': TTS_MODELS[0].name,
    'dg-char-count': '0',
  });
  res.end(wav);
}

function route(req: IncomingMessage, res: ServerResponse) {
  const requestId = randomUUID();
  const path = (req.url ?? '/').split('?')[0];
  const method = req.method ?? 'GET';
  if (method === 'POST' && path === '/v1/listen') return listen(req, res, requestId);
  if (method === 'POST' && path === '/v1/speak') return speak(req, res, requestId);
  req.resume();
  if (method === 'GET' && path === '/v1/models') return json(res, 200, { stt: MODELS, tts: TTS_MODELS }, requestId);
  const model = /^\/v1\/models\/([^/]+)$/.exec(path);
  if (method === 'GET' && model) {
    const id = decodeURIComponent(model[1]);
    const found = [...MODELS, ...TTS_MODELS].find((m) => m.uuid === id || m.canonical_name === id || m.name === id);
    return found ? json(res, 200, found, requestId) : notFound(res, requestId);
  }
  if (method === 'GET' && (path === '/v1/status' || path === '/v1/status/engine')) {
    return json(res, 200, { system_health: 'Operational', mock: true }, requestId);
  }
  return notFound(res, requestId);
}

export interface MockUpstream {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/**
 * Starts the mock on 127.0.0.1 (a random port unless given). `delayMs` holds each answer back that
 * long, standing in for the time a real Deepgram spends on a request (the gateway benchmark uses it).
 */
export function startMockUpstream(port = 0, delayMs = 0): Promise<MockUpstream> {
  const answer = (req: IncomingMessage, res: ServerResponse) =>
    Promise.resolve(route(req, res)).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  const server = createServer((req, res) => {
    if (delayMs > 0) setTimeout(() => void answer(req, res), delayMs);
    else void answer(req, res);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const { port: bound } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${bound}`,
        server,
        close: () =>
          new Promise((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
