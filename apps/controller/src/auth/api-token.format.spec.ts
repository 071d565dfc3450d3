import { roleAllows } from './api-tokens.service';
import { bearerOf, formatApiToken, parseApiToken } from './api-token.format';

describe('API tokens', () => {
  it('round-trips the l4f_<id>_<secret> format', () => {
    const token = formatApiToken('0123456789abcdef', 'A'.repeat(64));
    expect(parseApiToken(token)).toEqual({ id: '0123456789abcdef', secret: 'A'.repeat(64) });
    expect(parseApiToken('l4f_short_secret')).toBeNull();
    expect(parseApiToken(`${token}_extra`)).toBeNull();
  });

  it('reads only Bearer credentials', () => {
    expect(bearerOf('Bearer abc')).toBe('abc');
    expect(bearerOf('bearer abc')).toBe('abc');
    expect(bearerOf('Basic abc')).toBeNull();
    expect(bearerOf(undefined)).toBeNull();
  });

  it('orders roles viewer < operator < admin', () => {
    expect(roleAllows('admin', 'operator')).toBe(true);
    expect(roleAllows('operator', 'operator')).toBe(true);
    expect(roleAllows('operator', 'admin')).toBe(false);
    expect(roleAllows('viewer', 'operator')).toBe(false);
  });
});
