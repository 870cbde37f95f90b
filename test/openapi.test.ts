// Checks that openapi.yaml describes the app as it is: the same routes, the same request and
// response schemas, and every error code of the registry with its status and description.
// A field, route or code added in one place and not the other fails one of these tests.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { Ajv2020 } from 'ajv/dist/2020.js';
import ajvFormats from 'ajv-formats';
import type { FastifyInstance, FastifySchema } from 'fastify';
import t from 'tap';
import { parse as parseYaml } from 'yaml';

import type { AuthorityDependencies } from '../src/authority/index.js';
import type { TokenVerifier } from '../src/auth/index.js';
import { ERROR_CODES, OpenRazError, type ErrorCode } from '../src/errors/index.js';
import { buildApp } from '../src/http/index.js';
import { createMetrics } from '../src/metrics/index.js';
import { compilePolicyFiles, type PolicySet } from '../src/policy/index.js';
import { RevocationStore } from '../src/revocation/index.js';
import { UrlSigner, parseStorageTarget } from '../src/s3/index.js';
import type { TargetStatus } from '../src/storage/index.js';

type JsonObject = Record<string, unknown>;

interface RegisteredRoute {
  method: string;
  url: string;
  schema: FastifySchema | undefined;
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** JSON Schema annotation keywords, which the code's schemas leave out. */
const ANNOTATION_KEYWORDS = new Set(['description', 'example', 'examples']);

/** Keywords whose value is data, not a schema, so annotation names inside it must stay. */
const DATA_KEYWORDS = new Set(['enum', 'const', 'default']);

/** Codes that the not-found handler returns for any unrouted path or method, so no operation lists them. */
const ROUTING_CODES: readonly ErrorCode[] = ['ERR_ROUTE_NOT_FOUND', 'ERR_METHOD_NOT_ALLOWED'];

/**
 * Registry codes that a decision route never returns, besides the routing codes. Every other
 * code must be documented on both routes, so a new code fails until the spec lists it.
 */
const REVOCATION_CODES: readonly ErrorCode[] = ['ERR_REVOCATION_NOT_FOUND', 'ERR_REVOCATION_FROM_FILE', 'ERR_REVOCATION_STORE_UNAVAILABLE'];
/** Codes about a described S3 request, which only `POST /v1/sign/request` returns. */
const SIGNED_HEADERS_CODES: readonly ErrorCode[] = ['ERR_REQUEST_URL_INVALID', 'ERR_REQUEST_HEADER_NOT_ALLOWED', 'ERR_REQUEST_OPERATION_UNSUPPORTED'];
const CODES_NOT_RETURNED: Record<string, readonly ErrorCode[]> = {
  'POST /v1/sign': ['ERR_AUTH_ADMIN_SCOPE_REQUIRED', ...REVOCATION_CODES, ...SIGNED_HEADERS_CODES],
  // /v1/authorize returns a denial as `allowed: false` in a 200 response, and signs nothing,
  // so it needs neither a storage target nor credentials.
  // Its only ERR_ACCESS_DENIED is for a blocked caller that uses `as`.
  'POST /v1/authorize': ['ERR_SERVICE_NOT_READY', 'ERR_REQUEST_KEY_DOT_SEGMENT', 'ERR_REQUEST_BUCKET_UNROUTED', 'ERR_AUDIT_UNAVAILABLE', ...REVOCATION_CODES, ...SIGNED_HEADERS_CODES],
  'POST /v1/sign/request': ['ERR_AUTH_ADMIN_SCOPE_REQUIRED', ...REVOCATION_CODES],
  // A batch reports the decision, request and signing errors of its items in a 200 response.
  'POST /v1/sign/batch': [
    'ERR_AUTH_ADMIN_SCOPE_REQUIRED',
    'ERR_ACCESS_DENIED',
    'ERR_REQUEST_BODY_INVALID',
    'ERR_REQUEST_KEY_INVALID',
    'ERR_REQUEST_KEY_DOT_SEGMENT',
    'ERR_REQUEST_EXPIRY_OUT_OF_RANGE',
    'ERR_SERVICE_NOT_READY',
    'ERR_REQUEST_BUCKET_UNROUTED',
    'ERR_AUDIT_UNAVAILABLE',
    ...REVOCATION_CODES,
    ...SIGNED_HEADERS_CODES,
  ],
};

const SIGNING_INSTANT = new Date('2026-03-01T12:00:00Z');

const TINY_POLICY_FILE = {
  policies: [
    {
      id: 1,
      name: 'alice reads reports',
      resources: { bucket: { values: ['reports'] }, path: { values: ['2026/'], isRecursive: true } },
      policyItems: [{ users: ['alice'], accesses: [{ type: 'read' }] }],
    },
    {
      id: 2,
      name: 'alice uploads images',
      resources: { bucket: { values: ['reports'] }, path: { values: ['uploads/alice/'], isRecursive: true } },
      policyItems: [
        {
          users: ['alice'],
          accesses: [{ type: 'write' }],
          conditions: [
            { type: 'content-types', values: ['image/*'] },
            { type: 'max-object-size', values: ['10485760'] },
          ],
        },
      ],
    },
  ],
};

const spec = parseYaml(await readFile(new URL('../openapi.yaml', import.meta.url), 'utf8')) as JsonObject;

// --- helpers for the spec ---

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function routeKey(method: string, url: string): string {
  return `${method.toUpperCase()} ${url}`;
}

/** Follows a local `$ref` such as `#/components/schemas/Error`. */
function lookUpReference(reference: string): unknown {
  if (!reference.startsWith('#/')) throw new Error(`only local $ref values are supported, got "${reference}"`);
  let node: unknown = spec;
  for (const token of reference.slice(2).split('/')) {
    const name = token.replaceAll('~1', '/').replaceAll('~0', '~');
    if (!isObject(node) || !(name in node)) throw new Error(`$ref "${reference}" does not resolve`);
    node = node[name];
  }
  return node;
}

/**
 * Returns a copy of `node` with every `$ref` replaced by its target. Keys next to a `$ref`
 * (allowed in OpenAPI 3.1) override the target's. The spec has no recursive references.
 */
function resolveReferences(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(resolveReferences);
  if (!isObject(node)) return node;

  if (typeof node.$ref === 'string') {
    const { $ref: reference, ...siblings } = node;
    const target = resolveReferences(lookUpReference(reference));
    return isObject(target) ? { ...target, ...(resolveReferences(siblings) as JsonObject) } : target;
  }
  return Object.fromEntries(Object.entries(node).map(([name, value]) => [name, resolveReferences(value)]));
}

/** Returns a copy of a JSON Schema without its annotation keywords, keeping property names. */
function stripAnnotations(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(stripAnnotations);
  if (!isObject(schema)) return schema;

  const stripped: JsonObject = {};
  for (const [keyword, value] of Object.entries(schema)) {
    if (ANNOTATION_KEYWORDS.has(keyword)) continue;
    if (DATA_KEYWORDS.has(keyword)) {
      stripped[keyword] = value;
    } else if (keyword === 'properties' && isObject(value)) {
      stripped[keyword] = Object.fromEntries(Object.entries(value).map(([name, property]) => [name, stripAnnotations(property)]));
    } else {
      stripped[keyword] = stripAnnotations(value);
    }
  }
  return stripped;
}

/** Resolves the references of a spec schema and removes its annotations, as the code writes schemas. */
function normalizeSpecSchema(schema: unknown): unknown {
  return stripAnnotations(resolveReferences(schema));
}

/**
 * Removes the `enum` on the `code` property of an error schema. The code types `code` as a
 * plain string, and a separate test compares the spec's enum with the registry.
 */
function withoutErrorCodeEnum(schema: unknown): unknown {
  if (!isObject(schema) || !isObject(schema.properties) || !isObject(schema.properties.code)) return schema;
  const { enum: _codes, ...code } = schema.properties.code;
  return { ...schema, properties: { ...schema.properties, code } };
}

function specOperations(): Map<string, JsonObject> {
  const operations = new Map<string, JsonObject>();
  for (const [path, pathItem] of Object.entries(spec.paths as JsonObject)) {
    for (const method of HTTP_METHODS) {
      const operation = (pathItem as JsonObject)[method];
      if (isObject(operation)) operations.set(routeKey(method, path.replaceAll(/\{([^}]+)\}/g, ':$1')), operation);
    }
  }
  return operations;
}

