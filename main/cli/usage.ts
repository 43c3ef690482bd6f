// The help texts: kept apart from the commands so `strata --help` loads none of them.
import { defaultStrataHome } from '../store/home.ts';

/** EXPLORE_USAGE are the help lines of these commands, for the main usage text. */
export const EXPLORE_USAGE = `  analyze [--json] [--top N] IMAGE
          [--ci] [--lowest-efficiency R] [--highest-wasted-bytes SIZE] [--highest-user-wasted-percent R]
                                Wasted bytes per layer and Dockerfile line, efficiency, advice; --ci exits 1
                                when a threshold is crossed (defaults as dive: efficiency 0.9, user waste 0.1;
                                "disabled" turns a rule off)
  analyze --layer N [--view layer|image] [--changes added,modified,deleted,unchanged]
          [--pattern GLOB] [--min-size SIZE] [--sort path|size] [--json] IMAGE
                                List the files a layer adds, modifies and deletes (or the image as of it)
  diff [--json] IMAGE_A IMAGE_B Files added, removed and changed (by checksum), common layers, config changes
`;

/** FSCK_USAGE is the help line for `strata --help`. */
export const FSCK_USAGE = `  fsck [--repair] [--json]      Check every blob, tag and leftover of the store; --repair fixes what is safe`;

/** USAGE is the text of `strata --help`. */
export const USAGE = `Usage: strata COMMAND

Commands:
  images [--json] [-q]          List images with their size, shared and unique bytes
  tag [--remote] SOURCE TARGET  Create a tag TARGET that refers to SOURCE (--remote: in the registry,
                                moving no layer)
  pull [--platform P] IMAGE     Pull an image from a registry
  push [--dry-run] [-t TAG]... [--chunk-size N] [--progress auto|plain|tty|json] IMAGE
                                Push an image (and extra tags) to its registry, with per-layer progress
  login [-u USER] [--password-stdin] REGISTRY
  logout REGISTRY
  rmi [-f] IMAGE...             Remove one or more images (a tag, or an image by digest)
  prune                         Remove untagged images and every blob no tag reaches
  inspect IMAGE...              Print manifest digest, manifest and config as JSON
  history [--no-trunc] IMAGE    Show the steps that made an image
  du [--json]                   Store totals: bytes on disk vs. the sum of image sizes
  save [-o FILE] [--format docker|oci] IMAGE...
                                Export images (docker-archive tar, or an OCI layout directory)
  load -i FILE|DIR              Import a docker-save tar, an OCI layout directory or tar
  build [-f FILE] [-t REF]... [--build-arg K=V]... [--target S] [--no-cache]
        [--no-cache-filter S]... [--secret id=ID,src=FILE]... [--network none]
        [--progress auto|plain|tty|json] [-q] CONTEXT
                                Build an image from a Dockerfile
  run [-e K=V]... [-u USER] [-w DIR] [--entrypoint CMD] [--network none] IMAGE [CMD...]
                                Run an image's command in the sandbox (exit code passed through)
${EXPLORE_USAGE}${FSCK_USAGE}
  ui [--port N]                 Serve the Strata UI in a browser (127.0.0.1 only); strata commands for the
                                store run in it meanwhile, as with "strata engine"
  engine [-q]                   Keep this store's engine running: build, push, pull, tag, images, inspect,
                                history, rmi, du, analyze and diff then run in it, started warm
                                (STRATA_ENGINE=off runs every command in its own process, =require fails
                                when no engine takes it)
  version                       Print the version

Environment: STRATA_HOME (store location, default ${defaultStrataHome()})
`;
