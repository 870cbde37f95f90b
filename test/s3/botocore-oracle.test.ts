// A conformance oracle for the signer: every case of presign-corpus.json is presigned by
// openraz and by botocore (Debian's python3-botocore, in a Python child process) at the same
// pinned instant, with the same inputs. The URLs must agree byte for byte: scheme and host,
// path, every query parameter and the signature. A disagreement prints both canonical
// requests. Cases marked `gateway` are then signed at the current time and sent to the Ceph
// gateway as PUT, GET, list and DELETE.
import { readFileSync } from 'node:fs';
import t, { type Test } from 'tap';
import { UrlSigner, parseStorageTarget, type PresignedRequest, type S3Operation, type StorageCredentials } from '../../src/s3/index.js';
import { presignWithBotocore, type BotocoreCase, type BotocoreResult } from '../fixtures/botocore.js';
import { createBucket, gatewayAccessKey, gatewayEndpoint, gatewayRegion, gatewaySecretKey, startGateway } from '../fixtures/gateway.js';
import { sendRaw } from '../fixtures/raw-http.js';
import { referenceCanonicalRequest } from '../fixtures/sigv4-reference.js';

interface RepeatedKey {
  prefix?: string;
  repeat: string;
  count: number;
  suffix?: string;
}

interface CorpusSigner {
  endpoint: string;
  addressing: 'path' | 'virtual';
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Passed to the storage target; UrlSigner then signs x-amz-acl into every PutObject. */
  putObjectAcl?: string;
}

interface CorpusCase {
  id: string;
  note: string;
  /** The S3 operation the request stands for; some are not in openraz's OperationName yet. */
  operation?: string;
  method: string;
  signer?: string;
  /** Overrides the signer's addressing, for a bucket that the signer addresses differently. */
  addressing?: 'path' | 'virtual';
  bucket?: string;
  /** No key is a request on the bucket itself. */
  key?: string | RepeatedKey;
  query?: Record<string, string>;
  /** Headers given to openraz's signer, which decides which of them stay headers. */
  headers?: Record<string, string>;
  expiresInSeconds?: number;
  signingDate?: string;
  /** Also sent to the Ceph gateway as a PUT, a GET and a DELETE of the key. */
  gateway?: boolean;
}

interface Corpus {
  defaults: { signer: string; bucket: string; signingDate: string; expiresInSeconds: number };
  signers: Record<string, CorpusSigner>;
  cases: CorpusCase[];
}

/** A corpus case with every default applied: the inputs both signers receive. */
interface ResolvedCase {
  id: string;
  note: string;
  operation: string | undefined;
  method: string;
  signer: CorpusSigner;
  addressing: 'path' | 'virtual';
  bucket: string;
  key: string | null;
  query: Record<string, string>;
  headers: Record<string, string>;
  expiresInSeconds: number;
  signingDate: Date;
  gateway: boolean;
}

const corpus = JSON.parse(readFileSync(new URL('presign-corpus.json', import.meta.url), 'utf8')) as Corpus;
const cases = corpus.cases.map(resolveCase);

function resolveCase(entry: CorpusCase): ResolvedCase {
  const signerName = entry.signer ?? corpus.defaults.signer;
  const signer = corpus.signers[signerName];
  if (signer === undefined) throw new Error(`presign-corpus.json: case ${entry.id} names the unknown signer ${signerName}`);
  return {
    id: entry.id,
    note: entry.note,
    operation: entry.operation,
    method: entry.method,
    signer,
    addressing: entry.addressing ?? signer.addressing,
    bucket: entry.bucket ?? corpus.defaults.bucket,
    key: entry.key === undefined ? null : expandKey(entry.key),
    query: entry.query ?? {},
    headers: entry.headers ?? {},
    expiresInSeconds: entry.expiresInSeconds ?? corpus.defaults.expiresInSeconds,
    signingDate: new Date(entry.signingDate ?? corpus.defaults.signingDate),
    gateway: entry.gateway === true,
  };
}

function expandKey(key: string | RepeatedKey): string {
  if (typeof key === 'string') return key;
  return `${key.prefix ?? ''}${key.repeat.repeat(key.count)}${key.suffix ?? ''}`;
}

