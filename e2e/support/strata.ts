// What the tests need from the world global-setup made: the browser-mode URL, the store, the CLI.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { CLI, ROOT } from './paths.ts';

const execFileP = promisify(execFile);

/** e2eEnv reads what global-setup exported; a missing value means global-setup did not run. */
export function e2eEnv(): { url: string; home: string } {
  const url = process.env.STRATA_E2E_URL;
  const home = process.env.STRATA_E2E_HOME;
  if (!url || !home) throw new Error('STRATA_E2E_URL/STRATA_E2E_HOME unset: run through e2e/playwright.config.ts (its global setup starts strata ui)');
  return { url, home };
}

/** strata runs the CLI against the e2e store and returns its stdout (rejects with stderr on failure). */
export async function strata(...args: string[]): Promise<string> {
  try {
    const { stdout } = await execFileP(process.execPath, [CLI, ...args], { cwd: ROOT, env: { ...process.env, STRATA_HOME: e2eEnv().home } });
    return stdout;
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`strata ${args.join(' ')} failed: ${err.stderr || err.message}`);
  }
}

/** CliImageRow is one row of `strata images --json`. */
export interface CliImageRow {
  reference: string | null;
  familiarReference: string | null;
  digest: string;
  size: number;
  sharedSize: number;
  uniqueSize: number;
  created: string | null;
  layers: number;
}

/** cliImages lists the store the way a user of the CLI sees it. */
export async function cliImages(): Promise<CliImageRow[]> {
  return JSON.parse(await strata('images', '--json')) as CliImageRow[];
}

/** cliLayerDigests is the manifest's layer list of an image, base first, from `strata inspect`. */
export async function cliLayerDigests(ref: string): Promise<string[]> {
  const [img] = JSON.parse(await strata('inspect', ref)) as { Manifest: { layers: { digest: string }[] } }[];
  if (!img) throw new Error(`strata inspect ${ref} printed nothing`);
  return img.Manifest.layers.map((l) => l.digest);
}
