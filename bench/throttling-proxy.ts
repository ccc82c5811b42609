import { createServer, IncomingMessage, request, Server, ServerResponse } from 'http';

/**
 * An HTTP proxy in front of moto_server that enforces Parameter Store's default throughput with token
 * buckets, answering as SSM does when throttled. moto itself never throttles.
 */
export class ThrottlingProxy {
  public static async start(targetPort: number, limits: Record<string, number>): Promise<ThrottlingProxy> {
    const proxy = new ThrottlingProxy(targetPort, limits);
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  public throttled = 0;
  /** Requests per operation (e.g. `PutParameter`), throttled ones included: what the handler asked for. */
  public readonly requests = new Map<string, number>();
  /** Throttled requests per group (`PutParameter`, `GetParameter*`). */
  public readonly throttledBy = new Map<string, number>();
  private readonly server: Server;
  private readonly buckets = new Map<string, { tokens: number; at: number; rate: number }>();

  private constructor(private readonly targetPort: number, private readonly limits: Record<string, number>) {
    this.server = createServer((req, res) => this.handle(req, res));
  }

  public get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }

  public stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const operation = String(req.headers['x-amz-target'] ?? '').replace('AmazonSSM.', '');
    const group = operation === 'PutParameter' ? 'PutParameter' : operation.startsWith('GetParameter') ? 'GetParameter*' : undefined;
    this.requests.set(operation, (this.requests.get(operation) ?? 0) + 1);
    if (group && !this.take(group)) {
      this.throttled++;
      this.throttledBy.set(group, (this.throttledBy.get(group) ?? 0) + 1);
      req.resume();
      res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': 'ThrottlingException' });
      res.end(JSON.stringify({ __type: 'ThrottlingException', message: 'Rate exceeded' }));
      return;
    }
    const upstream = request({ host: '127.0.0.1', port: this.targetPort, path: req.url, method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 500, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  }

  /** A token bucket per group, refilled at the group's rate, holding at most one second of tokens. */
  private take(group: string): boolean {
    const rate = this.limits[group];
    const now = Date.now();
    const bucket = this.buckets.get(group) ?? { tokens: rate, at: now, rate };
    bucket.tokens = Math.min(rate, bucket.tokens + ((now - bucket.at) / 1000) * rate);
    bucket.at = now;
    this.buckets.set(group, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}
