// The benchmark's build contexts, generated from a fixed seed (no internet): the same bytes on every run.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { xorshift32 } from '../util/xorshift.ts';

/** BASE is the busybox-static base image every context starts from, under the same name in every tool. */
export const BASE = 'localhost/bench/busybox:latest';

export type ContextName = 'seed' | 'multi' | 'many';
export const CONTEXTS: ContextName[] = ['seed', 'multi', 'many'];

export interface BenchContext {
  name: ContextName;
  dir: string;
  /** touchFile is the source file a "touched" rebuild changes (relative to dir). */
  touchFile: string;
  files: number;
  bytes: number;
}

const WORDS = ['def', 'return', 'self', 'value', 'import', 'from', 'class', 'for', 'in', 'if', 'else', 'items', 'config', 'request', 'result', 'None', 'True', 'len', 'data', 'key', 'path', 'name', 'index', 'cache'];

/** sourceText makes ~size bytes of code-like text (compresses like real source, about 4:1). */
function sourceText(next: () => number, size: number): string {
  const lines: string[] = [];
  let n = 0;
  while (n < size) {
    const indent = '    '.repeat(next() % 3);
    const words: string[] = [];
    for (let w = 2 + (next() % 7); w > 0; w--) words.push((WORDS[next() % WORDS.length] as string) + (next() % 4 === 0 ? `_${next() % 1000}` : ''));
    const line = `${indent}${words.join(' ')}\n`;
    lines.push(line);
    n += line.length;
  }
  return lines.join('').slice(0, size);
}

function write(root: string, rel: string, body: string | Buffer): number {
  const abs = join(root, rel);
  mkdirSync(dirname(abs), { recursive: true });
  writeFileSync(abs, body);
  return typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
}

// seed: a typical app image. The RUN stands in for a package install (~20 MB in 100 packages, half
// incompressible, half text); busybox-static has no adduser, so the user is appended to /etc/passwd.
const SEED_DOCKERFILE = `FROM ${BASE}
WORKDIR /app
COPY requirements.txt ./
RUN mkdir -p /opt/deps && cd /opt/deps && for i in $(seq 1 100); do mkdir pkg$i && head -c 100000 /dev/urandom > pkg$i/lib.so && seq $((i*10000)) $((i*10000+14000)) > pkg$i/index.txt; done && echo 'app:x:1000:1000:app:/home/app:/bin/sh' >> /etc/passwd && echo 'app:x:1000:' >> /etc/group && mkdir -p /home/app && chown 1000:1000 /home/app
COPY src/ ./src/
ENV APP_ENV=production PORT=8080
EXPOSE 8080
USER app
CMD ["sh", "-c", "ls /app/src | wc -l"]
`;

// multi: a build stage that writes ~50 MB of objects and a small artifact; the final stage keeps only the artifact.
const MULTI_DOCKERFILE = `FROM ${BASE} AS build
WORKDIR /src
COPY src/ ./src/
RUN mkdir -p /work /out && for i in $(seq 1 25); do head -c 1000000 /dev/urandom > /work/obj$i.o && seq $((i*100000)) $((i*100000+140000)) > /work/obj$i.map; done && cat src/*/* | md5sum > /out/checksum && head -c 200000 /work/obj1.o > /out/app.bin
FROM ${BASE}
COPY --from=build /out/ /usr/local/lib/app/
CMD ["cat", "/usr/local/lib/app/checksum"]
`;

// many: 10,000 files of ~1 KB in one COPY.
const MANY_DOCKERFILE = `FROM ${BASE}
COPY files/ /data/
CMD ["ls", "/data"]
`;

/** makeContext writes one context into dir (replacing what was there) and returns its description. */
export function makeContext(name: ContextName, dir: string): BenchContext {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const next = xorshift32(name === 'seed' ? 0x5eed : name === 'multi' ? 0x3017 : 0x3a1);
  let files = 0;
  let bytes = 0;
  const add = (rel: string, body: string) => {
    files++;
    bytes += write(dir, rel, body);
  };
  let touchFile: string;
  if (name === 'seed') {
    add('Dockerfile', SEED_DOCKERFILE);
    add('requirements.txt', Array.from({ length: 40 }, (_, i) => `package-${i}==${1 + (i % 5)}.${i % 10}.${(i * 7) % 13}`).join('\n') + '\n');
    // 400 files in 20 packages, ~3.5 MB.
    for (let p = 0; p < 20; p++) for (let f = 0; f < 20; f++) add(`src/pkg${String(p).padStart(2, '0')}/mod${String(f).padStart(3, '0')}.py`, sourceText(next, 6000 + (next() % 5500)));
    touchFile = 'src/pkg07/mod013.py';
  } else if (name === 'multi') {
    add('Dockerfile', MULTI_DOCKERFILE);
    for (let p = 0; p < 5; p++) for (let f = 0; f < 20; f++) add(`src/lib${p}/unit${String(f).padStart(2, '0')}.c`, sourceText(next, 4000 + (next() % 4000)));
    touchFile = 'src/lib2/unit07.c';
  } else {
    add('Dockerfile', MANY_DOCKERFILE);
    for (let d = 0; d < 100; d++) for (let f = 0; f < 100; f++) add(`files/d${String(d).padStart(2, '0')}/f${String(f).padStart(3, '0')}.txt`, sourceText(next, 900 + (next() % 250)));
    touchFile = 'files/d42/f042.txt';
  }
  return { name, dir, touchFile, files, bytes };
}

const originals = new Map<string, string>();
let touches = 0;

/** touch changes the context's touch file to content no earlier run saw (so no tool's cache has it). */
export function touch(ctx: BenchContext): void {
  const abs = join(ctx.dir, ctx.touchFile);
  if (!originals.has(abs)) originals.set(abs, readFileSync(abs, 'utf8'));
  writeFileSync(abs, `${originals.get(abs)}\n# touched ${++touches}\n`);
}
