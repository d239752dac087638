// --node-probe: cgroup-probe as a pod on the workload's node, reading the node's /sys/fs/cgroup through a
// read-only hostPath; the lab reads its JSON lines from `kubectl logs -f`. For clusters whose nodes are not
// this machine, where nothing else can see a container's cgroup.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { errorMessage } from '../../errors.js';
import { followProbeStream, type StoppableProbe } from '../../observe/probe-stream.js';
import type { CgroupVersion } from '../../observe/cgroup.js';
import type { Kubectl } from '../../tools/kubectl.js';
import { LAB_LABEL, RUN_LABEL } from '../runtime.js';
import { toYaml } from './manifests.js';
import { STUCK, containerStatus, readPod } from './pod.js';

export const NODE_PROBE_RATE_HZ = 50;
const PROBE_CONTAINER = 'probe';

export interface NodeProbeSite {
  kubectl: Kubectl;
  namespace: string;
  runId: string;
  image: string;
  startTimeoutMs?: number;
}

/** Why a probe pod could not start: the cluster refused it (admission), or it never ran (image, node). */
export class NodeProbeError extends Error {
  constructor(
    message: string,
    readonly refusedByAdmission: boolean,
  ) {
    super(message);
  }
}

export function nodeProbeManifest(site: NodeProbeSite, name: string, node: string | null, targets: string[]): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: site.namespace, labels: { [LAB_LABEL]: '1', [RUN_LABEL]: site.runId, 'gomemlimit-lab/role': 'node-probe' } },
    spec: {
      ...(node ? { nodeName: node } : {}), // on the workload's node, past the scheduler (taints included)
      restartPolicy: 'Never',
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      terminationGracePeriodSeconds: 0,
      tolerations: [{ operator: 'Exists' }],
      containers: [
        {
          name: PROBE_CONTAINER,
          image: site.image,
          imagePullPolicy: 'IfNotPresent',
          args: ['-rate', String(NODE_PROBE_RATE_HZ), ...targets],
          volumeMounts: [{ name: 'cgroup', mountPath: '/host/cgroup', readOnly: true }],
          // No CPU limit: throttling would cost readings; the request keeps it honest with the scheduler.
          resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { memory: '64Mi' } },
          securityContext: { runAsNonRoot: true, runAsUser: 65532, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
        },
      ],
      volumes: [{ name: 'cgroup', hostPath: { path: '/sys/fs/cgroup', type: 'Directory' } }],
    },
  };
}

/**
 * The API server's reason when admission refused an object, from kubectl's stderr; null for other failures.
 * Pod Security says "is forbidden: violates PodSecurity ...", a ValidatingAdmissionPolicy "is invalid: :
 * ValidatingAdmissionPolicy '...' denied request: ...", a webhook "denied the request: ...". Warnings are skipped.
 */
export function admissionRefusal(output: string): string | null {
  for (const line of output.split('\n')) {
    if (line.startsWith('Warning:')) continue;
    const policy = /(ValidatingAdmissionPolicy .+ denied request: .+)/.exec(line);
    const refused = policy ?? /is forbidden: (.+)/.exec(line) ?? /admission webhook .+ denied the request: (.+)/.exec(line);
    if (refused) return refused[1]!.trim();
  }
  return null;
}

async function untilRunning(site: NodeProbeSite, name: string, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let last = 'not scheduled';
  while (performance.now() < deadline) {
    const pod = await readPod(site.kubectl, site.namespace, name);
    const state = containerStatus(pod, PROBE_CONTAINER)?.state;
    if (pod?.status?.phase === 'Running') return;
    if (state?.waiting?.reason) {
      last = `${state.waiting.reason}${state.waiting.message ? `: ${state.waiting.message}` : ''}`;
      if (STUCK.test(state.waiting.reason)) break;
    }
    if (state?.terminated) {
      last = `it exited (${state.terminated.exitCode}): ${state.terminated.message ?? state.terminated.reason ?? ''}`;
      break;
    }
    await sleep(250);
  }
  throw new NodeProbeError(`the node probe pod did not start (${last})`, false);
}

/** A probe pod for these targets (id:<CRI id> of a container on `node`); resolves once its hello line came. */
export async function startNodeProbe(site: NodeProbeSite, node: string | null, targets: string[]): Promise<{ version: CgroupVersion; memory(arg: string): StoppableProbe; stop(): Promise<void> }> {
  const name = `node-probe-${randomBytes(4).toString('hex')}`;
  const timeoutMs = site.startTimeoutMs ?? 60_000;
  try {
    await site.kubectl.apply(toYaml([nodeProbeManifest(site, name, node, targets)]));
  } catch (error) {
    const output = String((error as { stderr?: string }).stderr ?? errorMessage(error));
    const refusal = admissionRefusal(output);
    throw new NodeProbeError(refusal ?? output.trim().split('\n').filter((line) => !line.startsWith('Warning:')).join(' '), refusal !== null);
  }
  const follower = { current: null as ReturnType<Kubectl['spawn']> | null };
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    follower.current?.kill();
    await site.kubectl.run(['delete', 'pod', name, '-n', site.namespace, '--grace-period=0', '--wait=false', '--ignore-not-found']).catch(() => {});
  };
  try {
    await untilRunning(site, name, timeoutMs);
    const logs = site.kubectl.spawn(['logs', '-f', '-n', site.namespace, name, '-c', PROBE_CONTAINER]);
    follower.current = logs;
    const lastWords = async () => {
      return containerStatus(await readPod(site.kubectl, site.namespace, name), PROBE_CONTAINER)?.state?.terminated?.message ?? '';
    };
    const stream = await followProbeStream(logs.stdout!, { where: 'node probe', rateHz: NODE_PROBE_RATE_HZ, timeoutMs, lastWords });
    // Every target here is a pod's container.
    return { version: stream.version, memory: (arg) => ({ ...stream.memory(arg, true), stop }), stop };
  } catch (error) {
    await stop();
    throw error instanceof NodeProbeError ? error : new NodeProbeError(errorMessage(error), false);
  }
}

/** One container's reader: a probe pod of its own on that container's node. */
export async function nodeCgroupProbe(site: NodeProbeSite, node: string, containerId: string): Promise<StoppableProbe> {
  const arg = `id:${containerId}`;
  return (await startNodeProbe(site, node, [arg])).memory(arg);
}
