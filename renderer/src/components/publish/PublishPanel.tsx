import { useEffect, useMemo, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { ImageDetail } from '../../../../preload/contract.ts';
import { useStrata } from '../../store/store.ts';
import { selectCredentialsState, selectPublishState, selectRegistryActions, selectTransferActions, selectTransferOrder, selectTransfers } from '../../store/selectors.ts';
import { navigate } from '../../navigation.ts';
import { ErrorBanner } from '../ErrorBanner.tsx';
import { useNow } from '../build/use-now.ts';
import { PlanTable } from './PlanTable.tsx';
import { defaultPublishOption, parseExtraTags, publishOptions } from './publish-targets.ts';
import { TransferRows } from './TransferRows.tsx';

/** PublishPanel pushes the image: pick a name (one of its own, or a new one in a registry one is logged in
 * to), see the plan, push, and follow every layer; the push goes on in the background (see Activity). */
export function PublishPanel({ detail }: { detail: ImageDetail }) {
  const creds = useStrata(useShallow(selectCredentialsState));
  const registries = useStrata(useShallow(selectRegistryActions));
  const publish = useStrata(useShallow(selectPublishState));
  const act = useStrata(useShallow(selectTransferActions));
  const transfers = useStrata(selectTransfers);
  const order = useStrata(selectTransferOrder);
  const loggedIn = useMemo(() => creds.credentials.map((c) => c.registry), [creds.credentials]);
  const options = useMemo(() => publishOptions(detail.references, loggedIn), [detail.references, loggedIn]);
  const [choice, setChoice] = useState<string | null>(null);
  const [extra, setExtra] = useState('');
  const target = options.find((o) => o.ref === choice) ?? defaultPublishOption(options);
  const tags = parseExtraTags(extra);
  const tagsKey = tags.join(',');

  useEffect(() => {
    if (!creds.loaded && !creds.loading) void registries.load();
    // Only when first shown: the Registries page reloads the list itself.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  // Another target is another plan.
  useEffect(() => {
    act.clear();
  }, [target?.ref, tagsKey, detail.digest, act]);

  const latest = order.map((id) => transfers[id]).find((t) => t && t.operation === 'push' && t.imageDigest === detail.digest) ?? null;
  const now = useNow(latest?.phase === 'running', 500);
  const plan = publish.plan && target && publish.plan.ref === target.ref && publish.plan.tags.join(',') === tagsKey ? publish.plan : null;
  const request = target ? { digest: detail.digest, ref: target.ref, tags } : null;

  if (!options.length) {
    return (
      <div className="publish" data-testid="publish-panel">
        <p className="hint">
          This image has no name to push under. Give it one in <strong>Tags</strong> (for example <code>registry.example.com/team/app:1.0</code>), or log in to a registry on the{' '}
          <a href="#registries">Registries</a> page to get one offered here.
        </p>
      </div>
    );
  }

  return (
    <div className="publish" data-testid="publish-panel">
      <div className="publish__form">
        <label className="field">
          <span className="field__label">Push to</span>
          <select className="input select" value={target?.ref ?? ''} onChange={(e) => setChoice(e.target.value)} data-testid="publish-target">
            {options.map((o) => (
              <option key={o.ref} value={o.ref}>
                {o.ref}
                {o.isNew ? ' (new tag)' : ''}
                {!o.loggedIn && o.registry !== 'docker.io' ? ' (not logged in)' : ''}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span className="field__label">Also tag as</span>
          <input className="input" placeholder="latest, 1.0" value={extra} onChange={(e) => setExtra(e.target.value)} spellCheck={false} data-testid="publish-extra-tags" />
        </label>
        {target?.isNew && (
          <p className="hint publish__note" data-testid="publish-new-tag">
            The image gets the name <code>{target.ref}</code> first, as <code>docker tag</code> would.
          </p>
        )}
        {target && !target.loggedIn && (
          <p className="hint publish__note">
            Not logged in to {target.registry}: a registry that needs a login refuses the push. <a href="#registries" onClick={() => navigate('registries')}>Log in</a>
          </p>
        )}
        <div className="publish__actions">
          <button type="button" className="button" disabled={!request || publish.plan?.loading} onClick={() => request && void act.plan(request)} data-testid="publish-plan">
            {target?.isNew ? 'Tag and plan' : 'Plan'}
          </button>
          <button
            type="button"
            className="button button--primary"
            disabled={!request || !plan?.plan || publish.busy || latest?.phase === 'running'}
            onClick={() => request && void act.push(request)}
            data-testid="publish-push"
            title={plan?.plan ? undefined : 'Plan first: it shows what the push will send'}
          >
            Push
          </button>
        </div>
      </div>
      {publish.plan?.loading && (
        <div className="placeholder" aria-busy="true">
          Asking {target?.registry} what it has…
        </div>
      )}
      {plan?.error && <ErrorBanner title="Could not plan the push" error={plan.error} />}
      {publish.error && <ErrorBanner title="Could not push" error={publish.error} />}
      {plan?.plan && <PlanTable plan={plan.plan} />}
      {latest && (
        <>
          <h3 className="section-title">Last push</h3>
          <TransferRows transfer={latest} now={now} onCancel={() => void act.cancel(latest.id)} />
          {latest.phase === 'running' && <p className="hint">The push goes on while you work elsewhere: Activity in the top bar lists it.</p>}
        </>
      )}
    </div>
  );
}
