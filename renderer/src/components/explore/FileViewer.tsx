import type { ImageFileContent } from '../../../../preload/contract.ts';
import type { EngineError } from '../../ipc/engine-error.ts';
import { formatBytes } from '../../format/bytes.ts';

/** FileViewer shows the start of a text file of the image (the engine bounds it; binary files are refused). */
export function FileViewer({ path, file, error, onClose }: { path: string; file: ImageFileContent | null; error: EngineError | null; onClose(): void }) {
  return (
    <section className="xviewer" aria-label={`File ${path}`} data-testid="file-viewer">
      <header className="xviewer__head">
        <code className="xviewer__path">{path}</code>
        {file && <span className="muted">{formatBytes(file.size)}</span>}
        <button type="button" className="icon-button" onClick={onClose} aria-label="Close file" data-testid="file-viewer-close">
          ×
        </button>
      </header>
      {error ? (
        <div className="placeholder" role="alert" data-testid="file-viewer-error">
          {error.message}
        </div>
      ) : !file ? (
        <div className="placeholder" aria-busy="true">
          Reading…
        </div>
      ) : (
        <>
          <pre className="xviewer__text" data-testid="file-viewer-text">
            {file.text}
          </pre>
          {file.truncated && <p className="hint">Only the first {formatBytes(new TextEncoder().encode(file.text).byteLength)} are shown.</p>}
        </>
      )}
    </section>
  );
}
