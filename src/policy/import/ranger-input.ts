import { LoadError } from '../../errors/index.js';
import { isRecord } from './json-values.js';

/** Ranger resource names that hold object paths, in the S3-like service definitions. */
const PATH_RESOURCE_NAMES: ReadonlySet<string> = new Set(['path', 'objectpath']);

/** Fields that a plugin download (`ServicePolicies`) has and an Admin export lacks. */
const SERVICE_POLICIES_FIELDS = ['serviceName', 'serviceId', 'policyVersion', 'serviceDef'];

export interface ListedPolicy {
  value: unknown;
  /** The security zone the policy is listed under in a plugin download. */
  zone?: string;
}

/** The policies of a Ranger input, with the service names and the notes found in it. */
export interface RangerInput {
  format: 'admin-export' | 'service-policies';
  /** The distinct service names the input gives, in input order. */
  serviceNames: string[];
  policies: ListedPolicy[];
  notes: string[];
}

/**
 * Reads a Ranger Admin export (`{ metaDataInfo, policies, startIndex, ... }`) or a plugin
 * download (`ServicePolicies`: `{ serviceName, policies, serviceDef, tagPolicies,
 * securityZones, policyDeltas, ... }`).
 *
 * @throws LoadError when the input is neither.
 */
export function readRangerInput(input: unknown, source: string): RangerInput {
  if (!isRecord(input)) {
    throw invalidInput(source, '', 'the input is not a JSON object; expected a Ranger Admin export or a plugin policy download');
  }
  if (SERVICE_POLICIES_FIELDS.some((field) => field in input)) return readServicePolicies(input, source);
  if (Array.isArray(input.policies)) return readAdminExport(input);
  throw invalidInput(source, '/policies', 'missing policy list; expected a Ranger Admin export or a plugin policy download');
}

function readAdminExport(input: Record<string, unknown>): RangerInput {
  const policies = (input.policies as unknown[]).map((value) => ({ value }));
  const serviceNames = [...new Set(policies.map(({ value }) => (isRecord(value) ? value.service : undefined)))].filter(
    (service): service is string => typeof service === 'string' && service !== '',
  );
  return { format: 'admin-export', serviceNames, policies, notes: [] };
}

function readServicePolicies(input: Record<string, unknown>, source: string): RangerInput {
  const policies = readPolicyList(input.policies, source, '/policies').map((value) => ({ value }));
  const notes: string[] = [];
  let deltaCount = countList(input.policyDeltas);

  // A download lists the policies of each security zone apart from the service's own.
  if (isRecord(input.securityZones)) {
    for (const [zone, zoneInfo] of Object.entries(input.securityZones)) {
      if (!isRecord(zoneInfo)) continue;
      const pointer = `/securityZones/${escapePointer(zone)}/policies`;
      policies.push(...readPolicyList(zoneInfo.policies, source, pointer).map((value) => ({ value, zone })));
      deltaCount += countList(zoneInfo.policyDeltas);
    }
  }

  const tagPolicyCount = isRecord(input.tagPolicies) ? countList(input.tagPolicies.policies) : 0;
  if (tagPolicyCount > 0) {
    const tagService = isRecord(input.tagPolicies) && typeof input.tagPolicies.serviceName === 'string' ? ` of the tag service "${input.tagPolicies.serviceName}"` : '';
    const counted = tagPolicyCount === 1 ? '1 tag-based policy' : `${tagPolicyCount} tag-based policies`;
    notes.push(`${counted}${tagService} ${tagPolicyCount === 1 ? 'was' : 'were'} not converted, because openraz has no resource tags.`);
  }
  if (deltaCount > 0) {
    notes.push(
      `The download holds ${deltaCount} policy ${deltaCount === 1 ? 'delta, which was' : 'deltas, which were'} not applied; only the policy lists were converted. ` +
        'A download with deltas may lack policies, so download the full policy set to import every current policy.',
    );
  }
  if (pathIgnoresCase(input.serviceDef)) {
    notes.push(
      "The service definition matches paths case-insensitively, but openraz matches S3 keys case-sensitively; check policies whose path values differ in case from the keys they should match.",
    );
  }

  const serviceNames = typeof input.serviceName === 'string' && input.serviceName !== '' ? [input.serviceName] : [];
  return { format: 'service-policies', serviceNames, policies, notes };
}

function readPolicyList(raw: unknown, source: string, pointer: string): unknown[] {
  // Ranger leaves empty lists out of a download.
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw invalidInput(source, pointer, 'the policy list is not a JSON array');
  return raw;
}

function countList(raw: unknown): number {
  return Array.isArray(raw) ? raw.length : 0;
}

/**
 * Returns true when the service definition's path resource ignores case, which is Ranger's
 * default when `matcherOptions.ignoreCase` is absent (RangerAbstractResourceMatcher).
 * Ranger stores matcher options as strings, and service definition files write booleans.
 */
function pathIgnoresCase(serviceDef: unknown): boolean {
  if (!isRecord(serviceDef) || !Array.isArray(serviceDef.resources)) return false;
  const pathDef = serviceDef.resources.find((resource: unknown) => isRecord(resource) && PATH_RESOURCE_NAMES.has(resource.name as string));
  if (!isRecord(pathDef)) return false;
  const ignoreCase = isRecord(pathDef.matcherOptions) ? pathDef.matcherOptions.ignoreCase : undefined;
  return ignoreCase === undefined || String(ignoreCase).toLowerCase() === 'true';
}

function invalidInput(source: string, pointer: string, message: string): LoadError {
  return new LoadError('cannot import Ranger policies', [{ source, pointer, message }]);
}

function escapePointer(token: string): string {
  return token.replaceAll('~', '~0').replaceAll('/', '~1');
}
