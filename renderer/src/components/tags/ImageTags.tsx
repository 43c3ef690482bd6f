import { useEffect, useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { ImageDetail } from '../../../../preload/contract.ts';
import { selectCredentialsState, selectImages, selectImageTagActions, selectImageTagState, selectRegistryActions } from '../../store/selectors.ts';
import { useStrata } from '../../store/store.ts';
import { knownRegistries, registryOf } from './retarget.ts';
import { TagEditor } from './TagEditor.tsx';

/** ImageTags is the Tags tab of the image detail: TagEditor wired to the store. */
export function ImageTags({ detail }: { detail: ImageDetail }) {
  const st = useStrata(useShallow(selectImageTagState));
  const act = useStrata(useShallow(selectImageTagActions));
  const creds = useStrata(useShallow(selectCredentialsState));
  const registries = useStrata(useShallow(selectRegistryActions));
  const images = useStrata(selectImages);

  useEffect(() => {
    if (!creds.loaded && !creds.loading) void registries.load();
    // Only when first shown: the Registries page reloads the list itself.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  // Another image: a fresh field.
  useEffect(() => act.reset(), [detail.digest, act]);

  const offered = useMemo(() => {
    const primary = detail.references[0];
    const all = knownRegistries(
      creds.credentials.map((c) => c.registry),
      images.flatMap((i) => i.references),
    );
    return primary ? all.filter((r) => r !== registryOf(primary)) : all;
  }, [creds.credentials, images, detail.references]);

  return (
    <TagEditor
      references={detail.references}
      familiar={detail.familiarReferences}
      registries={offered}
      input={st.input}
      check={st.check}
      busy={st.busy}
      error={st.error}
      move={st.move}
      notice={st.notice}
      onInput={act.setInput}
      onSubmit={() => void act.submit(detail.digest)}
      onRemove={(ref) => void act.remove(ref)}
      onConfirmMove={() => void act.confirmMove()}
      onCancelMove={act.cancelMove}
    />
  );
}
