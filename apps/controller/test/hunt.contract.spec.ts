import { randomUUID } from 'node:crypto';
import { CampaignTestController, startCampaignController } from './campaigns-support/harness';

// The hunt kind's REST contract (supertest against the real app): auth, roles, bad input.
describe('hunt REST contract', () => {
  let controller: CampaignTestController;
  let viewer: string;
  let operator: string;

  beforeAll(async () => {
    controller = await startCampaignController({ prefix: undefined });
    viewer = await controller.tokenFor('viewer');
    operator = await controller.tokenFor('operator');
  });

  afterAll(async () => {
    await controller.dispose();
  });

  const post = (path: string, token: string | null, body: unknown) => {
    const req = controller.http().post(`/api/v1${path}`);
    if (token) req.set('Authorization', `Bearer ${token}`);
    return req.send(body as object);
  };
  const get = (path: string, token: string | null) => {
    const req = controller.http().get(`/api/v1${path}`);
    if (token) req.set('Authorization', `Bearer ${token}`);
    return req;
  };
  const host = randomUUID();

  it('needs a token for every route (401)', async () => {
    expect((await post(`/hosts/${host}/hunts`, null, {})).status).toBe(401);
    expect((await get(`/hosts/${host}/hunt-hits`, null)).status).toBe(401);
    expect((await get(`/hosts/${host}/hunt-runs`, null)).status).toBe(401);
    expect((await get('/hunt-hits', null)).status).toBe(401);
    expect((await get('/hunt-hits/callback-hosts', null)).status).toBe(401);
  });

  it('lets a viewer read hits but not start a hunt (403)', async () => {
    expect((await get('/hunt-hits', viewer)).status).toBe(200);
    expect((await get('/hunt-hits/callback-hosts', viewer)).status).toBe(200);
    expect((await post(`/hosts/${host}/hunts`, viewer, {})).status).toBe(403);
  });

  it('a hunt on a host that does not exist is a 404, its hits too', async () => {
    expect((await post(`/hosts/${host}/hunts`, operator, {})).status).toBe(404);
    expect((await get(`/hosts/${host}/hunt-hits`, viewer)).status).toBe(404);
  });

  it.each([
    ['a relative path', { paths: ['var/log'] }, 'paths must be absolute paths'],
    ['a path over 4096 bytes', { paths: [`/${'\u00e9'.repeat(2100)}`] }, 'at most 4096 bytes'],
    ['a bad hash', { indicatorHashes: ['123'] }, 'indicatorHashes must be MD5, SHA-1 or SHA-256'],
    ['a bad date', { since: 'yesterday' }, 'since must be a valid ISO 8601'],
    ['a line cap over the limit', { maxLineBytes: 1 << 30 }, 'maxLineBytes'],
    ['an unknown field', { shell: 'rm -rf /' }, 'property shell should not exist'],
  ])('refuses %s, naming it (400)', async (_what, body, named) => {
    const res = await post(`/hosts/${host}/hunts`, operator, body);
    expect(res.status).toBe(400);
    expect(String((res.body as { message: unknown }).message)).toContain(named);
  });

  it.each([
    ['kind', 'exploit'],
    ['confidence', 'medium'],
    ['hostId', 'not-a-uuid'],
    ['cve', 'CVE-21'],
    ['since', 'yesterday'],
  ])('refuses a hit filter %s=%s (400)', async (key, value) => {
    expect((await get(`/hunt-hits?${key}=${value}`, viewer)).status).toBe(400);
  });
});
