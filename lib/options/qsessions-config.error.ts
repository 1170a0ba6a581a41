/**
 * Thrown at start-up when `QSessionsModule` options are invalid. The message lists every
 * problem found and how to fix each one.
 */
export class QSessionsConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(
      `nest-qsessions: invalid QSessionsModule options:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`,
    );
    this.name = 'QSessionsConfigError';
  }
}
