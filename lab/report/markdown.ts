// The report as Markdown a blog author can paste. The numbers come from a plain-text model that
// html.ts renders too, so both reports always say the same thing.
import { describeFrontier } from '../analyse/frontier.js';
import { sizingSentence, sizingTable } from './sizing.js';
import { headroomOf, rankVariants, recommendation, verdictContext } from '../analyse/recommend.js';
import { formatBytes, formatHeadroom, formatRate, median } from '../analyse/stats.js';
import type { Outcome, ProcessInstance, Results, RunRecord, VariantSummary } from '../model/results.js';
import { gcCpuTable, resizeTable, type ExtraTable } from './fix-tables.js';
import { DASH, orDash, seconds } from './format.js';
import { goLine, goReleaseTable } from './go-line.js';
import { conditionsTable, harnessFaultTable, runConditions } from './conditions.js';
import { whyOf } from '../analyse/why.js';


export interface ReportModel {
  title: string;
  /** "Incomplete run: <reason>", or null for a complete run. */
  warning: string | null;
  /** The Go that built the sample and why, said before the verdict; null for a service's own image. */
  go: string | null;
  /** --reps auto: what stopped the rounds, said before the verdict; null for a fixed number of repetitions. */
  stopped: string | null;
  verdict: string;
  setup: [label: string, value: string][];
  variants: { name: string; description: string; env: string }[];
  summary: { header: string[]; rows: string[][]; note: string };
  /** The same variants, in the same order: restarts, GC, latency and errors. */
  detail: { header: string[]; rows: string[][] };
  /** GC and CPU per variant, when the sample reported per-request metrics or the cgroup its throttling. */
  gcCpu: ExtraTable | null;
  /** Resize runs only: the limit the Go runtime believed in against the one the cgroup enforced. */
  resize: ExtraTable | null;
  /** Runs over several Go releases: each variant's survival per release, with Fisher's p. */
  goReleases: ExtraTable | null;
  /** Starved repetitions and deaths per variant, where the repetitions recorded their conditions. */
  conditions: ExtraTable | null;
  /** Tries the lab spoiled, retried or left: never counted as the service's. */
  harnessFaults: ExtraTable | null;
  /** Frontier runs only: one row per variant. */
  /** The body-size frontier, or the sizing over memory limits. */
  frontier: { title: string; header: string[]; rows: string[][]; note: string } | null;
  runs: { header: string[]; rows: string[][] };
}

const trimNumber = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1));

const OUTCOME_MARK: Record<Outcome, string> = { survived: '✓', slowed: '✓ slowed', 'oom-killed': '✗ OOM-killed', failed: '✗ failed', 'harness-fault': '⚠ harness fault' };


function verdict(results: Results): string {
  const where = `under a ${formatBytes(results.limits.memoryLimitBytes)} memory limit (${results.runtime})`;
  const partial = results.complete ? '' : 'Partial results. ';
  const sizing = sizingSentence(results);
  if (sizing !== null) return `${partial}Sizing ${what(results).replace(/^A /, 'a ')} (${results.runtime}). ${sizing}`;
  if (results.frontier?.length) {
    return `${partial}Largest JSON body that still survives, ${where}: ${results.frontier.map((f) => `${f.variant} ${describeFrontier(f)}`).join('; ')}.`;
  }
  return `${partial}${what(results)} ${where}. ${recommendation(results.variants, verdictContext(results))}${gctraceMissing(results)}`;
}

/** What was asked: the sample's body, or the requests a service was sent. */
function what(results: Results): string {
  const { service, request } = results;
  return service ? `${service.targets.join(', ')} to ${service.image}` : `A ${request.bodyMiB} MiB response`;
}

/** No gctrace from a service means it is not a Go program or its GODEBUG overrides the lab's; the other figures still hold. */
function gctraceMissing(results: Results): string {
  const traced = results.runs.some((run) => run.processes.some((process) => process.gcCycles.length > 0));
  if (!results.service || traced || results.runs.length === 0) return '';
  return ` ${results.service.image} printed no gctrace: either it is not a Go program, or something overrides GODEBUG (the lab sets gctrace=1), so the GC columns are empty; memory, OOM kills and restarts are measured all the same.`;
}

