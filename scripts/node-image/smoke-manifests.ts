// The seed's workload exactly as the lab deploys it on kind, for smoke-cluster.sh: limits, requests, ports and
// GOMEMLIMIT come from scenarios/seed.yaml and lab/runtimes/kube/manifests.ts, not from copies in the script.
//   tsx smoke-manifests.ts port                                      "<nodePort> <hostPort>" of the first loopback mapping
//   tsx smoke-manifests.ts name <variant>                             the Deployment's (and Service's) name
//   tsx smoke-manifests.ts yaml <variant> <namespace> <image> <nodePort>  Namespace, Deployment and Service
import path from 'node:path';
import { planRuns } from '../../lab/model/plan.js';
import { REPO_ROOT } from '../../lab/paths.js';
import { namespaceManifest, toYaml, workloadManifests, workloadName } from '../../lab/runtimes/kube/manifests.js';
import { loopbackNodePorts } from '../../lab/runtimes/kind/config.js';
import { loadScenario } from '../../lab/model/scenario.js';

const [what, variant, namespace, image, nodePort] = process.argv.slice(2);
if (what === 'port') {
  const [first] = await loopbackNodePorts();
  console.log(`${first!.nodePort} ${first!.hostPort}`);
  process.exit(0);
}
const plan = planRuns(await loadScenario(path.join(REPO_ROOT, 'scenarios', 'seed.yaml')), { runtime: 'kind', reps: 1, variants: variant ? [variant] : [] });
const run = plan.runs[0]!;
if (what === 'name') {
  console.log(workloadName(run));
} else if (what === 'yaml' && namespace && image && nodePort) {
  const options = { namespace, runId: 'smoke', image, nodePort: Number(nodePort), pullPolicy: 'Never' as const };
  process.stdout.write(toYaml([namespaceManifest(options), ...workloadManifests(run, options)]));
} else {
  console.error('usage: smoke-manifests.ts name <variant> | yaml <variant> <namespace> <image> <nodePort>');
  process.exit(2);
}
