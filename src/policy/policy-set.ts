import { decide } from './evaluate.js';
import { hasWildcard } from './glob.js';
import type { AccessRequest, CompiledPolicy, Decision } from './types.js';

/** Facts about a loaded policy set, for `/readyz`, metrics and audit lines. */
export interface PolicySetInfo {
  /** SHA-256 of the loaded files' names and bytes, as hex. */
  version: string;
  loadedAt: Date;
  files: readonly string[];
  policyCount: number;
}

/**
 * An immutable, indexed set of enabled policies. Policies whose bucket resource is a list of
 * literal names are indexed by name; the others are tried for every bucket.
 */
export class PolicySet {
  readonly info: PolicySetInfo;
  private readonly byBucket = new Map<string, CompiledPolicy[]>();
  private readonly anyBucket: CompiledPolicy[] = [];

  /** `policies` must already be in evaluation order: priority descending, then load order. */
  constructor(policies: readonly CompiledPolicy[], info: PolicySetInfo) {
    this.info = info;
    for (const policy of policies) {
      const { bucket } = policy;
      if (bucket.excludes || bucket.values.some(hasWildcard)) {
        this.anyBucket.push(policy);
        continue;
      }
      for (const name of new Set(bucket.values)) {
        const list = this.byBucket.get(name);
        if (list === undefined) this.byBucket.set(name, [policy]);
        else list.push(policy);
      }
    }
  }

  /** Decides one request. Pure: no I/O and no clock. */
  evaluate(request: AccessRequest): Decision {
    return decide(this.candidates(request.resource.bucket), request);
  }

  /** Returns the policies whose bucket resource matches `bucket`, in evaluation order. */
  private candidates(bucket: string): CompiledPolicy[] {
    const literal = this.byBucket.get(bucket) ?? [];
    const patterned = this.anyBucket.filter((policy) => policy.bucket.matches(bucket));
    if (patterned.length === 0) return literal;
    if (literal.length === 0) return patterned;
    return [...literal, ...patterned].sort(compareEvaluationOrder);
  }
}

/** Orders policies by priority, highest first, then by their position in the loaded set. */
export function compareEvaluationOrder(a: CompiledPolicy, b: CompiledPolicy): number {
  return b.priority - a.priority || a.ordinal - b.ordinal;
}
