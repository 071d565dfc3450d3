import {
  Command,
  type HuntCommand,
  type QuarantineCommand,
} from './generated/log4fleet/agent/v1/commands';
import {
  canonicalCommandBytes,
  checkCommandSignature,
  followKeyChain,
  generateSigningKey,
  signCommand,
  signRotation,
  type CommandRefusalCode,
} from './command-signature';

const AGENT = '0d1e2f30-4a5b-4c6d-8e7f-0123456789ab';
const NOW = 1_765_400_000_000;
const key = generateSigningKey();
const other = generateSigningKey();

function scan(overrides: Partial<Command> = {}): Command {
  return {
    id: '11111111-2222-4333-8444-555555555555',
    issuedAtMs: NOW - 1000,
    expiresAtMs: NOW + 3_600_000,
    kind: {
      $case: 'scan',
      value: {
        paths: [Buffer.from('/opt'), Buffer.from([0x2f, 0xff])],
        exclude: ['/proc'],
        includeNetworkFs: false,
        oneFileSystem: true,
        maxDepth: 4,
        maxNestedBytes: 1 << 20,
        threads: 2,
        nice: true,
        processes: true,
        processesOnly: false,
      },
    },
    signature: Buffer.alloc(0),
    agentId: '',
    ...overrides,
  };
}

describe('canonical command encoding', () => {
  it('is the documented byte layout: domain, version, length-prefixed fields', () => {
    const bytes = canonicalCommandBytes({ ...scan(), agentId: AGENT });
    expect(bytes.subarray(0, 18).toString('ascii')).toBe('log4fleet-command\0');
    expect(bytes[18]).toBe(1);
    expect(bytes.readUInt32BE(19)).toBe(36);
    expect(bytes.subarray(23, 59).toString()).toBe(scan().id);
  });

  it('does not depend on the protobuf encoding: a decoded copy encodes the same', () => {
    const signed = signCommand(scan(), AGENT, key.privateKey);
    const copy = Command.decode(Command.encode(signed).finish());
    expect(canonicalCommandBytes(copy).equals(canonicalCommandBytes(signed))).toBe(true);
  });

  it('changes with every signed field (no two fields can trade bytes)', () => {
    const base = canonicalCommandBytes({ ...scan(), agentId: AGENT });
    const variants: Command[] = [
      scan({ id: '11111111-2222-4333-8444-555555555556' }),
      scan({ issuedAtMs: NOW }),
      scan({ expiresAtMs: NOW + 1 }),
      { ...scan(), kind: { $case: 'scan', value: { ...scanValue(), threads: 3 } } },
      { ...scan(), kind: { $case: 'scan', value: { ...scanValue(), exclude: ['/pro', 'c'] } } },
      { ...scan(), kind: { $case: 'scan', value: { ...scanValue(), processesOnly: true } } },
    ];
    for (const v of variants)
      expect(canonicalCommandBytes({ ...v, agentId: AGENT }).equals(base)).toBe(false);
    expect(canonicalCommandBytes({ ...scan(), agentId: `${AGENT}x` }).equals(base)).toBe(false);
  });
});