const pct = (share: number) => `${Math.round(share * 100)}%`;

/** Why --reps auto stopped where it did, with the anytime-valid intervals that decided it. */
export function stoppedLine(results: Results): string | null {
  const a = results.adaptive;
  if (!a) return null;
  const time = `${a.rounds} round${a.rounds === 1 ? '' : 's'} in ${Math.round(a.elapsedSeconds)} s of a ${Math.round(a.budgetSeconds)} s budget`;
  const intervals = Object.entries(a.intervals).map(([name, i]) => `${name} ${pct(i.low)}–${pct(i.high)}`).join(', ');
  const why = {
    separated: `stopped once ${a.best} was separated from ${a.runnerUp}`,
    precise: `stopped once every survival interval was narrower than ${pct(a.precision ?? 0)}`,
    budget: 'stopped by the budget: no clear decision yet (run longer, or accept the overlap below)',
  } as const;
  return `--reps auto, ${a.stoppedBy ? why[a.stoppedBy] : 'interrupted'}, after ${time}. Anytime-valid intervals (${pct(1 - a.alpha)} for all variants at once, valid however often the run looked): ${intervals}.`;
}

function describeScenario(results: Results): string {
  const spec = results.scenarioSpec as { description?: unknown } | null;
  const description = typeof spec?.description === 'string' && spec.description ? ` — ${spec.description}` : '';
  return `${results.scenario}${description}`;
}

/** Which reader gave the memory figures, why, and the sampling rate it achieved (the kernel's peak covers gaps). */
function memoryProbe(results: Results): string {
  const choice = results.environment.memoryProbe;
  const sources = [...new Set(results.runs.map((run) => run.memory.source))];
  const rates = results.runs.map((run) => run.memory.achievedHz);
  const rate = rates.length ? `; ${median(rates)!.toFixed(1)} Hz achieved (median over repetitions, ${Math.min(...rates).toFixed(1)}–${Math.max(...rates).toFixed(1)}) of ${results.runs[0]!.memory.targetHz} Hz` : '';
  const what = sources.length ? sources.join(', ') : choice ? `${choice.probe} probe` : DASH;
  const fromPod = results.runs.filter((run) => run.memory.peakFrom === 'pod').length;
  const podPeaks = fromPod ? `; the peak of ${fromPod} killed repetition${fromPod === 1 ? '' : 's'} from the pod's cgroup, which outlives the kill (the container's went with it)` : '';
  return `${what}${choice ? ` (${choice.reason})` : ''}${rate}${podPeaks}`;
}

/** Where OOM kills were looked for: always the cgroup counters, labels and exit codes; the kernel log where it could be read. */
function killEvidenceLine(results: Results): string {
  const unreadable = [...new Set(results.runs.map((run) => run.kernelLog).filter((why): why is string => why !== null))];
  const kernel = unreadable.length ? `the kernel log not read (${unreadable.join('; ')})` : 'the kernel log (/dev/kmsg)';
  return `the cgroup's oom_kill counter, the runtime's OOMKilled label, exit 137 with the peak within 1% of the limit, and ${kernel}; each repetition lists what it found`;
}

