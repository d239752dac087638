import type { Progress } from './progress.js';

/**
 * One small action of a longer flow (kind's own create flow is the model): it starts with one status line and
 * works on the one context the flow shares. A step whose title is null has nothing to do this time.
 */
export interface Step<Context> {
  title(context: Context): string | null;
  execute(context: Context): Promise<void>;
}

export async function runSteps<Context>(steps: readonly Step<Context>[], context: Context, progress: Progress): Promise<void> {
  for (const step of steps) {
    const title = step.title(context);
    if (title === null) continue;
    progress.step(title);
    await step.execute(context);
  }
}
