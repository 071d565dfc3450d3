import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RootFs } from '../util/root-fs';
import { collectUpdates } from './collect-updates';

let root: string;

function touch(rel: string, when: Date): void {
  const file = path.join(root, rel);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, 'x');
  utimesSync(file, when, when);
}

beforeAll(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'inventory-rpm-'));
  touch('var/lib/rpm/Packages', new Date('2024-01-10T00:00:00Z'));
  touch('usr/lib/sysimage/rpm/rpmdb.sqlite', new Date('2024-02-10T00:00:00Z'));
  // Berkeley DB environment files change on every rpm query: not an update.
  touch('var/lib/rpm/__db.001', new Date('2024-05-01T00:00:00Z'));
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('collectUpdates on an rpm host', () => {
  it('takes the newest rpm database modification, ignoring __db files', async () => {
    const updates = await collectUpdates(new RootFs(root), { version: '1.0.0' });
    expect(updates.rpm).toEqual({
      at: '2024-02-10T00:00:00.000Z',
      file: '/usr/lib/sysimage/rpm/rpmdb.sqlite',
      detail: 'rpm database modified (rpmdb.sqlite)',
    });
    expect(updates.lastUpdate).toEqual(updates.rpm);
    expect(updates.dpkg).toBeUndefined();
    expect(updates.agent).toEqual({ version: '1.0.0' });
  });
});
