export { OPERATIONS, describeOperation, type OperationName, type OperationRequest, type S3Operation } from './operations.js';
export { UrlSigner, nodeSha256, type Sha256Constructor, type PresignOptions, type PresignedRequest, type StorageCredentials } from './signer.js';
export { addressBucket, awsEndpoint, parseStorageTarget, type StorageTarget } from './target.js';
export { encodeKeyPath } from './encode.js';
export { MAX_KEY_BYTES, MAX_PRESIGNED_EXPIRES_SECONDS, UNSIGNED_PAYLOAD } from './constants.js';
export { checkDotSegments, validateOperationRequest } from './validate.js';
export { presignPost, type PostPolicyCondition, type PostUploadConstraints, type PostUploadRequest, type PresignedPost } from './presigned-post.js';
