/** Ctrl-C (or SIGTERM) aborts the run once, so everything started is cleaned up; a second one exits at once. */
export function abortOnSignals(): AbortSignal {
  const controller = new AbortController();
  let count = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    count += 1;
    if (count > 1) {
      process.stderr.write('second interrupt: exiting without cleanup\n');
      process.exit(130);
    }
    process.stderr.write(`\n${signal}: stopping the load, removing the lab's containers, marking results incomplete...\n`);
    controller.abort(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return controller.signal;
}
