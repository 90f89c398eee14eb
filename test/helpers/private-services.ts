import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Redis and PostgreSQL servers of a test's own, on ports of their own, so a resilience test can kill and
 * restart them without touching the machine's shared ones that other test files use at the same time.
 */

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function waitFor(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} did not come up in ${timeoutMs / 1_000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A redis-server without persistence: a restart loses everything, the harshest case for the queue. */
export class PrivateRedis {
  private child: ChildProcess | undefined;
  private readonly dir = mkdtempSync(join(tmpdir(), "warden-redis-"));
  constructor(
    readonly port: number,
    /** More of redis-server's options, as `--name value` pairs. */
    private readonly options: string[] = [],
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.child = spawn(
      "redis-server",
      [
        "--port",
        String(this.port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        this.dir,
        ...this.options,
      ],
      { stdio: "ignore" },
    );
    await waitFor(() => {
      try {
        return (
          execFileSync("redis-cli", ["-p", String(this.port), "ping"])
            .toString()
            .trim() === "PONG"
        );
      } catch {
        return false;
      }
    }, "redis");
  }

  /** Gone at once, as a crashed server goes: no shutdown, nothing saved. */
  async kill(): Promise<void> {
    const child = this.child;
    if (child === undefined || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once("exit", () => resolve());
      child.kill("SIGKILL");
    });
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A PostgreSQL cluster of the test's own (Debian's pg_createcluster), trust authentication on loopback. */
export class PrivatePostgres {
  private readonly version = execFileSync("ls", ["/etc/postgresql"]).toString().trim().split("\n")[0] ?? "15";
  readonly name = `warden-${process.pid}-${Date.now() % 100_000}`;
  constructor(readonly port: number) {}

  static available(): boolean {
    try {
      execFileSync("which", ["pg_createcluster"]);
      return process.getuid?.() === 0;
    } catch {
      return false;
    }
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  async create(): Promise<void> {
    execFileSync(
      "pg_createcluster",
      [this.version, this.name, "-p", String(this.port), "--", "--auth-host=trust", "--auth-local=trust"],
      { stdio: "ignore" },
    );
    await this.start();
  }

  private ctl(action: "start" | "stop" | "restart", extra: string[] = []): void {
    execFileSync("pg_ctlcluster", ["--skip-systemctl-redirect", this.version, this.name, action, ...extra], {
      stdio: "ignore",
    });
  }

  async start(): Promise<void> {
    this.ctl("start");
    await waitFor(() => {
      try {
        execFileSync("pg_isready", ["-h", "127.0.0.1", "-p", String(this.port)]);
        return true;
      } catch {
        return false;
      }
    }, "postgres");
  }

  /** An immediate stop: connections are cut, as when the server crashes or fails over. */
  async stopNow(): Promise<void> {
    this.ctl("stop", ["-m", "immediate"]);
  }

  async drop(): Promise<void> {
    try {
      execFileSync("pg_dropcluster", ["--stop", this.version, this.name], { stdio: "ignore" });
    } catch {
      // Already gone.
    }
  }
}

/**
 * A Redis Cluster of three masters (Debian's redis-server, `--cluster-enabled yes`, joined with
 * `redis-cli --cluster create`), the mode Azure Managed Redis runs in by default. Slots are spread over
 * the three nodes, so a script whose keys fall in different slots is refused (CROSSSLOT), as in Azure.
 */
export class PrivateRedisCluster {
  private readonly nodes: PrivateRedis[] = [];

  get url(): string {
    return (this.nodes[0] as PrivateRedis).url;
  }

  async start(): Promise<void> {
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      const node = new PrivateRedis(port, [
        "--cluster-enabled",
        "yes",
        "--cluster-config-file",
        `nodes-${port}.conf`,
        "--cluster-node-timeout",
        "5000",
      ]);
      await node.start();
      this.nodes.push(node);
    }
    execFileSync("redis-cli", [
      "--cluster",
      "create",
      ...this.nodes.map((n) => `127.0.0.1:${n.port}`),
      "--cluster-replicas",
      "0",
      "--cluster-yes",
    ]);
    await waitFor(() => {
      try {
        return this.nodes.every((n) =>
          execFileSync("redis-cli", ["-p", String(n.port), "cluster", "info"])
            .toString()
            .includes("cluster_state:ok"),
        );
      } catch {
        return false;
      }
    }, "the cluster");
  }

  async stop(): Promise<void> {
    for (const node of this.nodes) await node.stop();
  }
}
