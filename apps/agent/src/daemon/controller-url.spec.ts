import { parseControllerUrl } from './controller-url';

describe('parseControllerUrl', () => {
  it('reads TLS and plaintext addresses', () => {
    expect(parseControllerUrl('grpcs://controller.example:8443')).toEqual({
      tls: true,
      host: 'controller.example',
      port: 8443,
      target: 'controller.example:8443',
    });
    expect(parseControllerUrl('grpc://127.0.0.1:50051')).toMatchObject({
      tls: false,
      host: '127.0.0.1',
      port: 50051,
    });
  });

  it('keeps IPv6 hosts bracketed in the target', () => {
    expect(parseControllerUrl('grpcs://[::1]:9000')).toMatchObject({
      host: '::1',
      target: '[::1]:9000',
    });
  });

  it.each([
    ['controller:50051', /scheme|expected grpcs/],
    ['https://controller:443', /scheme must be grpcs/],
    ['grpcs://controller', /missing port/],
    ['grpcs://controller:99999', /bad controller URL/],
    ['grpcs://user:pw@controller:1', /credentials/],
    ['grpcs://controller:1/path', /no path/],
    ['not a url', /bad controller URL/],
  ])('rejects %s with a message naming the problem', (input, message) => {
    expect(() => parseControllerUrl(input)).toThrow(message);
  });
});
