/**
 * Step one of a long connection: `POST {domain}/callback/ws/endpoint` with the app credentials gives a
 * WebSocket URL (its query carries device_id and service_id) and the ClientConfig (ping and reconnect policy).
 * Lark's refusals become typed ConnectorErrors with advice; the App Secret is in the request body only.
 */
import { ConnectorError } from '../../core/errors.js';
import { LarkError } from '../../lark/errors.js';
import type { LarkHttp } from '../../lark/http.js';
import { isRecord } from '../../core/is-record.js';
import { LARK_PATHS } from '../../core/vocabulary.js';
import { parseClientConfig, type ClientConfig } from './frame.js';

/** The endpoint's own codes (the official SDK's list). */
export const EndpointCode = {
  systemBusy: 1,
  forbidden: 403,
  authFailed: 514,
  internalError: 1000040343,
  tooManyConnections: 1000040350,
} as const;

export interface EndpointAnswer {
  url: string;
  deviceId: string;
  /** Goes into every frame's `service` field. */
  serviceId: number;
  config: ClientConfig;
}

export interface EndpointCredentials {
  appId: string;
  appSecret: string;
}

/** Asks for a connection URL. Throws a ConnectorError; `retryable` says whether trying again later can help. */
export async function fetchEndpoint(http: Pick<LarkHttp, 'request'>, creds: EndpointCredentials): Promise<EndpointAnswer> {
  let body: unknown;
  try {
    const res = await http.request({
      method: 'POST',
      path: LARK_PATHS.wsEndpoint,
      body: { AppID: creds.appId, AppSecret: creds.appSecret },
      redact: [creds.appSecret],
    });
    body = res.body;
  } catch (err) {
    throw endpointError(err);
  }
  const data = isRecord(body) ? body['data'] : undefined;
  const url = isRecord(data) && typeof data['URL'] === 'string' ? data['URL'] : undefined;
  if (!isRecord(data) || !url) {
    throw new ConnectorError({
      code: 'LARK_API_ERROR',
      message: `${LARK_PATHS.wsEndpoint} answered without a connection URL: check the domain / base URL points at the Lark Open Platform`,
    });
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConnectorError({ code: 'LARK_API_ERROR', message: `${LARK_PATHS.wsEndpoint} answered a connection URL that is not a URL` });
  }
  return {
    url,
    deviceId: parsed.searchParams.get('device_id') ?? '',
    serviceId: Number(parsed.searchParams.get('service_id') ?? 0) || 0,
    config: parseClientConfig(data['ClientConfig']),
  };
}

/** Lark's refusal -> the error the user reads. Network failures and timeouts stay as they are (retryable). */
function endpointError(err: unknown): unknown {
  if (!(err instanceof LarkError) || err.larkCode === undefined) return err;
  const where = `the long connection endpoint refused (Lark code ${err.larkCode}${err.logId ? `, log id ${err.logId}` : ''})`;
  const make = (code: ConstructorParameters<typeof ConnectorError>[0]['code'], retryable: boolean, advice: string): ConnectorError =>
    new ConnectorError({ code, retryable, advice, message: `${where}: ${advice}`, larkCode: err.larkCode, logId: err.logId, httpStatus: err.httpStatus });
  switch (err.larkCode) {
    case EndpointCode.authFailed:
      return make('APP_SECRET_WRONG', false, 'the App ID or App Secret is wrong: copy both again from the developer console (Credentials & Basic Info) and check the domain (Feishu or Lark)');
    case EndpointCode.tooManyConnections:
      return make('TOO_MANY_CONNECTIONS', false, 'the app has as many long connections open as Lark allows: stop other clients of this app (other `--mode events` runs or SDK clients), or use --mode poll');
    case EndpointCode.systemBusy:
    case EndpointCode.internalError:
      return make('SERVER_ERROR', true, 'Lark is busy: the connection is tried again with the reconnect policy');
    case EndpointCode.forbidden:
      return make('EVENTS_UNAVAILABLE', false, 'the app may not use the long connection: in the developer console choose "receive events through persistent connection" under Events & Callbacks, subscribe to im.message.receive_v1, publish a version; or use --mode poll');
    default:
      return make('EVENTS_UNAVAILABLE', false, `${err.message.replace(/\s*\[log id: [^\]]*\]$/, '')}; or use --mode poll`);
  }
}
