import {
  AGENT_REPORTED_STATES,
  AGENT_STATE_WIRE,
  agentReportedState,
  Command,
  CommandState,
  Finding,
  retryAfterSecondsOf,
  retryAfterText,
  UploadResultsRequest,
} from './index';

describe('generated contracts', () => {
  it('round-trips a finding whose path is not valid UTF-8', () => {
    const rawName = Buffer.from([0x2f, 0x6f, 0x70, 0x74, 0x2f, 0xff, 0xfe, 0x2e, 0x6a, 0x61, 0x72]);
    const finding = Finding.fromPartial({
      chain: [rawName, Buffer.from('WEB-INF/lib/log4j-core-2.14.1.jar')],
      product: 'log4j-core',
      version: '2.14.1',
      status: 'vulnerable',
      cves: ['CVE-2021-44228'],
    });
    const bytes = UploadResultsRequest.encode({
      commandId: 'c1',
      sequence: 0,
      totalChunks: 1,
      findings: [finding],
      errors: [],
    }).finish();
    const back = UploadResultsRequest.decode(bytes);
    expect(Buffer.from(back.findings[0].chain[0])).toEqual(rawName);
    expect(back.findings[0].cves).toEqual(['CVE-2021-44228']);
  });

  it('carries a scan command in the command union', () => {
    const bytes = Command.encode({
      id: 'x',
      issuedAtMs: 1,
      expiresAtMs: 2,
      kind: {
        $case: 'scan',
        value: {
          paths: [Buffer.from('/opt')],
          exclude: ['/proc'],
          includeNetworkFs: false,
          oneFileSystem: true,
          maxDepth: 0,
          maxNestedBytes: 0,
          threads: 0,
          nice: true,
          processes: true,
          processesOnly: false,
        },
      },
      signature: Buffer.alloc(0),
      agentId: '',
    }).finish();
    const back = Command.decode(bytes);
    expect(back.kind?.$case).toBe('scan');
    if (back.kind?.$case === 'scan') expect(back.kind.value.oneFileSystem).toBe(true);
  });
});

describe('refusals both ends read', () => {
  it('round-trips the wait of a RESOURCE_EXHAUSTED answer', () => {
    expect(retryAfterSecondsOf(`busy; ${retryAfterText(42)} (2026-01-01T00:00:00.000Z)`)).toBe(42);
    expect(retryAfterSecondsOf('busy')).toBeUndefined();
  });

  it('names every agent-reported state with its wire value, and no other', () => {
    for (const name of AGENT_REPORTED_STATES)
      expect(agentReportedState(AGENT_STATE_WIRE[name])).toBe(name);
    expect(agentReportedState(CommandState.COMMAND_STATE_VERIFIED)).toBeNull();
    expect(agentReportedState(CommandState.COMMAND_STATE_QUEUED)).toBeNull();
  });
});
