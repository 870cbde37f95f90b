import { createHash } from 'node:crypto';
import t from 'tap';
import { s3ErrorCode, signedS3Request } from '../fixtures/gateway.js';
import { encodeKeyPath } from '../../src/s3/index.js';
import { seedObject, startGatewayService } from '../fixtures/gateway-service.js';
import { sendRaw } from '../fixtures/raw-http.js';
import { createSigningClient, type SignedRequest, type SignResponse } from '../fixtures/signing-client.js';

// DeleteObjects deletes the keys of an XML body, and openraz authorizes the keys it reads from
// that body. These checks look for bodies that openraz reads as allowed keys while Ceph RGW
// 16.2 (expat) would delete another key, and for ways to send a signed URL with another body.
// eve may do anything in the bucket except under secret/.
const bucket = 'redteam-del';

const { keys, service } = await startGatewayService(t, {
  buckets: [bucket],
  policies: [
    {
      id: 1,
      name: 'eve works in the whole bucket',
      resources: { bucket: { values: [bucket] }, path: { values: ['*'] } },
      policyItems: [{ users: ['eve'], accesses: [{ type: 'read' }, { type: 'write' }, { type: 'delete' }, { type: 'list' }] }],
    },
    {
      id: 2,
      name: 'eve never touches secret/',
      resources: { bucket: { values: [bucket] }, path: { values: ['secret/'], isRecursive: true } },
      denyPolicyItems: [{ users: ['eve'], accesses: [{ type: 'read' }, { type: 'write' }, { type: 'delete' }, { type: 'list' }] }],
    },
  ],
  config: { rateLimit: { enabled: false } },
});
const client = createSigningClient(service, keys, { bucket });

function signDelete(body: string): Promise<SignResponse> {
  return client.sign('eve', { operation: 'DeleteObjects', body });
}

function seed(key: string): Promise<void> {
  return seedObject(bucket, key, key);
}

async function exists(key: string): Promise<boolean> {
  return (await signedS3Request('HEAD', `/${bucket}/${encodeKeyPath(key)}`)).status === 200;
}

t.test('keys are read as XML reads them', async (t) => {
  // Each body with the keys openraz must authorize: the keys expat reads from it.
  const cases: [body: string, keys: string[]][] = [
    ['<Delete><Object><Key a=">">secret/x</Key></Object></Delete>', ['secret/x']],
    ["<Delete><Object><Key a='>' >secret/x</Key></Object></Delete>", ['secret/x']],
    ['<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Object><Key xmlns="urn:x">secret/x</Key></Object></Delete>', ['secret/x']],
    ['<Delete><Object ><Key >open/a</Key ></Object ><Object><Key>secret/x</Key></Object></Delete\n>', ['open/a', 'secret/x']],
    ['<Delete><Object><Key>open/a</Key></Object><Quiet>true</Quiet><Object><Key>secret/x</Key></Object></Delete>', ['open/a', 'secret/x']],
    ['<Delete><Object><Key>&#x73;ecret/x</Key></Object></Delete>', ['secret/x']],
    ['<Delete><Object><Key>&#115;ecret&#x2F;x</Key></Object></Delete>', ['secret/x']],
    ['\uFEFF<Delete><Object><Key>secret/x</Key></Object></Delete>', ['secret/x']],
  ];
  for (const [body, expected] of cases) {
    const { status, json } = await signDelete(body);
    t.equal(status, 403, `denied: ${body.slice(0, 60)}`);
    t.same(
      json.deniedKeys,
      expected.filter((key) => key.startsWith('secret/')),
      `the denied keys of ${body.slice(0, 60)}`,
    );
    const lines = (await service.auditLines()).filter((line) => line.decisionId === json.decisionId);
    t.same(
      lines.map((line) => line.key),
      expected,
      'one audit line per key, in order',
    );
  }
});

