// Expands a scenario's variants over its sweep axes into fully resolved variants. Pure.
import { UsageError } from '../errors.js';
import { PINNED_GO, type GoRequest } from './go-choice.js';
import { formatQuantity } from './quantity.js';
import { ENCODER_PATHS, type Encoder, type ResizeStep, type Scenario, type Sweep, type Variant } from './scenario.js';

/** What the sample binary is built with: a Go toolchain and GOEXPERIMENTs. */
export interface BuildFlavour {
  /** "local" or a Go release such as 1.19.13. */
  go: string;
  experiments: string[];
}

/** A variant with every setting resolved: sweeps and frontier probes produce these. */
export interface ResolvedVariant {
  name: string;
  /** The scenario variant it came from. */
  base: string;
  description: string;
  /** The swept values that tell it apart from its siblings (display form). */
  axes: Record<string, string>;
  env: Record<string, string>;
  gomemlimitRatio: number | null;
  path: string;
  bodyMiB: number;
  /** The limit the instance starts with; a resize changes it to resizeToBytes before the requests. */
  memoryLimitBytes: number;
  resizeToBytes: number | null;
  resizeSettleSeconds: number;
  cpuLimitMillis: number;
  concurrency: number;
  /** Request settings the variant overrides (a slow leak is driven for a time budget, not a count). */
  request: { count?: number; budgetSeconds?: number; stopOnFailure?: boolean };
  build: BuildFlavour;
  /** Why build.go is this Go: the pin, --go, the regress expectations or the scenario. */
  goSource: GoRequest['source'];
}

/** Kubernetes label values and names: keep expanded names well inside 63 characters with "-<rep>". */
const MAX_NAME_LENGTH = 56;

/** Sweep axes in name order, with the short label used in variant names. */
const AXES = [
  ['memoryLimit', 'limit'],
  ['cpuLimit', 'cpu'],
  ['gomaxprocs', 'procs'],
  ['bodyMiB', 'body'],
  ['concurrency', 'conc'],
  ['gogc', 'gogc'],
  ['gomemlimitRatio', 'ratio'],
  ['go', 'go'],
  ['encoder', 'encoder'],
  ['resize', 'resize'],
] as const satisfies readonly (readonly [keyof Sweep, string])[];

type AxisKey = (typeof AXES)[number][0];
type AxisValue = number | string | ResizeStep;

const EXPERIMENT_OF: Partial<Record<Encoder, string>> = { jsonv2: 'jsonv2', 'jsonv2-stream': 'jsonv2' };

function displayValue(axis: AxisKey, value: AxisValue): string {
  if (typeof value === 'object') return `${value.name} (${formatQuantity(value.from)} → ${formatQuantity(value.to)})`;
  if (axis === 'memoryLimit') return formatQuantity(Number(value));
  if (axis === 'cpuLimit') return `${value}m`;
  return String(value);
}

/** DNS-label friendly: lower case, digits, dashes and dots. */
function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9.]+/g, '-').replace(/^-+|-+$/g, '');
}

function axisLabel(axis: AxisKey): string {
  return AXES.find(([key]) => key === axis)![1];
}

function combinations(sweep: Sweep | undefined): [AxisKey, AxisValue][][] {
  let combos: [AxisKey, AxisValue][][] = [[]];
  for (const [axis] of AXES) {
    const values = sweep?.[axis] as AxisValue[] | undefined;
    if (!values) continue;
    combos = combos.flatMap((combo) => values.map((value) => [...combo, [axis, value] as [AxisKey, AxisValue]]));
  }
  return combos;
}

/** A swept encoder wins over the variant's path; otherwise an explicit path wins over its encoder. */
function resolvePath(scenario: Scenario, variant: Variant, encoder: Encoder | undefined, encoderSwept: boolean): string {
  if (encoder && (encoderSwept || !variant.path)) return ENCODER_PATHS[encoder];
  return variant.path ?? scenario.request.path;
}

