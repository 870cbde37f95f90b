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
export { authorizeAndSignRequest, type SignRequestCheck } from './sign-request.js';
