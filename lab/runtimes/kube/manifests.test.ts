import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { planRuns } from '../../model/plan.js';
import { loadScenario } from '../../model/scenario.js';
import { namespaceManifest, toYaml, workloadManifests, workloadName } from './manifests.js';

const options = { namespace: 'gomemlimit-lab-x', runId: 'x', image: 'gomemlimit-lab/go-sample:abc', nodePort: 30550 };

test('the gomemlimit variant takes GOMEMLIMIT from the Downward API, baseline has none', async () => {
  const [baseline, gomemlimit] = planRuns(await loadScenario('seed'), { runtime: 'kind', reps: 1 }).runs;
  const containerOf = (run: typeof baseline) => {
    const deployment = workloadManifests(run!, options)[0] as { spec: { template: { spec: { containers: Record<string, unknown>[] } } } };
    return deployment.spec.template.spec.containers[0] as { env: { name: string; value?: string; valueFrom?: unknown }[]; resources: unknown; securityContext: unknown; imagePullPolicy: string };
  };
  const withLimit = containerOf(gomemlimit);
  assert.deepEqual(withLimit.env.find((entry) => entry.name === 'GOMEMLIMIT'), {
    name: 'GOMEMLIMIT',
    valueFrom: { resourceFieldRef: { containerName: 'api', resource: 'limits.memory' } },
  });
  assert.deepEqual(withLimit.resources, { limits: { cpu: '200m', memory: '400Mi' }, requests: { cpu: '100m', memory: '200Mi' } });
  assert.deepEqual(withLimit.securityContext, { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
  assert.equal(withLimit.imagePullPolicy, 'Never');
  const plain = containerOf(baseline);
  assert.equal(plain.env.find((entry) => entry.name === 'GOMEMLIMIT'), undefined);
  assert.deepEqual(plain.env.find((entry) => entry.name === 'GODEBUG'), { name: 'GODEBUG', value: 'gctrace=1' });
});

test('a GOMEMLIMIT ratio other than 1 is rendered as bytes, since the Downward API has no percentage', async () => {
  const scenario = await loadScenario('seed');
  scenario.variants = [{ name: 'limit-90', description: '', env: {}, gomemlimitRatio: 0.9 }];
  const [run] = planRuns(scenario, { runtime: 'kind', reps: 1 }).runs;
  const yaml = toYaml(workloadManifests(run!, options));
  assert.match(yaml, /name: GOMEMLIMIT\n\s+value: "377487360"/);
});

test('the namespace enforces the restricted Pod Security Standard and the manifests are valid YAML', async () => {
  const [run] = planRuns(await loadScenario('seed'), { runtime: 'kind', reps: 1 }).runs;
  const documents = parseAllDocuments(toYaml([namespaceManifest(options), ...workloadManifests(run!, options)]));
  assert.deepEqual(documents.map((document) => (document.toJS() as { kind: string }).kind), ['Namespace', 'Deployment', 'Service']);
  const namespace = documents[0]!.toJS() as { metadata: { labels: Record<string, string> } };
  assert.equal(namespace.metadata.labels['pod-security.kubernetes.io/enforce'], 'restricted');
  const service = documents[2]!.toJS() as { spec: { type: string; ports: { nodePort: number }[] } };
  assert.equal(service.spec.type, 'NodePort');
  assert.equal(service.spec.ports[0]!.nodePort, 30550);
});

test('env values that YAML 1.1 reads as booleans stay strings in the manifests (GOGC=off)', async () => {
  const scenario = await loadScenario('fixes');
  const run = planRuns(scenario, { runtime: 'kind', reps: 1, variants: ['gogc-off-limit'] }).runs[0]!;
  const text = toYaml(workloadManifests(run, { namespace: 'ns', runId: 'r', image: 'img:1', nodePort: 30550 }));
  assert.match(text, /name: GOGC\n\s+value: "off"/);
});

test('swept and frontier-probe runs get DNS-1035 workload names, unique and at most 63 characters', async () => {
  const scenario = await loadScenario('go-versions');
  const runs = planRuns(scenario, { runtime: 'kind', reps: 1 }).runs;
  const probe = { ...runs[0]!, id: 'limit-90.limit-300mi.go-1.19.13.encoder-jsonv2-stream.body-65.5-1000' };
  const names = [...runs, probe].map(workloadName);
  for (const name of names) assert.match(name, /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/, name);
  assert.equal(new Set(names).size, names.length);
  assert.equal(workloadName(runs.find((run) => run.id === 'baseline.go-1.19.13-1')!), 'go-sample-baseline-go-1-19-13-1');
});
