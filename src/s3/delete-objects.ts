import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { OpenRazError } from '../errors/index.js';
import { MAX_DELETE_OBJECTS } from './constants.js';

/** One entry of a DeleteObjects body. */
export interface DeletedObject {
  key: string;
  versionId?: string;
}

/** Child elements S3 defines for `<Object>`; the conditional ones are passed to S3 unchanged. */
const OBJECT_ELEMENTS = new Set(['Key', 'VersionId', 'ETag', 'LastModifiedTime', 'Size']);

/** Matches the entity and character references XML 1.0 predefines, and anything else after `&`. */
const REFERENCE = /&(?:(amp|lt|gt|quot|apos)|#(\d{1,7})|#x([0-9A-Fa-f]{1,6}));|&/g;

const NAMED_REFERENCES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/**
 * Parses the XML body of DeleteObjects (`POST /bucket?delete`) into the keys it deletes, which
 * are then authorized one by one.
 *
 * The body is read the way S3 reads it, or rejected. References are decoded here: the five
 * predefined entities and numeric character references. Anything a parser could read
 * differently from S3 is rejected: a DOCTYPE with its own entities, CDATA sections, comments
 * and unknown elements. A key read differently here than by S3 would delete an object that
 * was never authorized.
 *
 * @throws OpenRazError `ERR_REQUEST_BODY_INVALID` naming the field `body`.
 */
export function parseDeleteObjectsBody(body: string): DeletedObject[] {
  if (body.includes('<!')) {
    throw invalidBody('must not contain a DOCTYPE, CDATA section or comment (a "<!" sequence)');
  }
  // openraz signs the body's UTF-8 bytes. A declaration that names another encoding would
  // make S3 read other characters, and so other keys, than the ones authorized here.
  const encoding = /^\s*<\?xml[^>]*\bencoding\s*=\s*["']([^"']*)["']/.exec(body)?.[1];
  if (encoding !== undefined && encoding.toLowerCase() !== 'utf-8') {
    throw invalidBody(`declares the encoding "${encoding}"; only UTF-8 is accepted`);
  }
  // Counted before parsing, so an oversized body costs a scan, not a parse.
  const objectCount = body.match(/<Object[\s>]/g)?.length ?? 0;
  if (objectCount > MAX_DELETE_OBJECTS) throw invalidBody(`names ${objectCount} objects; S3 deletes at most ${MAX_DELETE_OBJECTS} per request`);
  const valid = XMLValidator.validate(body);
  if (valid !== true) {
    throw invalidBody(`is not well-formed XML: ${valid.err.msg} (line ${valid.err.line})`);
  }

  const parser = new XMLParser({
    ignoreAttributes: true,
    ignoreDeclaration: true,
    parseTagValue: false,
    trimValues: false,
    processEntities: false,
    isArray: (name) => name === 'Object',
  });
  const document = parseDocument(parser, body);
  const root = Object.keys(document);
  if (root.length !== 1 || root[0] !== 'Delete' || !isRecord(document.Delete)) {
    throw invalidBody('must have one root element <Delete> with <Object> elements inside');
  }

  const objects: DeletedObject[] = [];
  for (const [name, value] of Object.entries(document.Delete)) {
    if (isLayoutText(name, value)) continue;
    if (name === 'Quiet') {
      if (value !== 'true' && value !== 'false') throw invalidBody('<Quiet> must be "true" or "false"');
      continue;
    }
    if (name !== 'Object' || !Array.isArray(value)) throw invalidBody(`has an unknown element <${name}> inside <Delete>`);
    for (const entry of value) objects.push(readObject(entry, objects.length));
  }

  if (objects.length === 0) throw invalidBody('names no <Object> to delete');
  if (objects.length > MAX_DELETE_OBJECTS) throw invalidBody(`names ${objects.length} objects; S3 deletes at most ${MAX_DELETE_OBJECTS} per request`);
  return objects;
}

/** Parses the body; the parser's own errors (nesting depth, reserved element names) become 400s. */
function parseDocument(parser: XMLParser, body: string): Record<string, unknown> {
  try {
    return parser.parse(body) as Record<string, unknown>;
  } catch (error) {
    throw invalidBody(`could not be parsed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function readObject(entry: unknown, index: number): DeletedObject {
  const where = `<Object> number ${index + 1}`;
  if (!isRecord(entry)) throw invalidBody(`${where} must contain a <Key>`);
  for (const [name, value] of Object.entries(entry)) {
    if (isLayoutText(name, value)) continue;
    if (!OBJECT_ELEMENTS.has(name)) throw invalidBody(`${where} has an unknown element <${name}>`);
  }
  for (const name of ['ETag', 'LastModifiedTime', 'Size']) readText(entry[name], `${where} <${name}>`);
  const key = readText(entry.Key, `${where} <Key>`);
  if (key === undefined || key === '') throw invalidBody(`${where} must contain a non-empty <Key>`);
  const versionId = readText(entry.VersionId, `${where} <VersionId>`);
  return versionId === undefined ? { key } : { key, versionId };
}

function readText(value: unknown, where: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalidBody(`${where} must contain text only`);
  return decodeReferences(value, where);
}

/** Decodes XML references; a bare `&` or a reference to an invalid code point is an error. */
function decodeReferences(text: string, where: string): string {
  return text.replace(REFERENCE, (match, named: string | undefined, decimal: string | undefined, hex: string | undefined) => {
    if (named !== undefined) return NAMED_REFERENCES[named]!;
    let codePoint = Number.NaN;
    if (decimal !== undefined) codePoint = Number(decimal);
    if (hex !== undefined) codePoint = Number.parseInt(hex, 16);
    if (!isXmlCharacter(codePoint)) throw invalidBody(`${where} has an invalid reference "${match}"`);
    return String.fromCodePoint(codePoint);
  });
}

/** Tests the Char production of XML 1.0: the code points a character reference may name. */
function isXmlCharacter(codePoint: number): boolean {
  return (
    codePoint === 0x9 ||
    codePoint === 0xa ||
    codePoint === 0xd ||
    (codePoint >= 0x20 && codePoint <= 0xd7ff) ||
    (codePoint >= 0xe000 && codePoint <= 0xfffd) ||
    (codePoint >= 0x10000 && codePoint <= 0x10ffff)
  );
}

/** Whitespace between elements, as in an indented body. */
function isLayoutText(name: string, value: unknown): boolean {
  return name === '#text' && typeof value === 'string' && value.trim() === '';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalidBody(problem: string): OpenRazError {
  return new OpenRazError('ERR_REQUEST_BODY_INVALID', `Field "body" ${problem}; send the DeleteObjects XML that S3 documents.`, { field: 'body' });
}
