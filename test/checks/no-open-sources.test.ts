import t from 'tap';
import check from '../../src/checks/no-open-sources.js';
import { contextFor, deeplyNested, ingress, loadBalancer, networkPolicy, runCheck, service } from '../helpers.js';
import type { KubeObject } from '../../src/engine/types.js';

const LB_ANNOTATION = 'service.beta.kubernetes.io/load-balancer-source-ranges';
const WHITELIST = 'nginx.ingress.kubernetes.io/whitelist-source-range';
const ALLOWLIST = 'nginx.ingress.kubernetes.io/allowlist-source-range';

const withRanges = (...ranges: unknown[]) => loadBalancer({ loadBalancerSourceRanges: ranges });


// [why, object, params, expected finding paths]
const rows: [string, KubeObject, Record<string, unknown>, string[]][] = [
  ['narrow IPv4 and IPv6 ranges pass', withRanges('203.0.113.0/24', '2001:db8::/32'), {}, []],
  ['0.0.0.0/0 in the field', withRanges('0.0.0.0/0'), {}, ['spec.loadBalancerSourceRanges[0]']],
  ['::/0 in the field', withRanges('::/0'), {}, ['spec.loadBalancerSourceRanges[0]']],
  ['long IPv6 spelling of ::/0', withRanges('0:0:0:0:0:0:0:0/0'), {}, ['spec.loadBalancerSourceRanges[0]']],
  ['IPv4-mapped IPv6 covering all IPv4', withRanges('::ffff:0:0/96'), {}, ['spec.loadBalancerSourceRanges[0]']],
  ['IPv4-mapped with dotted tail', withRanges('::ffff:0.0.0.0/96'), {}, ['spec.loadBalancerSourceRanges[0]']],
  ['IPv6 /32 that contains every IPv4-mapped address', withRanges('::/32'), {}, ['spec.loadBalancerSourceRanges[0]']],
  ['halves whose union is everything: each too broad, and together the internet', withRanges('0.0.0.0/1', '128.0.0.0/1'), {}, ['spec.loadBalancerSourceRanges[0]', 'spec.loadBalancerSourceRanges[1]', 'spec.loadBalancerSourceRanges']],
  ['halves allowed by a permissive prefix are still everything together', withRanges('0.0.0.0/1', '128.0.0.0/1'), { minPrefixLengthV4: 0 }, ['spec.loadBalancerSourceRanges']],
  ['256 /8 blocks: each allowed, together the internet', withRanges(...Array.from({ length: 256 }, (_, i) => `${i}.0.0.0/8`)), {}, ['spec.loadBalancerSourceRanges']],
  ['two /8 blocks admit more than one /8', withRanges('10.0.0.0/8', '11.0.0.0/8'), {}, ['spec.loadBalancerSourceRanges']],
  ['one /8 is the limit and passes', withRanges('10.0.0.0/8'), {}, []],
  ['a /7 is broader than /8', withRanges('10.0.0.0/7'), {}, ['spec.loadBalancerSourceRanges[0]']],
  ['a /16 is refused when the minimum is /24', withRanges('10.1.0.0/16'), { minPrefixLengthV4: 24 }, ['spec.loadBalancerSourceRanges[0]']],
  ['IPv6 /31 is broader than /32', withRanges('2001:db8::/31'), {}, ['spec.loadBalancerSourceRanges[0]']],
  ['host bits with /0', withRanges('1.2.3.4/0'), {}, ['spec.loadBalancerSourceRanges[0]']],
  ['white space around 0.0.0.0/0', withRanges(' 0.0.0.0/0 '), {}, ['spec.loadBalancerSourceRanges[0]']],
  ['unparsable entry denied, not thrown', withRanges('not-a-cidr'), {}, ['spec.loadBalancerSourceRanges[0]']],
  ['ambiguous octal entry', withRanges('010.0.0.0/8'), {}, ['spec.loadBalancerSourceRanges[0]']],
  ['a number where a string belongs', withRanges(42), {}, ['spec.loadBalancerSourceRanges[0]']],
  ['field that is not a list is ignored', loadBalancer({ loadBalancerSourceRanges: '0.0.0.0/0' }), {}, []],
  ['legacy annotation with ::/0', loadBalancer({}, { annotations: { [LB_ANNOTATION]: '::/0' } }), {}, [`metadata.annotations["${LB_ANNOTATION}"][0]`]],
  ['annotation with spaces and an open entry', loadBalancer({}, { annotations: { [LB_ANNOTATION]: '203.0.113.0/24 , 0.0.0.0/0' } }), {}, [`metadata.annotations["${LB_ANNOTATION}"][1]`]],
  ['ClusterIP Service with an open field is still judged', service({ type: 'ClusterIP', loadBalancerSourceRanges: ['0.0.0.0/0'] }), {}, ['spec.loadBalancerSourceRanges[0]']],
  ['ingress whitelist with 0.0.0.0/0', ingress({ [WHITELIST]: '203.0.113.0/24,0.0.0.0/0' }), {}, [`metadata.annotations["${WHITELIST}"][1]`]],
  ['ingress allowlist with spaces around entries', ingress({ [ALLOWLIST]: ' 203.0.113.0/24 ,  198.51.100.0/24 ' }), {}, []],
  ['ingress allowlist with empty entries', ingress({ [ALLOWLIST]: '203.0.113.0/24,,' }), {}, []],
  ['ingress allowlist halves', ingress({ [ALLOWLIST]: '0.0.0.0/1,128.0.0.0/1' }), { minPrefixLengthV4: 0 }, [`metadata.annotations["${ALLOWLIST}"]`]],
  ['ingress allowlist with a bad entry', ingress({ [ALLOWLIST]: '203.0.113.0/24, 203.0.113.300/32' }), {}, [`metadata.annotations["${ALLOWLIST}"][1]`]],
  ['both ingress annotations are judged', ingress({ [WHITELIST]: '10.0.0.0/8', [ALLOWLIST]: '::/0' }), {}, [`metadata.annotations["${ALLOWLIST}"][0]`]],
  ['policy ipBlock 0.0.0.0/0 with except is still open', networkPolicy({ podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] } }] }] }), {}, ['spec.ingress[0].from[0].ipBlock.cidr']],
  ['policy ingress rule without from admits everyone', networkPolicy({ podSelector: {}, ingress: [{ ports: [{ port: 80 }] }] }), {}, ['spec.ingress[0]']],
  ['policy ingress rule with empty from admits everyone', networkPolicy({ podSelector: {}, ingress: [{ from: [] }] }), {}, ['spec.ingress[0]']],
  ['policy peers by selector are not internet sources', networkPolicy({ podSelector: {}, ingress: [{ from: [{ namespaceSelector: {} }, { podSelector: {} }] }] }), {}, []],
  ['policy halves split across two rules', networkPolicy({ podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '0.0.0.0/1' } }] }, { from: [{ ipBlock: { cidr: '128.0.0.0/1' } }] }] }), { minPrefixLengthV4: 0 }, ['spec.ingress']],
  ['policy with a narrow ipBlock passes', networkPolicy({ podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '203.0.113.0/24' } }] }] }), {}, []],
  ['policy ipBlock without cidr is unparsable', networkPolicy({ podSelector: {}, ingress: [{ from: [{ ipBlock: {} }] }] }), {}, ['spec.ingress[0].from[0].ipBlock.cidr']],
  ['policy from that is not a list is judged open', networkPolicy({ podSelector: {}, ingress: [{ from: {} }] }), {}, ['spec.ingress[0]']],
  ['policy ipBlock cidr nested ten thousand deep', networkPolicy({ podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: deeplyNested(10_000) } }] }] }), {}, ['spec.ingress[0].from[0].ipBlock.cidr']],
  ['a deeply nested entry is a finding, not a crash', withRanges(deeplyNested(100_000)), {}, ['spec.loadBalancerSourceRanges[0]']],
  ['egress-only policy has no sources', networkPolicy({ podSelector: {}, policyTypes: ['Egress'] }), {}, []],
];

