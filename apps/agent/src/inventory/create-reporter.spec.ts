import { parseInventoryInterval } from './create-reporter';

describe('parseInventoryInterval', () => {
  it.each([
    [undefined, 6 * 3_600_000],
    ['', 6 * 3_600_000],
    ['6h', 6 * 3_600_000],
    ['30m', 30 * 60_000],
    ['3600', 3_600_000],
    ['1d', 86_400_000],
  ])('reads %p', (value, ms) => {
    expect(parseInventoryInterval(value)).toBe(ms);
  });

  it.each(['soon', '-5m', '1.5h', '10s'])('refuses %p', (value) => {
    expect(() => parseInventoryInterval(value)).toThrow(/INVENTORY_INTERVAL/);
  });
});
