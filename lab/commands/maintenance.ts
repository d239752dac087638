/** `doctor`: the tools the lab needs, present or missing; exit 2 when one that is not built on demand is missing. */
export async function doctorCommand(): Promise<void> {
  const { BUILT_ON_DEMAND, doctor, formatDoctor } = await import('../doctor.js');
  const checks = await doctor();
  process.stdout.write(`${formatDoctor(checks)}\n`);
  if (checks.some((check) => !check.present && !BUILT_ON_DEMAND.has(check.name))) process.exitCode = 2;
}

/** `clean`: every container and kind cluster the lab ever created. */
export async function cleanCommand(): Promise<void> {
  const { removeAllLabContainers } = await import('../runtimes/docker.js');
  const { removeLabClusters } = await import('../runtimes/kind/runtime.js');
  const removed = await removeAllLabContainers();
  const clusters = await removeLabClusters();
  process.stdout.write(`removed ${removed} container(s) and ${clusters.length} kind cluster(s)${clusters.length ? `: ${clusters.join(', ')}` : ''}\n`);
}
