import { BLOCK_KINDS } from './types.js';

/** Longest `reason` accepted, in characters: it is copied into every audit line the block denies. */
export const MAX_REASON_LENGTH = 500;

/**
 * One block, as the revocation file and `POST /v1/admin/revocations` take it. The schema
 * checks each field; which fields go with which kind is checked by `checkBlockFields`, so
 * that both sources report it the same way.
 */
export const BLOCK_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['kind'],
  properties: {
    kind: { enum: [...BLOCK_KINDS] },
    value: { type: 'string', minLength: 1, maxLength: 1024 },
    bucket: { type: 'string', minLength: 3, maxLength: 63, pattern: '^[a-z0-9][a-z0-9.-]*[a-z0-9]$' },
    prefix: { type: 'string', maxLength: 1024 },
    reason: { type: 'string', minLength: 1, maxLength: MAX_REASON_LENGTH },
    expiresAt: { type: 'string', format: 'date-time' },
  },
} as const;

/** The revocation file: `{ "blocks": [ ... ] }`. */
export const REVOCATION_FILE_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['blocks'],
  properties: {
    blocks: { type: 'array', items: BLOCK_SCHEMA },
  },
} as const;
