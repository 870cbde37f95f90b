import { DEFAULT_REFRESH_BEFORE_EXPIRY_SECONDS, type Config, type CredentialsConfig } from '../config/index.js';
import { awsEndpoint, parseStorageTarget, type StorageTarget } from '../s3/index.js';

/** Name of the single target that the `s3.*` settings describe when `s3.targets` is not set. */
export const DEFAULT_TARGET_NAME = 'default';

/** One storage target ready to be opened: where URLs point, which buckets it serves, and its credential source. */
export interface TargetDefinition {
  name: string;
  /** Bucket names or patterns, `*` and `?` wildcards; the first target that matches a bucket serves it. */
  buckets: readonly string[];
  target: StorageTarget;
  credentials: CredentialsConfig;
}

/** The credential source of the single target when `s3.credentials` is not set: the standard AWS_* variables. */
const STANDARD_ENVIRONMENT_CREDENTIALS: CredentialsConfig = { source: 'static', refreshBeforeExpirySeconds: DEFAULT_REFRESH_BEFORE_EXPIRY_SECONDS };

/**
 * Returns the storage targets of a validated configuration in order: `s3.targets`, or
 * without it one target named `default` that serves every bucket with the `s3.*` settings.
 *
 * @throws TypeError for an endpoint that is not scheme, host and port (validation has already rejected it).
 */
export function targetDefinitions(s3: Config['s3']): TargetDefinition[] {
  if (s3.targets === undefined) {
    return [
      {
        name: DEFAULT_TARGET_NAME,
        buckets: ['*'],
        target: buildTarget(s3.endpoint, s3.region, s3.forcePathStyle, s3.putObjectAcl, s3.guardCopySource),
        credentials: s3.credentials ?? STANDARD_ENVIRONMENT_CREDENTIALS,
      },
    ];
  }
  return s3.targets.map((target) => ({
    name: target.name,
    buckets: target.buckets,
    target: buildTarget(target.endpoint, target.region, target.forcePathStyle, target.putObjectAcl, target.guardCopySource),
    credentials: target.credentials,
  }));
}

function buildTarget(
  endpoint: string | undefined,
  region: string,
  forcePathStyle: boolean,
  putObjectAcl: string | undefined,
  guardCopySource: boolean,
): StorageTarget {
  return {
    ...parseStorageTarget(endpoint ?? awsEndpoint(region), region, forcePathStyle),
    ...(putObjectAcl === undefined ? {} : { putObjectAcl }),
    ...(guardCopySource ? { guardCopySource } : {}),
  };
}


