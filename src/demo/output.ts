/** Width of the label column in step output. */
const LABEL_WIDTH = 9;

export function printHeading(title: string): void {
  console.log(`\n${title}`);
}

/** Prints one `label  text` line of a step, indented under its heading. */
export function printLine(label: string, text: string): void {
  console.log(`   ${label.padEnd(LABEL_WIDTH)} ${text}`);
}

/**
 * Returns a presigned URL that is safe to print: the `X-Amz-*` query parameters (credential
 * scope, date, signature and the like) are replaced by their count, and the operation
 * parameters such as `list-type` and `prefix` stay.
 */
export function redactPresignedUrl(url: string): string {
  const queryStart = url.indexOf('?');
  if (queryStart === -1) return url;

  const parameters = url.slice(queryStart + 1).split('&');
  const operationParameters = parameters.filter((parameter) => !/^x-amz-/i.test(parameter));
  const hidden = parameters.length - operationParameters.length;
  const signed = hidden === 0 ? [] : [`X-Amz-...(signed, ${hidden} parameters)`];
  return `${url.slice(0, queryStart)}?${[...operationParameters, ...signed].join('&')}`;
}

/** Extracts the text of every `<name>` element of an S3 XML response. */
export function xmlElements(xml: string, name: string): string[] {
  const pattern = new RegExp(`<${name}>([^<]*)</${name}>`, 'g');
  return [...xml.matchAll(pattern)].map((match) => decodeXmlText(match[1] ?? ''));
}

function decodeXmlText(text: string): string {
  return text
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&quot;', '"')
    .replaceAll('&apos;', "'")
    .replaceAll('&#39;', "'")
    .replaceAll('&amp;', '&');
}

/**
 * Collects the differences between what a step expected and what happened. A value shown
 * here is a status, a code or a key, never a response body that could contain a URL.
 */
export class Checklist {
  private readonly failures: string[] = [];

  /** Records a failure when `actual` differs from `expected`, and returns whether they match. */
  expect(description: string, actual: unknown, expected: unknown): boolean {
    if (actual === expected) return true;
    const failure = `${description}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`;
    this.failures.push(failure);
    printLine('MISMATCH', failure);
    return false;
  }

  /** Records a failure unless `condition` holds. */
  require(description: string, condition: boolean): boolean {
    return this.expect(description, condition, true);
  }

  get passed(): boolean {
    return this.failures.length === 0;
  }

  get failureList(): readonly string[] {
    return this.failures;
  }
}