describe('canonical encoding of a quarantine and a release', () => {
  const quarantineValue: QuarantineCommand = {
    mode: 'isolate',
    allowlist: [{ cidr: '10.0.0.0/8', protocol: 'tcp', port: 22 }],
    resolvers: [],
    probe: { address: '192.0.2.7', port: 1389, protocol: 'tcp' },
    deadlineS: 30,
    controllerAddresses: ['10.1.1.1'],
  };
  const quarantine = (value: Partial<QuarantineCommand> = {}): Command =>
    scan({ kind: { $case: 'quarantine', value: { ...quarantineValue, ...value } } });

  it('changes with every parameter', () => {
    const base = canonicalCommandBytes({ ...quarantine(), agentId: AGENT });
    const variants: Command[] = [
      quarantine({ mode: 'egress-block' }),
      quarantine({ allowlist: [{ cidr: '10.0.0.0/9', protocol: 'tcp', port: 22 }] }),
      quarantine({ allowlist: [{ cidr: '10.0.0.0/8', protocol: 'udp', port: 22 }] }),
      quarantine({ allowlist: [{ cidr: '10.0.0.0/8', protocol: 'tcp', port: 23 }] }),
      quarantine({ allowlist: [] }),
      quarantine({ resolvers: ['10.0.0.53'] }),
      quarantine({ probe: undefined }),
      quarantine({ probe: { address: '192.0.2.8', port: 1389, protocol: 'tcp' } }),
      quarantine({ probe: { address: '192.0.2.7', port: 1099, protocol: 'tcp' } }),
      quarantine({ probe: { address: '192.0.2.7', port: 1389, protocol: 'udp' } }),
      quarantine({ deadlineS: 31 }),
      quarantine({ controllerAddresses: ['10.1.1.2'] }),
      scan({ kind: { $case: 'release', value: {} } }),
    ];
    for (const v of variants)
      expect(canonicalCommandBytes({ ...v, agentId: AGENT }).equals(base)).toBe(false);
  });

  it('a signed quarantine verifies, and one with a widened allowlist does not', () => {
    const signed = signCommand(quarantine(), AGENT, key.privateKey);
    expect(
      checkCommandSignature(signed, { agentId: AGENT, pinnedKey: key.publicKey, nowMs: NOW }),
    ).toBeNull();
    const widened = {
      ...signed,
      kind: quarantine({ allowlist: [{ cidr: '0.0.0.0/1', protocol: 'tcp', port: 0 }] }).kind,
    };
    expect(
      checkCommandSignature(widened, { agentId: AGENT, pinnedKey: key.publicKey, nowMs: NOW })
        ?.code,
    ).toBe('foreign');
  });
});

describe('canonical encoding of a probe', () => {
  const probeValue = {
    targets: [
      { address: '127.0.0.1', port: 8080 },
      { address: '', port: 8443 },
    ],
    ratePerSecond: 20,
    maxRequests: 1000,
    timeBudgetSeconds: 120,
  };
  const probe = (value: Partial<typeof probeValue>): Command =>
    scan({ kind: { $case: 'probe', value: { ...probeValue, ...value } }, agentId: AGENT });

  it('changes with every parameter, and a scan never encodes the same', () => {
    const base = canonicalCommandBytes(probe({}));
    const variants = [
      probe({ targets: [{ address: '127.0.0.1', port: 8080 }] }),
      probe({
        targets: [
          { address: '127.0.0.2', port: 8080 },
          { address: '', port: 8443 },
        ],
      }),
      probe({
        targets: [
          { address: '127.0.0.1', port: 8081 },
          { address: '', port: 8443 },
        ],
      }),
      // Bytes moved from one address to the next must not encode the same.
      probe({
        targets: [
          { address: '127.0.0.', port: 8080 },
          { address: '1', port: 8443 },
        ],
      }),
      probe({ ratePerSecond: 21 }),
      probe({ maxRequests: 999 }),
      probe({ timeBudgetSeconds: 121 }),
    ];
    for (const v of variants) expect(canonicalCommandBytes(v).equals(base)).toBe(false);
    expect(canonicalCommandBytes({ ...scan(), agentId: AGENT }).equals(base)).toBe(false);
  });

  it('a signed probe verifies, and one with a changed target does not', () => {
    const signed = signCommand(probe({}), AGENT, key.privateKey);
    const ctx = { agentId: AGENT, pinnedKey: key.publicKey, nowMs: NOW };
    expect(checkCommandSignature(signed, ctx)).toBeNull();
    const moved = {
      ...signed,
      kind: {
        $case: 'probe' as const,
        value: { ...probeValue, targets: [{ address: '10.0.0.9', port: 8080 }] },
      },
    };
    expect(checkCommandSignature(moved, ctx)?.code).toBe('foreign');
  });
});

