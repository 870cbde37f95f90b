/** Payload hash that S3 uses to verify presigned URLs (AWS SigV4 for S3, "Unsigned payload option"). */
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

/** The maximum expiry SigV4 query authentication accepts: 7 days, in seconds (AWS SigV4 for S3, X-Amz-Expires). */
export const MAX_PRESIGNED_EXPIRES_SECONDS = 604_800;

/** S3's limit on the length of an object key, in UTF-8 bytes. */
export const MAX_KEY_BYTES = 1024;

/** Header that carries the payload hash in header authentication. */
export const CONTENT_SHA256_HEADER = 'x-amz-content-sha256';

/** SigV4 service name for S3. */
export const S3_SERVICE = 's3';

/** The maximum number of keys one DeleteObjects request may name (Amazon S3 API Reference, DeleteObjects). */
export const MAX_DELETE_OBJECTS = 1000;

/** The highest part number of a multipart upload; part numbers start at 1 (Amazon S3 API Reference, UploadPart). */
export const MAX_PART_NUMBER = 10_000;

/** The form variable that S3 replaces with the uploaded file's name in a POST upload's `key` field. */
export const FILENAME_VARIABLE = '${filename}';
/**
 * The validity of a request signed with header authentication, in seconds: S3 rejects one whose X-Amz-Date is more
 * than 15 minutes from its own clock (error RequestTimeTooSkewed, MaxAllowedSkewMilliseconds 900000).
 */
export const HEADER_SIGNATURE_VALIDITY_SECONDS = 900;

/** The payload mode of an aws-chunked body whose chunks are not signed, with checksums in a trailer (Amazon S3 API Reference, "Authenticating Requests: Using the Authorization Header"). */
export const STREAMING_UNSIGNED_PAYLOAD_TRAILER = 'STREAMING-UNSIGNED-PAYLOAD-TRAILER';

/** The prefix of the payload modes whose chunks carry signatures made with the secret key, such as STREAMING-AWS4-HMAC-SHA256-PAYLOAD (same source). */
export const SIGNED_STREAMING_PAYLOAD_PREFIX = 'STREAMING-AWS4-';
