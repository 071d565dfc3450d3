import { pinController } from './resolve';

describe('pinController', () => {
  it('an address is pinned as it is, without a lookup', async () => {
    const lookup = jest.fn();
    await expect(pinController('fd00::1', lookup)).resolves.toEqual(['fd00::1']);
    expect(lookup).not.toHaveBeenCalled();
  });

  it('a name is pinned as all its addresses, sorted and normalized', async () => {
    await expect(
      pinController('c.test', () => Promise.resolve(['fd00:0::1', '10.0.0.1', '10.0.0.1'])),
    ).resolves.toEqual(['10.0.0.1', 'fd00::1']);
  });

  it('a name that does not resolve fails clearly, naming it', async () => {
    const lookup = (): Promise<string[]> =>
      Promise.reject(
        Object.assign(new Error('getaddrinfo ENOTFOUND c.test'), { code: 'ENOTFOUND' }),
      );
    await expect(pinController('c.test', lookup)).rejects.toMatchObject({
      code: 'RESOLVE_FAILED',
      message: expect.stringMatching(
        /controller name c.test does not resolve .*ENOTFOUND.*no rule was applied/,
      ) as unknown,
    });
  });

  it('the system resolver: a .invalid name does not resolve', async () => {
    const { systemLookup } = await import('./resolve');
    await expect(pinController('log4fleet-nowhere.invalid', systemLookup)).rejects.toMatchObject({
      code: 'RESOLVE_FAILED',
    });
  });
});