function specResponses(operation: JsonObject): Map<string, JsonObject> {
  const responses = resolveReferences(operation.responses) as JsonObject;
  return new Map(Object.entries(responses).map(([status, response]) => [status, response as JsonObject]));
}

function specErrorCodeProperty(): JsonObject {
  const schemas = (spec.components as JsonObject).schemas as JsonObject;
  return ((schemas.Error as JsonObject).properties as JsonObject).code as JsonObject;
}

// --- helpers for the app ---

function createAuthority(signer: UrlSigner | undefined, policies: PolicySet): AuthorityDependencies {
  return {
    policies: () => policies,
    signer: () => signer,
    audit: { async write() {}, healthy: () => true, flush: async () => {}, close: async () => {} },
    metrics: createMetrics({ processMetrics: false }),
    signing: { defaultExpiresSeconds: 300, maxExpiresSeconds: 3600, maxBatchSize: 1000 },
  };
}

/** /readyz input: one target, valid exactly when a signer is given. */
function storageStatus(signer: UrlSigner | undefined): () => TargetStatus[] {
  return () => [{ name: 'default', source: 'static', valid: signer !== undefined }];
}

const rejectingVerifier: TokenVerifier = {
  async verify() {
    throw new OpenRazError('ERR_AUTH_SIGNATURE_INVALID', 'The token signature is invalid.');
  },
};