/**
 * Builds openraz's S3Operation for a corpus case. This is the only code that depends on
 * the operation type's shape. The signer reads the method, bucket, key, query and headers,
 * and the name only to add the PutObject ACL; the accesses are not signed.
 */
function toS3Operation(entry: ResolvedCase): S3Operation {
  return {
    name: (entry.operation ?? 'GetObject') as S3Operation['name'],
    method: entry.method as S3Operation['method'],
    bucket: entry.bucket,
    ...(entry.key === null ? {} : { key: entry.key }),
    query: { ...entry.query },
    headers: { ...entry.headers },
    accesses: [],
  };
}

// botocore gets the same query parameters and headers as openraz: every header stays a
// signed header on both sides, and the auth class route keeps botocore's client from adding
// parameters of its own (encoding-type=url on ListObjectsV2), as openraz adds none (no x-id).
function botocoreCase(entry: ResolvedCase): BotocoreCase {
  const headers = { ...entry.headers };
  if (entry.operation === 'PutObject' && entry.signer.putObjectAcl !== undefined) headers['x-amz-acl'] = entry.signer.putObjectAcl;

  return {
    id: entry.id,
    method: entry.method,
    endpoint: entry.signer.endpoint,
    addressing: entry.addressing,
    bucket: entry.bucket,
    key: entry.key,
    query: entry.query,
    headers,
    region: entry.signer.region,
    credentials: entry.signer.credentials,
    expiresInSeconds: entry.expiresInSeconds,
    signingDate: entry.signingDate.toISOString(),
  };
}

function signerFor(entry: ResolvedCase): UrlSigner {
  const target = parseStorageTarget(entry.signer.endpoint, entry.signer.region, entry.signer.addressing === 'path');
  const credentials: StorageCredentials = { ...entry.signer.credentials };
  return new UrlSigner(entry.signer.putObjectAcl === undefined ? target : { ...target, putObjectAcl: entry.signer.putObjectAcl }, credentials);
}

/** A URL split at its raw bytes, without a URL parser that could decode or normalise them. */
interface UrlParts {
  origin: string;
  path: string;
  /** Raw name=value pairs except X-Amz-Signature, sorted. */
  sortedQuery: string[];
  signature: string | undefined;
}

function splitUrl(url: string): UrlParts {
  const afterScheme = url.indexOf('//') + 2;
  const pathStart = url.indexOf('/', afterScheme);
  const queryStart = url.indexOf('?');
  const pairs = url.slice(queryStart + 1).split('&');
  return {
    origin: url.slice(0, pathStart),
    path: url.slice(pathStart, queryStart),
    sortedQuery: pairs.filter((pair) => !pair.startsWith('X-Amz-Signature=')).sort(),
    signature: pairs.find((pair) => pair.startsWith('X-Amz-Signature='))?.slice('X-Amz-Signature='.length),
  };
}

function rawQueryValue(url: string, name: string): string | undefined {
  return splitUrl(url)
    .sortedQuery.find((pair) => pair.startsWith(`${name}=`))
    ?.slice(name.length + 1);
}

/** Recomputes the canonical request of openraz's URL, with the header values it returns for the caller to send. */
function openrazCanonicalRequest(presigned: PresignedRequest): string {
  const { origin } = splitUrl(presigned.url);
  const host = origin.slice(origin.indexOf('//') + 2);
  const names = decodeURIComponent(rawQueryValue(presigned.url, 'X-Amz-SignedHeaders') ?? '').split(';');
  const signedHeaders = Object.fromEntries(
    names.map((name) => [name, name === 'host' ? host : (presigned.headers[name] ?? '<not in the returned headers>')]),
  );
  return referenceCanonicalRequest({ method: presigned.method, url: presigned.url, signedHeaders });
}

function compactDate(date: Date): string {
  return date.toISOString().replace(/[-:]|\.\d{3}/g, '');
}

async function presignBoth(entries: ResolvedCase[], signerOf: (entry: ResolvedCase) => UrlSigner, operationOf: (entry: ResolvedCase) => S3Operation) {
  const output = await presignWithBotocore(entries.map(botocoreCase));
  const returnedIds = output.results.map((result) => result.id).join(' ');
  if (returnedIds !== entries.map((entry) => entry.id).join(' ')) throw new Error(`botocore returned results for other cases: ${returnedIds}`);

  const pairs: { entry: ResolvedCase; openraz: PresignedRequest; botocore: BotocoreResult }[] = [];
  for (const [index, entry] of entries.entries()) {
    const openraz = await signerOf(entry).presign(operationOf(entry), { expiresInSeconds: entry.expiresInSeconds, signingDate: entry.signingDate });
    pairs.push({ entry, openraz, botocore: output.results[index]! });
  }
  return { botocore: output.botocore, pairs };
}

