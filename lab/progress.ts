/** Progress lines on stderr, so stdout stays for the summary a user may pipe. */
export interface Progress {
  step(message: string): void;
  info(message: string): void;
  /** A line that the next one replaces on a terminal (how far a long step is); a plain line elsewhere, as in CI. */
  status?(message: string): void;
}

export function consoleProgress(quiet = false, stream: NodeJS.WriteStream = process.stderr): Progress {
  const started = Date.now();
  const stamp = () => `${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s`;
  const live = Boolean(stream.isTTY);
  let shown = ''; // the status line at the bottom of a terminal
  const write = (line: string) => {
    if (quiet) return;
    stream.write(live && shown ? `\r\x1b[K${line}\n${shown}` : `${line}\n`);
  };
  return {
    step: (message) => write(`[${stamp()}] ${message}`),
    info: (message) => write(`          ${message}`),
    status: (message) => {
      if (quiet) return;
      if (!live) return void stream.write(`          ${message}\n`);
      shown = `          ${message}`;
      stream.write(`\r\x1b[K${shown}`);
    },
  };
}

export const silentProgress: Progress = { step: () => {}, info: () => {} };
