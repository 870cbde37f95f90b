import type { Explanation, PolicyTrace } from '../policy/index.js';

/** Formats an explanation as indented lines for a terminal. */
export function formatExplanation(explanation: Explanation, indent = '  '): string {
  const { decision } = explanation;
  const lines = [`${indent}decision: ${decision.allowed ? 'allow' : 'deny'} (${decision.reason})`];
  if (explanation.roles.length > 0) lines.push(`${indent}roles: ${explanation.roles.join(', ')}`);
  if (explanation.candidates.length === 0) lines.push(`${indent}no policy matches the resource`);
  for (const trace of explanation.candidates) lines.push(...formatTrace(trace, indent));
  return lines.join('\n');
}

function formatTrace(trace: PolicyTrace, indent: string): string[] {
  const priority = trace.priority > 0 ? ', override priority' : '';
  const lines = [`${indent}policy ${trace.policyId} "${trace.policyName}"${priority}: ${trace.outcome}${trace.rule === undefined ? '' : ` by ${trace.rule}`}`];
  const inner = `${indent}    `;
  if (!trace.resource.allowApplies) lines.push(`${inner}its paths match some keys under the prefix but not all, so it can deny but not allow`);
  if (trace.validity !== undefined) lines.push(`${inner}validity schedule: ${trace.validity}`);
  if (trace.conditions !== undefined) lines.push(`${inner}policy conditions: ${trace.conditions}`);
  for (const item of trace.items) {
    const failing = item.failingCondition === undefined ? '' : `; first failing condition ${item.failingCondition.type} ${JSON.stringify(item.failingCondition.values)} is ${item.failingCondition.result}`;
    lines.push(`${inner}${item.list}[${item.index}] matches the principal; conditions ${item.conditions}${failing}; ${item.counted ? 'counted' : 'not counted'}`);
  }
  if (trace.note !== undefined) lines.push(`${inner}${trace.note}`);
  if (trace.wildcardAcrossSeparator !== undefined) {
    lines.push(`${inner}"${trace.wildcardAcrossSeparator}" matched across "/": Ranger's "*" and "?" also match the separator`);
  }
  return lines;
}
