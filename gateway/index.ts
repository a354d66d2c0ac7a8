/**
 * The gateway: gRPC OrderService and WalletService (with health and reflection) and the HTTP side
 * port. Nothing outside `gateway/` imports past this file.
 */
export { createGateway } from './gateway';
export type { Gateway, GatewayDeps, GatewayPorts } from './types';
export { resolveGatewayOptions } from './options';
export type { GatewayOptions, ResolvedGatewayOptions } from './options';
export {
  ActionRejectedError,
  AuthenticationError,
  GatewayError,
  IdempotencyConflictError,
  isGatewayError,
  LimitExceededError,
  NotFoundError,
  UnavailableError,
  ValidationError,
} from './gateway.errors';
export type { Dependency, GatewayErrorCode } from './gateway.errors';
export { ACTION_ID_METADATA, REASON_CODE_METADATA, toGrpcFailure } from './grpc/status.mapping';
export type { GrpcFailure } from './grpc/status.mapping';
export { HEALTH_SERVICE_NAME, loadGatewayProtos, ORDER_SERVICE_NAME, PROTO_DIR, WALLET_SERVICE_NAME } from './grpc/proto.loader';
export { createOrderClient, orderFromWire } from './client/order.client';
export type { CallSettings, ListOrdersInput, OrderClient, OrderClientOptions, SubmitOrderInput } from './client/order.client';
export { actionRejectionOf, createWalletClient } from './client/wallet.client';
export type {
  CreateWalletInput,
  ListTransactionsInput,
  TopUpInput,
  TransferInput,
  UseInput,
  VoidInput,
  WalletClient,
  WalletClientOptions,
  WalletUpdateView,
  WalletWatchEvent,
} from './client/wallet.client';
export { createMerchant, defaultWalletId, generateApiKey } from './merchants/merchant.store';
export type { CreatedMerchant, NewMerchant } from './merchants/merchant.store';
export { hashApiKey } from './auth/api-key.authenticator';
export { validateSubmitOrder, ORDER_LIMITS } from './orders/order.validation';
export type { OrderStatusName, OrderView, ValidatedOrder } from './orders/types';
export { WALLET_LIMITS } from './wallets/wallet.validation';
export type {
  ActionKindName,
  ActionResult,
  ActionStatusName,
  ActionView,
  BalancesView,
  ThresholdDirectionName,
  ThresholdView,
  TransactionView,
  WalletKindName,
  WalletView,
} from './wallets/types';
export { HttpRouter } from './http/http.router';
export type { HttpHandler, HttpMethod, HttpReply, HttpRoute } from './http/http.router';
