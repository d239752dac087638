// --service-image and its companion flags, turned into the service block a scenario would carry.
import { UsageError } from '../errors.js';
import type { ServiceOverlay } from './scenario.js';

export interface ServiceFlags {
  serviceImage?: string;
  servicePort?: number;
  path?: string;
  method?: string;
  bodyFile?: string;
  readyPath?: string;
  readyLog?: string;
  readyTimeout?: number;
}

const SERVICE_FLAGS = ['servicePort', 'path', 'method', 'bodyFile', 'readyPath', 'readyLog', 'readyTimeout'] as const;
const flagName = (key: string) => `--${key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;

/** --service-image and its companions as a service block, validated with the scenario's schema. */
export function serviceOverlay(options: ServiceFlags): ServiceOverlay | undefined {
  if (!options.serviceImage) {
    const stray = SERVICE_FLAGS.find((key) => options[key] !== undefined);
    if (stray) throw new UsageError(`${flagName(stray)} is for a service: give --service-image REF too`);
    return undefined;
  }
  if (options.servicePort === undefined) throw new UsageError('--service-image needs --service-port N (the port the service listens on)');
  if (options.readyPath && options.readyLog) throw new UsageError('--ready-path and --ready-log: give one of them');
  const target = { method: (options.method ?? (options.bodyFile ? 'POST' : 'GET')).toUpperCase(), path: options.path ?? '/', ...(options.bodyFile ? { bodyFile: options.bodyFile } : {}) };
  const readiness = options.readyPath ? { path: options.readyPath } : options.readyLog ? { log: options.readyLog } : undefined;
  return {
    service: {
      image: options.serviceImage,
      port: options.servicePort,
      ...(readiness ? { readiness } : {}),
      ...(options.readyTimeout !== undefined ? { readyTimeoutSeconds: options.readyTimeout } : {}),
      requests: { targets: [target] },
    },
    baseDir: process.cwd(),
  };
}

