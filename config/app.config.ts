import { z } from 'zod';

/**
 * Configuration from environment variables, read once at the entry point and validated here.
 * Modules never read `process.env`; they receive the typed values below.
 */

const port = z.coerce.number().int().min(0).max(65_535);
const url = (protocols: readonly string[]) =>
  z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    { message: `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}` },
  );
const optional = <T extends z.ZodTypeAny>(schema: T) =>
  z.preprocess((v) => (v === '' ? undefined : v), schema.optional());

const envSchema = z.object({
  TRANSPORT: z.enum(['memory', 'redis', 'kafka', 'pulsar']).default('memory'),
  MYSQL_URL: url(['mysql:']).default('mysql://root@127.0.0.1:3306/paystream'),
  MYSQL_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  REDIS_URL: url(['redis:', 'rediss:']).default('redis://127.0.0.1:6379'),
  REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, _ . - only').default('paystream'),
  REDIS_VISIBILITY_TIMEOUT_MS: z.coerce.number().int().min(500).max(3_600_000).default(30_000),
  KAFKA_BROKERS: z
    .string()
    .regex(/^[A-Za-z0-9.-]+:\d{1,5}(,[A-Za-z0-9.-]+:\d{1,5})*$/, 'a comma-separated list of host:port')
    .default('127.0.0.1:9092'),
  KAFKA_CLIENT_ID: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/).default('paystream'),
  KAFKA_REPLICATION_FACTOR: z.coerce.number().int().min(1).max(10).default(1),
  PULSAR_URL: url(['pulsar:', 'pulsar+ssl:']).default('pulsar://127.0.0.1:6650'),
  PULSAR_TENANT: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).default('public'),
  PULSAR_NAMESPACE: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).default('default'),
  PULSAR_AUTH_TOKEN: optional(z.string()),
  PARTITIONS: z.coerce.number().int().min(1).max(1024).default(8),
  GRPC_HOST: z.string().min(1).default('0.0.0.0'),
  GRPC_PORT: port.default(50051),
  HTTP_PORT: port.default(8080),
  SUBMIT_WAIT_MS: z.coerce.number().int().min(0).max(600_000).default(10_000),
  GATEWAY_MAX_IN_FLIGHT: z.coerce.number().int().min(1).max(1_000_000).default(2_000),
  GATEWAY_MAX_BACKLOG: z.coerce.number().int().min(1).max(100_000_000).default(20_000),
  PLATFORM_FEE_BPS: z.coerce.number().int().min(0).max(10_000).default(250),
  PSP_URL: optional(url(['http:', 'https:'])),
  PSP_API_KEY: optional(z.string()),
  PSP_SIM_LATENCY_MS: z.coerce.number().int().min(0).max(60_000).default(2),
  PSP_SIM_DECLINE_RATE: z.coerce.number().min(0).max(1).default(0),
  SMTP_URL: optional(url(['smtp:', 'smtps:'])),
  SMTP_FROM: z.string().min(3).default('paystream <no-reply@paystream.local>'),
  SMS_URL: optional(url(['http:', 'https:'])),
  SMS_FROM: z.string().regex(/^\+[1-9]\d{6,14}$/, 'an E.164 number such as +15550000000').default('+15550000000'),
  ERP_URL: optional(url(['http:', 'https:'])),
  ERP_TIMEOUT_MS: z.coerce.number().int().min(100).max(300_000).default(10_000),
  ERP_MAX_CONCURRENT: z.coerce.number().int().min(1).max(256).default(8),
  ERP_SYNC_BATCH_SIZE: z.coerce.number().int().min(1).max(1_000).default(100),
  ERP_RETRY_BASE_MS: z.coerce.number().int().min(10).max(3_600_000).default(1_000),
  ERP_RETRY_MAX_MS: z.coerce.number().int().min(10).max(86_400_000).default(300_000),
  ERP_BREAKER_THRESHOLD: z.coerce.number().int().min(1).max(1_000).default(5),
  ERP_BREAKER_COOLDOWN_MS: z.coerce.number().int().min(100).max(3_600_000).default(30_000),
  ERP_POLL_AFTER_MS: z.coerce.number().int().min(100).max(86_400_000).default(30_000),
  ERP_POLL_EVERY_MS: z.coerce.number().int().min(100).max(86_400_000).default(60_000),
  ERP_WEBHOOK_SECRET: optional(z.string().min(16, 'at least 16 characters')),
  ERP_WEBHOOK_TOLERANCE_S: z.coerce.number().int().min(1).max(3_600).default(300),
  ERP_WEBHOOK_URL: optional(url(['http:', 'https:'])),
  ERP_SIM_HOST: z.string().min(1).default('127.0.0.1'),
  ERP_SIM_PORT: port.default(8090),
  ERP_SIM_LATENCY_MS: z.coerce.number().int().min(0).max(60_000).default(0),
  ERP_SIM_FAILURE_RATE: z.coerce.number().min(0).max(1).default(0),
  ERP_SIM_CONFIRM_DELAY_MS: z.coerce.number().int().min(0).max(3_600_000).default(50),
  ERP_SIM_REJECT_MEMO_CONTAINS: optional(z.string()),
  ERP_SIM_REJECT_AMOUNT_ABOVE: optional(z.coerce.number().int().min(0)),
  HEAP_GROWING_PERCENT: z.coerce.number().int().min(0).max(1_000).default(100),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  BATCH_LINGER_MS: z.coerce.number().int().min(0).max(1_000).default(0),
  BATCH_SIZE: z.coerce.number().int().min(1).max(5_000).default(256),
});

export type AppConfig = z.infer<typeof envSchema>;

/** Thrown when an environment variable is missing or malformed; the message names each one. */
export class ConfigError extends Error {
  readonly code = 'INVALID_CONFIG';
  readonly retryable = false;
  constructor(readonly problems: readonly { variable: string; message: string }[]) {
    super(`invalid configuration:\n${problems.map((p) => `  ${p.variable}: ${p.message}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Validates `env` (normally `process.env`) into an {@link AppConfig}. */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): AppConfig {
  const result = envSchema.safeParse(env);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => ({
      variable: issue.path.join('.') || '(environment)',
      message: issue.message,
    })),
  );
}
