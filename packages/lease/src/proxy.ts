import { createConnection, createServer, type Socket } from "node:net";

/**
 * A TCP proxy on loopback between a client and an engine, for tests: `blackhole()` stops
 * carrying bytes in either direction while keeping the connections open (a partition: requests
 * hang, nothing errors); `heal()` carries them again (what was held is delivered); `drop()`
 * resets every connection (a dropped connection: the client sees an error and reconnects).
 *
 * @example
 * ```ts
 * const proxy = await tcpProxy({ port: 5432 });
 * const pool = new pg.Pool({ host: "127.0.0.1", port: proxy.port, user: "postgres" });
 * proxy.blackhole();  // the holder can no longer reach PostgreSQL
 * proxy.heal();
 * await proxy.close();
 * ```
 */
export interface TcpProxy {
  /** The port the proxy listens on (127.0.0.1). */
  readonly port: number;
  /** Connections open now. */
  readonly connections: number;
  /** Stop carrying bytes (both ways); connections stay open. New connections hang too. */
  blackhole(): void;
  /** Carry bytes again, including those held meanwhile. */
  heal(): void;
  /** Reset every open connection now. */
  drop(): void;
  /** Stop listening and reset every connection. */
  close(): Promise<void>;
}

/**
 * Starts a {@link TcpProxy} to `target` (default host 127.0.0.1).
 *
 * @example
 * ```ts
 * const proxy = await tcpProxy({ host: "127.0.0.1", port: 6379 });
 * ```
 */
export function tcpProxy(target: { host?: string; port: number }): Promise<TcpProxy> {
  const host = target.host ?? "127.0.0.1";
  let holding = false;
  const pairs = new Set<[Socket, Socket]>();
  const held: (() => void)[] = [];
  const pipe = (from: Socket, to: Socket): void => {
    from.on("data", (chunk) => {
      if (holding) held.push(() => to.write(chunk));
      else to.write(chunk);
    });
  };
  const server = createServer((client) => {
    const upstream = createConnection({ host, port: target.port });
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const end = (): void => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    for (const socket of pair) {
      socket.on("error", end);
      socket.on("close", end);
    }
    pipe(client, upstream);
    pipe(upstream, client);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port;
      const drop = (): void => {
        held.length = 0;
        for (const [client, upstream] of pairs) {
          client.resetAndDestroy?.() ?? client.destroy();
          upstream.destroy();
        }
        pairs.clear();
      };
      resolve({
        port,
        get connections() {
          return pairs.size;
        },
        blackhole: () => {
          holding = true;
        },
        heal: () => {
          holding = false;
          for (const deliver of held.splice(0)) deliver();
        },
        drop,
        close: () =>
          new Promise<void>((done) => {
            drop();
            server.close(() => done());
          }),
      });
    });
  });
}
