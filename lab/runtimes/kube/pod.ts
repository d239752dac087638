import { z } from 'zod';
import type { Kubectl } from '../../tools/kubectl.js';

/** The parts of a Pod (as `kubectl get pod -o json` prints it) that the lab reads; everything else passes through. */
const terminatedSchema = z.looseObject({
  reason: z.string().optional(),
  message: z.string().optional(),
  exitCode: z.number().optional(),
  finishedAt: z.string().optional(),
  containerID: z.string().optional(),
});

const containerStatusSchema = z.looseObject({
  name: z.string(),
  containerID: z.string().optional(),
  restartCount: z.number().default(0),
  ready: z.boolean().default(false),
  state: z
    .looseObject({
      running: z.looseObject({ startedAt: z.string().optional() }).optional(),
      terminated: terminatedSchema.optional(),
      waiting: z.looseObject({ reason: z.string().optional(), message: z.string().optional() }).optional(),
    })
    .optional(),
  lastState: z.looseObject({ terminated: terminatedSchema.optional() }).optional(),
  /** The resources in force, as the kubelet reports them (in-place resize shows here once applied). */
  resources: z.looseObject({ limits: z.record(z.string(), z.string()).optional() }).optional(),
});

const conditionSchema = z.looseObject({ type: z.string(), status: z.string().optional(), reason: z.string().optional(), message: z.string().optional() });

/** Waiting reasons that never turn into a running container by themselves. */
export const STUCK = /^(ErrImagePull|ImagePullBackOff|ErrImageNeverPull|InvalidImageName|CreateContainerConfigError|CreateContainerError|RunContainerError)$/;
/** Of those, the ones that say the image cannot be had. */
export const IMAGE_UNAVAILABLE = /^(ErrImagePull|ImagePullBackOff|ErrImageNeverPull|InvalidImageName)$/;

export const podSchema = z.looseObject({
  metadata: z.looseObject({ name: z.string(), uid: z.string().optional(), deletionTimestamp: z.string().optional() }),
  spec: z.looseObject({ nodeName: z.string().optional() }).optional(),
  status: z.looseObject({ phase: z.string().optional(), conditions: z.array(conditionSchema).optional(), containerStatuses: z.array(containerStatusSchema).optional() }).optional(),
});

export type Pod = z.infer<typeof podSchema>;
export type ContainerStatus = z.infer<typeof containerStatusSchema>;
export type TerminatedState = z.infer<typeof terminatedSchema>;

/** The pod, or null while it is not there (not yet created, deleted, the API server briefly away). */
export async function readPod(kubectl: Kubectl, namespace: string, name: string): Promise<Pod | null> {
  const raw = await kubectl.json<unknown>(['get', 'pod', name, '-n', namespace]).catch(() => null);
  const parsed = podSchema.safeParse(raw);
  return parsed.success ? parsed.data : null;
}

export function containerStatus(pod: Pod | null, container: string): ContainerStatus | null {
  return pod?.status?.containerStatuses?.find((status) => status.name === container) ?? null;
}

/** The CRI's own id ("containerd://<id>" in the pod status): what cgroup paths and the probes name. */
export function criContainerId(status: { containerID?: string } | null | undefined): string {
  return status?.containerID?.replace(/^\w+:\/\//, '') ?? '';
}
