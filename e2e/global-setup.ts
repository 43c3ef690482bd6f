// Global setup of the e2e suite: a fresh STRATA_HOME, two images loaded WITH THE CLI from a docker-archive,
// a real registry (CNCF docker-registry with htpasswd) on 127.0.0.1, a DOCKER_CONFIG of its own (logins never
// touch the user's), then `strata ui --port 0` started and its URL handed to the tests. Returns the teardown.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRegistry, type TestRegistry } from '../main/testing/registry/registry.ts';
import { CLI, RENDERER_INDEX, ROOT } from './support/paths.ts';
import { REGISTRY_PASSWORD, REGISTRY_USER } from './support/registry.ts';

const URL_LINE = /Strata UI \(browser mode\) at (\S+)/;

function runOrThrow(what: string, args: string[], env: NodeJS.ProcessEnv): string {
  const r = spawnSync(process.execPath, args, { cwd: ROOT, env, encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`e2e setup: ${what} failed (exit ${r.status ?? r.signal}):\n${r.stderr || r.stdout || r.error?.message}`);
  return r.stdout;
}

/** startUi runs `strata ui --port 0` and resolves with its URL once printed. */
function startUi(env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'ui', '--port', '0'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`e2e setup: strata ui printed no URL within 60 s\nstdout: ${out}\nstderr: ${err}`));
    }, 60_000);
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = URL_LINE.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve({ child, url: m[1] });
      }
    });
    child.stderr?.setEncoding('utf8').on('data', (d: string) => {
      err += d;
      // After start-up, the server's own complaints still reach the test log.
      if (URL_LINE.test(out)) process.stderr.write(`[strata ui] ${d}`);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`e2e setup: strata ui exited (${code ?? signal}) before printing its URL\nstdout: ${out}\nstderr: ${err}`));
    });
  });
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** globalSetup prepares the store and the server; it returns the teardown. */
export default async function globalSetup(): Promise<() => Promise<void>> {
  if (!existsSync(RENDERER_INDEX)) throw new Error(`e2e setup: ${RENDERER_INDEX} is missing: run \`node main/tools/build.mjs --renderer-only\` first`);
  const home = await mkdtemp(join(tmpdir(), 'strata-e2e-home-'));
  const work = await mkdtemp(join(tmpdir(), 'strata-e2e-work-'));
  const dockerConfig = await mkdtemp(join(tmpdir(), 'strata-e2e-docker-config-'));
  const env = { ...process.env, STRATA_HOME: home, DOCKER_CONFIG: dockerConfig };
  let child: ChildProcess | null = null;
  let registry: TestRegistry | null = null;
  const teardown = async () => {
    if (child) await stop(child);
    await registry?.stop();
    await rm(home, { recursive: true, force: true });
    await rm(work, { recursive: true, force: true });
    await rm(dockerConfig, { recursive: true, force: true });
  };
  try {
    const archive = join(work, 'strata-e2e-images.tar');
    runOrThrow('make-archive', ['--import', 'tsx', join(ROOT, 'e2e', 'fixtures', 'make-archive.ts'), archive], env);
    const loaded = runOrThrow('strata load', [CLI, 'load', '-i', archive], env);
    if (!/strata-e2e\/app:1/.test(loaded) || !/strata-e2e\/base:1/.test(loaded)) throw new Error(`e2e setup: strata load did not report both images:\n${loaded}`);
    registry = await startRegistry(await mkdtemp(join(tmpdir(), 'strata-e2e-registry-')), { kind: 'htpasswd', users: { [REGISTRY_USER]: REGISTRY_PASSWORD } });
    const ui = await startUi(env);
    child = ui.child;
    // Workers inherit the runner's environment: this is how the tests find the server and the store.
    process.env.STRATA_E2E_URL = ui.url;
    process.env.STRATA_E2E_HOME = home;
    process.env.STRATA_E2E_REGISTRY = registry.host;
    // The CLI the tests run (and the Electron variant) read logins from the same place as the server.
    process.env.DOCKER_CONFIG = dockerConfig;
  } catch (e) {
    await teardown();
    throw e;
  }
  return teardown;
}
