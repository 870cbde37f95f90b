/** Ranger's macro for the owner of the requested resource, which objects in openraz do not have. */
export const OWNER_MACRO = '{OWNER}';

/** Start of a Ranger request expression such as `${{USER.dept}}`, which openraz does not evaluate. */
export const REQUEST_EXPRESSION_START = '${{';