function compareWithBotocore(t: Test, entry: ResolvedCase, openraz: PresignedRequest, botocore: BotocoreResult): void {
  if ('error' in botocore) {
    t.fail(`botocore could not presign ${entry.id}: ${botocore.error}`);
    return;
  }
  const ours = splitUrl(openraz.url);
  const theirs = splitUrl(botocore.url);
  const canonical = openrazCanonicalRequest(openraz);

  t.equal(rawQueryValue(botocore.url, 'X-Amz-Date'), compactDate(entry.signingDate), 'botocore signed at the pinned instant');
  t.equal(ours.origin, theirs.origin, 'scheme and host');
  t.equal(ours.path, theirs.path, 'path');
  t.same(ours.sortedQuery, theirs.sortedQuery, 'sorted query');
  t.equal(canonical, botocore.canonicalRequest, 'canonical request');
  t.equal(ours.signature, botocore.signature, 'X-Amz-Signature');
  if (ours.signature !== botocore.signature) {
    t.comment(`${entry.id}: openraz canonical request:\n${canonical}\n\n${entry.id}: botocore canonical request:\n${botocore.canonicalRequest}`);
  }

  const signedHeaderNames = decodeURIComponent(rawQueryValue(openraz.url, 'X-Amz-SignedHeaders') ?? '').split(';');
  t.same(
    Object.keys(openraz.headers).sort(),
    signedHeaderNames.filter((name) => name !== 'host'),
    'headers to send are the signed headers',
  );
}

