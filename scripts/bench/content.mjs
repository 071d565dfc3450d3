// Content of the generated files and archives: text corpora, pooled class files, and the
// builders of jars, wars, Spring Boot fat jars, ears, shaded uber jars and plain zips.
import { MemSink, ZipWriter, deflatedPayload, storedPayload } from './zip.mjs';

export const KB = 1024;
export const MB = 1024 * 1024;

// ---------------------------------------------------------------- content pools

export const WORDS = (
  'public private static final class interface return void int long string list map value ' +
  'config service handler request response session user account order payment invoice ' +
  'cache index query result error exception logger factory builder manager context event ' +
  'stream buffer reader writer socket client server message queue topic record table ' +
  'import package extends implements new this null true false if else for while try catch'
).split(' ');
export const NAME_PARTS = (
  'core util common api impl internal model domain web rest data io net sql json xml http ' +
  'auth security crypto cache metrics tracing config spi plugin support tools batch jobs ' +
  'billing orders catalog search ledger inventory shipping gateway admin portal report'
).split(' ');
export const VENDORS = (
  'acme globex initech umbrella hooli vandelay stark wayne wonka cyberdyne tyrell soylent ' +
  'oscorp aperture massive contoso fabrikam northwind tailspin adventure'
).split(' ');
export const ARTIFACTS = (
  'commons-lang commons-io guava jackson-core jackson-databind netty-buffer netty-codec ' +
  'spring-core spring-beans spring-context spring-web hibernate-core jboss-logging ' +
  'httpclient httpcore okhttp gson snakeyaml jakarta-annotation slf4j-api logback-core ' +
  'postgresql mysql-connector h2 hikaricp quartz poi bcprov kafka-clients zookeeper ' +
  'lucene-core elasticsearch-rest jetty-server tomcat-embed-core undertow-core micrometer'
).split(' ');

export function textCorpus(rng, bytes, style) {
  const parts = [];
  let n = 0;
  let line = 0;
  while (n < bytes) {
    let s;
    if (style === 'log') {
      const t = `2021-12-${String(10 + (line % 5)).padStart(2, '0')} ${String(line % 24).padStart(2, '0')}:${String(line % 60).padStart(2, '0')}:${String((line * 7) % 60).padStart(2, '0')}.${String(line % 1000).padStart(3, '0')}`;
      const lvl = rng.weighted([
        [20, 'INFO'],
        [5, 'DEBUG'],
        [2, 'WARN'],
        [1, 'ERROR'],
      ]);
      s = `${t} ${lvl} [${rng.pick(NAME_PARTS)}-${rng.int(1, 64)}] c.${rng.pick(VENDORS)}.${rng.pick(NAME_PARTS)} - `;
    } else if (style === 'xml') {
      s = `  <${rng.pick(NAME_PARTS)} name="${rng.pick(WORDS)}.${rng.pick(NAME_PARTS)}" value="${rng.int(0, 99999)}"/>`;
    } else {
      s = '    ';
    }
    const k = rng.int(3, 12);
    for (let i = 0; i < k; i++) s += rng.pick(WORDS) + (i % 4 === 3 ? `${rng.int(0, 999)} ` : ' ');
    s += '\n';
    parts.push(s);
    n += s.length;
    line++;
  }
  return Buffer.from(parts.join(''), 'latin1');
}

export class Pools {
  constructor(rng) {
    this.rng = rng;
    this.code = textCorpus(rng, 4 * MB, 'code');
    this.xml = textCorpus(rng, 2 * MB, 'xml');
    this.log = textCorpus(rng, 4 * MB, 'log');
    // Pseudo class files: magic, then constant-pool-like text with some noise; compressed once.
    this.classes = [];
    for (let i = 0; i < 400; i++) {
      const size = rng.logUniform(300, 10 * KB);
      const raw = Buffer.concat([
        Buffer.from([0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 0x34]),
        this.slice(this.code, size - 8 - (size >> 3)),
        rng.bytes(size >> 3),
      ]);
      this.classes.push(deflatedPayload(raw));
    }
    this.texts = [];
    for (let i = 0; i < 120; i++)
      this.texts.push(
        deflatedPayload(this.slice(i % 2 ? this.xml : this.code, rng.logUniform(300, 48 * KB))),
      );
  }
  slice(corpus, len) {
    len = Math.max(0, Math.min(len, corpus.length));
    const off = this.rng.int(0, corpus.length - len);
    return corpus.subarray(off, off + len);
  }
  text(corpus, len, header) {
    const h = Buffer.from(header, 'latin1');
    return Buffer.concat([h, this.slice(corpus, Math.max(0, len - h.length))]);
  }
}

// ---------------------------------------------------------------- archive builders

