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