describe('canonical encoding of fix and restore', () => {
  const fix = (
    over: Partial<{
      paths: Buffer[];
      dryRun: boolean;
      stripSignatures: boolean;
      log4j1: boolean;
    }> = {},
  ): Command =>
    scan({
      kind: {
        $case: 'fix',
        value: {
          paths: [Buffer.from('/opt/a.jar')],
          dryRun: false,
          stripSignatures: false,
          log4j1: false,
          ...over,
        },
      },
    });
  const restore = (
    over: Partial<{ paths: Buffer[]; force: boolean; fixCommandId: string }> = {},
  ): Command =>
    scan({
      kind: {
        $case: 'restore',
        value: { paths: [Buffer.from('/opt/a.jar')], force: false, fixCommandId: '', ...over },
      },
    });
  const bytes = (c: Command): Buffer => canonicalCommandBytes({ ...c, agentId: AGENT });

  it('changes with every parameter of a fix', () => {
    const base = bytes(fix());
    for (const v of [
      fix({ paths: [Buffer.from('/opt/b.jar')] }),
      fix({ paths: [Buffer.from('/opt/a.jar'), Buffer.from('/x')] }),
      fix({ dryRun: true }),
      fix({ stripSignatures: true }),
      fix({ log4j1: true }),
    ])
      expect(bytes(v).equals(base)).toBe(false);
    // A fix and a restore of the same path are different commands.
    expect(bytes(restore()).equals(base)).toBe(false);
  });

  it('changes with every parameter of a restore', () => {
    const base = bytes(restore());
    for (const v of [
      restore({ paths: [Buffer.from('/opt/b.jar')] }),
      restore({ force: true }),
      restore({ fixCommandId: '11111111-2222-4333-8444-555555555555' }),
    ])
      expect(bytes(v).equals(base)).toBe(false);
  });

  it('a tampered strip_signatures breaks the signature', () => {
    const signed = signCommand(fix(), AGENT, key.privateKey);
    const tampered: Command = {
      ...signed,
      kind: {
        $case: 'fix',
        value: {
          paths: [Buffer.from('/opt/a.jar')],
          dryRun: false,
          stripSignatures: true,
          log4j1: false,
        },
      },
    };
    expect(
      checkCommandSignature(tampered, { agentId: AGENT, pinnedKey: key.publicKey, nowMs: NOW })
        ?.code,
    ).toBe('foreign');
    expect(
      checkCommandSignature(signed, { agentId: AGENT, pinnedKey: key.publicKey, nowMs: NOW }),
    ).toBeNull();
  });
});

describe('canonical encoding of a hunt', () => {
  const huntValue: HuntCommand = {
    paths: ['/var/log'],
    sinceMs: NOW - 86_400_000,
    indicatorStrings: ['Basic/Command'],
    indicatorC2: ['c2.example'],
    indicatorHashes: ['d41d8cd98f00b204e9800998ecf8427e'],
    indicatorFilenames: ['/tmp/kinsing'],
    indicatorPaths: ['/tmp'],
    configDirs: ['/etc/app'],
    changedSinceMs: NOW - 2 * 86_400_000,
    noJvms: false,
    maxLineBytes: 1 << 20,
    maxDecompressedBytes: 1 << 30,
  };
  const hunt = (value: HuntCommand): Command => ({
    ...scan(),
    kind: { $case: 'hunt', value },
    agentId: AGENT,
  });

  it('changes with every parameter (a changed parameter breaks the signature)', () => {
    const base = canonicalCommandBytes(hunt(huntValue));
    const changed: Array<Partial<HuntCommand>> = [
      { paths: ['/var/lo', 'g'] },
      { sinceMs: huntValue.sinceMs + 1 },
      { indicatorStrings: [] },
      { indicatorC2: ['c2.example', 'x'] },
      { indicatorHashes: ['d41d8cd98f00b204e9800998ecf8427f'] },
      { indicatorFilenames: ['/tmp/kinsin'] },
      { indicatorPaths: ['/var/tmp'] },
      { configDirs: [] },
      { changedSinceMs: 0 },
      { noJvms: true },
      { maxLineBytes: 1 },
      { maxDecompressedBytes: 2 },
    ];
    expect(changed).toHaveLength(Object.keys(huntValue).length);
    for (const c of changed)
      expect(canonicalCommandBytes(hunt({ ...huntValue, ...c })).equals(base)).toBe(false);
    // Lists cannot trade items: the same strings split across two lists differ.
    expect(
      canonicalCommandBytes(
        hunt({ ...huntValue, indicatorStrings: [], indicatorC2: ['Basic/Command', 'c2.example'] }),
      ).equals(base),
    ).toBe(false);
  });

  it('a signed hunt verifies, and a hunt whose parameter changed after signing is refused', () => {
    const signed = signCommand(hunt(huntValue), AGENT, key.privateKey);
    const ctx = { agentId: AGENT, pinnedKey: key.publicKey, nowMs: NOW };
    expect(checkCommandSignature(signed, ctx)).toBeNull();
    const tampered = {
      ...signed,
      kind: { $case: 'hunt' as const, value: { ...huntValue, noJvms: true } },
    };
    expect(checkCommandSignature(tampered, ctx)?.code).toBe('foreign');
  });
});

