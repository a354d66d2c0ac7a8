export { ConfigError, loadConfig } from './app.config';
export type { AppConfig } from './app.config';
