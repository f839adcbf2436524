/** The Project screen's entry points to the models dialog and the pre-label dialog. */
import { useEffect, useState } from 'react';
import type { ProjectInfo } from '../../../../shared/api/types';
import type { GridSession } from '../gridSession';
import { ModelsDialog } from './ModelsDialog';
import { PrelabelDialog } from './PrelabelDialog';
import { onModelsDialogRequest, type ModelsDialogName } from './openRequests';
import './models.css';

export function ModelsEntry({ project, session, nativeDialogs }: { project: ProjectInfo; session: GridSession; nativeDialogs: boolean }) {
  const [open, setOpen] = useState<ModelsDialogName | null>(null);
  useEffect(() => onModelsDialogRequest(setOpen), []);
  return (
    <span className="models-entry">
      <button type="button" onClick={() => setOpen('models')} data-testid="open-models">
        Models…
      </button>
      <button type="button" onClick={() => setOpen('prelabel')} data-testid="open-prelabel">
        Pre-label…
      </button>
      {open === 'models' && <ModelsDialog project={project} nativeDialogs={nativeDialogs} onClose={() => setOpen(null)} />}
      {open === 'prelabel' && <PrelabelDialog project={project} session={session} onClose={() => setOpen(null)} />}
    </span>
  );
}
