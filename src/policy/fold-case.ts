/**
 * Folds case one code point at a time, so that a folded string has exactly as many code
 * points as the original and folding a prefix gives a prefix of the folded whole. Whole-string
 * `toLowerCase` breaks both: it turns a final `Σ` into `ς` depending on what follows, and
 * `İ` into two code points.
 */
export function foldCase(text: string): string {
  let folded = '';
  for (const char of text) folded += foldCodePoint(char);
  return folded;
}

function foldCodePoint(char: string): string {
  if (char === 'ς') return 'σ';
  const lower = char.toLowerCase();
  // A code point whose lower case is longer (İ to i and a combining dot) keeps its first code point.
  return lower.length === char.length ? lower : String.fromCodePoint(lower.codePointAt(0)!);
}
