#!/usr/bin/env node
// Completes package-lock.json with the platform-specific optional packages (darwin, win32,
// musl, ...) that a registry mirror serving only this machine's platform cannot resolve, so
// that `npm ci` accepts the lock file on any machine. Each added entry names only its version,
// platform and optionality, as npm writes them; npm skips it on other platforms. Run after
// `npm install` changes the lock file: `node scripts/complete-lockfile.mjs`.
import { readFileSync, writeFileSync } from 'node:fs';

const path = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(path, 'utf8'));
const packages = lock.packages;
const osNames = [
  'darwin',
  'win32',
  'linux',
  'android',
  'freebsd',
  'openbsd',
  'netbsd',
  'sunos',
  'aix',
  'openharmony',
];
const cpuNames = [
  'arm64',
  'x64',
  'ia32',
  'arm',
  'ppc64',
  'ppc64le',
  's390x',
  'riscv64',
  'loong64',
  'mips64el',
  'wasm32',
];

function platformOf(name) {
  const tokens = name.split('/').pop().split(/[-_]/);
  const os =
    tokens.find((t) => osNames.includes(t)) ??
    (tokens.includes('windows') ? 'win32' : tokens.includes('macos') ? 'darwin' : undefined);
  let cpu = tokens.find((t) => cpuNames.includes(t));
  if (!cpu && tokens.includes('arm')) cpu = 'arm';
  if (tokens.includes('gnueabihf') || tokens.includes('eabi')) cpu = cpu ?? 'arm';
  const libc = tokens.includes('musl')
    ? 'musl'
    : tokens.includes('gnu') && os === 'linux'
      ? 'glibc'
      : undefined;
  return { os, cpu, libc };
}

let added = 0;
for (const [location, entry] of Object.entries(packages)) {
  for (const [dep, range] of Object.entries(entry.optionalDependencies ?? {})) {
    const base = location === '' ? 'node_modules' : `${location}/node_modules`;
    // npm resolves a dependency in the nearest node_modules up the tree.
    const candidates = [`${base}/${dep}`, `node_modules/${dep}`];
    if (candidates.some((c) => packages[c])) continue;
    const { os, cpu, libc } = platformOf(dep);
    const version = String(range).replace(/^[\^~=]/, '');
    if (!/^\d+\.\d+\.\d+/.test(version)) continue;
    packages[`node_modules/${dep}`] = {
      version,
      ...(entry.dev ? { dev: true } : {}),
      optional: true,
      ...(cpu ? { cpu: [cpu] } : {}),
      ...(os ? { os: [os] } : {}),
      ...(libc ? { libc: [libc] } : {}),
    };
    added++;
  }
}
lock.packages = Object.fromEntries(
  Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))),
);
writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`package-lock.json: ${added} platform packages added`);
