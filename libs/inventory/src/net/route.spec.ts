import { parseDefaultRoutes } from './route';

const ROUTE =
  'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n' +
  'eth1\t00000000\t0101A8C0\t0003\t0\t0\t200\t00000000\t0\t0\t0\n' +
  'eth0\t00000000\t010200C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n' +
  'eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n' +
  'bad line\n';

describe('parseDefaultRoutes', () => {
  it('returns the default routes by metric and skips bad rows with their line', () => {
    const { value, warnings } = parseDefaultRoutes(ROUTE, 'route');
    expect(value).toEqual([
      { iface: 'eth0', gateway: '192.0.2.1', metric: 100 },
      { iface: 'eth1', gateway: '192.168.1.1', metric: 200 },
    ]);
    expect(warnings).toEqual([{ file: 'route', line: 5, message: 'not a route table row' }]);
  });
});
