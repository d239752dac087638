/** Bad input or a missing prerequisite: reported as one line, exit 2, before anything is started. */
export class UsageError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The run was interrupted (Ctrl-C or SIGTERM); with why saving or cleaning up failed, where it did (null: it worked). */
export class InterruptedError extends Error {
  constructor(
    signal: string,
    readonly outcome: { saved: string | null; cleaned: string | null } = { saved: null, cleaned: null },
  ) {
    super(`interrupted by ${signal}`);
    this.name = 'InterruptedError';
  }

  /** One line: what the interrupted run left, as it is. */
  report(): string {
    const { saved, cleaned } = this.outcome;
    const containers = cleaned === null ? "the lab's containers are removed" : `removing the lab's containers failed (${cleaned}): run npm run lab:clean`;
    const results = saved === null ? 'results.json is marked incomplete' : saved === 'no run folder yet' ? 'no results were written yet' : `saving results.json failed (${saved})`;
    return `${this.message}: ${containers}; ${results}`;
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Why a command that did not reject failed, in one line: the last line of its stderr, else execa's summary. */
export function failureLine(result: { stderr?: unknown; shortMessage?: string }): string {
  const text = (typeof result.stderr === 'string' && result.stderr.trim()) || result.shortMessage || '';
  return text.trim().split('\n').at(-1) ?? '';
}
