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

/** The most keys one DeleteObjects request may name (Amazon S3 API Reference, DeleteObjects). */
export const MAX_DELETE_OBJECTS = 1000;

/** The highest part number of a multipart upload; part numbers start at 1 (Amazon S3 API Reference, UploadPart). */
export const MAX_PART_NUMBER = 10_000;

/** The form variable that S3 replaces with the uploaded file's name in a POST upload's `key` field. */
export const FILENAME_VARIABLE = '${filename}';
