/** Adds DOM event listeners to one element and returns the function that removes them all. */
type Handlers = { [K in keyof HTMLElementEventMap]?: (e: HTMLElementEventMap[K]) => void };

export function listen(el: HTMLElement, handlers: Handlers, options: { [K in keyof HTMLElementEventMap]?: AddEventListenerOptions } = {}): () => void {
  const added = Object.entries(handlers) as [string, EventListener][];
  for (const [type, fn] of added) el.addEventListener(type, fn, (options as Record<string, AddEventListenerOptions | undefined>)[type]);
  return () => {
    for (const [type, fn] of added) el.removeEventListener(type, fn);
  };
}
