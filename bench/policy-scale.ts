/**
 * Measures policy evaluation as the policy set grows: 10, 1,000, 10,000 and 100,000
 * generated policies, each with its own team folder in one of 10 buckets, plus a few
 * wildcard and deny policies. Reports the time per decision as a ratio to the 10-policy set
 * (measured in the same process), and each set's load time and heap growth.
 *
 * Run: node --expose-gc --import tsx bench/policy-scale.ts [sizes...]
 */
import { compilePolicyFiles, type AccessRequest, type PolicySet } from '../src/policy/index.js';

const sizes = process.argv.slice(2).map(Number).filter((size) => size > 0);
const SIZES = sizes.length > 0 ? sizes : [10, 1_000, 10_000, 100_000];
const REQUESTS = 200_000;

function generatePolicies(count: number): object[] {
  const policies: object[] = [];
  for (let i = 0; i < count; i++) {
    const kind = i % 50;
    const bucket = `bucket-${i % 10}`;
    if (kind === 0) {
      policies.push({
        id: i,
        name: `deny contractors ${i}`,
        resources: { bucket: { values: [bucket] }, path: { values: [`team-${i}/secret/`], isRecursive: true } },
        denyPolicyItems: [{ groups: ['contractors'], accesses: [{ type: 'read' }] }],
      });
    } else if (kind === 1) {
      policies.push({
        id: i,
        name: `logs ${i}`,
        resources: { bucket: { values: [`logs-${i % 7}-*`] }, path: { values: [`app-${i}/*.gz`] } },
        policyItems: [{ groups: ['ops'], accesses: [{ type: 'read' }, { type: 'list' }] }],
      });
    } else {
      policies.push({
        id: i,
        name: `team ${i}`,
        resources: { bucket: { values: [bucket] }, path: { values: [`team-${i}/`], isRecursive: true } },
        policyItems: [
          { groups: [`team-${i}`], accesses: [{ type: 'read' }, { type: 'write' }, { type: 'list' }] },
          { users: [`lead-${i}`], accesses: [{ type: 'delete' }] },
        ],
      });
    }
  }
  return policies;
}

function generateRequests(count: number, policyCount: number): AccessRequest[] {
  const requests: AccessRequest[] = [];
  let seed = 42;
  const random = (limit: number): number => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed % limit;
  };
  for (let i = 0; i < count; i++) {
    const team = random(policyCount);
    const list = random(10) === 0;
    requests.push({
      principal: { user: `user-${random(1000)}`, groups: [`team-${team}`, 'staff'] },
      accessType: list ? 'list' : 'read',
      resource: list
        ? { kind: 'prefix', bucket: `bucket-${team % 10}`, prefix: `team-${team}/reports/` }
        : { kind: 'object', bucket: `bucket-${team % 10}`, key: `team-${team}/reports/2026/q${random(4) + 1}.csv` },
      context: { clientIp: '10.0.0.1', time: new Date('2026-01-02T10:00:00Z') },
    });
  }
  return requests;
}

function timePerDecision(set: PolicySet, requests: AccessRequest[]): { nanoseconds: number; allowed: number } {
  let allowed = 0;
  for (let i = 0; i < 20_000; i++) if (set.evaluate(requests[i % requests.length]!).allowed) allowed++;
  allowed = 0;
  const start = process.hrtime.bigint();
  for (const request of requests) if (set.evaluate(request).allowed) allowed++;
  return { nanoseconds: Number(process.hrtime.bigint() - start) / requests.length, allowed };
}

const gc = (globalThis as { gc?: () => void }).gc;
const rows: { size: number; loadMs: number; heapMb: number; perDecisionNs: number; allowedShare: number }[] = [];
const sets: PolicySet[] = [];

for (const size of SIZES) {
  gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const text = JSON.stringify({ policies: generatePolicies(size) });
  const loadStart = process.hrtime.bigint();
  const set = await compilePolicyFiles([{ name: `generated-${size}.json`, text }]);
  const loadMs = Number(process.hrtime.bigint() - loadStart) / 1e6;
  gc?.();
  const heapMb = (process.memoryUsage().heapUsed - heapBefore) / 1_048_576;
  sets.push(set);

  const requests = generateRequests(REQUESTS, size);
  const { nanoseconds, allowed } = timePerDecision(set, requests);
  rows.push({ size, loadMs, heapMb, perDecisionNs: nanoseconds, allowedShare: allowed / requests.length });
}

const baseline = rows[0]!.perDecisionNs;
console.log('policies | load ms | heap MB | ns per decision | ratio to first | allowed');
for (const row of rows) {
  console.log(
    `${String(row.size).padStart(8)} | ${row.loadMs.toFixed(0).padStart(7)} | ${row.heapMb.toFixed(1).padStart(7)} | ${row.perDecisionNs.toFixed(0).padStart(15)} | ${(row.perDecisionNs / baseline).toFixed(2).padStart(14)} | ${(row.allowedShare * 100).toFixed(0)}%`,
  );
}
if (!gc) console.log('(run with --expose-gc for steadier heap figures)');
