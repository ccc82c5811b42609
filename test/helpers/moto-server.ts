import { ChildProcess, spawn } from 'child_process';
import { createServer, Socket } from 'net';

/**
 * A moto_server (AWS API emulator) on a free loopback port, started and stopped by the test that needs it.
 * moto does not enforce IAM or KMS key states: fault cases belong to the aws-sdk-client-mock suites.
 */
export class MotoServer {
  /**
   * Starts a server. `accountId` makes every ARN moto returns carry that account (moto's MOTO_ACCOUNT_ID),
   * so ARNs built from a synthesized stack's `env` match what the emulator answers.
   */
  public static async start(accountId?: string): Promise<MotoServer> {
    const port = await freePort();
    const env = accountId ? { ...process.env, MOTO_ACCOUNT_ID: accountId } : process.env;
    const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore', env });
    const server = new MotoServer(child, port);
    await server.waitUntilListening();
    return server;
  }

  public readonly endpoint: string;

  private constructor(private readonly child: ChildProcess, private readonly port: number) {
    this.endpoint = `http://127.0.0.1:${port}`;
  }

  /** SDK client configuration pointing at this server, with dummy credentials. */
  public clientConfig(region = 'eu-west-1') {
    return { endpoint: this.endpoint, region, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
  }

  public async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    await exited;
  }

  private async waitUntilListening(timeoutMs = 20_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      if (this.child.exitCode !== null) {
        throw new Error(`moto_server exited with ${this.child.exitCode}; install it with: pip install 'moto[server]'`);
      }
      if (await canConnect(this.port)) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await this.stop();
    throw new Error(`moto_server did not listen on port ${this.port} within ${timeoutMs} ms`);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => { socket.destroy(); resolve(false); });
    socket.connect(port, '127.0.0.1');
  });
}
