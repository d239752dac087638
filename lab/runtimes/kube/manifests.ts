import { createHash } from 'node:crypto';
import { stringify } from 'yaml';
import type { Plan, RunSpec } from '../../model/plan.js';
import { formatQuantity } from '../../model/quantity.js';
import { timeoutScale } from '../../timeouts.js';
import { LAB_LABEL, RUN_LABEL, ownerLabels } from '../runtime.js';

export const SAMPLE_CONTAINER = 'api';

export interface ManifestOptions {
  namespace: string;
  runId: string;
  image: string;
  /** A NodePort mapped to the host's loopback (kind); null for a ClusterIP reached by port-forward (existing clusters). */
  nodePort: number | null;
  /** Never for images loaded into kind; IfNotPresent for a pushed image on an existing cluster. */
  pullPolicy?: 'Never' | 'IfNotPresent';
  /** The Pod Security level the namespace enforces: privileged only where the node probe's hostPath pod must run. */
  podSecurity?: 'restricted' | 'privileged';
}

type Manifest = Record<string, unknown>;

/** Service names are DNS-1035 labels: no dots (swept and probe names have them), at most 63 characters. */
export function workloadName(run: RunSpec): string {
  const name = `go-sample-${run.id.replace(/[^a-z0-9-]+/g, '-')}`;
  if (name.length <= 63) return name;
  const hash = createHash('sha256').update(run.id).digest('hex').slice(0, 8);
  return `${name.slice(0, 54).replace(/-+$/, '')}-${hash}`;
}

/** Namespace labels that make the API server enforce the restricted Pod Security Standard (or a chosen level). */
export function namespaceManifest(options: ManifestOptions): Manifest {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: options.namespace,
      labels: {
        [LAB_LABEL]: '1',
        [RUN_LABEL]: options.runId,
        ...ownerLabels(), // lets a later run remove what a crashed one left
        'pod-security.kubernetes.io/enforce': options.podSecurity ?? 'restricted',
        'pod-security.kubernetes.io/enforce-version': 'latest',
      },
    },
  };
}

function envList(run: RunSpec): Manifest[] {
  const env: Manifest[] = Object.entries(run.env)
    .filter(([name]) => !(name === 'GOMEMLIMIT' && run.gomemlimit?.ratio === 1))
    .map(([name, value]) => ({ name, value }));
  env.push(...Object.entries(run.workload.env).map(([name, value]) => ({ name, value })));
  // The seed's fix: the Downward API renders limits.memory as bytes (419430400 for 400Mi). No divisor: with
  // divisor 1Mi it would be "400", which GOMEMLIMIT reads as 400 bytes.
  if (run.gomemlimit?.ratio === 1) {
    env.push({ name: 'GOMEMLIMIT', valueFrom: { resourceFieldRef: { containerName: SAMPLE_CONTAINER, resource: 'limits.memory' } } });
  }
  return env;
}

/** One Deployment (replicas 1, so the kubelet restarts it in place) and one NodePort Service per repetition. */
export function workloadManifests(run: RunSpec, options: ManifestOptions): Manifest[] {
  const name = workloadName(run);
  const labels = { app: 'go-sample', 'gomemlimit-lab/variant': run.variant, 'gomemlimit-lab/run-id': run.id, [LAB_LABEL]: '1', [RUN_LABEL]: options.runId };
  const selector = { app: 'go-sample', 'gomemlimit-lab/run-id': run.id };
  return [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: options.namespace, labels },
      spec: {
        replicas: 1,
        // Kubernetes' default 600 s, stretched on slow hosts with the lab's other waits (LAB_TIMEOUT_SCALE).
        progressDeadlineSeconds: Math.round(600 * timeoutScale()),
        selector: { matchLabels: selector },
        template: {
          metadata: { labels },
          spec: {
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            terminationGracePeriodSeconds: 5,
            securityContext: { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } },
            containers: [
              {
                name: SAMPLE_CONTAINER,
                image: run.workload.image ?? options.image, // a service's own image, else the sample's build
                imagePullPolicy: options.pullPolicy ?? 'Never', // kind: loaded with kind load, nothing can be pulled
                ...(run.workload.args.length ? { args: run.workload.args } : {}),
                ports: [{ containerPort: run.workload.port, name: 'http' }],
                env: envList(run),
                resources: {
                  limits: { cpu: `${run.cpuLimitMillis}m`, memory: formatQuantity(run.memoryLimitBytes) },
                  requests: { cpu: `${run.cpuRequestMillis}m`, memory: formatQuantity(run.memoryRequestBytes) },
                },
                // A resize must not restart the container: the stale GOMEMLIMIT is the point.
                ...(run.resizeToBytes === null ? {} : { resizePolicy: [{ resourceName: 'memory', restartPolicy: 'NotRequired' }, { resourceName: 'cpu', restartPolicy: 'NotRequired' }] }),
                // A log line cannot be probed: the port accepting connections stands in, and the lab asks over HTTP after.
                readinessProbe: { ...(run.workload.readiness.path ? { httpGet: { path: run.workload.readiness.path, port: 'http' } } : { tcpSocket: { port: 'http' } }), periodSeconds: 1, failureThreshold: 1 },
                securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
              },
            ],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: options.namespace, labels },
      spec:
        options.nodePort === null
          ? { type: 'ClusterIP', selector, ports: [{ port: run.workload.port, targetPort: 'http' }] }
          : { type: 'NodePort', selector, ports: [{ port: run.workload.port, targetPort: 'http', nodePort: options.nodePort }] },
    },
  ];
}

/**
 * A dry run's view: the namespace and what every planned repetition applies (a frontier's probes are chosen as
 * it goes, so only its fixed runs show). `nodePorts` cycles over the ports repetitions in flight take turns on.
 */
export function planManifests(plan: Plan, options: Omit<ManifestOptions, 'nodePort'>, nodePorts: readonly number[] | null): string {
  const namespace = namespaceManifest({ ...options, nodePort: null });
  const workloads = plan.runs.flatMap((run, index) => workloadManifests(run, { ...options, nodePort: nodePorts ? nodePorts[index % nodePorts.length]! : null }));
  return toYaml([namespace, ...workloads]);
}

/** YAML 1.1 rules, as the API server reads them: "off" or "yes" stay strings (GOGC=off), not booleans. */
export function toYaml(manifests: Manifest[]): string {
  return manifests.map((manifest) => stringify(manifest, { aliasDuplicateObjects: false, version: '1.1' })).join('---\n');
}
