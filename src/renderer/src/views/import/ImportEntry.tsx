/** The Project screen's entry point to the import wizard: a button that opens it. */
import { useState } from 'react';
import type { LabelSchema, ProjectInfo } from '../../../../shared/api/types';
import { ImportWizard } from './ImportWizard';

export function ImportEntry({ project, schema, nativeDialogs }: { project: ProjectInfo; schema: LabelSchema | null; nativeDialogs: boolean }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" onClick={() => setOpen(true)} data-testid="open-import">
        Import dataset…
      </button>
      {open && <ImportWizard project={project} schema={schema} nativeDialogs={nativeDialogs} onClose={() => setOpen(false)} />}
    </>
  );
}
