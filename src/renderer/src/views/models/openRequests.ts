/**
 * Lets other parts of the Project screen (the status bar's running-job indicator) ask the models
 * entry to open one of its dialogs, without lifting the dialog state into the screen.
 */
export type ModelsDialogName = 'models' | 'prelabel';

const listeners = new Set<(name: ModelsDialogName) => void>();

export function requestModelsDialog(name: ModelsDialogName): void {
  for (const l of listeners) l(name);
}

export function onModelsDialogRequest(listener: (name: ModelsDialogName) => void): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}
