import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";

const bin = join(import.meta.dirname, "../../bin/warden.js");

export interface DemoProcess {
  child: ChildProcess;
  /** The console's address, with its token after `#`. */
  consoleUrl: string;
  /** Warden's own web endpoints (/healthz, /readyz, /metrics, /api/messages). */
  wardenUrl: string;
  stdout: () => string;
  stop(): Promise<number | null>;
}

/** Starts `warden demo` (the console) as a newcomer would run it, and waits for the address it prints. */
export function startDemoProcess(args: string[], env: NodeJS.ProcessEnv = {}): Promise<DemoProcess> {
  const childEnv = { ...process.env, ...env };
  // As a newcomer runs it: the demo arranges its own trust of the simulator's CA.
  delete childEnv["NODE_EXTRA_CA_CERTS"];
  const child = spawn(process.execPath, [bin, "demo", ...args], {
    env: childEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`warden demo printed no address in 60 s: ${stderr}`)),
      60_000,
    );
    child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
    child.stdout?.on("data", (d: Buffer) => {
      stdout += d.toString();
      const consoleUrl = /open the SOC console at (\S+)/.exec(stdout)?.[1];
      const wardenUrl = /Warden's own endpoints: (http:\/\/[^/\s]+)/.exec(stdout)?.[1];
      if (consoleUrl !== undefined && wardenUrl !== undefined) {
        clearTimeout(timer);
        resolve({
          child,
          consoleUrl,
          wardenUrl,
          stdout: () => stdout,
          stop: async () => {
            child.kill("SIGTERM");
            return exited;
          },
        });
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`warden demo exited ${code} before printing its address: ${stderr}`));
    });
  });
}
