export { ERROR_CODES, type ErrorCode } from './codes.js';
export { OpenRazError, type ErrorDetails } from './openraz-error.js';
export { LoadError, type LoadProblem, formatLoadProblems } from './load-error.js';
