import assert from 'node:assert/strict';
import { test } from 'node:test';
import { engineSetupRefusal, type Host } from './engine.js';

const debian = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nID=debian\n';
const ubuntu = 'NAME="Ubuntu"\nID=ubuntu\nID_LIKE=debian\n';
const fresh: Host = { env: {}, uid: 0, platform: 'linux', osRelease: debian };

test('the lab starts an engine itself only as root on Debian or Ubuntu, with no other engine named and no opt-out', () => {
  assert.equal(engineSetupRefusal(fresh), null);
  assert.equal(engineSetupRefusal({ ...fresh, osRelease: ubuntu }), null);
  assert.equal(engineSetupRefusal({ ...fresh, env: { DOCKER_HOST: 'unix:///var/run/docker.sock' } }), null, 'the default socket is this machine');
  assert.equal(engineSetupRefusal({ ...fresh, env: { LAB_NO_ENGINE_SETUP: '1' } }), 'LAB_NO_ENGINE_SETUP=1');
  assert.match(engineSetupRefusal({ ...fresh, env: { DOCKER_HOST: 'tcp://10.0.0.5:2376' } })!, /another engine/);
  assert.equal(engineSetupRefusal({ ...fresh, uid: 1000 }), 'not root');
  assert.equal(engineSetupRefusal({ ...fresh, platform: 'darwin' }), 'darwin is not Linux');
  assert.equal(engineSetupRefusal({ ...fresh, osRelease: 'ID=fedora\n' }), 'not Debian or Ubuntu');
  assert.equal(engineSetupRefusal({ ...fresh, osRelease: null }), 'not Debian or Ubuntu');
});
