import { processStartMs } from './proc-stat';

function statLine(comm: string, starttime: number): string {
  const after = [
    'S',
    ...Array.from({ length: 18 }, (_, i) => String(i + 1)),
    String(starttime),
    '0',
    '0',
  ];
  return `4242 (${comm}) ${after.join(' ')}\n`;
}

describe('processStartMs', () => {
  it('adds starttime ticks to the boot time', () => {
    expect(processStartMs(statLine('java', 12_345), 1_700_000_000)).toBe(
      1_700_000_000_000 + 123_450,
    );
  });

  it('is not fooled by spaces and parentheses in the process name', () => {
    expect(processStartMs(statLine('my (odd) jvm ) x', 100), 10)).toBe(11_000);
  });

  it('returns undefined for a truncated line', () => {
    expect(processStartMs('4242 (java) S 1 2', 10)).toBeUndefined();
  });
});
