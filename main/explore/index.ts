// The layer explorer, waste analysis and image diff: one facade the engine (and any door) calls.
import type { Store } from '../store/store.ts';
import { diffImages, type ImageDiff } from './diff.ts';
import { Kind, hasLayerIndex } from './file-index.ts';
import { fileTree, listFiles, readTextFile, type ExploreQuery, type FileContent, type ListResult, type TreeResult } from './explorer.ts';
import { openImageModel, type SourceLine } from './image-model.ts';
import { analyzeWaste, type WasteOptions, type WasteReport } from './waste.ts';

export type { ChangeKind, ExploreQuery, FileContent, FileView, ListResult, TreeResult, TreeView } from './explorer.ts';
export type { ConfigDiff, DiffAspect, FileDiff, ImageDiff } from './diff.ts';
export type { LayerWaste, LineWaste, WasteItem, WasteKind, WasteReport } from './waste.ts';
export type { Advice, AdviceKind } from './advice.ts';
export type { SourceLine } from './image-model.ts';
export { ExploreError, type ExploreErrorCode } from './errors.ts';
export { parseRatio, parseSize } from './sizes.ts';
export { compileGlob } from './glob.ts';
export { pruneLayerIndexes } from './file-index.ts';

/** ExplorerLayer is one layer as the explorer lists it. */
export interface ExplorerLayer {
  index: number;
  digest: string;
  size: number;
  files: number;
  fileBytes: number;
  instruction: string | null;
  createdBy: string | null;
  source: SourceLine | null;
  base: boolean;
}

/** ExplorerImage is an image opened in the explorer: its layers with file counts. */
export interface ExplorerImage {
  digest: string;
  references: string[];
  baseLayers: number;
  layers: ExplorerLayer[];
}

/** Explorer answers the explorer's questions about stored images; the first question about an image
 * indexes its layers (once, kept in the store under meta/index). */
export class Explorer {
  constructor(readonly store: Store) {}

  /** exploreImage opens an image: its layers, with their instructions and file counts. */
  async exploreImage(params: { ref: string }): Promise<ExplorerImage> {
    const m = await openImageModel(this.store, params.ref);
    return {
      digest: m.image.digest,
      references: m.image.references,
      baseLayers: m.baseLayers,
      layers: m.layers.map((l, i) => {
        const ix = m.indexes[i]!;
        let files = 0;
        for (let j = 0; j < ix.count; j++) if (ix.kinds[j] !== Kind.DIR && ix.kinds[j] !== Kind.WHITEOUT && ix.kinds[j] !== Kind.OPAQUE) files++;
        return { index: l.index, digest: l.digest, size: l.size, files, fileBytes: ix.fileBytes, instruction: l.instruction, createdBy: l.createdBy, source: l.source, base: l.base };
      }),
    };
  }

  /** exploreTree is a layer's tree ('layer' view: its own changes; 'image': the filesystem as of it). */
  async exploreTree(params: { ref: string } & ExploreQuery & { root?: string; depth?: number }): Promise<TreeResult> {
    return fileTree(await openImageModel(this.store, params.ref), params);
  }

  /** exploreFiles is the same view as a flat, sortable, paged list of files. */
  async exploreFiles(params: { ref: string } & ExploreQuery & { offset?: number; limit?: number }): Promise<ListResult> {
    return listFiles(await openImageModel(this.store, params.ref), params);
  }

  /** readImageFile returns the start (64 KiB) of a text file of the image as of a layer. */
  async readImageFile(params: { ref: string; path: string; layer?: number; maxBytes?: number }): Promise<FileContent> {
    return readTextFile(this.store, await openImageModel(this.store, params.ref), params);
  }

  /** analyzeImage is the waste report: efficiency, wasted bytes charged to Dockerfile lines, advice. */
  async analyzeImage(params: { ref: string } & WasteOptions): Promise<WasteReport> {
    return analyzeWaste(await openImageModel(this.store, params.ref), params);
  }

  /** diffImages compares two images: files by checksum, common layers, config. */
  async diffImages(params: { a: string; b: string }): Promise<ImageDiff> {
    return diffImages(this.store, params.a, params.b);
  }

  /** isIndexed says whether opening an image needs no indexing (every layer's index is in the store). */
  async isIndexed(params: { ref: string }): Promise<boolean> {
    const img = await this.store.resolve(params.ref);
    for (const l of img.manifest.layers) if (!(await hasLayerIndex(this.store, l.digest))) return false;
    return true;
  }
}