function setup(results: Results): [string, string][] {
  const { limits, request, environment: env } = results;
  const millicores = (m: number) => `${m}m`;
  const versions = Object.entries(env.versions).map(([tool, version]) => `${tool} ${version}`);
  const go = goLine(results);
  const timings = Object.entries(env.timings).map(([step, seconds]) => `${step.replace(/Seconds$/, '')} ${seconds.toFixed(1)} s`);
  return [
    ['Scenario', describeScenario(results)],
    ['Memory', `limit ${formatBytes(limits.memoryLimitBytes)}, request ${formatBytes(limits.memoryRequestBytes)}`],
    ['CPU', `limit ${millicores(limits.cpuLimitMillis)}, request ${millicores(limits.cpuRequestMillis)}`],
    ['Request', results.service ? `${request.count} × ${results.service.targets.join(', ')} to ${results.service.image} (port ${results.service.port}), concurrency ${request.concurrency}` : `${request.count} × GET ${request.path}, ${request.bodyMiB} MiB body, concurrency ${request.concurrency}`],
    ['Runtime', results.runtime],
    ...(go ? [['Go', go] as [string, string]] : []),
    ['Versions', versions.length ? versions.join(', ') : DASH],
    ['Host', `${env.platform}, kernel ${env.kernel}, cgroup ${env.cgroupVersion}${env.transparentHugepages ? `, transparent huge pages ${env.transparentHugepages}` : ''}, ${env.cpus} CPUs, ${formatBytes(env.memoryBytes)} RAM, Node ${env.node}`],
    ['Run', `${results.runId}, started ${results.startedAt}${results.finishedAt ? `, finished ${results.finishedAt}` : ''}`],
    ['Memory probe', memoryProbe(results)],
    ['Kill evidence', killEvidenceLine(results)],
    ['Concurrency', results.execution ? `${results.execution.parallel} repetition(s) at once (${results.execution.reason}), in a shuffled order` : DASH],
    ['Timings', timings.length ? timings.join(', ') : DASH],
    ...(env.notes.length ? [['Notes', env.notes.join('; ')] as [string, string]] : []),
  ];
}

function summaryRow(v: VariantSummary): string[] {
  const share = headroomOf(v);
  const peak = v.peakMemoryBytes === null ? DASH : `${orDash(v.peakMemoryMedianBytes, formatBytes)} / ${formatBytes(v.peakMemoryBytes)}${share === null ? '' : ` (${formatHeadroom(share)})`}`;
  const slowed = v.slowedRepetitions > 0 ? `; ${v.slowedRepetitions} slowed` : '';
  const faults = v.harnessFaults > 0 ? `; ${v.harnessFaults} harness fault${v.harnessFaults === 1 ? '' : 's'} not counted` : '';
  return [v.name, orDash(v.gomemlimitBytes, formatBytes), `${formatRate(v.survivedRepetitions, v.repetitions)}${slowed}${faults}`, String(v.oomKills), peak];
}

/** The columns that do not fit a blog's width beside the verdict's: one table further down. */
function detailRow(v: VariantSummary): string[] {
  const { p50, p95 } = v.latencyMs;
  const errors = Object.entries(v.errors)
    .sort((a, b) => b[1] - a[1])
    .map(([kind, count]) => `${kind}×${count}`);
  return [
    v.name,
    String(v.restarts),
    orDash(v.gcCyclesMedian, trimNumber),
    orDash(v.lastHeapGoalBeforeKillMB, (mb) => `${trimNumber(mb)} MB`),
    orDash(v.gcCpuPercentMedian, (pct) => `${trimNumber(pct)}%`),
    p50 === null && p95 === null ? DASH : `${orDash(p50, seconds)} / ${orDash(p95, seconds)}`,
    errors.length ? errors.join(', ') : 'none',
  ];
}

/** The last gctrace line of each process, as Go printed its heap figures. */
function lastHeapLines(processes: ProcessInstance[]): string {
  const withCycles = processes.filter((p) => p.gcCycles.length > 0);
  const lines = withCycles.map((p) => {
    const c = p.gcCycles.at(-1)!;
    const line = `${c.heapStartMB}->${c.heapEndMB}->${c.liveMB} MB, ${c.goalMB} MB goal`;
    return processes.length > 1 ? `#${p.index}${p.oomKilled ? ' (OOMKilled)' : ''}: ${line}` : line;
  });
  return lines.length ? lines.join('; ') : DASH;
}

