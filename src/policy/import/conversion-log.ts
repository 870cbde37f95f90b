/**
 * Collects, for one policy, the changes a conversion made and the reasons it must skip the
 * policy. Converters keep going after a reason to skip, so the report lists every reason.
 */
export class ConversionLog {
  /** Changes that make the openraz policy differ from the Ranger one. */
  readonly changes: string[] = [];
  /** Facts worth reporting that change nothing, such as a disabled policy. */
  readonly notes: string[] = [];
  readonly skipReasons: string[] = [];

  change(text: string): void {
    this.changes.push(text);
  }

  note(text: string): void {
    this.notes.push(text);
  }

  skip(reason: string): void {
    this.skipReasons.push(reason);
  }

  get skipped(): boolean {
    return this.skipReasons.length > 0;
  }
}
