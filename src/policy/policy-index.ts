import { foldCase } from './fold-case.js';
import { literalPrefix } from './glob.js';
import type { CompiledPolicy } from './types.js';

/**
 * Finds the policies that can match a path, by the literal start of their path values (the
 * text before the first wildcard or macro). A policy is stored under each of its prefixes;
 * an excludes path, which can match anything, is stored under the empty prefix.
 *
 * A lookup for a key checks each stored prefix length, so it costs one map lookup per
 * distinct prefix length, whatever the number of policies.
 */
export class PathIndex {
  private readonly byPrefix = new Map<string, CompiledPolicy[]>();
  private lengths: number[] = [];
  private sortedPrefixes: string[] = [];
  private readonly ignoreCase: boolean;

  constructor(ignoreCase: boolean) {
    this.ignoreCase = ignoreCase;
  }

  add(policy: CompiledPolicy, pathValues: readonly string[], excludes: boolean, wildCard: boolean): void {
    const prefixes = excludes ? [''] : pathValues.map((value) => this.fold(literalPrefix(value, wildCard)));
    for (const prefix of new Set(prefixes)) {
      const list = this.byPrefix.get(prefix);
      if (list === undefined) this.byPrefix.set(prefix, [policy]);
      else if (list.at(-1) !== policy) list.push(policy);
    }
  }

  /** Call once after the last `add`. */
  seal(): void {
    this.lengths = [...new Set([...this.byPrefix.keys()].map((prefix) => prefix.length))].sort((a, b) => a - b);
    this.sortedPrefixes = [...this.byPrefix.keys()].sort();
  }

  /** Adds to `into` the policies whose prefix starts `key`. */
  collectForKey(key: string, into: Set<CompiledPolicy>): void {
    const folded = this.fold(key);
    for (const length of this.lengths) {
      if (length > folded.length) break;
      for (const policy of this.byPrefix.get(folded.slice(0, length)) ?? []) into.add(policy);
    }
  }

  /**
   * Adds to `into` the policies that can match some key starting with `prefix`: those whose
   * prefix starts `prefix`, and those whose prefix extends it.
   */
  collectForPrefix(prefix: string, into: Set<CompiledPolicy>): void {
    this.collectForKey(prefix, into);
    const folded = this.fold(prefix);
    let low = 0;
    let high = this.sortedPrefixes.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.sortedPrefixes[middle]! < folded) low = middle + 1;
      else high = middle;
    }
    for (let i = low; i < this.sortedPrefixes.length && this.sortedPrefixes[i]!.startsWith(folded); i++) {
      for (const policy of this.byPrefix.get(this.sortedPrefixes[i]!)!) into.add(policy);
    }
  }

  private fold(text: string): string {
    return this.ignoreCase ? foldCase(text) : text;
  }
}
