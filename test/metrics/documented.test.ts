import { readFile } from 'node:fs/promises';
import t from 'tap';
import { createMetrics } from '../../src/metrics/index.js';

// Operators read the metric names from the README and openapi.yaml; both must list every one.
const metrics = createMetrics({ processMetrics: false });
const names = (await metrics.registry.getMetricsAsJSON()).map((metric) => metric.name);
const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
const spec = await readFile(new URL('../../openapi.yaml', import.meta.url), 'utf8');

t.test('every metric is documented', async (t) => {
  t.equal(names.length, 10, "the metric count; update this test and the docs together");
  for (const name of names) {
    t.ok(readme.includes(name), `README names ${name}`);
    t.ok(spec.includes(name), `openapi.yaml names ${name}`);
  }
});
