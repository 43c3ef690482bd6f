import type { CredentialView } from '../../../../preload/contract.ts';
import type { CredentialTest } from '../../store/registries-slice.ts';

export interface CredentialListProps {
  credentials: readonly CredentialView[];
  tests: Readonly<Record<string, CredentialTest>>;
  onTest(registry: string): void;
  onLogout(registry: string): void;
}

/** sourceKind sorts the engine's words for a credential's home into Strata, docker config or a helper. */
export function sourceKind(source: string): 'helper' | 'docker' | 'strata' | 'other' {
  const s = source.toLowerCase();
  if (s.includes('helper')) return 'helper';
  if (s.includes('docker config')) return 'docker';
  if (s.includes('strata')) return 'strata';
  return 'other';
}

/** CredentialList is every saved login: registry, user, where it is kept, and Test and Log out buttons. */
export function CredentialList({ credentials, tests, onTest, onLogout }: CredentialListProps) {
  return (
    <table className="table credentials" aria-label="Saved logins" data-testid="credentials">
      <colgroup>
        <col className="col-registry" />
        <col className="col-user" />
        <col />
        <col className="col-cred-actions" />
      </colgroup>
      <thead>
        <tr>
          <th scope="col">Registry</th>
          <th scope="col">User</th>
          <th scope="col">Kept in</th>
          <th scope="col">
            <span className="visually-hidden">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {credentials.map((c) => {
          const t = tests[c.registry];
          return (
            <tr key={c.registry} data-testid="credential" data-registry={c.registry}>
              <td className="credentials__registry" data-testid="credential-registry">
                {c.registry}
              </td>
              <td data-testid="credential-user">{c.username}</td>
              <td>
                <span className={`source source--${sourceKind(c.source)}`} data-testid="credential-source" title={c.source}>
                  {c.source}
                </span>
                {t && (
                  <div className={`test-result${t.running ? '' : t.ok ? ' test-result--ok' : ' test-result--bad'}`} role="status" data-testid="credential-test" data-state={t.running ? 'running' : t.ok ? 'ok' : 'failed'}>
                    {t.running ? 'Testing…' : `${t.ok ? '✓' : '✗'} ${t.message ?? ''}`}
                  </div>
                )}
              </td>
              <td className="credentials__actions">
                <button type="button" className="button button--small" onClick={() => onTest(c.registry)} disabled={t?.running} data-testid="credential-test-button">
                  Test
                </button>
                <button type="button" className="button button--small button--danger" onClick={() => onLogout(c.registry)} data-testid="credential-logout">
                  Log out
                </button>
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
