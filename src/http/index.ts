export { buildApp, LOG_SERIALIZERS, REDACTED_LOG_PATHS, type AppOptions } from './app.js';
export { AUTHORIZE_REQUEST_SCHEMA, AUTHORIZE_RESPONSE_SCHEMA, SIGN_REQUEST_SCHEMA, SIGN_RESPONSE_SCHEMA, ERROR_RESPONSE_SCHEMA } from './schemas.js';
export { translateFrameworkError } from './error-handler.js';
