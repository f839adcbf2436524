/** The Project screen's entry point to the export dialog: a button that opens it. */
import { useState } from 'react';
import type { LabelSchema, ProjectInfo } from '../../../../shared/api/types';
import { ExportDialog } from './ExportDialog';

export function ExportEntry({ project, schema }: { project: ProjectInfo; schema: LabelSchema | null }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" onClick={() => setOpen(true)} data-testid="open-export">
        Export…
      </button>
      {open && <ExportDialog project={project} schema={schema} onClose={() => setOpen(false)} />}
    </>
  );
}
