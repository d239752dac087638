import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * Versions the TypeScript lab and the shell scripts must agree on, kept in pins.json so both read one file
 * (scripts/node-image/lib.sh reads it with node).
 */
const pinsSchema = z.object({
  /**
   * The air-gapped node image's Kubernetes. From 1.35 the kubelet refuses cgroup v1 hosts by default
   * (failCgroupV1), so kind-config.yaml sets failCgroupV1: false for the lab's v1 machines.
   */
  kubernetes: z.string().regex(/^v1\.\d+\.\d+$/),
  /** Bump with any change to the node image recipe, so a cached image is rebuilt. */
  nodeImageRecipe: z.number().int().positive(),
  /** kind v0.33 writes kubeadm v1beta4 configs from Kubernetes 1.36 on (v1beta3 below); the lab's patches cover both. */
  kind: z.string().regex(/^v\d+\.\d+\.\d+$/),
  /**
   * The Go that builds the sample unless --go, a scenario or the regress expectations say otherwise: the current
   * release, the one readers deploy (the README's "Go 1.27" section gives the figures that decided it).
   */
  sampleGo: z.string().regex(/^1\.\d+\.\d+$/),
});

export const PINS = pinsSchema.parse(JSON.parse(readFileSync(new URL('./pins.json', import.meta.url), 'utf8')));
export const K8S_VERSION = PINS.kubernetes;
export const KIND_VERSION = PINS.kind;
export const SAMPLE_GO = PINS.sampleGo;
export const NODE_IMAGE = `gomemlimit-lab/kind-node:${K8S_VERSION}-r${PINS.nodeImageRecipe}`;
