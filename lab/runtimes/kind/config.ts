import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { UsageError } from '../../errors.js';
import { CACHE_DIR, REPO_ROOT } from '../../paths.js';
import { scaledDuration, timeoutScale } from '../../timeouts.js';
import { NODE_IMAGE } from './node-image.js';

export const KIND_CONFIG = path.join(REPO_ROOT, 'kind-config.yaml');
export const KIND_STATE_DIR = path.join(CACHE_DIR, 'kind');

interface KindConfig {
  nodes?: { extraPortMappings?: { containerPort: number; hostPort: number; listenAddress?: string }[] }[];
}

export interface LoopbackPort {
  nodePort: number;
  hostPort: number;
}

/** kubeadm's own bound on the control plane becoming healthy (its default is 4 minutes). */
const CONTROL_PLANE_SECONDS = 240;

/**
 * The same stretch in both kubeadm APIs kind writes: v1beta3 below Kubernetes 1.36, v1beta4 from it on. kind
 * applies a patch only to a document of its apiVersion and drops the other, so any node image gets its own.
 */
function controlPlaneTimeoutPatches(duration: string): string[] {
  return [
    `apiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\napiServer:\n  timeoutForControlPlane: ${duration}\n`,
    `apiVersion: kubeadm.k8s.io/v1beta4\nkind: InitConfiguration\ntimeouts:\n  controlPlaneComponentHealthCheck: ${duration}\n`,
  ];
}

/** The patch that only the air-gapped image needs: it has no CoreDNS image, so kubeadm skips that addon. */
function skipsCoreDns(patch: string): boolean {
  const parsed = parseYaml(patch) as { skipPhases?: unknown } | null;
  return Array.isArray(parsed?.skipPhases) && parsed.skipPhases.includes('addon/coredns');
}

/**
 * kind-config.yaml is made for the air-gapped node image (no kindnet, no CoreDNS). A stock kindest/node image
 * (online runners) brings both, so it gets the same config without those two settings; it keeps the kubelet's
 * cgroup v1 patch. With LAB_TIMEOUT_SCALE, kubeadm's control-plane check is stretched too.
 */
export async function clusterConfigFor(nodeImage: string, stateDir = KIND_STATE_DIR, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const airGapped = nodeImage.startsWith(`${NODE_IMAGE.split(':')[0]}:`);
  const scale = timeoutScale(env);
  if (airGapped && scale === 1) return KIND_CONFIG;
  const config = parseYaml(await readFile(KIND_CONFIG, 'utf8')) as { networking?: Record<string, unknown>; kubeadmConfigPatches?: string[] };
  if (!airGapped) {
    delete config.networking?.disableDefaultCNI;
    config.kubeadmConfigPatches = (config.kubeadmConfigPatches ?? []).filter((patch) => !skipsCoreDns(patch));
  }
  if (scale > 1) config.kubeadmConfigPatches = [...(config.kubeadmConfigPatches ?? []), ...controlPlaneTimeoutPatches(scaledDuration(CONTROL_PLANE_SECONDS, env))];
  await mkdir(stateDir, { recursive: true });
  const file = path.join(stateDir, `kind-config.${airGapped ? 'air-gapped' : 'stock'}-node-image.yaml`);
  await writeFile(file, stringifyYaml(config));
  return file;
}

/** The NodePorts that kind-config.yaml maps to 127.0.0.1 on the host: one per repetition in flight. */
export async function loopbackNodePorts(file = KIND_CONFIG): Promise<LoopbackPort[]> {
  const config = parseYaml(await readFile(file, 'utf8')) as KindConfig;
  const mappings = (config.nodes?.[0]?.extraPortMappings ?? []).filter((candidate) => candidate.listenAddress === '127.0.0.1');
  if (!mappings.length) throw new UsageError(`${file} has no extraPortMappings entry with listenAddress 127.0.0.1`);
  return mappings.map((mapping) => ({ nodePort: mapping.containerPort, hostPort: mapping.hostPort }));
}