export function javaName(rng) {
  const p = rng.pick(NAME_PARTS);
  return (
    p[0].toUpperCase() +
    p.slice(1) +
    rng.pick([
      'Service',
      'Handler',
      'Impl',
      'Factory',
      'Util',
      'Config',
      'Dao',
      'Controller',
      'Mapper',
      '',
    ]) +
    rng.int(0, 999)
  );
}
export function pkgPath(rng, vendor, depth) {
  const parts = [rng.pick(['com', 'org', 'io', 'net']), vendor];
  for (let i = 0; i < depth; i++) parts.push(rng.pick(NAME_PARTS));
  return parts.join('/');
}

/** Adds pooled classes under a few packages until the writer reaches `until` bytes. */
export function fillClasses(rng, pools, w, until, prefix, vendor) {
  const pkgs = Array.from(
    { length: rng.int(3, 24) },
    () => prefix + pkgPath(rng, vendor, rng.int(1, 4)),
  );
  let guard = 0;
  while (w.size < until && guard++ < 60000) {
    const name = `${rng.pick(pkgs)}/${javaName(rng)}${rng.chance(0.15) ? '$' + rng.int(1, 9) : ''}.class`;
    if (w.names.has(name)) continue;
    w.add(name, rng.pick(pools.classes));
  }
}
/** Adds incompressible resources (stored) and some compressible ones until `until` bytes. */
export function fillResources(rng, pools, w, until, prefix) {
  let i = 0;
  while (w.size < until) {
    const left = until - w.size;
    if (rng.chance(0.3)) {
      w.add(
        `${prefix}${rng.pick(NAME_PARTS)}/${rng.pick(NAME_PARTS)}-${i++}.${rng.pick(['xml', 'properties', 'html', 'js', 'css', 'json'])}`,
        rng.pick(pools.texts),
      );
      continue;
    }
    const n = Math.max(64, Math.min(left, rng.logUniform(1 * KB, 192 * KB)));
    w.add(
      `${prefix}${rng.pick(NAME_PARTS)}/${rng.pick(['img', 'assets', 'native', 'fonts', 'data'])}-${i++}.${rng.pick(['png', 'jpg', 'so', 'ttf', 'bin', 'dat', 'gz'])}`,
      storedPayload(rng.bytes(n)),
    );
  }
}
export function manifestPayload(rng, extra = '') {
  return deflatedPayload(
    Buffer.from(
      `Manifest-Version: 1.0\r\nCreated-By: Apache Maven 3.8.${rng.int(1, 6)}\r\nBuild-Jdk-Spec: ${rng.pick(['1.8', '11', '17'])}\r\n${extra}\r\n`,
    ),
  );
}

/** A library jar of about `target` bytes; `inject` entries land at a random point. */
export function buildJar(
  rng,
  pools,
  target,
  { vendor = rng.pick(VENDORS), artifact = rng.pick(ARTIFACTS), inject = [] } = {},
) {
  const w = new ZipWriter(new MemSink());
  w.add('META-INF/MANIFEST.MF', manifestPayload(rng));
  w.add(
    `META-INF/maven/com.${vendor}/${artifact}/pom.properties`,
    deflatedPayload(
      Buffer.from(
        `version=${rng.int(1, 9)}.${rng.int(0, 30)}.${rng.int(0, 9)}\ngroupId=com.${vendor}\nartifactId=${artifact}\n`,
      ),
    ),
  );
  const classShare = target * (0.5 + rng.float() * 0.4);
  const cut = classShare * rng.float();
  fillClasses(rng, pools, w, cut, '', vendor);
  for (const e of inject) w.add(e.name, e.payload);
  fillClasses(rng, pools, w, classShare, '', vendor);
  fillResources(rng, pools, w, target, '');
  return w.finish();
}
export const libName = (rng) =>
  `${rng.pick(ARTIFACTS)}-${rng.int(1, 9)}.${rng.int(0, 30)}.${rng.int(0, 9)}.jar`;

/** Adds nested library jars under `dir` until `until`, with `inject` jars among them. */
export function fillLibs(rng, pools, w, until, dir, inject, stored) {
  const at = new Set(inject.map(() => rng.int(0, 12)));
  let i = 0;
  const pending = [...inject];
  const addLib = () => {
    const size = rng.logUniform(
      20 * KB,
      Math.max(40 * KB, Math.min(700 * KB, (until - w.size) * 0.5)),
    );
    const jar = buildJar(rng, pools, size);
    let name = `${dir}${libName(rng)}`;
    while (w.names.has(name)) name = `${dir}${libName(rng)}`;
    w.add(name, stored ? storedPayload(jar) : deflatedPayload(jar, 1));
  };
  while (w.size < until || pending.length) {
    if (pending.length && (at.has(i) || w.size >= until)) {
      const e = pending.shift();
      w.add(e.name, e.payload);
    } else if (w.size < until) addLib();
    i++;
  }
}

