import type { ContainerConfig, ImageConfig } from '../oci/config.ts';
import type { CommandLine, StageInstruction } from '../dockerfile/instructions/types.ts';
import { posix } from 'node:path';

export const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
export const DEFAULT_SHELL = ['/bin/sh', '-c'];

/** commandArgv turns a shell-form or exec-form command into argv, with the image's SHELL for shell form. */
export function commandArgv(cmd: CommandLine, shell: string[]): string[] {
  return cmd.form === 'exec' ? cmd.argv : [...shell, cmd.command];
}

/** setEnv sets KEY=VALUE in a docker Env list, replacing an earlier value of the same key. */
export function setEnv(env: string[], key: string, value: string): string[] {
  const out = env.filter((e) => e.split('=', 1)[0] !== key);
  out.push(`${key}=${value}`);
  return out;
}

/** resolveWorkdir resolves WORKDIR against the current one, as docker does (relative paths stack). */
export function resolveWorkdir(current: string | undefined, path: string): string {
  return posix.normalize(path.startsWith('/') ? path : posix.join(current || '/', path));
}

/** createdBy is the history line docker writes for an instruction. */
export function createdBy(inst: StageInstruction, shell: string[]): string {
  switch (inst.kind) {
    case 'RUN':
      return `RUN ${commandArgv(inst.cmd, shell).join(' ')}`;
    case 'CMD':
    case 'ENTRYPOINT':
      return `${inst.kind} ${JSON.stringify(commandArgv(inst.cmd, shell))}`;
    default:
      return inst.original.replace(/\s+/g, ' ');
  }
}

/** applyMetadata applies a configuration-only instruction (ENV, LABEL, USER, …) to the image config.
 * Returns false for instructions that are not configuration-only. */
export function applyMetadata(config: ImageConfig, inst: StageInstruction, shell: string[], stage: { cmdSet: boolean }): boolean {
  const c: ContainerConfig = (config.config ??= {});
  switch (inst.kind) {
    case 'ENV':
      for (const kv of inst.env) c.Env = setEnv(c.Env ?? [], kv.key, kv.value);
      return true;
    case 'LABEL':
      c.Labels = { ...(c.Labels ?? {}) };
      for (const kv of inst.labels) c.Labels[kv.key] = kv.value;
      return true;
    case 'MAINTAINER':
      config.author = inst.maintainer;
      return true;
    case 'USER':
      c.User = inst.user;
      return true;
    case 'EXPOSE':
      c.ExposedPorts = { ...(c.ExposedPorts ?? {}) };
      for (const p of inst.ports) c.ExposedPorts[p.includes('/') ? p : `${p}/tcp`] = {};
      return true;
    case 'CMD':
      c.Cmd = commandArgv(inst.cmd, shell);
      stage.cmdSet = true;
      return true;
    case 'ENTRYPOINT':
      c.Entrypoint = commandArgv(inst.cmd, shell);
      // Docker: an ENTRYPOINT resets a CMD inherited from the base image (not one set in this stage).
      if (!stage.cmdSet) c.Cmd = null;
      return true;
    case 'VOLUME':
      c.Volumes = { ...(c.Volumes ?? {}) };
      for (const v of inst.volumes) c.Volumes[v] = {};
      return true;
    case 'SHELL':
      c.Shell = inst.shell;
      return true;
    case 'STOPSIGNAL':
      c.StopSignal = inst.signal;
      return true;
    case 'HEALTHCHECK': {
      const h = inst.health;
      if (h.test[0] === 'NONE') c.Healthcheck = { Test: ['NONE'] };
      else {
        c.Healthcheck = { Test: h.test };
        if (h.interval) c.Healthcheck.Interval = h.interval;
        if (h.timeout) c.Healthcheck.Timeout = h.timeout;
        if (h.startPeriod) c.Healthcheck.StartPeriod = h.startPeriod;
        if (h.startInterval) c.Healthcheck.StartInterval = h.startInterval;
        if (h.retries) c.Healthcheck.Retries = h.retries;
      }
      return true;
    }
    case 'ONBUILD':
      c.OnBuild = [...(c.OnBuild ?? []), inst.expression];
      return true;
    default:
      return false;
  }
}
