import t from 'tap';
import check from '../../src/checks/deny-external-ips.js';
import { runCheck, service } from '../helpers.js';

// [why, externalIPs, params, expected finding paths]
const rows: [string, unknown, Record<string, unknown>, string[]][] = [
  ['no externalIPs', undefined, {}, []],
  ['empty list', [], {}, []],
  ['any external IP is denied by default', ['203.0.113.10'], {}, ['spec.externalIPs[0]']],
  ['inside an allowed range', ['203.0.113.10'], { allowedCidrs: ['203.0.113.0/24'] }, []],
  ['outside an allowed range', ['198.51.100.1', '203.0.113.10'], { allowedCidrs: ['203.0.113.0/24'] }, ['spec.externalIPs[0]']],
  ['IPv4-mapped spelling of an allowed address', ['::ffff:203.0.113.10'], { allowedCidrs: ['203.0.113.0/24'] }, []],
  ['IPv6 external IP', ['2001:db8::1'], { allowedCidrs: ['203.0.113.0/24'] }, ['spec.externalIPs[0]']],
  ['a range where an address belongs is judged as the range', ['203.0.0.0/16'], { allowedCidrs: ['203.0.113.0/24'] }, ['spec.externalIPs[0]']],
  ['unparsable', ['localhost'], { allowedCidrs: ['203.0.113.0/24'] }, ['spec.externalIPs[0]']],
  ['a number', [7], {}, ['spec.externalIPs[0]']],
];

t.test('deny-external-ips', async (t) => {
  for (const [why, externalIPs, params, paths] of rows) {
    const svc = service(externalIPs === undefined ? { type: 'ClusterIP' } : { type: 'ClusterIP', externalIPs });
    t.same(runCheck(check, svc, params).map((f) => f.path), paths, why);
  }
});
