// Benchmark, not a test: a 1 GB image with 100,000 files, first indexing vs. opening its tree afterwards.
// Run: node --import tsx main/explore/big-image.bench.ts [--files N] [--bytes N] [--layers N] [--gzip] [--keep DIR]
import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Store } from '../store/store.ts';
import { tempDir } from '../testing/temp.ts';
import { fileTree, listFiles } from './explorer.ts';
import { forgetLoadedIndexes } from './file-index.ts';
import { forgetImageModels, openImageModel } from './image-model.ts';
import { makeBigImage } from './testing/big-image.ts';
import { analyzeWaste } from './waste.ts';

const { values } = parseArgs({ options: { files: { type: 'string' }, bytes: { type: 'string' }, layers: { type: 'string' }, gzip: { type: 'boolean' }, child: { type: 'string' }, keep: { type: 'string' } } });

async function time<T>(label: string, f: () => Promise<T> | T): Promise<T> {
  const t0 = performance.now();
  const r = await f();
  console.log(`${label.padEnd(58)} ${(performance.now() - t0).toFixed(0).padStart(7)} ms`);
  return r;
}

if (values.child) {
  // In a fresh process: load the stored indexes and open the image's tree.
  const store = await Store.open(values.child);
  const t0 = performance.now();
  const model = await openImageModel(store, 'big:1');
  const t1 = performance.now();
  model.state(model.layers.length - 1);
  const t2 = performance.now();
  const tree = fileTree(model, { view: 'image', depth: 3 });
  const t3 = performance.now();
  console.log(JSON.stringify({ ms: t3 - t0, load: t1 - t0, replay: t2 - t1, view: t3 - t2, files: tree.totalFiles }));
  process.exit(0);
}

const files = Number(values.files ?? 100_000);
const bytes = Number(values.bytes ?? 1e9);
const layers = Number(values.layers ?? 5);
const tmp = values.keep ? { path: values.keep, cleanup: () => {} } : tempDir('strata-bench-');
const home = join(tmp.path, 'home');
try {
  const store = await Store.open(home);
  console.log(`image: ${files} files, ${(bytes / 1e9).toFixed(2)} GB over ${layers} layers, ${values.gzip ? 'gzip' : 'uncompressed'} layers`);
  const stats = await time('generate and store the image', () => makeBigImage(store, 'big:1', { files, bytes, layers, compression: values.gzip ? 'gzip' : 'none' }));
  forgetLoadedIndexes();
  forgetImageModels();
  await time('first open: index every layer (stream, sha256 each file)', () => openImageModel(store, 'big:1'));
  const dir = join(home, 'meta', 'index');
  const sizes = readdirSync(dir).map((f) => statSync(join(dir, f)).size);
  console.log(`index files: ${sizes.length}, ${(sizes.reduce((a, b) => a + b, 0) / 1e6).toFixed(1)} MB on disk`);
  for (let run = 1; run <= 3; run++) {
    forgetLoadedIndexes();
    forgetImageModels();
    const model = await time(`run ${run}: open again (indexes from the store)`, () => openImageModel(store, 'big:1'));
    const tree = await time(`run ${run}:   tree of the image as of the top layer, depth 3`, () => fileTree(model, { view: 'image', depth: 3 }));
    if (tree.totalFiles !== stats.finalFiles) throw new Error(`tree has ${tree.totalFiles} files, generator made ${stats.finalFiles}`);
  }
  forgetLoadedIndexes();
  forgetImageModels();
  const t0 = performance.now();
  const model = await openImageModel(store, 'big:1');
  fileTree(model, { view: 'image', depth: 3 });
  console.log(`${'open + tree (cold caches, same process)'.padEnd(58)} ${(performance.now() - t0).toFixed(0).padStart(7)} ms`);
  await time('tree again, same image (model kept)', () => fileTree(model, { view: 'image', depth: 3 }));
  await time('tree of layer 0 as of itself (another replay)', () => fileTree(model, { view: 'image', layer: 0, depth: 3 }));
  await time('top layer only: its changes as a tree', () => fileTree(model, { view: 'layer', depth: 10 }));
  await time('50 largest files of the image, *.dat under usr/share', () => listFiles(model, { view: 'image', pattern: 'usr/share/**/*.dat', sort: 'size', limit: 50 }));
  const w = await time('waste analysis', () => analyzeWaste(model));
  if (w.wastedBytes !== stats.wastedBytes) throw new Error(`waste ${w.wastedBytes} != planned ${stats.wastedBytes}`);
  const child = spawnSync(process.execPath, ['--import', 'tsx', new URL(import.meta.url).pathname, '--child', home], { encoding: 'utf8' });
  const res = JSON.parse(child.stdout.trim().split('\n').pop() ?? '{}') as { ms: number; files: number };
  console.log(`${'fresh process: open + tree (after the first indexing)'.padEnd(58)} ${res.ms.toFixed(0).padStart(7)} ms`);
} finally {
  if (!values.keep) rmSync(tmp.path, { recursive: true, force: true });
}