export function buildWar(rng, pools, target, inject) {
  const w = new ZipWriter(new MemSink());
  const vendor = rng.pick(VENDORS);
  w.add('META-INF/MANIFEST.MF', manifestPayload(rng));
  w.add('WEB-INF/web.xml', rng.pick(pools.texts));
  fillLibs(rng, pools, w, target * 0.6, 'WEB-INF/lib/', inject, false);
  fillClasses(rng, pools, w, target * 0.8, 'WEB-INF/classes/', vendor);
  fillResources(rng, pools, w, target, 'static/');
  return w.finish();
}

export const LAUNCH_SCRIPT = Buffer.from(
  "#!/bin/bash\n#\n#    .   ____          _            __ _ _\n#   /\\\\ / ___'_ __ _ _(_)_ __  __ _ \\ \\ \\ \\\n" +
    '# Spring Boot executable jar launch script (benchmark stand-in)\n' +
    'jarfile="$0"\nexec java -jar "$jarfile" "$@"\n' +
    '# padding\n'.repeat(200) +
    'exit 0\n',
);

export function buildFat(rng, pools, target, inject) {
  const w = new ZipWriter(new MemSink());
  const vendor = rng.pick(VENDORS);
  w.add(
    'META-INF/MANIFEST.MF',
    manifestPayload(
      rng,
      `Main-Class: org.springframework.boot.loader.JarLauncher\r\nStart-Class: com.${vendor}.Application\r\nSpring-Boot-Classes: BOOT-INF/classes/\r\nSpring-Boot-Lib: BOOT-INF/lib/\r\n`,
    ),
  );
  for (let i = 0; i < 40; i++)
    w.add(`org/springframework/boot/loader/${javaName(rng)}${i}.class`, rng.pick(pools.classes));
  fillClasses(rng, pools, w, target * 0.2, 'BOOT-INF/classes/', vendor);
  w.add('BOOT-INF/classes/application.yml', rng.pick(pools.texts));
  fillLibs(rng, pools, w, target, 'BOOT-INF/lib/', inject, true);
  w.add(
    'BOOT-INF/classpath.idx',
    deflatedPayload(
      Buffer.from(
        [...w.names]
          .filter((n) => n.startsWith('BOOT-INF/lib/'))
          .map((n) => `- "${n}"`)
          .join('\n'),
      ),
    ),
  );
  return w.finish();
}

export function buildEar(rng, pools, target, warName, warInject) {
  const w = new ZipWriter(new MemSink());
  w.add('META-INF/MANIFEST.MF', manifestPayload(rng));
  w.add('META-INF/application.xml', rng.pick(pools.texts));
  w.add(warName, deflatedPayload(buildWar(rng, pools, target * 0.6, warInject), 1));
  fillLibs(rng, pools, w, target, 'lib/', [], false);
  return w.finish();
}

/** A shaded "uber" jar: several vendors' classes flattened, plus relocated log4j copies. */
export function buildUber(rng, pools, target, inject) {
  const w = new ZipWriter(new MemSink());
  w.add('META-INF/MANIFEST.MF', manifestPayload(rng));
  const n = rng.int(3, 8);
  for (let i = 0; i < n; i++)
    fillClasses(rng, pools, w, (target * 0.8 * (i + 1)) / n, '', rng.pick(VENDORS));
  for (const e of inject) w.add(e.name, e.payload);
  fillResources(rng, pools, w, target, '');
  return w.finish();
}

export function buildPlainZip(rng, pools, target) {
  const w = new ZipWriter(new MemSink());
  let i = 0;
  while (w.size < target) {
    if (rng.chance(0.6))
      w.add(
        `backup/${rng.pick(NAME_PARTS)}/${rng.pick(NAME_PARTS)}-${i++}.${rng.pick(['conf', 'xml', 'log', 'txt'])}`,
        rng.pick(pools.texts),
      );
    else
      w.add(
        `backup/${rng.pick(NAME_PARTS)}/blob-${i++}.bin`,
        storedPayload(rng.bytes(Math.min(target - w.size + 64, rng.logUniform(4 * KB, 512 * KB)))),
      );
  }
  return w.finish();
}

export function textCorpusRepeat(pools, n) {
  const parts = [];
  let got = 0;
  while (got < n) {
    const s = pools.slice(pools.log, Math.min(n - got, pools.log.length));
    parts.push(s);
    got += s.length;
  }
  return Buffer.concat(parts, n);
}
