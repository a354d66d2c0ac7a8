/** The ERP simulator: an HTTP ERP with journal entries, for development, demos and tests. */
export { createErpSimulator } from './erp-simulator.server';
export { startErpSimulatorRole, ERP_SIMULATOR_ROLE_DEFAULTS } from './erp-simulator.role';
export type { ErpSimulatorRoleOptions, RunningErpSimulator } from './erp-simulator.role';
export { ERP_SIMULATOR_DEFAULTS } from './options';
export type { ErpSimulatorOptions, RejectionRule, SimulatorSettings, SimulatorSettingsPatch, SimulatorWebhookOptions } from './options';
export type { ErpSimulator, ErpSimulatorState, SimulatorRequest, WebhookDelivery, WebhookPayload } from './types';
