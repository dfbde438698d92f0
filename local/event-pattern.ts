/**
 * EventBridge event-pattern matching, for the rules of the synthesized app: exact values,
 * prefix, suffix, anything-but, exists, equals-ignore-case, wildcard and numeric comparisons.
 */
export function matchesPattern(pattern: unknown, event: unknown): boolean {
  if (pattern === null || typeof pattern !== 'object' || Array.isArray(pattern)) return false;
  return Object.entries(pattern as Record<string, unknown>).every(([field, rule]) => {
    const value =
      event !== null && typeof event === 'object' ? (event as Record<string, unknown>)[field] : undefined;
    if (Array.isArray(rule)) return matchesAny(rule, value);
    return matchesPattern(rule, value);
  });
}

function matchesAny(rules: unknown[], value: unknown): boolean {
  const values = Array.isArray(value) ? value : [value];
  return rules.some((rule) => {
    if (rule !== null && typeof rule === 'object') {
      const r = rule as Record<string, unknown>;
      if ('exists' in r) return (value !== undefined) === r['exists'];
      return value !== undefined && values.some((v) => matchesOperator(r, v));
    }
    return values.some((v) => v === rule);
  });
}

function matchesOperator(rule: Record<string, unknown>, value: unknown): boolean {
  const text = typeof value === 'string' ? value : undefined;
  if ('prefix' in rule) {
    const p = rule['prefix'];
    if (typeof p === 'object' && p !== null && 'equals-ignore-case' in p) {
      return (
        text
          ?.toLowerCase()
          .startsWith(String((p as Record<string, unknown>)['equals-ignore-case']).toLowerCase()) ?? false
      );
    }
    return text?.startsWith(String(p)) ?? false;
  }
  if ('suffix' in rule) return text?.endsWith(String(rule['suffix'])) ?? false;
  if ('equals-ignore-case' in rule)
    return text?.toLowerCase() === String(rule['equals-ignore-case']).toLowerCase();
  if ('wildcard' in rule) {
    const regex = new RegExp(`^${String(rule['wildcard']).split('*').map(escapeRegex).join('.*')}$`);
    return text !== undefined && regex.test(text);
  }
  if ('anything-but' in rule) {
    const but = rule['anything-but'];
    if (Array.isArray(but)) return !but.includes(value);
    if (but !== null && typeof but === 'object')
      return !matchesOperator(but as Record<string, unknown>, value);
    return value !== but;
  }
  if ('numeric' in rule && typeof value === 'number') {
    const ops = rule['numeric'] as Array<string | number>;
    for (let i = 0; i + 1 < ops.length; i += 2) {
      const [op, bound] = [ops[i], Number(ops[i + 1])];
      const ok =
        (op === '<' && value < bound) ||
        (op === '<=' && value <= bound) ||
        (op === '=' && value === bound) ||
        (op === '>=' && value >= bound) ||
        (op === '>' && value > bound);
      if (!ok) return false;
    }
    return true;
  }
  return false;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
