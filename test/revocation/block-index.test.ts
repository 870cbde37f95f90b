import t from 'tap';
import type { ResourceRequest } from '../../src/policy/index.js';
import { BlockIndex, describeBlock, type Block } from '../../src/revocation/index.js';

const NOW = new Date('2026-01-02T10:00:00Z');

const blocks: Block[] = [
  { id: 'u', source: 'api', kind: 'user', value: 'mallory', reason: 'laptop stolen' },
  { id: 'g', source: 'api', kind: 'group', value: 'contractors' },
  { id: 't', source: 'file', kind: 'token', value: 'jti-1' },
  { id: 'p', source: 'file', kind: 'prefix', bucket: 'bkt', prefix: 'secret/' },
  { id: 'w', source: 'file', kind: 'prefix', bucket: 'whole', prefix: '' },
  { id: 'old', source: 'api', kind: 'user', value: 'olga', expiresAt: '2026-01-02T09:59:59.999Z' },
  { id: 'later', source: 'api', kind: 'user', value: 'lars', expiresAt: '2026-01-02T10:00:00.001Z' },
];
const index = new BlockIndex(blocks);

const object = (bucket: string, key: string): ResourceRequest => ({ kind: 'object', bucket, key });
const list = (bucket: string, prefix: string): ResourceRequest => ({ kind: 'prefix', bucket, prefix });
const nobody = { user: 'ann', groups: ['staff'], tokenId: 'jti-2' };

t.test('subject blocks', async (t) => {
  const cases = [
    { name: 'blocked user', subject: { user: 'mallory', groups: [] }, expected: 'u' },
    { name: 'blocked group among others', subject: { user: 'ann', groups: ['staff', 'contractors'] }, expected: 'g' },
    { name: 'blocked token id', subject: { user: 'ann', groups: [], tokenId: 'jti-1' }, expected: 't' },
    { name: 'nothing blocked', subject: nobody, expected: undefined },
    { name: 'user names are case-sensitive', subject: { user: 'Mallory', groups: [] }, expected: undefined },
    { name: 'expired block', subject: { user: 'olga', groups: [] }, expected: undefined },
    { name: 'block expiring later', subject: { user: 'lars', groups: [] }, expected: 'later' },
  ];
  for (const { name, subject, expected } of cases) {
    t.equal(index.findSubject(subject, NOW)?.id, expected, name);
    t.equal(index.find(subject, object('any', 'key'), NOW)?.id, expected, `${name}, with a resource`);
  }
});

t.test('prefix blocks', async (t) => {
  const cases = [
    { name: 'object under the prefix', resource: object('bkt', 'secret/a.csv'), expected: 'p' },
    { name: 'object named like the prefix', resource: object('bkt', 'secret/'), expected: 'p' },
    { name: 'object beside the prefix', resource: object('bkt', 'secrets.csv'), expected: undefined },
    { name: 'same key in another bucket', resource: object('other', 'secret/a.csv'), expected: undefined },
    { name: 'list inside the prefix', resource: list('bkt', 'secret/2026/'), expected: 'p' },
    { name: 'list of the prefix itself', resource: list('bkt', 'secret/'), expected: 'p' },
    { name: 'list of a parent shows blocked names', resource: list('bkt', 'sec'), expected: 'p' },
    { name: 'list of the whole bucket', resource: list('bkt', ''), expected: 'p' },
    { name: 'list of a sibling', resource: list('bkt', 'public/'), expected: undefined },
    { name: 'empty prefix blocks every object', resource: object('whole', 'any/key'), expected: 'w' },
    { name: 'empty prefix blocks every list', resource: list('whole', 'x/'), expected: 'w' },
  ];
  for (const { name, resource, expected } of cases) t.equal(index.find(nobody, resource, NOW)?.id, expected, name);
});

t.test('expiry is exclusive', async (t) => {
  const expiring = new BlockIndex([{ id: 'e', source: 'api', kind: 'user', value: 'eve', expiresAt: '2026-01-02T10:00:00.000Z' }]);
  t.equal(expiring.findSubject({ user: 'eve', groups: [] }, new Date('2026-01-02T09:59:59.999Z'))?.id, 'e', 'one millisecond before');
  t.equal(expiring.findSubject({ user: 'eve', groups: [] }, NOW), undefined, 'at expiresAt');
});

t.test('several blocks on one user', async (t) => {
  const twice = new BlockIndex([
    { id: 'short', source: 'api', kind: 'user', value: 'eve', expiresAt: '2026-01-02T09:00:00.000Z' },
    { id: 'long', source: 'api', kind: 'user', value: 'eve' },
  ]);
  t.equal(twice.findSubject({ user: 'eve', groups: [] }, NOW)?.id, 'long', 'an expired block does not hide an active one');
});

t.test('describe block', async (t) => {
  t.equal(describeBlock(blocks[0]!), 'user "mallory" is blocked (api block u): laptop stolen');
  t.equal(describeBlock(blocks[2]!), 'token id "jti-1" is blocked (file block t)');
  t.equal(describeBlock(blocks[3]!), 'prefix s3://bkt/secret/ is blocked (file block p)');
});
