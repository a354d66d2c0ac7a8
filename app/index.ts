export { buildTransport, startApp } from './app';
export type { RunningApp, StartAppOptions } from './app';
export { isRole, PLANNED_ROLES, ROLES } from './roles';
export type { Role } from './roles';