/** "BackOff×2, Killing" from the orchestrator's events, counted by reason. */
function eventSummary(run: RunRecord): string {
  const counts = new Map<string, number>();
  for (const event of run.events) counts.set(event.reason, (counts.get(event.reason) ?? 0) + event.count);
  return counts.size ? [...counts].map(([reason, count]) => (count > 1 ? `${reason}×${count}` : reason)).join(', ') : DASH;
}

/** The cause, and for an OOM kill its class and why line. */
function whyCell(run: RunRecord): string {
  const why = whyOf(run);
  return why ? `${why.kind}: ${why.line} (evidence: ${run.killEvidence.join(', ') || 'none recorded'})` : run.cause;
}

function runRow(run: RunRecord): string[] {
  const exits = run.terminations.map((t) => (t.exitCode === null ? t.reason : `exit ${t.exitCode} ${t.reason}`));
  return [
    run.id,
    run.variant,
    OUTCOME_MARK[run.outcome],
    whyCell(run),
    `${run.successes}/${run.attempts}`,
    exits.length ? exits.join('; ') : DASH,
    String(run.restarts),
    eventSummary(run),
    orDash(run.memory.peakBytes, formatBytes),
    String(run.processes.reduce((sum, p) => sum + p.gcCycles.length, 0)),
    lastHeapLines(run.processes),
    runConditions(run),
  ];
}

function frontierTable(results: Results): ReportModel['frontier'] {
  if (!results.frontier?.length) return null;
  if (results.frontier.some((f) => f.over === 'memoryLimit')) return sizingTable(results);
  const mib = (value: number | null) => (value === null ? DASH : `${value} MiB`);
  return {
    title: 'Frontier',
    header: ['Variant', 'Largest size that met the target', 'Smallest size that missed it', 'Result', 'Probes (MiB: survived/repetitions)'],
    rows: results.frontier.map((f) => [
      f.variant,
      mib(f.frontierMiB),
      mib(f.failedMiB),
      describeFrontier(f),
      [...f.probes].sort((a, b) => a.valueMiB - b.valueMiB).map((p) => `${p.valueMiB}: ${p.survivedRepetitions}/${p.repetitions}`).join(', '),
    ]),
    note: `Bisection over body size; each probe is ${results.frontier[0]!.repsPerProbe} fresh repetitions and passes when at least ${Math.round(results.frontier[0]!.targetSurvival * 100)}% of them survive. The frontier lies in the bracket between the two sizes; the chart shows each probe's 95% Wilson interval.`,
  };
}

export function buildReportModel(results: Results): ReportModel {
  const ranked = rankVariants(results.variants);
  return {
    title: `GOMEMLIMIT lab: ${results.scenario}`,
    warning: results.complete ? null : `Incomplete run: ${results.incompleteReason ?? 'reason not recorded'}`,
    go: goLine(results),
    stopped: stoppedLine(results),
    verdict: verdict(results),
    setup: setup(results),
    variants: results.variants.map((v) => ({
      name: v.name,
      description: v.description,
      env: Object.entries(v.env).map(([k, val]) => `${k}=${val}`).join(' '),
    })),
    summary: {
      header: ['#', 'Variant', 'GOMEMLIMIT', 'Survived', 'OOM kills', 'Peak memory (median / max)'],
      rows: ranked.map((r) => [String(r.rank), ...summaryRow(r.summary)]),
      note: 'Ranked: first the variants whose survival rate lies inside the best one\'s 95% interval (the repetitions cannot tell them apart), those not slowed before the slowed, cheapest first (cost: the largest of p50, p95, GC cycles and GC share, each over the cheapest of them); then the rest by the lower bound of the survival interval. Survival: repetitions with every request answered and nothing killed, slowed ones included, with a 95% Wilson interval; harness faults are not counted. Headroom: share of the memory limit left at the median peak. Heap figures are gctrace "MB", which Go computes as MiB.',
    },
    detail: {
      header: ['Variant', 'Restarts', 'GC cycles (median per rep)', 'Heap goal at last cycle before kill', 'GC CPU', 'Latency p50 / p95', 'Errors'],
      rows: ranked.map((r) => detailRow(r.summary)),
    },
    gcCpu: gcCpuTable(results, ranked.map((r) => r.summary)),
    resize: resizeTable(results, ranked.map((r) => r.summary)),
    goReleases: goReleaseTable(results),
    conditions: conditionsTable(ranked.map((r) => r.summary)),
    harnessFaults: harnessFaultTable(results),
    frontier: frontierTable(results),
    runs: {
      header: ['Run', 'Variant', 'Outcome', 'Why', 'Requests OK', 'Exit / reason', 'Restarts', 'Events', 'Peak memory', 'GC cycles', 'Last gctrace heap line', 'Conditions'],
      rows: results.runs.map(runRow),
    },
  };
}

