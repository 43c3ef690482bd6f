import { useEffect } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { ErrorBanner } from '../../components/ErrorBanner.tsx';
import { CredentialList } from '../../components/registries/CredentialList.tsx';
import { LoginForm } from '../../components/registries/LoginForm.tsx';
import { selectCredentialsState, selectLoginState, selectRegistryActions } from '../../store/selectors.ts';
import { useStrata } from '../../store/store.ts';
import './registries.css';

/** RegistriesView logs in to and out of registries, lists saved logins with where each is kept (Strata,
 * docker's config.json, a credential helper) and tests them against their registry. */
export function RegistriesView() {
  const creds = useStrata(useShallow(selectCredentialsState));
  const login = useStrata(useShallow(selectLoginState));
  const act = useStrata(useShallow(selectRegistryActions));

  useEffect(() => {
    void act.load();
  }, [act]);

  return (
    <div className="registries-view">
      <section className="panel registries-login" aria-label="Log in">
        <div className="toolbar">
          <h1 className="toolbar__title">Log in to a registry</h1>
        </div>
        <LoginForm busy={login.busy} error={login.error} onLogin={act.login} />
        <p className="hint">
          Strata checks the login with the registry before saving it, where <code>docker login</code> would: docker’s <code>config.json</code>, or its credential helper when one is set.
        </p>
      </section>
      <section className="panel registries-list" aria-label="Saved logins">
        <div className="toolbar">
          <h1 className="toolbar__title">
            Saved logins <span className="count" data-testid="credentials-count">{creds.credentials.length}</span>
          </h1>
          <button type="button" className="button" onClick={() => void act.load()} disabled={creds.loading}>
            Reload
          </button>
        </div>
        {creds.notice && (
          <p className="notice" role="status" data-testid="registry-notice">
            {creds.notice}
          </p>
        )}
        {creds.error && <ErrorBanner title="Could not read the saved logins" error={creds.error} onRetry={() => void act.load()} />}
        <div className="panel__scroll">
          {!creds.loaded && !creds.error ? (
            <div className="placeholder" aria-busy="true">
              Loading…
            </div>
          ) : creds.credentials.length === 0 ? (
            <div className="placeholder" data-testid="credentials-empty">
              <p>No saved logins.</p>
              <p className="muted">Public images pull without one; pushing needs one for most registries.</p>
            </div>
          ) : (
            <CredentialList credentials={creds.credentials} tests={creds.tests} onTest={(r) => void act.test(r)} onLogout={(r) => void act.logout(r)} />
          )}
        </div>
      </section>
    </div>
  );
}
