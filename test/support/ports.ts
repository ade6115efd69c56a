import { readFileSync } from 'node:fs';
import net from 'node:net';

/** The ports the kernel hands out by itself (listen on port 0, the local end of an outgoing connection). */
function ephemeralPorts(): { low: number; high: number } {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (low > 0 && high >= low) return { low, high };
  } catch {
    // Not Linux: the IANA range (macOS uses it).
  }
  return { low: 49152, high: 65535 };
}

/** Ports the test scripts use on purpose (Redis, its Cluster and Sentinel, Slurm) lie below this. */
const FIRST_SPARE_PORT = 27_000;

/**
 * A loopback port nothing listens on now and that no other process is handed meanwhile: it lies
 * below the kernel's ephemeral range, so neither another test's listen(0) nor an outgoing
 * connection takes it between this check and its use (a port from listen(0), closed again, may go
 * to either). Only a process binding that very number on purpose could; the scripts' fixed ports lie
 * below FIRST_SPARE_PORT. Falls back to a port from the kernel where the range leaves no room.
 */
export async function sparePort(): Promise<number> {
  const { low } = ephemeralPorts();
  for (let attempt = 0; attempt < 50 && low - FIRST_SPARE_PORT > 100; attempt++) {
    const port = FIRST_SPARE_PORT + Math.floor(Math.random() * (low - FIRST_SPARE_PORT));
    if ((await listenOnce(port)) !== undefined) return port;
  }
  const port = await listenOnce(0);
  if (port === undefined) throw new Error('no free loopback port');
  return port;
}

/** Binds 127.0.0.1:`port` and lets it go again; the port bound, or undefined if it was taken. */
async function listenOnce(port: number): Promise<number | undefined> {
  const server = net.createServer();
  const bound = await new Promise<number | undefined>((resolve) => {
    server.once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port));
  });
  if (bound !== undefined) await new Promise<void>((r) => server.close(() => r()));
  return bound;
}
