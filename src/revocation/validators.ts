import { Ajv } from 'ajv';
import ajvFormats from 'ajv-formats';
import { BLOCK_SCHEMA, REVOCATION_FILE_SCHEMA } from './schema.js';

const ajv = new Ajv({ allErrors: true, strict: true });
ajvFormats.default(ajv, ['date-time']);

/** Validates the document of a revocation file against `REVOCATION_FILE_SCHEMA`. */
export const validateRevocationFile = ajv.compile(REVOCATION_FILE_SCHEMA);

/**
 * Validates an API block read back from Redis: the fields of `BLOCK_SCHEMA` plus what the
 * store adds. Another program, or another openraz version, may have written the entry.
 */
export const validateStoredBlock = ajv.compile({
  ...BLOCK_SCHEMA,
  required: ['kind', 'id', 'source'],
  properties: {
    ...BLOCK_SCHEMA.properties,
    id: { type: 'string', minLength: 1 },
    source: { const: 'api' },
    createdAt: { type: 'string', format: 'date-time' },
    createdBy: { type: 'string' },
  },
});
