import type { Server } from 'node:http';

/** A port that is already taken, named for the service that wanted it. */
export class PortInUseError extends Error {
  constructor(
    readonly service: string,
    readonly port: number,
    host: string,
  ) {
    super(
      `port ${port} on ${host} is taken (wanted for ${service}); choose another port or stop what is using it`,
    );
    this.name = 'PortInUseError';
  }
}

/** Listen and answer the URL; a taken port becomes a PortInUseError with a one-line message. */
export function listen(server: Server, host: string, port: number, service: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      reject(error.code === 'EADDRINUSE' ? new PortInUseError(service, port, host) : error);
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      const address = server.address();
      const actual = typeof address === 'object' && address ? address.port : port;
      resolve(`http://${host}:${actual}`);
    });
  });
}

export function closeServer(server: Server | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (!server?.listening) return resolve();
    server.close(() => resolve());
    server.closeAllConnections?.();
  });
}
