import { Ajv } from 'ajv';
import { LoadError, type LoadProblem } from '../errors/index.js';
import { parseValidatedJson } from '../lib/json-document.js';
import { ACCESS_TYPES, type AccessRequest, type AccessType, type Explanation, type PolicySet, type RequestContext } from '../policy/index.js';
import { OPERATIONS, OPERATION_SPECS, type OperationName } from '../s3/index.js';

/**
 * One case of a policy test file. The format is a public interface: admins keep these files
 * in their own repositories and run them in CI with `openraz policy test`.
 */
export interface PolicyCase {
  name: string;
  request: {
    user: string;
    groups?: string[];
    roles?: string[];
    clientIp?: string;
    /** ISO 8601; the instant for schedules and time-of-day conditions. */
    time?: string;
    operation?: OperationName;
    accessType?: AccessType;
    bucket: string;
    key?: string;
    prefix?: string;
    expiresInSeconds?: number;
    contentType?: string;
    contentLength?: number;
    serverSideEncryption?: string;
    ifNoneMatch?: string;
  };
  expect: 'allow' | 'deny';
}

export const CASES_FILE_SCHEMA = {
  type: 'object',
  required: ['cases'],
  additionalProperties: false,
  properties: {
    $schema: { type: 'string' },
    cases: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'request', 'expect'],
        additionalProperties: false,
        properties: {
          name: { type: 'string', minLength: 1 },
          expect: { enum: ['allow', 'deny'] },
          request: {
            type: 'object',
            required: ['user', 'bucket'],
            additionalProperties: false,
            properties: {
              user: { type: 'string', minLength: 1 },
              groups: { type: 'array', items: { type: 'string' } },
              roles: { type: 'array', items: { type: 'string' } },
              clientIp: { type: 'string' },
              time: { type: 'string', pattern: '^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d(:\\d\\d(\\.\\d+)?)?(Z|[+-]\\d\\d:\\d\\d)$' },
              operation: { enum: [...OPERATIONS] },
              accessType: { enum: [...ACCESS_TYPES] },
              bucket: { type: 'string', minLength: 1 },
              key: { type: 'string' },
              prefix: { type: 'string' },
              expiresInSeconds: { type: 'integer', minimum: 1 },
              contentType: { type: 'string' },
              contentLength: { type: 'integer', minimum: 0 },
              serverSideEncryption: { type: 'string' },
              ifNoneMatch: { type: 'string' },
            },
          },
        },
      },
    },
  },
} as const;

const validateCases = new Ajv({ allErrors: true, strict: true }).compile(CASES_FILE_SCHEMA);

/**
 * Parses a cases file.
 *
 * @throws LoadError naming every invalid case with its JSON pointer.
 */
export function parseCases(source: string, text: string): PolicyCase[] {
  const parseProblems: LoadProblem[] = [];
  const document = parseValidatedJson<{ cases: PolicyCase[] }>(source, text, validateCases, parseProblems);
  if (document === undefined) throw new LoadError('invalid policy test cases', parseProblems);

  const { cases } = document;
  const problems = cases.flatMap((testCase, index) => {
    const { operation, accessType, key, prefix } = testCase.request;
    const pointer = `/cases/${index}/request`;
    if ((operation === undefined) === (accessType === undefined)) return [{ source, pointer, message: 'give exactly one of "operation" and "accessType"' }];
    if ((key === undefined) === (prefix === undefined)) return [{ source, pointer, message: 'give exactly one of "key" and "prefix"' }];
    return [];
  });
  if (problems.length > 0) throw new LoadError('invalid policy test cases', problems);
  return cases;
}

/** The URL lifetime the service assumes when a request gives none (`signing.defaultExpiresSeconds`). */
export const DEFAULT_CASE_EXPIRES_SECONDS = 300;

/**
 * Turns a case's request into the engine's request. A missing `expiresInSeconds` takes the
 * service's default, as /v1/sign and /v1/authorize do.
 */
export function toAccessRequest(request: PolicyCase['request'], defaultExpiresSeconds = DEFAULT_CASE_EXPIRES_SECONDS): AccessRequest {
  let accessType = request.accessType;
  if (request.operation !== undefined) {
    accessType = OPERATION_SPECS[request.operation].accessType;
  }
  return {
    principal: { user: request.user, groups: request.groups ?? [], roles: request.roles ?? [] },
    accessType: accessType!,
    resource: request.key !== undefined ? { kind: 'object', bucket: request.bucket, key: request.key } : { kind: 'prefix', bucket: request.bucket, prefix: request.prefix ?? '' },
    context: {
      ...(request.clientIp === undefined ? {} : { clientIp: request.clientIp }),
      ...(request.time === undefined ? {} : { time: new Date(request.time) }),
      expiresInSeconds: request.expiresInSeconds ?? defaultExpiresSeconds,
      ...(request.contentType === undefined ? {} : { contentType: request.contentType }),
      ...(request.contentLength === undefined ? {} : { contentLength: request.contentLength }),
      ...(request.serverSideEncryption === undefined ? {} : { serverSideEncryption: request.serverSideEncryption }),
      ...(request.ifNoneMatch === undefined ? {} : { ifNoneMatch: request.ifNoneMatch }),
      // An upload operation is decided as /v1/sign decides it, with its requirements signed as headers.
      ...uploadChannel(request.operation),
    },
  };
}

function uploadChannel(operation: OperationName | undefined): Pick<RequestContext, 'upload'> {
  const upload = operation === undefined ? undefined : OPERATION_SPECS[operation].upload;
  return upload === undefined ? {} : { upload };
}

export interface CaseResult {
  testCase: PolicyCase;
  passed: boolean;
  explanation: Explanation;
}

/** Runs every case against the policy set. */
export function runCases(policies: PolicySet, cases: readonly PolicyCase[]): CaseResult[] {
  return cases.map((testCase) => {
    const explanation = policies.explain(toAccessRequest(testCase.request));
    const actual = explanation.decision.allowed ? 'allow' : 'deny';
    return { testCase, passed: actual === testCase.expect, explanation };
  });
}
