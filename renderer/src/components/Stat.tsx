import type { ReactNode } from 'react';

/** StatProps: a label, the figure (with its test id and any data attributes tests read), a hint below. */
export interface StatProps {
  label: string;
  value: ReactNode;
  hint?: ReactNode;
  testId: string;
  tone?: 'good';
  data?: Record<`data-${string}`, string | number>;
}

/** Stat is one figure of a stats row (store usage, compare savings, diff summary, waste). */
export function Stat({ label, value, hint, testId, tone, data }: StatProps) {
  return (
    <div className={`stat${tone ? ` stat--${tone}` : ''}`}>
      <div className="stat__label">{label}</div>
      <div className="stat__value" data-testid={testId} {...data}>
        {value}
      </div>
      {hint && <div className="stat__hint">{hint}</div>}
    </div>
  );
}
