import os from 'node:os';
import { PROTOCOL_LIMITS as L } from '@log4fleet/contracts';
import { collectHostFacts, fqdnFromHosts, parseInstanceName, parseOsRelease } from './host-facts';

describe('host facts', () => {
  it('reads os-release(5) with and without quotes', () => {
    const text =
      'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID=\'12\'\nID=debian\n# comment\n';
    expect(parseOsRelease(text)).toMatchObject({
      NAME: 'Debian GNU/Linux',
      VERSION_ID: '12',
      ID: 'debian',
    });
  });

  it('finds the fully qualified name in /etc/hosts, not through DNS', () => {
    const hosts = '127.0.0.1 localhost\n10.0.0.5 web-1.corp.example web-1 # app server\n';
    expect(fqdnFromHosts(hosts, 'web-1')).toBe('web-1.corp.example');
    expect(fqdnFromHosts(hosts, 'db-1')).toBeUndefined();
  });

  it('describes this machine, with overrides for hosts that share a machine id', async () => {
    const facts = await collectHostFacts({
      LOG4FLEET_HOSTNAME: 'node-7',
      LOG4FLEET_MACHINE_ID: ' abc123\n',
    });
    expect(facts).toMatchObject({
      hostname: 'node-7',
      machineId: 'abc123',
      kernel: os.release(),
      arch: os.arch(),
    });
    expect(facts.addresses.length).toBeLessThanOrEqual(64);
    expect(facts.addresses).not.toContain('127.0.0.1');
  });
});

describe('enroll --instance: one more agent of a machine, a host of its own', () => {
  it('adds the instance to the machine id and the hostname', async () => {
    const env = { LOG4FLEET_HOSTNAME: 'node-7', LOG4FLEET_MACHINE_ID: 'abc123' };
    expect(await collectHostFacts(env, 'team-b')).toMatchObject({
      hostname: 'node-7/team-b',
      machineId: 'abc123/team-b',
    });
    expect(await collectHostFacts(env)).toMatchObject({ hostname: 'node-7', machineId: 'abc123' });
  });

  it('keeps the instance whole when the machine id is at its limit (else it would be the machine)', async () => {
    const long = 'f'.repeat(L.machineIdBytes);
    const facts = await collectHostFacts({ LOG4FLEET_MACHINE_ID: long }, 'team-b');
    expect(facts.machineId).toMatch(/^f+\/team-b$/);
    expect(Buffer.byteLength(facts.machineId)).toBe(L.machineIdBytes);
  });

  it.each(['', 'Team', 'a b', '-x', 'x/y', 'a'.repeat(25)])('refuses %j, naming it', (name) => {
    expect(() => parseInstanceName(name)).toThrow(`bad --instance "${name}"`);
  });

  it.each(['b', 'team-b', '2nd', 'a'.repeat(24)])('accepts %j', (name) => {
    expect(parseInstanceName(name)).toBe(name);
  });
});

describe('D4: host facts within the shared protocol limits', () => {
  it('cuts a hostname or machine id the controller would refuse (an enrollment refused for ever)', async () => {
    const facts = await collectHostFacts({
      LOG4FLEET_HOSTNAME: 'h'.repeat(L.factBytes + 10),
      LOG4FLEET_MACHINE_ID: 'é'.repeat(L.machineIdBytes),
    });
    expect(Buffer.byteLength(facts.hostname)).toBe(L.factBytes);
    expect(Buffer.byteLength(facts.fqdn)).toBeLessThanOrEqual(L.factBytes);
    expect(Buffer.byteLength(facts.machineId)).toBeLessThanOrEqual(L.machineIdBytes);
    expect(facts.addresses.length).toBeLessThanOrEqual(L.addresses);
  });
});
