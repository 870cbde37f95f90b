import { BLOCK_KINDS, BLOCK_SCHEMA } from '../revocation/index.js';
import { OPERATIONS } from '../s3/index.js';

/**
 * Request and response schemas of the HTTP API. `openapi.yaml` repeats them, and a test
 * checks that the two agree, so change both together.
 */
export const SIGN_REQUEST_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['operation', 'bucket'],
  properties: {
    operation: { enum: [...OPERATIONS] },
    bucket: { type: 'string', minLength: 3, maxLength: 63, pattern: '^[a-z0-9][a-z0-9.-]*[a-z0-9]$' },
    key: { type: 'string', minLength: 1, maxLength: 1024 },
    prefix: { type: 'string', maxLength: 1024 },
    delimiter: { type: 'string', minLength: 1, maxLength: 1024 },
    maxKeys: { type: 'integer', minimum: 1, maximum: 1000 },
    continuationToken: { type: 'string', minLength: 1, maxLength: 4096 },
    startAfter: { type: 'string', minLength: 1, maxLength: 1024 },
    encodingType: { enum: ['url'] },
    contentType: { type: 'string', minLength: 3, maxLength: 255 },
    contentLength: { type: 'integer', minimum: 0, maximum: 5_368_709_120 },
    expiresInSeconds: { type: 'integer' },
  },
} as const;

const { operation: _operation, ...SIGN_FIELDS } = SIGN_REQUEST_SCHEMA.properties;

export const AUTHORIZE_REQUEST_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['bucket'],
  properties: {
    operation: SIGN_REQUEST_SCHEMA.properties.operation,
    accessTypes: { type: 'array', minItems: 1, uniqueItems: true, items: { enum: ['read', 'write', 'delete', 'list'] } },
    ...SIGN_FIELDS,
    as: {
      type: 'object',
      additionalProperties: false,
      required: ['user'],
      properties: {
        user: { type: 'string', minLength: 1, maxLength: 256 },
        groups: { type: 'array', maxItems: 256, items: { type: 'string', minLength: 1, maxLength: 256 } },
        roles: { type: 'array', maxItems: 256, items: { type: 'string', minLength: 1, maxLength: 256 } },
      },
    },
  },
} as const;

const DECISION_SCHEMA = {
  type: 'object',
  required: ['allowed', 'rule', 'reason'],
  properties: {
    allowed: { type: 'boolean' },
    rule: { enum: ['allow-item', 'deny-item', 'deny-all-else', 'no-matching-policy', 'revoked'] },
    policyId: { type: 'string' },
    policyName: { type: 'string' },
    itemIndex: { type: 'integer' },
    reason: { type: 'string' },
  },
} as const;

export const AUTHORIZE_RESPONSE_SCHEMA = {
  type: 'object',
  required: ['principal', 'resource', 'decisions'],
  properties: {
    principal: {
      type: 'object',
      required: ['user', 'groups'],
      properties: { user: { type: 'string' }, groups: { type: 'array', items: { type: 'string' } }, roles: { type: 'array', items: { type: 'string' } } },
    },
    resource: {
      type: 'object',
      required: ['kind', 'bucket'],
      properties: { kind: { enum: ['object', 'prefix'] }, bucket: { type: 'string' }, key: { type: 'string' }, prefix: { type: 'string' } },
    },
    decisions: {
      type: 'array',
      items: {
        type: 'object',
        required: ['accessType', 'decisionId', 'decision', 'roles', 'candidates'],
        properties: {
          accessType: { type: 'string' },
          decisionId: { type: 'string' },
          decision: DECISION_SCHEMA,
          roles: { type: 'array', items: { type: 'string' } },
          candidates: { type: 'array', items: { type: 'object', additionalProperties: true } },
        },
      },
    },
  },
} as const;

export const SIGN_RESPONSE_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['method', 'url', 'headers', 'expiresAt', 'decisionId', 'policyId'],
  properties: {
    method: { type: 'string' },
    url: { type: 'string' },
    headers: { type: 'object', additionalProperties: { type: 'string' } },
    expiresAt: { type: 'string', format: 'date-time' },
    decisionId: { type: 'string' },
    policyId: { type: 'string' },
  },
} as const;

export const ERROR_RESPONSE_SCHEMA = {
  type: 'object',
  required: ['statusCode', 'code', 'error', 'message'],
  properties: {
    statusCode: { type: 'integer' },
    code: { type: 'string' },
    error: { type: 'string' },
    message: { type: 'string' },
    field: { type: 'string' },
    claim: { type: 'string' },
    decisionId: { type: 'string' },
  },
} as const;

/** The body of `POST /v1/admin/revocations`: one block, as the revocation file writes it. */
export const REVOCATION_REQUEST_SCHEMA = BLOCK_SCHEMA;

/** One block, as the admin routes return it. */
export const REVOCATION_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'kind', 'source'],
  properties: {
    id: { type: 'string' },
    kind: { enum: [...BLOCK_KINDS] },
    value: { type: 'string' },
    bucket: { type: 'string' },
    prefix: { type: 'string' },
    reason: { type: 'string' },
    expiresAt: { type: 'string', format: 'date-time' },
    source: { enum: ['file', 'api'] },
    createdAt: { type: 'string', format: 'date-time' },
    createdBy: { type: 'string' },
  },
} as const;

export const REVOCATION_LIST_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['revocations'],
  properties: {
    revocations: { type: 'array', items: REVOCATION_SCHEMA },
  },
} as const;
