/**
 * A test Graph server with a client pointed at it, recording every sleep the client asks for and
 * every log event it emits (so tests can assert waits without waiting, and search logs for seeds).
 */
import { randomBytes } from 'node:crypto';
import { GraphClient, type GraphClientOptions, type GraphEvent, type TokenSource } from '../../src/graph/client.js';
import { HardwareOathApi } from '../../src/graph/hardwareOath.js';
import { encodeBase32 } from '../../src/core/secretCodec.js';
import { FakeGraph, type FakeGraphOptions } from './fakeGraph.js';

export interface Harness {
  graph: FakeGraph;
  client: GraphClient;
  api: HardwareOathApi;
  sleeps: number[];
  events: GraphEvent[];
  /** Log lines as a command would print them. */
  logLines(): string[];
}

export async function startHarness(
  options: { graph?: FakeGraphOptions; client?: Partial<GraphClientOptions>; tokens?: TokenSource; realSleep?: boolean } = {},
): Promise<Harness> {
  const graph = await new FakeGraph(options.graph).start();
  const sleeps: number[] = [];
  const events: GraphEvent[] = [];
  const token = graph.issueToken();
  const client = new GraphClient({
    graphUrl: graph.url,
    tokens: options.tokens ?? { token: async () => token, advice: 'sign in again' },
    sleep: async (ms) => {
      sleeps.push(ms);
      if (options.realSleep) await new Promise((r) => setTimeout(r, ms));
    },
    onEvent: (e) => events.push(e),
    random: () => 0.5,
    ...options.client,
  });
  return {
    graph,
    client,
    api: new HardwareOathApi(client),
    sleeps,
    events,
    logLines: () => events.map((e) => JSON.stringify(e)),
  };
}

export function newSeed(): { bytes: Uint8Array; base32: string } {
  const bytes = new Uint8Array(randomBytes(20));
  return { bytes, base32: encodeBase32(bytes) };
}

export function deviceBody(serial: string, base32: string, extra: Record<string, unknown> = {}) {
  return { serialNumber: serial, manufacturer: 'Token2', model: 'C202', secretKey: base32, timeIntervalInSeconds: 30 as const, hashFunction: 'hmacsha1' as const, ...extra };
}