const aliceVerifier: TokenVerifier = {
  async verify() {
    return { user: 'alice', groups: [], scopes: [], expiresAt: new Date(SIGNING_INSTANT.getTime() + 3_600_000) };
  },
};

const adminVerifier: TokenVerifier = {
  async verify() {
    return { user: 'root', groups: [], scopes: ['openid', 'openraz:admin'], expiresAt: new Date(SIGNING_INSTANT.getTime() + 3_600_000) };
  },
};

/**
 * Builds the app with stand-in dependencies and records every route it registers. The
 * routes live in plugins, which Fastify loads during `ready()`, so the hook added after
 * `buildApp` returns still records them all.
 */
async function buildRecordedApp(): Promise<{ app: FastifyInstance; routes: RegisteredRoute[] }> {
  const policies = await compilePolicyFiles([{ name: 'tiny.json', text: JSON.stringify(TINY_POLICY_FILE) }], { now: SIGNING_INSTANT });
  // The admin routes are registered only with a revocation store.
  const revocations = await RevocationStore.open({ now: () => SIGNING_INSTANT });
  const app = buildApp({ authority: createAuthority(undefined, policies), storageStatus: storageStatus(undefined), verifier: rejectingVerifier, now: () => SIGNING_INSTANT, revocations });

  const routes: RegisteredRoute[] = [];
  // NOTE: a route that buildApp registers directly on the root instance, outside a plugin,
  // is added before this hook and so is missing here.
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) routes.push({ method, url: route.url, schema: route.schema });
  });
  await app.ready();
  return { app, routes };
}

/** Drops the HEAD routes that Fastify adds for each GET route. */
function withoutAutomaticHeadRoutes(routes: RegisteredRoute[]): RegisteredRoute[] {
  const getUrls = new Set(routes.filter((route) => route.method === 'GET').map((route) => route.url));
  return routes.filter((route) => !(route.method === 'HEAD' && getUrls.has(route.url)));
}

function responseSchemaFor(schema: FastifySchema | undefined, status: string): unknown {
  const responses = schema?.response as JsonObject | undefined;
  if (responses === undefined) return undefined;
  return responses[status] ?? responses[`${status[0]}xx`];
}

