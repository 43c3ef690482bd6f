import type { EngineError } from '../ipc/engine-error.ts';

/** ErrorBanner shows an engine error with its code, and a retry button when the action can be repeated. */
export function ErrorBanner({ title, error, onRetry }: { title: string; error: EngineError; onRetry?: () => void }) {
  return (
    <div className="error-banner" role="alert" data-testid="error-banner">
      <div className="error-banner__text">
        <strong>{title}</strong>
        <span className="error-banner__message" data-testid="error-message">
          {error.message}
        </span>
        <code className="error-banner__code" data-testid="error-code">
          {error.code}
        </code>
      </div>
      {onRetry && (
        <button type="button" className="button" onClick={onRetry}>
          Retry
        </button>
      )}
    </div>
  );
}
