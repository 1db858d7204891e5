/**
 * `/metrics` of the bundled executable: the process metrics are prom-client's own collectors,
 * imported module by module (src/server/process-metrics.ts), which only the bundle can get wrong
 * for a running server (a CommonJS default taken for a namespace, a module left out).
 */
import t from 'tap';
import { get } from './client.js';
import { startServe } from './serve-process.js';

t.test('the bundled server exposes the process metrics, but no GC histogram', async (t) => {
  const { child, exited, url, ca } = await startServe(t);
  const scraped = await get(url, '/metrics', ca);
  t.equal(scraped.status, 200);
  for (const family of ['perimeter_process_cpu_seconds_total', 'perimeter_process_resident_memory_bytes', 'perimeter_nodejs_heap_size_used_bytes', 'perimeter_nodejs_eventloop_lag_p99_seconds', 'perimeter_nodejs_version_info', 'perimeter_admission_requests_total']) {
    t.match(scraped.body, new RegExp(`^# TYPE ${family} `, 'm'), family);
  }
  t.notMatch(scraped.body, /gc_duration/, 'no GC duration histogram');
  child.kill('SIGTERM');
  t.equal(await exited, 0);
});