t.test('no-open-sources', async (t) => {
  for (const [why, object, params, paths] of rows) {
    const findings = runCheck(check, object, params, contextFor({ kind: String(object.kind) }));
    t.same(findings.map((f) => f.path), paths, why);
    for (const finding of findings) t.match(finding.message, /\S/, `${why}: has a message`);
  }
});

t.test('messages name the field, the value and the fix', async (t) => {
  const [finding] = runCheck(check, withRanges('::ffff:0:0/96'));
  t.match(finding?.message, /spec\.loadBalancerSourceRanges\[0\]: "::ffff:0:0\/96" \(0\.0\.0\.0\/0\) admits every IPv4 address; list only the client networks/);
  const [long] = runCheck(check, withRanges('x'.repeat(300_000)));
  t.ok(long!.message.length < 300, 'a huge value is not repeated in the message');
  const [nested] = runCheck(check, withRanges([[['0.0.0.0/0']]]));
  t.match(nested?.message, /spec\.loadBalancerSourceRanges\[0\]: <list> is a list, not a string/);
});

t.test('the kind comes from the request, so an object without kind is still judged', async (t) => {
  const object = { metadata: { name: 'x' }, spec: { type: 'LoadBalancer', loadBalancerSourceRanges: ['0.0.0.0/0'] } };
  t.same(runCheck(check, object, {}, contextFor({ kind: 'Service' })).map((f) => f.path), ['spec.loadBalancerSourceRanges[0]']);
});

t.test('verdict does not depend on the order of ranges', async (t) => {
  const ranges = ['128.0.0.0/1', '10.0.0.0/8', '0.0.0.0/1'];
  const a = runCheck(check, withRanges(...ranges), { minPrefixLengthV4: 0 }).length;
  const b = runCheck(check, withRanges(...[...ranges].reverse()), { minPrefixLengthV4: 0 }).length;
  t.equal(a, 1);
  t.equal(b, 1);
});
