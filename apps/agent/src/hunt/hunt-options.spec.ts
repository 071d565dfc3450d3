import { parseSince } from './hunt-options';

describe('parseSince', () => {
  it('reads a bare date as local midnight and ISO times with their zone', () => {
    expect(parseSince('2021-12-01')).toBe(new Date(2021, 11, 1).getTime());
    expect(parseSince('2021-12-01T10:00:00Z')).toBe(Date.UTC(2021, 11, 1, 10));
  });

  it.each(['yesterday', '12/01/2021', '2021-13-45', ''])(
    'refuses %j, saying what it expects',
    (v) => {
      expect(() => parseSince(v)).toThrow('expected a date such as 2021-12-01');
    },
  );
});
