// The throwaway PostgreSQL cluster of one test file (test/helpers/postgres.ts), for ava: kept
// apart so that the benchmark can start clusters without loading ava.

import test from 'ava';
import { type PgCluster, startPgCluster } from './postgres.ts';

/** The cluster of one test file: started before its tests, stopped and removed after them. */
export function clusterForFile(): () => PgCluster {
  let cluster: PgCluster | undefined;
  test.before(async () => {
    cluster = await startPgCluster();
  });
  test.after.always(async () => {
    await cluster?.destroy();
  });
  return () => {
    if (cluster === undefined) throw new Error('the cluster starts in test.before');
    return cluster;
  };
}
