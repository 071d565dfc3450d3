import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startDnsResponder, startLdapResponder, type Callback, type Responder } from '../src';
import { compileFixtures, killAll, runLookup } from './support/java-service';

let dir: string;
const responders: Responder[] = [];

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'l4f-probe-resp-'));
  compileFixtures(dir);
}, 180_000);

afterEach(async () => {
  await Promise.all(responders.splice(0).map((r) => r.close()));
});

afterAll(() => {
  killAll();
  rmSync(dir, { recursive: true, force: true });
});

describe('responders against a real JVM lookup', () => {
  it('the LDAP responder reads the token from a real JNDI lookup, which fails with nothing loaded', async () => {
    const seen: Callback[] = [];
    const ldap = await startLdapResponder({
      onCallback: (cb) => seen.push(cb),
      identify: () => Promise.resolve({ pid: 4242, comm: 'named' }),
    });
    responders.push(ldap);

    const out = await runLookup(dir, `ldap://127.0.0.1:${ldap.port}/l4ftesttoken7`);

    expect(seen).toEqual([
      expect.objectContaining({
        protocol: 'ldap',
        token: 'l4ftesttoken7',
        process: { pid: 4242, comm: 'named' },
      }),
    ]);
    // The responder answered noSuchObject: the lookup failed, no object (and so no code) came back.
    expect(out).toBe('failed javax.naming.NameNotFoundException');
  }, 120_000);

  it('the DNS responder reads the query name of a real JNDI DNS lookup and answers NXDOMAIN', async () => {
    const seen: Callback[] = [];
    const dns = await startDnsResponder({ onCallback: (cb) => seen.push(cb) });
    responders.push(dns);

    const out = await runLookup(dir, `dns://127.0.0.1:${dns.port}/l4fdnstoken9`);

    expect(seen.map((c) => [c.protocol, c.token])).toContainEqual(['dns', 'l4fdnstoken9']);
    expect(out).toBe('failed javax.naming.NameNotFoundException');
  }, 120_000);

  it('refuses to listen anywhere but loopback', async () => {
    await expect(
      startLdapResponder({ host: '0.0.0.0', onCallback: () => undefined }),
    ).rejects.toThrow('responder host 0.0.0.0 is not a loopback address');
  });
});
