import { ERROR_RESPONSE_SCHEMA, SIGN_REQUEST_SCHEMA } from './schemas.js';

/**
 * Request and response schemas of `POST /v1/sign/request` and `POST /v1/sign/batch`;
 * schemas.ts has those of the other routes. `openapi.yaml` repeats them, and a test checks
 * that the two agree, so change both together.
 */

/** The body of `POST /v1/sign/request`: an S3 request as the client will send it. */
export const SIGN_S3_REQUEST_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['method', 'url'],
  properties: {
    method: { enum: ['GET', 'HEAD', 'PUT', 'POST', 'DELETE'] },
    url: { type: 'string', minLength: 1, maxLength: 16_384 },
    headers: {
      type: 'object',
      maxProperties: 100,
      propertyNames: { minLength: 1, maxLength: 256 },
      additionalProperties: { type: 'string', maxLength: 8192 },
    },
    payloadHash: { type: 'string', minLength: 1, maxLength: 64 },
    body: SIGN_REQUEST_SCHEMA.properties.body,
  },
} as const;

/**
 * The body of `POST /v1/sign/batch`. Items are not checked here: each one is checked on its
 * own against the schema of `POST /v1/sign`, so that an invalid item fails alone.
 */
export const SIGN_BATCH_REQUEST_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['requests'],
  properties: {
    requests: { type: 'array', minItems: 1, items: {} },
  },
} as const;

// A batch item's error is the error body of POST /v1/sign without its HTTP fields, plus the item's index.
const { statusCode: _statusCode, error: _error, ...ITEM_ERROR_FIELDS } = ERROR_RESPONSE_SCHEMA.properties;

const BATCH_ITEM_ERROR_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['code', 'message', 'index'],
  properties: { ...ITEM_ERROR_FIELDS, index: { type: 'integer' } },
} as const;

export const SIGN_BATCH_RESPONSE_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['results'],
  properties: {
    results: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['status'],
        properties: {
          status: { type: 'integer' },
          method: { type: 'string' },
          url: { type: 'string' },
          headers: { type: 'object', additionalProperties: { type: 'string' } },
          expiresAt: { type: 'string', format: 'date-time' },
          decisionId: { type: 'string' },
          policyId: { type: 'string' },
          error: BATCH_ITEM_ERROR_SCHEMA,
        },
      },
    },
  },
} as const;
