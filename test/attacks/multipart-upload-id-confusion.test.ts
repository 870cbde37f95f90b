import t from 'tap';
import { signedS3Request, xmlValue } from '../fixtures/gateway.js';
import { startGatewayService } from '../fixtures/gateway-service.js';
import { createSigningClient, type SignedRequest, type SignResponse } from '../fixtures/signing-client.js';

// Ceph RGW 16.2 names the metadata object of a multipart upload `<key>.<uploadId>.meta` and
// its parts `<key>.<uploadId>.<part>`, and it does not check that the upload ID belongs to the
// key in the URL. So the key `certs/server` with the upload ID `key.<id>` reaches the upload
// `<id>` of `certs/server.key`. openraz authorizes the key in the URL and treats the upload ID
// as opaque text, so a caller who may write `certs/server` but not `certs/server.key` can list,
// complete (and so read), overwrite or abort the denied key's upload.
const bucket = 'redteam-mpu';
const victimKey = 'certs/server.key';
const victimBytes = 'PRIVATE KEY MATERIAL';

const { keys, service } = await startGatewayService(t, {
  buckets: [bucket],
  policies: [
    {
      id: 1,
      name: 'ted works in the whole bucket',
      resources: { bucket: { values: [bucket] }, path: { values: ['*'] } },
      policyItems: [{ users: ['ted'], accesses: [{ type: 'read' }, { type: 'write' }, { type: 'delete' }, { type: 'list' }] }],
    },
    {
      id: 2,
      name: 'ted never touches key files',
      resources: { bucket: { values: [bucket] }, path: { values: ['*.key'] } },
      denyPolicyItems: [{ users: ['ted'], accesses: [{ type: 'read' }, { type: 'write' }, { type: 'delete' }] }],
    },
  ],
});
const client = createSigningClient(service, keys, { bucket });
const { send } = client;

function sign(body: Record<string, unknown>): Promise<SignResponse> {
  return client.sign('ted', body);
}

/** Starts a multipart upload of the denied key with the gateway's own credentials, as another user would. */
async function startVictimUpload(): Promise<string> {
  const created = await signedS3Request('POST', `/${bucket}/certs/server.key`, { query: { uploads: '' } });
  const uploadId = xmlValue(created.body, 'UploadId');
  if (created.status !== 200 || uploadId === undefined) throw new Error(`CreateMultipartUpload of ${victimKey} failed with HTTP ${created.status}`);
  const part = await signedS3Request('PUT', `/${bucket}/certs/server.key`, { query: { partNumber: '1', uploadId }, body: victimBytes });
  if (part.status !== 200) throw new Error(`UploadPart of ${victimKey} failed with HTTP ${part.status}`);
  return uploadId;
}

t.test('denied key upload stays denied', async (t) => {
  const uploadId = await startVictimUpload();
  const listing = await sign({ operation: 'ListMultipartUploads', prefix: 'certs/' });
  t.equal(listing.status, 200, 'ted may list the uploads under certs/');
  const uploads = await send(listing.json as SignedRequest);
  t.match(uploads.body.toString(), uploadId, 'so he learns the upload ID');

  const direct = await sign({ operation: 'ListParts', key: victimKey, uploadId });
  t.equal(direct.status, 403, 'ListParts of the denied key itself is refused');
  t.equal(direct.json.code, 'ERR_ACCESS_DENIED');
});

t.test('upload ID with a dot reaches another key', async (t) => {
  // An earlier run may have left the stolen bytes there.
  await signedS3Request('DELETE', `/${bucket}/certs/server`);
  const uploadId = await startVictimUpload();
  const confused = `key.${uploadId}`;

  const listParts = await sign({ operation: 'ListParts', key: 'certs/server', uploadId: confused });
  if (listParts.status === 200) {
    const parts = await send(listParts.json as SignedRequest);
    t.not(parts.status, 200, 'the gateway must not list the parts of certs/server.key');
  } else {
    t.equal(listParts.json.code, 'ERR_REQUEST_INVALID', 'openraz refuses the upload ID');
  }

  const complete = await sign({ operation: 'CompleteMultipartUpload', key: 'certs/server', uploadId: confused });
  if (complete.status !== 200) {
    t.pass('openraz refuses to complete through the upload ID');
    return;
  }
  const etag = (await signedS3Request('GET', `/${bucket}/certs/server.key`, { query: { uploadId } })).body.toString();
  const partEtag = /<ETag>([^<]*)<\/ETag>/.exec(etag)?.[1] ?? '';
  await send(
    complete.json as SignedRequest,
    `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${partEtag}</ETag></Part></CompleteMultipartUpload>`,
  );
  const read = await sign({ operation: 'GetObject', key: 'certs/server' });
  const stolen = await send(read.json as SignedRequest);
  t.not(stolen.body.toString(), victimBytes, 'the parts of certs/server.key must not become readable at certs/server');
});
