import { useState, type FormEvent } from 'react';
import type { EngineError } from '../../ipc/engine-error.ts';
import { ErrorBanner } from '../ErrorBanner.tsx';

export interface LoginFormProps {
  busy: boolean;
  error: EngineError | null;
  /** Resolves true when the registry accepted the login. */
  onLogin(registry: string, username: string, password: string): Promise<boolean>;
}

/** LoginForm asks for a registry, a user and a password. The password lives only in this form's state, is
 * never shown, and is cleared as soon as it was sent (accepted or not). */
export function LoginForm({ busy, error, onLogin }: LoginFormProps) {
  const [registry, setRegistry] = useState('');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const ready = registry.trim() && username.trim() && password && !busy;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!ready) return;
    const secret = password;
    setPassword('');
    if (await onLogin(registry, username, secret)) setRegistry('');
  };
  return (
    <form className="login-form" onSubmit={(e) => void submit(e)} aria-label="Log in to a registry" data-testid="login-form">
      <label className="field">
        <span className="field__label">Registry</span>
        <input className="input" placeholder="registry.example.com or localhost:5000" value={registry} onChange={(e) => setRegistry(e.target.value)} spellCheck={false} autoComplete="off" data-testid="login-registry" />
      </label>
      <label className="field">
        <span className="field__label">Username</span>
        <input className="input" value={username} onChange={(e) => setUsername(e.target.value)} spellCheck={false} autoComplete="username" data-testid="login-username" />
      </label>
      <label className="field">
        <span className="field__label">Password or token</span>
        <input className="input" type="password" value={password} onChange={(e) => setPassword(e.target.value)} autoComplete="off" data-testid="login-password" />
      </label>
      <button type="submit" className="button button--primary" disabled={!ready} data-testid="login-submit">
        {busy ? 'Logging in…' : 'Log in'}
      </button>
      {error && (
        <div className="login-form__error">
          <ErrorBanner title="Login failed" error={error} />
        </div>
      )}
    </form>
  );
}
