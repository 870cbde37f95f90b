import fc from 'fast-check';
import { rm } from 'node:fs/promises';
import t from 'tap';
import type { AccessType } from '../../src/policy/index.js';
import { startTestService } from '../fixtures/service.js';
import { NOW, createTestKeys, signToken } from '../fixtures/tokens.js';

// For generated requests: a URL comes back exactly when the engine allows, and the URL
// addresses exactly what was evaluated: the method of the operation, the bucket, the key
// bytes (each path segment decodes back to the key) and, for lists, the prefix.
const keys = await createTestKeys();
t.teardown(() => rm(keys.dir, { recursive: true, force: true }));

const policies = [
  { id: 1, name: 'team reads', resources: { bucket: { values: ['bkt'] }, path: { values: ['team/'], isRecursive: true } }, policyItems: [{ groups: ['team'], accesses: [{ type: 'read' }, { type: 'list' }] }] },
  { id: 2, name: 'uploads', resources: { bucket: { values: ['bkt', 'dot.bucket'] }, path: { values: ['up/*'] } }, policyItems: [{ users: ['ann'], accesses: [{ type: 'write' }, { type: 'delete' }, { type: 'read' }] }] },
  { id: 3, name: 'no secrets', resources: { bucket: { values: ['*'] }, path: { values: ['*secret*'] } }, denyPolicyItems: [{ groups: ['public'], accesses: [{ type: 'read' }, { type: 'list' }, { type: 'write' }] }] },
  { id: 4, name: 'odd names', resources: { bucket: { values: ['bkt'] }, path: { values: ["q?/a#b", '%2F/', 'ü/'], isRecursive: true } }, policyItems: [{ users: ['ann', 'bob'], accesses: [{ type: 'read' }, { type: 'list' }] }] },
];
const service = await startTestService({ keys, policies, config: { rateLimit: { enabled: false } } });
t.teardown(() => service.close());
const tokens = {
  ann: await signToken(keys, { sub: 'ann', groups: ['team'] }),
  bob: await signToken(keys, { sub: 'bob', groups: [] }),
};

const OPERATIONS = { GetObject: ['GET', 'read'], HeadObject: ['HEAD', 'read'], PutObject: ['PUT', 'write'], DeleteObject: ['DELETE', 'delete'], ListObjectsV2: ['GET', 'list'] } as const;
const piece = fc.constantFrom('team', 'up', 'q', 'a', 'secret', 'ü', '%2F', '%', '+', ' ', '#', '?', '&', '=', "'", '(', '*', '~', '!', 'x.y', '日本', 'é', '');
const text = fc.array(piece, { minLength: 1, maxLength: 6 }).chain((pieces) => fc.array(fc.constantFrom('/', ''), { minLength: pieces.length, maxLength: pieces.length }).map((separators) => pieces.map((p, i) => p + separators[i]).join('')));

t.test('URLs are returned only when allowed, for exactly the evaluated request', async (t) => {
  let signed = 0;
  let denied = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...(Object.keys(OPERATIONS) as (keyof typeof OPERATIONS)[])),
      fc.constantFrom('bkt', 'dot.bucket'),
      fc.constantFrom('ann', 'bob') as fc.Arbitrary<'ann' | 'bob'>,
      fc.tuple(fc.constantFrom('team/', 'up/', 'ü/', '%2F/', 'q?/a#b/', 'q?/a#b', ''), text).map(([folder, rest]) => folder + rest),
      async (operation, bucket, user, name) => {
        const [method, accessType] = OPERATIONS[operation];
        const isList = operation === 'ListObjectsV2';
        if (!isList && (name === '' || name.split('/').some((segment) => segment === '.' || segment === '..'))) return true;
        const body = isList ? { operation, bucket, prefix: name } : { operation, bucket, key: name };
        const response = await service.app.inject({ method: 'POST', url: '/v1/sign', headers: { authorization: `Bearer ${tokens[user]}` }, payload: body });

        const expected = service.policies.current().evaluate({
          principal: { user, groups: user === 'ann' ? ['team'] : [] },
          accessType: accessType as AccessType,
          resource: isList ? { kind: 'prefix', bucket, prefix: name } : { kind: 'object', bucket, key: name },
          context: { clientIp: '127.0.0.1', time: NOW, expiresInSeconds: 300 },
        });
        if (response.statusCode === 403) {
          denied++;
          return !expected.allowed && !response.body.includes('X-Amz');
        }
        if (response.statusCode !== 200 || !expected.allowed) return false;
        signed++;

        const result = response.json() as { method: string; url: string };
        if (result.method !== method) return false;
        const afterHost = result.url.indexOf('/', result.url.indexOf('//') + 2);
        const [path, query = ''] = [result.url.slice(afterHost, result.url.indexOf('?')), result.url.slice(result.url.indexOf('?') + 1)];
        const segments = path.slice(1).split('/');
        if (decodeURIComponent(segments[0]!) !== bucket) return false;
        const params = new Map(query.split('&').map((pair) => pair.split('=') as [string, string]));
        if (isList) {
          if (segments.length !== 1) return false;
          if (params.get('list-type') !== '2') return false;
          if (decodeURIComponent(params.get('prefix') ?? '') !== name) return false;
        } else if (segments.slice(1).map(decodeURIComponent).join('/') !== name) {
          return false;
        }
        const extra = [...params.keys()].filter((key) => !key.startsWith('X-Amz-') && !(isList && (key === 'list-type' || key === 'prefix')));
        return extra.length === 0;
      },
    ),
    { numRuns: 600 },
  );
  t.ok(signed > 50, `${signed} requests were signed`);
  t.ok(denied > 50, `${denied} requests were denied`);
});
