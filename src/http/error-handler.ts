import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import { OpenRazError, type ErrorCode } from '../errors/index.js';
import type { Metrics } from '../metrics/index.js';

const ROUTE_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH'] as const;

interface ValidationIssue {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message?: string;
}

/**
 * Installs the one place where errors become responses. Every error body has Fastify's
 * shape plus a stable `code`, and names the field or claim at fault where there is one.
 */
export function installErrorHandler(app: FastifyInstance, metrics: Metrics): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const translated = translateFrameworkError(error);
    if (translated.statusCode >= 500) {
      request.log.error({ err: error, code: translated.code }, 'request failed');
    } else {
      request.log.info({ code: translated.code }, 'request rejected');
    }
    return sendError(request, reply, translated, metrics);
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    const allowed = ROUTE_METHODS.filter((method) => app.hasRoute({ method, url: path }));
    if (allowed.length > 0) {
      reply.header('allow', allowed.join(', '));
      return sendError(request, reply, new OpenRazError('ERR_METHOD_NOT_ALLOWED', `${path} does not accept ${request.method}; use ${allowed.join(' or ')}.`), metrics);
    }
    return sendError(request, reply, new OpenRazError('ERR_ROUTE_NOT_FOUND', `No route ${request.method} ${path}; see openapi.yaml for the routes.`), metrics);
  });
}

function sendError(request: FastifyRequest, reply: FastifyReply, error: OpenRazError, metrics: Metrics): FastifyReply {
  metrics.requestErrors.inc({ code: error.code });
  return reply
    .code(error.statusCode)
    .type('application/json; charset=utf-8')
    .send({
      statusCode: error.statusCode,
      code: error.code,
      error: STATUS_CODES[error.statusCode] ?? 'Error',
      message: error.message,
      ...error.details,
    });
}

/** Maps Fastify's and ajv's errors to the service's codes. */
export function translateFrameworkError(error: FastifyError): OpenRazError {
  if (error instanceof OpenRazError) return error;

  const validation = (error as FastifyError & { validation?: ValidationIssue[] }).validation;
  if (validation !== undefined && validation.length > 0) return translateValidation(validation);

  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new OpenRazError('ERR_REQUEST_TOO_LARGE', 'The request body is too large; the limit is server.bodyLimitBytes.');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new OpenRazError('ERR_REQUEST_MEDIA_TYPE', 'Send the body as JSON with "Content-Type: application/json".');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new OpenRazError('ERR_REQUEST_BODY_NOT_JSON', 'The request body must be a JSON object.');
  }
  if (error instanceof SyntaxError || error.statusCode === 400) {
    return new OpenRazError('ERR_REQUEST_BODY_NOT_JSON', `The request body is not valid JSON: ${error.message}`);
  }
  return new OpenRazError('ERR_INTERNAL', 'Internal error; the service log has the details under the request id.');
}

function translateValidation(issues: ValidationIssue[]): OpenRazError {
  const issue = issues[0]!;
  const base = issue.instancePath.replace(/^\//, '').replaceAll('/', '.');
  const join = (name: string): string => (base === '' ? name : `${base}.${name}`);

  switch (issue.keyword) {
    case 'additionalProperties': {
      const field = join(String(issue.params.additionalProperty));
      return invalid(field, `Unknown field "${field}"; remove it (see openapi.yaml for the fields).`);
    }
    case 'required': {
      const field = join(String(issue.params.missingProperty));
      return invalid(field, `Missing required field "${field}".`);
    }
    case 'enum': {
      const allowed = (issue.params.allowedValues as unknown[]).map((value) => JSON.stringify(value)).join(', ');
      return invalid(base, `Field "${base}" must be one of ${allowed}.`);
    }
    case 'type':
      if (base === '') return new OpenRazError('ERR_REQUEST_BODY_NOT_JSON', 'The request body must be a JSON object.');
      return invalid(base, `Field "${base}" must be of type ${String(issue.params.type)}.`);
    case 'pattern':
      if (base === 'bucket') {
        return invalid(base, 'Field "bucket" must be an S3 bucket name: lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit.');
      }
      return invalid(base, `Field "${base}" has an invalid format.`);
    default:
      return invalid(base, `Field "${base}" ${issue.message ?? 'is invalid'}.`);
  }
}

function invalid(field: string, message: string, code: ErrorCode = 'ERR_REQUEST_INVALID'): OpenRazError {
  return new OpenRazError(code, message, { field });
}

