import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { MOCK_TRANSCRIPT, startMockUpstream, toneWav, wavInfo, type MockUpstream } from '../../../scripts/local/mockUpstream';

const SAMPLE = resolve(__dirname, '../../../../shared/audio/speech-16k-mono.wav');

describe('wavInfo', () => {
  it('reads channels, rate and duration from the header', () => {
    const wav = toneWav(0.5, 440, 24_000);
    expect(wavInfo(wav, wav.length)).toEqual({ channels: 1, sampleRate: 24_000, duration: 0.5 });
  });

  it('trusts the received bytes when the data size is a streaming placeholder', () => {
    const wav = toneWav(1, 440, 8000);
    wav.writeUInt32LE(0xffffffff, 40);
    expect(wavInfo(wav, wav.length)?.duration).toBe(1);
  });

  it('is undefined for anything but WAV', () => {
    expect(wavInfo(Buffer.from('{"url":"https://example.com/a.wav"}'), 36)).toBeUndefined();
  });

  (existsSync(SAMPLE) ? it : it.skip)('reads the shared sample (16 kHz mono, ~8.6 s)', () => {
    const wav = readFileSync(SAMPLE);
    expect(wavInfo(wav.subarray(0, 4096), wav.length)).toEqual({ channels: 1, sampleRate: 16_000, duration: 8.631375 });
  });
});

describe('mock upstream', () => {
  let mock: MockUpstream;
  beforeAll(async () => {
    mock = await startMockUpstream();
  });
  afterAll(() => mock.close());

  it('answers /v1/listen with a Deepgram-shaped, clearly fake transcription', async () => {
    const wav = toneWav(2, 440, 16_000);
    const response = await fetch(`${mock.url}/v1/listen?model=nova-3`, {
      method: 'POST',
      headers: { 'content-type': 'audio/wav', 'x-keygate-key-id': 'key_1' },
      body: wav,
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as any;
    expect(body.metadata).toMatchObject({
      request_id: expect.any(String),
      duration: 2,
      channels: 1,
      models: [expect.any(String)],
      keygate_mock: {
        received_bytes: wav.length,
        sha256: createHash('sha256').update(wav).digest('hex'),
        key_id: 'key_1',
        api_key_header_received: false,
      },
    });
    expect(body.results.channels[0].alternatives[0]).toEqual({ transcript: MOCK_TRANSCRIPT, confidence: 0, words: [] });
  });

  it('answers /v1/speak with a short WAV', async () => {
    const response = await fetch(`${mock.url}/v1/speak`, { method: 'POST', body: '{"text":"hello"}' });
    expect(response.headers.get('content-type')).toBe('audio/wav');
    const audio = Buffer.from(await response.arrayBuffer());
    expect(wavInfo(audio, audio.length)?.duration).toBe(0.5);
  });

  it('lists models, finds one, 404s the rest', async () => {
    const list = (await (await fetch(`${mock.url}/v1/models`)).json()) as any;
    expect(list.stt[0].canonical_name).toBe('nova-3');
    expect((await fetch(`${mock.url}/v1/models/nova-3`)).status).toBe(200);
    expect((await fetch(`${mock.url}/v1/models/${list.stt[0].uuid}`)).status).toBe(200);
    expect((await fetch(`${mock.url}/v1/models/nope`)).status).toBe(404);
    expect((await fetch(`${mock.url}/v1/status`)).status).toBe(200);
  });
});
