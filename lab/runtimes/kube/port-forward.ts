import { setTimeout as sleep } from 'node:timers/promises';
import type { Kubectl } from '../../tools/kubectl.js';

export interface PortForward {
  localPort: number;
  stop(): Promise<void>;
}

/**
 * kubectl port-forward to a Service binds 127.0.0.1 and dies when the pod behind it restarts; this
 * restarts it until stopped, so a restarted pod is reachable on the same loopback port again.
 */
export function supervisedPortForward(kubectl: Kubectl, namespace: string, service: string, localPort: number, remotePort: number): PortForward {
  let stopped = false;
  let current: ReturnType<Kubectl['spawn']> | null = null;
  const loop = (async () => {
    while (!stopped) {
      current = kubectl.spawn(['port-forward', '--address', '127.0.0.1', '-n', namespace, `service/${service}`, `${localPort}:${remotePort}`]);
      await current;
      current = null;
      if (!stopped) await sleep(300);
    }
  })();
  return {
    localPort,
    async stop() {
      stopped = true;
      current?.kill();
      await loop;
    },
  };
}
