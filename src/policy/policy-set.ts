import { decide, type PolicyTrace, type ResolvedRequest } from './evaluate.js';
import { hasWildcard, literalPrefix } from './glob.js';
import { ResourceMatcher } from './resource-matcher.js';
import { PathIndex } from './policy-index.js';
import type { RoleDirectory } from './roles.js';
import type { AccessRequest, CompiledPolicy, Decision } from './types.js';

/** Facts about a loaded policy set, for `/readyz`, metrics and audit lines. */
export interface PolicySetInfo {
  /** SHA-256 of the loaded files' names and bytes, as hex. */
  version: string;
  loadedAt: Date;
  files: readonly string[];
  policyCount: number;
}

/** Ranger's path matcher options, set for the whole service. */
export interface MatcherOptions {
  /** `*` and `?` are wildcards; Ranger's default is true. */
  wildCard: boolean;
  /** Paths match case-insensitively; Ranger's default is true, openraz's false (S3 keys are case-sensitive). */
  ignoreCase: boolean;
  /** Ranger's `pathSeparatorChar`. */
  pathSeparatorChar: string;
}

export const DEFAULT_MATCHER_OPTIONS: MatcherOptions = { wildCard: true, ignoreCase: false, pathSeparatorChar: '/' };

/** A decision together with the evaluation of every candidate policy. */
export interface Explanation {
  decision: Decision;
  roles: readonly string[];
  candidates: readonly PolicyTrace[];
}

/**
 * An immutable, indexed set of enabled policies with the role directory they refer to.
 * Policies are indexed by bucket name (when their bucket values are literal) and by the
 * literal start of their path values.
 */
export class PolicySet {
  readonly info: PolicySetInfo;
  /** Every enabled policy, in evaluation order. */
  readonly policies: readonly CompiledPolicy[];
  readonly roles: RoleDirectory;
  readonly matcher: MatcherOptions;
  private readonly byBucket = new Map<string, PathIndex>();
  /** Policies whose bucket values have wildcards or are excludes; their bucket is checked per request. */
  private readonly anyBucket: PathIndex;

  /** `policies` must already be in evaluation order: priority descending, then load order. */
  constructor(policies: readonly CompiledPolicy[], roles: RoleDirectory, matcher: MatcherOptions, info: PolicySetInfo) {
    this.info = info;
    this.policies = policies;
    this.roles = roles;
    this.matcher = matcher;
    this.anyBucket = new PathIndex(matcher.ignoreCase);

    for (const policy of policies) {
      for (const set of policy.resources) {
        const literalBuckets = !set.bucket.excludes && !set.bucket.values.some((value) => hasWildcard(value) || value.includes('{'));
        const indexes = literalBuckets ? set.bucket.values.map((name) => this.bucketIndex(name)) : [this.anyBucket];
        for (const index of new Set(indexes)) index.add(policy, set.path.values, set.path.excludes, matcher.wildCard);
      }
    }
    for (const index of [...this.byBucket.values(), this.anyBucket]) index.seal();
  }

  /** Decides one request. Pure: no I/O; the time, if any, comes in the request context. */
  evaluate(request: AccessRequest): Decision {
    const resolved = this.resolve(request);
    return decide(this.candidates(resolved), resolved);
  }

  /** Decides one request and records how each candidate policy was evaluated. */
  explain(request: AccessRequest): Explanation {
    const resolved = this.resolve(request);
    const policies = this.candidates(resolved);
    const candidates: PolicyTrace[] = [];
    const decision = decide(policies, resolved, candidates);
    for (const trace of candidates) {
      const crossing = this.wildcardAcrossSeparator(policies.find((policy) => policy.id === trace.policyId)!, resolved);
      if (crossing !== undefined) trace.wildcardAcrossSeparator = crossing;
    }
    return { decision, roles: [...resolved.roles].sort(), candidates };
  }

  /**
   * Returns the path value whose `*` or `?` matched across the separator for this request,
   * if any: Ranger's wildcards match `/` too, which surprises readers of `data/*` or
   * `data/*\/raw`, so explanations point it out.
   */
  private wildcardAcrossSeparator(policy: CompiledPolicy, request: ResolvedRequest): string | undefined {
    if (!this.matcher.wildCard) return undefined;
    const { resource } = request;
    const value = resource.kind === 'object' ? resource.key : resource.prefix;
    for (const set of policy.resources) {
      if (set.path.excludes) continue;
      for (const pattern of set.path.values) {
        if (pattern === '*' || !hasWildcard(pattern)) continue;
        const fixed = literalPrefix(pattern);
        // Segments after the literal start: more of them in the key than in the pattern
        // means a wildcard spanned a separator.
        const separator = this.matcher.pathSeparatorChar;
        const patternSegments = pattern.slice(fixed.length).split(separator).length;
        const keySegments = value.startsWith(fixed) ? value.slice(fixed.length).split(separator).length : 0;
        if (keySegments > patternSegments && new ResourceMatcher([pattern], { ignoreCase: this.matcher.ignoreCase, separator, wildCard: true, recursive: false, excludes: false }).matches(value, request.principal.user)) {
          return pattern;
        }
      }
    }
    return undefined;
  }

  private resolve(request: AccessRequest): ResolvedRequest {
    const { principal } = request;
    return { ...request, roles: this.roles.rolesOf(principal.user, principal.groups, principal.roles) };
  }

  /** Returns the policies that can match the request, in evaluation order. */
  private candidates(request: ResolvedRequest): CompiledPolicy[] {
    const { resource } = request;
    const found = new Set<CompiledPolicy>();
    const collect = (index: PathIndex): void => {
      if (resource.kind === 'object') index.collectForKey(resource.key, found);
      else index.collectForPrefix(resource.prefix, found);
    };

    const literal = this.byBucket.get(resource.bucket);
    if (literal !== undefined) collect(literal);
    collect(this.anyBucket);
    return [...found].sort(compareEvaluationOrder);
  }

  private bucketIndex(name: string): PathIndex {
    let index = this.byBucket.get(name);
    if (index === undefined) {
      index = new PathIndex(this.matcher.ignoreCase);
      this.byBucket.set(name, index);
    }
    return index;
  }
}

/** Orders policies by priority, highest first, then by their position in the loaded set. */
export function compareEvaluationOrder(a: CompiledPolicy, b: CompiledPolicy): number {
  return b.priority - a.priority || a.ordinal - b.ordinal;
}