// --- tests ---

const { app, routes: allRoutes } = await buildRecordedApp();
t.teardown(() => app.close());
const routes = withoutAutomaticHeadRoutes(allRoutes);
const operations = specOperations();

t.test('routes match the spec paths', async (t) => {
  const registered = new Set(routes.map((route) => routeKey(route.method, route.url)));
  t.ok(registered.size > 0, 'the onRoute hook recorded routes');

  for (const key of registered) t.ok(operations.has(key), `${key} is in openapi.yaml`);
  for (const key of operations.keys()) t.ok(registered.has(key), `${key} of openapi.yaml is registered`);
});

t.test('request body schemas match', async (t) => {
  for (const route of routes) {
    const key = routeKey(route.method, route.url);
    const operation = operations.get(key);
    if (operation === undefined) continue;
    const codeBody = route.schema?.body;

    if (codeBody === undefined) {
      t.equal(operation.requestBody, undefined, `${key} has no request body in openapi.yaml`);
      continue;
    }
    const requestBody = resolveReferences(operation.requestBody) as JsonObject | undefined;
    const content = (requestBody?.content ?? {}) as JsonObject;
    t.strictSame(Object.keys(content), ['application/json'], `${key} documents a JSON body only`);
    const specBody = (content['application/json'] as JsonObject | undefined)?.schema;
    t.strictSame(normalizeSpecSchema(specBody), codeBody, `${key} body schema in openapi.yaml equals the registered one`);
  }
});

t.test('response schemas match', async (t) => {
  for (const route of routes) {
    const key = routeKey(route.method, route.url);
    const operation = operations.get(key);
    if (operation === undefined || route.schema?.response === undefined) continue;

    for (const [status, response] of specResponses(operation)) {
      const codeSchema = responseSchemaFor(route.schema, status);
      t.not(codeSchema, undefined, `${key} declares a response schema that covers ${status}`);

      const specSchema = ((response.content as JsonObject | undefined)?.['application/json'] as JsonObject | undefined)?.schema;
      t.strictSame(
        withoutErrorCodeEnum(normalizeSpecSchema(specSchema)),
        codeSchema,
        `${key} ${status} schema in openapi.yaml equals the registered one`,
      );
    }
  }
});

t.test('error code enum matches registry', async (t) => {
  t.strictSame(specErrorCodeProperty().enum, Object.keys(ERROR_CODES), 'Error.code enum in openapi.yaml lists ERROR_CODES in order');
});

t.test('error code table matches registry', async (t) => {
  const table = String(specErrorCodeProperty().description);

  for (const [code, { status, description }] of Object.entries(ERROR_CODES)) {
    const row = `| \`${code}\` | ${status} | ${description} |`;
    t.ok(table.split('\n').includes(row), `the code table has the row ${row}`);
  }
});

t.test('decision routes document each error status', async (t) => {
  for (const [key, notReturned] of Object.entries(CODES_NOT_RETURNED)) {
    const operation = operations.get(key);
    t.not(operation, undefined, `${key} is in openapi.yaml`);
    if (operation === undefined) continue;
    const responses = specResponses(operation);

    for (const [code, { status }] of Object.entries(ERROR_CODES) as [ErrorCode, { status: number }][]) {
      if (ROUTING_CODES.includes(code) || notReturned.includes(code)) continue;
      const response = responses.get(String(status));
      t.not(response, undefined, `${key} documents status ${status} for ${code}`);
      t.match(String(response?.description), `\`${code}\``, `the ${status} description of ${key} names ${code}`);
    }
  }
});

t.test('every response documents x-request-id', async (t) => {
  for (const [key, operation] of operations) {
    for (const [status, response] of specResponses(operation)) {
      const headers = (response.headers ?? {}) as JsonObject;
      t.ok(isObject(headers['x-request-id']), `${key} ${status} documents x-request-id`);
    }
  }
});

