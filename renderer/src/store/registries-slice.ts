import type { CredentialView } from '../../../preload/contract.ts';
import type { Caller } from '../ipc/call.ts';
import { toEngineError, type EngineError } from '../ipc/engine-error.ts';
import type { SliceCreator } from './types.ts';

/** CredentialTest is the last answer of a credential's Test button. */
export interface CredentialTest {
  running: boolean;
  ok: boolean | null;
  message: string | null;
}

/** RegistriesSlice holds the Registries page: saved logins (never a secret: the engine lists names and
 * where each comes from), the login form's state, and test results per registry. */
export interface RegistriesSlice {
  credentials: CredentialView[];
  credentialsLoaded: boolean;
  credentialsLoading: boolean;
  credentialsError: EngineError | null;
  loginBusy: boolean;
  loginError: EngineError | null;
  /** The registry last logged in to or out of, for the page to say so. */
  registryNotice: string | null;
  credentialTests: Record<string, CredentialTest>;
  loadCredentials(): Promise<void>;
  /** login saves a credential after the registry accepted it. The password goes to the engine and is not
   * kept in the store. */
  login(registry: string, username: string, password: string): Promise<boolean>;
  logout(registry: string): Promise<boolean>;
  testCredential(registry: string): Promise<void>;
}

/** createRegistriesSlice builds the slice over an engine caller. */
export function createRegistriesSlice(call: Caller): SliceCreator<RegistriesSlice> {
  let listSeq = 0;
  return (set, get) => {
    const load = async () => {
      const seq = ++listSeq;
      set({ credentialsLoading: true });
      try {
        const credentials = await call('listCredentials', {});
        if (seq === listSeq) set({ credentials, credentialsLoaded: true, credentialsLoading: false, credentialsError: null });
      } catch (e) {
        if (seq === listSeq) set({ credentialsLoading: false, credentialsError: toEngineError(e) });
      }
    };
    const forgetTest = (registry: string) => {
      const { [registry]: _, ...rest } = get().credentialTests;
      set({ credentialTests: rest });
    };
    return {
      credentials: [],
      credentialsLoaded: false,
      credentialsLoading: false,
      credentialsError: null,
      loginBusy: false,
      loginError: null,
      registryNotice: null,
      credentialTests: {},

      loadCredentials: load,

      async login(registry, username, password) {
        set({ loginBusy: true, loginError: null, registryNotice: null });
        try {
          const c = await call('login', { registry: registry.trim(), username: username.trim(), password });
          forgetTest(c.registry);
          set({ loginBusy: false, registryNotice: `Logged in to ${c.registry} as ${c.username}` });
          await load();
          return true;
        } catch (e) {
          set({ loginBusy: false, loginError: toEngineError(e) });
          return false;
        }
      },

      async logout(registry) {
        set({ registryNotice: null, credentialsError: null });
        try {
          const r = await call('logout', { registry });
          forgetTest(registry);
          set({ registryNotice: r.removed ? `Logged out of ${r.registry}` : `No saved login for ${r.registry}` });
          await load();
          return true;
        } catch (e) {
          set({ credentialsError: toEngineError(e) });
          return false;
        }
      },

      async testCredential(registry) {
        set({ credentialTests: { ...get().credentialTests, [registry]: { running: true, ok: null, message: null } } });
        let test: CredentialTest;
        try {
          const r = await call('testCredential', { registry });
          test = { running: false, ok: r.ok, message: r.message };
        } catch (e) {
          test = { running: false, ok: false, message: toEngineError(e).message };
        }
        set({ credentialTests: { ...get().credentialTests, [registry]: test } });
      },
    };
  };
}
