export { buildTransport, startApp } from './app';
export type { RunningApp, StartAppOptions } from './app';
export { isRole, ROLES } from './roles';
export type { Role } from './roles';