function scanValue() {
  const kind = scan().kind;
  if (kind?.$case !== 'scan') throw new Error('scan');
  return kind.value;
}

describe('checkCommandSignature: every refusal reason', () => {
  const signed = signCommand(scan(), AGENT, key.privateKey);
  const cases: Array<[string, Command, Uint8Array | undefined, CommandRefusalCode | null]> = [
    ['a command signed by the pinned key for this agent runs', signed, key.publicKey, null],
    ['unsigned', { ...scan(), agentId: AGENT }, key.publicKey, 'unsigned'],
    [
      'foreign: signed by another key',
      signCommand(scan(), AGENT, other.privateKey),
      key.publicKey,
      'foreign',
    ],
    [
      'misaddressed: signed for another agent',
      signCommand(scan(), 'another-agent', key.privateKey),
      key.publicKey,
      'misaddressed',
    ],
    [
      'misaddressed: agent id changed after signing',
      { ...signed, agentId: 'another-agent' },
      key.publicKey,
      'misaddressed',
    ],
    [
      'tampered parameters',
      { ...signed, kind: { $case: 'scan', value: { ...scanValue(), paths: [Buffer.from('/')] } } },
      key.publicKey,
      'foreign',
    ],
    ['tampered expiry', { ...signed, expiresAtMs: NOW + 7_200_000 }, key.publicKey, 'foreign'],
    [
      'expired',
      signCommand(scan({ expiresAtMs: NOW - 1 }), AGENT, key.privateKey),
      key.publicKey,
      'expired',
    ],
    [
      'a lifetime beyond 30 days',
      signCommand(scan({ expiresAtMs: NOW + 31 * 86_400_000 }), AGENT, key.privateKey),
      key.publicKey,
      'malformed',
    ],
    ['no kind', { ...signed, kind: undefined }, key.publicKey, 'malformed'],
    [
      'a truncated signature',
      { ...signed, signature: signed.signature.subarray(0, 63) },
      key.publicKey,
      'foreign',
    ],
    ['no pinned key', signed, undefined, 'no-pinned-key'],
  ];
  it.each(cases)('%s', (_name, command, pinnedKey, expected) => {
    const refusal = checkCommandSignature(command, { agentId: AGENT, pinnedKey, nowMs: NOW });
    expect(refusal?.code ?? null).toBe(expected);
    if (refusal) expect(refusal.message).toContain(expected);
  });
});

describe('followKeyChain', () => {
  const second = generateSigningKey();
  const third = generateSigningKey();
  const r1 = signRotation(second.publicKey, NOW - 10, key.privateKey);
  const r2 = signRotation(third.publicKey, NOW - 5, second.privateKey);

  it('follows every rotation signed by the key before it', () => {
    const out = followKeyChain(
      { firstKey: key.publicKey, rotations: [r1, r2] },
      key.publicKey,
      NOW,
    );
    expect(out).toEqual({ key: third.publicKey, followed: 2 });
  });

  it('starts at the pinned key when it is not the first', () => {
    const out = followKeyChain(
      { firstKey: key.publicKey, rotations: [r1, r2] },
      second.publicKey,
      NOW,
    );
    expect(out).toEqual({ key: third.publicKey, followed: 1 });
  });

  it('refuses a rotation signed by another key', () => {
    const forged = signRotation(third.publicKey, NOW - 5, other.privateKey);
    const out = followKeyChain(
      { firstKey: key.publicKey, rotations: [r1, forged] },
      key.publicKey,
      NOW,
    );
    expect(out.key).toEqual(second.publicKey);
    expect(out.stopped).toContain('not signed by the key it replaces');
  });

  it('ignores a chain that does not contain the pinned key', () => {
    const out = followKeyChain({ firstKey: other.publicKey, rotations: [] }, key.publicKey, NOW);
    expect(out.key).toEqual(key.publicKey);
    expect(out.stopped).toContain('does not contain the pinned key');
  });

  it('does not follow a rotation before its not-before', () => {
    const early = signRotation(second.publicKey, NOW + 60_000, key.privateKey);
    const out = followKeyChain({ firstKey: key.publicKey, rotations: [early] }, key.publicKey, NOW);
    expect(out.key).toEqual(key.publicKey);
    expect(out.stopped).toContain('not due');
  });
});
