/**
 * Backend factory: builds the service table over the store and exposes what transports need.
 * Implementation in progress (store + services); the exported shape below is the stable interface.
 */
export type { Backend, BackendOptions } from './options';
export { createBackend } from './create';
