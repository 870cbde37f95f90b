import { Ajv } from 'ajv';
import type { FastifyError } from 'fastify';
import type { SignRequest } from '../authority/index.js';
import { OpenRazError } from '../errors/index.js';
import { translateFrameworkError } from './error-handler.js';
import { SIGN_REQUEST_SCHEMA } from './schemas.js';

// The options the app gives Fastify's validator, so that a sign request passes or fails here
// exactly as it does as the body of POST /v1/sign.
const ajv = new Ajv({ removeAdditional: false, coerceTypes: false, useDefaults: false, allErrors: false });
const validateSignRequest = ajv.compile<SignRequest>(SIGN_REQUEST_SCHEMA);

/**
 * Checks a value against the request schema of `POST /v1/sign`, for sign requests that do not
 * arrive as a route body: the items of a batch and the mapped form of a described request.
 * The schema is compiled once, when this module loads.
 *
 * @throws OpenRazError `ERR_REQUEST_INVALID` naming the field, as the body of `POST /v1/sign` would;
 *   for a value that is not an object, without a field.
 */
export function checkSignRequest(value: unknown): asserts value is SignRequest {
  if (validateSignRequest(value)) return;
  const issues = validateSignRequest.errors ?? [];
  // At the top level, the route's message would call the value "the request body".
  if (issues[0]?.instancePath === '' && issues[0].keyword === 'type') {
    throw new OpenRazError('ERR_REQUEST_INVALID', 'A sign request must be a JSON object.');
  }
  throw translateFrameworkError(validationError(issues));
}

function validationError(issues: unknown[]): FastifyError {
  return Object.assign(new Error('invalid sign request'), { validation: issues }) as unknown as FastifyError;
}
