/** Progress lines on stderr, so stdout stays for the summary a user may pipe. */
export interface Progress {
  step(message: string): void;
  info(message: string): void;
}

export function consoleProgress(quiet = false): Progress {
  const started = Date.now();
  const stamp = () => `${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s`;
  return {
    step: (message) => {
      if (!quiet) process.stderr.write(`[${stamp()}] ${message}\n`);
    },
    info: (message) => {
      if (!quiet) process.stderr.write(`          ${message}\n`);
    },
  };
}

export const silentProgress: Progress = { step: () => {}, info: () => {} };
