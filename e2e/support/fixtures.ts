import { createWriteStream, promises as fsp } from 'node:fs';
import path from 'node:path';
import { ZipFile } from 'yazl';
import { REPO_ROOT } from './build';

export const CORPUS = path.join(REPO_ROOT, 'libs/scanner/test/fixtures/corpus');

/**
 * A web application as deployed: app.war holding WEB-INF/lib/log4j-core-<version>.jar, so
 * a finding has a two-element path chain.
 */
export async function writeWar(file: string, log4jVersion: string): Promise<void> {
  const jar = path.join(CORPUS, `log4j-core-${log4jVersion}.jar`);
  await fsp.access(jar);
  await fsp.mkdir(path.dirname(file), { recursive: true });
  const zip = new ZipFile();
  zip.addBuffer(Buffer.from('Manifest-Version: 1.0\r\n\r\n'), 'META-INF/MANIFEST.MF');
  zip.addFile(jar, `WEB-INF/lib/log4j-core-${log4jVersion}.jar`, { compress: false });
  zip.end();
  await new Promise<void>((resolve, reject) => {
    const out = createWriteStream(file);
    out.once('close', resolve);
    out.once('error', reject);
    zip.outputStream.pipe(out);
  });
}

/**
 * Files that start like a zip and are cut short: each is one scan error (truncated-archive),
 * cheap bulk for chunking. (A file that merely has a jar's name is no scan error.)
 */
export async function writeBrokenJars(dir: string, count: number): Promise<void> {
  await fsp.mkdir(dir, { recursive: true });
  for (let i = 0; i < count; i += 100) {
    const batch = Array.from({ length: Math.min(100, count - i) }, (_, j) =>
      fsp.writeFile(path.join(dir, `broken-${i + j}.jar`), `PK\x03\x04cut short ${i + j}`),
    );
    await Promise.all(batch);
  }
}
