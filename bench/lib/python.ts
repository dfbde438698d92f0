import { spawnSync } from 'node:child_process';

/**
 * The system interpreter, where Debian's python3-* packages (numpy, scikit-learn) install:
 * reference scripts run with it rather than whatever `python3` is first on the PATH.
 */
export const systemPython = '/usr/bin/python3';

/**
 * Whether the system interpreter can import `modules`. When it cannot, `reason` says what
 * is missing and `install` how to get it, for the benchmark to print instead of failing.
 */
export function checkPython(
  modules: string[],
  install: string,
): { ok: true; version: string } | { ok: false; reason: string } {
  const probe = spawnSync(
    systemPython,
    ['-c', `import ${modules.join(', ')}; import sys; print(sys.version.split()[0])`],
    {
      encoding: 'utf8',
    },
  );
  if (probe.error) return { ok: false, reason: `${systemPython} not found; install it with: ${install}` };
  if (probe.status !== 0) {
    const missing = /No module named '([^']+)'/.exec(probe.stderr)?.[1] ?? modules.join(', ');
    return { ok: false, reason: `${systemPython} cannot import ${missing}; install it with: ${install}` };
  }
  return { ok: true, version: probe.stdout.trim() };
}

/**
 * Runs a Python reference script with the system interpreter and parses the JSON object
 * on the last line of its stdout. `env` is added to this process's environment.
 *
 * @throws Error with the script's stderr when it exits non-zero or prints no JSON.
 */
export function runPythonJson<T>(script: string, args: string[], env: Record<string, string> = {}): T {
  const child = spawnSync(systemPython, [script, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (child.error) throw child.error;
  if (child.status !== 0) {
    throw new Error(`${script} exited with ${child.status}:\n${child.stderr.trim()}`);
  }
  const last = child.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(last) as T;
  } catch {
    throw new Error(`${script} printed no JSON on its last line:\n${child.stdout}\n${child.stderr}`);
  }
}
