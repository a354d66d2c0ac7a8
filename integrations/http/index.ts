/**
 * Small HTTP request/answer calls on node:http / node:https with kept-alive connections, shared by the
 * HTTP integrations (ERP, PSP, SMS) and the ERP simulator's webhooks. Nothing outside
 * `integrations/http/` imports past this file.
 */
export { createHttpExchange, exchangeFailureCode, HttpExchangeError, isHttpExchangeError } from './http-exchange';
export type { HttpExchange, HttpExchangeAnswer, HttpExchangeErrorCode, HttpExchangeOptions, HttpExchangeRequest } from './http-exchange';
