import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { EXIT, parseFingerprint, readEnrollToken } from './enroll';

const HEX = 'ab'.repeat(32);
const NODE_FORM = HEX.toUpperCase().match(/../g)!.join(':');

describe('M7: --fingerprint', () => {
  it.each([
    `sha256:${HEX}`,
    `SHA256:${HEX.toUpperCase()}`,
    HEX,
    NODE_FORM,
    `sha256 Fingerprint=${NODE_FORM}`,
    `  ${NODE_FORM.toLowerCase()}\n`,
  ])('accepts %j', (input) => {
    expect(parseFingerprint(input)).toBe(NODE_FORM);
  });

  it.each(['', 'sha256:abc', `sha1:${HEX}`, `${HEX}00`, 'not a fingerprint'])(
    'refuses %j as a usage error naming it',
    (input) => {
      expect(() => parseFingerprint(input)).toThrow(
        expect.objectContaining({
          exitCode: EXIT.usage,
          message: expect.stringContaining(`bad --fingerprint "${input}"`),
        }),
      );
    },
  );
});

describe('M7: the enrollment token kept out of ps', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'enroll-token-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('reads --token-file, trimmed', async () => {
    const file = path.join(dir, 'token');
    await writeFile(file, '  l4fe_x_y\n');
    expect(await readEnrollToken({ tokenFile: file, env: 'from-env' })).toBe('l4fe_x_y');
  });

  it('takes LOG4FLEET_ENROLL_TOKEN when no flag gives one', async () => {
    expect(await readEnrollToken({ env: 'from-env' })).toBe('from-env');
  });

  it('refuses an unreadable or empty file and two flags at once', async () => {
    await expect(readEnrollToken({ tokenFile: path.join(dir, 'missing') })).rejects.toMatchObject({
      exitCode: EXIT.usage,
      message: expect.stringContaining('cannot read the token file'),
    });
    const empty = path.join(dir, 'empty');
    await writeFile(empty, '\n');
    await expect(readEnrollToken({ tokenFile: empty })).rejects.toMatchObject({
      message: expect.stringContaining('is empty'),
    });
    await expect(readEnrollToken({ token: 'a', tokenFile: empty })).rejects.toMatchObject({
      exitCode: EXIT.usage,
    });
  });
});
