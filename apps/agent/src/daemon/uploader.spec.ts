import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import type { AgentServiceClient, UploadResultsRequest } from '@log4fleet/contracts';
import pino from 'pino';
import { Outbox, OUTBOX_DIR } from './outbox';
import { Uploader } from './uploader';

const COMMAND = '0b0e6c1e-0000-4000-8000-00000000000c';

const chunk: UploadResultsRequest = {
  commandId: COMMAND,
  sequence: 0,
  totalChunks: 1,
  findings: [],
  errors: [],
  summary: undefined,
};

/** A client whose every upload is answered with `code`. */
function refusingClient(code: status, calls: { n: number }): AgentServiceClient {
  const uploadResults = (
    _request: UploadResultsRequest,
    _metadata: Metadata,
    _options: unknown,
    callback: (error: ServiceError | null) => void,
  ) => {
    calls.n++;
    const error = Object.assign(new Error(`${code}: refused`), {
      code,
      details: 'refused',
      metadata: new Metadata(),
    });
    setImmediate(() => callback(error));
    return { cancel: () => undefined };
  };
  return { uploadResults } as unknown as AgentServiceClient;
}

describe('Uploader', () => {
  let stateDir: string;
  beforeEach(async () => {
    stateDir = await mkdtemp(path.join(os.tmpdir(), 'uploader-'));
  });
  afterEach(async () => {
    await rm(stateDir, { recursive: true, force: true });
  });

  it('Low: sets a chunk aside once, without retrying, when the controller answers FAILED_PRECONDITION (results of a cancelled command)', async () => {
    const outbox = await Outbox.open(stateDir);
    await outbox.put(chunk);
    const calls = { n: 0 };
    const uploader = new Uploader({
      client: refusingClient(status.FAILED_PRECONDITION, calls),
      outbox,
      credentials: { agentId: COMMAND, secret: 'a'.repeat(64) },
      log: pino({ level: 'silent' }),
      backoff: { initialMs: 1, maxMs: 1 },
    });
    uploader.start();
    for (let i = 0; i < 200 && (await outbox.list()).length > 0; i++)
      await new Promise((r) => setTimeout(r, 10));
    await uploader.close();
    expect(await outbox.list()).toEqual([]);
    expect(calls.n).toBe(1);
    expect(await readdir(path.join(stateDir, OUTBOX_DIR, 'rejected'))).toHaveLength(1);
  });
});