t.test('corpus matches botocore', async (t) => {
  const { botocore, pairs } = await presignBoth(cases, signerFor, toS3Operation);
  t.match(botocore.file, /^\/usr\/lib\/python3\/dist-packages\/botocore\//, "Debian's python3-botocore signed");
  t.comment(`botocore ${botocore.version} at ${botocore.file}, ${pairs.length} cases`);
  t.equal(new Set(cases.map((entry) => entry.id)).size, cases.length, 'case ids are unique');

  for (const { entry, openraz, botocore: result } of pairs) {
    await t.test(entry.id, async (t) => compareWithBotocore(t, entry, openraz, result));
  }
});

t.test('NFC and NFD keys sign different paths', async (t) => {
  const byId = (id: string) => {
    const entry = cases.find((candidate) => candidate.id === id);
    if (entry === undefined) throw new Error(`presign-corpus.json has no case ${id}`);
    return entry;
  };
  const [nfc, nfd] = await Promise.all(
    ['key-nfc', 'key-nfd'].map(async (id) => {
      const entry = byId(id);
      return signerFor(entry).presign(toS3Operation(entry), { expiresInSeconds: entry.expiresInSeconds, signingDate: entry.signingDate });
    }),
  );
  t.equal(splitUrl(nfc!.url).path, '/oracle-bucket/nf/caf%C3%A9.txt');
  t.equal(splitUrl(nfd!.url).path, '/oracle-bucket/nf/cafe%CC%81.txt');
});

// The gateway's own credentials and address, which test/fixtures/gateway.ts may take from
// the environment.
const gatewaySigner: CorpusSigner = {
  endpoint: gatewayEndpoint,
  addressing: 'path',
  region: gatewayRegion,
  credentials: { accessKeyId: gatewayAccessKey, secretAccessKey: gatewaySecretKey },
};

/** Returns a case for a request to the gateway, signed now with its credentials; `fields` overrides any default. */
function onGateway(bucket: string, method: string, fields: Partial<ResolvedCase> = {}): ResolvedCase {
  return {
    id: `${method} on the gateway`,
    note: '',
    operation: undefined,
    method,
    signer: gatewaySigner,
    addressing: 'path',
    bucket,
    key: null,
    query: {},
    headers: {},
    expiresInSeconds: 300,
    signingDate: new Date(),
    gateway: true,
    ...fields,
  };
}

t.test('gateway stores corpus keys', async (t) => {
  const bucket = 'oracle-botocore-keys';
  await startGateway();
  await createBucket(bucket);

  const roundTrip = cases.filter((entry) => entry.gateway);
  const sign = async (method: string) => {
    const entries = roundTrip.map((entry) => onGateway(bucket, method, { id: entry.id, note: entry.note, key: entry.key }));
    return (await presignBoth(entries, signerFor, toS3Operation)).pairs;
  };
  const puts = await sign('PUT');
  const gets = await sign('GET');
  const deletes = await sign('DELETE');

  for (const [index, { entry, openraz, botocore }] of puts.entries()) {
    await t.test(entry.id, async (t) => {
      compareWithBotocore(t, entry, openraz, botocore);
      const body = `body of ${entry.id}`;
      const put = await sendRaw('PUT', openraz.url, body);
      t.equal(put.status, 200, `PUT ${JSON.stringify(entry.key)}: ${put.body.toString()}`);
      const get = await sendRaw('GET', gets[index]!.openraz.url);
      t.equal(get.status, 200, `GET ${JSON.stringify(entry.key)}`);
      t.equal(get.body.toString(), body, 'GET returns the object this key stored');
    });
  }

  await t.test('NFC and NFD are two objects', async (t) => {
    const list = onGateway(bucket, 'GET', { operation: 'ListObjectsV2', query: { 'list-type': '2', prefix: 'nf/' } });
    const presigned = await signerFor(list).presign(toS3Operation(list), { expiresInSeconds: 60, signingDate: list.signingDate });
    const response = await sendRaw('GET', presigned.url);
    t.equal(response.status, 200);
    const listed = [...response.body.toString().matchAll(/<Key>([^<]*)<\/Key>/g)].map((match) => match[1]);
    t.same(listed.sort(), ['nf/caf\u00e9.txt', 'nf/cafe\u0301.txt'].sort());
  });

  for (const { entry, openraz } of deletes) {
    const removed = await sendRaw('DELETE', openraz.url);
    t.equal(removed.status, 204, `DELETE ${JSON.stringify(entry.key)}`);
  }
});

t.test('gateway copies with a signed copy source', async (t) => {
  const bucket = 'oracle-botocore-copy';
  await startGateway();
  await createBucket(bucket);

  const sourceKey = 'src/r\u00e9sum\u00e9 v2.txt';
  const { pairs } = await presignBoth(
    [
      onGateway(bucket, 'PUT', { id: 'put-source', key: sourceKey }),
      onGateway(bucket, 'PUT', {
        id: 'copy',
        operation: 'CopyObject',
        key: 'dst/copy.txt',
        headers: { 'x-amz-copy-source': `/${bucket}/src/r%C3%A9sum%C3%A9%20v2.txt` },
      }),
      onGateway(bucket, 'GET', { id: 'get-copy', key: 'dst/copy.txt' }),
    ],
    signerFor,
    toS3Operation,
  );
  const [putSource, copy, getCopy] = pairs as [(typeof pairs)[0], (typeof pairs)[0], (typeof pairs)[0]];
  compareWithBotocore(t, copy.entry, copy.openraz, copy.botocore);
  t.notMatch(copy.openraz.url, /x-amz-copy-source=/, 'the copy source is not in the query');
  t.same(copy.openraz.headers, { 'x-amz-copy-source': `/${bucket}/src/r%C3%A9sum%C3%A9%20v2.txt` });

  t.equal((await sendRaw('PUT', putSource.openraz.url, 'source body')).status, 200, 'source stored');
  const withoutHeader = await sendRaw('PUT', copy.openraz.url);
  t.equal(withoutHeader.status, 403, 'a copy URL without its signed header is rejected');
  const otherSource = await sendRaw('PUT', copy.openraz.url, undefined, { 'x-amz-copy-source': `/${bucket}/src/other.txt` });
  t.equal(otherSource.status, 403, 'a copy URL with another source is rejected');
  const copied = await sendRaw('PUT', copy.openraz.url, undefined, copy.openraz.headers);
  t.equal(copied.status, 200, `copy with the returned headers: ${copied.body.toString()}`);
  const fetched = await sendRaw('GET', getCopy.openraz.url);
  t.equal(fetched.body.toString(), 'source body', 'the copy has the source body');
});