/** One variant with optional axis overrides applied on top of its own settings and the scenario's. */
export function resolveVariant(scenario: Scenario, variant: Variant, overrides: [AxisKey, AxisValue][] = [], defaultGo: GoRequest = PINNED_GO): ResolvedVariant {
  const settings = {
    memoryLimit: variant.memoryLimit ?? scenario.container.memoryLimit,
    cpuLimit: variant.cpuLimit ?? scenario.container.cpuLimit,
    gomaxprocs: variant.gomaxprocs,
    resize: variant.resize as ResizeStep | undefined,
    bodyMiB: variant.bodyMiB ?? scenario.request.bodyMiB,
    concurrency: variant.concurrency ?? scenario.request.concurrency,
    gogc: variant.gogc as string | undefined,
    gomemlimitRatio: variant.gomemlimitRatio as number | 'none' | undefined,
    go: variant.go ?? defaultGo.version,
    encoder: variant.encoder as Encoder | undefined,
  };
  for (const [axis, value] of overrides) (settings as Record<string, unknown>)[axis] = value;
  const env = { ...variant.env };
  if (settings.gogc !== undefined) env.GOGC = settings.gogc;
  if (settings.gomaxprocs !== undefined) env.GOMAXPROCS = String(settings.gomaxprocs);
  if (variant.leakMiB) env.LEAK_MIB = String(variant.leakMiB);
  const ratio = settings.gomemlimitRatio === undefined || settings.gomemlimitRatio === 'none' ? null : settings.gomemlimitRatio;
  const encoder = settings.encoder;
  const experiment = encoder ? EXPERIMENT_OF[encoder] : undefined;
  const experiments = [...new Set([...(experiment ? [experiment] : []), ...(variant.goexperiment ?? [])])];
  const goFromScenario = variant.go !== undefined || overrides.some(([axis]) => axis === 'go');
  const axes = Object.fromEntries(overrides.map(([axis, value]) => [axisLabel(axis), displayValue(axis, value)]));
  const suffix = overrides.map(([axis, value]) => `.${axisLabel(axis)}-${slug(typeof value === 'object' ? value.name : displayValue(axis, value))}`).join('');
  const resize = settings.resize;
  return {
    name: `${variant.name}${suffix}`,
    base: variant.name,
    description: variant.description,
    axes,
    env,
    gomemlimitRatio: ratio,
    path: resolvePath(scenario, variant, encoder, overrides.some(([axis]) => axis === 'encoder')),
    bodyMiB: Number(settings.bodyMiB),
    memoryLimitBytes: resize ? resize.from : Number(settings.memoryLimit),
    resizeToBytes: resize ? resize.to : null,
    resizeSettleSeconds: resize?.settleSeconds ?? 0,
    cpuLimitMillis: Number(settings.cpuLimit),
    concurrency: Number(settings.concurrency),
    request: Object.fromEntries(
      Object.entries({ count: variant.count, budgetSeconds: variant.budgetSeconds, stopOnFailure: variant.stopOnFailure }).filter(([, value]) => value !== undefined),
    ),
    build: { go: String(settings.go), experiments },
    goSource: goFromScenario ? 'scenario' : defaultGo.source,
  };
}

/** Every variant times every sweep combination, in the scenario's variant order. */
export function resolveVariants(scenario: Scenario, variants: Variant[] = scenario.variants, defaultGo: GoRequest = PINNED_GO): ResolvedVariant[] {
  const resolved = variants.flatMap((variant) => combinations(variant.sweep ?? scenario.sweep).map((combo) => resolveVariant(scenario, variant, combo, defaultGo)));
  const seen = new Set<string>();
  for (const variant of resolved) {
    if (variant.name.length > MAX_NAME_LENGTH) {
      throw new UsageError(`variant name "${variant.name}" is longer than ${MAX_NAME_LENGTH} characters: use shorter variant names or fewer sweep axes`);
    }
    if (seen.has(variant.name)) throw new UsageError(`two variants expand to the same name "${variant.name}"`);
    seen.add(variant.name);
  }
  return resolved;
}

/** A stable key for a build flavour: one image per key. */
export function flavourKey(flavour: BuildFlavour): string {
  return [flavour.go, ...flavour.experiments].join('+');
}
