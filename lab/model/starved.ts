// When a repetition ran short of CPU: the rule the report, the verdict and --parallel auto's back-off share.

/**
 * This machine's CPU pressure (PSI "some", the share of the window in which some task waited for a CPU) at or
 * above which a repetition counts as starved. Chosen from the parallel-effect study (README): 497 repetitions one
 * at a time never passed 0.83 (median 0.70: a 200m quota's throttled threads count as waiting), 500 at four at
 * once never fell below 0.84 (median 0.98), and GOMEMLIMIT at the limit died 11/100 there against 3/100 alone. It
 * marks where the answer was seen to change, not why: spinning neighbours at the same pressure changed nothing.
 */
export const STARVED_HOST_PRESSURE = 0.9;
/** The memory probe below half its rate: the lab's own process did not get the CPU it asked for. */
export const STARVED_SAMPLER_RATE = 0.5;

/** Why a repetition counts as starved, or null when nothing it recorded says so (unreadable figures say nothing). */
export function starvedBecause(contention: { hostCpuPressure: number | null; samplerRate: number | null }): string | null {
  const reasons: string[] = [];
  const { hostCpuPressure, samplerRate } = contention;
  if (hostCpuPressure !== null && hostCpuPressure >= STARVED_HOST_PRESSURE) reasons.push(`host CPU pressure ${hostCpuPressure.toFixed(2)} ≥ ${STARVED_HOST_PRESSURE}`);
  if (samplerRate !== null && samplerRate < STARVED_SAMPLER_RATE) reasons.push(`memory probe at ${Math.round(samplerRate * 100)}% of its rate`);
  return reasons.length ? reasons.join(', ') : null;
}
