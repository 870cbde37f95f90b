export { CASES_FILE_SCHEMA, parseCases, runCases, toAccessRequest, type CaseResult, type PolicyCase } from './cases.js';
export { checkPolicySet, type PolicyWarning } from './check.js';
export { formatExplanation } from './explain-text.js';
