// @20minutes/s3rver 4.x ships no types, so this declares the parts that the demo uses.
declare module '@20minutes/s3rver' {
  import type { AddressInfo } from 'node:net';

  export interface S3rverOptions {
    address?: string;
    /** 0 picks a free port. */
    port?: number;
    silent?: boolean;
    /** Directory that stores the buckets and objects. */
    directory?: string;
    configureBuckets?: { name: string }[];
  }

  /**
   * An S3-compatible server that verifies SigV2 and SigV4 signatures made with the access key
   * S3RVER and the secret S3RVER. A request that carries no signature at all is served as
   * anonymous, so s3rver shows that a wrong signature is rejected, not that one is required.
   */
  export default class S3rver {
    constructor(options?: S3rverOptions);
    run(): Promise<AddressInfo>;
    close(): Promise<void>;
  }
}
