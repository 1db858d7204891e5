import t from 'tap';
import check from '../../src/checks/no-open-egress.js';
import { networkPolicy, runCheck } from '../helpers.js';

const egress = (...rules: unknown[]) => networkPolicy({ podSelector: {}, policyTypes: ['Egress'], egress: rules });
const to = (...cidrs: string[]) => ({ to: cidrs.map((cidr) => ({ ipBlock: { cidr } })) });
const HTTPS = [{ port: 443 }];

// [why, policy, params, expected finding paths]
const rows: [string, ReturnType<typeof egress>, Record<string, unknown>, string[]][] = [
  ['default-deny egress has no rules to judge', egress(), {}, []],
  ['egress to 0.0.0.0/0', egress(to('0.0.0.0/0')), {}, ['spec.egress[0].to[0].ipBlock.cidr']],
  ['egress to ::/0', egress(to('::/0')), {}, ['spec.egress[0].to[0].ipBlock.cidr']],
  ['egress to the long IPv6 world', egress(to('0:0:0:0:0:0:0:0/0')), {}, ['spec.egress[0].to[0].ipBlock.cidr']],
  ['egress to IPv4-mapped world', egress(to('::ffff:0:0/96')), {}, ['spec.egress[0].to[0].ipBlock.cidr']],
  ['egress to both families', egress(to('0.0.0.0/0', '::/0')), {}, ['spec.egress[0].to[1].ipBlock.cidr', 'spec.egress[0].to[0].ipBlock.cidr']],
  ['halves within one rule', egress(to('0.0.0.0/1', '128.0.0.0/1')), {}, ['spec.egress']],
  ['halves split across rules', egress(to('0.0.0.0/1'), to('128.0.0.0/1')), {}, ['spec.egress']],
  ['except does not make the world safe', egress({ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] } }] }), {}, ['spec.egress[0].to[0].ipBlock.cidr']],
  ['rule without to allows everything', egress({ ports: HTTPS }), {}, ['spec.egress[0]']],
  ['rule with empty to allows everything', egress({ to: [] }), {}, ['spec.egress[0]']],
  ['narrow destinations pass', egress(to('198.51.100.0/24', '2001:db8::/48')), {}, []],
  ['selector peers are in-cluster', egress({ to: [{ namespaceSelector: {} }] }), {}, []],
  ['world on an allowed port passes', egress({ ...to('0.0.0.0/0'), ports: HTTPS }), { allowPorts: [{ port: 443 }] }, []],
  ['world on an allowed and a disallowed port', egress({ ...to('0.0.0.0/0'), ports: [{ port: 443 }, { port: 22 }] }), { allowPorts: [{ port: 443 }] }, ['spec.egress[0].to[0].ipBlock.cidr']],
  ['world on all ports while 443 is allowed', egress(to('0.0.0.0/0')), { allowPorts: [{ port: 443 }] }, ['spec.egress[0].to[0].ipBlock.cidr']],
  ['allowed port but wrong protocol', egress({ ...to('0.0.0.0/0'), ports: [{ port: 443, protocol: 'UDP' }] }), { allowPorts: [{ port: 443 }] }, ['spec.egress[0].to[0].ipBlock.cidr']],
  ['allowed UDP port', egress({ ...to('0.0.0.0/0'), ports: [{ port: 53, protocol: 'UDP' }] }), { allowPorts: [{ port: 53, protocol: 'UDP' }] }, []],
  ['port range through an allowed port', egress({ ...to('0.0.0.0/0'), ports: [{ port: 443, endPort: 8443 }] }), { allowPorts: [{ port: 443 }] }, ['spec.egress[0].to[0].ipBlock.cidr']],
  ['named allowed port', egress({ ...to('0.0.0.0/0'), ports: [{ port: 'https' }] }), { allowPorts: [{ port: 'https' }] }, []],
  ['no to on an allowed port passes', egress({ ports: HTTPS }), { allowPorts: [{ port: 443 }] }, []],
  ['unparsable destination', egress(to('everywhere')), {}, ['spec.egress[0].to[0].ipBlock.cidr']],
  ['to that is not a list is judged open', egress({ to: 'everywhere' }), {}, ['spec.egress[0]']],
  ['egress not a list is ignored', networkPolicy({ podSelector: {}, egress: 'all' }), {}, []],
];

t.test('no-open-egress', async (t) => {
  for (const [why, policy, params, paths] of rows) {
    t.same(runCheck(check, policy, params).map((f) => f.path), paths, why);
  }
});
