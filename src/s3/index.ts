export { OPERATIONS, describeOperation, type OperationName, type OperationRequest, type S3Operation } from './operations.js';
export {
  CREDENTIAL_EXPIRY_MARGIN_SECONDS,
  UrlSigner,
  nodeSha256,
  type Sha256Constructor,
  type PresignOptions,
  type PresignedRequest,
  type StorageCredentials,
} from './signer.js';
export { R2_REGION, addressBucket, awsEndpoint, checkEndpointRegion, isR2Endpoint, parseStorageTarget, type StorageTarget } from './target.js';
export { encodeKeyPath } from './encode.js';
export { MAX_KEY_BYTES, MAX_PRESIGNED_EXPIRES_SECONDS, UNSIGNED_PAYLOAD } from './constants.js';
export { checkDotSegments, validateOperationRequest } from './validate.js';
