/**
 * Lark's long-connection wire format: protobuf `pbbp2.Frame` messages, one per WebSocket binary message.
 * The schema is the one @larksuiteoapi/node-sdk ships (proto2: SeqID, LogID, service and method required);
 * protobufjs builds the codec from the .proto text below, so no framing is written by hand.
 * Shared by the client (src/source/long-connection/) and the emulator (src/emulator/long-connection.ts).
 */
import protobuf from 'protobufjs';

export const PBBP2_PROTO = `
syntax = "proto2";
package pbbp2;

message Header {
  required string key = 1;
  required string value = 2;
}

message Frame {
  required uint64 SeqID = 1;
  required uint64 LogID = 2;
  required int32 service = 3;
  required int32 method = 4;
  repeated Header headers = 5;
  optional string payload_encoding = 6;
  optional string payload_type = 7;
  optional bytes payload = 8;
  optional string LogIDNew = 9;
}
`;

/** Frame.method: control frames carry pings and pongs, data frames carry events (and their acks). */
export const FrameMethod = { control: 0, data: 1 } as const;

/** Values of the `type` header. */
export const FrameType = { event: 'event', card: 'card', ping: 'ping', pong: 'pong' } as const;

export interface FrameHeader {
  key: string;
  value: string;
}

/** A decoded frame. The uint64 ids travel as decimal strings (they can exceed 2^53). */
export interface Frame {
  SeqID: string;
  LogID: string;
  service: number;
  method: number;
  headers: FrameHeader[];
  payload_encoding?: string;
  payload_type?: string;
  payload?: Uint8Array;
  LogIDNew?: string;
}

const FrameMessage = protobuf.parse(PBBP2_PROTO, { keepCase: true }).root.lookupType('pbbp2.Frame');

export function encodeFrame(frame: Frame): Uint8Array {
  return FrameMessage.encode(FrameMessage.fromObject(frame)).finish();
}

/** Throws (protobufjs ProtocolError) on bytes that are not a complete Frame. */
export function decodeFrame(bytes: Uint8Array): Frame {
  const object = FrameMessage.toObject(FrameMessage.decode(bytes), { longs: String, bytes: Buffer, arrays: true }) as Frame;
  return object;
}

export function header(frame: Pick<Frame, 'headers'>, key: string): string | undefined {
  return frame.headers.find((h) => h.key === key)?.value;
}

/** The frame with one header set (replaced when present), as a new object. */
export function withHeader(frame: Frame, key: string, value: string): Frame {
  return { ...frame, headers: [...frame.headers.filter((h) => h.key !== key), { key, value }] };
}

/** Lark's ClientConfig (seconds), from the endpoint call and every pong. */
export interface ClientConfig {
  PingInterval: number;
  ReconnectCount: number;
  ReconnectInterval: number;
  ReconnectNonce: number;
}

/** The official SDK's defaults, used until the server says otherwise. */
export const DEFAULT_CLIENT_CONFIG: Readonly<ClientConfig> = Object.freeze({
  PingInterval: 120,
  ReconnectCount: -1,
  ReconnectInterval: 120,
  ReconnectNonce: 30,
});

/** A ClientConfig from untrusted JSON: known numeric fields only, the rest kept from `base`. */
export function parseClientConfig(value: unknown, base: ClientConfig = DEFAULT_CLIENT_CONFIG): ClientConfig {
  const out = { ...base };
  if (typeof value !== 'object' || value === null) return out;
  for (const key of Object.keys(DEFAULT_CLIENT_CONFIG) as Array<keyof ClientConfig>) {
    const v = (value as Record<string, unknown>)[key];
    if (typeof v === 'number' && Number.isFinite(v)) out[key] = v;
  }
  return out;
}