/** Inline text: no raw HTML tags from data, no line breaks (they end a table row). */
function mdText(text: string): string {
  return text.replace(/&(?=#?\w+;)/g, '&amp;').replace(/</g, '&lt;').replace(/\s*\n\s*/g, ' ');
}

const mdCell = (text: string) => mdText(text).replace(/\|/g, '\\|');

export function mdTable(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.map(mdCell).join(' | ')} |`;
  return [line(header), `|${header.map(() => ' --- ').join('|')}|`, ...rows.map(line)].join('\n');
}

/** `charts`: SVG paths with, where rendered, a PNG of each (embedded, as blogs take PNG; the SVG is linked). */
export function renderMarkdown(results: Results, charts: { name: string; title: string; png?: string }[]): string {
  const m = buildReportModel(results);
  const out: string[] = [`# ${mdText(m.title)}`, ''];
  if (m.warning) out.push(`> **${mdText(m.warning)}**`, '');
  if (m.go) out.push(`**Go:** ${mdText(m.go)}`, '');
  if (m.stopped) out.push(`**Repetitions:** ${mdText(m.stopped)}`, '');
  out.push(mdText(m.verdict), '', '## Setup', '');
  for (const [label, value] of m.setup) out.push(`- **${label}:** ${mdText(value)}`);
  out.push('', '### Variants', '');
  for (const v of m.variants) out.push(`- **${mdText(v.name)}**: ${mdText(v.description || DASH)}${v.env ? ` (env \`${v.env.replace(/`/g, "'")}\`)` : ''}`);
  if (m.frontier) out.push('', `## ${m.frontier.title}`, '', mdTable(m.frontier.header, m.frontier.rows), '', mdText(m.frontier.note));
  out.push('', '## Results', '', mdTable(m.summary.header, m.summary.rows), '', mdText(m.summary.note), '');
  out.push('### Restarts, GC, latency and errors', '', mdTable(m.detail.header, m.detail.rows), '');
  if (m.gcCpu) out.push('### GC and CPU', '', mdTable(m.gcCpu.header, m.gcCpu.rows), '', mdText(m.gcCpu.note), '');
  if (m.resize) out.push('### Resize', '', mdTable(m.resize.header, m.resize.rows), '', mdText(m.resize.note), '');
  if (m.goReleases) out.push('### Go releases', '', mdTable(m.goReleases.header, m.goReleases.rows), '', mdText(m.goReleases.note), '');
  if (m.conditions) out.push('### Conditions', '', mdTable(m.conditions.header, m.conditions.rows), '', mdText(m.conditions.note), '');
  if (m.harnessFaults) out.push('### Harness faults', '', mdTable(m.harnessFaults.header, m.harnessFaults.rows), '', mdText(m.harnessFaults.note), '');
  if (charts.length) {
    out.push('## Charts', '');
    for (const c of charts) {
      const alt = mdText(c.title).replace(/[[\]]/g, '');
      if (c.png) out.push(`![${alt}](${encodeURI(c.png)})`, '', `[${alt} (SVG)](${encodeURI(c.name)})`, '');
      else out.push(`![${alt}](${encodeURI(c.name)})`, '');
    }
  }
  out.push('## Repetitions', '', mdTable(m.runs.header, m.runs.rows), '');
  return out.join('\n');
}