t.test('bodies read otherwise are rejected', async (t) => {
  const bodies = [
    '<Delete><Object><Key>open/a</Key><Key>secret/x</Key></Object></Delete>',
    '<Delete><Object><Key>open/<x/>a</Key></Object></Delete>',
    '<Delete><Object><Key>open/a</Key><Object><Key>secret/x</Key></Object></Object></Delete>',
    '<Delete><Object><Key>open/a</Key></Object><s3:Object xmlns:s3="urn:s3"><Key>secret/x</Key></s3:Object></Delete>',
    '<Delete><Object><Key>open/a</Key></Object></Delete><Delete><Object><Key>secret/x</Key></Object></Delete>',
    '<Delete><Object><Key>open/a</Key><VersionId><Key>secret/x</Key></VersionId></Object></Delete>',
    '<Delete><Quiet><Object><Key>secret/x</Key></Object></Quiet><Object><Key>open/a</Key></Object></Delete>',
    '<Delete><Object><Key>open/a&#13;</Key></Object></Delete>',
    '<Delete><Object><Key>open/a\r\nb</Key></Object></Delete>',
    '<Delete><Object><Key>open/&#x0000073;</Key></Object></Delete>',
    '<Delete><Object><Key>open/&#xD800;</Key></Object></Delete>',
    '<?xml version="1.0" encoding=\'latin1\'?><Delete><Object><Key>open/\u00e9</Key></Object></Delete>',
    '\uFEFF<?xml version="1.0"\nencoding="UTF-16"?><Delete><Object><Key>open/a</Key></Object></Delete>',
    '<Delete><Object><Key>open/a</Key></Object><?pi secret/x?></Delete>',
    // Rejected although S3 accepts it, because the parser reads a declaration after a byte order mark as a second top-level node.
    '\uFEFF<?xml version="1.0" encoding="UTF-8"?><Delete><Object><Key>secret/x</Key></Object></Delete>',
  ];
  for (const body of bodies) {
    const { status, json } = await signDelete(body);
    t.equal(status, 400, JSON.stringify(body.slice(0, 70)));
    t.ok(
      json.code === 'ERR_REQUEST_BODY_INVALID' || json.code === 'ERR_REQUEST_KEY_INVALID',
      `${String(json.code)}: ${JSON.stringify(body.slice(0, 70))}`,
    );
  }
});

t.test('whitespace in a key is kept', async (t) => {
  await seed('secret/x');
  await seed(' secret/x');
  const body = '<Delete><Object><Key> secret/x</Key></Object></Delete>';
  const { status, json } = await signDelete(body);
  t.equal(status, 200, 'the key " secret/x" is not under secret/');
  const response = await sendRaw('POST', json.url!, body, json.headers);
  t.equal(response.status, 200);
  t.notOk(await exists(' secret/x'), 'the gateway deleted the key with the space');
  t.ok(await exists('secret/x'), 'and did not trim it to secret/x');
});

t.test('signed URL takes only its body', async (t) => {
  await seed('open/a');
  await seed('secret/y');
  const body = '<Delete><Object><Key>open/a</Key></Object></Delete>';
  const other = '<Delete><Object><Key>secret/y</Key></Object></Delete>';
  const { json } = await signDelete(body);
  const signed = json as unknown as SignedRequest;

  const sameHeaders = await sendRaw('POST', signed.url, other, signed.headers);
  t.equal(sameHeaders.status, 400, 'another body with the signed headers');
  t.equal(s3ErrorCode(sameHeaders.body), 'XAmzContentSHA256Mismatch', 'the gateway checks the signed SHA-256 of the body');
  const newDigest = await sendRaw('POST', signed.url, other, { ...signed.headers, 'content-md5': createHash('md5').update(other).digest('base64') });
  t.equal(s3ErrorCode(newDigest.body), 'SignatureDoesNotMatch', 'another body with its own Content-MD5');
  const { 'content-md5': _digest, ...withoutDigest } = signed.headers;
  const noDigest = await sendRaw('POST', signed.url, other, withoutDigest);
  t.equal(s3ErrorCode(noDigest.body), 'SignatureDoesNotMatch', 'another body without Content-MD5');
  t.ok(await exists('secret/y'), 'secret/y is still there');
});

t.test('parser limits are client errors', async (t) => {
  const bodies = [
    `<Delete><Object><Key>open/a</Key><Size>${'<a>'.repeat(200)}${'</a>'.repeat(200)}</Size></Object></Delete>`,
    '<Delete><Object><Key>open/a</Key></Object><__proto__><Key>secret/x</Key></__proto__></Delete>',
    '<Delete><Object><Key>open/a</Key><constructor>x</constructor></Object></Delete>',
  ];
  for (const body of bodies) {
    const { status, json } = await signDelete(body);
    t.equal(status, 400, body.slice(0, 60));
    t.equal(json.code, 'ERR_REQUEST_BODY_INVALID', body.slice(0, 60));
  }
});
