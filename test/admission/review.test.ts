import t from 'tap';
import { forbiddenStatus, parseReview, patched } from '../../src/admission/review.js';
import { loadRecordings } from '../recordings.js';

const valid = (request: Record<string, unknown> = {}, apiVersion = 'admission.k8s.io/v1') => ({
  apiVersion,
  kind: 'AdmissionReview',
  request: { uid: 'u-1', kind: { group: '', version: 'v1', kind: 'Service' }, operation: 'CREATE', object: {}, ...request },
});

t.test('every recorded review parses, in its own version', async (t) => {
  for (const recording of loadRecordings()) {
    const parsed = parseReview(recording.body);
    t.ok(parsed.ok, recording.file);
    t.equal(parsed.version, recording.body.apiVersion, `${recording.file}: version`);
  }
});

// [why, body, expected uid echoed, expected message]
const rows: [string, unknown, string, RegExp][] = [
  ['not an object', 'hello', '', /body must be object/],
  ['null', null, '', /body must be object/],
  ['another kind', { ...valid(), kind: 'Pod' }, 'u-1', /kind must be equal to constant/],
  ['unknown API version', valid({}, 'admission.k8s.io/v2'), 'u-1', /apiVersion must be equal to one of the allowed values/],
  ['no request', { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' }, '', /must have required property 'request'/],
  ['missing uid', valid({ uid: undefined }), '', /request must have required property 'uid'/],
  ['empty uid', valid({ uid: '' }), '', /request\.uid must NOT have fewer than 1 characters/],
  ['uid is a number', valid({ uid: 7 }), '', /request\.uid must be string/],
  ['unknown operation', valid({ operation: 'PATCH' }), 'u-1', /request\.operation must be equal to one of the allowed values/],
  ['object is a string', valid({ object: 'x' }), 'u-1', /request\.object/],
  ['kind without a kind', valid({ kind: { group: '', version: 'v1' } }), 'u-1', /request\.kind must have required property 'kind'/],
];

t.test('invalid reviews are refused with a reason, echoing the uid when there is one', async (t) => {
  for (const [why, body, uid, message] of rows) {
    const parsed = parseReview(body);
    t.notOk(parsed.ok, why);
    if (parsed.ok) continue;
    t.equal(parsed.uid, uid, `${why}: uid`);
    t.match(parsed.message, message, `${why}: message`);
  }
});

t.test('v1beta1 requests are answered in v1beta1; unknown versions in v1', async (t) => {
  t.equal(parseReview(valid({}, 'admission.k8s.io/v1beta1')).version, 'admission.k8s.io/v1beta1');
  t.equal(parseReview({ apiVersion: 7 }).version, 'admission.k8s.io/v1');
});

t.test('a patched answer: allowed, the patch as base64 JSON Patch, and what it changed', async (t) => {
  const answer = patched('u', [{ op: 'add', path: '/a', value: 'ü' }], ['perimeter: patched [r] a']);
  t.same(Object.keys(answer), ['uid', 'allowed', 'patchType', 'patch', 'warnings'], 'the fields in the order they go out');
  t.equal(answer.allowed, true);
  t.equal(answer.patchType, 'JSONPatch');
  t.same(JSON.parse(Buffer.from(answer.patch!, 'base64').toString('utf8')), [{ op: 'add', path: '/a', value: 'ü' }], 'UTF-8 inside the base64');
  t.same(answer.warnings, ['perimeter: patched [r] a']);
});

t.test('a denial is 403 Forbidden with the message', async (t) => {
  t.same(forbiddenStatus('no'), { code: 403, reason: 'Forbidden', message: 'no' });
});
