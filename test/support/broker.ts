import { randomBytes } from 'node:crypto';
import net from 'node:net';
import amqp from 'amqplib';
import { queueNames, retryDelays } from '../../src/platform/events/broker.js';

export const AMQP_URL = process.env.TEST_AMQP_URL;

/** A name prefix of its own, so tests never share queues with each other or with a running Clinica. */
export const testPrefix = () => `test_${randomBytes(4).toString('hex')}`;

/** Deletes the exchange and every queue a test's topology declared. */
export async function deleteTopology(
  url: string,
  prefix: string,
  consumers: string[],
  maxAttempts: number,
  retryBaseMs: number,
) {
  const connection = await amqp.connect(url);
  try {
    const channel = await connection.createChannel();
    const settings = { prefix, maxAttempts, retryBaseMs };
    for (const consumer of consumers) {
      const q = queueNames(settings, consumer);
      for (const name of [q.work, q.dead, ...retryDelays(settings).map(q.retry)]) await channel.deleteQueue(name);
    }
    await channel.deleteExchange(`${prefix}.events`);
    await channel.close();
  } finally {
    await connection.close();
  }
}

export interface TcpProxy {
  url: string;
  /** Cuts every open connection, as a network failure or a broker restart would. */
  dropAll(): void;
  close(): Promise<void>;
}

/** Forwards a local port to the broker; the test can cut the connections it carries. */
export async function startTcpProxy(targetUrl: string): Promise<TcpProxy> {
  const target = new URL(targetUrl);
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 5672), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => s.destroy());
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  const url = new URL(targetUrl);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return {
    url: url.toString(),
    dropAll: () => {
      for (const s of sockets) s.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
