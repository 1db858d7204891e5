/**
 * The objects a command judges: manifests from files (or `-`), or everything of the kinds rules
 * read in a live cluster (`--cluster`, paged). Shared by `audit` and `diff`.
 */
import { readManifests, type SourcedObject } from '../manifests/read.js';
import type { CommandIO } from './io.js';

export interface ObjectSourceOptions {
  readonly cluster: boolean;
  readonly kubeconfig?: string;
  readonly namespace?: string;
  readonly files: readonly string[];
  /** Items per list page (like kubectl's --chunk-size). */
  readonly chunkSize: number;
}

/** Reads the objects; the options were checked when the flags were read (`objectSource` in main). */
export async function readObjects(options: ObjectSourceOptions, io: CommandIO): Promise<SourcedObject[]> {
  if (!options.cluster) return readManifests(options.files, io.readStdin);
  // The Kubernetes client is a chunk of its own in the bundle (connectCluster in server/serve.ts
  // says what it costs); only a cluster run loads it.
  const [{ createApiClient, loadKubeConfig }, { listClusterObjects }] = await Promise.all([import('../cluster/api.js'), import('../audit/cluster.js')]);
  const client = createApiClient(loadKubeConfig(options.kubeconfig));
  io.stderr(`reading ${client.server}${options.namespace === undefined ? '' : ` namespace ${options.namespace}`}\n`);
  return listClusterObjects(client, {
    ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
    pageSize: options.chunkSize,
    progress: (kind, listed) => io.stderr(`  listed ${listed} ${kind} objects\n`),
  });
}
