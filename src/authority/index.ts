export {
  authorizeAndSign,
  recordDecision,
  resolveExpiry,
  toAccessRequest,
  type AuthorityDependencies,
  type CallContext,
  type SignRequest,
  type SignResult,
} from './authority.js';
export { explainAccess, type AuthorizeRequest, type AuthorizeResult } from './explain.js';
export { authorizeFormUpload, type FormUploadRequest, type FormUploadResult } from './form-upload.js';
export { authorizeAndSignRequest, type SignRequestCheck } from './sign-request.js';
