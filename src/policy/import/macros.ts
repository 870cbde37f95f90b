/** Ranger's macro for the owner of the requested resource; objects in openraz have no owner. */
export const OWNER_MACRO = '{OWNER}';

/** Start of a Ranger request expression such as `${{USER.dept}}`, which openraz does not evaluate. */
export const REQUEST_EXPRESSION_START = '${{';