t.test('real responses match the spec', async (t) => {
  const policies = await compilePolicyFiles([{ name: 'tiny.json', text: JSON.stringify(TINY_POLICY_FILE) }], { now: SIGNING_INSTANT });
  // The signer builds URLs locally; nothing is sent to this endpoint.
  const signer = new UrlSigner(parseStorageTarget('http://127.0.0.1:9000', 'us-east-1', true), {
    accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
    secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  });
  const revocationDir = await mkdtemp(path.join(tmpdir(), 'openraz-openapi-'));
  t.teardown(() => rm(revocationDir, { recursive: true, force: true }));
  const revocationFile = path.join(revocationDir, 'revocations.json');
  await writeFile(revocationFile, JSON.stringify({ blocks: [{ kind: 'group', value: 'contractors', reason: 'contract ended' }] }));
  const revocations = await RevocationStore.open({ file: revocationFile, now: () => SIGNING_INSTANT });
  t.teardown(() => revocations.close());
  const fileBlockId = revocations.list()[0]!.id;
  const apiBlockId = (await revocations.add({ kind: 'prefix', bucket: 'reports', prefix: 'hr/', expiresAt: '2026-03-02T00:00:00Z' }, 'root')).id;

  const signingApp = buildApp({ authority: createAuthority(signer, policies), storageStatus: storageStatus(signer), verifier: aliceVerifier, now: () => SIGNING_INSTANT, revocations });
  t.teardown(() => signingApp.close());
  const adminApp = buildApp({ authority: { ...createAuthority(signer, policies), revocations }, storageStatus: storageStatus(signer), verifier: adminVerifier, now: () => SIGNING_INSTANT, revocations });
  t.teardown(() => adminApp.close());

  const ajv = new Ajv2020({ strict: true });
  ajvFormats.default(ajv);
  // The stand-in verifiers ignore the token, but the decision routes require the Bearer header.
  const json = { 'content-type': 'application/json', authorization: 'Bearer stand.in.token' };
  // A DELETE has no body, so it must not claim a JSON one.
  const bearer = { authorization: 'Bearer stand.in.token' };
  const cases = [
    { name: 'liveness', app, method: 'GET', url: '/healthz', status: 200 },
    { name: 'readiness without credentials', app, method: 'GET', url: '/readyz', status: 503 },
    { name: 'readiness with credentials', app: signingApp, method: 'GET', url: '/readyz', status: 200 },
    { name: 'metrics', app, method: 'GET', url: '/metrics', status: 200 },
    {
      name: 'signed URL',
      app: signingApp,
      method: 'POST',
      url: '/v1/sign',
      headers: json,
      body: { operation: 'GetObject', bucket: 'reports', key: '2026/q1/summary.pdf', expiresInSeconds: 600 },
      status: 200,
    },
    {
      name: 'access denied',
      app: signingApp,
      method: 'POST',
      url: '/v1/sign',
      headers: json,
      body: { operation: 'PutObject', bucket: 'reports', key: '2026/q1/summary.pdf' },
      status: 403,
    },
    {
      name: 'invalid signature',
      app,
      method: 'POST',
      url: '/v1/sign',
      headers: json,
      body: { operation: 'GetObject', bucket: 'reports', key: 'a' },
      status: 401,
    },
    {
      name: 'unknown field',
      app: signingApp,
      method: 'POST',
      url: '/v1/sign',
      headers: json,
      body: { operation: 'GetObject', bucket: 'reports', key: 'a', acl: 'public-read' },
      status: 400,
    },
    { name: 'XML body', app: signingApp, method: 'POST', url: '/v1/sign', headers: { ...json, 'content-type': 'application/xml' }, body: '<a/>', status: 415 },
    {
      name: 'signed upload with type and size',
      app: signingApp,
      method: 'POST',
      url: '/v1/sign',
      headers: json,
      body: { operation: 'PutObject', bucket: 'reports', key: 'uploads/alice/chart.png', contentType: 'image/png', contentLength: 48213 },
      status: 200,
    },
    {
      name: 'upload without declared type',
      app: signingApp,
      method: 'POST',
      url: '/v1/sign',
      headers: json,
      body: { operation: 'PutObject', bucket: 'reports', key: 'uploads/alice/chart.png' },
      status: 403,
    },
    {
      name: 'content type on GetObject',
      app: signingApp,
      method: 'POST',
      url: '/v1/sign',
      headers: json,
      body: { operation: 'GetObject', bucket: 'reports', key: '2026/q1/summary.pdf', contentType: 'image/png' },
      status: 400,
    },
    {
      name: 'authorize access types',
      app: signingApp,
      method: 'POST',
      url: '/v1/authorize',
      headers: json,
      body: { bucket: 'reports', key: 'uploads/alice/chart.png', accessTypes: ['read', 'write'], contentType: 'image/png', contentLength: 48213 },
      status: 200,
    },
    {
      name: 'authorize operation',
      app: signingApp,
      method: 'POST',
      url: '/v1/authorize',
      headers: json,
      body: { operation: 'ListObjectsV2', bucket: 'reports', prefix: '2026/', expiresInSeconds: 600 },
      status: 200,
    },
    {
      name: 'authorize with invalid signature',
      app,
      method: 'POST',
      url: '/v1/authorize',
      headers: json,
      body: { operation: 'GetObject', bucket: 'reports', key: '2026/q1/summary.pdf' },
      status: 401,
    },
    {
      name: 'authorize as without admin scope',
      app: signingApp,
      method: 'POST',
      url: '/v1/authorize',
      headers: json,
      body: { bucket: 'reports', prefix: '2026/', accessTypes: ['list'], as: { user: 'bob' } },
      status: 403,
    },
    {
      name: 'authorize as with admin scope',
      app: adminApp,
      method: 'POST',
      url: '/v1/authorize',
      headers: json,
      body: { bucket: 'reports', prefix: '2026/', accessTypes: ['list', 'read'], as: { user: 'alice', groups: ['analysts'], roles: ['auditors'] } },
      status: 200,
    },
    {
      name: 'authorize both operation and access types',
      app: signingApp,
      method: 'POST',
      url: '/v1/authorize',
      headers: json,
      body: { operation: 'GetObject', accessTypes: ['read'], bucket: 'reports', key: '2026/q1/summary.pdf' },
      status: 400,
    },
    {
      name: 'authorize XML body',
      app: signingApp,
      method: 'POST',
      url: '/v1/authorize',
      headers: { ...json, 'content-type': 'application/xml' },
      body: '<a/>',
      status: 415,
    },
    {
      name: 'authorize a revoked prefix',
      app: adminApp,
      method: 'POST',
      url: '/v1/authorize',
      headers: json,
      body: { bucket: 'reports', prefix: 'hr/', accessTypes: ['list'], as: { user: 'alice' } },
      status: 200,
    },
    {
      name: 'signed headers',
      app: signingApp,
      method: 'POST',
      url: '/v1/sign/request',
      headers: json,
      body: { method: 'GET', url: 'http://127.0.0.1:9000/reports/2026/q1/summary.pdf', headers: { Range: 'bytes=0-1023' } },
      status: 200,
    },
    {
      name: 'signed headers denied',
      app: signingApp,
      method: 'POST',
      url: '/v1/sign/request',
      headers: json,
      body: { method: 'PUT', url: 'http://127.0.0.1:9000/reports/2026/q1/summary.pdf' },
      status: 403,
    },
    {
      name: 'signed headers with an ACL',
      app: signingApp,
      method: 'POST',
      url: '/v1/sign/request',
      headers: json,
      body: { method: 'PUT', url: 'http://127.0.0.1:9000/reports/uploads/alice/a.png', headers: { 'x-amz-acl': 'public-read' } },
      status: 400,
    },
    { name: 'signed headers with invalid signature', app, method: 'POST', url: '/v1/sign/request', headers: json, body: { method: 'GET', url: 'http://x/' }, status: 401 },
    {
      name: 'batch',
      app: signingApp,
      method: 'POST',
      url: '/v1/sign/batch',
      headers: json,
      body: {
        requests: [
          { operation: 'GetObject', bucket: 'reports', key: '2026/q1/summary.pdf' },
          { operation: 'PutObject', bucket: 'reports', key: '2026/q1/summary.pdf' },
          { operation: 'GetObject', bucket: 'reports' },
        ],
      },
      status: 200,
    },
    { name: 'empty batch', app: signingApp, method: 'POST', url: '/v1/sign/batch', headers: json, body: { requests: [] }, status: 400 },
    { name: 'batch XML body', app: signingApp, method: 'POST', url: '/v1/sign/batch', headers: { ...json, 'content-type': 'application/xml' }, body: '<a/>', status: 415 },
    { name: 'list revocations', app: adminApp, method: 'GET', url: '/v1/admin/revocations', headers: json, status: 200 },
    { name: 'list revocations without admin scope', app: signingApp, method: 'GET', url: '/v1/admin/revocations', headers: json, status: 403 },
    { name: 'list revocations with invalid signature', app, method: 'GET', url: '/v1/admin/revocations', headers: json, status: 401 },
    {
      name: 'add revocation',
      app: adminApp,
      method: 'POST',
      url: '/v1/admin/revocations',
      headers: json,
      body: { kind: 'token', value: '5d3c1f0a-jti', reason: 'token posted in a public channel', expiresAt: '2026-03-01T13:00:00Z' },
      status: 201,
    },
    { name: 'add invalid revocation', app: adminApp, method: 'POST', url: '/v1/admin/revocations', headers: json, body: { kind: 'prefix', value: 'x' }, status: 400 },
    { name: 'add revocation XML body', app: adminApp, method: 'POST', url: '/v1/admin/revocations', headers: { ...json, 'content-type': 'application/xml' }, body: '<a/>', status: 415 },
    { name: 'remove revocation', app: adminApp, method: 'DELETE', url: `/v1/admin/revocations/${apiBlockId}`, route: '/v1/admin/revocations/:id', headers: bearer, status: 200 },
    { name: 'remove unknown revocation', app: adminApp, method: 'DELETE', url: '/v1/admin/revocations/no-such-id', route: '/v1/admin/revocations/:id', headers: bearer, status: 404 },
    { name: 'remove file revocation', app: adminApp, method: 'DELETE', url: `/v1/admin/revocations/${fileBlockId}`, route: '/v1/admin/revocations/:id', headers: bearer, status: 409 },
  ] as const;

  for (const testCase of cases) {
    const response = await testCase.app.inject({
      method: testCase.method,
      url: testCase.url,
      ...('headers' in testCase ? { headers: testCase.headers } : {}),
      ...('body' in testCase ? { payload: testCase.body } : {}),
    });
    t.equal(response.statusCode, testCase.status, `${testCase.name}: status`, { body: response.body });

    // A case with a path parameter names its route as the spec does, for example `/v1/admin/revocations/:id`.
    const route = 'route' in testCase ? testCase.route : testCase.url;
    const specResponse = specResponses(operations.get(routeKey(testCase.method, route))!).get(String(response.statusCode));
    if (specResponse === undefined) {
      t.fail(`${testCase.name}: openapi.yaml documents status ${response.statusCode} for ${testCase.method} ${route}`);
      continue;
    }
    t.type(response.headers['x-request-id'], 'string', `${testCase.name}: x-request-id is sent`);

    const [mediaType, mediaTypeObject] = Object.entries(specResponse.content as JsonObject)[0]!;
    t.ok(String(response.headers['content-type']).startsWith(mediaType), `${testCase.name}: content type starts with ${mediaType}`);
    if (mediaType !== 'application/json') continue;

    const schema = normalizeSpecSchema((mediaTypeObject as JsonObject).schema) as JsonObject;
    const valid = ajv.validate(schema, response.json());
    t.ok(valid, `${testCase.name}: body matches the spec schema`, { body: response.json(), errors: ajv.errors });
  }
});
