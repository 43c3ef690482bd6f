// Push and pull against a local registry: Strata's CLI against skopeo (from an OCI layout of the same
// image, layers uncompressed as Strata stores them: both gzip them on the way) and docker push (BuildKit's image, compressed at push time). Each run gets a fresh, empty registry.
import { mkdirSync, rmSync } from 'node:fs';
import { push } from '../registry/index.ts';
import { twinRecordsDir } from '../store/layer-twins.ts';
import { Store } from '../store/store.ts';
import { exec } from './exec.ts';
import type { BuildKitBuilder, StrataBuilder } from './tools.ts';

export interface TransferTiming {
  firstPush: number;
  rePush: number;
  /** pull into an empty store (null: the tool has no empty store to pull into here). */
  pull: number | null;
  /** inApp is Strata's re-push inside a running process (no CLI start), in ms. */
  inAppRePush?: number;
  /** rePushStandalone is Strata's re-push by a CLI without an engine (the engine's code loaded by the command). */
  rePushStandalone?: number;
}

/** TransferTool pushes one image to a registry at host and pulls it back into an empty store. */
export interface TransferTool {
  name: string;
  run(host: string): Promise<TransferTiming>;
}

/** strataTransfer pushes Strata's image with the CLI (tag, push, re-push; through the engine, and a re-push
 * without) and pulls it into a fresh home. */
export function strataTransfer(strata: StrataBuilder, image: string, repo: string, pullHome: string): TransferTool {
  return {
    name: 'strata',
    async run(host) {
      const target = `${host}/${repo}:latest`;
      await strata.cli(['tag', image, target]);
      // A first push as after a build: the image's layers are uncompressed and no push has made their gzip
      // twins yet (forgetting the records makes them again, the same bytes), as skopeo gzips the layout's.
      rmSync(twinRecordsDir(strata.home), { recursive: true, force: true });
      const firstPush = (await strata.cli(['push', '-q', target])).ms;
      const rePush = (await strata.cli(['push', '-q', target])).ms;
      const rePushStandalone = (await strata.cli(['push', '-q', target], { env: { ...strata.env, STRATA_ENGINE: 'off' } })).ms;
      // The same re-push from a running app: the store opened once, no process start.
      const store = await Store.open(strata.home);
      const t0 = performance.now();
      await push(store, target);
      const inAppRePush = performance.now() - t0;
      rmSync(pullHome, { recursive: true, force: true });
      mkdirSync(pullHome, { recursive: true });
      // Into an empty store no engine serves: the CLI alone, as skopeo.
      const pull = (await strata.cli(['pull', '-q', target], { env: { ...strata.env, STRATA_HOME: pullHome, STRATA_ENGINE: 'off' } })).ms;
      return { firstPush, rePush, pull, inAppRePush, rePushStandalone };
    },
  };
}

/** skopeoTransfer copies an OCI layout (Strata's export of the same image) to the registry and back. */
export function skopeoTransfer(layout: string, repo: string, pullDir: string): TransferTool {
  const skopeo = (args: string[]) => exec('/usr/bin/skopeo', ['--insecure-policy', 'copy', '-q', ...args]);
  return {
    name: 'skopeo',
    async run(host) {
      const dest = `docker://${host}/${repo}:latest`;
      const firstPush = (await skopeo(['--dest-tls-verify=false', `oci:${layout}:latest`, dest])).ms;
      const rePush = (await skopeo(['--dest-tls-verify=false', `oci:${layout}:latest`, dest])).ms;
      rmSync(pullDir, { recursive: true, force: true });
      const pull = (await skopeo(['--src-tls-verify=false', dest, `oci:${pullDir}:latest`])).ms;
      return { firstPush, rePush, pull };
    },
  };
}

/** dockerTransfer pushes BuildKit's image from dockerd (which compresses its layers while pushing). */
export function dockerTransfer(bk: BuildKitBuilder, image: string, repo: string): TransferTool {
  return {
    name: 'docker push',
    async run(host) {
      const target = `${host}/${repo}:latest`;
      await bk.docker(['tag', image, target]);
      const firstPush = (await bk.docker(['push', '-q', target])).ms;
      const rePush = (await bk.docker(['push', '-q', target])).ms;
      await bk.docker(['image', 'rm', target]);
      return { firstPush, rePush, pull: null };
    },
  };
}
